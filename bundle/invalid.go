package bundle

import (
	"context"
	"errors"

	"github.com/bundlekit/bundlekit/destination"
	"github.com/bundlekit/bundlekit/fileops"
	"github.com/bundlekit/bundlekit/recipe"
)

// ErrInvalidInput is in the chain of every error that is the caller's to fix,
// returned by Open, OpenFS, OpenWith, Pack, the Plan functions, Deploy,
// Revert, Purge, Adopt, Status, Recover and NextID: a bundle that cannot be
// opened (missing, unreadable, neither a directory nor a .zip, without a
// recipe, a hostile .zip, not the one OpenOptions.SHA256 names), an invalid
// recipe, missing or invalid values for its input properties, an archive of
// the bundle with an unsafe, duplicate or irregular entry, a destination that
// is not an absolute directory path, a revert without the bundle that the
// destination cannot rebuild (a *BundleNeededError), or a bad option (an ID
// beyond 32 bits, an unknown compliance, a negative Keep, a purge of a
// destination that holds no deployment without PurgeOptions.Force). Nothing
// was changed. The error keeps its own
// types and reasons (a *recipe.Error, an *InputError, fileops.ErrUnsafePath,
// …) for errors.As and errors.Is.
//
// It is not in the errors of the destination (I/O, space, a lock, an
// operation that needs recovery, damaged metadata), of a cancelled context,
// of a download (content that does not match its bk:sha256 included: what is
// wrong is at the URL), of an archive over Options.Limits, or of an operation
// that began: those are *OperationError values, whose Outcome says what
// became of the destination.
var ErrInvalidInput = errors.New("invalid input")

// invalidError adds ErrInvalidInput to the chain of an error, whose message
// it keeps.
type invalidError struct{ err error }

func (e *invalidError) Error() string   { return e.err.Error() }
func (e *invalidError) Unwrap() []error { return []error{ErrInvalidInput, e.err} }

// invalid marks err as the caller's to fix; nil, a cancellation and an
// error already marked are returned as they are.
func invalid(err error) error {
	if err == nil || errors.Is(err, ErrInvalidInput) || cancelled(err) {
		return err
	}
	return &invalidError{err}
}

// classify marks err as the caller's to fix when it is one of the errors of
// the input that ErrInvalidInput lists. It is applied where a Plan function
// returns, to errors that may also come from the destination or a download.
func classify(err error) error {
	if err == nil || errors.Is(err, ErrInvalidInput) || cancelled(err) {
		return err
	}
	var (
		re *recipe.Error
		ie *InputError
		pe *destination.PathError
		ae *fileops.ArchiveError
	)
	switch {
	case errors.As(err, &re), errors.As(err, &ie), errors.As(err, &pe),
		errors.Is(err, recipe.ErrInvalid), errors.Is(err, ErrMetadataDestination), errors.Is(err, ErrBundleNeeded),
		errors.As(err, &ae) && refusedEntry(ae.Err):
		return &invalidError{err}
	}
	return err
}

// refusedEntry reports whether an archive was refused for one of its entries
// whatever the limits: an entry no deployer may extract.
func refusedEntry(err error) bool {
	for _, reason := range []error{fileops.ErrUnsafePath, fileops.ErrDuplicate, fileops.ErrCaseCollision,
		fileops.ErrFileAsDir, fileops.ErrIrregular, fileops.ErrUnsupportedEntry} {
		if errors.Is(err, reason) {
			return true
		}
	}
	return false
}

func cancelled(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
