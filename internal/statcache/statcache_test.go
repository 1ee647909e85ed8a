package statcache

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
)

func TestEncodeDecode(t *testing.T) {
	c := New(0, 0)
	c.ID, c.Digest, c.Written = 7, strings.Repeat("ab", 32), 1_700_000_000_123_456_789
	c.Files["conf/a.conf"] = File{Stat: Stat{Size: 12, ModTime: 1_600_000_000_000_000_001, Ino: 99, Mode: 0o644}, MD5: strings.Repeat("1", 32)}
	c.Files["/opt/ext/x"] = File{Stat: Stat{Size: 0, ModTime: -5, Ino: 1 << 40, Mode: 0o600}, MD5: strings.Repeat("2", 32)}
	c.Bundle["files/b.txt"] = File{Stat: Stat{Size: 3, ModTime: 4, Ino: 5, Mode: 0o755}, MD5: strings.Repeat("3", 32)}
	c.Entries[EntryKey("web.zip", "WEB-INF/web.xml")] = Entry{CRC32: 0xdeadbeef, Size: 100, Compressed: 60, Method: 8, MD5: strings.Repeat("4", 32)}
	var buf bytes.Buffer
	require.NoError(t, c.Encode(&buf))
	got, err := Decode(&buf)
	require.NoError(t, err)
	if diff := cmp.Diff(c, got); diff != "" {
		t.Fatalf("round trip (-want +got):\n%s", diff)
	}
}

func TestDecodeRefuses(t *testing.T) {
	for name, data := range map[string]string{
		"empty":          "",
		"other header":   "hello\n",
		"future version": "bundlekit-statcache\t2\t1\tx\t0\n",
		"bad id":         "bundlekit-statcache\t1\tone\tx\t0\n",
		"unknown record": "bundlekit-statcache\t1\t1\tx\t0\nz\ta\tb\n",
		"short record":   "bundlekit-statcache\t1\t1\tx\t0\nf\ta\tb\t1\n",
		"no line end":    "bundlekit-statcache\t1\t1\tx\t0\nf\ta\tb\t1\t2\t3\t4",
		"bad number":     "bundlekit-statcache\t1\t1\tx\t0\nf\ta\tb\t1\tx\t3\t4\n",
		"bad crc":        "bundlekit-statcache\t1\t1\tx\t0\ne\ta!b\tm\t99999999999\t1\t1\t8\n",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Decode(strings.NewReader(data))
			require.ErrorIs(t, err, ErrFormat)
		})
	}
}

// TestTrusted: a file is trusted only when its identity is the recorded one
// and it has not been touched since shortly before the cache was made (Git's
// racily-clean rule).
func TestTrusted(t *testing.T) {
	written := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC).UnixNano()
	c := &Cache{Written: written}
	old := written - int64(time.Second)
	f := File{Stat: Stat{Size: 10, ModTime: old, Ino: 3, Mode: 0o644}, MD5: "m"}
	same := Stat{Size: 10, ModTime: old, Ino: 3, Mode: 0o644, Ctime: old}
	tests := []struct {
		name string
		st   Stat
		ok   bool
		want bool
	}{
		{"unchanged", same, true, true},
		{"no inode or ctime on this system", same, false, false},
		{"other size", Stat{Size: 11, ModTime: old, Ino: 3, Mode: 0o644, Ctime: old}, true, false},
		{"other mtime", Stat{Size: 10, ModTime: old + 1, Ino: 3, Mode: 0o644, Ctime: old}, true, false},
		{"other inode (replaced)", Stat{Size: 10, ModTime: old, Ino: 4, Mode: 0o644, Ctime: old}, true, false},
		{"other mode", Stat{Size: 10, ModTime: old, Ino: 3, Mode: 0o600, Ctime: old}, true, false},
		{"rewritten later, size and mtime put back", Stat{Size: 10, ModTime: old, Ino: 3, Mode: 0o644, Ctime: written + 1}, true, false},
		{"changed in the cache's last tick", Stat{Size: 10, ModTime: old, Ino: 3, Mode: 0o644, Ctime: written - 1}, true, false},
		{"no change time", Stat{Size: 10, ModTime: old, Ino: 3, Mode: 0o644}, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, c.Trusted(f, tt.st, tt.ok))
		})
	}
	require.False(t, (*Cache)(nil).Trusted(f, same, true), "a nil cache trusts nothing")
	_, ok := (*Cache)(nil).File("x", same, true)
	require.False(t, ok)
}

// TestOfRealFile: the stat of a real file gives an inode and a change time on
// Unix, and a rewrite that puts the size and the modification time back still
// moves the change time.
func TestOfRealFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	require.NoError(t, os.WriteFile(p, []byte("hello"), 0o644))
	fi, err := os.Lstat(p)
	require.NoError(t, err)
	st, ok := Of(fi)
	if runtime.GOOS == "windows" {
		require.False(t, ok)
		return
	}
	require.True(t, ok)
	require.NotZero(t, st.Ino)
	require.NotZero(t, st.Ctime)
	c := &Cache{Written: time.Now().Add(time.Second).UnixNano(), Files: map[string]File{"f": {Stat: st, MD5: "m"}}}
	got, trusted := c.File("f", st, ok)
	require.True(t, trusted)
	require.Equal(t, "m", got.MD5)

	time.Sleep(10 * time.Millisecond)
	require.NoError(t, os.WriteFile(p, []byte("HELLO"), 0o644))
	require.NoError(t, os.Chtimes(p, fi.ModTime(), fi.ModTime()))
	fi2, err := os.Lstat(p)
	require.NoError(t, err)
	st2, _ := Of(fi2)
	require.Equal(t, st.ModTime, st2.ModTime)
	require.Equal(t, st.Size, st2.Size)
	require.Greater(t, st2.Ctime, st.Ctime, "a rewrite moves the change time")
	c.Written = st2.Ctime - 1 // the cache predates the rewrite
	_, trusted = c.File("f", st2, true)
	require.False(t, trusted)
}

func FuzzDecode(f *testing.F) {
	c := New(0, 0)
	c.ID, c.Digest, c.Written = 1, "d", 2
	c.Files["a"] = File{MD5: "m"}
	c.Entries["z!e"] = Entry{CRC32: 1, MD5: "m"}
	var buf bytes.Buffer
	if err := c.Encode(&buf); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte("bundlekit-statcache\t1\t1\tx\t0\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Decode(bytes.NewReader(data))
		if err != nil {
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("error %v does not wrap ErrFormat", err)
			}
			return
		}
		var out bytes.Buffer
		if err := c.Encode(&out); err != nil {
			t.Fatal(err)
		}
		again, err := Decode(&out)
		if err != nil {
			t.Fatalf("re-encoded cache does not decode: %v", err)
		}
		if !cmp.Equal(c, again) {
			t.Fatalf("round trip changed the cache: %s", cmp.Diff(c, again))
		}
	})
}

// TestSettle: the cache's time is delayed past the margin only when the
// files written just before it are worth more to trust than the wait costs.
func TestSettle(t *testing.T) {
	const now = int64(10 * time.Second)
	margin := int64(Margin)
	file := func(size, mtime, ctime int64) File {
		return File{Stat: Stat{Size: size, ModTime: mtime, Ctime: ctime}}
	}
	tests := []struct {
		name  string
		files []File
		want  time.Duration
	}{
		{"no files", nil, 0},
		{"all older than the margin", []File{file(1<<30, now-margin-1, now-margin-1)}, 0},
		{"racy but small", []File{file(1<<20, now, now)}, 0},
		{"racy and large: wait past the newest", []File{file(1<<30, now-5, now-3), file(10, now-margin, now-margin)}, time.Duration(margin - 3 + 1)},
		{"racy by its change time only", []File{file(1<<30, 0, now)}, time.Duration(margin + 1)},
		{"small racy files add up", []File{file(10<<20, now-1, now-1), file(10<<20, now-2, now-2)}, time.Duration(margin)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Settle(slices.Values(tt.files), now, 16<<20)
			if got != tt.want {
				t.Errorf("Settle = %v, want %v", got, tt.want)
			}
			if got > Margin+1 {
				t.Errorf("Settle = %v, longer than the margin", got)
			}
		})
	}
}
