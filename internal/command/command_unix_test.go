//go:build unix

package command

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/internal/proc"
	"github.com/bundlekit/bundlekit/recipe"
)

// codes is the success test of a deployment.xml's successCodes="s" (every
// exit code succeeds when s is empty), so the rows below check real exit codes
// against what an operator writes.
func codes(t *testing.T, s string) func(int) bool {
	t.Helper()
	if s == "" {
		return recipe.SuccessCodes(nil).Success
	}
	c, err := recipe.ParseSuccessCodes(s)
	require.NoError(t, err)
	return c.Success
}

// TestRun covers exit codes against successCodes (deployment.xml), output
// capture and signals, for a command line run through the shell.
func TestRun(t *testing.T) {
	tests := []struct {
		name  string
		cmd   string
		codes string
		want  Result
	}{
		{"success without codes", "echo hello; echo oops >&2", "",
			Result{ExitCode: 0, Success: true, StdoutTail: "hello\n", StderrTail: "oops\n", StdoutBytes: 6, StderrBytes: 5}},
		{"any code succeeds without codes", "exit 3", "",
			Result{ExitCode: 3, Success: true}},
		{"code outside the list", "exit 3", "0,1,2",
			Result{ExitCode: 3, Success: false}},
		{"code inside a range", "exit 3", "0:10",
			Result{ExitCode: 3, Success: true}},
		{"code in a list and a range", "exit 7", "0,5:8",
			Result{ExitCode: 7, Success: true}},
		// The seed's LINUX86 example: -1:10. A shell's exit -1 is 255 on
		// Unix, so it does not match.
		{"exit 255 is 255, not -1", "exit 255", "-1:10",
			Result{ExitCode: 255, Success: false}},
		{"255 matched by a range that says 255", "exit 255", "250:255",
			Result{ExitCode: 255, Success: true}},
		{"zero outside the codes fails", "true", "1",
			Result{ExitCode: 0, Success: false}},
		// A signal death is ExitCode -1 and never a success, even when -1
		// is a success code.
		{"signal death", "kill -TERM $$", "-1:10",
			Result{ExitCode: -1, Signal: "terminated", Success: false}},
		{"signal death without codes", "kill -KILL $$", "",
			Result{ExitCode: -1, Signal: "killed", Success: false}},
		{"relative command in the package dir", "./install.sh", "0",
			Result{ExitCode: 0, Success: true, StdoutTail: "installed\n", StdoutBytes: 10}},
	}
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "install.sh"), []byte("#!/bin/sh\necho installed\n"), 0o755))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Exec(context.Background(), Spec{Shell: tt.cmd, Dir: dir, Timeout: time.Minute, Success: codes(t, tt.codes)}, Options{})
			require.NoError(t, err)
			if diff := cmp.Diff(tt.want, got, cmpopts.IgnoreFields(Result{}, "Duration")); diff != "" {
				t.Errorf("Exec(%q) (-want +got):\n%s", tt.cmd, diff)
			}
		})
	}
}

// TestRunTimeoutKillsTree runs a shell whose child and grandchild outlive the
// deadline: the whole process group is killed and the result says so.
func TestRunTimeoutKillsTree(t *testing.T) {
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "pids")
	// The background sleep is a child of the shell, and the sh -c inside
	// starts a grandchild; all of them must die.
	line := `sleep 30 & echo $! > pids; sh -c 'sleep 30 & echo $! >> pids; sleep 30'; echo unreachable`
	cmd := Spec{Shell: "echo started; " + line, Dir: dir, Timeout: 500 * time.Millisecond, Success: codes(t, "-1:10")}
	got, err := Exec(context.Background(), cmd, Options{})
	require.NoError(t, err)
	want := Result{ExitCode: -1, Signal: "killed", TimedOut: true, Success: false, StdoutTail: "started\n", StdoutBytes: 8}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(Result{}, "Duration")); diff != "" {
		t.Errorf("Run (-want +got):\n%s", diff)
	}
	data, err := os.ReadFile(pidFile)
	require.NoError(t, err)
	pids := strings.Fields(string(data))
	require.Len(t, pids, 2, "both background processes started")
	for _, p := range pids {
		pid, err := strconv.Atoi(p)
		require.NoError(t, err)
		// SIGKILL was sent before Run returned, but the kernel and the reaper
		// finish asynchronously.
		require.True(t, proc.WaitGone(pid, 10*time.Second), "process %d is still running after the timeout killed its group", pid)
	}
}

func TestRunOutputTailsBounded(t *testing.T) {
	// 200000 bytes of "a" then "END" on stdout, 5000 bytes on stderr; each
	// tail keeps its last 1024 bytes.
	line := `head -c 200000 /dev/zero | tr '\0' a; printf END; head -c 5000 /dev/zero | tr '\0' e >&2`
	var live bytes.Buffer
	got, err := Exec(context.Background(), Spec{Shell: line, Dir: t.TempDir(), Timeout: time.Minute}, Options{TailSize: 1024, Stdout: &live})
	require.NoError(t, err)
	require.Len(t, got.StdoutTail, 1024)
	require.Equal(t, strings.Repeat("a", 1021)+"END", got.StdoutTail)
	require.Equal(t, int64(200003), got.StdoutBytes)
	require.Equal(t, 200003, live.Len(), "Options.Stdout receives the whole stream")
	require.Equal(t, strings.Repeat("e", 1024), got.StderrTail)
	require.Equal(t, int64(5000), got.StderrBytes)
}

func TestRunEnvironment(t *testing.T) {
	got, err := Exec(context.Background(), Spec{Shell: `printf %s "$BK_TEST"`, Dir: t.TempDir(), Timeout: time.Minute},
		Options{Env: []string{"BK_TEST=from options"}})
	require.NoError(t, err)
	require.Equal(t, "from options", got.StdoutTail)
}

func TestRunCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var out syncBuffer
	out.started = make(chan struct{})
	go func() {
		<-out.started
		cancel()
	}()
	got, err := Exec(ctx, Spec{Shell: "echo go; sleep 30", Dir: t.TempDir(), Timeout: time.Minute}, Options{Stdout: &out})
	require.ErrorIs(t, err, context.Canceled)
	require.False(t, got.Success)
	require.False(t, got.TimedOut, "a cancellation is not a timeout")
	require.Equal(t, "killed", got.Signal)
}

// syncBuffer closes started at the first write.
type syncBuffer struct {
	started chan struct{}
	once    bool
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	if !b.once {
		b.once = true
		close(b.started)
	}
	return len(p), nil
}

func TestRunStartErrors(t *testing.T) {
	_, err := Exec(context.Background(), Spec{Shell: "true", Dir: filepath.Join(t.TempDir(), "missing")}, Options{})
	require.ErrorIs(t, err, os.ErrNotExist)

	_, err = Exec(context.Background(), Spec{Dir: t.TempDir()}, Options{})
	require.ErrorIs(t, err, ErrEmpty)
	_, err = Exec(context.Background(), Spec{Shell: "true", Args: []string{"true"}}, Options{})
	require.ErrorIs(t, err, ErrEmpty)
}

func TestExec(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		args []string
		want Result
	}{
		{"arguments are not interpreted by a shell", []string{"/bin/echo", "$HOME", "a b"},
			Result{ExitCode: 0, Success: true, StdoutTail: "$HOME a b\n", StdoutBytes: 10}},
		{"non-zero exit fails", []string{"/bin/sh", "-c", "exit 4"},
			Result{ExitCode: 4, Success: false}},
		{"program found in PATH", []string{"sh", "-c", "exit 0"},
			Result{ExitCode: 0, Success: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Exec(context.Background(), Spec{Args: tt.args, Dir: dir, Timeout: time.Minute}, Options{})
			require.NoError(t, err)
			if diff := cmp.Diff(tt.want, got, cmpopts.IgnoreFields(Result{}, "Duration")); diff != "" {
				t.Errorf("Exec(%q) (-want +got):\n%s", tt.args, diff)
			}
		})
	}
	_, err := Exec(context.Background(), Spec{Args: []string{"bundlekit-no-such-program"}}, Options{})
	require.ErrorIs(t, err, exec.ErrNotFound)
	_, err = Exec(context.Background(), Spec{Args: []string{"true"}, Shell: "true"}, Options{})
	require.ErrorIs(t, err, ErrEmpty)
}

func TestExecTimeout(t *testing.T) {
	got, err := Exec(context.Background(), Spec{Args: []string{"sh", "-c", "sleep 30 & sleep 30"}, Timeout: 300 * time.Millisecond}, Options{})
	require.NoError(t, err)
	require.True(t, got.TimedOut)
	require.False(t, got.Success)
	require.Equal(t, -1, got.ExitCode)
}

func TestResultJSON(t *testing.T) {
	data, err := json.Marshal(Result{ExitCode: 2, Duration: time.Second, StdoutTail: "x", StdoutBytes: 1})
	require.NoError(t, err)
	require.JSONEq(t, `{"exitCode":2,"success":false,"timedOut":false,"duration":1000000000,
		"stdoutTail":"x","stderrTail":"","stdoutBytes":1,"stderrBytes":0}`, string(data))
}

func TestRunBackgroundProcessDoesNotBlock(t *testing.T) {
	// The command exits at once but leaves a process holding its output;
	// Run returns after WaitDelay with the command's own status, and the
	// process is left running (it may be a daemon the script started).
	if testing.Short() {
		t.Skip("waits WaitDelay")
	}
	dir := t.TempDir()
	got, err := Exec(context.Background(), Spec{Shell: "sleep 30 & echo $! > pid; exit 0", Dir: dir, Timeout: time.Minute}, Options{})
	require.NoError(t, err)
	require.True(t, got.Success)
	require.False(t, got.TimedOut)
	data, err := os.ReadFile(filepath.Join(dir, "pid"))
	require.NoError(t, err)
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	require.NoError(t, err)
	require.True(t, proc.Alive(pid), "a background process that outlives the command is not killed")
	require.NoError(t, syscall.Kill(pid, syscall.SIGKILL))
}
