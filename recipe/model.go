package recipe

import (
	"net/url"
	"path"
	"strconv"
	"strings"

	"github.com/bundlekit/bundlekit/internal/xmldoc"
	"github.com/bundlekit/bundlekit/token"
)

// Recipe is a parsed and validated deploy.xml.
type Recipe struct {
	// File is the name positions refer to (as given to Parse, or the path given
	// to ParseFile).
	File    string
	Project Project
	Bundle  Bundle
	// Tasks are the Ant tasks written at the top level of the project, outside
	// any target and other than rhq:bundle (typically <property>); Ant runs them
	// in document order before anything else.
	Tasks []*Task
	// Targets in document order.
	Targets []*Target
	// Warnings are legal but questionable constructs (deprecated attributes,
	// repeated elements where the last one wins, …), for tools to show.
	Warnings []*Error
	// Defined holds the properties the recipe itself defined while Expand ran
	// (<property> values, input-property defaults, basedir); the caller's own
	// properties are not repeated here. Nil on a recipe that was not expanded.
	Defined map[string]string

	// doc and strict are kept so Expand can rebuild the model from the same tree
	// with the same rules.
	doc    *xmldoc.Document
	strict bool
}

// Project is the Ant <project> root element.
type Project struct {
	Name    string
	Default string
	Basedir string
	Pos     Pos
}

// Bundle is the <rhq:bundle> element (R155).
type Bundle struct {
	Name        string
	Version     string
	Description string
	// HasDescription tells an absent description (RHQ's null) from an empty one.
	HasDescription bool
	// Properties are the <property> and <rhq:property> elements inside
	// rhq:bundle, in document order.
	Properties []*Property
	Inputs     []*InputProperty
	Unit       *DeploymentUnit
	// Requires is the bundle's installation conditions (bk:requires-*).
	Requires Requires `json:",omitzero"`
	Pos      Pos
}

// InputProperty is an <rhq:input-property>: a value the operator supplies at
// deployment time (R158).
type InputProperty struct {
	Name        string
	Description string
	Type        token.Type
	// Required defaults to true (R158), whatever older documentation says.
	Required   bool
	Default    string
	HasDefault bool
	Pos        Pos
}

// Property is an Ant <property> or an <rhq:property> (R177).
type Property struct {
	// RHQ is true for <rhq:property>.
	RHQ         bool
	Name        string
	Value       string
	Location    string
	File        string
	Environment string
	Prefix      string
	// RelativeToDeployDir re-roots File under the deploy dir (rhq:property only).
	RelativeToDeployDir bool
	Pos                 Pos
}

// Compliance says how much of the destination a deployment manages (R9).
type Compliance string

// The two compliance modes.
const (
	// Full: the bundle owns the whole destination; unknown files are backed up
	// and removed.
	Full Compliance = "full"
	// FilesAndDirectories: unknown top-level entries are left alone; only the
	// top-level directories the bundle writes into are made compliant.
	FilesAndDirectories Compliance = "filesAndDirectories"
)

// ComplianceSource records how a deployment unit declared its compliance, so tools
// can warn about the deprecated form.
type ComplianceSource int

// Ways a unit can declare compliance.
const (
	// ComplianceDefault: neither attribute was given; compliance is Full (R9).
	ComplianceDefault ComplianceSource = iota
	// ComplianceAttribute: compliance="…".
	ComplianceAttribute
	// ComplianceManageRootDir: the deprecated manageRootDir="true|false" (R160).
	ComplianceManageRootDir
)

// DeploymentUnit is the one <rhq:deployment-unit> of a bundle (R156, R160).
type DeploymentUnit struct {
	Name       string
	Compliance Compliance
	// ComplianceFrom says which attribute decided Compliance; CompliancePos is
	// where (the zero Pos when defaulted).
	ComplianceFrom    ComplianceSource
	CompliancePos     Pos
	PreinstallTarget  string
	PostinstallTarget string
	// Files are the <rhq:file> and <rhq:url-file> items, in document order.
	Files []*File
	// Archives are the <rhq:archive> and <rhq:url-archive> items, in document
	// order.
	Archives []*Archive
	// Ignore is the last <rhq:ignore> (R162: a later one replaces an earlier
	// one); nil when there is none.
	Ignore        *FileSelector
	SystemService *SystemService
	Pos           Pos
}

// File is an <rhq:file> (Name set) or an <rhq:url-file> (URL set).
type File struct {
	Name string
	URL  string
	// SHA256 is the SHA-256 the content downloaded from URL must have, in
	// lowercase hex (bk:sha256); empty when the recipe pins none.
	SHA256          string
	DestinationFile string
	DestinationDir  string
	// Replace realizes @@tokens@@ in the file (R163).
	Replace  bool
	Handover *Handover
	Pos      Pos
}

// Destination is where the file goes, relative to the deploy dir unless absolute,
// before normalisation (R163, R165): destinationFile; else destinationDir joined
// with the source's base name; else the source's own relative path (rhq:file) or
// the last segment of the URL path, or the URL host when that is empty
// (rhq:url-file). It is empty for a handover item.
func (f *File) Destination() string {
	switch {
	case f.Handover != nil:
		return ""
	case f.DestinationFile != "":
		return f.DestinationFile
	case f.DestinationDir != "":
		return joinDest(f.DestinationDir, f.BaseName())
	case f.URL != "":
		return f.BaseName()
	default:
		return f.Name
	}
}

// BaseName is the file name of the source: the last element of Name, or of the
// URL path (the URL host when the path has none, R165).
func (f *File) BaseName() string {
	if f.URL != "" {
		return urlBaseName(f.URL)
	}
	return path.Base(slashes(f.Name))
}

// Archive is an <rhq:archive> (Name set) or an <rhq:url-archive> (URL set).
type Archive struct {
	Name string
	URL  string
	// SHA256 is the SHA-256 the archive downloaded from URL must have, in
	// lowercase hex (bk:sha256); empty when the recipe pins none.
	SHA256 string
	// Exploded: the entries are extracted; otherwise the archive is copied as
	// one file (R164, R97, R98).
	Exploded bool
	// DestinationDir is where a compressed archive is placed (R98); it implies
	// Exploded is false (bundlekit's choice for the R164 quirk).
	DestinationDir string
	// Replace selects the entries whose @@tokens@@ are realized; nil when the
	// archive has no <rhq:replace>.
	Replace  *FileSelector
	Handover *Handover
	Pos      Pos
}

// Destination is where a compressed archive is placed, relative to the deploy
// dir unless absolute, before normalisation (R98): destinationDir joined with the
// archive's base name; else its path in the bundle (rhq:archive) or the base
// name of its URL (rhq:url-archive). An exploded archive's entries go to the
// deploy dir itself (R97).
func (a *Archive) Destination() string {
	switch {
	case a.DestinationDir != "":
		return joinDest(a.DestinationDir, a.BaseName())
	case a.URL != "":
		return a.BaseName()
	}
	return path.Clean(slashes(a.Name))
}

// BaseName is the archive's file name: the last element of Name, or of the URL
// path (the URL host when the path has none).
func (a *Archive) BaseName() string {
	if a.URL != "" {
		return urlBaseName(a.URL)
	}
	return path.Base(slashes(a.Name))
}

// FileSelector is an <rhq:replace> or <rhq:ignore>: the union of its filesets.
type FileSelector struct {
	Filesets []*Fileset
	Pos      Pos
}

// Fileset is an <rhq:fileset>. Includes collects the includes attribute (comma or
// space separated), the file attribute and nested <include name>; Excludes the
// excludes attribute and nested <exclude name>. Patterns are Ant patterns relative
// to Dir.
type Fileset struct {
	Dir      string
	Includes []Pattern
	Excludes []Pattern
	Pos      Pos
}

// Pattern is one Ant pattern and where it was written.
type Pattern struct {
	Pattern string
	Pos     Pos
}

// Handover is an <rhq:handover> child of a file or archive (R173): the content is
// handed to a handover target instead of being deployed.
type Handover struct {
	Action      string
	FailOnError bool
	Params      []HandoverParam
	Pos         Pos
}

// HandoverParam is an <rhq:handover-param>.
type HandoverParam struct {
	Name  string
	Value string
	Pos   Pos
}

// SystemService is an <rhq:system-service> (R174).
type SystemService struct {
	Name       string
	ScriptFile string
	ConfigFile string
	// StartLevels are the run levels (0–6) the service starts in.
	StartLevels     []int
	StartPriority   int
	StopPriority    int
	Root            string
	OverwriteScript bool
	OverwriteConfig bool
	OverwriteLinks  bool
	Pos             Pos
}

// Target is an Ant <target>.
type Target struct {
	Name        string
	Depends     []string
	If          string
	Unless      string
	Description string
	Tasks       []*Task
	Pos         Pos
}

// Task is an element inside a target (or at the top level of the project), kept
// as written for the Ant task interpreter: attribute values are raw (${…} is
// expanded when the task runs), children and text are kept in order.
type Task struct {
	// Name is the element's local name ("echo", "audit", …); Space is its
	// namespace URI ("" for plain Ant tasks, "antlib:org.rhq.bundle" for rhq:
	// tasks); Prefix is the prefix as written.
	Name   string
	Space  string
	Prefix string
	Attrs  []Attr
	// Text is the element's character data (e.g. <echo>text</echo>).
	Text     string
	Children []*Task
	// Audit is set for an rhq:audit task, with its attributes checked (R178).
	Audit *Audit
	Pos   Pos
}

// Attr is one attribute of a Task, in document order.
type Attr struct {
	Name  string
	Value string
}

// Attr returns the value of the named attribute and whether it is present.
func (t *Task) Attr(name string) (string, bool) {
	for _, a := range t.Attrs {
		if a.Name == name {
			return a.Value, true
		}
	}
	return "", false
}

// IsRHQ reports whether the task is an element of the RHQ namespace.
func (t *Task) IsRHQ() bool { return t.Space == rhqNS }

// AuditStatus is the status of an rhq:audit record (R178).
type AuditStatus string

// The audit statuses.
const (
	AuditSuccess AuditStatus = "SUCCESS"
	AuditInfo    AuditStatus = "INFO"
	AuditWarn    AuditStatus = "WARN"
	AuditFailure AuditStatus = "FAILURE"
)

// Audit is an <rhq:audit> task (R178). Its values are raw: ${…} is expanded when
// the task runs. Empty Action and Info mean RHQ's defaults ("Audit Message" and a
// timestamp), applied at run time.
type Audit struct {
	Status  AuditStatus
	Action  string
	Info    string
	Message string
	Details string
}

// Target returns the target named name, or nil.
func (r *Recipe) Target(name string) *Target {
	for _, t := range r.Targets {
		if t.Name == name {
			return t
		}
	}
	return nil
}

func joinDest(dir, base string) string {
	dir = strings.TrimRight(dir, `/\`)
	if dir == "" {
		return "/" + base
	}
	return dir + "/" + base
}

func slashes(p string) string { return strings.ReplaceAll(p, `\`, "/") }

func urlBaseName(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	p := strings.TrimRight(u.Path, "/")
	if i := strings.LastIndex(p, "/"); i >= 0 {
		p = p[i+1:]
	}
	if p == "" {
		return u.Hostname()
	}
	return p
}

var complianceSources = [...]string{"default", "compliance", "manageRootDir"}

// String names the attribute the compliance came from ("default" when none).
func (s ComplianceSource) String() string {
	if int(s) < len(complianceSources) {
		return complianceSources[s]
	}
	return "ComplianceSource(" + strconv.Itoa(int(s)) + ")"
}

// MarshalText writes the source by name, so JSON output reads well.
func (s ComplianceSource) MarshalText() ([]byte, error) { return []byte(s.String()), nil }
