//go:build !unix && !windows

package command

import (
	"context"
	"errors"
	"os"
	"os/exec"
)

// shellCommand fails: this system has no shell the package knows.
func shellCommand(ctx context.Context, line string) *exec.Cmd {
	c := exec.CommandContext(ctx, line)
	c.Err = errors.ErrUnsupported
	return c
}

// isolate keeps the default: cancellation kills the process only.
func isolate(*exec.Cmd) {}

func exitCode(ps *os.ProcessState) int { return ps.ExitCode() }

func signalName(*os.ProcessState) string { return "" }
