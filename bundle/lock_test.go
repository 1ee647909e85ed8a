package bundle_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/bundle"
	"github.com/bundlekit/bundlekit/fileops"
	"github.com/bundlekit/bundlekit/internal/journal"
	"github.com/bundlekit/bundlekit/internal/testtree"
)

const lockPath = ".rhqdeployments/.bundlekit.lock"

// Environment of TestLockHolderHelper.
const (
	envLockHolder = "BUNDLEKIT_LOCK_HOLDER" // the destination to lock
	lockHeldLine  = "bundlekit-lock: held"
)

// TestLockHolderHelper is the child process of TestLock: it takes a
// destination's lock, says so, and holds it until its stdin closes or it is
// killed.
func TestLockHolderHelper(t *testing.T) {
	dest := os.Getenv(envLockHolder)
	if dest == "" {
		t.Skip("the child process of TestLock")
	}
	d, err := fileops.OpenDir(dest)
	require.NoError(t, err)
	l, err := journal.Lock(context.Background(), d, 0)
	require.NoError(t, err)
	fmt.Println(lockHeldLine)
	_, _ = io.Copy(io.Discard, os.Stdin)
	require.NoError(t, l.Unlock())
}

// holdLock starts a process that holds dest's lock; release (closing its
// stdin) lets it go, kill kills it.
func holdLock(t *testing.T, dest string) (pid int, release func() error, kill func()) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestLockHolderHelper$", "-test.count=1")
	cmd.Env = append(os.Environ(), envLockHolder+"="+dest)
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, lockHeldLine+"\n", line)
	done := false
	t.Cleanup(func() {
		if !done {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	release = func() error { stdin.Close(); done = true; return cmd.Wait() }
	kill = func() { require.NoError(t, cmd.Process.Kill()); _ = cmd.Wait(); done = true }
	return cmd.Process.Pid, release, kill
}

// TestLock: Apply takes the destination's lock, a lock the kernel releases
// with its holder. A second deployer gets a *LockedError naming the holder and
// changes nothing; with LockWait it waits for the holder instead; a holder
// that was killed blocks nobody, and neither does any lock file it left; a
// dry run takes no lock.
func TestLock(t *testing.T) {
	ctx := context.Background()
	dest := filepath.Join(t.TempDir(), "app")
	_, err := bundle.Deploy(ctx, spec{Files: map[string]string{"a.txt": "1"}}.open(t), bundle.Options{Dest: dest, ID: 1})
	require.NoError(t, err)
	require.NoFileExists(t, filepath.Join(dest, lockPath), "released")
	v2 := spec{Files: map[string]string{"a.txt": "2"}}.open(t)
	host, err := os.Hostname()
	require.NoError(t, err)

	pid, release, _ := holdLock(t, dest)
	before := testtree.Snapshot(t, dest)
	plan, err := bundle.PlanDeploy(ctx, v2, bundle.Options{Dest: dest, ID: 2})
	require.NoError(t, err, "a dry run takes no lock")
	_, err = bundle.Apply(ctx, plan)
	var le *bundle.LockedError
	require.ErrorAs(t, err, &le)
	require.ErrorIs(t, err, bundle.ErrLocked)
	require.Equal(t, pid, le.Holder.PID)
	require.Equal(t, host, le.Holder.Host)
	require.Equal(t, dest, le.Dest)
	require.ErrorContains(t, err, sprintf("process %d on %s", pid, host))
	requireUnchanged(t, before, dest)
	_, err = bundle.Deploy(ctx, v2, bundle.Options{Dest: dest, ID: 2})
	require.ErrorAs(t, err, &le)
	requireUnchanged(t, before, dest)

	// With a wait, the deployment goes once the holder lets go.
	released := make(chan error)
	go func() {
		time.Sleep(200 * time.Millisecond)
		released <- release()
	}()
	_, err = bundle.Deploy(ctx, v2, bundle.Options{Dest: dest, ID: 2, LockWait: time.Minute})
	require.NoError(t, <-released, "the holder let go")
	require.NoError(t, err)
	require.Equal(t, "2", readFile(t, filepath.Join(dest, "a.txt")))

	// A killed holder blocks nobody, nor does the lock file it leaves,
	// whatever it holds.
	_, _, kill := holdLock(t, dest)
	kill()
	for _, leftover := range []string{"", "garbage", `{"pid":1,"host":"` + host + `"}`} {
		writeBytes(t, dest, lockPath, []byte(leftover))
		_, err = bundle.Deploy(ctx, spec{Files: map[string]string{"a.txt": leftover}}.open(t), bundle.Options{Dest: dest, ID: 3})
		require.NoError(t, err, "lock file %q", leftover)
		require.NoFileExists(t, filepath.Join(dest, lockPath))
	}
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
	before := testtree.Snapshot(t, dest)
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
				testtree.WriteFiles(t, dest, map[string]string{"a.txt": "edited"})
			}
			b, dir := spec{Files: map[string]string{"a.txt": "2", "b.txt": "2", "z.txt": "2"}}.openDir(t)
			before := testtree.Snapshot(t, filepath.Dir(dest))
			plan, err := bundle.PlanDeploy(ctx, b, bundle.Options{Dest: dest, ID: 2})
			require.NoError(t, err)
			testtree.WriteFiles(t, dir, map[string]string{"z.txt": "changed after the plan"})
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

// TestHoldLock: a plan made with HoldLock holds the destination's lock from
// the plan to Apply (or Close), so no other deployer changes the destination
// in between; an unfinished operation found under that lock (a deployer
// killed since the caller last looked) is recovered first and reported. A
// plan made stale without the lock is not started, and may be made again
// (issue #11: concurrent deployers).
func TestHoldLock(t *testing.T) {
	ctx := context.Background()
	dest := filepath.Join(t.TempDir(), "app")
	v1 := spec{Files: map[string]string{"a.txt": "1"}}.open(t)
	_, err := bundle.Deploy(ctx, v1, bundle.Options{Dest: dest, ID: 1})
	require.NoError(t, err)
	v2 := spec{Files: map[string]string{"a.txt": "2"}}.open(t)

	held, err := bundle.PlanDeploy(ctx, v2, bundle.Options{Dest: dest, ID: 2, HoldLock: true})
	require.NoError(t, err)
	_, err = bundle.Deploy(ctx, v1, bundle.Options{Dest: dest, ID: 3})
	require.ErrorIs(t, err, bundle.ErrLocked, "another deployer waits for the plan's holder")
	require.Equal(t, bundle.OutcomeNotStarted, bundle.OutcomeOf(err))
	_, err = bundle.Apply(ctx, held)
	require.NoError(t, err)
	require.Equal(t, "2", readFile(t, filepath.Join(dest, "a.txt")))
	require.NoFileExists(t, filepath.Join(dest, lockPath), "Apply released the lock")

	held, err = bundle.PlanDeploy(ctx, v1, bundle.Options{Dest: dest, ID: 3, HoldLock: true})
	require.NoError(t, err)
	require.NoError(t, held.Close())
	_, err = bundle.Deploy(ctx, v1, bundle.Options{Dest: dest, ID: 3})
	require.NoError(t, err, "Close released the lock")

	// A deployer killed mid-operation after this caller's recovery.
	testtree.WriteFiles(t, dest, map[string]string{
		journal.Dir + "/journal":     `{"op":"begin","kind":"deploy","id":4}` + "\n" + `{"op":"create","path":"half.txt"}` + "\n",
		journal.Dir + "/trash/.keep": "",
		"half.txt":                   "written by the process that died",
	})
	held, err = bundle.PlanDeploy(ctx, v2, bundle.Options{Dest: dest, ID: 4, HoldLock: true})
	require.NoError(t, err)
	require.Equal(t, bundle.RecoveredRolledBack, held.Recovered)
	require.NoFileExists(t, filepath.Join(dest, "half.txt"))
	_, err = bundle.Apply(ctx, held)
	require.NoError(t, err)

	// Without the lock, a plan overtaken by another deployment is refused
	// before anything changes: not started, so planning again is safe.
	stale, err := bundle.PlanDeploy(ctx, v1, bundle.Options{Dest: dest, ID: 5})
	require.NoError(t, err)
	_, err = bundle.Deploy(ctx, v1, bundle.Options{Dest: dest, ID: 5})
	require.NoError(t, err)
	before := testtree.Snapshot(t, dest)
	_, err = bundle.Apply(ctx, stale)
	require.ErrorIs(t, err, bundle.ErrStale)
	require.Equal(t, bundle.OutcomeNotStarted, bundle.OutcomeOf(err))
	requireUnchanged(t, before, dest)
}
