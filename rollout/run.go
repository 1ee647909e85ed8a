package rollout

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/bundlekit/bundlekit/bundle"
	"github.com/bundlekit/bundlekit/constraint"
	"github.com/bundlekit/bundlekit/fileops"
	"github.com/bundlekit/bundlekit/internal/metadata"
)

// Operation is what a rollout does to each of its targets.
type Operation string

// The operations.
const (
	// OpDeploy deploys the descriptor's bundle (an initial deployment or an
	// upgrade), as deployer deploy does.
	OpDeploy Operation = "deploy"
	// OpRevert goes back to the descriptor's bundle, the version to return
	// to, and restores the backups of the current deployment, as deployer
	// revert does.
	OpRevert Operation = "revert"
	// OpPurge removes each target's deployment, as deployer purge does; it
	// needs no bundle.
	OpPurge Operation = "purge"
)

// Options tune one run of a rollout. The zero value deploys every target
// with the descriptor's policy and keeps no state.
type Options struct {
	// Operation is OpDeploy when empty.
	Operation Operation
	// DryRun plans every target and changes nothing: targets are not
	// locked, recipe targets do not run, the state file is read (a target
	// the real run would skip is reported skipped) but not written, and the
	// sequence mode does not apply (every target is planned).
	DryRun bool
	// Groups and Targets select a subset: the targets in any of Groups and
	// those named in Targets. Both empty: every target. A name that matches
	// no group or target is an error.
	Groups, Targets []string
	// Parallelism and Sequence override the descriptor's when set.
	Parallelism int
	Sequence    Sequence
	// StateFile is where the rollout records how each target ended (see
	// StateFile); "" keeps no state.
	StateFile string
	// RetryFailed runs again the targets that failed, or could not be
	// tried, in an earlier run of this rollout (the state file says
	// which); without it they keep that outcome and are not run.
	RetryFailed bool
	// LockWait is how long to wait for a destination's lock held by another
	// deployer (bundle.Options.LockWait).
	LockWait time.Duration
	// Verify is bundle.Options.Verify, for every target.
	Verify bool
	// Now is the clock the targets' constraints are checked against; nil
	// means time.Now.
	Now func() time.Time
	// HTTPClient downloads a bundle given as a URL (and the recipes' URL
	// content); nil means the library's default client.
	HTTPClient *http.Client
	// Stop, once closed, stops the rollout gently: no new target starts,
	// running targets finish, and those not started end aborted
	// (interrupted). Cancelling ctx stops it at once: running operations
	// are cancelled, and undone, by the engine.
	Stop <-chan struct{}
	// Started is called as a target starts, Events with each of its
	// engine's events, Ended as a target ends (also when it is skipped or
	// aborted without running). They are called from the goroutines that
	// run the targets, Ended never for two targets at once.
	Started func(t *Target)
	Events  func(t *Target, e bundle.Event)
	Ended   func(r *TargetResult)
}

// Result is how a rollout ended.
type Result struct {
	Operation Operation `json:"operation"`
	DryRun    bool      `json:"dryRun"`
	// Bundle is the bundle deployed (nil for a purge, or when it could not
	// be opened); BundleID its identity in the state file.
	Bundle   *bundle.Info `json:"bundle,omitempty"`
	BundleID string       `json:"bundleId,omitempty"`
	// Targets are the selected targets in the order they were started:
	// priority order.
	Targets []*TargetResult `json:"-"`
	// Start and End bound the whole rollout, from its start (before the
	// bundle is opened) to its end.
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// TotalRuntime and EffectiveRuntime are OCO's job-container measures:
	//
	//   "Total runtime" shows the time range between the start time of the
	//   container and the end time of the last job. If there are unfinished
	//   jobs in the container, a "~" is prepended.
	//
	//   "Effective runtime" shows the time range between the start time of
	//   the first job and the last job end time. This time span can be
	//   shorter than the "total runtime" if the client comes online at a
	//   later point in time than the container start time.
	//
	// Here the container is the rollout (Start) and a job a target that ran
	// in it; targets skipped from the state file and aborted ones did not
	// run. Both are 0 when no target ran. Unfinished (OCO's "~") says that
	// targets remain to run: deferred, or kept from starting by a stop.
	TotalRuntime     time.Duration `json:"-"`
	EffectiveRuntime time.Duration `json:"-"`
	Unfinished       bool          `json:"unfinished"`
	// Err is why no target could be tried (the bundle could not be opened or
	// downloaded); every target then ended OutcomeError with it.
	Err error `json:"-"`
	// Warnings are what the rollout found besides the targets' outcomes.
	Warnings []string `json:"warnings,omitempty"`
}

// Count is how many targets ended with outcome o.
func (r *Result) Count(o Outcome) int {
	n := 0
	for _, t := range r.Targets {
		if t.Outcome == o {
			n++
		}
	}
	return n
}

// OK reports whether no target failed, errored or was aborted.
func (r *Result) OK() bool {
	return !slices.ContainsFunc(r.Targets, func(t *TargetResult) bool { return t.Outcome.Bad() })
}

// Select returns the targets of d that opts selects, in the order a rollout
// runs them: higher priority first, ties in file order.
func Select(d *Descriptor, groups, names []string) ([]*Target, error) {
	var errs []error
	for _, g := range groups {
		if !slices.ContainsFunc(d.Targets, func(t *Target) bool { return t.InGroup(g) }) {
			errs = append(errs, fmt.Errorf("no target is in group %q", g))
		}
	}
	for _, n := range names {
		if !slices.ContainsFunc(d.Targets, func(t *Target) bool { return t.Name == n }) {
			errs = append(errs, fmt.Errorf("no target is named %q", n))
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%w: %w", bundle.ErrInvalidInput, errors.Join(errs...))
	}
	var out []*Target
	for _, t := range d.Targets {
		if len(groups)+len(names) == 0 || slices.Contains(names, t.Name) || slices.ContainsFunc(groups, t.InGroup) {
			out = append(out, t)
		}
	}
	slices.SortStableFunc(out, func(a, b *Target) int {
		switch {
		case a.Priority > b.Priority:
			return -1
		case a.Priority < b.Priority:
			return 1
		}
		return 0
	})
	return out, nil
}

// Run rolls the descriptor's bundle out to its targets (those opts selects),
// each through the engine as deployer deploy does (plan, then apply, under
// the destination's lock), and returns how each ended.
//
// Order and parallelism: targets start in priority order, higher first,
// ties in file order, at most Parallelism at once. A priority is a wave: a
// target starts only once every target of a higher priority has ended, so
// a canary given the highest priority ends before the fleet starts.
//
// Sequence: in mode abort, once a target ends failed or error, no new
// target starts and each one not started ends aborted; targets already
// running finish. In mode continue every target runs.
//
// Unchanged: a target whose destination already holds this bundle at this
// version, and whose plan changes no file there, is not applied: it ends
// unchanged, and no new deployment id is recorded (RHQ records one for
// every redeployment; a rollout is meant to be rerun, so it does not).
//
// Resuming: with a StateFile, a rerun of the same rollout (same operation
// and bundle) skips the targets that succeeded (or were unchanged) with
// the same destination and properties, runs those aborted, deferred or
// never started, and runs those that failed or errored only with
// RetryFailed; a recorded failure counts for sequence mode abort. The file
// is rewritten atomically after each target, so a rollout killed at any
// point resumes from there; the target it was running when killed is run
// again, after the engine has recovered its destination.
//
// Run returns an error only when it cannot run at all: invalid options
// (wrapping bundle.ErrInvalidInput) or a state file it cannot use
// (*StateError). A bundle that cannot be opened ends every target in
// OutcomeError, and Result.Err says why.
func Run(ctx context.Context, d *Descriptor, opts Options) (*Result, error) {
	res := &Result{Operation: opts.Operation, DryRun: opts.DryRun, Start: time.Now()}
	if res.Operation == "" {
		res.Operation = OpDeploy
	}
	r, err := newRunner(d, opts, res)
	if err != nil {
		return nil, err
	}
	if res.Operation != OpPurge {
		src, err := openSource(ctx, d, opts.HTTPClient)
		if err != nil {
			res.Err = err
			for _, t := range r.targets {
				r.end(ctx, &TargetResult{Outcome: OutcomeError, Err: err}, t)
			}
			res.End = time.Now()
			return res, nil
		}
		defer src.close()
		r.src = src
		res.Bundle = &bundle.Info{Name: src.b.Recipe.Bundle.Name, Version: src.b.Recipe.Bundle.Version}
		res.BundleID = src.identity
	}
	if r.state, err = openState(opts.StateFile, res.Operation, res.BundleID, res.Bundle); err != nil {
		return nil, err
	}
	defer r.state.close()
	if !opts.DryRun {
		// The first write proves the file can be kept before any target runs.
		r.state.mu.Lock()
		err := r.state.write(ctx)
		r.state.mu.Unlock()
		if err != nil {
			return nil, err
		}
	}
	r.run(ctx)
	res.End = time.Now()
	r.runtimes()
	return res, nil
}

// runner is one run of a rollout.
type runner struct {
	opts    Options
	res     *Result
	targets []*Target
	par     int
	seq     Sequence
	src     *source
	state   *stateStore

	mu     sync.Mutex // guards failed, the results, the state and Ended
	failed string     // the first target that failed, for sequence abort
	index  map[*Target]int
}

func newRunner(d *Descriptor, opts Options, res *Result) (*runner, error) {
	r := &runner{opts: opts, res: res, par: d.Parallelism, seq: d.Sequence}
	switch res.Operation {
	case OpDeploy, OpRevert, OpPurge:
	default:
		return nil, fmt.Errorf("%w: unknown operation %q", bundle.ErrInvalidInput, res.Operation)
	}
	if opts.Parallelism < 0 || opts.Parallelism > maxParallelism {
		return nil, fmt.Errorf("%w: parallelism %d: want 1 to %d", bundle.ErrInvalidInput, opts.Parallelism, maxParallelism)
	}
	if opts.Parallelism > 0 {
		r.par = opts.Parallelism
	}
	switch opts.Sequence {
	case "":
	case SequenceAbort, SequenceContinue:
		r.seq = opts.Sequence
	default:
		return nil, fmt.Errorf("%w: sequence %q: want %q or %q", bundle.ErrInvalidInput, opts.Sequence, SequenceAbort, SequenceContinue)
	}
	r.par = max(r.par, 1)
	targets, err := Select(d, opts.Groups, opts.Targets)
	if err != nil {
		return nil, err
	}
	r.targets = targets
	r.index = map[*Target]int{}
	for i, t := range targets {
		r.index[t] = i
	}
	res.Targets = make([]*TargetResult, len(targets))
	return r, nil
}

// run starts the targets wave by wave, at most par at once.
func (r *runner) run(ctx context.Context) {
	slots := make(chan struct{}, r.par)
	var wg sync.WaitGroup
	for i := 0; i < len(r.targets); {
		j := i
		for j < len(r.targets) && r.targets[j].Priority == r.targets[i].Priority {
			j++
		}
		for _, t := range r.targets[i:j] {
			if r.settled(ctx, t) {
				continue
			}
			acquired := false
			select {
			case slots <- struct{}{}:
				acquired = true
			case <-r.opts.Stop:
			case <-ctx.Done():
			}
			// The wait for a slot may have ended with a stop, or with
			// a failure of a running target.
			if r.settled(ctx, t) {
				if acquired {
					<-slots
				}
				continue
			}
			wg.Add(1)
			go func() {
				defer func() { <-slots; wg.Done() }()
				r.end(ctx, r.target(ctx, t), t)
			}()
		}
		wg.Wait()
		i = j
	}
}

// settled ends t without running it when it must not run — the rollout was
// stopped, an earlier target failed in mode abort, or the state file says
// how it ended — and reports whether it did.
func (r *runner) settled(ctx context.Context, t *Target) bool {
	stopped := ctx.Err() != nil
	select {
	case <-r.opts.Stop:
		stopped = true
	default:
	}
	if stopped {
		r.end(ctx, &TargetResult{Outcome: OutcomeAborted, Interrupted: true, Reason: "not started: the rollout was stopped"}, t)
		return true
	}
	r.mu.Lock()
	failed := r.failed
	r.mu.Unlock()
	if failed != "" && r.seq == SequenceAbort && !r.opts.DryRun {
		r.end(ctx, &TargetResult{Outcome: OutcomeAborted, Reason: fmt.Sprintf("not started: target %q failed and the sequence mode is abort", failed)}, t)
		return true
	}
	prev := r.state.previous(t, configDigest(r.res.Operation, t))
	if prev == nil {
		return false
	}
	switch {
	case prev.Outcome == OutcomeSucceeded || prev.Outcome == OutcomeUnchanged:
		r.end(ctx, &TargetResult{Outcome: prev.Outcome, Skipped: true, DeploymentID: prev.DeploymentID,
			Reason: fmt.Sprintf("%s in an earlier run of this rollout (%s)", prev.Outcome, prev.End.Local().Format(time.DateTime))}, t)
		return true
	case prev.Outcome.Bad() && prev.Outcome != OutcomeAborted && !r.opts.RetryFailed:
		r.end(ctx, &TargetResult{Outcome: prev.Outcome, Skipped: true, DeploymentID: prev.DeploymentID, Error: prev.Error,
			Err:    errors.New(prev.Error),
			Reason: fmt.Sprintf("%s in an earlier run of this rollout (%s); --retry-failed runs it again", prev.Outcome, prev.End.Local().Format(time.DateTime))}, t)
		return true
	}
	return false
}

// end records how t ended: in the result, in the state file (unless it is
// a dry run, or the target was skipped from it), and through Ended.
func (r *runner) end(ctx context.Context, tr *TargetResult, t *Target) {
	tr.Name, tr.Destination, tr.Groups, tr.Priority = t.Name, t.dir, t.Groups, t.Priority
	if tr.Err != nil && tr.Error == "" {
		tr.Error = tr.Err.Error()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.res.Targets[r.index[t]] = tr
	if (tr.Outcome == OutcomeFailed || tr.Outcome == OutcomeError) && r.failed == "" {
		r.failed = t.Name
	}
	if !r.opts.DryRun && !tr.Skipped && r.state != nil {
		if err := r.state.record(ctx, tr, configDigest(r.res.Operation, t)); err != nil {
			r.res.Warnings = append(r.res.Warnings, err.Error())
		}
	}
	if r.opts.Ended != nil {
		r.opts.Ended(tr)
	}
}

// runtimes computes OCO's total and effective runtimes (see Result).
func (r *runner) runtimes() {
	var first, last time.Time
	for _, t := range r.res.Targets {
		if t.Outcome == OutcomeDeferred || t.Interrupted && !t.Ran() {
			r.res.Unfinished = true
		}
		if !t.Ran() {
			continue
		}
		if first.IsZero() || t.Start.Before(first) {
			first = t.Start
		}
		if t.End.After(last) {
			last = t.End
		}
	}
	if last.IsZero() {
		return
	}
	r.res.TotalRuntime = last.Sub(r.res.Start)
	r.res.EffectiveRuntime = last.Sub(first)
}

// target runs the operation on one target.
func (r *runner) target(ctx context.Context, t *Target) *TargetResult {
	if r.opts.Started != nil {
		r.opts.Started(t)
	}
	tr := &TargetResult{Start: time.Now()}
	defer func() { tr.End = time.Now() }()
	var events func(bundle.Event)
	if r.opts.Events != nil {
		events = func(e bundle.Event) { r.opts.Events(t, e) }
	}
	var p *bundle.Plan
	var err error
	switch r.res.Operation {
	case OpPurge:
		p, err = bundle.PlanPurge(ctx, t.dir, bundle.PurgeOptions{Events: events, LockWait: r.opts.LockWait, HoldLock: !r.opts.DryRun,
			Constraints: t.set, Conditions: t.conds, Now: r.opts.Now})
		if errors.Is(err, bundle.ErrNotManaged) && !exists(t.dir) {
			tr.Outcome, tr.Reason = OutcomeUnchanged, "nothing to purge: the destination does not exist"
			return tr
		}
	default:
		opts := bundle.Options{Dest: t.dir, Properties: t.props, Events: events, LockWait: r.opts.LockWait,
			HoldLock: !r.opts.DryRun, Verify: r.opts.Verify, HTTPClient: r.opts.HTTPClient,
			Constraints: t.set, Conditions: t.conds, Now: r.opts.Now}
		if r.res.Operation == OpRevert {
			p, err = bundle.PlanRevert(ctx, r.src.b, opts)
		} else {
			p, err = bundle.PlanDeploy(ctx, r.src.b, opts)
		}
	}
	if err != nil {
		tr.Err = err
		tr.Outcome, tr.Interrupted = planOutcome(err)
		tr.Operation = bundle.OutcomeOf(err)
		var d *constraint.Deferral
		if errors.As(err, &d) {
			tr.Reason, tr.Next = d.Reason, d.Next
		}
		var re *bundle.RefusedError
		if errors.As(err, &re) {
			tr.Conditions = re.Results
		}
		return tr
	}
	tr.Warnings = p.Warnings
	if p.Recovered != bundle.RecoveredNothing {
		tr.Recovered = p.Recovered
	}
	tr.Plan = describe(p)
	if p.Kind != bundle.KindPurge {
		tr.Bundle = &p.Bundle
	}
	tr.Differences = summarize(p.Differences, p.Entries)
	if r.res.Operation == OpDeploy && unchanged(p) {
		p.Close()
		tr.Outcome, tr.DeploymentID = OutcomeUnchanged, p.Previous
		tr.Reason = fmt.Sprintf("already deployed: %s %s is deployment %d there, and the plan changes nothing", p.Bundle.Name, p.Bundle.Version, *p.Previous)
		return tr
	}
	if r.opts.DryRun {
		p.Close()
		tr.Outcome = OutcomeSucceeded
		if p.Kind != bundle.KindPurge {
			tr.DeploymentID = &p.ID
		}
		return tr
	}
	// Differences say what changed: nothing, unless Apply returns a result.
	kept := tr.Differences.Kept
	tr.Differences = nil
	res, err := bundle.Apply(ctx, p)
	if res != nil {
		tr.Differences = summarize(res.Differences, nil)
		tr.Differences.Kept = kept
		tr.Warnings = append(tr.Warnings, res.Warnings...)
		if res.Kind != bundle.KindPurge {
			tr.DeploymentID = &res.ID
		}
	}
	tr.Operation = bundle.OutcomeOf(err)
	if err == nil {
		tr.Outcome = OutcomeSucceeded
		return tr
	}
	tr.Err = err
	tr.Outcome, tr.Interrupted = applyOutcome(err)
	if tr.Outcome == OutcomeAborted {
		tr.Reason = "interrupted: the operation was cancelled and undone"
	}
	return tr
}

// describe is the first line of a plan, as the deployer prints it.
func describe(p *bundle.Plan) string {
	if p.Kind == bundle.KindPurge {
		return fmt.Sprintf("purge of %s (compliance %s)", p.Dest, p.Compliance)
	}
	kind := "upgrade"
	switch {
	case p.Kind == bundle.KindRevert:
		kind = "revert"
	case p.Initial:
		kind = "initial deployment"
	}
	from := ""
	if p.Previous != nil {
		from = fmt.Sprintf(", replacing deployment %d", *p.Previous)
	}
	return fmt.Sprintf("%s of %s %s to %s (deployment %d%s, compliance %s)", kind, p.Bundle.Name, p.Bundle.Version, p.Dest, p.ID, from, p.Compliance)
}

// unchanged reports whether a deployment plan would change nothing: the
// destination's current deployment is of the same bundle at the same
// version, and no entry writes. The plan holds the destination's lock (or,
// in a dry run, was just made), so the metadata read is the one it used.
func unchanged(p *bundle.Plan) bool {
	if p.Initial || p.Previous == nil || p.Clean || !p.Differences.Empty() {
		return false
	}
	if slices.ContainsFunc(p.Entries, func(e *bundle.Entry) bool { return e.Action.Writes() }) {
		return false
	}
	d, err := fileops.OpenDir(p.Dest)
	if err != nil {
		return false
	}
	defer d.Close()
	st, err := metadata.LoadCurrent(d.FS(), d.Path())
	if err != nil || !st.Managed {
		return false
	}
	return int(st.Current.ID) == *p.Previous && st.Current.BundleName == p.Bundle.Name && st.Current.BundleVersion == p.Bundle.Version
}

// planOutcome classifies an error of planning, when nothing has changed:
// the deployment was tried and is wrong for this target (failed), it may
// not run yet (deferred), the rollout was stopped (aborted), or the
// deployer could not get at the destination (error).
func planOutcome(err error) (Outcome, bool) {
	var le *bundle.LockedError
	switch {
	case bundle.OutcomeOf(err) == bundle.OutcomeDeferred:
		return OutcomeDeferred, false
	case bundle.OutcomeOf(err) == bundle.OutcomeRefused:
		return OutcomeFailed, false
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		return OutcomeAborted, true
	case errors.As(err, &le), bundle.OutcomeOf(err) == bundle.OutcomeNeedsRecovery, unreachable(err):
		return OutcomeError, false
	case errors.Is(err, bundle.ErrInvalidInput), errors.Is(err, bundle.ErrInsufficientSpace):
		return OutcomeFailed, false
	}
	return OutcomeError, false
}

// applyOutcome classifies an error of Apply: a cancelled operation that was
// undone is aborted (interrupted); one that could not start because the
// destination is locked or cannot be written is an error; any other
// failure of the operation is failed, whatever became of the destination
// (TargetResult.Operation says).
func applyOutcome(err error) (Outcome, bool) {
	op := bundle.OutcomeOf(err)
	var le *bundle.LockedError
	switch {
	case (op == bundle.OutcomeNotStarted || op == bundle.OutcomeRolledBack) && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)):
		return OutcomeAborted, true
	case op == bundle.OutcomeNotStarted && (errors.As(err, &le) || unreachable(err)):
		return OutcomeError, false
	}
	return OutcomeFailed, false
}

// unreachable reports whether err says that the destination cannot be read
// or written at all.
func unreachable(err error) bool {
	return errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EROFS)
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}
