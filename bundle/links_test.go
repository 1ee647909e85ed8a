//go:build unix

package bundle_test

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/bundle"
	"github.com/bundlekit/bundlekit/internal/testtree"
)

// TestSymlinksNeverFollowed is the GO of R78 and R182: a symbolic link in the
// destination is an entry of its own. An unknown one is moved to backup as a
// link, clean or not; what it points to, outside the destination, is never
// touched.
func TestSymlinksNeverFollowed(t *testing.T) {
	for _, mode := range bothModes {
		for _, clean := range []bool{false, true} {
			t.Run(sprintf("%s clean=%t", mode, clean), func(t *testing.T) {
				ctx := context.Background()
				dest := filepath.Join(t.TempDir(), "app")
				_, err := bundle.Deploy(ctx, spec{Compliance: mode, Files: map[string]string{"a/x": "X"}}.open(t), bundle.Options{Dest: dest, ID: 1})
				require.NoError(t, err)
				outside := t.TempDir()
				testtree.WriteFiles(t, outside, map[string]string{"precious/data": "P"})
				require.NoError(t, os.Symlink(filepath.Join(outside, "precious"), filepath.Join(dest, "a/dirlink")))
				require.NoError(t, os.Symlink(filepath.Join(outside, "precious/data"), filepath.Join(dest, "a/filelink")))
				require.NoError(t, os.Symlink(filepath.Join(outside, "precious"), filepath.Join(dest, "toplink")))
				before := testtree.Snapshot(t, outside)

				_, res := dryThenApply(t, spec{Compliance: mode, Files: map[string]string{"a/x": "X2"}}.open(t), bundle.Options{Dest: dest, ID: 2, Clean: clean}, outside)
				moved := []string{"a/dirlink", "a/filelink"}
				if mode == "full" {
					moved = append(moved, "toplink")
				} else {
					require.Equal(t, filepath.Join(outside, "precious"), mustReadlink(t, filepath.Join(dest, "toplink")), "R75: unrelated, kept")
				}
				requireDiff(t, wantDiff{Changed: []string{"a/x"}, Deleted: moved, BackedUp: moved, Cleaned: clean}, res.Differences, dest, 2, 0)
				for _, k := range moved {
					require.NotEmpty(t, mustReadlink(t, backupFile(dest, 2, k)), "%s is backed up as a link", k)
				}
				requireUnchanged(t, before, outside)
			})
		}
	}
}

func mustReadlink(t *testing.T, p string) string {
	t.Helper()
	target, err := os.Readlink(p)
	require.NoError(t, err)
	return target
}

// TestSymlinkAtManagedPath: the operator replaced a deployed file by a link to a
// shared file outside the destination; the next version changes the file. The
// link is backed up as a link (R107) and replaced by the new file; the shared file
// is untouched.
func TestSymlinkAtManagedPath(t *testing.T) {
	ctx := context.Background()
	dest := filepath.Join(t.TempDir(), "app")
	_, err := bundle.Deploy(ctx, spec{Files: map[string]string{"conf/app.conf": "X"}}.open(t), bundle.Options{Dest: dest, ID: 1})
	require.NoError(t, err)
	shared := t.TempDir()
	testtree.WriteFiles(t, shared, map[string]string{"app.conf": "shared"})
	require.NoError(t, os.Remove(filepath.Join(dest, "conf/app.conf")))
	require.NoError(t, os.Symlink(filepath.Join(shared, "app.conf"), filepath.Join(dest, "conf/app.conf")))
	before := testtree.Snapshot(t, shared)

	plan, err := bundle.PlanDeploy(ctx, spec{Files: map[string]string{"conf/app.conf": "Z"}}.open(t), bundle.Options{Dest: dest, ID: 2})
	require.NoError(t, err)
	require.Equal(t, "R107", planEntry(plan, "conf/app.conf").Rule)
	_, err = bundle.Apply(ctx, plan)
	requireUnchanged(t, before, shared)
	require.NoError(t, err, "a link leading outside is backed up as a link, not followed")
	require.Equal(t, filepath.Join(shared, "app.conf"), mustReadlink(t, backupFile(dest, 2, "conf/app.conf")))
	require.Equal(t, "Z", readFile(t, filepath.Join(dest, "conf/app.conf")))
}

// TestNamedPipe is R56: a file that cannot be hashed, here a named pipe, which
// would block a reader forever, stops the upgrade before anything changes, naming
// the path; it is never opened.
func TestNamedPipe(t *testing.T) {
	ctx := context.Background()
	dest := filepath.Join(t.TempDir(), "app")
	_, err := bundle.Deploy(ctx, spec{Files: map[string]string{"a/x": "X"}}.open(t), bundle.Options{Dest: dest, ID: 1})
	require.NoError(t, err)
	require.NoError(t, syscall.Mkfifo(filepath.Join(dest, "a/pipe"), 0o644))
	before := testtree.Snapshot(t, dest)
	_, err = bundle.Deploy(ctx, spec{Files: map[string]string{"a/x": "X2"}}.open(t), bundle.Options{Dest: dest, ID: 2})
	var ue *bundle.UnknownHashError
	require.ErrorAs(t, err, &ue)
	require.Contains(t, ue.Paths, "a/pipe")
	requireUnchanged(t, before, dest)
	_, err = bundle.Status(ctx, dest)
	require.ErrorAs(t, err, &ue)
}
