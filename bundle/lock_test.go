package bundle_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/bundle"
)

const lockPath = ".rhqdeployments/.bundlekit.lock"

// holdLock writes dest's lock file as the deployer with pid on this host would.
func holdLock(t *testing.T, dest string, pid int) bundle.LockHolder {
	t.Helper()
	host, err := os.Hostname()
	require.NoError(t, err)
	h := bundle.LockHolder{PID: pid, Host: host, Since: time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)}
	data, err := json.Marshal(h)
	require.NoError(t, err)
	writeBytes(t, dest, lockPath, data)
	return h
}

// deadPID returns the pid of a process that has exited.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	require.NoError(t, cmd.Run())
	return cmd.Process.Pid
}

// TestLock: Apply takes the destination's lock; a second deployer finds it held
// by a live process and gets a *LockedError naming it, changing nothing; a lock
// left by a dead process is taken over; a dry run takes no lock.
func TestLock(t *testing.T) {
	ctx := context.Background()
	dest := filepath.Join(t.TempDir(), "app")
	_, err := bundle.Deploy(ctx, spec{Files: map[string]string{"a.txt": "1"}}.open(t), bundle.Options{Dest: dest, ID: 1})
	require.NoError(t, err)
	require.NoFileExists(t, filepath.Join(dest, lockPath), "released")
	v2 := spec{Files: map[string]string{"a.txt": "2"}}.open(t)

	for _, pid := range []int{os.Getppid(), 1} {
		holder := holdLock(t, dest, pid)
		before := snapshot(t, dest)
		plan, err := bundle.PlanDeploy(ctx, v2, bundle.Options{Dest: dest, ID: 2})
		require.NoError(t, err, "a dry run takes no lock")
		_, err = bundle.Apply(ctx, plan)
		var le *bundle.LockedError
		require.ErrorAs(t, err, &le)
		require.ErrorIs(t, err, bundle.ErrLocked)
		require.Equal(t, holder, le.Holder)
		require.Equal(t, dest, le.Dest)
		require.ErrorContains(t, err, sprintf("process %d on %s since 2024-05-01T12:00:00Z", pid, holder.Host))
		requireUnchanged(t, before, dest)

		_, err = bundle.Deploy(ctx, v2, bundle.Options{Dest: dest, ID: 2})
		require.ErrorAs(t, err, &le)
		requireUnchanged(t, before, dest)
	}

	// A lock another host holds cannot be judged stale.
	holder := holdLock(t, dest, deadPID(t))
	holder.Host += ".elsewhere"
	data, err := json.Marshal(holder)
	require.NoError(t, err)
	writeBytes(t, dest, lockPath, data)
	_, err = bundle.Deploy(ctx, v2, bundle.Options{Dest: dest, ID: 2})
	require.ErrorIs(t, err, bundle.ErrLocked)

	// A dead process's lock on this host is taken over.
	holdLock(t, dest, deadPID(t))
	_, err = bundle.Deploy(ctx, v2, bundle.Options{Dest: dest, ID: 2})
	require.NoError(t, err)
	require.Equal(t, "2", readFile(t, filepath.Join(dest, "a.txt")))
	require.NoFileExists(t, filepath.Join(dest, lockPath))
}

// TestStalePlan: a plan is applied only to the state it was made against.
func TestStalePlan(t *testing.T) {
	ctx := context.Background()
	dest := filepath.Join(t.TempDir(), "app")
	v1 := spec{Files: map[string]string{"a.txt": "1"}}.open(t)
	_, err := bundle.Deploy(ctx, v1, bundle.Options{Dest: dest, ID: 1})
	require.NoError(t, err)
	old, err := bundle.PlanDeploy(ctx, spec{Files: map[string]string{"a.txt": "2"}}.open(t), bundle.Options{Dest: dest, ID: 2})
	require.NoError(t, err)
	_, err = bundle.Deploy(ctx, spec{Files: map[string]string{"a.txt": "3"}}.open(t), bundle.Options{Dest: dest, ID: 3})
	require.NoError(t, err)
	before := snapshot(t, dest)
	_, err = bundle.Apply(ctx, old)
	require.ErrorIs(t, err, bundle.ErrStale, "a plan made against deployment 1 is not applied over deployment 3")
	requireUnchanged(t, before, dest)
}

// TestFailedApplyRollsBack: when the bundle changes between Plan and Apply, the
// write that finds other bytes than planned fails the operation (ErrStale) and
// every change is undone (R184 GO): over an existing deployment the destination is
// as it was; a first deployment leaves nothing behind.
func TestFailedApplyRollsBack(t *testing.T) {
	ctx := context.Background()
	for _, initial := range []bool{false, true} {
		t.Run(map[bool]string{true: "initial", false: "upgrade"}[initial], func(t *testing.T) {
			dest := filepath.Join(t.TempDir(), "app")
			if !initial {
				_, err := bundle.Deploy(ctx, spec{Files: map[string]string{"a.txt": "1", "b.txt": "1"}}.open(t), bundle.Options{Dest: dest, ID: 1})
				require.NoError(t, err)
				writeTree(t, dest, map[string]string{"a.txt": "edited"})
			}
			dir := t.TempDir()
			writeTree(t, dir, spec{Files: map[string]string{"a.txt": "2", "b.txt": "2", "z.txt": "2"}}.tree())
			b, err := bundle.Open(dir)
			require.NoError(t, err)
			defer b.Close()
			before := snapshot(t, filepath.Dir(dest))
			plan, err := bundle.PlanDeploy(ctx, b, bundle.Options{Dest: dest, ID: 2})
			require.NoError(t, err)
			writeTree(t, dir, map[string]string{"z.txt": "changed after the plan"})
			_, err = bundle.Apply(ctx, plan)
			require.ErrorIs(t, err, bundle.ErrStale)
			require.ErrorContains(t, err, "z.txt")
			if initial {
				require.NoDirExists(t, dest, "a failed first deployment leaves no destination behind")
			}
			requireUnchanged(t, before, filepath.Dir(dest))
		})
	}
}
