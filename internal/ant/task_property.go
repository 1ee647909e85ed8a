package ant

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/bundlekit/bundlekit/internal/antprop"
	"github.com/bundlekit/bundlekit/internal/javaprops"
	"github.com/bundlekit/bundlekit/recipe"
)

// propertyTask is <property> and <rhq:property> (R157, R177): one property
// from name with value, location or text; or every property of a Java
// .properties file (with prefix); or the environment under a prefix.
type propertyTask struct {
	name, value string
	location    string
	file        string
	environment string
	prefix      string
	// relToDeploy re-roots file under the deploy directory (rhq:property).
	relToDeploy bool
}

func decodeProperty(d *decoder) runner {
	attrs := []string{"name", "value", "location", "file", "environment", "prefix"}
	if d.t.IsRHQ() {
		attrs = append(attrs, "relativetodeploydir")
	}
	d.attrs(attrs...)
	p := &propertyTask{
		name:        d.str("name"),
		location:    d.str("location"),
		file:        d.str("file"),
		environment: d.str("environment"),
		prefix:      d.str("prefix"),
		relToDeploy: d.boolean("relativetodeploydir", false),
	}
	text := d.text()
	sources := 0
	if v, ok := d.value("value"); ok {
		p.value, sources = v, sources+1
	}
	if strings.TrimSpace(text) != "" {
		// Ant 1.8: nested text is the value.
		p.value, sources = text, sources+1
	}
	if d.has("location") {
		sources++
	}
	switch {
	case d.has("name"):
		if strings.TrimSpace(p.name) == "" {
			d.errorf(recipe.ErrMissing, "the \"name\" attribute must not be empty")
		}
		if sources == 0 {
			d.errorf(recipe.ErrMissing, "a property with a name needs value, location or nested text")
		}
		if sources > 1 {
			d.errorf(recipe.ErrConflict, "give only one of value, location and nested text")
		}
		if d.has("file") || d.has("environment") || d.has("prefix") {
			d.errorf(recipe.ErrConflict, "file and environment define many properties: they take no name (and prefix goes with file)")
		}
	case sources > 0:
		d.errorf(recipe.ErrMissing, "value, location and nested text need the \"name\" attribute")
	case d.has("file") == d.has("environment"):
		d.errorf(recipe.ErrMissing, "give name with value or location, or file, or environment")
	case d.has("prefix") && !d.has("file"):
		d.errorf(recipe.ErrConflict, "prefix applies to properties loaded from a file")
	}
	if d.has("relativetodeploydir") && !d.has("file") {
		d.ruleErrorf("R177", recipe.ErrConflict, "relativeToDeployDir applies to the file attribute")
	}
	return p
}

func (p *propertyTask) run(_ context.Context, c *call) error {
	return p.apply(c, c.p.props.get, func(name, value string) { c.p.props.define(name, value) })
}

// apply defines the properties with set, resolving references inside a
// property file with lookup first.
func (p *propertyTask) apply(c *call, lookup func(string) (string, bool), set func(name, value string)) error {
	switch {
	case p.name != "" && p.location != "":
		set(p.name, c.p.resolve(p.location))
	case p.name != "":
		set(p.name, p.value)
	case p.file != "":
		return p.load(c, lookup, set)
	case p.environment != "":
		prefix := strings.TrimSuffix(p.environment, ".") + "."
		for _, kv := range c.p.environ() {
			if k, v, ok := strings.Cut(kv, "="); ok && k != "" {
				set(prefix+k, v)
			}
		}
	}
	return nil
}

// load reads a Java .properties file (ISO-8859-1 with \u escapes, as Ant
// reads it). A missing file defines nothing and is logged, as in Ant.
func (p *propertyTask) load(c *call, lookup func(string) (string, bool), set func(name, value string)) error {
	abs := c.p.resolve(p.file)
	if p.relToDeploy {
		// R177: the path relative to the basedir, re-rooted under the deploy
		// directory and cleaned (../x.properties is beside it).
		deploy := c.p.sh.env.DeployDir
		if deploy == "" {
			return fmt.Errorf("relativeToDeployDir needs the deploy directory (%s is not set)", propDeployDir)
		}
		rel, err := filepath.Rel(c.p.basedir, abs)
		if err != nil {
			return fmt.Errorf("property file %s: %w", abs, err)
		}
		abs = filepath.Join(deploy, rel)
	}
	l, err := c.p.locate(abs, false)
	if err == nil {
		defer l.close()
		var f *os.File
		if f, err = l.dir.Open(l.name); err == nil {
			defer f.Close()
			var entries *javaprops.Properties
			if entries, err = javaprops.Decode(f, javaprops.Latin1); err != nil {
				return fmt.Errorf("property file %s: %w", abs, err)
			}
			return defineAll(entries, lookup, p.prefix, set)
		}
	}
	if notExist(err) {
		c.logf(LevelWarning, "property file %s not found; it defines nothing", abs)
		return nil
	}
	return err
}

// defineAll defines the properties of a file in file order, with references
// between them resolved as Ant's ResolvePropertyMap does: a project property
// wins over the file's own value, a reference to another key of the file is
// resolved recursively, and a loop is an error.
func defineAll(entries *javaprops.Properties, lookup func(string) (string, bool), prefix string, set func(name, value string)) error {
	resolved := map[string]string{}
	var resolve func(key string, chain []string) (string, error)
	resolve = func(key string, chain []string) (string, error) {
		if v, ok := resolved[key]; ok {
			return v, nil
		}
		if slices.Contains(chain, key) {
			return "", fmt.Errorf("property %s was circularly defined: %s -> %s", key, strings.Join(chain, " -> "), key)
		}
		raw, _ := entries.Get(key)
		var err error
		v := antprop.Expand(raw, func(name string) (string, bool) {
			if v, ok := lookup(name); ok {
				return v, true
			}
			if _, ok := entries.Get(name); !ok || err != nil {
				return "", false
			}
			var v string
			v, err = resolve(name, append(chain, key))
			return v, err == nil
		})
		if err != nil {
			return "", err
		}
		resolved[key] = v
		return v, nil
	}
	for _, e := range entries.Entries() {
		v, err := resolve(e.Key, nil)
		if err != nil {
			return err
		}
		name := e.Key
		if prefix != "" {
			name = strings.TrimSuffix(prefix, ".") + "." + name
		}
		set(name, v)
	}
	return nil
}

func (p *Project) environ() []string {
	if p.sh.env.Environ != nil {
		return p.sh.env.Environ
	}
	return os.Environ()
}

// availableTask is <available>: it sets property to value when the file
// exists (and has the type asked for).
type availableTask struct {
	property, value string
	check           *availableCond
}

func decodeAvailableTask(d *decoder) runner {
	d.attrs("property", "value", "file", "type")
	a := &availableTask{property: d.required("property"), value: "true", check: decodeAvailableAttrs(d)}
	if v, ok := d.value("value"); ok {
		a.value = v
	}
	return a
}

func (a *availableTask) run(_ context.Context, c *call) error {
	ok, err := a.check.eval(c)
	if ok {
		c.p.props.define(a.property, a.value)
	}
	return err
}

// conditionTask is <condition>: it sets property to value when its one
// nested condition holds, and to else (if given) when it does not.
type conditionTask struct {
	property, value string
	elseValue       string
	hasElse         bool
	cond            condition
}

func decodeConditionTask(d *decoder) runner {
	d.attrs("property", "value", "else")
	t := &conditionTask{property: d.required("property"), value: "true"}
	if v, ok := d.value("value"); ok {
		t.value = v
	}
	t.elseValue, t.hasElse = d.value("else")
	conds := decodeConditions(d)
	if len(conds) != 1 {
		d.errorf(recipe.ErrInvalid, "<condition> takes exactly one nested condition, not %d", len(conds))
	} else {
		t.cond = conds[0]
	}
	return t
}

func (t *conditionTask) run(_ context.Context, c *call) error {
	ok, err := t.cond.eval(c)
	switch {
	case err != nil:
		return err
	case ok:
		c.p.props.define(t.property, t.value)
	case t.hasElse:
		c.p.props.define(t.property, t.elseValue)
	}
	return nil
}
