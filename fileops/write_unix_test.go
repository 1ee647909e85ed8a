//go:build unix

package fileops_test

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/bundlekit/bundlekit/internal/testtree"
	"github.com/stretchr/testify/require"
)

// TestWriteFileUmask: an explicit mode is exact whatever the umask; the
// default for a new file is too, since 0o644 is documented as the result.
func TestWriteFileUmask(t *testing.T) {
	old := syscall.Umask(0o077)
	t.Cleanup(func() { syscall.Umask(old) })

	d := openTemp(t)
	for name, perm := range map[string]fs.FileMode{"explicit": 0o755, "shared": 0o664} {
		_, err := d.WriteFile(context.Background(), name, strings.NewReader("x"), perm)
		require.NoError(t, err)
		fi, err := d.Lstat(name)
		require.NoError(t, err)
		require.Equal(t, perm, fi.Mode().Perm(), name)
	}
	_, err := d.WriteFile(context.Background(), "default", strings.NewReader("x"), 0)
	require.NoError(t, err)
	fi, err := d.Lstat("default")
	require.NoError(t, err)
	require.Equal(t, fs.FileMode(0o644), fi.Mode().Perm())
}

// TestWriteFileKeepsOwner: replacing a file owned by another user keeps its
// owner and group (RHQ wrote in place). Needs root to create such a file.
func TestWriteFileKeepsOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to chown")
	}
	d := openTemp(t)
	testtree.Write(t, d.Path(), "f=old")
	p := filepath.Join(d.Path(), "f")
	require.NoError(t, os.Chown(p, 4242, 4343))

	_, err := d.WriteFile(context.Background(), "f", strings.NewReader("new"), 0)
	require.NoError(t, err)
	fi, err := os.Lstat(p)
	require.NoError(t, err)
	st := fi.Sys().(*syscall.Stat_t)
	require.Equal(t, [2]uint32{4242, 4343}, [2]uint32{st.Uid, st.Gid})

	_, err = d.WriteFile(context.Background(), "g", strings.NewReader("new"), 0)
	require.NoError(t, err)
	fi, err = d.Lstat("g")
	require.NoError(t, err)
	require.Equal(t, uint32(os.Geteuid()), fi.Sys().(*syscall.Stat_t).Uid, "a new file is the process's")
}

// TestChmod: the bits given are set exactly, whatever the umask, special bits
// included; a link leading out of the directory is not followed.
func TestChmod(t *testing.T) {
	old := syscall.Umask(0o077)
	t.Cleanup(func() { syscall.Umask(old) })

	d := openTemp(t)
	testtree.Write(t, d.Path(), "f=f")
	for _, mode := range []fs.FileMode{0o755, 0o600, 0o644 | fs.ModeSetgid, 0} {
		require.NoError(t, d.Chmod("f", mode))
		fi, err := d.Lstat("f")
		require.NoError(t, err)
		require.Equal(t, mode, fi.Mode()&(fs.ModePerm|fs.ModeSetgid), "%v", mode)
	}
	require.ErrorIs(t, d.Chmod("missing", 0o644), fs.ErrNotExist)

	outside := filepath.Join(t.TempDir(), "secret")
	require.NoError(t, os.WriteFile(outside, []byte("s"), 0o600))
	require.NoError(t, os.Symlink(outside, filepath.Join(d.Path(), "out")))
	require.Error(t, d.Chmod("out", 0o666))
	fi, err := os.Stat(outside)
	require.NoError(t, err)
	require.Equal(t, fs.FileMode(0o600), fi.Mode().Perm())
}

// TestCreateFileUmask: CreateFile gives a new file exactly its permissions
// under any umask, also one set after an earlier CreateFile (the umask it
// predicts from is read once) and one that strips every bit.
func TestCreateFileUmask(t *testing.T) {
	d := openTemp(t)
	create := func(name string, perm fs.FileMode) {
		t.Helper()
		w, err := d.CreateFile(context.Background(), name, strings.NewReader("x"), perm)
		require.NoError(t, err)
		require.Equal(t, perm, w.Info.Mode().Perm(), "%s: what CreateFile reports", name)
		fi, err := d.Lstat(name)
		require.NoError(t, err)
		require.Equal(t, perm, fi.Mode().Perm(), name)
	}
	create("first", 0o644)
	for i, mask := range []int{0o022, 0o077, 0o777, 0} {
		old := syscall.Umask(mask)
		for j, perm := range []fs.FileMode{0o644, 0o755, 0o600, 0o666, 0o400, 0} {
			create(fmt.Sprintf("f%d-%d", i, j), perm)
		}
		syscall.Umask(old)
	}
}
