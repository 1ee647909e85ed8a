package bundle

import (
	"context"
	"errors"
	"time"

	"github.com/bundlekit/bundlekit/constraint"
	"github.com/bundlekit/bundlekit/internal/journal"
)

// ErrPending: the destination holds an operation that did not finish (the process
// died). Deploy, Revert, Purge and Status recover it first; Recover does only
// that.
var ErrPending = journal.ErrPending

// ErrNotManaged: the destination holds no deployment (R16, R32).
var ErrNotManaged = errors.New("not a managed deployment location")

// ErrLocked: another deployer is working on the destination.
var ErrLocked = journal.ErrLocked

// LockedError names the deployer holding a destination's lock.
type LockedError = journal.LockedError

// LockHolder is what a lock says about its holder, for messages only.
type LockHolder = journal.Holder

// Deploy recovers any unfinished operation on opts.Dest, plans the deployment of b
// and applies it.
func Deploy(ctx context.Context, b *Bundle, opts Options) (*Result, error) {
	opts.HoldLock = true
	return run(ctx, opts.Dest, opts.LockWait, gateOf(opts.Constraints, opts.Now, opts.Events), func() (*Plan, error) { return PlanDeploy(ctx, b, opts) })
}

// Revert recovers any unfinished operation, then plans and applies a revert (R130).
func Revert(ctx context.Context, b *Bundle, opts Options) (*Result, error) {
	opts.HoldLock = true
	return run(ctx, opts.Dest, opts.LockWait, gateOf(opts.Constraints, opts.Now, opts.Events), func() (*Plan, error) { return PlanRevert(ctx, b, opts) })
}

// run recovers dest, then plans and applies; the constraints are checked
// before anything, so that a deferred operation does not even recover.
func run(ctx context.Context, dest string, wait time.Duration, constraints func(dest string) error, plan func() (*Plan, error)) (*Result, error) {
	dir, err := hostDir(dest)
	if err != nil {
		return nil, err // nothing to recover in a path that is not a destination
	}
	if err := constraints(dir.String()); err != nil {
		return nil, err
	}
	outcome, err := recoverDest(ctx, dest, wait)
	if err != nil {
		return nil, stopped(dest, err)
	}
	p, err := plan()
	if err != nil {
		return nil, err
	}
	res, err := Apply(ctx, p)
	if res != nil && outcome != RecoveredNothing {
		res.Recovered = outcome
	}
	return res, err
}

// Recovery says what Recover did with an operation that had not finished.
type Recovery string

// The recoveries.
const (
	// RecoveredNothing: there was no unfinished operation.
	RecoveredNothing Recovery = Recovery(journal.Nothing)
	// RecoveredCompleted: the operation had committed; its clean-up was
	// finished.
	RecoveredCompleted Recovery = Recovery(journal.Completed)
	// RecoveredRolledBack: the operation had not committed; its changes were
	// undone and the destination is as it was before it.
	RecoveredRolledBack Recovery = Recovery(journal.RolledBack)
)

// RecoverOptions describe a recovery.
type RecoverOptions struct {
	// LockWait: see Options.LockWait.
	LockWait time.Duration
}

// Recover completes or undoes an operation on dest that did not finish (the
// process died, or undoing it failed: OutcomeNeedsRecovery), under the
// destination's lock. It returns RecoveredNothing when there was none. When it
// fails with the journal still pending, the error is an *OperationError with
// OutcomeNeedsRecovery.
func Recover(ctx context.Context, dest string, opts RecoverOptions) (Recovery, error) {
	dir, err := hostDir(dest)
	if err != nil {
		return "", err
	}
	outcome, err := recoverDest(ctx, dir.String(), opts.LockWait)
	if err != nil {
		return "", stopped(dir.String(), err)
	}
	return outcome, nil
}

func recoverDest(ctx context.Context, dest string, wait time.Duration) (Recovery, error) {
	outcome, err := journal.RecoverDest(ctx, dest, wait)
	return Recovery(outcome), err
}

// gateOf returns the check of constraints that run makes first.
func gateOf(s constraint.Set, now func() time.Time, events func(Event)) func(dest string) error {
	return func(dest string) error { return checkConstraints(dest, s, now, events) }
}
