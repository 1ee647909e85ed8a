package bundle

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"math"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"strconv"
	"time"

	"github.com/bundlekit/bundlekit/destination"
	"github.com/bundlekit/bundlekit/fileops"
	"github.com/bundlekit/bundlekit/internal/fetch"
	"github.com/bundlekit/bundlekit/internal/javaprops"
	"github.com/bundlekit/bundlekit/internal/journal"
	"github.com/bundlekit/bundlekit/internal/metadata"
	"github.com/bundlekit/bundlekit/internal/staging"
	"github.com/bundlekit/bundlekit/internal/statcache"
	"github.com/bundlekit/bundlekit/recipe"
	"github.com/bundlekit/bundlekit/token"
)

// Plan is everything an operation will do, decided before anything is written:
// one entry per path, each with the steps that realize it, and the operation's
// own steps (the recipe's targets, a service package's commands, the
// metadata). Apply executes exactly those steps, so a dry run — a Plan that is
// never applied — reports what the real run does. A Plan holds a staging
// directory (downloads, rebuilt archives) until Close; Apply closes it.
type Plan struct {
	Kind Kind `json:"operation"`
	// Dest is the destination directory.
	Dest string `json:"destination"`
	// ID is the deployment id the operation records (deploy, revert, adopt).
	ID     int  `json:"deploymentId"`
	Bundle Info `json:"bundle"`
	// Compliance of the new deployment.
	Compliance recipe.Compliance `json:"compliance,omitempty"`
	// Initial is true when the destination is not managed yet (R57).
	Initial bool `json:"initial"`
	// Previous is the id of the deployment current before this one, if any.
	Previous *int `json:"previousId,omitempty"`
	Clean    bool `json:"clean"`
	// Entries has one entry per path, sorted by path.
	Entries []*Entry `json:"entries"`
	// Differences is what the operation reports (RHQ's DeployDifferences), a
	// view of the entries.
	Differences Differences `json:"differences"`
	// Estimate is the estimated disk usage checked against free space (R47).
	Estimate int64 `json:"estimatedBytes"`
	// Recovered says what the plan did with an unfinished operation it found
	// under the lock it holds (Options.HoldLock): another deployer's, killed
	// after this caller last looked. Empty when there was none.
	Recovered Recovery `json:"recovered,omitempty"`
	// Warnings are things the operator should know (deprecated recipe forms,
	// a full-compliance wipe of unrelated files, …).
	Warnings []string `json:"warnings,omitempty"`
	// Targets names the recipe's targets Apply runs: the preinstall target
	// before the first change, the postinstall target after the files are
	// deployed (R172). Planning runs none of them.
	Targets []Target `json:"targets,omitempty"`
	// Conditions are the installation conditions checked (the recipe's,
	// the caller's and the disk-space check), each with what it found.
	Conditions []ConditionResult `json:"conditions,omitempty"`
	// SideEffects lists what was done to the system on behalf of this plan
	// outside its own staging area before Apply: a preinstall target run by
	// RunPreinstall.
	SideEffects []string `json:"sideEffects,omitempty"`
	// FromStore: a revert without the bundle, rebuilt from what the
	// destination keeps (PlanRevertStored).
	FromStore bool `json:"fromStore,omitempty"`

	dir      destination.Dir
	events   func(Event)
	global   []step // operation-wide steps: targets, commands, metadata
	program  []*step
	realized []string
	// removeDest: the operation ends with the destination removed (a full
	// purge, R138).
	removeDest bool
	props      metadata.Properties
	state      *state
	staging    *staging.Area
	bundle     *Bundle
	values     token.Lookup
	hooks      *hooks
	handover   Handover
	content    *content
	// preinstalled: the preinstall target has run (RunPreinstall).
	preinstalled bool
	lockWait     time.Duration
	// lock is the destination's lock when the plan holds it (HoldLock),
	// until Apply takes it over or Close releases it.
	lock *journal.DestLock
	// cache is the stat cache the current deployment recorded (nil when
	// there is none, or it is not for this deployment); verify says not to
	// trust its stats. scanned are the files the rescan hashed, for the cache
	// this deployment records.
	cache   *statcache.Cache
	verify  bool
	scanned map[string]statcache.File
	// digests are the content digests (fileops.ContentDigest) the current
	// deployment recorded (nil when none), digestsText its file;
	// scannedDigests those the rescan computed.
	digests        metadata.Digests
	digestsText    string
	scannedDigests map[string]string
	// modes is the record of permissions the operation writes (issue 11.6;
	// the owners of the files written are added when they are); nil when it
	// writes none. prevModes is the current deployment's, with its file.
	modes     metadata.Modes
	prevModes modesRecord
	// extras is what the operation records beyond RHQ's metadata (issue
	// 14); nil when it records none (a purge). keep is Options.Keep.
	extras *metadata.Extras
	keep   int
}

// Target is a recipe target an operation runs.
type Target struct {
	// Phase is "preinstall" or "postinstall".
	Phase string `json:"phase"`
	Name  string `json:"name"`
}

// PlanDeploy plans the deployment of b to opts.Dest: an initial deployment when the
// destination is not managed (§5), an upgrade otherwise (§6). It is pure with
// respect to the system: it reads the bundle, the destination and its metadata,
// downloads URL content into a staging area and hashes what it must; it writes
// nothing to the destination, creates nothing there (GO of R128) and runs none of
// the recipe's targets (see RunPreinstall) — but for the lock: with
// Options.HoldLock it takes the destination's lock, a file in the metadata
// folder, and recovers an unfinished operation it finds under it (see
// Plan.Recovered). Once ctx is done it stops, between
// two directories of the destination's rescan or two groups of files it
// hashes, with an error wrapping ctx.Err(); so do the other Plan functions.
func PlanDeploy(ctx context.Context, b *Bundle, opts Options) (*Plan, error) {
	return plan(ctx, b, opts, KindDeploy)
}

// PlanRevert plans a revert (R130–R135): b is the content of the version to go
// back to, deployed like an upgrade with a new id; then every backup the current
// deployment made is restored. Like PlanDeploy it changes nothing.
func PlanRevert(ctx context.Context, b *Bundle, opts Options) (*Plan, error) {
	return plan(ctx, b, opts, KindRevert)
}

// plan makes the plan of a deployment or a revert; the caller's errors wrap
// ErrInvalidInput.
func plan(ctx context.Context, b *Bundle, opts Options, kind Kind) (*Plan, error) {
	p, err := makePlan(ctx, b, opts, kind)
	if err != nil {
		return nil, classify(err)
	}
	return p, nil
}

func makePlan(ctx context.Context, b *Bundle, opts Options, kind Kind) (p *Plan, err error) {
	if p, opts, err = beginPlan(ctx, opts, kind); err != nil {
		return nil, err
	}
	p.bundle, p.handover = b, opts.Handover
	defer func(built *Plan) {
		if err != nil {
			built.Close() // the staging directory and the lock must not outlive a failed plan
		}
	}(p)
	r, values, err := p.expand(b, opts)
	if err != nil {
		return nil, invalid(err) // the recipe, the properties, the files it reads from the bundle
	}
	p.values = values
	unit := r.Bundle.Unit
	p.Compliance = unit.Compliance
	p.Bundle = Info{Name: r.Bundle.Name, Version: r.Bundle.Version, Description: r.Bundle.Description}
	for _, w := range r.Warnings {
		p.Warnings = append(p.Warnings, w.Error())
	}
	p.props = metadata.Properties{ID: int32(opts.ID), BundleName: r.Bundle.Name, BundleVersion: r.Bundle.Version,
		Description: r.Bundle.Description, HasDescription: r.Bundle.HasDescription, Compliance: metadata.Compliance(unit.Compliance)}
	p.extras = recipeExtras(r, b)
	if idDependent(b, opts, p.Dest, r) {
		p.extras.BundleNeeded = append(p.extras.BundleNeeded, "its recipe's ${rhq.deploy.id}, which makes its paths or property values depend on the deployment id")
	}
	if p.staging, err = staging.New(); err != nil {
		return nil, err
	}
	// The recipe's targets: every task is checked now, before anything runs;
	// Apply runs the preinstall target before the first change and the
	// postinstall target after the files are deployed (R172 steps 3 and 9).
	if len(r.Targets) > 0 || len(r.Tasks) > 0 {
		if p.hooks, err = newHooks(b, r, p.Dest, values.Properties, p.staging, p.emit); err != nil {
			return nil, err
		}
		p.addTarget(phasePreinstall, "preinstall", unit.PreinstallTarget)
		p.addTarget(phasePostinstall, "postinstall", unit.PostinstallTarget)
	}
	limits := opts.Limits
	if limits == (fileops.Limits{}) {
		limits = fileops.DefaultLimits
	}
	dl := fetch.Downloader{Client: opts.HTTPClient, Max: opts.MaxDownload, Timeout: opts.DownloadTimeout}
	// A zip bundle extracted for its targets is read from that copy, so its
	// archives are not staged a second time.
	dirPath := b.dirPath
	if p.hooks != nil {
		dirPath = p.hooks.basedir
	}
	ignore, err := unit.Ignore.Matcher()
	if err != nil {
		return nil, err
	}
	sv, err := p.startSurvey(ctx, ignore)
	if err != nil {
		return nil, err
	}
	defer sv.close()
	cb := &contentBuilder{ctx: ctx, fsys: b.fsys, dirPath: dirPath, dir: p.dir, unit: unit, values: values, staging: p.staging,
		limits: limits, fetch: dl.FetchVerified, events: p.events}
	if p.content, err = cb.build(); err != nil {
		return nil, err
	}
	handovers, err := p.planHandovers(cb, unit, kind == KindRevert)
	if err != nil {
		return nil, err
	}
	p.Estimate = p.content.estimate
	// Every installation condition, with the space check (R47), now that the
	// estimate is known and before any path is decided; a refused plan
	// leaves nothing (its Close removes the lock and the metadata folder
	// the lock made).
	fromRecipe := r.Bundle.Requires.Conditions
	if opts.realizing {
		fromRecipe = nil
	}
	if err := p.gate(ctx, fromRecipe, opts.Conditions, p.Estimate); err != nil {
		return nil, err
	}
	entries, err := p.decide(ctx, sv, kind)
	if err != nil {
		return nil, err
	}
	if err := p.decideModes(sv, entries); err != nil {
		return nil, err
	}
	if err := p.planStore(sv.disk, entries); err != nil {
		return nil, err
	}
	entries = append(entries, handovers...)
	if s := unit.SystemService; s != nil {
		service, err := p.planService(s, opts.ServiceRoot)
		if err != nil {
			return nil, err
		}
		entries = append(entries, service...)
	}
	if b.Service != nil {
		p.global = append(p.global, step{op: opCommand, phase: phaseInstall, name: "install", pkg: b.Service})
	}
	p.global = append(p.global, step{op: opRecord, phase: phaseRecord})
	p.finish(entries, !p.Initial && p.Clean)
	p.emit(Event{Type: EventPhase, Phase: "plan", Status: "finished"})
	return p, nil
}

// addTarget adds a run of the recipe target name, when the unit names one.
func (p *Plan) addTarget(ph phase, phaseName, name string) {
	if name == "" {
		return
	}
	p.Targets = append(p.Targets, Target{Phase: phaseName, Name: name})
	p.global = append(p.global, step{op: opTarget, phase: ph, name: name})
}

// finish freezes the plan: its entries in path order, their report, and the
// program Apply runs.
func (p *Plan) finish(entries []*Entry, cleaned bool) {
	for _, e := range entries {
		if e.New == unhashed {
			e.New = "" // known once written: see the file event
		}
	}
	sortEntries(entries)
	p.Entries = entries
	if p.content != nil && len(p.content.realized) > 0 {
		idx := byPath(entries)
		for k := range p.content.realized {
			// R94: kept local edits are not realized again.
			if e := idx[k]; e == nil || e.Action != ActionKeep {
				p.realized = append(p.realized, k)
			}
		}
	}
	p.Differences = differences(entries, p.realized, cleaned)
	p.program = schedule(entries, p.global)
}

// RunPreinstall runs the recipe's preinstall target now, as RHQ does even in a
// dry run (R172 step 3), and records it in SideEffects; Apply then does not run
// it again. It is the caller's explicit choice: planning never runs a target.
// A plan without a preinstall target does nothing.
func (p *Plan) RunPreinstall(ctx context.Context) error {
	for _, s := range p.global {
		if s.op == opTarget && s.phase == phasePreinstall && !p.preinstalled {
			if err := p.hooks.run(ctx, "preinstall", s.name); err != nil {
				return err
			}
			p.preinstalled = true
			p.SideEffects = append(p.SideEffects, fmt.Sprintf("ran the preinstall target %q", s.name))
		}
	}
	return nil
}

// expand resolves the recipe's ${…} properties and input values for this
// deployment and builds the token values (R148, R157, R159).
func (p *Plan) expand(b *Bundle, opts Options) (*recipe.Recipe, token.Values, error) {
	r, props, err := expandRecipe(b, opts, p.Dest)
	if err != nil {
		return nil, token.Values{}, err
	}
	name := props[token.KeyDeployName]
	inputs, err := r.ResolveInputs(props)
	if err != nil {
		return nil, token.Values{}, &InputError{Err: err}
	}
	system := opts.System
	if system == nil {
		system = token.Host()
	}
	antProps := maps.Clone(r.Defined)
	maps.Copy(antProps, props) // caller properties are immutable in Ant (R157)
	return r, token.Values{
		System:     system,
		Properties: antProps,
		Inputs:     inputs,
		Deployment: &token.Deployment{ID: opts.ID, Name: name, Dir: p.Dest},
	}, nil
}

// beginPlan starts the plan of an operation of kind on opts.Dest, as every
// plan function does: it checks the options and the constraints (before the
// lock, which creates the metadata folder: a deferred operation leaves no
// trace), settles the destination (taking its lock with opts.HoldLock), reads
// its metadata, never from a damaged record, and chooses the id. It returns
// opts with that id; the caller closes the plan when it fails later.
func beginPlan(ctx context.Context, opts Options, kind Kind) (*Plan, Options, error) {
	if err := ctx.Err(); err != nil {
		return nil, opts, err
	}
	dir, err := hostDir(opts.Dest)
	if err != nil {
		return nil, opts, err
	}
	if err := checkOptions(opts); err != nil {
		return nil, opts, err
	}
	if err := checkConstraints(dir.String(), opts.Constraints, opts.Now, opts.Events); err != nil {
		return nil, opts, err
	}
	lock, recovered, err := settle(ctx, dir.String(), opts.LockWait, opts.HoldLock)
	if err != nil {
		return nil, opts, err
	}
	p := &Plan{lock: lock, Recovered: recovered, Kind: kind, Dest: dir.String(), ID: opts.ID, Clean: opts.Clean, dir: dir, events: opts.Events,
		lockWait: opts.LockWait, verify: opts.Verify, keep: opts.Keep}
	p.emit(Event{Type: EventPhase, Phase: "plan", Status: "started"})
	if p.state, err = loadState(p.Dest); err == nil && p.state.Damaged != nil {
		err = p.state.Damaged
	}
	if err != nil {
		p.Close() // the lock must not outlive a failed plan
		return nil, opts, err
	}
	if opts.ID == 0 && !opts.ExactID {
		opts.ID = nextID(p.state.State)
		p.ID = opts.ID
	}
	return p, opts, nil
}

// idDependent reports whether the recipe r, expanded for opts, comes out
// otherwise for another deployment id: a ${rhq.deploy.id} in a path or a
// property value (that a template may realize). A revert without the bundle
// rewrites only the @@rhq.deploy.id@@ tokens it saw realized, so such a
// deployment needs its bundle to be reverted to.
func idDependent(b *Bundle, opts Options, dest string, r *recipe.Recipe) bool {
	other := opts
	other.ID = opts.ID + 1
	if other.ID > math.MaxInt32 {
		other.ID = opts.ID - 1
	}
	r2, _, err := expandRecipe(b, other, dest)
	if err != nil {
		return true // it expanded for opts.ID: only the id can make it fail
	}
	return !reflect.DeepEqual(r.Bundle, r2.Bundle) || !maps.Equal(r.Defined, r2.Defined)
}

// expandRecipe resolves the recipe's ${…} properties for a deployment of opts
// to dest (R157): it returns the expanded recipe and the properties it was
// expanded with, the caller's and the deployment's own.
func expandRecipe(b *Bundle, opts Options, dest string) (*recipe.Recipe, map[string]string, error) {
	props := maps.Clone(opts.Properties)
	if props == nil {
		props = map[string]string{}
	}
	name := opts.Name
	if name == "" {
		name = b.Recipe.Bundle.Name
	}
	props[token.KeyDeployDir] = dest
	props[token.KeyDeployID] = strconv.Itoa(opts.ID)
	props[token.KeyDeployName] = name
	env := recipe.Env{
		Properties: props,
		DeployDir:  dest,
		ReadProperties: func(file string) (map[string]string, error) {
			return readPropertiesFile(b, file)
		},
		Environ: os.Environ,
	}
	if b.dirPath != "" {
		env.Basedir, _ = filepath.Abs(b.dirPath)
	}
	r, err := b.Recipe.Expand(env)
	if err != nil {
		return nil, nil, err
	}
	return r, props, nil
}

// readPropertiesFile loads a <property file> for Expand: from the destination for
// an absolute path (relativeToDeployDir), else from the bundle.
func readPropertiesFile(b *Bundle, file string) (map[string]string, error) {
	var data []byte
	var err error
	if filepath.IsAbs(file) && !pathInBundle(b, file) {
		data, err = os.ReadFile(file)
	} else {
		rel := file
		if base, e := filepath.Abs(b.Source); e == nil {
			if r, e := filepath.Rel(base, file); e == nil {
				rel = r
			}
		}
		data, err = fs.ReadFile(b.fsys, path.Clean(filepath.ToSlash(rel)))
	}
	if err != nil {
		return nil, err
	}
	entries, err := javaprops.Decode(bytes.NewReader(data), javaprops.Latin1)
	if err != nil {
		return nil, err
	}
	return entries.Map(), nil
}

func pathInBundle(b *Bundle, file string) bool {
	base, err := filepath.Abs(b.Source)
	if err != nil {
		return false
	}
	rel, err := filepath.Rel(base, file)
	return err == nil && filepath.IsLocal(rel)
}

// backupLoc is R125/R126: where the deployment being planned saves a path,
// as a key in the destination and as reported. Keys are clean (they come from
// normalisation or a walk), so the error of metadata.BackupPath cannot happen
// here; an empty result would show it.
func (p *Plan) backupLoc(key string) (to, shown string) {
	rel, err := metadata.BackupPath(int32(p.ID), key)
	if err != nil {
		return "", ""
	}
	return rel, p.dir.Native(destination.Path{Rel: rel})
}

// checkNotPending refuses to plan against a destination left half-changed:
// it needs recovery first. A journal that another deployer holds the lock
// for is its operation in progress: the plan waits for it up to wait, or is
// refused because the destination is locked.
func checkNotPending(ctx context.Context, dest string, wait time.Duration) error {
	if err := journal.Settled(ctx, dest, wait); err != nil {
		return stopped(dest, err)
	}
	return nil
}

// settle makes sure that no operation is in progress or unfinished on dest
// before it is planned (see checkNotPending). With hold it takes the
// destination's lock and returns it, for the plan to hold until Apply; an
// unfinished operation found under the lock is recovered first, as the
// operation the caller is about to apply would.
func settle(ctx context.Context, dest string, wait time.Duration, hold bool) (*journal.DestLock, Recovery, error) {
	if !hold {
		return nil, RecoveredNothing, checkNotPending(ctx, dest, wait)
	}
	l, err := journal.LockDest(ctx, dest, wait)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, RecoveredNothing, nil // Apply creates the destination, and locks it then
	case err != nil:
		return nil, "", stopped(dest, err)
	}
	rec, err := l.Recover()
	if err != nil {
		// Unlock releases the lock even when it reports an error, and that
		// error changes nothing about what to do next.
		_ = l.Unlock()
		return nil, "", stopped(dest, fmt.Errorf("recover %s: %w", dest, err))
	}
	return l, Recovery(rec), nil
}

// Close removes the plan's staging directory. It may be called more than once.
func (p *Plan) Close() error {
	if p == nil {
		return nil
	}
	p.hooks.close()
	if p.lock != nil {
		p.lock.Unlock()
		p.lock = nil
	}
	if p.content != nil {
		for _, a := range p.content.archives {
			a.Close()
		}
	}
	return p.staging.Remove()
}

func (p *Plan) emit(e Event) {
	if p.events != nil {
		p.events(e)
	}
}
