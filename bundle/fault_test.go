package bundle_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/bundle"
	"github.com/bundlekit/bundlekit/internal/faults"
	"github.com/bundlekit/bundlekit/internal/journal"
)

// The fault campaign (issue #11): every file operation of a deployment, an
// upgrade over local edits, a revert and a purge of the kill test's bundle
// (raw files, an exploded archive with realized templates, a compressed
// archive, external files, local edits, ignored files) is made to fail in
// turn, through the seam of package internal/faults, with ENOSPC, EIO, EACCES
// and EROFS; then a second fault is added during the rollback. Each trial
// checks that the destination is exactly the old or the new deployment (or,
// when the outcome is needs-recovery, that Recover makes it so), that the
// metadata can be read, that no temporary file survives, and that the outcome
// reported matches the disk.
//
// By default a sample runs (every faultStride-th operation, one errno in
// turn, and the operations around the commit record); -faults=all (or
// BUNDLEKIT_FAULTS=all) runs every operation with every errno, and every
// second fault after every first one.
var faultMode = flag.String("faults", "", `fault campaigns: "all" runs every trial (minutes); default: a sample`)

func faultsAll() bool { return *faultMode == "all" || os.Getenv("BUNDLEKIT_FAULTS") == "all" }

// faultStride samples the operations of the default campaign.
const faultStride = 7

var faultErrnos = []syscall.Errno{syscall.ENOSPC, syscall.EIO, syscall.EACCES, syscall.EROFS}

// injector is the faults hook of one run: it counts the file operations,
// fails the at-th one with errno and, when second > 0, the second-th one
// after it with errno2. It records every operation when record is set.
type injector struct {
	at, second    int
	errno, errno2 syscall.Errno
	record        bool

	mu       sync.Mutex
	n        int         // operations seen
	hit      bool        // the first fault happened
	after    int         // operations seen after it
	first    faults.Op   // the operation that failed
	secondOp faults.Op   // the one that failed second
	ops      []faults.Op // every operation (record)
}

func (in *injector) hook(op faults.Op) error {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.n++
	if in.record {
		in.ops = append(in.ops, op)
	}
	if in.hit {
		in.after++
		if in.after == in.second {
			in.secondOp = op
			return in.errno2
		}
		return nil
	}
	if in.n == in.at {
		in.hit, in.first = true, op
		return in.errno
	}
	return nil
}

// faultScenario is one operation of the campaign, from the tree saved in
// from: its result is exactly before (nothing changed) or after (completed).
type faultScenario struct {
	name          string
	from          string
	before, after killSnapshot
	// afterAlt is another completed state: a full purge whose destination
	// directory could not be removed leaves it, empty.
	afterAlt killSnapshot
	run      func() (*bundle.Result, error)
	// managed and ids: the current deployment before and after.
	managedBefore, managedAfter bool
	idBefore, idAfter           int
	edits                       bool // the upgrade: requireKillEdits
}

// faultStats counts the trials of a campaign.
type faultStats struct {
	trials   int
	outcomes map[bundle.Outcome]int
	errnos   map[syscall.Errno]int
	// recovered counts the needs-recovery trials by what Recover did.
	recovered map[bundle.Recovery]int
	// leftovers counts what a trial left beyond the old or new tree that
	// the contract allows (an empty metadata folder, an empty destination).
	leftovers map[string]int
}

func newFaultStats() *faultStats {
	return &faultStats{outcomes: map[bundle.Outcome]int{}, errnos: map[syscall.Errno]int{},
		recovered: map[bundle.Recovery]int{}, leftovers: map[string]int{}}
}

func (st *faultStats) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d trials; outcomes", st.trials)
	for _, o := range slices.Sorted(maps.Keys(st.outcomes)) {
		fmt.Fprintf(&b, " %s %d", o, st.outcomes[o])
	}
	b.WriteString("; errnos")
	for _, e := range faultErrnos {
		if n := st.errnos[e]; n > 0 {
			fmt.Fprintf(&b, " %s %d", errnoName(e), n)
		}
	}
	if len(st.recovered) > 0 {
		b.WriteString("; Recover after needs-recovery:")
		for _, r := range slices.Sorted(maps.Keys(st.recovered)) {
			fmt.Fprintf(&b, " %s %d", r, st.recovered[r])
		}
	}
	for _, l := range slices.Sorted(maps.Keys(st.leftovers)) {
		fmt.Fprintf(&b, "; %s: %d", l, st.leftovers[l])
	}
	return b.String()
}

func errnoName(e syscall.Errno) string {
	switch e {
	case syscall.ENOSPC:
		return "ENOSPC"
	case syscall.EIO:
		return "EIO"
	case syscall.EACCES:
		return "EACCES"
	case syscall.EROFS:
		return "EROFS"
	}
	return e.Error()
}

// newFaultScenarios builds the four operations of the campaign on the kill
// test's scene, in this process, and saves the trees they start from.
func newFaultScenarios(t *testing.T, s *killScene) []*faultScenario {
	t.Helper()
	ctx := context.Background()
	save := func(name string) string {
		dir := filepath.Join(s.base, "saved", name)
		s.save(t, dir)
		return dir
	}
	open := func(dir string) *bundle.Bundle {
		b, err := bundle.Open(context.Background(), dir)
		require.NoError(t, err)
		t.Cleanup(func() { b.Close() })
		return b
	}
	v1, v2 := open(s.v1), open(s.v2)

	// A first deployment into a directory that holds unrelated files (R58).
	for name, body := range map[string]string{"index.html": "old site\n", "old/site/page.html": "old page\n"} {
		p := filepath.Join(s.dest, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
	}
	initial := &faultScenario{name: "initial deployment", from: save("unmanaged"), before: takeKillSnapshot(t, s),
		run:     func() (*bundle.Result, error) { return bundle.Deploy(ctx, v1, killOptions(s.dest, 1)) },
		idAfter: 1, managedAfter: true}
	_, err := initial.run()
	require.NoError(t, err)
	initial.after = takeKillSnapshot(t, s)

	require.NoError(t, os.RemoveAll(s.dest))
	require.NoError(t, os.RemoveAll(s.ext))
	s.deployV1AndEdit(t)
	upgrade := &faultScenario{name: "upgrade", from: save("before"), before: takeKillSnapshot(t, s),
		run:           func() (*bundle.Result, error) { return bundle.Deploy(ctx, v2, killOptions(s.dest, 2)) },
		managedBefore: true, managedAfter: true, idBefore: 1, idAfter: 2, edits: true}
	_, err = upgrade.run()
	require.NoError(t, err)
	upgrade.after = takeKillSnapshot(t, s)
	afterDir := save("after")

	revert := &faultScenario{name: "revert", from: afterDir, before: upgrade.after,
		run:           func() (*bundle.Result, error) { return bundle.Revert(ctx, v1, killOptions(s.dest, 3)) },
		managedBefore: true, managedAfter: true, idBefore: 2, idAfter: 3}
	_, err = revert.run()
	require.NoError(t, err)
	revert.after = takeKillSnapshot(t, s)
	revertedDir := save("reverted")

	// Issue 14: the revert without the bundle, and a prune to 1 of the
	// three deployments.
	s.restore(t, afterDir)
	stored := &faultScenario{name: "revert without the bundle", from: afterDir, before: upgrade.after,
		run:           func() (*bundle.Result, error) { return bundle.RevertStored(ctx, killOptions(s.dest, 3)) },
		managedBefore: true, managedAfter: true, idBefore: 2, idAfter: 3}
	_, err = stored.run()
	require.NoError(t, err)
	stored.after = takeKillSnapshot(t, s)
	s.restore(t, revertedDir)
	prune := &faultScenario{name: "prune", from: revertedDir, before: revert.after,
		run: func() (*bundle.Result, error) {
			rep, err := bundle.Prune(ctx, s.dest, bundle.PruneOptions{Keep: 1})
			if rep == nil {
				return nil, err
			}
			return &bundle.Result{Outcome: bundle.OutcomeOf(err), Warnings: rep.Warnings}, err
		},
		managedBefore: true, managedAfter: true, idBefore: 3, idAfter: 3}
	_, err = prune.run()
	require.NoError(t, err)
	prune.after = takeKillSnapshot(t, s)

	s.restore(t, afterDir)
	purge := &faultScenario{name: "purge", from: afterDir, before: upgrade.after,
		run:           func() (*bundle.Result, error) { return bundle.Purge(ctx, s.dest, bundle.PurgeOptions{}) },
		managedBefore: true, idBefore: 2}
	_, err = purge.run()
	require.NoError(t, err)
	purge.after = takeKillSnapshot(t, s)
	require.NoDirExists(t, s.dest, "R138: a full purge removes the destination")
	purge.afterAlt = maps.Clone(purge.after)
	purge.afterAlt["app"] = upgrade.after["app"]
	return []*faultScenario{initial, upgrade, revert, stored, prune, purge}
}

// count runs the scenario without a fault and returns its file operations.
func (sc *faultScenario) count(t *testing.T, s *killScene) []faults.Op {
	t.Helper()
	s.restore(t, sc.from)
	in := &injector{record: true}
	faults.Set(in.hook)
	_, err := sc.run()
	faults.Set(nil)
	require.NoError(t, err)
	require.Equal(t, sc.after, takeKillSnapshot(t, s))
	return in.ops
}

// trial runs the scenario with in's faults and checks the invariant; it
// returns the outcome.
func (sc *faultScenario) trial(t *testing.T, s *killScene, in *injector, st *faultStats) bundle.Outcome {
	t.Helper()
	s.restore(t, sc.from)
	faults.Set(in.hook)
	res, err := sc.run()
	faults.Set(nil)
	what := fmt.Sprintf("%s, fault %d (%s on %s)", sc.name, in.at, errnoName(in.errno), in.first)
	if in.second > 0 {
		what += fmt.Sprintf(", then fault %d after it (%s on %s)", in.second, errnoName(in.errno2), in.secondOp)
	}
	outcome := bundle.OutcomeOf(err)
	if res != nil {
		require.Equal(t, outcome, res.Outcome, "%s: the Result and the error agree", what)
	}
	if err != nil {
		var oe *bundle.OperationError
		require.ErrorAs(t, err, &oe, "%s: %v", what, err)
		if !errors.Is(err, in.errno) && (in.second == 0 || !errors.Is(err, in.errno2)) {
			t.Fatalf("%s: the error does not name the fault: %v", what, err)
		}
		nothing := strings.Contains(err.Error(), "nothing was changed")
		require.Equal(t, outcome == bundle.OutcomeNotStarted || outcome == bundle.OutcomeRolledBack, nothing,
			"%s: %q says nothing was changed only when it is true", what, err)
		if outcome == bundle.OutcomeNeedsRecovery {
			require.Contains(t, err.Error(), bundle.RecoverCommand(s.dest), what)
		}
	}
	st.trials++
	st.outcomes[outcome]++
	st.errnos[in.errno]++

	journalFile := filepath.Join(s.dest, filepath.FromSlash(journal.Dir), "journal")
	_, jerr := os.Lstat(journalFile)
	pending := jerr == nil
	completed := false
	switch outcome {
	case bundle.OutcomeNotStarted, bundle.OutcomeRolledBack:
		require.False(t, pending, "%s: %s leaves no journal", what, outcome)
		sc.requireState(t, s, what, false, nil, st)
	case bundle.OutcomeCompleted:
		sc.requireState(t, s, what, true, res, st)
		if pending {
			// Cleaning up after the commit failed; a warning says so, and
			// the next run finishes it.
			require.NotEmpty(t, res.Warnings, "%s: a journal left after completing is reported", what)
			rec, err := bundle.Recover(context.Background(), s.dest, bundle.RecoverOptions{})
			require.NoError(t, err, what)
			require.Equal(t, bundle.RecoveredCompleted, rec, what)
			st.leftovers["completed, clean-up left to the next run"]++
		}
		completed = true
	case bundle.OutcomeNeedsRecovery:
		require.True(t, pending, "%s: needs-recovery leaves the journal", what)
		rec, err := bundle.Recover(context.Background(), s.dest, bundle.RecoverOptions{})
		require.NoError(t, err, "%s: Recover after needs-recovery", what)
		st.recovered[rec]++
		completed = rec == bundle.RecoveredCompleted
		sc.requireState(t, s, what+", recovered: "+string(rec), completed, nil, st)
	default:
		t.Fatalf("%s: outcome %q (%v)", what, outcome, err)
	}
	requireNoTempFiles(t, s.base)
	if sc.edits {
		requireKillEdits(t, s, completed)
	}
	// The metadata is readable, in RHQ's format, and names the deployment
	// the tree is.
	status, err := bundle.Status(context.Background(), s.dest)
	require.NoError(t, err, what)
	require.Empty(t, status.Recovered, "%s: nothing left to recover", what)
	managed, id := sc.managedBefore, sc.idBefore
	if completed {
		managed, id = sc.managedAfter, sc.idAfter
	}
	require.Equal(t, managed, status.Managed, what)
	if managed {
		require.Equal(t, id, status.Current.ID, what)
	}
	return outcome
}

// requireState checks that the tree is exactly the old one (or, with
// completed, the new one, but for the external files res reports it could
// not remove: R138). Two traces beyond it are what the contract allows and
// are counted: a metadata folder holding nothing but bundlekit's own files (a
// lock file that could not be removed: the lock is the kernel's, the file
// harmless), and a fully purged destination's own directory, empty.
func (sc *faultScenario) requireState(t *testing.T, s *killScene, what string, completed bool, res *bundle.Result, st *faultStats) {
	t.Helper()
	diff, traces := sc.stateDiff(t, s, completed, res)
	if diff != "" {
		t.Fatalf("%s: the destination is neither as before nor as after (-want +got):\n%s", what, diff)
	}
	for _, tr := range traces {
		st.leftovers[tr]++
	}
}

// stateDiff compares the tree with the old one (or the new one) as
// requireState does: it returns the difference ("" when they match) and the
// traces allowed that it found.
func (sc *faultScenario) stateDiff(t *testing.T, s *killScene, completed bool, res *bundle.Result) (string, []string) {
	t.Helper()
	var traces []string
	want, alt := sc.before, killSnapshot(nil)
	if completed {
		want, alt = sc.after, sc.afterAlt
	}
	if res != nil && len(res.Differences.Errors) > 0 {
		want, alt = maps.Clone(want), maps.Clone(alt)
		for p := range res.Differences.Errors {
			rel, err := filepath.Rel(s.base, filepath.FromSlash(p))
			require.NoError(t, err)
			rel = filepath.ToSlash(rel)
			if !strings.HasPrefix(rel, "ext/") {
				return fmt.Sprintf("only an external file's removal is reported, not fatal (R138), not %s", p), nil
			}
			want[rel] = sc.before[rel]
			if alt != nil {
				alt[rel] = sc.before[rel]
			}
		}
		traces = append(traces, "completed, an external file reported as not removed (R138)")
	}
	now := takeKillSnapshot(t, s)
	if cmp.Equal(want, now) {
		return "", traces
	}
	if _, ok := now["app/.rhqdeployments"]; ok && !hasUnder(now, "app/.rhqdeployments/") {
		if _, wanted := want["app/.rhqdeployments"]; !wanted {
			delete(now, "app/.rhqdeployments")
			traces = append(traces, "empty metadata folder (or one with a stale lock file) left")
		}
	}
	switch {
	case cmp.Equal(want, now):
		return "", traces
	case alt != nil && cmp.Equal(alt, now):
		return "", append(traces, "purged destination directory left, empty")
	}
	return cmp.Diff(want, now), nil
}

func hasUnder(sn killSnapshot, prefix string) bool {
	for k := range sn {
		if strings.HasPrefix(k, prefix) {
			return true
		}
	}
	return false
}

// commitOps returns the indexes (1-based) of the operations that write and
// sync the commit record: the last write of the journal and its sync.
func commitOps(ops []faults.Op) []int {
	var out []int
	for i := len(ops) - 1; i >= 0 && len(out) < 2; i-- {
		if strings.HasSuffix(ops[i].Path, filepath.FromSlash(journal.Dir+"/journal")) && (ops[i].Kind == "write" || ops[i].Kind == "fdatasync") {
			out = append(out, i+1)
		}
	}
	return out
}

// memoryTempDir puts the test's temporary directories in memory (tmpfs) where
// the system has one: a campaign makes thousands of syncs, which the faults it
// injects make no less real, and on a disk they take most of its time.
func memoryTempDir(t *testing.T) {
	t.Helper()
	probe, err := os.MkdirTemp("/dev/shm", "bundlekit-probe-")
	if err != nil {
		return // no tmpfs there, or not ours to write
	}
	if err := os.Remove(probe); err == nil {
		t.Setenv("TMPDIR", "/dev/shm")
	}
}

// TestFaults is the single-fault and double-fault campaign.
func TestFaults(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the campaign's errnos and scenes are Linux's")
	}
	all := faultsAll()
	memoryTempDir(t)
	s := newKillScene(t)
	scenarios := newFaultScenarios(t, s)
	total := newFaultStats()
	double := newFaultStats()
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			ops := sc.count(t, s)
			n := len(ops)
			require.Greater(t, n, 10)
			commit := commitOps(ops)
			require.Len(t, commit, 2, "the commit record is written and synced")
			st := newFaultStats()
			// after[k] is how many operations followed the fault at k:
			// where the second faults go.
			after := map[int]int{}
			for k := 1; k <= n; k++ {
				sampled := k%faultStride == 0 || k == n || k == 1 || slices.Contains(commit, k)
				if !all && !sampled {
					continue
				}
				errnos := faultErrnos
				if !all {
					errnos = []syscall.Errno{faultErrnos[(k/faultStride)%len(faultErrnos)]}
				}
				for _, e := range errnos {
					in := &injector{at: k, errno: e}
					sc.trial(t, s, in, st)
					after[k] = in.after
				}
			}
			kinds := map[string]int{}
			for _, op := range ops {
				kinds[op.Kind]++
			}
			t.Logf("%s: %d file operations %v; single faults: %v", sc.name, n, kinds, st)
			total.add(st)

			// Double faults: a second fault after the first, at every
			// operation that followed it (all) or at a sample of them.
			dst := newFaultStats()
			for k := 1; k <= n; k++ {
				if !all && k%(faultStride*5) != 0 && !slices.Contains(commit, k) {
					continue
				}
				for m := 1; m <= after[k]; m++ {
					if !all && m%10 != 1 && m != after[k] {
						continue
					}
					e := faultErrnos[(k+m)%len(faultErrnos)]
					in := &injector{at: k, errno: e, second: m, errno2: faultErrnos[m%len(faultErrnos)]}
					sc.trial(t, s, in, dst)
				}
			}
			t.Logf("%s: double faults: %v", sc.name, dst)
			double.add(dst)
		})
	}
	t.Logf("single faults, all operations: %v", total)
	t.Logf("double faults, all operations: %v", double)
}

func (st *faultStats) add(o *faultStats) {
	st.trials += o.trials
	for k, v := range o.outcomes {
		st.outcomes[k] += v
	}
	for k, v := range o.errnos {
		st.errnos[k] += v
	}
	for k, v := range o.recovered {
		st.recovered[k] += v
	}
	for k, v := range o.leftovers {
		st.leftovers[k] += v
	}
}

// faultAt returns the 1-based index of the nth operation (from the end when
// nth < 0) for which match holds.
func faultAt(t *testing.T, ops []faults.Op, nth int, match func(faults.Op) bool) int {
	t.Helper()
	var idx []int
	for i, op := range ops {
		if match(op) {
			idx = append(idx, i+1)
		}
	}
	if nth < 0 {
		nth += len(idx) + 1
	}
	require.True(t, nth >= 1 && nth <= len(idx), "operation %d of %d matching", nth, len(idx))
	return idx[nth-1]
}

func isJournal(kind string) func(faults.Op) bool {
	return func(op faults.Op) bool {
		return op.Kind == kind && strings.HasSuffix(op.Path, filepath.FromSlash(journal.Dir+"/journal"))
	}
}

// TestFaultRegressions: the bugs the campaign (and reading for it) found, one
// case each (issue #11).
func TestFaultRegressions(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the errnos are Linux's")
	}
	memoryTempDir(t)
	s := newKillScene(t)
	scenarios := newFaultScenarios(t, s)
	byName := map[string]*faultScenario{}
	opsOf := map[string][]faults.Op{}
	for _, sc := range scenarios {
		byName[sc.name] = sc
		opsOf[sc.name] = sc.count(t, s)
	}
	isCommitSync := func(name string) int { return faultAt(t, opsOf[name], -1, isJournal("fdatasync")) }

	// An EIO from the sync of the commit record late in an upgrade left the
	// destination upgraded while the error said that nothing was changed:
	// the record was written, so the undo completed the operation. It is
	// committed: the outcome is completed, and a warning says what is not
	// certain.
	t.Run("upgrade, EIO syncing the commit record", func(t *testing.T) {
		sc := byName["upgrade"]
		s.restore(t, sc.from)
		faults.Set((&injector{at: isCommitSync(sc.name), errno: syscall.EIO}).hook)
		res, err := sc.run()
		faults.Set(nil)
		require.NoError(t, err)
		require.Equal(t, bundle.OutcomeCompleted, res.Outcome)
		require.Contains(t, strings.Join(res.Warnings, "\n"), "commit record could not be made durable")
		require.Equal(t, sc.after, takeKillSnapshot(t, s))
	})

	// The same during a full purge removed every file and the metadata, said
	// nothing was changed, and left a destination the next purge refused as
	// not managed. Now the purge completes, destination included.
	t.Run("purge, ENOSPC syncing the commit record", func(t *testing.T) {
		sc := byName["purge"]
		s.restore(t, sc.from)
		faults.Set((&injector{at: isCommitSync(sc.name), errno: syscall.ENOSPC}).hook)
		res, err := sc.run()
		faults.Set(nil)
		require.NoError(t, err)
		require.Equal(t, bundle.OutcomeCompleted, res.Outcome)
		require.NoDirExists(t, s.dest, "R138: a full purge removes the destination")
		require.Equal(t, sc.after, takeKillSnapshot(t, s))
	})

	// A journal whose first record could not be written (or whose folder
	// could not be synced) stayed behind, pending, while the operation had
	// not started. The begin record is written, not synced: its sync, and
	// the folder's, are the first record's that a change needs, and a
	// failure there takes back what the phase had begun.
	for _, c := range []struct {
		kind    string
		nth     int
		outcome bundle.Outcome
	}{{"fsync", 1, bundle.OutcomeRolledBack}, {"write", 1, bundle.OutcomeNotStarted}, {"fdatasync", 1, bundle.OutcomeRolledBack}} {
		t.Run("initial deployment, EROFS at the journal's "+c.kind, func(t *testing.T) {
			sc := byName["initial deployment"]
			s.restore(t, sc.from)
			at := faultAt(t, opsOf[sc.name], c.nth, func(op faults.Op) bool {
				inJournal := strings.Contains(op.Path, filepath.FromSlash(journal.Dir+"/")) || strings.HasSuffix(op.Path, filepath.FromSlash(journal.Dir))
				return op.Kind == c.kind && inJournal
			})
			faults.Set((&injector{at: at, errno: syscall.EROFS}).hook)
			_, err := sc.run()
			faults.Set(nil)
			require.ErrorIs(t, err, syscall.EROFS)
			require.Equal(t, c.outcome, bundle.OutcomeOf(err), "%v", err)
			require.Equal(t, sc.before, takeKillSnapshot(t, s))
			require.NoDirExists(t, filepath.Join(s.dest, ".rhqdeployments"), "no journal, no metadata folder")
		})
	}

	// A first deployment into a directory that did not exist, whose begin
	// failed, left the directories it had made.
	t.Run("initial deployment into a new directory, EACCES creating the lock file", func(t *testing.T) {
		v1, err := bundle.Open(context.Background(), s.v1)
		require.NoError(t, err)
		defer v1.Close()
		dest := filepath.Join(s.base, "new", "deep", "app")
		faults.Set(func(op faults.Op) error {
			if op.Kind == "open" && strings.HasSuffix(op.Path, ".bundlekit.lock") {
				return syscall.EACCES
			}
			return nil
		})
		_, err = bundle.Deploy(context.Background(), v1, killOptions(dest, 1))
		faults.Set(nil)
		require.ErrorIs(t, err, syscall.EACCES)
		require.Equal(t, bundle.OutcomeNotStarted, bundle.OutcomeOf(err))
		require.NoDirExists(t, filepath.Join(s.base, "new"))
	})

	// A failed undo was reported as "(the next run recovers them)", without
	// the command; the outcome now says needs-recovery and names it, and
	// Recover finishes the undo.
	t.Run("upgrade, ENOSPC, then EIO truncating the journal while undoing", func(t *testing.T) {
		sc := byName["upgrade"]
		s.restore(t, sc.from)
		in := &injector{at: faultAt(t, opsOf[sc.name], 1, func(op faults.Op) bool { return op.Kind == "create" }),
			errno: syscall.ENOSPC, second: 1, errno2: syscall.EIO}
		faults.Set(func(op faults.Op) error {
			if in.hit && !(op.Kind == "truncate") {
				return nil // the second fault is the first truncation
			}
			return in.hook(op)
		})
		_, err := sc.run()
		faults.Set(nil)
		var oe *bundle.OperationError
		require.ErrorAs(t, err, &oe)
		require.Equal(t, bundle.OutcomeNeedsRecovery, oe.Outcome)
		require.ErrorIs(t, oe.Undo, syscall.EIO)
		require.Equal(t, bundle.RecoverCommand(s.dest), oe.Recovery)
		require.ErrorContains(t, err, "run `deployer recover --dest "+s.dest+"`")
		require.NotContains(t, err.Error(), "nothing was changed")
		rec, err := bundle.Recover(context.Background(), s.dest, bundle.RecoverOptions{})
		require.NoError(t, err)
		require.Equal(t, bundle.RecoveredRolledBack, rec)
		require.Equal(t, sc.before, takeKillSnapshot(t, s))
		requireNoTempFiles(t, s.base)
	})
}

// TestPreinstallUndoFails: a failed preinstall target's error said "nothing
// was changed" even when undoing the transaction failed.
func TestPreinstallUndoFails(t *testing.T) {
	dest := filepath.Join(t.TempDir(), "app")
	b := openBundle(t, map[string]string{"a.txt": "A", "deploy.xml": `<project name="p" xmlns:rhq="antlib:org.rhq.bundle">
  <rhq:bundle name="app" version="1">
    <rhq:deployment-unit name="u" preinstallTarget="pre"><rhq:file name="a.txt"/></rhq:deployment-unit>
  </rhq:bundle>
  <target name="pre"><fail message="database not reachable"/></target>
</project>`})
	faults.Set(func(op faults.Op) error {
		if op.Kind == "truncate" {
			return syscall.EIO
		}
		return nil
	})
	_, err := bundle.Deploy(context.Background(), b, bundle.Options{Dest: dest, ID: 1})
	faults.Set(nil)
	var he *bundle.HookError
	require.ErrorAs(t, err, &he)
	require.Equal(t, bundle.OutcomeNeedsRecovery, bundle.OutcomeOf(err))
	require.NotContains(t, err.Error(), "nothing was changed")
	rec, err := bundle.Recover(context.Background(), dest, bundle.RecoverOptions{})
	require.NoError(t, err)
	require.Equal(t, bundle.RecoveredRolledBack, rec)
	require.NoFileExists(t, filepath.Join(dest, "a.txt"))
}
