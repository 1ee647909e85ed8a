package rollout

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/bundlekit/bundlekit/bundle"
	"github.com/bundlekit/bundlekit/constraint"
	"github.com/bundlekit/bundlekit/recipe"
)

// Constraints say when and where a target may be deployed, and what its host
// must offer (issue 12), with the deployer's own syntax: its --window,
// --ip-range, --not-before, --not-after and --time-zone flags and its
// --require-* flags. A target's own override the defaults' one by one (see
// Requires for the conditions). They are kept as written; Load checks them,
// and Target.ConstraintSet and Target.Conditions are what they say.
//
// A target outside its window, range or dates is deferred (nothing is done;
// a rerun in the window runs it); one whose host does not meet a condition
// is refused by the engine, and ends failed with the refusal's message.
type Constraints struct {
	// Window is an OCO time-window list: "6:00-7:00,FRI 18:00-23:00".
	Window string `json:"window,omitempty"`
	// IPRange is an OCO address-range list: "10.2.0.0/16,!10.2.9.0/24",
	// checked against the host's addresses.
	IPRange string `json:"ip_range,omitempty"`
	// NotBefore and NotAfter are RFC 3339 times, or YYYY-MM-DDTHH:MM[:SS]
	// in TimeZone; both included.
	NotBefore string `json:"not_before,omitempty"`
	NotAfter  string `json:"not_after,omitempty"`
	// TimeZone is an IANA zone name ("Europe/Berlin", "UTC"): windows and
	// dates without an offset are read in it; empty means the host's.
	TimeZone string `json:"time_zone,omitempty"`
	// Requires are installation conditions (JP1's).
	Requires *Requires `json:"requires,omitempty"`
}

// Requires are the installation conditions of a target, as the recipe's
// bk:requires-* attributes and the deployer's --require-* flags write them.
// A target's OS, FreeSpace, CheckTimeout and CheckCodes override the
// defaults'; its Paths, Deployments and Checks are added to theirs.
type Requires struct {
	// OS is a list of platforms, OS[/ARCH] with Go's names:
	// "linux/amd64,darwin".
	OS string `json:"os,omitempty"`
	// FreeSpace is the space the destination must have free: "2GiB".
	FreeSpace string `json:"free_space,omitempty"`
	// Paths must exist (absolute; a trailing / says a directory).
	Paths []string `json:"paths,omitempty"`
	// Deployments must be in place: "DEST:BUNDLE:RANGE", such as
	// "/opt/db:db:[1.2,2.0)".
	Deployments []string `json:"deployments,omitempty"`
	// Checks are commands (a program and its arguments, quoted as in a
	// shell, run without one) that must succeed, each within CheckTimeout
	// ("30s"; default 60s) with one of CheckCodes ("0,3:5"; default 0).
	Checks       []string `json:"checks,omitempty"`
	CheckTimeout string   `json:"check_timeout,omitempty"`
	CheckCodes   string   `json:"check_codes,omitempty"`
}

func (c Constraints) clone() Constraints {
	if c.Requires != nil {
		r := *c.Requires
		r.Paths, r.Deployments, r.Checks = slices.Clone(r.Paths), slices.Clone(r.Deployments), slices.Clone(r.Checks)
		c.Requires = &r
	}
	return c
}

// merge is the defaults' constraints with a target's over them.
func merge(def, own Constraints) Constraints {
	out := def.clone()
	over := func(dst *string, src string) {
		if src != "" {
			*dst = src
		}
	}
	over(&out.Window, own.Window)
	over(&out.IPRange, own.IPRange)
	over(&out.NotBefore, own.NotBefore)
	over(&out.NotAfter, own.NotAfter)
	over(&out.TimeZone, own.TimeZone)
	if own.Requires == nil {
		return out
	}
	if out.Requires == nil {
		out.Requires = &Requires{}
	}
	r, o := out.Requires, own.Requires
	over(&r.OS, o.OS)
	over(&r.FreeSpace, o.FreeSpace)
	over(&r.CheckTimeout, o.CheckTimeout)
	over(&r.CheckCodes, o.CheckCodes)
	add := func(dst *[]string, src []string) {
		for _, s := range src {
			if !slices.Contains(*dst, s) {
				*dst = append(*dst, s)
			}
		}
	}
	add(&r.Paths, o.Paths)
	add(&r.Deployments, o.Deployments)
	add(&r.Checks, o.Checks)
	return out
}

// constraintFields decode the constraints of an object (the defaults or a
// target), each value checked on its own where it is: a mistake inside a
// window or range list is pointed at, character by character.
func (v *validator) constraintFields(c *Constraints) []field {
	parsed := func(dst *string, parse func(string) error) func(string, *node) {
		return func(path string, n *node) {
			var s string
			if v.text(&s)(path, n); s == "" {
				return
			}
			if err := parse(s); err != nil {
				v.failIn(path, n, err)
				return
			}
			*dst = s
		}
	}
	return []field{
		{"window", parsed(&c.Window, func(s string) error { _, err := constraint.ParseWindows(s); return err })},
		{"ip_range", parsed(&c.IPRange, func(s string) error { _, err := constraint.ParseRanges(s); return err })},
		{"not_before", parsed(&c.NotBefore, parseTimeOnly)},
		{"not_after", parsed(&c.NotAfter, parseTimeOnly)},
		{"time_zone", parsed(&c.TimeZone, func(s string) error { _, err := location(s); return err })},
		{"requires", func(path string, n *node) {
			c.Requires = &Requires{}
			r := c.Requires
			list := func(dst *[]string, what string, parse func(string) error) func(string, *node) {
				return func(path string, n *node) {
					var all []string
					if v.names(&all, what)(path, n); len(all) == 0 {
						return
					}
					for i, s := range all {
						if err := parse(s); err != nil {
							v.failIn(fmt.Sprintf("%s[%d]", path, i), n.elems[i], err)
							return
						}
					}
					*dst = all
				}
			}
			v.object(path, n,
				field{"os", parsed(&r.OS, func(s string) error { _, err := recipe.ParseOS(s); return err })},
				field{"free_space", parsed(&r.FreeSpace, func(s string) error { _, err := recipe.ParseSize(s); return err })},
				field{"paths", list(&r.Paths, "path", func(s string) error { _, err := recipe.ParsePath(s); return err })},
				field{"deployments", list(&r.Deployments, "deployment", func(s string) error { _, err := recipe.ParseDeployment(s); return err })},
				field{"checks", list(&r.Checks, "check", func(s string) error { _, err := recipe.ParseCheck(s, "", ""); return err })},
				field{"check_timeout", parsed(&r.CheckTimeout, func(s string) error { _, err := recipe.ParseCheck("true", s, ""); return err })},
				field{"check_codes", parsed(&r.CheckCodes, func(s string) error { _, err := recipe.ParseCheck("true", "", s); return err })},
			)
		}},
	}
}

// failIn records err about the string value n; a *constraint.SyntaxError
// points at its offset in the string when the file spells the string as
// its value (no escapes).
func (v *validator) failIn(path string, n *node, err error) {
	off := n.off
	var se *constraint.SyntaxError
	if errors.As(err, &se) && n.off+1+len(n.str) < len(v.data) && string(v.data[n.off+1:n.off+1+len(n.str)]) == n.str {
		off = n.off + 1 + min(max(se.Offset, 0), len(n.str))
	}
	v.fail(path, off, "%v", err)
}

// parseTimeOnly checks the form of a date; the zone it is read in is the
// effective one, so its value is read later.
func parseTimeOnly(s string) error {
	_, err := constraint.ParseTime(s, time.UTC)
	return err
}

// location reads a time zone; "Local" and "" are not one (the host's zone is
// what no time_zone means).
func location(s string) (*time.Location, error) {
	l, err := time.LoadLocation(s)
	if err != nil || s == "" || strings.EqualFold(s, "local") {
		return nil, fmt.Errorf("unknown time zone %q: use an IANA name such as \"Europe/Berlin\" or \"UTC\"", s)
	}
	return l, nil
}

// problem is a mistake in constraints that are each well-formed: dates out
// of order, check settings without a check.
type problem struct {
	key, msg string
}

// compile reads constraints whose values Load has checked one by one.
func (c Constraints) compile() (constraint.Set, []bundle.Condition, []problem) {
	var (
		s        constraint.Set
		conds    []bundle.Condition
		problems []problem
	)
	// Every value was checked on its own; an error here is of a value
	// read in another zone than its own object's.
	note := func(key string, err error) {
		if err != nil {
			problems = append(problems, problem{key, err.Error()})
		}
	}
	var err error
	if c.TimeZone != "" {
		s.Location, err = location(c.TimeZone)
		note("time_zone", err)
	}
	s.Windows, err = constraint.ParseWindows(c.Window)
	note("window", err)
	s.Ranges, err = constraint.ParseRanges(c.IPRange)
	note("ip_range", err)
	if c.NotBefore != "" {
		s.NotBefore, err = constraint.ParseTime(c.NotBefore, s.Location)
		note("not_before", err)
	}
	if c.NotAfter != "" {
		s.NotAfter, err = constraint.ParseTime(c.NotAfter, s.Location)
		note("not_after", err)
	}
	if !s.NotBefore.IsZero() && !s.NotAfter.IsZero() && s.NotAfter.Before(s.NotBefore) {
		problems = append(problems, problem{"not_after", fmt.Sprintf("%s is before not_before %s", c.NotAfter, c.NotBefore)})
	}
	r := c.Requires
	if r == nil {
		return s, nil, problems
	}
	if r.OS != "" {
		os, err := recipe.ParseOS(r.OS)
		note("requires.os", err)
		conds = append(conds, os)
	}
	if r.FreeSpace != "" {
		n, err := recipe.ParseSize(r.FreeSpace)
		note("requires.free_space", err)
		conds = append(conds, recipe.FreeSpaceCondition{Min: n})
	}
	for _, p := range r.Paths {
		pc, err := recipe.ParsePath(p)
		note("requires.paths", err)
		conds = append(conds, pc)
	}
	for _, d := range r.Deployments {
		dc, err := recipe.ParseDeployment(d)
		note("requires.deployments", err)
		conds = append(conds, dc)
	}
	for _, words := range r.Checks {
		cc, err := recipe.ParseCheck(words, r.CheckTimeout, r.CheckCodes)
		note("requires.checks", err)
		conds = append(conds, cc)
	}
	return s, conds, problems
}

// compileTarget reads a target's effective constraints. A problem that the
// defaults alone have was reported at the defaults; one that comes of the
// target's own values, or of mixing them with the defaults', is reported at
// the target (at its own value when it has one).
func (v *validator) compileTarget(path string, t *Target, def Constraints) {
	_, _, inDefaults := def.compile()
	var problems []problem
	t.set, t.conds, problems = t.cons.compile()
	// Check settings apply to checks: the defaults' may serve the targets'
	// checks, a target's own must serve some.
	if t.cons.Requires == nil || len(t.cons.Requires.Checks) == 0 {
		for _, key := range []string{"requires.check_timeout", "requires.check_codes"} {
			if t.owns(key) {
				problems = append(problems, problem{key, "applies to requires.checks: give one"})
			}
		}
	}
	for _, p := range problems {
		if slices.Contains(inDefaults, p) && !t.owns(p.key) {
			continue
		}
		key := p.key
		if !t.owns(key) && key == "not_after" && t.owns("not_before") {
			key = "not_before"
		}
		msg := p.msg
		if !t.owns(key) {
			msg += " (with the defaults' constraints)"
		}
		v.fail(joinKey(path, key), valueOff(t.node, key), "%s", msg)
	}
}

// owns reports whether the target sets the constraint key itself.
func (t *Target) owns(key string) bool {
	c, r := t.Constraints, t.Requires
	if r == nil {
		r = &Requires{}
	}
	return map[string]bool{
		"window": c.Window != "", "ip_range": c.IPRange != "", "not_before": c.NotBefore != "", "not_after": c.NotAfter != "",
		"time_zone": c.TimeZone != "", "requires.check_timeout": r.CheckTimeout != "", "requires.check_codes": r.CheckCodes != "",
		"requires.checks": len(r.Checks) > 0,
	}[key]
}

// valueOff is the offset of the value at the dotted key in the object n, or
// of the deepest object on the way that has no such key.
func valueOff(n *node, key string) int {
	if n == nil {
		return 0
	}
	first, rest, nested := strings.Cut(key, ".")
	for _, m := range n.members {
		if m.key == first {
			if nested && m.val.kind == kindObject {
				return valueOff(m.val, rest)
			}
			return m.val.off
		}
	}
	return n.off
}

// joinKey is join for a dotted key.
func joinKey(path, key string) string {
	for k := range strings.SplitSeq(key, ".") {
		path = join(path, k)
	}
	return path
}
