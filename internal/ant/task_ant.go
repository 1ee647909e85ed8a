package ant

import (
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"slices"

	"github.com/bundlekit/bundlekit/internal/locate"
	"github.com/bundlekit/bundlekit/recipe"
)

// antTask is <ant>: it runs a target of another build file (seed §2.3.2.3.3,
// the way to do what <antcall> would). antfile (default build.xml) is
// relative to dir, and dir (default: the calling project's basedir) becomes
// the called project's basedir. Nested <property> elements are evaluated in
// the calling project and passed as properties the called project cannot
// change; when one name is given twice the last one wins, as in Ant. With
// inheritall (the default) every property of the calling project is passed
// as well, except basedir, ant.file and ant.project.name; without it only the
// caller's own (Env.Properties and what enclosing <ant> tasks passed).
// Properties the called project defines do not come back.
type antTask struct {
	antfile    string
	dir        string
	target     string
	inheritAll bool
	props      []*propertyTask
}

func decodeAnt(d *decoder) runner {
	d.attrs("antfile", "dir", "target", "inheritall")
	t := &antTask{antfile: "build.xml", dir: d.str("dir"), target: d.str("target"), inheritAll: d.boolean("inheritall", true)}
	if v, ok := d.value("antfile"); ok {
		t.antfile = v
	}
	for _, c := range d.children("property") {
		t.props = append(t.props, decodeProperty(c).(*propertyTask))
	}
	return t
}

func (t *antTask) run(ctx context.Context, c *call) error {
	parent := c.p
	if parent.depth+1 > parent.sh.env.MaxAntDepth {
		return fmt.Errorf("%w: more than %d levels", ErrDepth, parent.sh.env.MaxAntDepth)
	}
	dir := parent.basedir
	if t.dir != "" {
		dir = parent.resolve(t.dir)
	}
	abs := filepath.FromSlash(slashes(t.antfile))
	if !filepath.IsAbs(abs) {
		abs = filepath.Join(dir, abs)
	}
	abs = filepath.Clean(abs)
	name := abs
	if rel, ok := locate.Within(parent.sh.env.Basedir, abs); ok {
		name = rel
	}
	l, err := parent.locate(abs, false)
	if err != nil {
		return fmt.Errorf("build file %s: %w", abs, err)
	}
	defer l.close()
	f, err := l.dir.Open(l.name)
	if err != nil {
		return fmt.Errorf("build file %s: %w", abs, err)
	}
	bf, err := recipe.ParseBuildFile(f, recipe.WithFile(name))
	f.Close()
	if err != nil {
		return err
	}

	// The called project's basedir is the <ant> task's dir, whatever the
	// build file's basedir attribute says, as when Ant runs it with
	// inheritall.
	child := &Project{
		file:    bf.File,
		name:    bf.Project.Name,
		dflt:    bf.Project.Default,
		tasks:   bf.Tasks,
		targets: bf.Targets,
		basedir: dir,
		props:   newProps(),
		sh:      parent.sh,
		depth:   parent.depth + 1,
	}
	nested := map[string]string{}
	for _, pt := range t.props {
		if err := pt.apply(c, parent.props.get, func(n, v string) { nested[n] = v }); err != nil {
			return err
		}
	}
	for _, k := range slices.Sorted(maps.Keys(nested)) {
		child.props.defineUser(k, nested[k])
	}
	for _, k := range slices.Sorted(maps.Keys(parent.props.values)) {
		switch {
		case builtin(k):
		case parent.props.user[k]:
			child.props.defineUser(k, parent.props.values[k])
		case t.inheritAll:
			child.props.define(k, parent.props.values[k])
		}
	}
	child.defineBuiltins(abs)

	target := t.target
	if target == "" {
		target = bf.Project.Default
	}
	if target == "" {
		return fmt.Errorf("%w: %s has no default target; name one with target=", ErrNoTarget, name)
	}
	return child.RunTarget(ctx, target)
}
