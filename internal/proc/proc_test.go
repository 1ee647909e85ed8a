package proc_test

import (
	"os"
	"os/exec"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/internal/proc"
)

func TestAlive(t *testing.T) {
	require.True(t, proc.Alive(os.Getpid()))

	bin, err := os.Executable()
	require.NoError(t, err)
	cmd := exec.Command(bin, "-test.run=^$")
	require.NoError(t, cmd.Start())
	pid := cmd.Process.Pid
	require.NoError(t, cmd.Wait())
	require.False(t, proc.Alive(pid), "an exited, reaped process")
	require.True(t, proc.WaitGone(pid, time.Second))
}

func TestZombieIsGone(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("zombies are told apart through /proc")
	}
	bin, err := os.Executable()
	require.NoError(t, err)
	cmd := exec.Command(bin, "-test.run=^$")
	require.NoError(t, cmd.Start())
	defer cmd.Wait()
	require.True(t, proc.WaitGone(cmd.Process.Pid, 10*time.Second), "exited but not reaped: a zombie")
}
