package command

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bundlekit/bundlekit/internal/proc"
	"github.com/stretchr/testify/require"
)

const envDeathHelper = "BUNDLEKIT_COMMAND_DEATH_HELPER"

// TestDeathHelper is the child process of TestCommandDiesWithDeployer: it
// runs a long command that prints its pid, and waits.
func TestDeathHelper(t *testing.T) {
	if os.Getenv(envDeathHelper) != "1" {
		t.Skip("the child process of TestCommandDiesWithDeployer")
	}
	_, _ = Exec(context.Background(), Spec{Args: []string{"/bin/sh", "-c", "echo $$; exec sleep 300"}, Timeout: 10 * time.Minute},
		Options{Stdout: os.Stdout})
}

// TestCommandDiesWithDeployer: a deployer killed with SIGKILL while a hook's
// command runs takes the command with it, instead of leaving it running with
// no one to enforce its timeout.
func TestCommandDiesWithDeployer(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestDeathHelper$", "-test.count=1")
	cmd.Env = append(os.Environ(), envDeathHelper+"=1")
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	line, err := bufio.NewReader(out).ReadString('\n')
	require.NoError(t, err)
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	require.NoError(t, err, "the command printed %q", line)
	require.True(t, proc.Alive(pid), "the command runs")

	require.NoError(t, cmd.Process.Kill())
	_ = cmd.Wait()
	if !proc.WaitGone(pid, 10*time.Second) {
		_ = syscall.Kill(pid, syscall.SIGKILL)
		t.Fatalf("the command (pid %d) outlived the killed deployer", pid)
	}
}
