package fileops

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// fsImmutable is FS_IMMUTABLE_FL of linux/fs.h (chattr +i).
const fsImmutable = 0x10

// immutable sets or clears the immutable flag of path (chattr +i), or skips
// the test where the file system or the user's privileges do not allow it.
func immutable(t *testing.T, path string, on bool) {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	flags, err := unix.IoctlGetUint32(int(f.Fd()), unix.FS_IOC_GETFLAGS)
	if err != nil {
		t.Skipf("no inode flags here: %v", err)
	}
	if on {
		flags |= fsImmutable
	} else {
		flags &^= fsImmutable
	}
	if err := unix.IoctlSetPointerInt(int(f.Fd()), unix.FS_IOC_SETFLAGS, int(flags)); err != nil {
		t.Skipf("cannot make %s immutable: %v", path, err)
	}
}

// TestRemoveAllFailure: an entry that cannot be removed stops nothing else;
// the directories holding it stay, everything else goes, and the error names
// the entry.
func TestRemoveAllFailure(t *testing.T) {
	top := t.TempDir()
	outside := t.TempDir()
	trash := filepath.Join(top, "trash")
	bigTree(t, trash, outside)
	stuck := filepath.Join(trash, "deep", "d00", "d01", "stuck")
	require.NoError(t, os.WriteFile(stuck, []byte("S"), 0o644))
	immutable(t, stuck, true)
	t.Cleanup(func() { // else TempDir's cleanup fails
		if _, err := os.Lstat(stuck); err == nil {
			immutable(t, stuck, false)
		}
	})
	d, err := OpenDir(top)
	require.NoError(t, err)
	defer d.Close()

	err = d.RemoveAll("trash")

	require.ErrorIs(t, err, syscall.EPERM)
	require.ErrorContains(t, err, stuck, "the error names the entry that stayed")
	var left []string
	require.NoError(t, filepath.WalkDir(trash, func(p string, _ fs.DirEntry, err error) error {
		rel, _ := filepath.Rel(trash, p)
		left = append(left, filepath.ToSlash(rel))
		return err
	}))
	require.Equal(t, []string{".", "deep", "deep/d00", "deep/d00/d01", "deep/d00/d01/stuck"}, left)

	immutable(t, stuck, false)
	require.NoError(t, d.RemoveAll("trash"), "once the entry can go, a second RemoveAll ends the job")
	_, err = os.Lstat(trash)
	require.ErrorIs(t, err, fs.ErrNotExist)
}

// resident counts the pages of path in the page cache (mincore(2)).
func resident(t *testing.T, path string) int {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	fi, err := f.Stat()
	require.NoError(t, err)
	m, err := unix.Mmap(int(f.Fd()), 0, int(fi.Size()), unix.PROT_READ, unix.MAP_SHARED)
	require.NoError(t, err)
	defer unix.Munmap(m)
	vec := make([]byte, (len(m)+os.Getpagesize()-1)/os.Getpagesize())
	_, _, errno := unix.Syscall(unix.SYS_MINCORE, uintptr(unsafe.Pointer(&m[0])), uintptr(len(m)), uintptr(unsafe.Pointer(&vec[0])))
	require.Zero(t, errno)
	n := 0
	for _, v := range vec {
		n += int(v & 1)
	}
	return n
}

// TestDropCache: a large file's clean cached pages are dropped, its content
// untouched; a small file's are left to the unlink.
func TestDropCache(t *testing.T) {
	dir := t.TempDir()
	data := make([]byte, dropCacheMin+5<<20)
	for i := range data {
		data[i] = byte(i * 7)
	}
	for name, size := range map[string]int{"large": len(data), "small": 1 << 20} {
		f, err := os.Create(filepath.Join(dir, name))
		require.NoError(t, err)
		_, err = f.Write(data[:size])
		require.NoError(t, err)
		require.NoError(t, f.Sync()) // clean pages: dirty ones are not dropped
		require.NoError(t, f.Close())
		_, err = os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err)
	}
	require.NotZero(t, resident(t, filepath.Join(dir, "large")), "the test needs the file cached")
	d, err := os.Open(dir)
	require.NoError(t, err)
	defer d.Close()

	dropCache(int(d.Fd()), "large")
	dropCache(int(d.Fd()), "small")

	require.Zero(t, resident(t, filepath.Join(dir, "large")))
	require.Equal(t, 256, resident(t, filepath.Join(dir, "small")))
	got, err := os.ReadFile(filepath.Join(dir, "large"))
	require.NoError(t, err)
	require.True(t, bytes.Equal(data, got), "dropping the cache changed the content")
}
