//go:build unix

package command

import (
	"context"
	"os"
	"os/exec"
	"syscall"
)

func shellCommand(ctx context.Context, line string) *exec.Cmd {
	return exec.CommandContext(ctx, "/bin/sh", "-c", line)
}

// isolate puts the command in a process group of its own and makes
// cancellation kill the whole group, so that nothing the command started
// outlives the deadline; where the system allows it, the command is also
// killed when the deployer dies, however it dies.
func isolate(c *exec.Cmd) {
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	dieWithParent(c.SysProcAttr)
	c.Cancel = func() error {
		// The group id is the leader's pid (Setpgid with Pgid 0).
		err := syscall.Kill(-c.Process.Pid, syscall.SIGKILL)
		if err == syscall.ESRCH {
			return os.ErrProcessDone
		}
		return err
	}
}

func exitCode(ps *os.ProcessState) int { return ps.ExitCode() }

func signalName(ps *os.ProcessState) string {
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return ws.Signal().String()
	}
	return ""
}
