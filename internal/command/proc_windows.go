package command

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
)

// shellCommand runs line with cmd.exe. The command line is set raw: cmd.exe
// has its own quoting rules, which Go's argument escaping would break. /d
// skips AutoRun commands from the registry; /s with the outer quotes makes
// cmd.exe run the line exactly as written.
func shellCommand(ctx context.Context, line string) *exec.Cmd {
	comspec := os.Getenv("ComSpec")
	if comspec == "" {
		comspec = filepath.Join(systemRoot(), "System32", "cmd.exe")
	}
	c := exec.CommandContext(ctx, comspec)
	c.SysProcAttr = &syscall.SysProcAttr{CmdLine: syscall.EscapeArg(comspec) + ` /d /s /c "` + line + `"`}
	return c
}

func systemRoot() string {
	if r := os.Getenv("SystemRoot"); r != "" {
		return r
	}
	return `C:\Windows`
}

// isolate makes cancellation end the command's process tree: taskkill /T
// follows the parent links from the process, then the process is killed in
// case taskkill could not run.
func isolate(c *exec.Cmd) {
	c.Cancel = func() error {
		taskkill := filepath.Join(systemRoot(), "System32", "taskkill.exe")
		tk := exec.Command(taskkill, "/T", "/F", "/PID", strconv.Itoa(c.Process.Pid))
		tkErr := tk.Run()
		err := c.Process.Kill()
		if errors.Is(err, os.ErrProcessDone) && tkErr == nil {
			return os.ErrProcessDone
		}
		return err
	}
}

// exitCode reads the 32-bit exit code as signed, so exit /b -1 is -1.
func exitCode(ps *os.ProcessState) int { return int(int32(uint32(ps.ExitCode()))) }

func signalName(*os.ProcessState) string { return "" }
