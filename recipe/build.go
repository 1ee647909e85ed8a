package recipe

import (
	"encoding/hex"
	"fmt"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/beevik/etree"

	"github.com/bundlekit/bundlekit/internal/winpath"
	"github.com/bundlekit/bundlekit/internal/xmldoc"
	"github.com/bundlekit/bundlekit/token"
)

// kindError is a message that unwraps to one of the Err* sentinels without
// printing it, so errors read as prose while callers can still use errors.Is.
type kindError struct {
	kind error
	msg  string
}

func (e *kindError) Error() string { return e.msg }
func (e *kindError) Unwrap() error { return e.kind }

// builder turns the XML tree into the typed model, collecting every error instead
// of stopping at the first. The same builder runs at parse time (ex == nil: values
// are raw and checks on values that still contain ${…} are deferred) and at
// Expand time (every value expanded, every check made).
type builder struct {
	doc      *xmldoc.Document
	file     string
	strict   bool
	ex       *expander
	unitElem *etree.Element
	errs     []error
	warnings []*Error
}

// Allowed attributes of each RHQ element (R153–R178). Anything else in the RHQ
// namespace is an error with the nearest valid name suggested.
var rhqAttrs = map[string][]string{
	"bundle":          {"name", "version", "description"},
	"input-property":  {"name", "description", "type", "required", "defaultValue"},
	"deployment-unit": {"name", "compliance", "manageRootDir", "preinstallTarget", "postinstallTarget"},
	"file":            {"name", "destinationFile", "destinationDir", "replace"},
	"archive":         {"name", "exploded", "destinationDir"},
	"url-file":        {"url", "destinationFile", "destinationDir", "replace"},
	"url-archive":     {"url", "exploded", "destinationDir"},
	"replace":         {},
	"ignore":          {},
	"fileset":         {"dir", "includes", "excludes", "file"},
	"system-service":  {"name", "scriptFile", "configFile", "overwriteScript", "overwriteConfig", "overwriteLinks", "startLevels", "startPriority", "stopPriority", "root"},
	"handover":        {"action", "failonerror"},
	"handover-param":  {"name", "value"},
	"audit":           {"status", "action", "info", "message"},
	"property":        {"name", "value", "location", "file", "environment", "prefix", "relativeToDeployDir"},
}

// bundlekitAttrs are the attributes in BundlekitNS each RHQ element takes.
var bundlekitAttrs = map[string][]string{
	"bundle":      requiresAttrs,
	"url-file":    {"sha256"},
	"url-archive": {"sha256"},
}

// requiresAttrs are the installation conditions rhq:bundle takes in
// BundlekitNS (see Requires), in the order their conditions are listed.
var requiresAttrs = []string{"requires-os", "requires-free-space", "requires-paths", "requires-deployments",
	"requires-check", "requires-check-timeout", "requires-check-codes"}

// allBundlekitAttrs are the names a misspelt bundlekit attribute is compared
// with.
var allBundlekitAttrs = append([]string{"sha256"}, requiresAttrs...)

// propertyAttrs are the attributes of Ant's own <property> task that a recipe may
// use; bundlekit supports the first six (see Property).
var propertyAttrs = []string{"name", "value", "location", "file", "environment", "prefix",
	"resource", "url", "classpath", "classpathref", "refid", "relative", "basedir", "prefixValues", "runtime"}

func rhqElementNames() []string {
	names := make([]string, 0, len(rhqAttrs))
	for n := range rhqAttrs {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

func (b *builder) pos(e *etree.Element) Pos {
	p := b.doc.Pos(e)
	return Pos{File: b.file, Line: p.Line, Col: p.Col}
}

// describe renders an element for error messages: its tag as written plus the
// attribute that identifies it, e.g. <rhq:file name="a.conf">.
func describe(e *etree.Element) string {
	for _, key := range []string{"name", "url", "action"} {
		if a := e.SelectAttr(key); a != nil {
			return fmt.Sprintf("<%s %s=%q>", e.FullTag(), key, a.Value)
		}
	}
	return "<" + e.FullTag() + ">"
}

func (b *builder) errorf(e *etree.Element, rule string, kind error, format string, args ...any) {
	b.errs = append(b.errs, &Error{
		Pos:     b.pos(e),
		Element: describe(e),
		Rule:    rule,
		Err:     &kindError{kind: kind, msg: fmt.Sprintf(format, args...)},
	})
}

func (b *builder) warnf(e *etree.Element, rule string, format string, args ...any) {
	b.warnings = append(b.warnings, &Error{
		Pos:     b.pos(e),
		Element: describe(e),
		Rule:    rule,
		Err:     &kindError{kind: ErrInvalid, msg: fmt.Sprintf(format, args...)},
	})
}

func isRHQ(e *etree.Element, local string) bool {
	return e.Tag == local && e.NamespaceURI() == rhqNS
}

// isAnt reports whether e is a plain Ant element (no namespace) named local.
func isAnt(e *etree.Element, local string) bool {
	return e.Tag == local && e.NamespaceURI() == ""
}

// attrs returns e's attributes other than namespace declarations.
func attrs(e *etree.Element) []etree.Attr {
	var out []etree.Attr
	for _, a := range e.Attr {
		if a.Space == "xmlns" || (a.Space == "" && a.Key == "xmlns") {
			continue
		}
		out = append(out, a)
	}
	return out
}

// checkAttrs reports attributes of e not in allowed, suggesting the nearest one.
// Attributes in BundlekitNS are checked against bundlekitAttrs instead.
func (b *builder) checkAttrs(e *etree.Element, allowed []string) {
	for _, a := range attrs(e) {
		if a.NamespaceURI() == BundlekitNS {
			b.checkBundlekitAttr(e, a)
			continue
		}
		name := a.Key
		if a.Space != "" {
			name = a.Space + ":" + a.Key
		}
		if a.Space == "" && slices.Contains(allowed, a.Key) {
			continue
		}
		msg := fmt.Sprintf("unknown attribute %q", name)
		if s := nearest(a.Key, allowed); s != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", s)
		} else if len(allowed) == 0 {
			msg += " (this element takes no attributes)"
		}
		b.errorf(e, "R153", ErrUnknown, "%s", msg)
	}
}

// checkBundlekitAttr reports a in BundlekitNS when e does not take it. RHQ's Ant
// ignores attributes in a namespace it does not know, so they cost RHQ nothing;
// here a misspelt one would silently drop a check, so it is an error.
func (b *builder) checkBundlekitAttr(e *etree.Element, a etree.Attr) {
	var allowed []string
	if e.NamespaceURI() == rhqNS {
		allowed = bundlekitAttrs[e.Tag]
	}
	if slices.Contains(allowed, a.Key) {
		return
	}
	name := a.FullKey()
	if a.Key == "sha256" {
		b.errorf(e, "", ErrInvalid, "%s applies to rhq:url-file and rhq:url-archive only: the bundle's own files are "+
			"checked with the bundle's digest (the deployer's --bundle-sha256)", name)
		return
	}
	if slices.Contains(requiresAttrs, a.Key) {
		b.errorf(e, "", ErrInvalid, "%s applies to rhq:bundle only: installation conditions are the bundle's", name)
		return
	}
	msg := fmt.Sprintf("unknown bundlekit attribute %q", name)
	if s := nearest(a.Key, allBundlekitAttrs); s != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", a.Space+":"+s)
	}
	b.errorf(e, "", ErrUnknown, "%s", msg)
}

// sha256 returns the bk:sha256 attribute of e in lowercase, expanded when
// building for a deployment; empty when e has none.
func (b *builder) sha256(e *etree.Element) string {
	for _, a := range attrs(e) {
		if a.NamespaceURI() != BundlekitNS || a.Key != "sha256" {
			continue
		}
		v := b.ex.expand(a.Value)
		if b.deferred(v) {
			return v
		}
		if _, err := hex.DecodeString(v); err != nil || len(v) != 64 {
			b.errorf(e, "", ErrInvalid, "%s=%q is not a SHA-256 digest: it must be 64 hex digits", a.FullKey(), v)
			return ""
		}
		return strings.ToLower(v)
	}
	return ""
}

// value returns the attribute's value, expanded when building for a deployment.
func (b *builder) value(e *etree.Element, name string) (string, bool) {
	a := e.SelectAttr(name)
	if a == nil || a.Space != "" {
		return "", false
	}
	return b.ex.expand(a.Value), true
}

func (b *builder) str(e *etree.Element, name string) string {
	v, _ := b.value(e, name)
	return v
}

// deferred reports whether a check on v must wait for Expand: at parse time a value
// that still refers to an Ant property cannot be judged yet.
func (b *builder) deferred(v string) bool {
	return b.ex == nil && strings.Contains(v, "${")
}

// required returns a required attribute, reporting it when absent or empty with
// RHQ's two messages (R155).
func (b *builder) required(e *etree.Element, name, rule string) string {
	v, ok := b.value(e, name)
	switch {
	case !ok:
		b.errorf(e, rule, ErrMissing, "the %q attribute is required", name)
	case strings.TrimSpace(v) == "":
		b.errorf(e, rule, ErrMissing, "the %q attribute must have a non-empty value", name)
	}
	return v
}

// antBool reads an Ant boolean attribute. Ant takes true/yes/on as true and
// anything else as false; bundlekit also accepts false/no/off but rejects other
// words, because a typo such as "ture" silently meaning false is a deployment
// surprise (documented divergence).
func (b *builder) antBool(e *etree.Element, name string, dflt bool, rule string) bool {
	v, ok := b.value(e, name)
	if !ok || b.deferred(v) {
		return dflt
	}
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true", "yes", "on":
		return true
	case "false", "no", "off":
		return false
	}
	b.errorf(e, rule, ErrInvalid, "%s=%q is not a boolean (use true or false)", name, v)
	return dflt
}

// strictBool reads the attributes RHQ itself parses as booleans (exploded,
// manageRootDir): true or false, case-insensitive, nothing else (R160, R164).
func (b *builder) strictBool(e *etree.Element, name string, dflt bool, rule string) (bool, bool) {
	v, ok := b.value(e, name)
	if !ok || b.deferred(v) {
		return dflt, false
	}
	switch strings.ToLower(v) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	b.errorf(e, rule, ErrInvalid, "%q attribute must be 'true' or 'false': %s", name, v)
	return dflt, false
}

// relPath checks a bundle-relative path attribute (R163 and GO of R181): it must
// be relative and must not climb out of the bundle with "..".
func (b *builder) relPath(e *etree.Element, attr, v, rule string) {
	if v == "" || b.deferred(v) {
		return
	}
	p := slashes(v)
	switch {
	case strings.ContainsRune(v, 0):
		b.errorf(e, rule, ErrInvalid, "%s %q contains a NUL byte", attr, v)
	case path.IsAbs(p) || winpath.Drive(p) != 0:
		b.errorf(e, rule, ErrInvalid, "path specified by %q (%s) is not relative - it must be a path relative to the bundle directory", attr, v)
	case escapes(p):
		b.errorf(e, rule, ErrInvalid, "path specified by %q (%s) climbs out of the bundle directory with \"..\"", attr, v)
	}
}

func escapes(p string) bool {
	c := path.Clean(p)
	return c == ".." || strings.HasPrefix(c, "../")
}

// children returns e's child elements, reporting each one that is not allowed
// there. allowed names RHQ elements by local name; plain Ant elements are allowed
// only when listed with a "ant:" prefix.
func (b *builder) children(e *etree.Element, allowed ...string) []*etree.Element {
	var out []*etree.Element
	for _, c := range e.ChildElements() {
		key := c.Tag
		switch c.NamespaceURI() {
		case rhqNS:
		case "":
			key = "ant:" + c.Tag
		default:
			key = "{" + c.NamespaceURI() + "}" + c.Tag
		}
		if slices.Contains(allowed, key) {
			out = append(out, c)
			continue
		}
		b.unexpected(c, e)
	}
	return out
}

// unexpected reports child c, which may not appear inside parent.
func (b *builder) unexpected(c, parent *etree.Element) {
	if b.unsupported(c) {
		return
	}
	if c.NamespaceURI() == rhqNS {
		if _, known := rhqAttrs[c.Tag]; !known {
			msg := fmt.Sprintf("unknown RHQ element <%s>", c.FullTag())
			if s := nearest(c.Tag, rhqElementNames()); s != "" {
				msg += fmt.Sprintf(" (did you mean <%s:%s>?)", c.Space, s)
			}
			b.errorf(c, "R153", ErrUnknown, "%s", msg)
			return
		}
	}
	b.errorf(c, "R153", ErrInvalid, "<%s> is not allowed inside <%s>", c.FullTag(), parent.FullTag())
}

const (
	antcallWhy  = "<antcall> cannot be used in a bundle recipe: it calls a target of deploy.xml, which runs the rhq:bundle task again, which loops forever; put the targets in a separate file and call them with <ant antfile=\"other.xml\" target=\"…\">"
	macrodefWhy = "<macrodef> is not supported in bundle recipes: macro definitions cannot be used with Ant bundles"
)

// unsupported reports <antcall> and <macrodef> (seed §2.3.2.3.1) and returns
// whether e was one of them.
func (b *builder) unsupported(e *etree.Element) bool {
	switch {
	case isAnt(e, "antcall"):
		b.errorf(e, "", ErrUnsupported, antcallWhy)
	case isAnt(e, "macrodef"):
		b.errorf(e, "", ErrUnsupported, macrodefWhy)
	default:
		return false
	}
	return true
}

func build(doc *xmldoc.Document, file string, strict bool, ex *expander) (*Recipe, error) {
	b := &builder{doc: doc, file: file, strict: strict, ex: ex}
	r := &Recipe{File: file, doc: doc, strict: strict}
	root := doc.Root
	if !isAnt(root, "project") {
		b.errorf(root, "R153", ErrInvalid, "the root element must be an Ant <project>, not <%s>", root.FullTag())
		return nil, joinErrors(b.errs)
	}
	b.checkAttrs(root, []string{"name", "default", "basedir"})
	r.Project = Project{Name: b.str(root, "name"), Default: b.str(root, "default"), Basedir: b.str(root, "basedir"), Pos: b.pos(root)}

	var bundles []*etree.Element
	for _, c := range root.ChildElements() {
		switch {
		case isRHQ(c, "bundle"):
			bundles = append(bundles, c)
			if len(bundles) == 1 {
				r.Bundle = b.bundle(c)
			}
		case isAnt(c, "target"):
			r.Targets = append(r.Targets, b.target(c))
		case c.NamespaceURI() == rhqNS && c.Tag != "audit" && c.Tag != "property":
			b.unexpected(c, root)
		default:
			if t := b.task(c); t != nil {
				r.Tasks = append(r.Tasks, t)
				if isAnt(c, "property") {
					b.defineProperty(b.property(c))
				}
			}
		}
	}
	switch {
	case len(bundles) == 0:
		b.errorf(root, "R154", ErrMissing, "rhq:bundle task not found - an RHQ bundle Ant build file must contain exactly one rhq:bundle task")
	case len(bundles) > 1:
		for _, extra := range bundles[1:] {
			b.errorf(extra, "R154", ErrConflict, "more than one rhq:bundle task found - an RHQ bundle Ant build file must contain exactly one rhq:bundle task")
		}
	}
	b.checkTargets(r)
	r.Warnings = b.warnings
	if len(b.errs) > 0 {
		return nil, joinErrors(b.errs)
	}
	return r, nil
}

func (b *builder) bundle(e *etree.Element) Bundle {
	b.checkAttrs(e, rhqAttrs["bundle"])
	bd := Bundle{
		Name:    b.required(e, "name", "R155"),
		Version: b.required(e, "version", "R155"),
		Pos:     b.pos(e),
	}
	bd.Description, bd.HasDescription = b.value(e, "description")
	bd.Requires = b.requires(e)
	var units []*etree.Element
	for _, c := range b.children(e, "input-property", "ant:property", "property", "deployment-unit") {
		switch {
		case isRHQ(c, "input-property"):
			bd.Inputs = append(bd.Inputs, b.input(c))
		case isRHQ(c, "deployment-unit"):
			units = append(units, c)
		default:
			p := b.property(c)
			bd.Properties = append(bd.Properties, p)
			b.defineProperty(p)
		}
	}
	switch {
	case len(units) == 0:
		b.errorf(e, "R156", ErrMissing, "the bundle task must contain exactly one rhq:deployment-unit child element")
	case len(units) > 1:
		for _, extra := range units[1:] {
			b.errorf(extra, "R156", ErrConflict, "the bundle task must contain exactly one rhq:deployment-unit child element (RHQ would silently use only one of them)")
		}
	}
	if len(units) > 0 {
		b.unitElem = units[0]
		bd.Unit = b.unit(units[0])
	}
	seen := map[string]*InputProperty{}
	for _, in := range bd.Inputs {
		if prev, dup := seen[in.Name]; dup && in.Name != "" {
			b.errs = append(b.errs, &Error{Pos: in.Pos, Element: fmt.Sprintf("<rhq:input-property name=%q>", in.Name), Rule: "R158",
				Err: &kindError{kind: ErrConflict, msg: fmt.Sprintf("input property %q is already declared at %s", in.Name, prev.Pos)}})
		}
		seen[in.Name] = in
	}
	return bd
}

func validTokenName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c == '.' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}

func (b *builder) input(e *etree.Element) *InputProperty {
	b.checkAttrs(e, rhqAttrs["input-property"])
	p := &InputProperty{
		Name:        b.required(e, "name", "R158"),
		Description: b.str(e, "description"),
		Type:        token.TypeString,
		Required:    b.antBool(e, "required", true, "R158"),
		Pos:         b.pos(e),
	}
	if p.Name != "" && !b.deferred(p.Name) && !validTokenName(p.Name) {
		b.errorf(e, "R141", ErrInvalid, "input property name %q may only contain letters, digits, '_' and '.' (it names a @@token@@)", p.Name)
	}
	if v, ok := b.value(e, "type"); ok && !b.deferred(v) {
		t, err := token.ParseType(v)
		if err != nil {
			b.errorf(e, "R158", ErrInvalid, "illegal value for 'type' attribute: %s (valid types: %s)", v, typeNames())
		} else {
			p.Type = t
		}
	}
	p.Default, p.HasDefault = b.value(e, "defaultValue")
	if p.HasDefault && !b.deferred(p.Default) {
		if err := p.Type.Validate(p.Default); err != nil {
			shown := p.Default
			if p.Type.Secret() {
				shown = "****"
			}
			b.errorf(e, "R158", ErrInvalid, "default value '%s' is not valid according to 'type' attribute: %s", shown, p.Type)
		}
	}
	if !p.Required && !p.HasDefault {
		b.warnf(e, "R158", "optional input property %q has no default value: tokens that use it stay unrealized unless a value is given", p.Name)
	}
	if b.ex != nil {
		b.ex.defineInput(p)
	}
	return p
}

func typeNames() string {
	types := token.Types()
	names := make([]string, len(types))
	for i, t := range types {
		names[i] = string(t)
	}
	return strings.Join(names, ", ")
}

func (b *builder) property(e *etree.Element) *Property {
	rhq := e.NamespaceURI() == rhqNS
	if rhq {
		b.checkAttrs(e, rhqAttrs["property"])
	} else {
		b.checkAttrs(e, propertyAttrs)
	}
	p := &Property{
		RHQ:         rhq,
		Name:        b.str(e, "name"),
		Value:       b.str(e, "value"),
		Location:    b.str(e, "location"),
		File:        b.str(e, "file"),
		Environment: b.str(e, "environment"),
		Prefix:      b.str(e, "prefix"),
		Pos:         b.pos(e),
	}
	if rhq {
		p.RelativeToDeployDir = b.antBool(e, "relativeToDeployDir", false, "R177")
	}
	_, hasValue := b.value(e, "value")
	_, hasLocation := b.value(e, "location")
	sources := 0
	for _, set := range []bool{hasValue, hasLocation, p.File != "", p.Environment != ""} {
		if set {
			sources++
		}
	}
	switch {
	case sources == 0:
		for _, a := range propertyAttrs[6:] {
			if e.SelectAttr(a) != nil {
				b.errorf(e, "R153", ErrUnsupported, "the %q attribute of <property> is not supported; use value, location, file or environment", a)
				return p
			}
		}
		b.errorf(e, "R153", ErrMissing, "a property needs one of value, location, file or environment")
	case sources > 1:
		b.errorf(e, "R153", ErrConflict, "value, location, file and environment exclude each other on one property")
	case (hasValue || hasLocation) && p.Name == "":
		b.errorf(e, "R153", ErrMissing, "the %q attribute is required with value or location", "name")
	}
	if p.RelativeToDeployDir && p.File == "" {
		b.errorf(e, "R177", ErrInvalid, "relativeToDeployDir only applies with the file attribute")
	}
	return p
}

func (b *builder) unit(e *etree.Element) *DeploymentUnit {
	b.checkAttrs(e, rhqAttrs["deployment-unit"])
	u := &DeploymentUnit{
		Name:              b.str(e, "name"),
		Compliance:        Full,
		PreinstallTarget:  b.str(e, "preinstallTarget"),
		PostinstallTarget: b.str(e, "postinstallTarget"),
		Pos:               b.pos(e),
	}
	// Both attributes may be present; RHQ applies them in document order and the
	// last one wins (R160).
	for _, a := range attrs(e) {
		if a.Space != "" {
			continue
		}
		switch a.Key {
		case "compliance":
			v := b.ex.expand(a.Value)
			if b.deferred(v) {
				continue
			}
			switch Compliance(v) {
			case Full, FilesAndDirectories:
				u.Compliance = Compliance(v)
				u.ComplianceFrom = ComplianceAttribute
				u.CompliancePos = b.pos(e)
			default:
				b.errorf(e, "R160", ErrInvalid, "compliance=%q is not a compliance mode (use %q or %q)", v, Full, FilesAndDirectories)
			}
		case "manageRootDir":
			if v, ok := b.strictBool(e, "manageRootDir", true, "R160"); ok {
				u.Compliance = FilesAndDirectories
				if v {
					u.Compliance = Full
				}
				u.ComplianceFrom = ComplianceManageRootDir
				u.CompliancePos = b.pos(e)
				b.warnf(e, "R160", "manageRootDir is deprecated: write compliance=%q instead", u.Compliance)
			}
		}
	}
	if b.strict && u.ComplianceFrom == ComplianceDefault {
		b.errorf(e, "R161", ErrMissing, "the deployment unit must specifically declare compliance mode of the destination directory")
	}
	var ignores, services int
	for _, c := range b.children(e, "file", "archive", "url-file", "url-archive", "ignore", "system-service") {
		switch c.Tag {
		case "file", "url-file":
			u.Files = append(u.Files, b.fileItem(c))
		case "archive", "url-archive":
			u.Archives = append(u.Archives, b.archive(c))
		case "ignore":
			ignores++
			if ignores > 1 {
				b.warnf(c, "R162", "a second rhq:ignore replaces the earlier one; put all filesets in one rhq:ignore")
			}
			u.Ignore = b.selector(c, true)
		case "system-service":
			services++
			if services > 1 {
				b.errorf(c, "R162", ErrConflict, "a rhq:deployment-unit element can only have one rhq:system-service child element")
				continue
			}
			u.SystemService = b.systemService(c)
		}
	}
	if len(u.Files) == 0 && len(u.Archives) == 0 {
		b.errorf(e, "R162", ErrMissing, "nothing to deploy: specify at least one file via nested rhq:file, rhq:archive, rhq:url-file or rhq:url-archive elements")
	}
	return u
}

// destinationAttrs reads destinationFile/destinationDir, which exclude each other
// (R163, R165).
func (b *builder) destinationAttrs(e *etree.Element, rule string) (file, dir string) {
	file, hasFile := b.value(e, "destinationFile")
	dir, hasDir := b.value(e, "destinationDir")
	if hasFile && hasDir {
		b.errorf(e, rule, ErrConflict, "both 'destinationDir' and 'destinationFile' attributes are defined - only one or the other may be specified")
	}
	for _, v := range []struct{ name, val string }{{"destinationFile", file}, {"destinationDir", dir}} {
		if strings.ContainsRune(v.val, 0) {
			b.errorf(e, rule, ErrInvalid, "%s contains a NUL byte", v.name)
		}
	}
	if hasFile && file == "" {
		b.errorf(e, rule, ErrMissing, "the %q attribute must have a non-empty value", "destinationFile")
	}
	return file, dir
}

func (b *builder) url(e *etree.Element, rule string) string {
	raw := b.required(e, "url", rule)
	if raw == "" || b.deferred(raw) {
		return raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || (u.Host == "" && u.Scheme != "file") || u.Opaque != "" {
		b.errorf(e, rule, ErrInvalid, "URL specified by 'url' attribute [%s] is malformed - it must be a valid URL", raw)
		return raw
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https", "file", "ftp":
	default:
		b.errorf(e, rule, ErrInvalid, "URL specified by 'url' attribute [%s] uses the unsupported scheme %q (use http, https, ftp or file)", raw, u.Scheme)
	}
	return raw
}

func (b *builder) fileItem(e *etree.Element) *File {
	b.checkAttrs(e, rhqAttrs[e.Tag])
	f := &File{Pos: b.pos(e)}
	if e.Tag == "url-file" {
		f.URL = b.url(e, "R165")
		f.SHA256 = b.sha256(e)
	} else {
		f.Name = b.required(e, "name", "R163")
		b.relPath(e, "name", f.Name, "R163")
	}
	rule := map[bool]string{true: "R165", false: "R163"}[f.URL != ""]
	f.DestinationFile, f.DestinationDir = b.destinationAttrs(e, rule)
	f.Replace = b.antBool(e, "replace", false, rule)
	for _, c := range b.children(e, "handover") {
		if f.Handover != nil {
			b.errorf(c, "R173", ErrConflict, "more than one 'handover' child node declared")
			continue
		}
		f.Handover = b.handover(c)
	}
	if f.Handover != nil && (e.SelectAttr("destinationFile") != nil || e.SelectAttr("destinationDir") != nil) {
		b.errorf(e, "R173", ErrConflict, "configure either handover or destination")
	}
	return f
}

func (b *builder) archive(e *etree.Element) *Archive {
	b.checkAttrs(e, rhqAttrs[e.Tag])
	a := &Archive{Pos: b.pos(e), Exploded: true}
	rule := "R164"
	if e.Tag == "url-archive" {
		rule = "R166"
		a.URL = b.url(e, rule)
		a.SHA256 = b.sha256(e)
	} else {
		a.Name = b.required(e, "name", rule)
		b.relPath(e, "name", a.Name, rule)
	}
	exploded, explicit := b.strictBool(e, "exploded", true, rule)
	var hasDir bool
	a.DestinationDir, hasDir = b.value(e, "destinationDir")
	switch {
	case strings.ContainsRune(a.DestinationDir, 0):
		b.errorf(e, rule, ErrInvalid, "destinationDir contains a NUL byte")
	case hasDir && a.DestinationDir == "":
		b.errorf(e, rule, ErrMissing, "the %q attribute must have a non-empty value", "destinationDir")
	}
	// R164 QUIRK: in RHQ, destinationDir without exploded (or after
	// exploded="true") leaves the archive exploded. bundlekit's rule is one
	// that does not depend on attribute order: destinationDir means the archive
	// is copied compressed into that directory, and exploded="true" next to it
	// is an error.
	switch {
	case hasDir && explicit && exploded:
		b.errorf(e, rule, ErrConflict, "'exploded' attribute must be 'false' when setting 'destinationDir', which has been set to: %s", a.DestinationDir)
	case hasDir:
		a.Exploded = false
	default:
		a.Exploded = exploded
	}
	for _, c := range b.children(e, "replace", "handover") {
		switch c.Tag {
		case "replace":
			if a.Replace != nil {
				a.Replace.Filesets = append(a.Replace.Filesets, b.selector(c, false).Filesets...)
				continue
			}
			a.Replace = b.selector(c, false)
		case "handover":
			if a.Handover != nil {
				b.errorf(c, "R173", ErrConflict, "more than one 'handover' child node declared")
				continue
			}
			a.Handover = b.handover(c)
		}
	}
	if a.Handover != nil {
		if hasDir {
			b.errorf(e, "R173", ErrConflict, "configure either handover or destination")
		}
		if explicit {
			b.errorf(e, "R173", ErrConflict, "configure either handover or exploded")
		}
		a.Exploded = false
	}
	return a
}

// selector reads an rhq:replace (ignore == false) or rhq:ignore element.
func (b *builder) selector(e *etree.Element, ignore bool) *FileSelector {
	b.checkAttrs(e, nil)
	s := &FileSelector{Pos: b.pos(e)}
	for _, c := range b.children(e, "fileset") {
		s.Filesets = append(s.Filesets, b.fileset(c, ignore))
	}
	if len(s.Filesets) == 0 {
		b.errorf(e, "R167", ErrMissing, "<%s> needs at least one rhq:fileset", e.FullTag())
	}
	return s
}

func splitPatterns(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' || r == '\r' })
}

func (b *builder) fileset(e *etree.Element, ignore bool) *Fileset {
	b.checkAttrs(e, rhqAttrs["fileset"])
	fs := &Fileset{Dir: b.str(e, "dir"), Pos: b.pos(e)}
	pos := b.pos(e)
	dirOK := true
	if d := slashes(fs.Dir); fs.Dir != "" && !b.deferred(fs.Dir) {
		dirOK = false
		switch {
		case path.IsAbs(d) || winpath.Drive(d) != 0:
			if ignore {
				b.errorf(e, "R168", ErrInvalid, "the 'dir' attribute on the rhq:ignore type must be a relative path (relative to the ${rhq.deploy.dir})")
			} else {
				b.errorf(e, "R167", ErrInvalid, "the 'dir' attribute of a rhq:replace fileset must be a relative path (relative to the archive root)")
			}
		case escapes(d):
			b.errorf(e, "R167", ErrInvalid, "the 'dir' attribute %q climbs out of its root with \"..\"", fs.Dir)
		default:
			dirOK = true
		}
	}
	for _, p := range splitPatterns(b.str(e, "includes")) {
		fs.Includes = append(fs.Includes, Pattern{Pattern: p, Pos: pos})
	}
	if f, ok := b.value(e, "file"); ok && f != "" {
		fs.Includes = append(fs.Includes, Pattern{Pattern: f, Pos: pos})
	}
	for _, p := range splitPatterns(b.str(e, "excludes")) {
		fs.Excludes = append(fs.Excludes, Pattern{Pattern: p, Pos: pos})
	}
	for _, c := range b.children(e, "ant:include", "ant:exclude", "include", "exclude") {
		b.checkAttrs(c, []string{"name"})
		name := b.required(c, "name", "R167")
		if name == "" {
			continue
		}
		p := Pattern{Pattern: name, Pos: b.pos(c)}
		if c.Tag == "include" {
			fs.Includes = append(fs.Includes, p)
		} else {
			fs.Excludes = append(fs.Excludes, p)
		}
	}
	for _, p := range append(slices.Clone(fs.Includes), fs.Excludes...) {
		if !dirOK || b.deferred(p.Pattern) || b.deferred(fs.Dir) {
			continue
		}
		if err := checkPattern(fs.Dir, p.Pattern); err != nil {
			warn, msg := patternProblem(err)
			pe := &Error{Pos: p.Pos, Element: describe(e), Rule: "R167",
				Err: &kindError{kind: ErrInvalid, msg: fmt.Sprintf("pattern %q: %s", p.Pattern, msg)}}
			if warn {
				b.warnings = append(b.warnings, pe)
			} else {
				b.errs = append(b.errs, pe)
			}
		}
	}
	return fs
}

func (b *builder) handover(e *etree.Element) *Handover {
	b.checkAttrs(e, rhqAttrs["handover"])
	h := &Handover{
		Action:      b.required(e, "action", "R173"),
		FailOnError: b.antBool(e, "failonerror", true, "R173"),
		Pos:         b.pos(e),
	}
	for _, c := range b.children(e, "handover-param") {
		b.checkAttrs(c, rhqAttrs["handover-param"])
		h.Params = append(h.Params, HandoverParam{
			Name:  b.required(c, "name", "R173"),
			Value: b.str(c, "value"),
			Pos:   b.pos(c),
		})
	}
	return h
}

func (b *builder) intAttr(e *etree.Element, name string, lo, hi int, rule string) int {
	v := b.required(e, name, rule)
	if v == "" || b.deferred(v) {
		return 0
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < lo || n > hi {
		b.errorf(e, rule, ErrInvalid, "the %q attribute must be >=%d and <=%d: %s", name, lo, hi, v)
	}
	return n
}

func (b *builder) systemService(e *etree.Element) *SystemService {
	b.checkAttrs(e, rhqAttrs["system-service"])
	s := &SystemService{
		Name:            b.required(e, "name", "R174"),
		ScriptFile:      b.required(e, "scriptFile", "R174"),
		ConfigFile:      b.str(e, "configFile"),
		Root:            "/",
		OverwriteScript: b.antBool(e, "overwriteScript", true, "R174"),
		OverwriteConfig: b.antBool(e, "overwriteConfig", true, "R174"),
		OverwriteLinks:  b.antBool(e, "overwriteLinks", true, "R174"),
		StartPriority:   b.intAttr(e, "startPriority", 0, 99, "R174"),
		StopPriority:    b.intAttr(e, "stopPriority", 0, 99, "R174"),
		Pos:             b.pos(e),
	}
	if s.Name != "" && !b.deferred(s.Name) && (strings.ContainsAny(s.Name, `/\`) || s.Name == "." || s.Name == "..") {
		b.errorf(e, "R174", ErrInvalid, "the service name %q must be a plain file name", s.Name)
	}
	b.relPath(e, "scriptFile", s.ScriptFile, "R174")
	b.relPath(e, "configFile", s.ConfigFile, "R174")
	if root, ok := b.value(e, "root"); ok {
		s.Root = root
		if !b.deferred(root) && !path.IsAbs(slashes(root)) {
			b.errorf(e, "R174", ErrInvalid, "the 'root' attribute must be an absolute path: %s", root)
		}
	}
	levels := b.required(e, "startLevels", "R174")
	if b.deferred(levels) {
		return s
	}
	seen := map[int]bool{}
	for _, f := range strings.Split(levels, ",") {
		f = strings.TrimSpace(f)
		if f == "" && levels == "" {
			break
		}
		n, err := strconv.Atoi(f)
		switch {
		case err != nil || n < 0 || n > 6:
			b.errorf(e, "R174", ErrInvalid, "invalid run level: %q (run levels are 0 to 6)", f)
		case seen[n]:
			b.errorf(e, "R174", ErrInvalid, "run level %d is listed more than once", n)
		default:
			seen[n] = true
			s.StartLevels = append(s.StartLevels, n)
		}
	}
	return s
}

func (b *builder) target(e *etree.Element) *Target {
	b.checkAttrs(e, []string{"name", "depends", "if", "unless", "description", "extensionOf", "onMissingExtensionPoint"})
	t := &Target{
		Name:        b.required(e, "name", ""),
		If:          b.str(e, "if"),
		Unless:      b.str(e, "unless"),
		Description: b.str(e, "description"),
		Pos:         b.pos(e),
	}
	for _, d := range strings.Split(b.str(e, "depends"), ",") {
		if d = strings.TrimSpace(d); d != "" {
			t.Depends = append(t.Depends, d)
		}
	}
	for _, c := range e.ChildElements() {
		if isRHQ(c, "bundle") {
			b.errorf(c, "R154", ErrInvalid, "rhq:bundle task found within [%s] target - it must be outside of any targets (at the top of the build file)", t.Name)
			continue
		}
		if isAnt(c, "target") {
			b.errorf(c, "", ErrInvalid, "targets cannot be nested")
			continue
		}
		if task := b.task(c); task != nil {
			t.Tasks = append(t.Tasks, task)
		}
	}
	return t
}

// task records an element of a target (or of the project's top level) as written.
// RHQ elements other than the tasks (rhq:audit, rhq:property) are misplaced there;
// <antcall> and <macrodef> are refused wherever they are nested.
func (b *builder) task(e *etree.Element) *Task {
	if b.unsupported(e) {
		return nil
	}
	if e.NamespaceURI() == rhqNS {
		switch e.Tag {
		case "audit", "property":
		case "bundle":
			b.errorf(e, "R154", ErrInvalid, "rhq:bundle task found within another element - it must be outside of any targets (at the top of the build file)")
			return nil
		default:
			if _, known := rhqAttrs[e.Tag]; known {
				b.errorf(e, "R153", ErrInvalid, "<%s> belongs inside rhq:bundle, not in a target", e.FullTag())
			} else {
				b.unexpected(e, e.Parent())
			}
			return nil
		}
	}
	t := b.written(e)
	switch {
	case isRHQ(e, "audit"):
		t.Audit = b.audit(e)
	case isRHQ(e, "property") && e.Parent() == b.doc.Root:
		b.defineProperty(b.property(e))
	case isRHQ(e, "property"):
		b.property(e)
	}
	for _, c := range e.ChildElements() {
		if ct := b.task(c); ct != nil {
			t.Children = append(t.Children, ct)
		}
	}
	return t
}

// written records e as written, without its children: name, namespace and
// prefix, attributes other than namespace declarations (a prefixed one named
// prefix:name), text and position.
func (b *builder) written(e *etree.Element) *Task {
	return &Task{Name: e.Tag, Space: e.NamespaceURI(), Prefix: e.Space, Attrs: writtenAttrs(e), Text: e.Text(), Pos: b.pos(e)}
}

// writtenAttrs lists e's attributes other than namespace declarations, a
// prefixed one named prefix:name.
func writtenAttrs(e *etree.Element) []Attr {
	var out []Attr
	for _, a := range attrs(e) {
		name := a.Key
		if a.Space != "" {
			name = a.Space + ":" + a.Key
		}
		out = append(out, Attr{Name: name, Value: a.Value})
	}
	return out
}

func (b *builder) audit(e *etree.Element) *Audit {
	b.checkAttrs(e, rhqAttrs["audit"])
	a := &Audit{Status: AuditSuccess, Details: e.Text()}
	a.Action = e.SelectAttrValue("action", "")
	a.Info = e.SelectAttrValue("info", "")
	a.Message = e.SelectAttrValue("message", "")
	if v := e.SelectAttrValue("status", ""); v != "" {
		switch s := AuditStatus(strings.ToUpper(v)); s {
		case AuditSuccess, AuditInfo, AuditWarn, AuditFailure:
			a.Status = s
		default:
			if !strings.Contains(v, "${") {
				b.errorf(e, "R178", ErrInvalid, "the 'status' attribute must be either 'SUCCESS', 'INFO', 'WARN' or 'FAILURE': %s", v)
			}
		}
	}
	return a
}

// checkTargets checks what Ant checks when it runs targets: names are unique,
// every depends= names a target, dependencies do not loop, and the unit's
// pre/post-install targets exist (R172, checked at parse time here).
func (b *builder) checkTargets(r *Recipe) {
	byName := map[string]*Target{}
	for _, t := range r.Targets {
		if t.Name == "" {
			continue
		}
		if prev, dup := byName[t.Name]; dup {
			b.errs = append(b.errs, &Error{Pos: t.Pos, Element: fmt.Sprintf("<target name=%q>", t.Name),
				Err: &kindError{kind: ErrConflict, msg: fmt.Sprintf("duplicate target %q (first defined at %s)", t.Name, prev.Pos)}})
			continue
		}
		byName[t.Name] = t
	}
	for _, t := range r.Targets {
		for _, d := range t.Depends {
			if byName[d] == nil {
				b.errs = append(b.errs, &Error{Pos: t.Pos, Element: fmt.Sprintf("<target name=%q>", t.Name),
					Err: &kindError{kind: ErrMissing, msg: fmt.Sprintf("target %q does not exist in this project; it is used in depends of target %q", d, t.Name)}})
			}
		}
	}
	// Depth-first search for dependency cycles; each cycle is reported once, at
	// the target where the search found it closed.
	const (
		unvisited = iota
		active
		done
	)
	state := map[string]int{}
	var visit func(t *Target, chain []string)
	visit = func(t *Target, chain []string) {
		state[t.Name] = active
		chain = append(chain, t.Name)
		for _, d := range t.Depends {
			dt := byName[d]
			if dt == nil {
				continue
			}
			switch state[d] {
			case active:
				i := slices.Index(chain, d)
				cycle := strings.Join(append(slices.Clone(chain[i:]), d), " -> ")
				b.errs = append(b.errs, &Error{Pos: t.Pos, Element: fmt.Sprintf("<target name=%q>", t.Name),
					Err: &kindError{kind: ErrInvalid, msg: "circular dependency: " + cycle}})
			case unvisited:
				visit(dt, chain)
			}
		}
		state[t.Name] = done
	}
	for _, t := range r.Targets {
		if t.Name != "" && state[t.Name] == unvisited {
			visit(t, nil)
		}
	}
	if u := r.Bundle.Unit; u != nil {
		for _, ref := range []struct{ kind, name string }{{"preinstall", u.PreinstallTarget}, {"postinstall", u.PostinstallTarget}} {
			if ref.name != "" && !b.deferred(ref.name) && byName[ref.name] == nil {
				b.errorf(b.unitElem, "R172", ErrMissing, "specified %s target (%s) does not exist", ref.kind, ref.name)
			}
		}
	}
}

// requires reads the installation conditions of rhq:bundle e, its
// bk:requires-* attributes. A value that refers to a property is read when
// the recipe is expanded; at parse time it is listed in Unexpanded.
func (b *builder) requires(e *etree.Element) Requires {
	var rq Requires
	values := map[string]string{}
	written := map[string]string{}
	for _, a := range attrs(e) {
		if a.NamespaceURI() != BundlekitNS || !slices.Contains(requiresAttrs, a.Key) {
			continue
		}
		written[a.Key] = fmt.Sprintf("%s=%q", a.FullKey(), a.Value)
		values[a.Key] = b.ex.expand(a.Value)
	}
	// The check command's three attributes are read together.
	checkDeferred := false
	for _, k := range requiresAttrs[4:] {
		checkDeferred = checkDeferred || b.deferred(values[k])
	}
	fail := func(key string, err error) {
		b.errorf(e, "", ErrInvalid, "%s: %v", strings.SplitN(written[key], "=", 2)[0], err)
	}
	for _, key := range requiresAttrs {
		v, ok := values[key]
		switch {
		case !ok:
			continue
		case b.deferred(v) || checkDeferred && strings.HasPrefix(key, "requires-check"):
			rq.Unexpanded = append(rq.Unexpanded, written[key])
			continue
		case strings.TrimSpace(v) == "":
			b.errorf(e, "", ErrMissing, "%s must have a non-empty value", strings.SplitN(written[key], "=", 2)[0])
			continue
		}
		switch key {
		case "requires-os":
			c, err := ParseOS(v)
			if err != nil {
				fail(key, err)
				continue
			}
			rq.Conditions = append(rq.Conditions, c)
		case "requires-free-space":
			n, err := ParseSize(v)
			if err != nil {
				fail(key, err)
				continue
			}
			rq.Conditions = append(rq.Conditions, FreeSpaceCondition{Min: n})
		case "requires-paths", "requires-deployments":
			words, err := SplitWords(v)
			if err != nil {
				fail(key, err)
				continue
			}
			for _, w := range words {
				var c Condition
				if key == "requires-paths" {
					c, err = ParsePath(w)
				} else {
					c, err = ParseDeployment(w)
				}
				if err != nil {
					fail(key, err)
					continue
				}
				rq.Conditions = append(rq.Conditions, c)
			}
		case "requires-check":
			c, err := ParseCheck(v, values["requires-check-timeout"], values["requires-check-codes"])
			if err != nil {
				fail(key, err)
				continue
			}
			rq.Conditions = append(rq.Conditions, c)
		default: // the check's timeout and codes, read with it
			if _, ok := values["requires-check"]; !ok {
				b.errorf(e, "", ErrMissing, "%s needs bk:requires-check, the command it applies to", strings.SplitN(written[key], "=", 2)[0])
			}
		}
	}
	return rq
}
