package ant

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/bundlekit/bundlekit/internal/antprop"
	"github.com/bundlekit/bundlekit/recipe"
)

// decoding collects what decoding one task found: every mistake, and every
// element decoder, so that finish can check what no decoder consumed.
type decoding struct {
	errs     []*recipe.Error
	decoders []*decoder
}

// decoder reads one element of a task: its attributes, text and children.
// When validating (lookup is nil) values are raw and checks of values that
// refer to ${…} properties wait for the run; when running they are expanded
// with the project's properties at that moment (R157).
type decoder struct {
	t            *recipe.Task
	lookup       func(string) (string, bool)
	st           *decoding
	declared     bool
	textUsed     bool
	childrenRead bool
}

func (st *decoding) decoder(t *recipe.Task, lookup func(string) (string, bool)) *decoder {
	d := &decoder{t: t, lookup: lookup, st: st}
	st.decoders = append(st.decoders, d)
	return d
}

// finish reports, for every element decoded, what its decoder did not read
// (attributes when it declared none, text, nested elements), and returns all
// the mistakes.
func (st *decoding) finish() []*recipe.Error {
	// children adds decoders while the loop runs; they are checked too.
	for i := 0; i < len(st.decoders); i++ {
		d := st.decoders[i]
		if !d.declared {
			d.attrs()
		}
		if !d.textUsed && strings.TrimSpace(d.t.Text) != "" {
			d.errorf(recipe.ErrInvalid, "%s does not take text", describe(d.t))
		}
		if !d.childrenRead {
			d.children()
		}
	}
	return st.errs
}

func (d *decoder) live() bool { return d.lookup != nil }

func (d *decoder) expand(s string) string {
	if d.lookup == nil {
		return s
	}
	return antprop.Expand(s, d.lookup)
}

// deferred reports whether a check of v must wait for the run.
func (d *decoder) deferred(v string) bool {
	return !d.live() && strings.Contains(v, "${")
}

func (d *decoder) errorf(kind error, format string, args ...any) {
	d.ruleErrorf("", kind, format, args...)
}

// ruleErrorf reports a mistake that breaks a rule of the spec.
func (d *decoder) ruleErrorf(rule string, kind error, format string, args ...any) {
	d.st.errs = append(d.st.errs, &recipe.Error{
		Pos:     d.t.Pos,
		Element: describe(d.t),
		Rule:    rule,
		Err:     &reason{kind: kind, msg: fmt.Sprintf(format, args...)},
	})
}

// attrs declares the attributes the element supports, in lower case. Ant
// matches attribute names without regard to case, so this does too; any other
// attribute, and an attribute given twice, is a mistake.
func (d *decoder) attrs(names ...string) {
	d.declared = true
	seen := map[string]bool{}
	for _, a := range d.t.Attrs {
		k := strings.ToLower(a.Name)
		switch {
		case seen[k]:
			d.errorf(recipe.ErrConflict, "the %q attribute is given twice", a.Name)
		case !slices.Contains(names, k) && len(names) == 0:
			d.errorf(recipe.ErrUnsupported, "%s takes no attributes, not %q", describe(d.t), a.Name)
		case !slices.Contains(names, k):
			d.errorf(recipe.ErrUnsupported, "%s does not support the %q attribute (supported: %s)", describe(d.t), a.Name, strings.Join(names, ", "))
		}
		seen[k] = true
	}
}

// raw returns the attribute's value as written.
func (d *decoder) raw(name string) (string, bool) {
	for _, a := range d.t.Attrs {
		if strings.EqualFold(a.Name, name) {
			return a.Value, true
		}
	}
	return "", false
}

func (d *decoder) has(name string) bool {
	_, ok := d.raw(name)
	return ok
}

// value returns the attribute's value, expanded when running.
func (d *decoder) value(name string) (string, bool) {
	v, ok := d.raw(name)
	return d.expand(v), ok
}

func (d *decoder) str(name string) string {
	v, _ := d.value(name)
	return v
}

// required returns an attribute that must be present and not blank.
func (d *decoder) required(name string) string {
	v, ok := d.value(name)
	if !ok || strings.TrimSpace(v) == "" {
		d.errorf(recipe.ErrMissing, "the %q attribute is required", name)
	}
	return v
}

// need returns an attribute that must be present; unlike required, it may be
// empty (the arguments of <equals>, for instance).
func (d *decoder) need(name string) string {
	v, ok := d.value(name)
	if !ok {
		d.errorf(recipe.ErrMissing, "the %q attribute is required", name)
	}
	return v
}

// boolean reads an Ant boolean. Ant takes true/yes/on as true and any other
// word as false; here false/no/off are false and other words are a mistake, as
// in package recipe, so that a typo does not silently mean false.
func (d *decoder) boolean(name string, dflt bool) bool {
	v, ok := d.value(name)
	if !ok || d.deferred(v) {
		return dflt
	}
	b, valid := parseBool(v)
	if !valid {
		d.errorf(recipe.ErrInvalid, "%s=%q is not a boolean (use true or false)", name, v)
		return dflt
	}
	return b
}

func parseBool(v string) (b, ok bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true", "yes", "on":
		return true, true
	case "false", "no", "off":
		return false, true
	}
	return false, false
}

// integer reads a decimal integer attribute that may not be negative.
func (d *decoder) integer(name string, dflt int64) int64 {
	v, ok := d.value(name)
	if !ok || d.deferred(v) {
		return dflt
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n < 0 {
		d.errorf(recipe.ErrInvalid, "%s=%q is not a whole number of zero or more", name, v)
		return dflt
	}
	return n
}

// choice reads an attribute whose value is one of allowed (compared without
// regard to case) and returns it in lower case.
func (d *decoder) choice(name, dflt string, allowed ...string) string {
	v, ok := d.value(name)
	if !ok || d.deferred(v) {
		return dflt
	}
	l := strings.ToLower(strings.TrimSpace(v))
	if !slices.Contains(allowed, l) {
		d.errorf(recipe.ErrInvalid, "%s=%q is not one of %s", name, v, strings.Join(allowed, ", "))
		return dflt
	}
	return l
}

// text returns the element's text, expanded when running.
func (d *decoder) text() string {
	d.textUsed = true
	return d.expand(d.t.Text)
}

// children returns decoders for the child elements, reporting any whose name
// (without regard to case, as Ant matches nested elements) is not in allowed.
func (d *decoder) children(allowed ...string) []*decoder {
	d.childrenRead = true
	var out []*decoder
	for _, c := range d.t.Children {
		if c.Space == "" && slices.Contains(allowed, strings.ToLower(c.Name)) {
			out = append(out, d.st.decoder(c, d.lookup))
			continue
		}
		cd := d.st.decoder(c, d.lookup)
		cd.declared, cd.textUsed, cd.childrenRead = true, true, true
		if len(allowed) == 0 {
			cd.errorf(recipe.ErrUnsupported, "%s cannot be nested in %s, which takes no nested elements", describe(c), describe(d.t))
		} else {
			cd.errorf(recipe.ErrUnsupported, "%s cannot be nested in %s (supported: %s)", describe(c), describe(d.t), strings.Join(allowed, ", "))
		}
	}
	return out
}

// name is the child's element name in lower case, for switches over the
// decoders children returns.
func (d *decoder) name() string { return strings.ToLower(d.t.Name) }

// exclusive reports when more than one of the named attributes is present.
func (d *decoder) exclusive(names ...string) {
	var given []string
	for _, n := range names {
		if d.has(n) {
			given = append(given, n)
		}
	}
	if len(given) > 1 {
		d.errorf(recipe.ErrConflict, "the attributes %s exclude each other; give only one", strings.Join(given, " and "))
	}
}

// describe renders a task for messages: its tag as written, e.g. <copy> or
// <rhq:audit>.
func describe(t *recipe.Task) string {
	if t.Prefix != "" {
		return "<" + t.Prefix + ":" + t.Name + ">"
	}
	return "<" + t.Name + ">"
}
