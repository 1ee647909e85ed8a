package ant

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/bundlekit/bundlekit/fileops"
	"github.com/bundlekit/bundlekit/internal/antprop"
	"github.com/bundlekit/bundlekit/internal/command"
	"github.com/bundlekit/bundlekit/internal/locate"
	"github.com/bundlekit/bundlekit/recipe"
)

// Defaults of the Env limits.
const (
	// DefaultExecTimeout bounds an <exec> without a timeout attribute.
	DefaultExecTimeout = 10 * time.Minute
	// DefaultMaxSleep bounds the duration of one <sleep>.
	DefaultMaxSleep = 10 * time.Minute
	// DefaultMaxAntDepth bounds how deeply <ant> calls may nest.
	DefaultMaxAntDepth = 8
	// DefaultOutputLimit is how many bytes of an <exec> program's output the
	// exec event and outputproperty keep (the last ones).
	DefaultOutputLimit = command.DefaultTailSize
)

// Env is what a Project needs to know about one run. Basedir is required;
// every other field has a default.
type Env struct {
	// Basedir is the bundle directory: ${basedir}, the base of relative
	// paths, and where <ant antfile> looks for build files. It must be
	// absolute.
	Basedir string
	// DeployDir is the deployment directory, ${rhq.deploy.dir}. File
	// operations below it go through one fileops.Dir (os.Root), so they cannot
	// leave it (see the package documentation). Empty means the
	// rhq.deploy.dir property, if any; when both are set they must agree.
	DeployDir string
	// Deploy, when set, is DeployDir already opened by the caller; the Project
	// uses it and does not close it.
	Deploy *fileops.Dir
	// Properties are the caller's Ant properties, immutable for the recipe
	// (R157): rhq.deploy.*, the input-property values, and for a deploy.xml
	// the properties Recipe.Expand defined (Recipe.Defined: input-property
	// defaults, the <property> tasks of rhq:bundle).
	Properties map[string]string
	// Events, when set, receives what the interpreter does. It is never
	// called concurrently, but output of an <exec> program arrives from
	// goroutines other than the one running the target.
	Events func(Event)
	// Environ is the environment as KEY=VALUE for <property environment>
	// and <exec>; nil means this process's.
	Environ []string
	// OS and Arch are the platform conditions and <exec osfamily> test, as
	// GOOS and GOARCH values; empty means this system's. OS also decides
	// whether <chmod> is a no-op (windows).
	OS, Arch string
	// ExecTimeout bounds an <exec> without a timeout attribute; 0 means
	// DefaultExecTimeout.
	ExecTimeout time.Duration
	// OutputLimit is how many bytes of each output stream an <exec> keeps for
	// its event and properties; 0 means DefaultOutputLimit.
	OutputLimit int
	// MaxSleep bounds one <sleep>; 0 means DefaultMaxSleep.
	MaxSleep time.Duration
	// MaxAntDepth bounds how deeply <ant> calls may nest; 0 means
	// DefaultMaxAntDepth.
	MaxAntDepth int
	// Now is the clock of rhq:audit's default info; nil means time.Now.
	Now func() time.Time
}

// Project runs the targets of one Ant project: a deploy.xml recipe, or a build
// file called with <ant>. A Project is not safe for concurrent use.
type Project struct {
	file    string
	name    string
	dflt    string
	tasks   []*recipe.Task
	targets []*recipe.Target
	basedir string
	props   *props
	sh      *shared
	depth   int

	validated bool
	valErr    error
	started   bool
}

// shared is what a project and the projects it calls with <ant> have in
// common.
type shared struct {
	env Env
	// mu serializes Events.
	mu sync.Mutex
	// roots route every path to its directory handle: the deploy directory
	// and the base directories are each opened once.
	roots *locate.Roots
}

// New prepares a Project for the targets of r. It checks env but runs nothing
// and reads no file; call Validate to check the recipe's tasks, and RunTarget
// to run one.
func New(r *recipe.Recipe, env Env) (*Project, error) {
	if r == nil {
		return nil, errors.New("ant: nil recipe")
	}
	env, err := normalize(env)
	if err != nil {
		return nil, err
	}
	sh := &shared{env: env, roots: locate.New(locate.Options{})}
	if env.DeployDir != "" {
		if err := sh.roots.AddRoot(env.DeployDir, env.Deploy, true); err != nil {
			return nil, err
		}
	}
	p := &Project{
		file:    r.File,
		name:    r.Project.Name,
		dflt:    r.Project.Default,
		tasks:   r.Tasks,
		targets: r.Targets,
		basedir: env.Basedir,
		props:   newProps(),
		sh:      sh,
	}
	for _, k := range slices.Sorted(maps.Keys(env.Properties)) {
		p.props.defineUser(k, env.Properties[k])
	}
	if env.DeployDir != "" {
		p.props.defineUser(propDeployDir, env.DeployDir)
	}
	p.defineBuiltins(p.resolve(r.File))
	return p, nil
}

const propDeployDir = "rhq.deploy.dir"

func normalize(env Env) (Env, error) {
	if env.Basedir == "" || !filepath.IsAbs(env.Basedir) {
		return env, fmt.Errorf("ant: the base directory %q is not an absolute path", env.Basedir)
	}
	env.Basedir = filepath.Clean(env.Basedir)
	deploy := env.DeployDir
	if deploy == "" && env.Deploy != nil {
		deploy = env.Deploy.Path()
	}
	prop, hasProp := env.Properties[propDeployDir]
	if deploy == "" {
		deploy = prop
	}
	if deploy != "" {
		if !filepath.IsAbs(deploy) {
			return env, fmt.Errorf("ant: the deploy directory %q is not an absolute path", deploy)
		}
		deploy = filepath.Clean(deploy)
	}
	switch {
	case hasProp && prop != "" && filepath.Clean(prop) != deploy:
		return env, fmt.Errorf("ant: property %s=%q and the deploy directory %q differ", propDeployDir, prop, deploy)
	case env.Deploy != nil && env.Deploy.Path() != deploy:
		return env, fmt.Errorf("ant: Env.Deploy is %q but the deploy directory is %q", env.Deploy.Path(), deploy)
	}
	env.DeployDir = deploy
	if env.OS == "" {
		env.OS = runtime.GOOS
	}
	if env.Arch == "" {
		env.Arch = runtime.GOARCH
	}
	if env.ExecTimeout <= 0 {
		env.ExecTimeout = DefaultExecTimeout
	}
	if env.OutputLimit <= 0 {
		env.OutputLimit = DefaultOutputLimit
	}
	if env.MaxSleep <= 0 {
		env.MaxSleep = DefaultMaxSleep
	}
	if env.MaxAntDepth <= 0 {
		env.MaxAntDepth = DefaultMaxAntDepth
	}
	if env.Now == nil {
		env.Now = time.Now
	}
	return env, nil
}

// defineBuiltins defines the properties Ant defines for every project, after
// the caller's (which win).
func (p *Project) defineBuiltins(antFile string) {
	p.props.define("basedir", p.basedir)
	p.props.define("ant.file", antFile)
	p.props.define("ant.project.name", p.name)
}

// builtin reports the properties that belong to one project and are not
// passed to a project called with <ant> (Ant's "almost all").
func builtin(name string) bool {
	return name == "basedir" || name == "ant.file" || name == "ant.project.name"
}

// Property returns the value of an Ant property and whether it is set.
func (p *Project) Property(name string) (string, bool) { return p.props.get(name) }

// Properties returns a copy of every property set: the caller's and those
// the recipe defined so far (R172: properties set by a target are visible
// after it).
func (p *Project) Properties() map[string]string { return maps.Clone(p.props.values) }

// Close releases the directories the Project opened. Env.Deploy stays open.
func (p *Project) Close() error {
	return p.sh.roots.Close()
}

// Validate checks every task of the project — at the top level, in every
// target, and nested — before anything runs: a task bundlekit does not run
// (with the list of those it does), an attribute or nested element a task does
// not support, a missing required attribute, a value that cannot be right, and
// targets that do not exist. Values that refer to ${…} properties are checked
// when the task runs. The error is errors.Join of *recipe.Error values in
// document order, wrapping recipe.ErrUnsupported, recipe.ErrMissing,
// recipe.ErrInvalid or recipe.ErrConflict. Validate reads no file; build files
// called with <ant> are validated when the <ant> task runs, before any of
// their tasks.
func (p *Project) Validate() error {
	if p.validated {
		return p.valErr
	}
	errs := p.checkTargets()
	for _, t := range p.tasks {
		errs = append(errs, validateTask(t)...)
	}
	for _, tg := range p.targets {
		for _, t := range tg.Tasks {
			errs = append(errs, validateTask(t)...)
		}
	}
	slices.SortStableFunc(errs, func(a, b *recipe.Error) int {
		if a.Pos.Line != b.Pos.Line {
			return a.Pos.Line - b.Pos.Line
		}
		return a.Pos.Col - b.Pos.Col
	})
	all := make([]error, len(errs))
	for i, e := range errs {
		all[i] = e
	}
	p.validated, p.valErr = true, errors.Join(all...)
	return p.valErr
}

// checkTargets reports duplicate target names and depends= that name no
// target. Package recipe checks the same for a deploy.xml; a build file
// called with <ant> is checked only here.
func (p *Project) checkTargets() []*recipe.Error {
	var errs []*recipe.Error
	seen := map[string]bool{}
	for _, tg := range p.targets {
		el := fmt.Sprintf("<target name=%q>", tg.Name)
		if seen[tg.Name] {
			errs = append(errs, &recipe.Error{Pos: tg.Pos, Element: el, Err: &reason{recipe.ErrConflict, fmt.Sprintf("duplicate target %q", tg.Name)}})
		}
		seen[tg.Name] = true
	}
	for _, tg := range p.targets {
		for _, d := range tg.Depends {
			if p.target(d) == nil {
				errs = append(errs, &recipe.Error{Pos: tg.Pos, Element: fmt.Sprintf("<target name=%q>", tg.Name),
					Err: &reason{recipe.ErrMissing, fmt.Sprintf("target %q does not exist in this project; it is used in depends of target %q", d, tg.Name)}})
			}
		}
	}
	return errs
}

func (p *Project) target(name string) *recipe.Target {
	for _, tg := range p.targets {
		if tg.Name == name {
			return tg
		}
	}
	return nil
}

// RunTarget runs the target name after its dependencies, the way Ant runs a
// target given on its command line: the project is validated first (nothing
// runs if it is not valid); the tasks written at the top level of the project
// run once, before the first target of the Project's life; then the
// dependencies of depends= run in Ant's order (depth first, left to right),
// each once per call, and the target itself. A target whose if= property is
// not set, or whose unless= property is set, is skipped (its dependencies
// still run). Properties are expanded when each task runs, so a task sees what
// the tasks before it defined. The first failure stops the run; it is a
// *TaskError.
func (p *Project) RunTarget(ctx context.Context, name string) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if !p.started {
		p.started = true
		for _, t := range p.tasks {
			if err := p.runTask(ctx, "", t); err != nil {
				return err
			}
		}
	}
	order, err := p.order(name)
	if err != nil {
		return err
	}
	for _, tg := range order {
		if err := p.runTarget(ctx, tg); err != nil {
			return err
		}
	}
	return nil
}

// order is Ant's topological order of the targets name depends on, name last.
func (p *Project) order(name string) ([]*recipe.Target, error) {
	const (
		visiting = 1
		done     = 2
	)
	state := map[string]int{}
	var out []*recipe.Target
	var visit func(name string, chain []string) error
	visit = func(name string, chain []string) error {
		tg := p.target(name)
		if tg == nil {
			if len(chain) == 0 {
				return fmt.Errorf("%w: target %q does not exist in %s", ErrNoTarget, name, p.file)
			}
			return fmt.Errorf("%w: target %q does not exist in %s; it is used in depends of target %q", ErrNoTarget, name, p.file, chain[len(chain)-1])
		}
		switch state[name] {
		case visiting:
			return fmt.Errorf("%s: circular dependency: %s -> %s", tg.Pos, strings.Join(chain, " -> "), name)
		case done:
			return nil
		}
		state[name] = visiting
		for _, d := range tg.Depends {
			if err := visit(d, append(chain, name)); err != nil {
				return err
			}
		}
		state[name] = done
		out = append(out, tg)
		return nil
	}
	if err := visit(name, nil); err != nil {
		return nil, err
	}
	return out, nil
}

func (p *Project) runTarget(ctx context.Context, tg *recipe.Target) error {
	ev := Event{Type: EventTarget, Target: tg.Name, Pos: tg.Pos}
	switch {
	case tg.If != "" && !p.test(tg.If):
		ev.Skipped, ev.Message = true, fmt.Sprintf("if=%q is not set", tg.If)
	case tg.Unless != "" && p.test(tg.Unless):
		ev.Skipped, ev.Message = true, fmt.Sprintf("unless=%q is set", tg.Unless)
	}
	p.emit(ev)
	if ev.Skipped {
		return nil
	}
	for _, t := range tg.Tasks {
		if err := p.runTask(ctx, tg.Name, t); err != nil {
			return err
		}
	}
	return nil
}

// test evaluates an if= or unless= condition as Ant 1.8 does: after
// expansion, true/yes/on is true, false/no/off is false, and any other value
// names a property that must be set.
func (p *Project) test(cond string) bool {
	v := p.expand(cond)
	if b, ok := parseBool(v); ok {
		return b
	}
	_, set := p.props.get(v)
	return set
}

func (p *Project) expand(s string) string { return antprop.Expand(s, p.props.get) }

// validateTask decodes t without running it and returns its mistakes.
func validateTask(t *recipe.Task) []*recipe.Error {
	decode, ok := lookupTask(t)
	if !ok {
		return []*recipe.Error{unsupportedTask(t)}
	}
	st := &decoding{}
	decode(st.decoder(t, nil))
	return st.finish()
}

// runTask decodes t with the properties as they are now and runs it.
func (p *Project) runTask(ctx context.Context, target string, t *recipe.Task) error {
	fail := func(err error) error {
		return &TaskError{Pos: t.Pos, Target: target, Task: describe(t), Err: err}
	}
	if err := ctx.Err(); err != nil {
		return fail(err)
	}
	decode, ok := lookupTask(t)
	if !ok {
		return fail(unsupportedTask(t).Err)
	}
	st := &decoding{}
	r := decode(st.decoder(t, p.props.get))
	if errs := st.finish(); len(errs) > 0 {
		reasons := make([]error, len(errs))
		for i, e := range errs {
			reasons[i] = e.Err
		}
		return fail(errors.Join(reasons...))
	}
	if err := r.run(ctx, &call{p: p, t: t, target: target}); err != nil {
		return fail(err)
	}
	return nil
}

func (p *Project) emit(e Event) {
	if p.sh.env.Events == nil {
		return
	}
	p.sh.mu.Lock()
	defer p.sh.mu.Unlock()
	p.sh.env.Events(e)
}

// call is one task running: what it needs to reach the project and to report.
type call struct {
	p      *Project
	t      *recipe.Task
	target string
}

func (c *call) emit(e Event) {
	e.Target, e.Task, e.Pos = c.target, key(c.t), c.t.Pos
	c.p.emit(e)
}

func (c *call) logf(level Level, format string, args ...any) {
	c.emit(Event{Type: EventLog, Level: level, Message: fmt.Sprintf(format, args...)})
}
