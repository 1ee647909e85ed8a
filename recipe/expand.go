package recipe

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"github.com/bundlekit/bundlekit/internal/antprop"
)

// Env is what Expand needs to know about one deployment.
type Env struct {
	// Properties are the caller's Ant properties: the operator's values for input
	// properties, rhq.deploy.dir, rhq.deploy.id, … As in Ant they are immutable:
	// a recipe <property> with the same name does not change them (R157).
	Properties map[string]string
	// Basedir is the bundle directory: ${basedir}, and the base of relative
	// location= and file= paths (R157).
	Basedir string
	// DeployDir is the deployment directory, the base of file= paths of an
	// <rhq:property relativeToDeployDir="true"> (R177).
	DeployDir string
	// ReadProperties loads a Java .properties file for <property file=…>. A
	// missing file is not an error (Ant only logs it): return an error wrapping
	// fs.ErrNotExist. When nil, file properties define nothing.
	ReadProperties func(path string) (map[string]string, error)
	// Environ lists the environment as KEY=VALUE, for <property
	// environment="env"/>. When nil, environment properties define nothing.
	Environ func() []string
}

// Expand returns the recipe with every ${name} reference in the rhq:bundle
// element and the top-level tasks resolved the way Ant resolves them at
// configuration time (R157): caller properties first, then properties the recipe
// defines in document order (first definition wins), then input-property values
// and defaults (R159); an unknown ${x} stays literal and $$ stands for $. The
// expanded recipe is validated again, with the checks that had to wait for the
// values. Targets are not expanded: their tasks see the properties as they are
// when they run. Only a recipe from Parse, ParseFile or New can be expanded:
// another (a Recipe literal) is an error wrapping ErrInvalid.
func (r *Recipe) Expand(env Env) (*Recipe, error) {
	if r.doc == nil {
		return nil, fmt.Errorf("expand recipe: %w: it was not made by Parse, ParseFile or New", ErrInvalid)
	}
	x := &expander{env: env, defined: map[string]string{}}
	if env.Basedir != "" {
		x.define("basedir", env.Basedir)
	}
	out, err := build(r.doc, r.File, r.strict, x)
	if err != nil {
		return nil, err
	}
	out.Defined = x.defined
	return out, nil
}

// expander resolves ${…} references. A nil *expander (parse time) leaves values
// raw.
type expander struct {
	env     Env
	defined map[string]string
}

func (x *expander) lookup(name string) (string, bool) {
	if v, ok := x.env.Properties[name]; ok {
		return v, true
	}
	v, ok := x.defined[name]
	return v, ok
}

// define sets a property unless it already has a value: Ant properties are
// immutable.
func (x *expander) define(name, value string) {
	if _, ok := x.lookup(name); ok || name == "" {
		return
	}
	x.defined[name] = value
}

// expand resolves s with the properties known so far; a nil *expander (parse
// time) leaves it raw.
func (x *expander) expand(s string) string {
	if x == nil {
		return s
	}
	return antprop.Expand(s, x.lookup)
}

// defineInput gives an input property without a value its default, which then is
// a project property like any other (R159).
func (x *expander) defineInput(p *InputProperty) {
	if x == nil || !p.HasDefault {
		return
	}
	x.define(p.Name, p.Default)
}

// defineProperty executes a <property> or <rhq:property> at configuration time.
func (b *builder) defineProperty(p *Property) {
	x := b.ex
	if x == nil {
		return
	}
	switch {
	case p.Name != "" && p.Location != "":
		x.define(p.Name, x.abs(p.Location))
	case p.Name != "" && p.File == "" && p.Environment == "":
		x.define(p.Name, p.Value)
	case p.File != "":
		if x.env.ReadProperties == nil {
			return
		}
		file := x.abs(p.File)
		if p.RelativeToDeployDir {
			file = filepath.Join(x.env.DeployDir, filepath.FromSlash(p.File))
		}
		props, err := x.env.ReadProperties(file)
		if errors.Is(err, fs.ErrNotExist) {
			b.warnings = append(b.warnings, &Error{Pos: p.Pos, Element: "<property file=\"" + p.File + "\">", Rule: "R177",
				Err: &kindError{kind: ErrMissing, msg: "property file " + file + " not found; it defines nothing"}})
			return
		}
		if err != nil {
			b.errs = append(b.errs, &Error{Pos: p.Pos, Element: "<property file=\"" + p.File + "\">", Rule: "R177",
				Err: &kindError{kind: ErrInvalid, msg: fmt.Sprintf("read property file %s: %v", file, err)}})
			return
		}
		for _, k := range slices.Sorted(maps.Keys(props)) {
			x.define(withPrefix(p.Prefix, k), props[k])
		}
	case p.Environment != "" && x.env.Environ != nil:
		prefix := strings.TrimSuffix(p.Environment, ".") + "."
		for _, kv := range x.env.Environ() {
			if k, v, ok := strings.Cut(kv, "="); ok && k != "" {
				x.define(prefix+k, v)
			}
		}
	}
}

func withPrefix(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return strings.TrimSuffix(prefix, ".") + "." + key
}

func (x *expander) abs(p string) string {
	p = filepath.FromSlash(p)
	if filepath.IsAbs(p) || x.env.Basedir == "" {
		return filepath.Clean(p)
	}
	return filepath.Join(x.env.Basedir, p)
}
