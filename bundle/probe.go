package bundle

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/bundlekit/bundlekit/fileops"
	"github.com/bundlekit/bundlekit/internal/command"
	"github.com/bundlekit/bundlekit/internal/ctxio"
	"github.com/bundlekit/bundlekit/internal/scratch"
	"github.com/bundlekit/bundlekit/recipe"
	"github.com/bundlekit/bundlekit/token"
)

// ProbeOptions describe a probe: the deployment probed, as Deploy would take
// it, and what the probe does besides.
type ProbeOptions struct {
	// Options are the deployment's. Dest is the real destination, which the
	// probe plans against and never changes; HoldLock is not used (the probe
	// takes no lock on Dest), and Events receives the events of that plan
	// only.
	Options
	// Scratch is the directory the deployment is realized in. It must not
	// exist or be empty, and must not overlap Dest. Empty means a new
	// directory in the system's temporary directory.
	Scratch string
	// Keep leaves the scratch tree in place for inspection. Otherwise the
	// probe removes what it made there before it returns.
	Keep bool
	// Check is a command line run by the system shell (/bin/sh -c on Unix,
	// cmd /C on Windows) in the scratch destination once the deployment is
	// realized there, with EnvProbeDest and EnvProbeRoot set; empty runs
	// nothing.
	Check string
	// CheckTimeout bounds the check command; 0 means DefaultCheckTimeout. At
	// the deadline its whole process group is killed.
	CheckTimeout time.Duration
	// CheckCodes are the check command's exit codes that mean success, in
	// the syntax of a deployment.xml's successCodes (recipe.ParseSuccessCodes);
	// nil means 0 alone.
	CheckCodes recipe.SuccessCodes
	// Strict makes an unresolved token an error, which fails the probe; by
	// default it is a warning.
	Strict bool
}

// DefaultCheckTimeout bounds a probe's check command when
// ProbeOptions.CheckTimeout is 0.
const DefaultCheckTimeout = 5 * time.Minute

// The environment variables a probe's check command finds, besides the
// probe's own environment.
const (
	// EnvProbeDest is the scratch destination, where the deployment was
	// realized; the command's working directory.
	EnvProbeDest = "BUNDLEKIT_PROBE_DEST"
	// EnvProbeRoot is the scratch tree (ProbeReport.Scratch).
	EnvProbeRoot = "BUNDLEKIT_PROBE_ROOT"
)

// The directories of the scratch tree, below ProbeReport.Scratch.
const (
	// ScratchDest is the deployment's destination: the bundle's files,
	// archives and realized templates, and the .rhqdeployments metadata.
	ScratchDest = "dest"
	// ScratchServiceRoot is the root the rhq:system-service is installed
	// under (etc/init.d/…).
	ScratchServiceRoot = "service-root"
	// ScratchHandover receives the items the recipe hands over:
	// handover/<action>/<name>, and the item's parameters, one name=value a
	// line, in handover/<action>/<name>.params.
	ScratchHandover = "handover"
)

// Severity says whether a probe's finding fails the deployment.
type Severity string

// The severities.
const (
	// SeverityError: the deployment would fail, or would not do what was
	// meant; the probe is not OK.
	SeverityError Severity = "error"
	// SeverityWarning: almost always a mistake, but the deployment runs.
	SeverityWarning Severity = "warning"
)

// The kinds of a probe's findings.
const (
	FindingUnresolvedToken = "unresolved-token" // a token left as written in a realized file
	FindingMissingProperty = "missing-property" // an input property without a value
	FindingInvalidProperty = "invalid-property" // a value not legal for its input property's type
	FindingMissingFile     = "missing-file"     // a file the recipe names that is not in the bundle
	FindingRecipe          = "recipe"           // the recipe could not be expanded for the deployment
	FindingPlan            = "plan"             // the plan against the destination was not made
	FindingRealize         = "realize"          // the deployment could not be realized in the scratch tree
	FindingCheck           = "check"            // the check command failed
)

// findingOrder is the order of the kinds in ProbeReport.Findings.
var findingOrder = map[string]int{FindingRecipe: 0, FindingMissingProperty: 1, FindingInvalidProperty: 1, FindingMissingFile: 2,
	FindingUnresolvedToken: 3, FindingRealize: 4, FindingCheck: 5, FindingPlan: 6}

// Finding is one thing a probe found, in words.
type Finding struct {
	Severity Severity `json:"severity"`
	// Kind is one of the Finding* kinds.
	Kind    string `json:"kind"`
	Message string `json:"message"`
}

// UnresolvedToken is a token that realization left as written in a file: its
// key had no value.
type UnresolvedToken struct {
	// Path is the realized file as the deployment's plan names it: relative
	// to the destination, absolute for a file outside it or a system-service
	// file, the item's name for a handover.
	Path string `json:"path"`
	// Entry is the archive entry the token is in, for a compressed archive or
	// a handed-over one whose entries are realized.
	Entry string `json:"entry,omitempty"`
	// Line is the token's line in the realized file (or entry), from 1.
	Line  int    `json:"line"`
	Token string `json:"token"`
}

// String is the token's place and key: path[!entry]:line: @@key@@.
func (u UnresolvedToken) String() string {
	where := u.Path
	if u.Entry != "" {
		where += "!" + u.Entry
	}
	return fmt.Sprintf("%s:%d: @@%s@@", where, u.Line, u.Token)
}

// MissingProperty is an input property of the recipe without a value: none
// was given and it has no default.
type MissingProperty struct {
	Name        string `json:"name"`
	Type        string `json:"type"`
	Description string `json:"description,omitempty"`
	// Required: the deployment fails without a value (an error); otherwise
	// its tokens stay as written (a warning).
	Required bool `json:"required"`
	// Pos is where the recipe declares it.
	Pos string `json:"pos"`
}

// MissingFile is a file the recipe names that is not in the bundle (R175).
type MissingFile struct {
	Name string `json:"name"`
	// Pos and Element are where the recipe names it.
	Pos     string `json:"pos"`
	Element string `json:"element"`
}

// ProbeReport is what a probe found: whether the deployment would work, and
// what it would change.
type ProbeReport struct {
	// OK: no finding is an error. The deployment can be expected to work.
	OK bool `json:"ok"`
	// Dest is the real destination, which the probe did not change.
	Dest   string `json:"destination"`
	Bundle Info   `json:"bundle"`
	// ID is the deployment id probed: the plan's, or the one it would take.
	ID int `json:"deploymentId"`
	// Scratch is the scratch tree (see ScratchDest and the others); Kept
	// says that it is still there.
	Scratch string `json:"scratch"`
	Kept    bool   `json:"kept"`
	// Findings lists every finding, errors and warnings: first what is
	// wrong with the recipe and the properties, then the tokens, then what
	// failed (the realization, the check, the plan).
	Findings []Finding `json:"findings"`

	// Plan is the plan of the deployment against Dest: a dry run, closed,
	// which says what the deployment would change. Nil when it could not be
	// made; PlanError says why, and Outcome is then OutcomeOf that error
	// (OutcomeDeferred or OutcomeRefused when constraints or conditions stop
	// the deployment, OutcomeNeedsRecovery for a destination that holds an
	// unfinished operation, OutcomeNotStarted otherwise).
	Plan      *Plan   `json:"plan,omitempty"`
	PlanError string  `json:"planError,omitempty"`
	Outcome   Outcome `json:"outcome,omitempty"`

	// Realized: the deployment was realized in the scratch tree;
	// RealizeError says why not.
	Realized     bool   `json:"realized"`
	RealizeError string `json:"realizeError,omitempty"`
	// Templates counts the files (and archive entries) realized from
	// templates, which the probe scanned for tokens.
	Templates int `json:"templates"`
	// NotRun lists what the deployment would do on the host and the probe
	// did not: the recipe's targets, the service package's install command,
	// the files the recipe writes outside the destination.
	NotRun []string `json:"notRun,omitempty"`

	UnresolvedTokens  []UnresolvedToken `json:"unresolvedTokens"`
	MissingProperties []MissingProperty `json:"missingProperties"`
	MissingFiles      []MissingFile     `json:"missingFiles"`
	// Check is the check command's result, when it ran.
	Check *CommandResult `json:"check,omitempty"`

	planErr error
}

// PlanErr is the error the plan against Dest failed with (PlanError in
// words), for errors.Is and errors.As: a *LockedError, a deferral, a
// refusal; nil when the plan was made.
func (r *ProbeReport) PlanErr() error { return r.planErr }

// maxUnresolved bounds the unresolved tokens a probe lists: a binary file
// realized by mistake could hold any number.
const maxUnresolved = 1000

// Probe answers "will this deployment work, and what will it change" without
// touching its destination. It realizes the whole deployment of b — raw
// files, archives, templates, handover items, system-service files — into a
// scratch tree outside opts.Dest, as Deploy would (same bundle, properties
// and id; the deploy dir, and so ${rhq.deploy.dir} and @@rhq.deploy.dir@@,
// is the scratch destination), but runs none of the recipe's targets and no
// service-package command, writes no file outside the scratch destination,
// installs the system service under the scratch tree and hands items over
// into it. It then scans every realized template for tokens left as written,
// lists the input properties without a value and the files the recipe names
// that the bundle lacks, runs opts.Check in the scratch destination, and
// plans the deployment against opts.Dest (a dry run: PlanDeploy, which takes
// no lock and changes nothing) for what it would change.
//
// What goes wrong with the deployment is a finding of the report, not an
// error: a step that cannot be done (realizing without a required property,
// a destination that cannot be planned) is reported and skipped. Probe
// returns an error only when it cannot probe at all: a destination that is
// not an absolute path, a scratch directory it cannot make or that overlaps
// the destination, bad options (errors wrapping ErrInvalidInput), or ctx
// done. The scratch tree can hold realized passwords: it is made 0700, and
// removed unless opts.Keep is set.
func Probe(ctx context.Context, b *Bundle, opts ProbeOptions) (*ProbeReport, error) {
	dir, err := hostDir(opts.Dest)
	if err != nil {
		return nil, err
	}
	if opts.CheckTimeout < 0 {
		return nil, invalid(fmt.Errorf("check timeout %s: want a positive duration, or 0 for the default", opts.CheckTimeout))
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	dest := dir.String()
	tree, err := makeScratch(opts.Scratch, dest)
	if err != nil {
		return nil, err
	}
	if opts.Keep {
		// Asked for: no later probe sweeps it, even if this one is killed.
		if err := tree.Keep(); err != nil {
			return nil, errors.Join(err, tree.Remove(ScratchDest, ScratchServiceRoot, ScratchHandover))
		}
	}
	// The lists are empty, not nil, so that JSON has [] for none.
	pr := &prober{ctx: ctx, b: b, opts: opts, rep: &ProbeReport{Dest: dest, Scratch: tree.Path, Kept: opts.Keep,
		Bundle:   Info{Name: b.Recipe.Bundle.Name, Version: b.Recipe.Bundle.Version, Description: b.Recipe.Bundle.Description},
		Findings: []Finding{}, UnresolvedTokens: []UnresolvedToken{}, MissingProperties: []MissingProperty{}, MissingFiles: []MissingFile{}}}
	err = pr.run()
	if !opts.Keep {
		if rerr := tree.Remove(ScratchDest, ScratchServiceRoot, ScratchHandover); rerr != nil && err == nil {
			pr.add(SeverityWarning, FindingRealize, fmt.Sprintf("the scratch tree %s could not be removed: %v", tree.Path, rerr))
		}
	}
	if err != nil {
		return nil, err
	}
	// The causes first, the failures they bring after them.
	slices.SortStableFunc(pr.rep.Findings, func(a, b Finding) int { return findingOrder[a.Kind] - findingOrder[b.Kind] })
	pr.rep.OK = true
	for _, f := range pr.rep.Findings {
		if f.Severity == SeverityError {
			pr.rep.OK = false
		}
	}
	return pr.rep, nil
}

// prober is one probe under way.
type prober struct {
	ctx  context.Context
	b    *Bundle
	opts ProbeOptions
	rep  *ProbeReport
	// recipe is the recipe expanded for the deployment, when it could be.
	recipe *recipe.Recipe
	// omitted counts the unresolved tokens past maxUnresolved.
	omitted int
}

func (pr *prober) add(sev Severity, kind, msg string) {
	pr.rep.Findings = append(pr.rep.Findings, Finding{Severity: sev, Kind: kind, Message: msg})
}

// run probes; its error is only ctx's.
func (pr *prober) run() error {
	pr.plan()
	if err := pr.ctx.Err(); err != nil {
		return err
	}
	pr.inspect()
	pr.realize()
	if err := pr.ctx.Err(); err != nil {
		return err
	}
	return pr.check()
}

// plan plans the deployment against the real destination: a dry run without
// the lock, as `deployer plan` makes it.
func (pr *prober) plan() {
	opts := pr.opts.Options
	opts.Dest, opts.HoldLock = pr.rep.Dest, false
	p, err := PlanDeploy(pr.ctx, pr.b, opts)
	if err == nil {
		p.Close()
		pr.rep.Plan, pr.rep.ID = p, p.ID
		return
	}
	pr.rep.planErr, pr.rep.PlanError, pr.rep.Outcome = err, err.Error(), OutcomeOf(err)
	var ie *InputError
	if !errors.As(err, &ie) { // the properties' findings say it
		pr.add(SeverityError, FindingPlan, fmt.Sprintf("the deployment to %s cannot be planned (%s): %v", pr.rep.Dest, pr.rep.Outcome, err))
	}
	switch {
	case pr.opts.ID != 0 || pr.opts.ExactID:
		pr.rep.ID = pr.opts.ID
	default:
		pr.rep.ID = 1
		if id, err := NextID(pr.ctx, pr.rep.Dest); err == nil {
			pr.rep.ID = id
		}
	}
}

// inspect expands the recipe for the deployment, as planning does, and lists
// every input property without a value or with an illegal one, and every file
// the expanded recipe names that the bundle lacks.
func (pr *prober) inspect() {
	opts := pr.opts.Options
	opts.ID = pr.rep.ID
	r, props, err := expandRecipe(pr.b, opts, pr.rep.Dest)
	if err != nil {
		pr.add(SeverityError, FindingRecipe, fmt.Sprintf("the recipe cannot be expanded for the deployment: %v", err))
		return
	}
	pr.recipe = r
	// The required inputs without a value are those planning reports; an
	// optional one without a value leaves its tokens as written.
	_, err = r.ResolveInputs(props)
	var missing *token.MissingError
	errors.As(err, &missing)
	for _, in := range r.Inputs() {
		mp := MissingProperty{Name: in.Name, Type: string(in.Type), Description: in.Description, Pos: in.Pos.String()}
		if mp.Type == "" {
			mp.Type = string(token.TypeString)
		}
		switch _, given := props[in.Name]; {
		case missing != nil && slices.ContainsFunc(missing.Inputs, func(m token.Input) bool { return m.Name == in.Name }):
			mp.Required = true
			pr.add(SeverityError, FindingMissingProperty, fmt.Sprintf("the required input property %s (%s, %s) has no value and no default: give it one", in.Name, mp.Type, mp.Pos))
		case !in.Required && !given && !in.HasDefault:
			pr.add(SeverityWarning, FindingMissingProperty, fmt.Sprintf("the input property %s (%s, %s) has no value and no default: its tokens stay as written", in.Name, mp.Type, mp.Pos))
		default:
			continue
		}
		pr.rep.MissingProperties = append(pr.rep.MissingProperties, mp)
	}
	for _, e := range flatten(err) {
		var invalid *token.InvalidError
		if errors.As(e, &missing) {
			continue
		}
		if errors.As(e, &invalid) {
			pr.add(SeverityError, FindingInvalidProperty, invalid.Error())
			continue
		}
		pr.add(SeverityError, FindingInvalidProperty, e.Error())
	}
	for _, e := range recipe.Errors(pr.b.checkFiles(r)) {
		var mf *MissingFileError
		if errors.As(e, &mf) {
			pr.rep.MissingFiles = append(pr.rep.MissingFiles, MissingFile{Name: mf.Name, Pos: e.Pos.String(), Element: e.Element})
			pr.add(SeverityError, FindingMissingFile, e.Error())
		}
	}
}

// flatten lists the errors errors.Join put together in err.
func flatten(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	if err == nil {
		return nil
	}
	return []error{err}
}

// realize deploys the bundle into the scratch tree, with what would act on
// the host taken out of the plan, after scanning its templates.
func (pr *prober) realize() {
	root := pr.rep.Scratch
	o := pr.opts.Options
	// Field by field: only what makes the content, and nothing that decides
	// whether the deployment may run here and now.
	opts := Options{Dest: filepath.Join(root, ScratchDest), ID: pr.rep.ID, ExactID: true, Name: o.Name, Properties: o.Properties,
		System: o.System, Limits: o.Limits, HTTPClient: o.HTTPClient, MaxDownload: o.MaxDownload, DownloadTimeout: o.DownloadTimeout,
		Handover: dirHandover(filepath.Join(root, ScratchHandover)), ServiceRoot: filepath.Join(root, ScratchServiceRoot), realizing: true}
	p, err := PlanDeploy(pr.ctx, pr.b, opts)
	if err != nil {
		pr.notRealized(err)
		return
	}
	err = pr.scan(p, opts)
	if pr.omitted > 0 {
		pr.add(pr.tokenSeverity(), FindingUnresolvedToken, fmt.Sprintf("%d more tokens have no value: only the first %d are listed", pr.omitted, maxUnresolved))
	}
	if err != nil {
		p.Close()
		pr.notRealized(err)
		return
	}
	pr.rep.NotRun = p.withoutHostEffects()
	res, err := Apply(pr.ctx, p)
	if err != nil {
		pr.notRealized(err)
		return
	}
	for _, w := range res.Warnings {
		pr.add(SeverityWarning, FindingRealize, w)
	}
	pr.rep.Realized = true
}

func (pr *prober) notRealized(err error) {
	pr.rep.RealizeError = err.Error()
	var ie *InputError
	if errors.As(err, &ie) || pr.ctx.Err() != nil {
		return // the properties' findings say it, or the probe stops
	}
	pr.add(SeverityError, FindingRealize, fmt.Sprintf("the deployment cannot be realized: %v", err))
}

// withoutHostEffects takes out of p, a plan of the scratch deployment, what
// would act on the host outside the scratch tree: the recipe's targets, the
// service package's install command and the files written outside the
// destination. It returns what it took out, in words.
func (p *Plan) withoutHostEffects() []string {
	var out []string
	var global []step
	for _, s := range p.global {
		switch s.op {
		case opTarget:
			ph := "postinstall"
			if s.phase == phasePreinstall {
				ph = "preinstall"
			}
			out = append(out, fmt.Sprintf("the %s target %q", ph, s.name))
		case opCommand:
			if ot := s.pkg.Install.For(recipe.OSTypeFor(runtime.GOOS)); ot != nil {
				out = append(out, fmt.Sprintf("the %s command %q of %s", s.name, ot.StartCmd, ServicePackageFile))
			}
		default:
			global = append(global, s)
		}
	}
	var entries []*Entry
	for _, e := range p.Entries {
		if isExternal(e.Path) && !e.outside {
			if e.Action.Writes() {
				out = append(out, fmt.Sprintf("the file %s, outside the destination", e.Path))
			}
			continue
		}
		entries = append(entries, e)
	}
	p.global, p.Entries = global, entries
	p.program = schedule(entries, global)
	return out
}

// scan finds the tokens left as written in every file of the scratch plan p
// that is realized from a template: raw files and archive entries, the
// entries of compressed and handed-over archives, handed-over files and the
// system service's files. It reads what realization writes, not the files
// written, so a file outside the destination, which the probe does not
// write, is scanned too.
func (pr *prober) scan(p *Plan, opts Options) error {
	limits := opts.Limits
	if limits == (fileops.Limits{}) {
		limits = fileops.DefaultLimits
	}
	for _, e := range p.Entries {
		for i := range e.steps {
			s := &e.steps[i]
			var err error
			switch {
			case s.op == opWrite && s.src.realize:
				err = pr.scanSource(shown(e.Path, opts.ServiceRoot), p, s.src)
			case s.op == opWrite && s.src.kind == fromStaging:
				// A compressed archive rebuilt with realized entries.
				if a := pr.archiveAt(s.src.origin); a != nil {
					err = pr.scanZip(e.Path, s.src.file, a, limits)
				}
			case s.op == opHandover:
				err = pr.scanHandover(e.Path, s.item, limits)
			}
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// shown is how the report names a file of the scratch plan: a system-service
// file by its path under the real root.
func shown(key, serviceRoot string) string {
	rel, err := filepath.Rel(serviceRoot, filepath.FromSlash(key))
	if err != nil || !filepath.IsLocal(rel) {
		return key
	}
	return "/" + filepath.ToSlash(rel)
}

func (pr *prober) scanSource(name string, p *Plan, src *source) error {
	rc, err := p.open(src)
	if err != nil {
		return fmt.Errorf("%s: open %s: %w", src.origin, name, err)
	}
	defer rc.Close()
	return pr.find(name, "", token.NewReader(ctxio.Reader(pr.ctx, rc), p.values))
}

// scanHandover scans a handed-over item the recipe realizes: it is staged
// realized already.
func (pr *prober) scanHandover(name string, item *handoverItem, limits fileops.Limits) error {
	if a := pr.archiveAt(item.pos); a != nil {
		return pr.scanZip(name, item.staged, a, limits)
	}
	if f := pr.fileAt(item.pos); f == nil || !f.Replace {
		return nil
	}
	rc, err := os.Open(item.staged)
	if err != nil {
		return fmt.Errorf("%s: open the handover of %s: %w", item.pos, name, err)
	}
	defer rc.Close()
	return pr.find(name, "", ctxio.Reader(pr.ctx, rc))
}

// scanZip scans the entries of the realized archive at file that a realizes.
func (pr *prober) scanZip(name, file string, a *recipe.Archive, limits fileops.Limits) error {
	replace, err := a.Replace.Matcher()
	if err != nil || replace == nil {
		return err
	}
	arc, err := fileops.OpenZipFile(file, limits)
	if err != nil {
		return fmt.Errorf("%s: open %s: %w", a.Pos, name, err)
	}
	defer arc.Close()
	for i := range arc.Entries {
		en := &arc.Entries[i]
		if en.Dir || !replace.Match(en.Name) {
			continue
		}
		rc, err := en.Open()
		if err != nil {
			return fmt.Errorf("%s: %s: %w", a.Pos, name, err)
		}
		err = pr.find(name, en.Name, ctxio.Reader(pr.ctx, rc))
		rc.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// find reports the tokens left in one realized file or entry.
func (pr *prober) find(name, entry string, r io.Reader) error {
	pr.rep.Templates++
	sev := pr.tokenSeverity()
	err := token.Find(r, func(f token.Found) error {
		if len(pr.rep.UnresolvedTokens) == maxUnresolved {
			pr.omitted++
			return nil
		}
		u := UnresolvedToken{Path: name, Entry: entry, Line: f.Line, Token: f.Key}
		pr.rep.UnresolvedTokens = append(pr.rep.UnresolvedTokens, u)
		pr.add(sev, FindingUnresolvedToken, fmt.Sprintf("%s has no value: the token is left as written", u))
		return nil
	})
	if err != nil {
		return fmt.Errorf("scan %s for tokens: %w", name, err)
	}
	return nil
}

// tokenSeverity is that of an unresolved token: an error when strict.
func (pr *prober) tokenSeverity() Severity {
	if pr.opts.Strict {
		return SeverityError
	}
	return SeverityWarning
}

// archiveAt and fileAt find the element of the expanded recipe at pos.
func (pr *prober) archiveAt(pos recipe.Pos) *recipe.Archive {
	if pr.recipe == nil {
		return nil
	}
	return elementAt(pr.recipe.Bundle.Unit.Archives, pos, func(a *recipe.Archive) recipe.Pos { return a.Pos })
}

func (pr *prober) fileAt(pos recipe.Pos) *recipe.File {
	if pr.recipe == nil {
		return nil
	}
	return elementAt(pr.recipe.Bundle.Unit.Files, pos, func(f *recipe.File) recipe.Pos { return f.Pos })
}

// elementAt returns the element of list at pos, or nil.
func elementAt[E any](list []*E, pos recipe.Pos, posOf func(*E) recipe.Pos) *E {
	for _, e := range list {
		if posOf(e) == pos {
			return e
		}
	}
	return nil
}

// check runs the check command in the scratch destination; its error is
// only ctx's.
func (pr *prober) check() error {
	if pr.opts.Check == "" {
		return nil
	}
	if !pr.rep.Realized {
		pr.add(SeverityWarning, FindingCheck, fmt.Sprintf("the check command %q did not run: the deployment was not realized", pr.opts.Check))
		return nil
	}
	timeout := pr.opts.CheckTimeout
	if timeout == 0 {
		timeout = DefaultCheckTimeout
	}
	dest := filepath.Join(pr.rep.Scratch, ScratchDest)
	spec := command.Spec{Shell: pr.opts.Check, Dir: dest, Timeout: timeout}
	if pr.opts.CheckCodes != nil {
		spec.Success = pr.opts.CheckCodes.Success
	}
	env := append(os.Environ(), EnvProbeDest+"="+dest, EnvProbeRoot+"="+pr.rep.Scratch)
	res, err := command.Exec(pr.ctx, spec, command.Options{Env: env})
	if err := pr.ctx.Err(); err != nil {
		return err
	}
	if err != nil {
		pr.add(SeverityError, FindingCheck, fmt.Sprintf("the check command could not run: %v", err))
		return nil
	}
	r := commandResult("check", pr.opts.Check, "", res)
	pr.rep.Check = &r
	if r.Success {
		return nil
	}
	what := fmt.Sprintf("exited with %d", r.ExitCode)
	switch {
	case r.TimedOut:
		what = fmt.Sprintf("did not finish within %s and was killed", timeout)
	case r.Signal != "":
		what = "was killed by " + r.Signal
	case pr.opts.CheckCodes != nil:
		what += fmt.Sprintf(" (success: %s)", pr.opts.CheckCodes)
	}
	msg := fmt.Sprintf("the check command %q %s", r.Command, what)
	if tail := strings.TrimSpace(r.StderrTail); tail != "" {
		msg += ": " + lastLine(tail)
	}
	pr.add(SeverityError, FindingCheck, msg)
	return nil
}

// makeScratch makes the scratch tree: in the directory given (new, or
// empty), or in a new directory of the system's temporary directory; never
// overlapping dest.
func makeScratch(given, dest string) (*scratch.Tree, error) {
	if given == "" {
		t, err := scratch.New("bundlekit-probe-")
		if err != nil {
			return nil, err
		}
		if err := checkApart(t.Path, dest); err != nil {
			return nil, errors.Join(err, t.Remove())
		}
		return t, nil
	}
	abs, err := filepath.Abs(given)
	if err != nil {
		return nil, invalid(fmt.Errorf("scratch directory: %w", err))
	}
	if err := checkApart(abs, dest); err != nil {
		return nil, err
	}
	t, err := scratch.At(abs)
	if errors.Is(err, scratch.ErrNotEmpty) {
		return nil, invalid(fmt.Errorf("the scratch directory %s is %w: give a new or empty directory", abs, scratch.ErrNotEmpty))
	}
	return t, err
}

// checkApart refuses a scratch directory that overlaps the destination, by
// their real paths: realizing there would change the destination.
func checkApart(scratch, dest string) error {
	s, d := realPath(scratch), realPath(dest)
	if within(s, d) || within(d, s) {
		return invalid(fmt.Errorf("the scratch directory %s and the destination %s overlap: give a scratch directory outside the destination", scratch, dest))
	}
	return nil
}

// realPath resolves the symbolic links of the part of p that exists.
func realPath(p string) string {
	rest := ""
	for cur := filepath.Clean(p); ; cur = filepath.Dir(cur) {
		if real, err := filepath.EvalSymlinks(cur); err == nil {
			return filepath.Join(real, rest)
		}
		if filepath.Dir(cur) == cur {
			return filepath.Clean(p)
		}
		rest = filepath.Join(filepath.Base(cur), rest)
	}
}

// within reports whether p is dir or below it.
func within(p, dir string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && (rel == "." || filepath.IsLocal(rel))
}

// dirHandover hands items over into dir, as the deployer's --handover-dir
// does: dir/<action>/<name>, and its parameters in dir/<action>/<name>.params.
func dirHandover(dir string) Handover {
	return HandoverFunc(func(ctx context.Context, item HandoverItem) error {
		params := make([][2]string, len(item.Params))
		for i, p := range item.Params {
			params[i] = [2]string{p.Name, p.Value}
		}
		return scratch.Deliver(ctx, dir, item.Action, item.Name, item.Content, params)
	})
}
