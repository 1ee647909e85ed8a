package bundle_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/bundle"
	"github.com/bundlekit/bundlekit/internal/metadata"
	"github.com/bundlekit/bundlekit/internal/testtree"
)

// fiveDeployments deploys versions 1 to 5 of an app to a new destination:
// each changes a (kept in the store by the next one) and conf, which the
// operator edits after each deployment (backed up by the next one), and
// leaves b alone.
func fiveDeployments(t *testing.T) string {
	t.Helper()
	dest := filepath.Join(t.TempDir(), "app")
	for i := 1; i <= 5; i++ {
		v := strconv.Itoa(i)
		deploySpec(t, spec{Version: v, Files: map[string]string{"a": "a" + v, "b": "b", "conf": "conf " + v}}, dest, i, nil)
		testtree.WriteFiles(t, dest, map[string]string{"conf": "edited " + v})
	}
	return dest
}

// metadataBytes is the size of the files in dest's metadata folder.
func metadataBytes(t *testing.T, dest string) int64 {
	t.Helper()
	var n int64
	err := filepath.WalkDir(filepath.Join(dest, metadata.Dir), func(p string, e fs.DirEntry, err error) error {
		if err != nil || !e.Type().IsRegular() {
			return err
		}
		fi, err := e.Info()
		n += fi.Size()
		return err
	})
	require.NoError(t, err)
	return n
}

// TestPrune: a prune keeps exactly what it promises — the Keep newest
// deployments whole, the record of the one a revert goes back to, the
// objects the kept records name — frees the bytes it reports, leaves
// metadata RHQ reads, and a revert without the bundle still works after
// pruning to 1. A dry run reports the same and changes nothing.
func TestPrune(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		keep          int
		kept          []int
		keptForRevert *int
		removed       []string
		objects       []string // the contents of the objects that stay
	}{
		{keep: 5, kept: []int{5, 4, 3, 2, 1}, removed: []string{}, objects: []string{"a1", "a2", "a3", "a4"}},
		{keep: 9, kept: []int{5, 4, 3, 2, 1}, removed: []string{}, objects: []string{"a1", "a2", "a3", "a4"}},
		{keep: 2, kept: []int{5, 4}, removed: []string{".rhqdeployments/3", ".rhqdeployments/2", ".rhqdeployments/1"}, objects: []string{"a3", "a4"}},
		{keep: 1, kept: []int{5}, keptForRevert: ptr(4),
			removed: []string{".rhqdeployments/4/backup", ".rhqdeployments/3", ".rhqdeployments/2", ".rhqdeployments/1"}, objects: []string{"a4"}},
	} {
		t.Run("keep "+strconv.Itoa(tc.keep), func(t *testing.T) {
			dest := fiveDeployments(t)
			before := testtree.Snapshot(t, dest)
			dry, err := bundle.Prune(ctx, dest, bundle.PruneOptions{Keep: tc.keep, DryRun: true})
			require.NoError(t, err)
			requireUnchanged(t, before, dest)
			require.True(t, dry.DryRun)

			size := metadataBytes(t, dest)
			rep, err := bundle.Prune(ctx, dest, bundle.PruneOptions{Keep: tc.keep})
			require.NoError(t, err)
			require.False(t, rep.DryRun)
			rep.DryRun = true
			require.Equal(t, dry, rep, "the dry run reports what the prune does")
			require.Equal(t, tc.kept, rep.Kept)
			require.Equal(t, tc.keptForRevert, rep.KeptForRevert)
			var removed []string
			for _, f := range rep.Removed {
				removed = append(removed, f.Path)
				require.NoDirExists(t, filepath.Join(dest, filepath.FromSlash(f.Path)))
			}
			require.Equal(t, tc.removed, append([]string{}, removed...))
			require.Equal(t, tc.objects, storedContents(t, dest))
			require.Equal(t, size-metadataBytes(t, dest), rep.Bytes, "the bytes freed are the bytes reported")
			require.Equal(t, map[string]string{"a": "a5", "b": "b", "conf": "edited 5"}, readTree(t, dest), "the deployed files are untouched")

			// RHQ reads what remains: the current deployment, its map, and
			// the previous one it names.
			st, err := metadata.Load(os.DirFS(dest), dest)
			require.NoError(t, err)
			require.True(t, st.Managed)
			require.Equal(t, int32(5), st.Current.ID)
			_, err = st.Hashes()
			require.NoError(t, err)
			prev, ok, err := st.Previous(5)
			require.NoError(t, err)
			require.True(t, ok)
			require.Contains(t, st.IDs, prev.ID, "the previous deployment's folder stays")
			_, err = st.HashesOf(prev.ID)
			require.NoError(t, err)

			// A second prune has nothing to do.
			again, err := bundle.Prune(ctx, dest, bundle.PruneOptions{Keep: tc.keep})
			require.NoError(t, err)
			require.Empty(t, again.Objects)
			require.Zero(t, again.Bytes)

			// The revert needs no bundle, and restores deployment 5's backup.
			revertStored(t, dest, 6)
			require.Equal(t, map[string]string{"a": "a4", "b": "b", "conf": "edited 4"}, readTree(t, dest))
		})
	}
}

// TestPruneRefused: a Keep below 1 and a destination without a deployment
// are the caller's to fix; nothing is changed.
func TestPruneRefused(t *testing.T) {
	ctx := context.Background()
	dest := fiveDeployments(t)
	before := testtree.Snapshot(t, dest)
	for _, keep := range []int{0, -1} {
		_, err := bundle.Prune(ctx, dest, bundle.PruneOptions{Keep: keep})
		require.ErrorIs(t, err, bundle.ErrInvalidInput)
	}
	requireUnchanged(t, before, dest)
	_, err := bundle.Prune(ctx, t.TempDir(), bundle.PruneOptions{Keep: 1})
	require.ErrorIs(t, err, bundle.ErrNotManaged)
	require.ErrorIs(t, err, bundle.ErrInvalidInput)
	_, err = bundle.Deploy(ctx, spec{Files: map[string]string{"a": "a"}}.open(t), bundle.Options{Dest: dest, Keep: -1})
	require.ErrorIs(t, err, bundle.ErrInvalidInput)
	requireUnchanged(t, before, dest)
}

// TestDeployKeep: Options.Keep prunes once the deployment has committed,
// and the Result says what it removed.
func TestDeployKeep(t *testing.T) {
	dest := fiveDeployments(t)
	res, err := bundle.Deploy(context.Background(), spec{Version: "6", Files: map[string]string{"a": "a6", "b": "b", "conf": "conf 6"}}.open(t),
		bundle.Options{Dest: dest, Keep: 2})
	require.NoError(t, err)
	require.Equal(t, 6, res.ID)
	require.NotNil(t, res.Pruned)
	require.Equal(t, []int{6, 5}, res.Pruned.Kept)
	require.Empty(t, res.Warnings)
	st, err := metadata.Load(os.DirFS(dest), dest)
	require.NoError(t, err)
	require.Equal(t, []int32{5, 6}, st.IDs)
	require.Equal(t, []string{"a4", "a5"}, storedContents(t, dest))
}

// folderBytes is the size of the files below dest's folder rel.
func folderBytes(t *testing.T, dest, rel string) int64 {
	t.Helper()
	var n int64
	err := filepath.WalkDir(filepath.Join(dest, filepath.FromSlash(rel)), func(p string, e fs.DirEntry, err error) error {
		if os.IsNotExist(err) {
			return fs.SkipAll
		}
		if err != nil || !e.Type().IsRegular() {
			return err
		}
		fi, err := e.Info()
		n += fi.Size()
		return err
	})
	require.NoError(t, err)
	return n
}

// TestStatusDisk: the disk Status reports per deployment adds up to what du
// finds: backups, metadata, and each stored object once, attributed to the
// newest deployment that kept it.
func TestStatusDisk(t *testing.T) {
	ctx := context.Background()
	dest := fiveDeployments(t)
	check := func(ids []int, stored map[int]int64) {
		t.Helper()
		st, err := bundle.Status(ctx, dest)
		require.NoError(t, err)
		d := st.Disk
		require.NotNil(t, d)
		var got []int
		for _, dd := range d.Deployments {
			got = append(got, dd.ID)
			id := int32(dd.ID)
			require.Equal(t, folderBytes(t, dest, metadata.BackupDir(id)), dd.Backup, "deployment %d's backups", id)
			require.Equal(t, folderBytes(t, dest, metadata.ExtBackupDir(id)), dd.ExtBackup)
			require.Equal(t, folderBytes(t, dest, metadata.IDDir(id))-dd.Backup-dd.ExtBackup, dd.Metadata)
			require.Equal(t, stored[dd.ID], dd.Stored, "deployment %d's stored content", id)
			require.Equal(t, dd.Metadata+dd.Backup+dd.ExtBackup+dd.Stored, dd.Total)
		}
		require.Equal(t, ids, got, "newest first")
		require.Equal(t, folderBytes(t, dest, ".rhqdeployments/.bundlekit/store"), d.Store)
		require.Zero(t, d.Unattributed)
		require.Equal(t, metadataBytes(t, dest), d.Total, "du --apparent-size of the metadata folder")
	}
	check([]int{5, 4, 3, 2, 1}, map[int]int64{5: 2, 4: 2, 3: 2, 2: 2})
	_, err := bundle.Prune(ctx, dest, bundle.PruneOptions{Keep: 1})
	require.NoError(t, err)
	check([]int{5, 4}, map[int]int64{5: 2})
}

// TestStatusDrift: Status applies the rhq:ignore the deployment recorded —
// an ignored log is not drift — and lists the drift file by file with the
// recorded and current hashes. Without the record (RHQ made the
// deployment) the log counts as added, as before.
func TestStatusDrift(t *testing.T) {
	ctx := context.Background()
	dest := filepath.Join(t.TempDir(), "app")
	deploySpec(t, spec{Files: map[string]string{"a": "A", "b": "B", "c": "C"}, Ignore: []string{"logs/**", "*.tmp"}}, dest, 1, nil)
	testtree.WriteFiles(t, dest, map[string]string{"logs/app.log": "L", "x.tmp": "T", "notes.txt": "N", "a": "edited"})
	require.NoError(t, os.Remove(filepath.Join(dest, "b")))

	st, err := bundle.Status(ctx, dest)
	require.NoError(t, err)
	require.True(t, st.IgnoreKnown)
	require.Equal(t, []string{"logs", "x.tmp"}, st.Ignored)
	require.Equal(t, bundle.Drift{Changed: []string{"a"}, Deleted: []string{"b"}, Added: []string{"notes.txt"}}, st.Drift)
	require.Equal(t, []bundle.DriftFile{
		{Path: "a", State: bundle.DriftChanged, Recorded: md5hex("A"), Current: md5hex("edited")},
		{Path: "b", State: bundle.DriftMissing, Recorded: md5hex("B")},
		{Path: "notes.txt", State: bundle.DriftAdded, Current: md5hex("N")},
	}, st.DriftFiles)

	require.NoError(t, os.Remove(filepath.Join(dest, filepath.FromSlash(metadata.ExtrasPath(1)))))
	st, err = bundle.Status(ctx, dest)
	require.NoError(t, err)
	require.False(t, st.IgnoreKnown, "the rhq:ignore is unknown")
	require.Empty(t, st.Ignored)
	require.Equal(t, []string{"logs/app.log", "notes.txt", "x.tmp"}, st.Drift.Added)
}
