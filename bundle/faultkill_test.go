package bundle_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/bundle"
	"github.com/bundlekit/bundlekit/internal/faults"
)

// The kill campaign (issue #11): TestKill stops a child process at each
// journal record; this one kills it with SIGKILL just before its k-th file
// operation (any of them, through the seam of package internal/faults: a
// write, a sync, a rename, the journal's own), over an initial deployment,
// an upgrade, a revert, a revert without the bundle, a prune and a purge. The next Recover must leave the
// destination exactly as before or exactly as after the operation. By default
// a random sample of the operations is killed (the seed is logged; set
// BUNDLEKIT_KILL_SEED to repeat it); -faults=all kills at every one.

// Environment of the child process (TestKillAnywhereHelper).
const (
	envAnyHelper = "BUNDLEKIT_KILLANY_HELPER"
	envAnyOp     = "BUNDLEKIT_KILLANY_OP" // deploy, revert, revert-stored, prune or purge
	envAnyBundle = "BUNDLEKIT_KILLANY_BUNDLE"
	envAnyDest   = "BUNDLEKIT_KILLANY_DEST"
	envAnyID     = "BUNDLEKIT_KILLANY_ID"
	envAnyAt     = "BUNDLEKIT_KILLANY_AT" // kill before this file operation; 0 runs to the end
	envKillSeed  = "BUNDLEKIT_KILL_SEED"

	killOpsLine = "bundlekit-killany: ops "
)

// killSample is how many kill points of each operation the default run
// takes.
const killSample = 8

// TestKillAnywhereHelper is the child process of TestKillAnywhere: it runs
// one operation and kills itself with SIGKILL just before its k-th file
// operation.
func TestKillAnywhereHelper(t *testing.T) {
	if os.Getenv(envAnyHelper) != "1" {
		t.Skip("the child process of TestKillAnywhere")
	}
	at, err := strconv.Atoi(os.Getenv(envAnyAt))
	require.NoError(t, err)
	id, err := strconv.Atoi(os.Getenv(envAnyID))
	require.NoError(t, err)
	var n atomic.Int64
	faults.Set(func(faults.Op) error {
		if int(n.Add(1)) == at {
			if self, err := os.FindProcess(os.Getpid()); err == nil {
				_ = self.Kill() // SIGKILL on Unix
			}
			time.Sleep(time.Hour) // the signal is on its way
		}
		return nil
	})
	defer faults.Set(nil)

	ctx := context.Background()
	dest := os.Getenv(envAnyDest)
	open := func() *bundle.Bundle {
		b, err := bundle.Open(context.Background(), os.Getenv(envAnyBundle))
		require.NoError(t, err)
		return b
	}
	switch op := os.Getenv(envAnyOp); op {
	case "deploy":
		_, err = bundle.Deploy(ctx, open(), killOptions(dest, id))
	case "revert":
		_, err = bundle.Revert(ctx, open(), killOptions(dest, id))
	case "purge":
		_, err = bundle.Purge(ctx, dest, bundle.PurgeOptions{})
	case "revert-stored":
		_, err = bundle.RevertStored(ctx, killOptions(dest, id))
	case "prune": // the id is how many deployments to keep
		_, err = bundle.Prune(ctx, dest, bundle.PruneOptions{Keep: id})
	default:
		t.Fatalf("unknown operation %q", op)
	}
	require.NoError(t, err)
	fmt.Printf("%s%d\n", killOpsLine, n.Load())
}

// killAnyChild runs the child and reports whether it was killed.
func killAnyChild(t *testing.T, s *killScene, op, bundleDir string, id, at int) (killed bool, ops int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestKillAnywhereHelper$", "-test.count=1", "-test.timeout=5m")
	cmd.Env = append(os.Environ(), envAnyHelper+"=1", envAnyOp+"="+op, envAnyBundle+"="+bundleDir, envAnyDest+"="+s.dest,
		envAnyID+"="+strconv.Itoa(id), envAnyAt+"="+strconv.Itoa(at), "TMPDIR="+s.tmp)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			return true, 0
		}
	}
	require.NoError(t, err, "child:\n%s%s", stdout.String(), stderr.String())
	for line := range strings.Lines(stdout.String()) {
		if n, ok := strings.CutPrefix(strings.TrimSpace(line), killOpsLine); ok {
			ops, err = strconv.Atoi(n)
			require.NoError(t, err)
		}
	}
	return false, ops
}

func TestKillAnywhere(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("SIGKILL and the helper process are tested on Linux")
	}
	if testing.Short() {
		t.Skip("starts a process per kill point")
	}
	all := faultsAll()
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv(envKillSeed); s != "" {
		var err error
		seed, err = strconv.ParseUint(s, 10, 64)
		require.NoError(t, err)
	}
	t.Logf("kill points sampled with %s=%d", envKillSeed, seed)
	rng := rand.New(rand.NewPCG(seed, 0))

	memoryTempDir(t)
	s := newKillScene(t)
	scenarios := newFaultScenarios(t, s)
	children := map[string]struct {
		op, bundle string
		id         int
	}{
		"initial deployment":        {"deploy", s.v1, 1},
		"upgrade":                   {"deploy", s.v2, 2},
		"revert":                    {"revert", s.v1, 3},
		"revert without the bundle": {"revert-stored", "", 3},
		"prune":                     {"prune", "", 1},
		"purge":                     {"purge", "", 0},
	}
	total := 0
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			child := children[sc.name]
			s.restore(t, sc.from)
			killed, n := killAnyChild(t, s, child.op, child.bundle, child.id, 0)
			require.False(t, killed)
			require.Greater(t, n, 10)
			require.Equal(t, sc.after, takeKillSnapshot(t, s), "the child's uninterrupted run")
			points := rng.Perm(n)[:min(n, killSample)]
			if all {
				points = rng.Perm(n)
			}
			st := newFaultStats()
			outcomes := map[bundle.Recovery]int{}
			for _, p := range points {
				k := p + 1
				s.restore(t, sc.from)
				killed, _ := killAnyChild(t, s, child.op, child.bundle, child.id, k)
				require.True(t, killed, "%s: the child reached operation %d", sc.name, k)
				what := fmt.Sprintf("%s, killed before file operation %d of %d", sc.name, k, n)
				rec, err := bundle.Recover(context.Background(), s.dest, bundle.RecoverOptions{})
				require.NoError(t, err, what)
				outcomes[rec]++
				completed := rec == bundle.RecoveredCompleted
				if rec == bundle.RecoveredNothing {
					// Killed before its journal was made, or after it was
					// removed: either state, but one of them.
					diff, _ := sc.stateDiff(t, s, false, nil)
					completed = diff != ""
				}
				sc.requireState(t, s, what+", recovered: "+string(rec), completed, nil, st)
				requireNoTempFiles(t, s.base)
				if sc.edits {
					requireKillEdits(t, s, completed)
				}
				status, err := bundle.Status(context.Background(), s.dest)
				require.NoError(t, err, what)
				managed, id := sc.managedBefore, sc.idBefore
				if completed {
					managed, id = sc.managedAfter, sc.idAfter
				}
				require.Equal(t, managed, status.Managed, what)
				if managed {
					require.Equal(t, id, status.Current.ID, what)
				}
			}
			total += len(points)
			t.Logf("%s: %d file operations, %d kill points; Recover: rolled back %d, completed %d, nothing pending %d%s",
				sc.name, n, len(points), outcomes[bundle.RecoveredRolledBack], outcomes[bundle.RecoveredCompleted],
				outcomes[bundle.RecoveredNothing], leftovers(st))
		})
	}
	t.Logf("%d kill points over the %d operations", total, len(scenarios))
}

func leftovers(st *faultStats) string {
	var b strings.Builder
	for k, v := range st.leftovers {
		fmt.Fprintf(&b, "; %s: %d", k, v)
	}
	return b.String()
}
