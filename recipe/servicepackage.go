package recipe

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/beevik/etree"
)

// DefaultTimeout is how long an install or uninstall command may run when its
// osType gives no timeout (seed: deployment.xml, 600 seconds).
const DefaultTimeout = 600 * time.Second

// The OS type names the deployment.xml format defines by default.
const (
	OSTypeLinux   = "LINUX86"
	OSTypeWindows = "NTX86"
)

// OSTypeFor maps a Go GOOS to the deployment.xml OS type name: Linux is LINUX86
// and Windows is NTX86 whatever the architecture, as the format's documentation
// defines them by OS family ("for a Linux-based environment", "for a
// Windows-based environment"). Other systems have no default OS type and get "".
func OSTypeFor(goos string) string {
	switch goos {
	case "linux":
		return OSTypeLinux
	case "windows":
		return OSTypeWindows
	}
	return ""
}

// ServicePackage is a parsed deployment.xml: the commands an IBM-style service
// package runs after its content is in place (install) and when the install fails
// or the package is removed (uninstall). Element and attribute names and values are
// case-sensitive, as the format says.
type ServicePackage struct {
	File string
	// Install and Uninstall are nil when the section is absent (both are
	// optional).
	Install   *Commands
	Uninstall *Commands
	Pos       Pos
}

// Commands is an <install> or <uninstall> section: one command per OS type.
type Commands struct {
	OSTypes []*OSType
	Pos     Pos
}

// For returns the command for the OS type name, or nil when the section has none.
func (c *Commands) For(osType string) *OSType {
	if c == nil {
		return nil
	}
	for _, t := range c.OSTypes {
		if t.Name == osType {
			return t
		}
	}
	return nil
}

// OSType is one <osType>: the command to run on one kind of host.
type OSType struct {
	Name string
	// StartCmd is the command line, relative to the package's installation
	// directory.
	StartCmd string
	// Timeout is DefaultTimeout unless the timeout attribute says otherwise.
	Timeout time.Duration
	// SuccessCodes are the exit codes that mean success; nil means every code
	// does.
	SuccessCodes SuccessCodes
	Pos          Pos
}

// CodeRange is an inclusive range of exit codes; a single code has Lo == Hi.
type CodeRange struct{ Lo, Hi int }

// SuccessCodes is a successCodes attribute: codes and ranges, as written.
type SuccessCodes []CodeRange

// ParseSuccessCodes reads a successCodes value: comma-separated codes ("0,1,2"),
// colon ranges ("0:10", "-1:10"; negative codes allowed) or both ("0,3:5").
func ParseSuccessCodes(s string) (SuccessCodes, error) {
	if strings.TrimSpace(s) == "" {
		return nil, fmt.Errorf("empty successCodes (leave the attribute out to accept every exit code)")
	}
	var out SuccessCodes
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		lo, hi, isRange := strings.Cut(part, ":")
		if !isRange {
			hi = lo
		}
		l, err1 := strconv.Atoi(strings.TrimSpace(lo))
		h, err2 := strconv.Atoi(strings.TrimSpace(hi))
		switch {
		case err1 != nil || err2 != nil:
			return nil, fmt.Errorf("%q is not an exit code or a range of exit codes like 0:10", part)
		case l > h:
			return nil, fmt.Errorf("range %q is empty: its start is greater than its end", part)
		}
		out = append(out, CodeRange{Lo: l, Hi: h})
	}
	return out, nil
}

// Success reports whether exit code means success: any code when s is nil.
func (s SuccessCodes) Success(code int) bool {
	if s == nil {
		return true
	}
	return slices.ContainsFunc(s, func(r CodeRange) bool { return r.Lo <= code && code <= r.Hi })
}

// String writes the codes back in the attribute's syntax.
func (s SuccessCodes) String() string {
	parts := make([]string, len(s))
	for i, r := range s {
		parts[i] = strconv.Itoa(r.Lo)
		if r.Hi != r.Lo {
			parts[i] += ":" + strconv.Itoa(r.Hi)
		}
	}
	return strings.Join(parts, ",")
}

// ParseServicePackage reads and validates a deployment.xml, with the same options,
// limits and error values as Parse (the default file name is "deployment.xml").
func ParseServicePackage(r io.Reader, opts ...Option) (*ServicePackage, error) {
	doc, s, err := load(r, "deployment.xml", opts)
	if err != nil {
		return nil, err
	}
	b := &builder{doc: doc, file: s.file}
	root := doc.Root
	if root.Tag != "Deployment" || root.Space != "" {
		b.errorf(root, "", ErrInvalid, "the root element must be <Deployment>, not <%s>", root.FullTag())
		return nil, joinErrors(b.errs)
	}
	b.checkAttrs(root, nil)
	sp := &ServicePackage{File: s.file, Pos: b.pos(root)}
	for _, c := range root.ChildElements() {
		switch {
		case c.Space == "" && c.Tag == "install" && sp.Install == nil:
			sp.Install = b.commands(c)
		case c.Space == "" && c.Tag == "uninstall" && sp.Uninstall == nil:
			sp.Uninstall = b.commands(c)
		case c.Space == "" && (c.Tag == "install" || c.Tag == "uninstall"):
			b.errorf(c, "", ErrConflict, "<%s> may appear only once", c.Tag)
		default:
			b.errorf(c, "", ErrUnknown, "unknown element <%s> (expected <install> or <uninstall>)", c.FullTag())
		}
	}
	if len(b.errs) > 0 {
		return nil, joinErrors(b.errs)
	}
	return sp, nil
}

func (b *builder) commands(e *etree.Element) *Commands {
	b.checkAttrs(e, nil)
	cmds := &Commands{Pos: b.pos(e)}
	sections := 0
	for _, c := range e.ChildElements() {
		if c.Space != "" || c.Tag != "osTypes" {
			b.errorf(c, "", ErrUnknown, "unknown element <%s> (expected <osTypes>)", c.FullTag())
			continue
		}
		sections++
		if sections > 1 {
			b.errorf(c, "", ErrConflict, "<osTypes> may appear only once in <%s>", e.Tag)
			continue
		}
		b.checkAttrs(c, nil)
		for _, t := range c.ChildElements() {
			if t.Space != "" || t.Tag != "osType" {
				b.errorf(t, "", ErrUnknown, "unknown element <%s> (expected <osType>)", t.FullTag())
				continue
			}
			if ot := b.osType(t); ot != nil {
				if cmds.For(ot.Name) != nil {
					b.errorf(t, "", ErrConflict, "OS type %q is listed more than once in <%s>", ot.Name, e.Tag)
					continue
				}
				cmds.OSTypes = append(cmds.OSTypes, ot)
			}
		}
	}
	return cmds
}

func (b *builder) osType(e *etree.Element) *OSType {
	b.checkAttrs(e, []string{"name", "startCmd", "timeout", "successCodes"})
	t := &OSType{
		Name:     b.required(e, "name", ""),
		StartCmd: b.required(e, "startCmd", ""),
		Timeout:  DefaultTimeout,
		Pos:      b.pos(e),
	}
	if v, ok := b.value(e, "timeout"); ok {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n <= 0 || n > 1e9 {
			b.errorf(e, "", ErrInvalid, "timeout=%q is not a positive number of seconds", v)
		} else {
			t.Timeout = time.Duration(n) * time.Second
		}
	}
	if v, ok := b.value(e, "successCodes"); ok {
		codes, err := ParseSuccessCodes(v)
		if err != nil {
			b.errorf(e, "", ErrInvalid, "successCodes: %v", err)
		}
		t.SuccessCodes = codes
	}
	return t
}
