package bundle_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/bundlekit/bundlekit/bundle"
	"github.com/bundlekit/bundlekit/internal/testtree"
)

// mountTmpfs mounts a tmpfs of size bytes on a new directory and returns it;
// the test is skipped where the process may not mount (not root, or in a
// container without the capability).
func mountTmpfs(t *testing.T, size int) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("mounting a file system needs root")
	}
	dir := t.TempDir()
	if err := unix.Mount("tmpfs", dir, "tmpfs", 0, "size="+strconv.Itoa(size)); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v", err)
	}
	t.Cleanup(func() { unix.Unmount(dir, unix.MNT_DETACH) })
	return dir
}

// fill takes every free byte of the file system holding dir.
func fill(t *testing.T, dir string) {
	t.Helper()
	f, err := os.Create(filepath.Join(dir, "filler"))
	require.NoError(t, err)
	defer f.Close()
	chunk := make([]byte, 64<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			require.ErrorIs(t, err, syscall.ENOSPC)
			break
		}
	}
	for _, size := range []int{4096, 512, 1} { // the last blocks
		for {
			if _, err := f.Write(chunk[:size]); err != nil {
				break
			}
		}
	}
}

// TestFullDisk (durability issue, item 4): a deployment that meets a full
// disk fails with an error that says so and where, and changes nothing — a
// first deployment leaves no destination behind, an upgrade leaves the
// previous deployment byte for byte, metadata included.
func TestFullDisk(t *testing.T) {
	ctx := context.Background()
	root := mountTmpfs(t, 4<<20)
	v1 := spec{Files: map[string]string{"conf/app.conf": "port=1", "static/a.txt": "a"}}.open(t)
	v2 := spec{Files: map[string]string{"conf/app.conf": "port=2", "static/a.txt": "a",
		"static/big.bin": strings.Repeat("x", 2<<20)}}.open(t)

	t.Run("initial", func(t *testing.T) {
		dest := filepath.Join(root, "new", "app")
		fill(t, root)
		defer os.Remove(filepath.Join(root, "filler"))
		_, err := bundle.Deploy(ctx, v1, bundle.Options{Dest: dest, ID: 1})
		require.ErrorIs(t, err, syscall.ENOSPC)
		require.ErrorContains(t, err, "no space left on device")
		require.NoDirExists(t, filepath.Join(root, "new"), "the directories the deployment made are gone")
	})

	t.Run("upgrade", func(t *testing.T) {
		dest := filepath.Join(root, "app")
		_, err := bundle.Deploy(ctx, v1, bundle.Options{Dest: dest, ID: 1})
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dest, "conf/app.conf"), []byte("port=edited"), 0o644))
		before := testtree.Snapshot(t, dest)
		fill(t, root)
		defer os.Remove(filepath.Join(root, "filler"))
		_, err = bundle.Deploy(ctx, v2, bundle.Options{Dest: dest, ID: 2})
		require.ErrorIs(t, err, syscall.ENOSPC)
		require.ErrorContains(t, err, dest, "the error names where")
		require.Equal(t, before, testtree.Snapshot(t, dest), "nothing changed, the local edit included")
	})
}

// TestReadOnlyFileSystem (durability issue, item 4): a destination on a file
// system mounted read-only is refused with an error that says so, and
// nothing changes.
func TestReadOnlyFileSystem(t *testing.T) {
	ctx := context.Background()
	root := mountTmpfs(t, 4<<20)
	dest := filepath.Join(root, "app")
	v1 := spec{Files: map[string]string{"conf/app.conf": "port=1"}}.open(t)
	v2 := spec{Files: map[string]string{"conf/app.conf": "port=2"}}.open(t)
	_, err := bundle.Deploy(ctx, v1, bundle.Options{Dest: dest, ID: 1})
	require.NoError(t, err)
	before := testtree.Snapshot(t, dest)
	require.NoError(t, unix.Mount("", root, "", unix.MS_REMOUNT|unix.MS_RDONLY, ""))

	_, err = bundle.Deploy(ctx, v2, bundle.Options{Dest: dest, ID: 2})
	require.ErrorIs(t, err, syscall.EROFS)
	require.ErrorContains(t, err, "read-only file system")
	require.Equal(t, before, testtree.Snapshot(t, dest))

	_, err = bundle.Deploy(ctx, v1, bundle.Options{Dest: filepath.Join(root, "other"), ID: 1})
	require.ErrorIs(t, err, syscall.EROFS)
	require.NoDirExists(t, filepath.Join(root, "other"))
}
