package ant

import (
	"fmt"
	"strings"

	"github.com/bundlekit/bundlekit/recipe"
)

// condition is a nested condition of <condition> or <fail>.
type condition interface {
	eval(c *call) (bool, error)
}

// conditionNames are the supported conditions.
var conditionNames = []string{"and", "available", "contains", "equals", "isfalse", "isset", "istrue", "not", "or", "os"}

// decodeConditions decodes the children of d, which must all be conditions.
func decodeConditions(d *decoder) []condition {
	var out []condition
	for _, c := range d.children(conditionNames...) {
		out = append(out, decodeCondition(c))
	}
	return out
}

// decodeOneCondition decodes the single condition nested in d (the <not> and
// the <condition> of <fail> have exactly one).
func decodeOneCondition(d *decoder) condition {
	conds := decodeConditions(d)
	if len(conds) != 1 {
		d.errorf(recipe.ErrInvalid, "%s takes exactly one nested condition, not %d", describe(d.t), len(conds))
		return nil
	}
	return conds[0]
}

func decodeCondition(d *decoder) condition {
	switch d.name() {
	case "and", "or":
		d.attrs()
		return &junction{and: d.name() == "and", conds: decodeConditions(d)}
	case "not":
		d.attrs()
		return &not{cond: decodeOneCondition(d)}
	case "available":
		d.attrs("file", "type")
		return decodeAvailableAttrs(d)
	case "equals":
		d.attrs("arg1", "arg2", "casesensitive", "trim")
		return &equals{arg1: d.need("arg1"), arg2: d.need("arg2"), caseSensitive: d.boolean("casesensitive", true), trim: d.boolean("trim", false)}
	case "contains":
		d.attrs("string", "substring", "casesensitive")
		return &contains{s: d.need("string"), sub: d.need("substring"), caseSensitive: d.boolean("casesensitive", true)}
	case "isset":
		d.attrs("property")
		return &isSet{property: d.required("property")}
	case "istrue", "isfalse":
		d.attrs("value")
		return &isTrue{value: d.need("value"), negate: d.name() == "isfalse"}
	case "os":
		d.attrs("family", "arch")
		o := &osCond{family: strings.ToLower(d.str("family")), arch: d.str("arch")}
		if o.family != "" && !d.deferred(o.family) {
			if _, err := osFamily("linux", o.family); err != nil {
				d.errorf(recipe.ErrInvalid, "%v", err)
			}
		}
		return o
	}
	return nil
}

// junction is <and> (all hold; true when empty) or <or> (one holds; false
// when empty). Evaluation stops at the first condition that decides.
type junction struct {
	and   bool
	conds []condition
}

func (j *junction) eval(c *call) (bool, error) {
	for _, cond := range j.conds {
		ok, err := cond.eval(c)
		if err != nil {
			return false, err
		}
		if ok != j.and {
			return ok, nil
		}
	}
	return j.and, nil
}

type not struct{ cond condition }

func (n *not) eval(c *call) (bool, error) {
	ok, err := n.cond.eval(c)
	return !ok, err
}

// equals compares arg1 and arg2, optionally trimmed and ignoring case.
type equals struct {
	arg1, arg2    string
	caseSensitive bool
	trim          bool
}

func (e *equals) eval(*call) (bool, error) {
	a, b := e.arg1, e.arg2
	if e.trim {
		a, b = strings.TrimSpace(a), strings.TrimSpace(b)
	}
	if e.caseSensitive {
		return a == b, nil
	}
	return strings.EqualFold(a, b), nil
}

// contains reports whether string contains substring.
type contains struct {
	s, sub        string
	caseSensitive bool
}

func (t *contains) eval(*call) (bool, error) {
	if t.caseSensitive {
		return strings.Contains(t.s, t.sub), nil
	}
	return strings.Contains(strings.ToLower(t.s), strings.ToLower(t.sub)), nil
}

// isSet reports whether the property has a value (any value).
type isSet struct{ property string }

func (s *isSet) eval(c *call) (bool, error) {
	_, ok := c.p.props.get(s.property)
	return ok, nil
}

// isTrue is <istrue> (value is true, yes or on) and <isfalse> (it is not).
type isTrue struct {
	value  string
	negate bool
}

func (t *isTrue) eval(*call) (bool, error) {
	b, _ := parseBool(t.value)
	return b != t.negate, nil
}

// osCond is <os family= arch=>; both must match when both are given.
type osCond struct{ family, arch string }

func (o *osCond) eval(c *call) (bool, error) {
	if o.family != "" {
		ok, err := osFamily(c.p.sh.env.OS, o.family)
		if err != nil || !ok {
			return false, err
		}
	}
	return o.arch == "" || archMatches(c.p.sh.env.Arch, o.arch), nil
}

// osFamily answers Ant's os family test for a GOOS value. Ant's unix is any
// system with ":" as path separator, macOS included; mac is macOS; windows,
// dos and winnt are every Windows (all current ones are NT); the families of
// systems Go does not run on are never true.
func osFamily(goos, family string) (bool, error) {
	switch strings.ToLower(family) {
	case "windows", "dos", "winnt":
		return goos == "windows", nil
	case "unix":
		switch goos {
		case "windows", "plan9", "js", "wasip1":
			return false, nil
		}
		return true, nil
	case "mac":
		return goos == "darwin" || goos == "ios", nil
	case "win9x", "netware", "os/2", "tandem", "z/os", "os/400", "openvms":
		return false, nil
	}
	return false, fmt.Errorf("unknown os family %q (known: windows, unix, mac, dos, winnt, win9x, netware, os/2, tandem, z/os, os/400, openvms)", family)
}

// archMatches compares an os arch= value with a GOARCH, accepting the names
// Java's os.arch uses for it.
func archMatches(goarch, arch string) bool {
	names := map[string][]string{
		"amd64": {"amd64", "x86_64"},
		"386":   {"x86", "i386", "i686"},
		"arm64": {"aarch64", "arm64"},
	}[goarch]
	if names == nil {
		names = []string{goarch}
	}
	for _, n := range names {
		if strings.EqualFold(n, arch) {
			return true
		}
	}
	return false
}

// availableCond is the file test of <available>: the file exists and, with
// type, is a regular file or a directory. A symbolic link is followed. Like
// Ant's File.exists, any failure to look counts as absent; failures other than
// a missing file are logged.
type availableCond struct{ file, typ string }

func decodeAvailableAttrs(d *decoder) *availableCond {
	return &availableCond{file: d.required("file"), typ: d.choice("type", "", "file", "dir")}
}

func (a *availableCond) eval(c *call) (bool, error) {
	abs := c.p.resolve(a.file)
	fi, err := c.p.statPath(abs)
	if err != nil {
		if !notExist(err) {
			c.logf(LevelVerbose, "%s counts as absent: %v", abs, err)
		}
		return false, nil
	}
	switch a.typ {
	case "file":
		return fi.Mode().IsRegular(), nil
	case "dir":
		return fi.IsDir(), nil
	}
	return true, nil
}
