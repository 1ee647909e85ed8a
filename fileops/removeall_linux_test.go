package fileops

import (
	"bytes"
	"io"
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

// cachedFile writes size bytes of a pattern to path, synced (dirty pages are
// never dropped), and reads them back so that they are cached.
func cachedFile(t *testing.T, path string, size int) []byte {
	t.Helper()
	data := make([]byte, size)
	for i := range data {
		data[i] = byte(i * 7)
	}
	f, err := os.Create(path)
	require.NoError(t, err)
	_, err = f.Write(data)
	require.NoError(t, err)
	require.NoError(t, f.Sync())
	require.NoError(t, f.Close())
	_, err = os.ReadFile(path)
	require.NoError(t, err)
	require.NotZero(t, resident(t, path), "the test needs the file cached")
	return data
}

// canPunch reports whether holes can be punched in files of dir.
func canPunch(t *testing.T, dir string) bool {
	t.Helper()
	f, err := os.Create(filepath.Join(dir, "probe"))
	require.NoError(t, err)
	defer os.Remove(f.Name())
	defer f.Close()
	_, err = f.Write(make([]byte, 1<<20))
	require.NoError(t, err)
	return unix.Fallocate(int(f.Fd()), unix.FALLOC_FL_PUNCH_HOLE|unix.FALLOC_FL_KEEP_SIZE, 0, 1<<20) == nil
}

// blocks returns the blocks allocated to path.
func blocks(t *testing.T, path string) int64 {
	t.Helper()
	var st unix.Stat_t
	require.NoError(t, unix.Stat(path, &st))
	return st.Blocks
}

// TestFreeLarge: a large file that nothing else reaches loses its cached
// pages and its blocks before the unlink; one that another link or another
// open file still reaches loses its cached pages only, its content untouched,
// as an unlink would leave it; a small file is left to the unlink.
func TestFreeLarge(t *testing.T) {
	const (
		size = largeMin + 5<<20 + 123 // one chunk, ending in a partial page
		// Two chunks: the last, punched at once, and one whose pages
		// are freed ahead of its hole.
		twoChunks = punchChunk + 5<<20 + 123
		// Three: two whose pages are freed ahead, on goroutines of
		// their own where there are two cores.
		threeChunks = 2*punchChunk + 5<<20 + 123
	)
	tests := []struct {
		name string
		// hold makes another way to the file at path, and returns the
		// reader of its content through that way.
		hold       func(t *testing.T, path string) func() ([]byte, error)
		size       int
		wantBlocks bool // blocks freed
	}{
		{name: "alone", size: size, wantBlocks: true},
		{name: "alone, two chunks", size: twoChunks, wantBlocks: true},
		{name: "alone, three chunks", size: threeChunks, wantBlocks: true},
		{name: "another link", size: size, hold: func(t *testing.T, path string) func() ([]byte, error) {
			link := path + ".link"
			require.NoError(t, os.Link(path, link))
			return func() ([]byte, error) { return os.ReadFile(link) }
		}},
		{name: "open elsewhere", size: size, hold: func(t *testing.T, path string) func() ([]byte, error) {
			f, err := os.Open(path)
			require.NoError(t, err)
			t.Cleanup(func() { f.Close() })
			return func() ([]byte, error) { return io.ReadAll(io.NewSectionReader(f, 0, 1<<40)) }
		}},
		{name: "small", size: 1 << 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "f")
			data := cachedFile(t, path, tt.size)
			var read func() ([]byte, error)
			if tt.hold != nil {
				read = tt.hold(t, path)
			}
			before := blocks(t, path)
			d, err := os.Open(dir)
			require.NoError(t, err)
			defer d.Close()

			freeLarge(int(d.Fd()), "f")

			fi, err := os.Stat(path)
			require.NoError(t, err)
			require.EqualValues(t, tt.size, fi.Size(), "the size stays for the unlink")
			if tt.size < largeMin {
				require.Equal(t, tt.size/os.Getpagesize(), resident(t, path))
				require.Equal(t, before, blocks(t, path))
				return
			}
			require.Zero(t, resident(t, path), "the cached pages are freed")
			switch {
			case tt.wantBlocks && canPunch(t, dir):
				// What stays is the file system's own: an extent tree's block.
				require.LessOrEqual(t, blocks(t, path)*512, int64(64<<10), "the blocks are freed")
			case tt.wantBlocks:
				t.Log("no holes can be punched here: the blocks are left to the unlink")
			default:
				require.Equal(t, before, blocks(t, path), "the blocks stay")
				got, err := read()
				require.NoError(t, err)
				require.True(t, bytes.Equal(data, got), "the content changed for whoever still reaches the file")
			}
		})
	}
}

// TestHoles: holes cover the file from its end to its start, each at least
// punchChunk bytes but the one at the start and at most holeMax, on folioMax
// borders, beginning where an extent does when one begins close enough.
func TestHoles(t *testing.T) {
	const M = 1 << 20
	// starts answers as extentStart does for extents beginning at each of
	// the offsets given.
	starts := func(offs ...int64) func(lo, hi int64) (int64, bool) {
		return func(lo, hi int64) (int64, bool) { return lastStart(lo, hi, offs) }
	}
	var ext4 []int64 // ext4's extents of a 1 GiB file: 120 MiB each
	for o := int64(0); o < 1<<30; o += 120 * M {
		ext4 = append(ext4, o)
	}
	tests := []struct {
		name        string
		size        int64
		extentStart func(lo, hi int64) (int64, bool)
		want        []hole
	}{
		{
			name: "unknown extents: every 64 MiB from the end", size: 200*M + 123,
			extentStart: func(int64, int64) (int64, bool) { return 0, false },
			want:        []hole{{144 * M, 64 * M}, {80 * M, 64 * M}, {16 * M, 64 * M}, {0, 16 * M}},
		},
		{
			name: "one hole past the end", size: 40*M + 1, extentStart: starts(ext4...),
			want: []hole{{0, 48 * M}},
		},
		{
			name: "ext4's 120 MiB extents, one hole each", size: 1 << 30, extentStart: starts(ext4...),
			want: []hole{
				{960 * M, 64 * M}, {840 * M, 120 * M}, {720 * M, 120 * M}, {600 * M, 120 * M},
				{480 * M, 120 * M}, {360 * M, 120 * M}, {240 * M, 120 * M}, {120 * M, 120 * M}, {0, 120 * M},
			},
		},
		{
			name: "an extent's start off the folio grid", size: 100 * M, extentStart: starts(0, 30*M+4096),
			want: []hole{{24 * M, 80 * M}, {0, 24 * M}},
		},
		{
			name: "small extents: the highest start below the chunk", size: 100 * M,
			extentStart: starts(0, 8*M, 16*M, 24*M, 40*M, 48*M, 56*M, 72*M, 96*M),
			want:        []hole{{40 * M, 64 * M}, {0, 40 * M}},
		},
		{
			name: "one huge extent: holes of punchChunk", size: 600 * M, extentStart: starts(0),
			want: []hole{
				{536 * M, 64 * M}, {472 * M, 64 * M}, {408 * M, 64 * M}, {344 * M, 64 * M},
				{280 * M, 64 * M}, {216 * M, 64 * M}, {0, 216 * M},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := holes(tt.size, tt.extentStart)
			require.Equal(t, tt.want, got)
			top := (tt.size + folioMax - 1) &^ (folioMax - 1)
			for i, h := range got {
				require.Equal(t, top, h.off+h.n, "hole %d ends where the one before begins", i)
				require.Zero(t, h.off%folioMax, "hole %d begins on the folio grid", i)
				require.LessOrEqual(t, h.n, int64(holeMax))
				if h.off > 0 {
					require.GreaterOrEqual(t, h.n, int64(punchChunk))
				}
				top = h.off
			}
			require.Zero(t, top, "the holes reach the start of the file")
		})
	}
}

// TestExtentStart reads where a file's extents begin from the file system:
// three runs of data with holes between them.
func TestExtentStart(t *testing.T) {
	const M = 1 << 20
	f, err := os.Create(filepath.Join(t.TempDir(), "f"))
	require.NoError(t, err)
	defer f.Close()
	for _, off := range []int64{0, 8 * M, 20 * M} {
		_, err := f.WriteAt(bytes.Repeat([]byte{1}, M), off)
		require.NoError(t, err)
	}
	require.NoError(t, f.Sync())
	fd := int(f.Fd())
	if _, ok := extentStart(fd, 0, 0); !ok {
		t.Skip("the file system does not report extents (FIEMAP)")
	}
	for _, tt := range []struct {
		lo, hi, want int64
		ok           bool
	}{
		{lo: 0, hi: 100 << 10, want: 0, ok: true},
		{lo: 0, hi: 30 * M, want: 20 * M, ok: true},
		{lo: 0, hi: 19 * M, want: 8 * M, ok: true},
		{lo: 4 * M, hi: 9 * M, want: 8 * M, ok: true},
		{lo: 8*M + 4096, hi: 12 * M, ok: false},           // inside an extent: its start is before lo
		{lo: 9 * M, hi: 19 * M, ok: false},                // a hole
		{lo: 20*M + 100<<10, hi: 20*M + M - 1, ok: false}, // reported from lo, not a start
	} {
		got, ok := extentStart(fd, tt.lo, tt.hi)
		require.Equal(t, tt.ok, ok, "in [%d, %d]", tt.lo, tt.hi)
		if ok {
			require.Equal(t, tt.want, got, "in [%d, %d]", tt.lo, tt.hi)
		}
	}
}

// TestRemoveAllKeepsOpenFile: a large file removed while another holder has
// it open still reads whole through that holder, as after rm -rf.
func TestRemoveAllKeepsOpenFile(t *testing.T) {
	top := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(top, "trash", "data"), 0o755))
	data := cachedFile(t, filepath.Join(top, "trash", "data", "blob"), largeMin+1<<20)
	f, err := os.Open(filepath.Join(top, "trash", "data", "blob"))
	require.NoError(t, err)
	defer f.Close()

	removeTrash(t, top)

	got, err := io.ReadAll(f)
	require.NoError(t, err)
	require.True(t, bytes.Equal(data, got), "the open file lost its content")
}
