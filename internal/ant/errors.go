package ant

import (
	"errors"
	"fmt"

	"github.com/bundlekit/bundlekit/recipe"
)

// Sentinel reasons of run-time errors, for errors.Is. Validation errors are
// *recipe.Error values wrapping recipe's sentinels (recipe.ErrUnsupported,
// recipe.ErrMissing, recipe.ErrInvalid, recipe.ErrConflict, recipe.ErrUnknown).
var (
	// ErrNoTarget: RunTarget, a depends= list or an <ant> task names a target
	// the project does not have.
	ErrNoTarget = errors.New("no such target")
	// ErrFail: a <fail> task stopped the build.
	ErrFail = errors.New("build failed")
	// ErrExitCode: an <exec> with failonerror="true" ended with a non-zero
	// exit code.
	ErrExitCode = errors.New("non-zero exit code")
	// ErrTimeout: an <exec> with failonerror="true" was killed at its
	// deadline.
	ErrTimeout = errors.New("timed out")
	// ErrDepth: <ant> tasks called each other deeper than Env.MaxAntDepth.
	ErrDepth = errors.New("<ant> calls nested too deeply")
	// ErrUnresolved: a file path still holds a ${name} reference to a
	// property that is not set, so it would name a file called "${name}".
	ErrUnresolved = errors.New("unresolved property in a path")
	// ErrProtected: a <delete> or <move> would remove the deploy directory,
	// the bundle directory or a directory that contains one of them.
	ErrProtected = errors.New("protected directory")
)

// TaskError is a task that failed while it ran, with where it is written. A
// failure inside a project called by <ant> is a TaskError wrapping the inner
// TaskError, so the message reads from the outer call to the failing task.
type TaskError struct {
	Pos recipe.Pos
	// Target is the target the task belongs to; empty for a task written at
	// the top level of the project.
	Target string
	// Task is the task as written, e.g. "<copy>" or "<rhq:audit>".
	Task string
	Err  error
}

func (e *TaskError) Error() string {
	if e.Target == "" {
		return fmt.Sprintf("%s: %s: %v", e.Pos, e.Task, e.Err)
	}
	return fmt.Sprintf("%s: %s in target %q: %v", e.Pos, e.Task, e.Target, e.Err)
}

func (e *TaskError) Unwrap() error { return e.Err }

// reason is the Err of a validation *recipe.Error: its message, unwrapping to
// one of recipe's sentinels.
type reason struct {
	kind error
	msg  string
}

func (r *reason) Error() string { return r.msg }
func (r *reason) Unwrap() error { return r.kind }
