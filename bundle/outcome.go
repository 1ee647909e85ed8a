package bundle

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/bundlekit/bundlekit/fileops"
	"github.com/bundlekit/bundlekit/internal/journal"
	"github.com/bundlekit/bundlekit/internal/metadata"
)

// Outcome says what an operation (Apply, Deploy, Revert, Purge, Adopt) did to
// its destination: exactly one of six. Four say how an operation that was
// allowed to run ended; two (deferred and refused) say why it was not allowed
// to run at all. Result.Outcome holds it, and
// OutcomeOf reads it from an error.
type Outcome string

// The outcomes.
const (
	// OutcomeNotStarted: the operation stopped before it changed anything
	// (bad input, a plan that could not be made, a lock held by another
	// deployer, a journal that could not be started).
	OutcomeNotStarted Outcome = "not-started"
	// OutcomeRolledBack: the operation failed and its changes were undone,
	// and that was checked: no journal is left, and the metadata names the
	// deployment that was current before (or none, as before; when the
	// metadata cannot be read again for that check, the error says so).
	// Nothing was changed.
	OutcomeRolledBack Outcome = "rolled-back"
	// OutcomeCompleted: the new deployment is in place. A step after the
	// commit may have failed (a handover, the system service, the postinstall
	// target: the error returned with the Result says which), and cleaning
	// up after the commit may have failed (a warning says so; the next
	// operation, or Recover, finishes it).
	OutcomeCompleted Outcome = "completed"
	// OutcomeNeedsRecovery: undoing the operation failed too (or an earlier
	// operation could not be recovered): the destination holds a journal, and
	// may be neither as it was nor as the operation would have left it until
	// Recover (deployer recover --dest D) completes or undoes it. Every
	// original is in the destination or in the journal's trash.
	OutcomeNeedsRecovery Outcome = "needs-recovery"
	// OutcomeDeferred: the operation was not run, and did not fail: it is
	// outside the time window, the address range or the dates its
	// constraints allow. Nothing was changed, not even the metadata folder;
	// run it again when its window opens.
	OutcomeDeferred Outcome = "deferred"
	// OutcomeRefused: the operation was not run because an installation
	// condition (of the recipe or of the caller) does not hold on this host
	// or destination. Nothing was changed, not even the metadata folder.
	OutcomeRefused Outcome = "refused"
)

// OperationError is the error of an operation that failed after it began, or
// was not allowed to begin: it says what became of the destination. Deploy,
// Revert, Purge, Adopt and Apply return one for every failure that is not a
// planning error (those change nothing), Status and Recover when recovering
// fails, and the Plan functions when the destination holds an unfinished
// operation (OutcomeNeedsRecovery), when the operation's constraints defer
// it (OutcomeDeferred: Err is a *constraint.Deferral) and when an
// installation condition refuses it (OutcomeRefused: Err is a
// *RefusedError).
type OperationError struct {
	// Dest is the destination.
	Dest    string
	Outcome Outcome
	// Err is what failed.
	Err error
	// Undo is why undoing the operation failed (OutcomeNeedsRecovery), or
	// what completing it instead met (OutcomeCompleted).
	Undo error
	// Recovery is the command that repairs the destination
	// (OutcomeNeedsRecovery): deployer recover --dest D; a program calls
	// Recover. It is empty for a damaged journal, which Recover refuses
	// (journal.CorruptError says what to do).
	Recovery string
}

func (e *OperationError) Error() string {
	switch e.Outcome {
	case OutcomeNotStarted, OutcomeDeferred, OutcomeRefused:
		return fmt.Sprintf("%v (nothing was changed)", e.Err)
	case OutcomeRolledBack:
		return fmt.Sprintf("%v (nothing was changed: the partial changes were undone)", e.Err)
	case OutcomeCompleted:
		if e.Undo != nil {
			return fmt.Sprintf("%v; but the operation had committed, so it was completed, not undone: the new deployment is in place (%v)", e.Err, e.Undo)
		}
		return e.Err.Error()
	}
	msg := e.Err.Error()
	if e.Undo != nil {
		msg += fmt.Sprintf("; and undoing the partial changes failed: %v", e.Undo)
	}
	if e.Recovery == "" {
		return msg
	}
	return msg + fmt.Sprintf("; %s holds an unfinished operation: run `%s` to complete or undo it", e.Dest, e.Recovery)
}

// Unwrap returns Err, and Undo when there is one.
func (e *OperationError) Unwrap() []error {
	if e.Undo == nil {
		return []error{e.Err}
	}
	return []error{e.Err, e.Undo}
}

// OutcomeOf returns the outcome an operation's error reports: that of an
// *OperationError in its chain (OutcomeDeferred and OutcomeRefused among
// them: an operation its constraints or its installation conditions did not
// allow); OutcomeCompleted for nil; OutcomeNotStarted for any other error,
// which comes from what changes nothing (Open, the Plan functions, the
// checks before an operation begins).
func OutcomeOf(err error) Outcome {
	var oe *OperationError
	switch {
	case err == nil:
		return OutcomeCompleted
	case errors.As(err, &oe):
		return oe.Outcome
	}
	return OutcomeNotStarted
}

// RecoverCommand is the command line that recovers dest: deployer recover
// --dest D, the path quoted for a POSIX shell where it needs it.
func RecoverCommand(dest string) string {
	return "deployer recover --dest " + shellQuote(dest)
}

func shellQuote(s string) string {
	safe := s != ""
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("/._-+=:,@%", c)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// needsRecovery is the error of a failure that leaves dest with a journal
// pending. A damaged journal is one that Recover refuses: its error says
// what to do instead, and there is no command to name.
func needsRecovery(dest string, err, undo error) error {
	e := &OperationError{Dest: dest, Outcome: OutcomeNeedsRecovery, Err: err, Undo: undo, Recovery: RecoverCommand(dest)}
	if errors.Is(err, journal.ErrCorrupt) || errors.Is(undo, journal.ErrCorrupt) {
		e.Recovery = ""
	}
	return e
}

// stopped says what a failure before any change left in dest — of the
// transaction's begin, or of a recovery (Recover, or the one that Deploy,
// Revert, Purge, Adopt and Status run first): nothing, unless a journal is
// pending (an earlier operation's, one whose recovery failed, or one whose
// begin could not be taken back). A journal found while another deployer
// holds the lock is that deployer's.
func stopped(dest string, err error) error {
	var le *LockedError
	if !errors.As(err, &le) && journal.PendingAt(dest) {
		return needsRecovery(dest, err, nil)
	}
	return &OperationError{Dest: dest, Outcome: OutcomeNotStarted, Err: err}
}

// undo rolls the operation back after err, checks that it is, and says
// truthfully what became of the destination.
func (a *applier) undo(err error) error {
	dest := a.p.Dest
	aerr := a.tx.Abort()
	switch {
	case errors.Is(aerr, journal.ErrCommitted):
		return &OperationError{Dest: dest, Outcome: OutcomeCompleted, Err: err, Undo: aerr}
	case aerr != nil:
		return needsRecovery(dest, err, aerr)
	}
	cerr := a.p.checkUndone()
	if errors.Is(cerr, errUnread) {
		cerr = a.p.checkUndone() // a read may fail once, as the write did
	}
	switch {
	case errors.Is(cerr, errUnread):
		// The undo is complete (Abort checked each step and removed the
		// journal); only the second look at the metadata failed.
		return &OperationError{Dest: dest, Outcome: OutcomeRolledBack, Err: fmt.Errorf("%w; the metadata could not be read again to check the undo: %w", err, cerr)}
	case cerr != nil:
		return needsRecovery(dest, err, cerr)
	}
	return &OperationError{Dest: dest, Outcome: OutcomeRolledBack, Err: err}
}

// errUnread: checkUndone could not read the destination to check it.
var errUnread = errors.New("cannot read the destination")

// checkUndone checks what OutcomeRolledBack promises once Abort returned: no
// journal is pending, and the metadata names the deployment that was current
// when the plan was made (or none, as then). An error reading the
// destination wraps errUnread.
func (p *Plan) checkUndone() error {
	if journal.PendingAt(p.Dest) {
		return errors.New("the journal is still there after undoing")
	}
	d, err := fileops.OpenDir(p.Dest)
	if errors.Is(err, fs.ErrNotExist) && !p.state.Managed {
		return nil // a first deployment into a directory it made
	}
	if err != nil {
		return fmt.Errorf("check the destination after undoing: %w: %w", errUnread, err)
	}
	defer d.Close()
	st, err := metadata.LoadCurrent(d.FS(), d.Path())
	if err != nil {
		return fmt.Errorf("check the metadata after undoing: %w: %w", errUnread, err)
	}
	switch {
	case st.Managed != p.state.Managed:
		return fmt.Errorf("after undoing, the destination is managed: %t, and was: %t", st.Managed, p.state.Managed)
	case st.Managed && st.Current.ID != p.state.Current.ID:
		return fmt.Errorf("after undoing, the metadata names deployment %d as the current one, not %d", st.Current.ID, p.state.Current.ID)
	}
	return nil
}
