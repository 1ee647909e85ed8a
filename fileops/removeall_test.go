package fileops

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
)

// bigTree makes, under dir, a tree wider and deeper than removeWorkers: one
// directory of many files, a chain of directories deeper than there are
// workers, empty directories, and (but on Windows) symbolic links to a file
// and to a directory outside dir, which must survive the removal.
func bigTree(t *testing.T, dir, outside string) {
	t.Helper()
	write := func(name string) {
		p := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(name), 0o644))
	}
	for i := range 600 {
		write(fmt.Sprintf("wide/f%03d", i))
	}
	deep := "deep"
	for i := range 3 * removeWorkers {
		deep += fmt.Sprintf("/d%02d", i)
		write(deep + "/file")
	}
	for i := range 40 {
		require.NoError(t, os.MkdirAll(filepath.Join(dir, "empty", fmt.Sprint(i), "inner"), 0o755))
		write(fmt.Sprintf("mixed/%d/a/b", i))
	}
	if runtime.GOOS != "windows" {
		require.NoError(t, os.Symlink(outside, filepath.Join(dir, "wide", "to-dir")))
		require.NoError(t, os.Symlink(filepath.Join(outside, "keep"), filepath.Join(dir, "deep", "to-file")))
		require.NoError(t, os.Symlink("../wide", filepath.Join(dir, "mixed", "up")))
	}
}

// removeTrash removes top/trash with Dir.RemoveAll and requires it gone.
func removeTrash(t *testing.T, top string) {
	t.Helper()
	d, err := OpenDir(top)
	require.NoError(t, err)
	defer d.Close()
	require.NoError(t, d.RemoveAll("trash"))
	_, err = os.Lstat(filepath.Join(top, "trash"))
	require.ErrorIs(t, err, fs.ErrNotExist)
}

// TestRemoveAllTree: a tree wider and deeper than the workers are many goes
// whole; what its links point to, outside it, stays.
func TestRemoveAllTree(t *testing.T) {
	top := t.TempDir()
	outside := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(outside, "keep"), []byte("K"), 0o644))
	bigTree(t, filepath.Join(top, "trash", "1"), outside)
	require.NoError(t, os.WriteFile(filepath.Join(top, "trash", "2"), []byte("F"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(top, "stays"), []byte("S"), 0o644))

	removeTrash(t, top)

	for _, p := range []string{filepath.Join(top, "stays"), filepath.Join(outside, "keep")} {
		_, err := os.Stat(p)
		require.NoError(t, err, "RemoveAll reached %s", p)
	}
}

// TestRemoveTreeChanged: a directory replaced by a symbolic link between
// Lstat and the removal is not followed: the link goes, what it names stays.
func TestRemoveTreeChanged(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symbolic links need privileges on Windows")
	}
	top := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(top, "victim", "sub"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(top, "victim", "sub", "f"), []byte("V"), 0o644))
	require.NoError(t, os.Mkdir(filepath.Join(top, "t"), 0o755))
	root, err := os.OpenRoot(top)
	require.NoError(t, err)
	defer root.Close()
	seen, err := root.Lstat("t") // what RemoveAll saw
	require.NoError(t, err)
	require.NoError(t, os.Remove(filepath.Join(top, "t")))
	require.NoError(t, os.Symlink("victim", filepath.Join(top, "t")))

	require.NoError(t, removeTree(root, "t", filepath.Join(top, "t"), seen))

	_, err = os.Lstat(filepath.Join(top, "t"))
	require.ErrorIs(t, err, fs.ErrNotExist)
	_, err = os.Stat(filepath.Join(top, "victim", "sub", "f"))
	require.NoError(t, err, "the removal followed the link")
}
