package bundle

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"path"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/bundlekit/bundlekit/internal/journal"
	"github.com/bundlekit/bundlekit/internal/metadata"
	"github.com/bundlekit/bundlekit/internal/statcache"
)

// Result is what an applied plan did.
type Result struct {
	Kind        Kind        `json:"operation"`
	Dest        string      `json:"destination"`
	ID          int         `json:"deploymentId"`
	Bundle      Info        `json:"bundle"`
	Differences Differences `json:"differences"`
	// Audit lists the records the recipe's rhq:audit tasks wrote (R178).
	Audit []AuditRecord `json:"audit,omitempty"`
	// Commands lists the programs the deployment ran: deployment.xml install
	// and uninstall commands, and <exec> tasks of the recipe's targets.
	Commands []CommandResult `json:"commands,omitempty"`
	// Warnings are what applying found (a handover that failed without
	// failonerror, …); the plan's own warnings are in Plan.Warnings.
	Warnings []string `json:"warnings,omitempty"`
	// Recovered says what was done with an earlier operation that had not
	// finished ("" when there was none).
	Recovered Recovery `json:"recovered,omitempty"`
	// Outcome is OutcomeCompleted, or OutcomeNeedsRecovery when a step after
	// the commit failed and could not be undone (the system-service files).
	Outcome Outcome `json:"outcome"`
	// Pruned is what the prune that Options.Keep asks for removed once the
	// operation completed; nil without Keep, after a step after the commit
	// failed, or when the prune failed (a warning then says why).
	Pruned *PruneReport `json:"pruned,omitempty"`
}

// ErrStale: the destination changed between Plan and Apply. When another
// deployer changed its metadata while Apply waited for the lock, the error's
// Outcome is OutcomeNotStarted and planning again is safe.
var ErrStale = errors.New("the destination changed since the plan was made; plan again")

// testHook, when set by a test, runs after each journal record reaches the disk.
var testHook func(n int)

// Apply executes p: it is the only code that writes to a destination. It takes
// the destination's lock and runs the plan's steps in order through one
// journaled transaction (package internal/journal), so that on any failure the
// partial changes are undone and the destination is left as it was (or, if the
// process dies, as the next run's recovery leaves it). The recipe's preinstall
// target runs first, unless RunPreinstall ran it; the service package's install
// command and the metadata come last, then the operation commits. What follows
// the commit — handovers, the system service, the postinstall target — cannot
// undo the deployment: when one fails, Apply returns the Result with the error
// (a *HookError). With Options.Keep, a prune follows a complete success, as
// an operation of its own (see Result.Pruned). Apply closes the plan.
//
// Every error is an *OperationError that says what became of the destination
// (see Outcome): not started, rolled back, completed (returned with the
// Result) or needing recovery.
func Apply(ctx context.Context, p *Plan) (*Result, error) {
	defer p.Close()
	lock := p.lock
	p.lock = nil // the Tx releases it from now on
	tx, err := journal.Begin(ctx, p.Dest, journal.TxOptions{Kind: string(p.Kind), ID: p.ID, Hook: testHook, Wait: p.lockWait, Lock: lock, RecoverFirst: true, RemoveDest: p.removeDest})
	if err != nil {
		return nil, stopped(p.Dest, err)
	}
	if rec := tx.Recovered(); rec != journal.Nothing {
		// Another deployer began an operation after this plan was made and
		// died: recovered under the lock, its changes are undone (or
		// completed), but the plan may have seen them half made.
		return nil, notStarted(tx, p.Dest, fmt.Errorf("%w (an unfinished operation of another deployer was %s first)", ErrStale, rec))
	}
	a := &applier{ctx: ctx, p: p, tx: tx, errors: map[string]string{}, hashes: map[string]string{},
		written: map[string]statcache.File{}, wroteDigests: map[string]string{}, owners: map[string]perms{}}
	if err := p.checkFresh(tx); err != nil {
		// Another deployer changed the destination while this one waited
		// for the lock: the caller may plan again.
		return nil, notStarted(tx, p.Dest, err)
	}
	a.countEvents()
	p.emit(Event{Type: EventPhase, Phase: "apply", Status: "started"})
	i := 0
	for i < len(p.program) && !p.program[i].phase.committed() {
		// A phase at a time: what its steps displace is recorded at once.
		n := 1
		for i+n < len(p.program) && p.program[i+n].phase == p.program[i].phase {
			n++
		}
		if err := a.phase(p.program[i : i+n]); err != nil {
			return nil, a.undo(err)
		}
		i += n
	}
	if err := tx.Commit(); err != nil {
		if !errors.Is(err, journal.ErrCommitted) {
			return nil, a.undo(err)
		}
		a.warn(fmt.Sprintf("%s: %v; the operation is complete, but a power cut before the disk writes the record back could undo it", p.Dest, err))
	}
	if err := tx.Finish(); err != nil {
		a.warn(fmt.Sprintf("%s: the operation is complete, but cleaning up after it failed (the next operation, or `%s`, finishes it): %v", p.Dest, RecoverCommand(p.Dest), err))
	}
	a.tx = nil
	res := &Result{Kind: p.Kind, Dest: p.Dest, ID: p.ID, Bundle: p.Bundle, Differences: a.differences(), Outcome: OutcomeCompleted}
	var after error
	for ; i < len(p.program) && after == nil; i++ {
		after = a.exec(p.program[i])
	}
	if after == nil {
		after = a.endService()
	}
	if after != nil && a.service != nil {
		after = a.abortService(after)
	}
	res.Audit, res.Commands = p.hooks.records()
	res.Commands = append(a.commands, res.Commands...)
	res.Warnings = a.warnings
	if after != nil {
		if a.servicePending {
			res.Outcome = OutcomeNeedsRecovery
			return res, needsRecovery(p.Dest, a.deployedError(after), nil)
		}
		return res, &OperationError{Dest: p.Dest, Outcome: OutcomeCompleted, Err: a.deployedError(after)}
	}
	p.emit(Event{Type: EventPhase, Phase: "apply", Status: "finished"})
	if p.keep > 0 {
		// A second operation: the deployment stands whatever becomes of it.
		rep, err := Prune(ctx, p.Dest, PruneOptions{Keep: p.keep, LockWait: p.lockWait})
		if err != nil {
			res.Warnings = append(res.Warnings, fmt.Sprintf("the deployment is complete, but pruning the deployments before it failed: %v", err))
		} else {
			res.Pruned = rep
			res.Warnings = append(res.Warnings, rep.Warnings...)
		}
	}
	return res, nil
}

// notStarted ends tx before it recorded anything, after err: taking the
// journal back changes nothing, so the operation did not start (unless even
// that fails).
func notStarted(tx *journal.Tx, dest string, err error) error {
	if aerr := tx.Abort(); aerr != nil {
		return needsRecovery(dest, err, aerr)
	}
	return stopped(dest, err)
}

// applier executes one plan.
type applier struct {
	ctx context.Context
	p   *Plan
	// tx is the operation's transaction until it commits; service is the
	// transaction of the system-service files, after it.
	tx, service *journal.Tx
	// servicePending: undoing the system-service files failed, and their
	// journal is pending.
	servicePending bool
	// errors are what only applying can find out (R92 step 2, R138).
	errors   map[string]string
	warnings []string
	// commands are the deployment.xml commands run.
	commands []CommandResult
	// done and total count the file events; backups and backupTotal the
	// backup events.
	done, total, backups, backupTotal int
	// mu guards what steps running at once share: hashes, the counts and
	// the events. The record phase only reads them, on several goroutines
	// at once (RLock).
	mu sync.RWMutex
	// hashes are the hashes of files written whose new content the plan did
	// not hash; written the stat of every file written, for the stat cache.
	hashes  map[string]string
	written map[string]statcache.File
	// wroteDigests are the content digests of the files written, for the
	// digests record.
	wroteDigests map[string]string
	// owners are the permissions of the files written, for the record of
	// permissions (issue 11.6).
	owners map[string]perms
}

// deployedError says that a step after the commit failed, with the files in
// place.
func (a *applier) deployedError(err error) error {
	deployed := a.p.ID
	var he *HookError
	if errors.As(err, &he) {
		he.Deployed = &deployed
		return err
	}
	return &HookError{Phase: "after commit", Target: "", Deployed: &deployed, Err: err}
}

func (a *applier) warn(w string) { a.warnings = append(a.warnings, w) }

// differences is the plan's report plus what only applying found out.
func (a *applier) differences() Differences {
	d := a.p.Differences
	if len(a.errors) > 0 {
		d.Errors = maps.Clone(d.Errors)
		if d.Errors == nil {
			d.Errors = map[string]string{}
		}
		maps.Copy(d.Errors, a.errors)
	}
	return d
}

// phase runs the steps of one phase: first it reserves, with one sync, the
// journal records of the paths they displace; the write phase runs on every
// core, the others in order.
func (a *applier) phase(steps []*step) (err error) {
	writes := steps[0].phase == phaseWrite && len(steps) > 1
	var meta []string // the record phase's files
	var made *journal.Mkdirs
	if writes {
		meta = a.p.metadataFiles()
		if made, err = a.startParents(steps, meta); err != nil {
			return err
		}
		// Every return waits for them: nothing may undo the phase while
		// directories are still being made.
		defer func() {
			if derr := made.Done(); derr != nil && !errors.Is(err, derr) {
				err = errors.Join(err, derr)
			}
		}()
	}
	if steps[0].phase == phaseStore {
		if err := a.storeDirs(steps); err != nil {
			return err
		}
	}
	// The paths the phase displaces or creates, recorded at once.
	var reserve []string
	for _, s := range steps {
		switch {
		case s.entry == nil:
		case s.op == opTrash, s.op == opTrashOrReport, s.op == opDeleteDir, s.op == opWrite:
			reserve = append(reserve, s.entry.Path)
		case s.op == opStore:
			reserve = append(reserve, s.to)
		}
	}
	// With the record phase's files, that phase needs no sync of its own.
	reserve = append(reserve, meta...)
	if len(reserve) > 0 {
		if err := a.tx.Reserve(reserve); err != nil {
			return err
		}
	}
	if writes {
		if err := a.writeAll(steps, made); err != nil {
			return err
		}
		if err := made.Done(); err != nil {
			return err
		}
		// The disk writes the last files while the metadata is encoded.
		a.tx.StartSync(len(steps))
		return nil
	}
	for _, s := range steps {
		if err := a.exec(s); err != nil {
			return err
		}
	}
	return nil
}

// earlySync is the share of a large write phase's files after which the file
// system is synced while the rest are written (Tx.StartSync), so that the
// sync after the phase has little left to write. The first deployment of
// the real corpus (1,468 files) waited about 30 ms for that sync; with an
// early one at a half, 0.7 or 0.8 of its files, it took 3–5 % less time in
// all, the phase itself a little slower.
const earlySync = 0.75

// startParents starts making the directories of the write phase's files,
// and of the metadata files in also, in order, so that the journal holds the
// same records whichever write ends first; their records take one write.
// The files are written as their directories are made (writeAll): the
// directories of a first deployment of the real corpus (616) took 15–20 ms
// to make, while the second core had nothing to do.
func (a *applier) startParents(steps []*step, also []string) (*journal.Mkdirs, error) {
	made := set{}
	var dirs []string
	add := func(key string) {
		dir := path.Dir(key)
		if dir == "." || dir == "/" || made[dir] {
			return
		}
		made[dir] = true
		dirs = append(dirs, dir)
	}
	for _, s := range steps {
		add(s.entry.Path)
	}
	for _, key := range also {
		add(key)
	}
	return a.tx.StartMkdirAll(dirs...)
}

// writeAll runs the write phase (R96) on every core, a directory at a time
// (groupByDir): the writes are of distinct paths, and each is a step of its
// own; each directory's files wait until made has made it. The first failure
// stops the others. Past earlySync of the files, the disk starts writing them
// back (Tx.StartSync) while the rest are written.
func (a *applier) writeAll(steps []*step, made *journal.Mkdirs) error {
	keys := make([]string, len(steps))
	for i, s := range steps {
		keys[i] = s.entry.Path
	}
	groups := groupByDir(keys)
	var failed atomic.Bool
	var written atomic.Int64
	syncAt := int64(float64(len(steps)) * earlySync)
	errs := make([]error, len(steps))
	forEach(len(groups), func(g int) {
		if err := made.Wait(path.Dir(keys[groups[g][0]])); err != nil {
			errs[groups[g][0]] = err
			failed.Store(true)
			return
		}
		for _, i := range groups[g] {
			if failed.Load() {
				return
			}
			if errs[i] = a.exec(steps[i]); errs[i] != nil {
				failed.Store(true)
			}
			if written.Add(1) == syncAt {
				a.tx.StartSync(len(steps))
				runtime.Gosched() // the sync's goroutine starts now, not when this one blocks
			}
		}
	})
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// countEvents counts the events the program will emit, for progress displays.
func (a *applier) countEvents() {
	for _, e := range a.p.Entries {
		if e.Action.Writes() && len(e.steps) > 0 {
			a.total++
		}
		if e.has(opBackup) || e.has(opStash) {
			a.backupTotal++
		}
	}
}

// checkFresh refuses to apply a plan made against another state of the
// destination's metadata.
func (p *Plan) checkFresh(tx *journal.Tx) error {
	st, err := metadata.LoadCurrent(tx.FS(), tx.Path())
	if err != nil {
		return err
	}
	switch {
	case st.Managed != p.state.Managed:
		return ErrStale
	case st.Managed && st.Current.ID != p.state.Current.ID:
		return ErrStale
	}
	return nil
}
