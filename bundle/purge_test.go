package bundle_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/bundle"
	"github.com/bundlekit/bundlekit/internal/testtree"
	"github.com/bundlekit/bundlekit/recipe"
)

// TestPurge is R138 in each compliance mode: every file of the current map goes,
// a file in a subdirectory taking its immediate parent directory with whatever
// else is in it (the grand-parents stay); external files go; then full removes the
// destination, filesAndDirectories only the metadata, leaving unrelated files.
func TestPurge(t *testing.T) {
	for _, mode := range bothModes {
		t.Run(mode, func(t *testing.T) {
			ctx := context.Background()
			dest := filepath.Join(t.TempDir(), "app")
			ext := t.TempDir()
			extFile := filepath.ToSlash(filepath.Join(ext, "app.env"))
			s := spec{Compliance: mode, Files: map[string]string{"top.txt": "T", "conf/app.conf": "C", "web/static/index.html": "I"},
				Ext: map[string]string{extFile: "E"}}
			_, err := bundle.Deploy(ctx, s.open(t), bundle.Options{Dest: dest, ID: 1})
			require.NoError(t, err)
			testtree.WriteFiles(t, dest, map[string]string{"conf/local.txt": "unmanaged, in a managed directory", "web/other.txt": "beside the parent", "notes.txt": "unrelated"})
			testtree.WriteFiles(t, ext, map[string]string{"other.env": "not ours"})

			before := testtree.Snapshot(t, dest)
			plan, err := bundle.PlanPurge(ctx, dest, bundle.PurgeOptions{})
			require.NoError(t, err)
			require.Equal(t, bundle.KindPurge, plan.Kind)
			require.Equal(t, 1, plan.ID)
			require.Equal(t, recipe.Compliance(mode), plan.Compliance)
			require.NoError(t, plan.Close())
			requireUnchanged(t, before, dest)

			res, err := bundle.Purge(ctx, dest, bundle.PurgeOptions{})
			require.NoError(t, err)
			require.Equal(t, []string{extFile, "conf", "top.txt", "web/static"}, res.Differences.Deleted)
			require.Equal(t, plan.Differences, res.Differences)
			require.NoFileExists(t, extFile)
			require.FileExists(t, filepath.Join(ext, "other.env"))
			if mode == "full" {
				require.NoDirExists(t, dest)
				return
			}
			require.Equal(t, map[string]string{"web/other.txt": "beside the parent", "notes.txt": "unrelated"}, readTree(t, dest))
			require.NoDirExists(t, filepath.Join(dest, ".rhqdeployments"))
			st, err := bundle.Status(ctx, dest)
			require.NoError(t, err)
			require.False(t, st.Managed)
		})
	}
}

// TestPurgeUnmanaged is the GO of R138: purging a directory that holds no
// deployment is refused, changing nothing, unless forced; forced, it removes the
// directory.
func TestPurgeUnmanaged(t *testing.T) {
	ctx := context.Background()
	dest := filepath.Join(t.TempDir(), "data")
	testtree.WriteFiles(t, dest, map[string]string{"precious.db": "P", "sub/x": "X"})
	before := testtree.Snapshot(t, dest)
	_, err := bundle.Purge(ctx, dest, bundle.PurgeOptions{})
	require.ErrorIs(t, err, bundle.ErrNotManaged)
	requireUnchanged(t, before, dest)

	// A metadata folder without a valid current file is no deployment (R16).
	testtree.WriteFiles(t, dest, map[string]string{".rhqdeployments/current-deployment.properties": "deployment.id=oops\n"})
	before = testtree.Snapshot(t, dest)
	_, err = bundle.Purge(ctx, dest, bundle.PurgeOptions{})
	require.ErrorIs(t, err, bundle.ErrNotManaged)
	requireUnchanged(t, before, dest)

	res, err := bundle.Purge(ctx, dest, bundle.PurgeOptions{Force: true})
	require.NoError(t, err)
	require.Equal(t, []string{"precious.db", "sub"}, res.Differences.Deleted)
	require.NoDirExists(t, dest)

	missing := filepath.Join(t.TempDir(), "missing")
	_, err = bundle.Purge(ctx, missing, bundle.PurgeOptions{Force: true})
	require.ErrorIs(t, err, bundle.ErrNotManaged, "even forced, a missing destination has nothing to purge")
	require.ErrorContains(t, err, "does not exist")
	require.NotContains(t, err.Error(), "force", "no advice that cannot help")
	require.NoDirExists(t, missing)
}

// TestPurgeRestoresNothing is R139: the backups a deployment made are not put
// back by a purge; they go with the metadata.
func TestPurgeRestoresNothing(t *testing.T) {
	ctx := context.Background()
	dest := filepath.Join(t.TempDir(), "app")
	v1 := spec{Compliance: "filesAndDirectories", Files: map[string]string{"conf/app.conf": "X"}}
	_, err := bundle.Deploy(ctx, v1.open(t), bundle.Options{Dest: dest, ID: 1})
	require.NoError(t, err)
	testtree.WriteFiles(t, dest, map[string]string{"conf/app.conf": "edited", "keep.txt": "K"})
	v2 := v1
	v2.Files = map[string]string{"conf/app.conf": "Z"}
	res, err := bundle.Deploy(ctx, v2.open(t), bundle.Options{Dest: dest, ID: 2})
	require.NoError(t, err)
	require.Contains(t, res.Differences.BackedUp, "conf/app.conf")

	res, err = bundle.Purge(ctx, dest, bundle.PurgeOptions{})
	require.NoError(t, err)
	require.Empty(t, res.Differences.Restored)
	require.Equal(t, map[string]string{"keep.txt": "K"}, readTree(t, dest))
	require.NoDirExists(t, filepath.Join(dest, ".rhqdeployments"))
}

// TestAdopt is R136: a snapshot of an existing directory becomes its current
// deployment, so the next deployment is an upgrade in which every existing file
// is original: an unchanged one is left alone (R102), an edited one whose bundle
// content equals the snapshot is kept (R104), one the bundle lacks is deleted
// without backup (R115).
func TestAdopt(t *testing.T) {
	ctx := context.Background()
	dest := filepath.Join(t.TempDir(), "legacy")
	testtree.WriteFiles(t, dest, map[string]string{"a/x": "X", "a/y": "Y", "b/z": "Z", "top": "T"})

	before := testtree.Snapshot(t, dest)
	plan, err := bundle.PlanAdopt(ctx, dest, bundle.AdoptOptions{ID: 1, Name: "app", Version: "0"})
	require.NoError(t, err)
	require.NoError(t, plan.Close())
	requireUnchanged(t, before, dest)

	res, err := bundle.Adopt(ctx, dest, bundle.AdoptOptions{ID: 1, Name: "app", Version: "0"})
	require.NoError(t, err)
	require.Equal(t, []string{"a/x", "a/y", "b/z", "top"}, res.Differences.Added)
	require.Equal(t, hashesOf(map[string]string{"a/x": "X", "a/y": "Y", "b/z": "Z", "top": "T"}), readHashes(t, dest, 1))
	requireMeta(t, dest, 1, "0", "full", readHashes(t, dest, 1), nil)
	st, err := bundle.Status(ctx, dest)
	require.NoError(t, err)
	require.Equal(t, bundle.Drift{Changed: []string{}, Deleted: []string{}, Added: []string{}}, st.Drift)

	testtree.WriteFiles(t, dest, map[string]string{"a/y": "Y edited"})
	v1 := spec{Files: map[string]string{"a/x": "X", "a/y": "Y", "top": "T2"}}
	before = testtree.Snapshot(t, dest)
	plan, res = dryThenApply(t, v1.open(t), bundle.Options{Dest: dest, ID: 2})
	require.False(t, plan.Initial)
	requireDiff(t, wantDiff{Changed: []string{"top"}, Deleted: []string{"b", "b/z"}}, res.Differences, dest, 2, 0)
	predicted(t, plan, before, dest)
	require.Equal(t, map[string]string{"a/x": "X", "a/y": "Y edited", "top": "T2"}, readTree(t, dest))
	require.NoDirExists(t, filepath.Join(dest, ".rhqdeployments/2/backup"))

	_, err = bundle.Adopt(ctx, filepath.Join(t.TempDir(), "missing"), bundle.AdoptOptions{ID: 1, Name: "app", Version: "0"})
	require.ErrorContains(t, err, "non-existent file/directory provided")

	fresh := filepath.Join(t.TempDir(), "fresh")
	testtree.WriteFiles(t, fresh, map[string]string{"a": "A"})
	before = testtree.Snapshot(t, fresh)
	_, err = bundle.PlanAdopt(ctx, fresh, bundle.AdoptOptions{ID: 1, Compliance: "Full"})
	require.ErrorIs(t, err, recipe.ErrInvalid, "compliance is checked up front, case-sensitively (R9)")
	requireUnchanged(t, before, fresh)
}

// TestStatus reports drift (files changed, removed, added since the deployment),
// the current deployment and the ids recorded, and says why a directory is not
// managed.
func TestStatus(t *testing.T) {
	ctx := context.Background()
	dest := filepath.Join(t.TempDir(), "app")
	st, err := bundle.Status(ctx, dest)
	require.NoError(t, err)
	require.False(t, st.Managed)
	require.NotEmpty(t, st.Reason)
	require.Empty(t, st.History)
	require.Nil(t, st.Current)

	s := spec{Version: "1", Files: map[string]string{"a/x": "X", "a/y": "Y", "b/z": "Z"}}
	_, err = bundle.Deploy(ctx, s.open(t), bundle.Options{Dest: dest, ID: 1})
	require.NoError(t, err)
	s.Version = "2"
	_, err = bundle.Deploy(ctx, s.open(t), bundle.Options{Dest: dest, ID: 5})
	require.NoError(t, err)
	testtree.WriteFiles(t, dest, map[string]string{"a/x": "X edited", "a/new": "N", "c/d/e": "E"})
	require.NoError(t, os.Remove(filepath.Join(dest, "b/z")))

	before := testtree.Snapshot(t, dest)
	st, err = bundle.Status(ctx, dest)
	require.NoError(t, err)
	requireUnchanged(t, before, dest)
	require.True(t, st.Managed)
	require.Equal(t, &bundle.DeploymentInfo{ID: 5, Bundle: bundle.Info{Name: "app", Version: "2"}, Compliance: recipe.Full}, st.Current)
	require.Equal(t, []int{1, 5}, st.History)
	require.Equal(t, bundle.Drift{Changed: []string{"a/x"}, Deleted: []string{"b/z"}, Added: []string{"a/new", "c/d/e"}}, st.Drift)

	_, err = bundle.Status(ctx, filepath.Join(dest, "a/x"))
	require.Error(t, err, "a file is no destination")
}
