package fileops_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/fileops"
)

// TestSubWriteFileBatch: a Dir opened with Sub writes below its parent, a
// batch of files written with WriteFileBatch is whole under its final names,
// and SyncFile, SyncDir and SyncFS make it durable.
func TestSubWriteFileBatch(t *testing.T) {
	top := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(top, "a", "b"), 0o755))
	d, err := fileops.OpenDir(top)
	require.NoError(t, err)
	defer d.Close()
	sub, err := d.Sub("a/b")
	require.NoError(t, err)
	defer sub.Close()
	require.Equal(t, filepath.Join(top, "a", "b"), sub.Path())
	for _, name := range []string{"x", "y", "z"} {
		w, err := sub.WriteFileBatch(context.Background(), name, strings.NewReader("content "+name), 0o640)
		require.NoError(t, err)
		require.EqualValues(t, len("content "+name), w.Size)
	}
	for _, name := range []string{"x", "y", "z"} {
		require.NoError(t, sub.SyncFile(name))
	}
	require.NoError(t, sub.SyncDir())
	_, err = d.SyncFS()
	require.NoError(t, err)
	require.Error(t, sub.SyncFile("missing"))
	for _, name := range []string{"x", "y", "z"} {
		data, err := os.ReadFile(filepath.Join(top, "a", "b", name))
		require.NoError(t, err)
		require.Equal(t, "content "+name, string(data))
		fi, err := os.Stat(filepath.Join(top, "a", "b", name))
		require.NoError(t, err)
		require.Equal(t, fs.FileMode(0o640), fi.Mode().Perm())
	}
	_, err = d.Sub("../outside")
	require.ErrorIs(t, err, fileops.ErrUnsafePath)
	_, err = d.Sub("a/missing")
	require.ErrorIs(t, err, fs.ErrNotExist)
}

// TestLink: a hard link names the same file; a link never follows a
// symbolic link; names are checked.
func TestLink(t *testing.T) {
	top := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(top, "f"), []byte("data"), 0o644))
	d, err := fileops.OpenDir(top)
	require.NoError(t, err)
	defer d.Close()
	require.NoError(t, d.MkdirAll("trash", 0o700))
	require.NoError(t, d.Link("f", "trash/1"))
	a, err := os.Stat(filepath.Join(top, "f"))
	require.NoError(t, err)
	b, err := os.Stat(filepath.Join(top, "trash", "1"))
	require.NoError(t, err)
	require.True(t, os.SameFile(a, b))
	require.ErrorIs(t, d.Link("../f", "x"), fileops.ErrUnsafePath)
	require.ErrorIs(t, d.Link("f", "trash/1"), fs.ErrExist)
}

// TestRenameReportsCrossDevice: a rename that fails because the names are on
// two file systems wraps ErrCrossDevice, so a caller can choose MoveByCopy.
func TestRenameReportsCrossDevice(t *testing.T) {
	// Two file systems inside one directory need a mount point, which a test
	// cannot make without privileges; /dev/shm is tmpfs where there is one.
	shm := "/dev/shm"
	if fi, err := os.Stat(shm); err != nil || !fi.IsDir() {
		t.Skip("no /dev/shm")
	}
	top := t.TempDir()
	other, err := os.MkdirTemp(shm, "bundlekit-test-")
	if err != nil {
		t.Skip("cannot write /dev/shm")
	}
	defer os.RemoveAll(other)
	require.NoError(t, os.WriteFile(filepath.Join(other, "f"), []byte("x"), 0o644))
	if err := os.Symlink(other, filepath.Join(top, "mnt")); err != nil {
		t.Skip(err)
	}
	// os.Root refuses the link out, so go through the parent of both.
	d, err := fileops.OpenDir("/")
	require.NoError(t, err)
	defer d.Close()
	from := strings.TrimPrefix(filepath.Join(other, "f"), "/")
	to := strings.TrimPrefix(filepath.Join(top, "f"), "/")
	err = d.Rename(from, to)
	if err == nil {
		t.Skip("/dev/shm and the temporary directory are one file system here")
	}
	require.ErrorIs(t, err, fileops.ErrCrossDevice)
	require.NoError(t, d.MoveByCopy(from, to))
	data, err := os.ReadFile(filepath.Join(top, "f"))
	require.NoError(t, err)
	require.Equal(t, "x", string(data))
	_, err = os.Stat(filepath.Join(other, "f"))
	require.True(t, errors.Is(err, fs.ErrNotExist))
}
