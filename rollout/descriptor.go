package rollout

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/bundlekit/bundlekit/bundle"
	"github.com/bundlekit/bundlekit/constraint"
	"github.com/bundlekit/bundlekit/destination"
	"github.com/bundlekit/bundlekit/fileops"
)

// Descriptor is a deployment descriptor: one bundle, the targets it goes to
// and the policy of the rollout. Load and Parse return one that is valid;
// the JSON field names are the file's (see descriptor.schema.json).
type Descriptor struct {
	// Schema is the JSON Schema the file names for editors; it is not read.
	Schema string `json:"$schema,omitempty"`
	// Name and Description say what the rollout is, for people.
	Name        string `json:"name,omitempty"`
	Description string `json:"description,omitempty"`
	// Bundle is the bundle deployed to every target: a directory or a .zip
	// bundle distribution, relative to the descriptor's directory unless
	// absolute, or an http, https or file URL of a .zip.
	Bundle string `json:"bundle"`
	// SHA256 is the published SHA-256 of the .zip bundle, lowercase hex: the
	// file (or the download) must have it before anything in it is read.
	SHA256 string `json:"sha256,omitempty"`
	// Parallelism is how many targets run at once (0 in the file means 1).
	Parallelism int `json:"parallelism,omitempty"`
	// Sequence is what happens after a target fails ("" means abort).
	Sequence Sequence `json:"sequence,omitempty"`
	// Defaults apply to every target that does not set its own.
	Defaults Defaults `json:"defaults,omitzero"`
	// Targets are the destinations, in file order.
	Targets []*Target `json:"targets"`

	// File is the path Load read, empty after Parse.
	File string `json:"-"`
	// Dir is the absolute directory relative paths are resolved against:
	// the descriptor's own for Load, the working directory for Parse.
	Dir string `json:"-"`
}

// Sequence is a rollout's sequence mode: what happens after a target fails
// (OCO's "abort after failed job" and "ignore failed jobs").
type Sequence string

// The sequence modes.
const (
	// SequenceAbort: once a target has failed (or could not be tried), no
	// new target starts; every target not started ends aborted. Targets
	// already running finish.
	SequenceAbort Sequence = "abort"
	// SequenceContinue: every target runs, whatever the others did.
	SequenceContinue Sequence = "continue"
)

// Defaults are what every target has unless it says otherwise.
type Defaults struct {
	// Properties are values for the bundle's properties; a target's own
	// win, name by name.
	Properties map[string]string `json:"properties,omitempty"`
	// DeployDir is the deploy dir of the targets whose dest is a base
	// location without one.
	DeployDir string `json:"deploy_dir,omitempty"`
	Constraints
}

// Target is one destination of a rollout.
type Target struct {
	// Name identifies the target: unique in the descriptor.
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// Dest is where the bundle goes.
	Dest Dest `json:"dest"`
	// Properties are this target's values, over Defaults.Properties.
	Properties map[string]string `json:"properties,omitempty"`
	// Groups are the groups the target belongs to (JP1's destination
	// groups): a target may be in several, and a rollout may be limited
	// to some (Options.Groups).
	Groups []string `json:"groups,omitempty"`
	// Priority orders the targets: higher first, ties in file order.
	Priority int `json:"priority,omitempty"`
	Constraints

	// Index is the target's place in the descriptor's list (targets[Index]).
	Index int `json:"-"`
	// Line is the line of the file where the target starts.
	Line int `json:"-"`

	node  *node             // where the target is in the file
	dir   string            // the absolute destination directory
	props map[string]string // the defaults' properties with the target's over them
	cons  Constraints       // the defaults' constraints with the target's over them
	set   constraint.Set    // cons, read
	conds []bundle.Condition
}

// Dir is the target's absolute destination directory.
func (t *Target) Dir() string { return t.dir }

// EffectiveProperties are the property values the target is deployed with:
// the defaults', with the target's own over them. The map is a copy.
func (t *Target) EffectiveProperties() map[string]string { return maps.Clone(t.props) }

// EffectiveConstraints are the constraints the target is deployed under,
// as written: the defaults', with the target's own over them (see
// Constraints).
func (t *Target) EffectiveConstraints() Constraints { return t.cons.clone() }

// ConstraintSet is EffectiveConstraints read: what bundle.Options.Constraints
// takes.
func (t *Target) ConstraintSet() constraint.Set { return t.set }

// Conditions are the installation conditions of EffectiveConstraints: what
// bundle.Options.Conditions takes.
func (t *Target) Conditions() []bundle.Condition { return slices.Clone(t.conds) }

// InGroup reports whether the target belongs to group.
func (t *Target) InGroup(group string) bool { return slices.Contains(t.Groups, group) }

// Dest is a target's destination, written either as a directory (a JSON
// string) or as RHQ's pair of a base location and a deploy dir below it (a
// JSON object {"base": "/opt/jboss/server/default", "deploy_dir":
// "deploy/app"}), resolved with package destination: the deploy dir must be
// relative and stay below the base; a missing deploy_dir is the defaults'.
// A relative directory or base is relative to the descriptor's directory.
type Dest struct {
	Path      string `json:"-"`
	Base      string `json:"base,omitempty"`
	DeployDir string `json:"deploy_dir,omitempty"`
}

// MarshalJSON writes the destination as it is written in a descriptor.
func (d Dest) MarshalJSON() ([]byte, error) {
	if d.Path != "" {
		return json.Marshal(d.Path)
	}
	type pair Dest
	return json.Marshal(pair(d))
}

// ValidationError is one mistake in a descriptor: the JSON path of the
// value ("targets[3].dest"), where it is in the file, and what is wrong.
// Load and Parse return every mistake of a descriptor at once, as
// errors.Join of *ValidationError in the order of the file; Errors lists
// them.
type ValidationError struct {
	// File is the descriptor's path; empty for Parse.
	File string `json:"file,omitempty"`
	// Path is the JSON path of the value, "" for the descriptor as a whole.
	Path string `json:"path"`
	// Line and Col are 1-based; Col counts characters.
	Line int    `json:"line"`
	Col  int    `json:"col"`
	Msg  string `json:"message"`
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
	} else {
		b.WriteString("descriptor")
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", e.Line, e.Col)
	}
	b.WriteString(": ")
	if e.Path != "" {
		b.WriteString(e.Path + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors returns every *ValidationError inside err, in the order of the
// file.
func Errors(err error) []*ValidationError {
	var out []*ValidationError
	var walk func(error)
	walk = func(err error) {
		switch e := err.(type) {
		case *ValidationError:
			out = append(out, e)
		case interface{ Unwrap() []error }:
			for _, x := range e.Unwrap() {
				walk(x)
			}
		case interface{ Unwrap() error }:
			walk(e.Unwrap())
		}
	}
	walk(err)
	return out
}

// maxDescriptor bounds the size of a descriptor file: a hundred thousand
// targets fit.
const maxDescriptor = 64 << 20

// Load reads and validates the descriptor at path. Relative bundle paths and
// destinations are resolved against its directory. A descriptor that is not
// valid is an error listing every mistake (see ValidationError).
func Load(path string) (*Descriptor, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("descriptor %s: %w", path, err)
	}
	f, err := os.Open(abs)
	if err != nil {
		return nil, fmt.Errorf("descriptor: %w", err)
	}
	defer f.Close()
	return parse(f, path, abs, filepath.Dir(abs))
}

// Parse reads and validates a descriptor from r. Relative bundle paths and
// destinations are resolved against the working directory.
func Parse(r io.Reader) (*Descriptor, error) {
	wd, err := os.Getwd()
	if err != nil {
		return nil, fmt.Errorf("descriptor: %w", err)
	}
	return parse(r, "", "", wd)
}

func parse(r io.Reader, name, abs, dir string) (*Descriptor, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxDescriptor+1))
	if err != nil {
		return nil, fmt.Errorf("read descriptor %s: %w", name, err)
	}
	if len(data) > maxDescriptor {
		return nil, &ValidationError{File: name, Msg: fmt.Sprintf("larger than %d MiB: not a descriptor", maxDescriptor>>20)}
	}
	root, verr := parseTree(data)
	if verr != nil {
		verr.File = name
		return nil, verr
	}
	v := &validator{data: data, file: name, abs: abs}
	d := v.descriptor(root)
	d.File, d.Dir = name, dir
	v.resolve(d)
	if len(v.errs) > 0 {
		slices.SortStableFunc(v.errs, func(a, b *ValidationError) int {
			return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col))
		})
		errs := make([]error, len(v.errs))
		for i, e := range v.errs {
			errs[i] = e
		}
		return nil, errors.Join(errs...)
	}
	return d, nil
}

// validator decodes the tree of a descriptor into a Descriptor, collecting
// every mistake with its place.
type validator struct {
	data      []byte
	file, abs string
	errs      []*ValidationError
	// where remembers the offsets of values checked after decoding.
	where map[string]int
}

func (v *validator) fail(path string, off int, format string, args ...any) {
	line, col := position(v.data, off)
	v.errs = append(v.errs, &ValidationError{File: v.file, Path: path, Line: line, Col: col, Msg: fmt.Sprintf(format, args...)})
}

func (v *validator) mark(path string, n *node) {
	if v.where == nil {
		v.where = map[string]int{}
	}
	v.where[path] = n.off
}

// field is one key an object may have: what to do with its value.
type field struct {
	name string
	set  func(path string, n *node)
}

// object decodes an object with exactly the fields given (an unknown or
// repeated key is a mistake) and returns the keys it had.
func (v *validator) object(path string, n *node, fields ...field) map[string]bool {
	if !v.want(path, n, kindObject) {
		return nil
	}
	seen := map[string]bool{}
	for _, m := range n.members {
		p := join(path, m.key)
		i := slices.IndexFunc(fields, func(f field) bool { return f.name == m.key })
		switch {
		case seen[m.key]:
			v.fail(p, m.keyOff, "given twice")
		case i < 0:
			v.fail(p, m.keyOff, "unknown field%s", suggest(m.key, fields))
		default:
			seen[m.key] = true
			fields[i].set(p, m.val)
		}
	}
	return seen
}

// suggest names the known field an unknown one is most likely a misspelling
// of (another case, - for _, a prefix, a letter or two off), or else lists
// the known fields.
func suggest(key string, fields []field) string {
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.name
	}
	norm := func(s string) string { return strings.ToLower(strings.NewReplacer("-", "", "_", "").Replace(s)) }
	k := norm(key)
	for _, n := range names {
		if m := norm(n); m == k || len(k) >= 3 && strings.HasPrefix(m, k) || len(k) >= 4 && distance(m, k) <= 2 {
			return fmt.Sprintf(" (did you mean %q?)", n)
		}
	}
	return fmt.Sprintf(" (known: %s)", strings.Join(names, ", "))
}

// distance is the Levenshtein distance between a and b, in bytes.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

func (v *validator) want(path string, n *node, k kind) bool {
	if n.kind != k {
		v.fail(path, n.off, "must be %s, not %s", k, n.kind)
		return false
	}
	return true
}

func (v *validator) str(dst *string) func(string, *node) {
	return func(path string, n *node) {
		if v.want(path, n, kindString) {
			*dst = n.str
		}
	}
}

// text is str for a value that must not be empty or padded with white space.
func (v *validator) text(dst *string) func(string, *node) {
	return func(path string, n *node) {
		if !v.want(path, n, kindString) {
			return
		}
		switch {
		case strings.TrimSpace(n.str) == "":
			v.fail(path, n.off, "must not be empty")
		case strings.TrimSpace(n.str) != n.str:
			v.fail(path, n.off, "has white space around it")
		default:
			*dst = n.str
		}
	}
}

// integer decodes a whole number in [lo, hi].
func (v *validator) integer(dst *int, lo, hi int) func(string, *node) {
	return func(path string, n *node) {
		if !v.want(path, n, kindNumber) {
			return
		}
		i, err := strconv.Atoi(n.str)
		if err != nil || i < lo || i > hi {
			v.fail(path, n.off, "must be a whole number from %d to %d, not %s", lo, hi, n.str)
			return
		}
		*dst = i
	}
}

// names decodes a list of distinct names (groups, conditions).
func (v *validator) names(dst *[]string, what string) func(string, *node) {
	return func(path string, n *node) {
		if !v.want(path, n, kindArray) {
			return
		}
		out := []string{}
		for i, e := range n.elems {
			p := fmt.Sprintf("%s[%d]", path, i)
			var s string
			v.text(&s)(p, e)
			switch {
			case s == "":
			case slices.Contains(out, s):
				v.fail(p, e.off, "%s %q is listed twice", what, s)
			default:
				out = append(out, s)
			}
		}
		*dst = out
	}
}

// properties decodes an object of property values: strings, or numbers and
// booleans, which stand for their JSON text (7081, true).
func (v *validator) properties(dst *map[string]string) func(string, *node) {
	return func(path string, n *node) {
		if !v.want(path, n, kindObject) {
			return
		}
		out := map[string]string{}
		for _, m := range n.members {
			p := join(path, m.key)
			if _, dup := out[m.key]; dup {
				v.fail(p, m.keyOff, "given twice")
				continue
			}
			if strings.TrimSpace(m.key) == "" || strings.TrimSpace(m.key) != m.key {
				v.fail(p, m.keyOff, "a property name must not be empty or have white space around it")
				continue
			}
			switch m.val.kind {
			case kindString, kindNumber:
				out[m.key] = m.val.str
			case kindBool:
				out[m.key] = strconv.FormatBool(m.val.b)
			default:
				v.fail(p, m.val.off, "a property value must be a string, a number or a boolean, not %s", m.val.kind)
			}
		}
		*dst = out
	}
}

func (v *validator) descriptor(root *node) *Descriptor {
	d := &Descriptor{}
	var targets *node
	seen := v.object("", root,
		field{"$schema", v.str(&d.Schema)},
		field{"name", v.str(&d.Name)},
		field{"description", v.str(&d.Description)},
		field{"bundle", func(p string, n *node) { v.mark(p, n); v.text(&d.Bundle)(p, n) }},
		field{"sha256", func(p string, n *node) {
			var s string
			if v.text(&s)(p, n); s == "" {
				return
			}
			sum, err := fileops.ParseSHA256(s)
			if err != nil {
				v.fail(p, n.off, "must be 64 hex digits (a SHA-256), not %q", s)
				return
			}
			d.SHA256 = sum
		}},
		field{"parallelism", v.integer(&d.Parallelism, 1, maxParallelism)},
		field{"sequence", func(p string, n *node) {
			var s string
			if v.text(&s)(p, n); s == "" {
				return
			}
			if Sequence(s) != SequenceAbort && Sequence(s) != SequenceContinue {
				v.fail(p, n.off, "must be %q or %q, not %q", SequenceAbort, SequenceContinue, s)
				return
			}
			d.Sequence = Sequence(s)
		}},
		field{"defaults", func(p string, n *node) { v.defaults(p, n, &d.Defaults) }},
		field{"targets", func(p string, n *node) { targets = n; v.targets(p, n, d) }},
	)
	if seen == nil {
		return d
	}
	if !seen["bundle"] {
		v.fail("bundle", root.off, "missing: the bundle to deploy (a directory, a .zip or a URL)")
	}
	if !seen["targets"] {
		v.fail("targets", root.off, "missing: the list of targets")
	} else if targets.kind == kindArray && len(targets.elems) == 0 {
		v.fail("targets", targets.off, "must list at least one target")
	}
	if d.Parallelism == 0 {
		d.Parallelism = 1
	}
	if d.Sequence == "" {
		d.Sequence = SequenceAbort
	}
	return d
}

// maxParallelism bounds Parallelism: far more than one machine can run.
const maxParallelism = 1 << 16

func (v *validator) defaults(path string, n *node, d *Defaults) {
	fields := append([]field{
		{"properties", v.properties(&d.Properties)},
		{"deploy_dir", func(p string, n *node) { v.mark(p, n); v.text(&d.DeployDir)(p, n) }},
	}, v.constraintFields(&d.Constraints)...)
	if v.object(path, n, fields...) == nil {
		return
	}
	if _, _, problems := d.Constraints.compile(); len(problems) > 0 {
		for _, p := range problems {
			v.fail(joinKey(path, p.key), valueOff(n, p.key), "%s", p.msg)
		}
	}
}

func (v *validator) targets(path string, n *node, d *Descriptor) {
	if !v.want(path, n, kindArray) {
		return
	}
	for i, e := range n.elems {
		p := fmt.Sprintf("%s[%d]", path, i)
		line, _ := position(v.data, e.off)
		t := &Target{Index: i, Line: line}
		fields := append([]field{
			{"name", func(p string, n *node) { v.mark(p, n); v.name(&t.Name)(p, n) }},
			{"description", v.str(&t.Description)},
			{"dest", func(p string, n *node) { v.mark(p, n); v.dest(p, n, &t.Dest) }},
			{"properties", v.properties(&t.Properties)},
			{"groups", v.names(&t.Groups, "group")},
			{"priority", v.integer(&t.Priority, minPriority, maxPriority)},
		}, v.constraintFields(&t.Constraints)...)
		seen := v.object(p, e, fields...)
		if seen == nil {
			continue
		}
		if !seen["name"] {
			v.fail(p+".name", e.off, "missing: every target needs a name")
		}
		if !seen["dest"] {
			v.fail(p+".dest", e.off, "missing: every target needs a destination")
		}
		t.node = e
		d.Targets = append(d.Targets, t)
	}
}

// The range of priorities: a signed 32-bit number, as in OCO.
const (
	minPriority = -1 << 31
	maxPriority = 1<<31 - 1
)

// name decodes a target name: printable, without white space around it.
func (v *validator) name(dst *string) func(string, *node) {
	return func(path string, n *node) {
		var s string
		if v.text(&s)(path, n); s == "" {
			return
		}
		if i := strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) && r != ' ' }); i >= 0 {
			v.fail(path, n.off, "must not hold control characters: %q", s)
			return
		}
		*dst = s
	}
}

func (v *validator) dest(path string, n *node, d *Dest) {
	switch n.kind {
	case kindString:
		v.text(&d.Path)(path, n)
	case kindObject:
		seen := v.object(path, n,
			field{"base", func(p string, n *node) { v.mark(p, n); v.text(&d.Base)(p, n) }},
			field{"deploy_dir", func(p string, n *node) { v.mark(p, n); v.text(&d.DeployDir)(p, n) }},
		)
		if seen != nil && !seen["base"] {
			v.fail(path+".base", n.off, "missing: the base location the deploy dir is below")
		}
	default:
		v.fail(path, n.off, "must be a directory (a string) or a base location and deploy dir ({\"base\": …, \"deploy_dir\": …}), not %s", n.kind)
	}
}

// resolve checks what depends on several values: the destinations, resolved
// and compared, the names, and the effective values of each target.
func (v *validator) resolve(d *Descriptor) {
	if d.Bundle != "" && !isURL(d.Bundle) && !filepath.IsAbs(d.Bundle) {
		d.Bundle = filepath.Join(d.Dir, d.Bundle)
	}
	names := map[string]*Target{}
	var dirs []*Target
	for _, t := range d.Targets {
		p := fmt.Sprintf("targets[%d]", t.Index)
		if t.Name != "" {
			if first, dup := names[t.Name]; dup {
				v.fail(p+".name", v.where[p+".name"], "%q is also the name of targets[%d]", t.Name, first.Index)
			} else {
				names[t.Name] = t
			}
		}
		t.props = maps.Clone(d.Defaults.Properties)
		if t.props == nil {
			t.props = map[string]string{}
		}
		maps.Copy(t.props, t.Properties)
		t.cons = merge(d.Defaults.Constraints, t.Constraints)
		v.compileTarget(p, t, d.Defaults.Constraints)
		if dir := v.destDir(p+".dest", d, t); dir != "" {
			t.dir = dir
			dirs = append(dirs, t)
		}
	}
	for i, t := range dirs {
		for _, u := range dirs[:i] {
			p := fmt.Sprintf("targets[%d].dest", t.Index)
			switch {
			case t.dir == u.dir:
				v.fail(p, v.where[p], "%s is also the destination of targets[%d] (%q): one directory holds one deployment", t.dir, u.Index, u.Name)
			case within(t.dir, u.dir), within(u.dir, t.dir):
				v.fail(p, v.where[p], "%s and the destination of targets[%d] (%q, %s) are one inside the other: a deployment manages its whole directory", t.dir, u.Index, u.Name, u.dir)
			}
		}
		if v.abs != "" && within(v.abs, t.dir) {
			p := fmt.Sprintf("targets[%d].dest", t.Index)
			v.fail(p, v.where[p], "%s holds this descriptor (and its state file): a deployment there could move them away", t.dir)
		}
	}
}

// destDir resolves a target's destination to an absolute directory; "" when
// it cannot (the mistake is recorded).
func (v *validator) destDir(path string, d *Descriptor, t *Target) string {
	flavour := destination.PlatformOf(runtime.GOOS).Flavour
	switch {
	case t.Dest.Path != "":
		p := t.Dest.Path
		if !filepath.IsAbs(p) {
			p = filepath.Join(d.Dir, p)
		}
		dir, err := destination.ParseDir(flavour, p)
		if err != nil {
			v.fail(path, v.where[path], "%v", err)
			return ""
		}
		return dir.String()
	case t.Dest.Base != "":
		deployDir := t.Dest.DeployDir
		if deployDir == "" {
			deployDir = d.Defaults.DeployDir
		}
		if deployDir == "" {
			v.fail(path+".deploy_dir", v.where[path], "missing, and the defaults have no deploy_dir")
			return ""
		}
		const base = "base"
		baseDir := t.Dest.Base
		if !filepath.IsAbs(baseDir) {
			baseDir = filepath.Join(d.Dir, baseDir)
		}
		dir, err := destination.Resolve(destination.Spec{BaseLocation: base, DeployDir: deployDir}, destination.Target{
			Name:          t.Name,
			Platform:      destination.PlatformOf(runtime.GOOS),
			BaseLocations: []destination.BaseLocation{{Name: base, ValueContext: destination.FileSystem, ValueName: baseDir}},
		})
		if err != nil {
			at := path + ".base"
			if errors.Is(err, destination.ErrNotRelative) || errors.Is(err, destination.ErrEscapes) || errors.Is(err, destination.ErrNoDeployDir) {
				at = path + ".deploy_dir"
			}
			off, ok := v.where[at]
			if !ok {
				off = v.where["defaults.deploy_dir"]
			}
			v.fail(at, off, "%v", err)
			return ""
		}
		return dir.String()
	}
	return ""
}

// within reports whether path is dir or below it (both clean and absolute).
func within(path, dir string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && filepath.IsLocal(rel) || rel == "."
}

// isURL reports whether a bundle is given as a URL rather than a path.
func isURL(s string) bool {
	for _, scheme := range []string{"http://", "https://", "file://"} {
		if len(s) > len(scheme) && strings.EqualFold(s[:len(scheme)], scheme) {
			return true
		}
	}
	return false
}

// join is a JSON path with one more key: .key, or ["key"] for a key that is
// not an identifier.
func join(path, key string) string {
	ident := key != ""
	for i, r := range key {
		if !(r == '_' || r == '$' || unicode.IsLetter(r) || i > 0 && unicode.IsDigit(r)) {
			ident = false
			break
		}
	}
	switch {
	case !ident:
		return path + "[" + strconv.Quote(key) + "]"
	case path == "":
		return key
	}
	return path + "." + key
}
