package bundle_test

import (
	"context"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/bundle"
)

// TestKillStoreOperations is the kill test (see TestKill) of the operations
// of issue 14, on the upgraded destination of TestKill's scene: a revert
// without the bundle and a prune are killed at every journal record; the
// next Status leaves the destination, store included, exactly as before or
// exactly as an uninterrupted run does; and after a prune to 1, killed or
// not, a revert without the bundle still works.
func TestKillStoreOperations(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("SIGKILL and the helper process are tested on Unix")
	}
	if testing.Short() {
		t.Skip("starts a process per kill point")
	}
	ctx := context.Background()
	s := newKillScene(t)
	s.deployV1AndEdit(t)
	(killChild{op: "deploy", bundle: s.v2, id: 2}).run(t, s)
	upgradedDir := filepath.Join(s.base, "upgraded")
	s.save(t, upgradedDir)
	upgraded := takeKillSnapshot(t, s)

	// The revert given v1's bundle, for comparison.
	(killChild{op: "revert", bundle: s.v1, id: 3}).run(t, s)
	withBundle := takeKillSnapshot(t, s).withoutMetadata()

	stored := killChild{op: "revert-stored", id: 3}
	s.restore(t, upgradedDir)
	_, n := stored.run(t, s)
	reverted := takeKillSnapshot(t, s)
	require.Equal(t, withBundle, reverted.withoutMetadata(), "the store rebuilds what v1's bundle gives")
	revertedDir := filepath.Join(s.base, "reverted")
	s.save(t, revertedDir)

	killSeries{name: "revert without the bundle", child: stored, points: n, from: upgradedDir, before: upgraded, after: reverted,
		check: func(t *testing.T, _ int, st bundle.StatusReport) {
			require.Equal(t, map[bool]int{false: 2, true: 3}[st.Recovered == bundle.RecoveredCompleted], st.Current.ID)
		}}.run(t, s)

	// Deployments 1, 2 and 3: keeping 1 removes deployment 1's folder,
	// deployment 2's backups, and the objects of v1 that deployment 2 kept.
	prune := killChild{op: "prune", id: 1}
	s.restore(t, revertedDir)
	_, nPrune := prune.run(t, s)
	pruned := takeKillSnapshot(t, s)
	require.NotEqual(t, reverted, pruned)
	require.NoDirExists(t, filepath.Join(s.dest, ".rhqdeployments/1"))
	require.NoDirExists(t, filepath.Join(s.dest, ".rhqdeployments/2/backup"))
	prunedDir := filepath.Join(s.base, "pruned")
	s.save(t, prunedDir)

	killSeries{name: "prune", child: prune, points: nPrune, from: revertedDir, before: reverted, after: pruned,
		check: func(t *testing.T, k int, _ bundle.StatusReport) {
			res, err := bundle.RevertStored(ctx, killOptions(s.dest, 4))
			require.NoError(t, err, "killed at %d: a revert without the bundle still works", k)
			require.Equal(t, "2.0", res.Bundle.Version)
			require.Equal(t, upgraded.withoutMetadata(), takeKillSnapshot(t, s).withoutMetadata(), "killed at %d", k)
		}}.run(t, s)
}
