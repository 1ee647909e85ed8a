package command

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"runtime"
	"sync/atomic"
	"time"
)

// DefaultTailSize is how many bytes of each output stream a Result keeps when
// Options.TailSize is 0: the last 64 KiB.
const DefaultTailSize = 64 << 10

// WaitDelay is how long Exec waits, after the command exited or was
// killed, for processes it left behind to close its output.
const WaitDelay = 5 * time.Second

// Spec is a command to run: either a program and its arguments (Args) or a
// command line for the system shell (Shell), exactly one of the two.
type Spec struct {
	// Args is the program (Args[0]) and its arguments, passed without any
	// shell interpretation. A program name without a path separator is looked
	// up in this process's PATH.
	Args []string
	// Shell is a command line run by the system shell (see the package
	// documentation).
	Shell string
	// Dir is the working directory; "" means this process's.
	Dir string
	// Timeout bounds how long the command may run; 0 means no limit other
	// than the context's.
	Timeout time.Duration
	// Success says which exit codes count as success (a deployment.xml's
	// successCodes); nil means 0 alone.
	Success func(code int) bool
}

// Options change how a command runs. The zero value runs it with this
// process's environment and keeps DefaultTailSize bytes of each stream.
type Options struct {
	// Env is the command's environment as KEY=VALUE; nil means this process's.
	Env []string
	// TailSize is how many bytes of each stream the Result keeps (the last
	// ones); 0 means DefaultTailSize.
	TailSize int
	// Stdout and Stderr, when set, also receive the streams as they arrive,
	// from goroutines of their own (one per stream).
	Stdout, Stderr io.Writer
}

// Result is the outcome of a command that ran.
type Result struct {
	// ExitCode is the code the process exited with, or -1 when a signal ended
	// it (see the package documentation).
	ExitCode int `json:"exitCode"`
	// Success says whether the command counts as successful: an exit code
	// Spec.Success accepts, and neither killed by a signal nor timed out.
	Success bool `json:"success"`
	// TimedOut says the deadline passed and the process tree was killed.
	TimedOut bool `json:"timedOut"`
	// Signal names the signal that ended the process, if one did (Unix).
	Signal string `json:"signal,omitempty"`
	// Duration is how long the command ran, in nanoseconds in JSON.
	Duration time.Duration `json:"duration"`
	// StdoutTail and StderrTail are the last TailSize bytes of each stream,
	// starting at a character boundary.
	StdoutTail string `json:"stdoutTail"`
	StderrTail string `json:"stderrTail"`
	// StdoutBytes and StderrBytes count everything the streams carried; a
	// count larger than the tail's length says the tail was cut.
	StdoutBytes int64 `json:"stdoutBytes"`
	StderrBytes int64 `json:"stderrBytes"`
}

// ErrEmpty is returned for a Spec with neither Args nor Shell (or both).
var ErrEmpty = errors.New("command: exactly one of Args and Shell must be set")

// Exec runs spec and waits for it: see the package documentation.
func Exec(ctx context.Context, spec Spec, opts Options) (Result, error) {
	if (len(spec.Args) == 0) == (spec.Shell == "") {
		return Result{}, ErrEmpty
	}
	success := spec.Success
	if success == nil {
		success = func(code int) bool { return code == 0 }
	}
	name := spec.Shell
	if name == "" {
		name = spec.Args[0]
	}
	runCtx := ctx
	if spec.Timeout > 0 {
		var cancel context.CancelFunc
		runCtx, cancel = context.WithTimeout(ctx, spec.Timeout)
		defer cancel()
	}

	var c *exec.Cmd
	if spec.Shell != "" {
		c = shellCommand(runCtx, spec.Shell)
	} else {
		c = exec.CommandContext(runCtx, spec.Args[0], spec.Args[1:]...)
	}
	if c.Err != nil {
		return Result{}, fmt.Errorf("run %s: %w", name, c.Err)
	}
	c.Dir = spec.Dir
	c.Env = opts.Env
	stdout, stderr := NewTail(opts.TailSize), NewTail(opts.TailSize)
	c.Stdout = tee(stdout, opts.Stdout)
	c.Stderr = tee(stderr, opts.Stderr)
	c.WaitDelay = WaitDelay
	isolate(c)
	// A deadline counts only if it killed the command: one that passes
	// between the command's exit and the check below does not.
	var killed atomic.Bool
	kill := c.Cancel
	c.Cancel = func() error {
		killed.Store(true)
		return kill()
	}

	start := time.Now()
	// The command dies with the deployer where the system allows it
	// (dieWithParent); that ties it to this OS thread, which must outlive it.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := c.Start(); err != nil {
		return Result{}, fmt.Errorf("run %s: %w", name, err)
	}
	waitErr := c.Wait()
	res := Result{
		Duration:    time.Since(start),
		StdoutTail:  stdout.String(),
		StderrTail:  stderr.String(),
		StdoutBytes: stdout.Total(),
		StderrBytes: stderr.Total(),
	}
	ps := c.ProcessState
	if ps == nil {
		// Wait failed before the process could be reaped; nothing to report
		// but the error.
		return res, fmt.Errorf("run %s: %w", name, waitErr)
	}
	res.ExitCode = exitCode(ps)
	res.Signal = signalName(ps)
	if err := ctx.Err(); err != nil && killed.Load() {
		return res, fmt.Errorf("run %s: %w", name, err)
	}
	res.TimedOut = killed.Load() && errors.Is(runCtx.Err(), context.DeadlineExceeded)
	res.Success = !res.TimedOut && res.Signal == "" && success(res.ExitCode)
	return res, nil
}

// tee writes to t and, when set, to extra.
func tee(t *Tail, extra io.Writer) io.Writer {
	if extra == nil {
		return t
	}
	return io.MultiWriter(t, extra)
}
