package fileops_test

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/fileops"
)

func openZip(tb testing.TB, data []byte, lim fileops.Limits) (*fileops.Archive, error) {
	tb.Helper()
	return fileops.OpenZip("test.zip", bytes.NewReader(data), int64(len(data)), lim)
}

func readAll(tb testing.TB, e *fileops.Entry) ([]byte, error) {
	tb.Helper()
	rc, err := e.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

func TestOpenZipAccepts(t *testing.T) {
	data := buildZip(t,
		zipEntry{name: "bin/", mode: fs.ModeDir | 0o755},
		zipEntry{name: "bin/run.sh", body: "#!/bin/sh\n", mode: 0o755, deflate: true},
		zipEntry{name: "conf/app.properties", body: "port=@@port@@\n"},
		zipEntry{name: "empty.txt"},
		zipEntry{name: "ünïcödé/Straße.txt", body: "ß"},
		zipEntry{name: "a..b/c..", body: "dots inside names are fine"},
	)
	a, err := openZip(t, data, fileops.Limits{})
	require.NoError(t, err)

	type entry struct {
		Name string
		Dir  bool
		Size int64
		Mode fs.FileMode
		Body string
	}
	var got []entry
	for i := range a.Entries {
		e := &a.Entries[i]
		var body []byte
		if !e.Dir {
			body, err = readAll(t, e)
			require.NoError(t, err, e.Name)
		}
		got = append(got, entry{e.Name, e.Dir, e.Size, e.Mode, string(body)})
	}
	want := []entry{
		{"bin", true, 0, 0o755, ""},
		{"bin/run.sh", false, 10, 0o755, "#!/bin/sh\n"},
		{"conf/app.properties", false, 14, 0, "port=@@port@@\n"},
		{"empty.txt", false, 0, 0, ""},
		{"ünïcödé/Straße.txt", false, 2, 0, "ß"},
		{"a..b/c..", false, 26, 0, "dots inside names are fine"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}
	require.Equal(t, int64(10+14+2+26), declaredTotal(a), "declared sizes of file entries (R47)")
	require.NoError(t, a.Close())
}

// TestOpenZipRefuses has one row per attack class; each must refuse the whole
// archive with the sentinel, naming the archive and the offending entry
// (R181 GO).
func TestOpenZipRefuses(t *testing.T) {
	ok := zipEntry{name: "ok.txt", body: "fine"}
	tests := []struct {
		name    string
		entries []zipEntry
		lim     fileops.Limits
		entry   string // the entry the error must name
		want    error
	}{
		// Zip slip and other unsafe names.
		{"dotdot", []zipEntry{ok, {name: "../evil.txt"}}, fileops.Limits{}, "../evil.txt", fileops.ErrUnsafePath},
		{"dotdot inside", []zipEntry{{name: "a/../../b"}}, fileops.Limits{}, "a/../../b", fileops.ErrUnsafePath},
		{"dotdot that stays inside", []zipEntry{{name: "a/../b"}}, fileops.Limits{}, "a/../b", fileops.ErrUnsafePath},
		{"dotdot dir", []zipEntry{{name: "a/../"}}, fileops.Limits{}, "a/../", fileops.ErrUnsafePath},
		{"absolute", []zipEntry{{name: "/etc/passwd"}}, fileops.Limits{}, "/etc/passwd", fileops.ErrUnsafePath},
		{"root dir", []zipEntry{{name: "/"}}, fileops.Limits{}, "/", fileops.ErrUnsafePath},
		{"drive letter", []zipEntry{{name: "C:/Windows/win.ini"}}, fileops.Limits{}, "C:/Windows/win.ini", fileops.ErrUnsafePath},
		{"drive relative", []zipEntry{{name: "c:x"}}, fileops.Limits{}, "c:x", fileops.ErrUnsafePath},
		{"backslash", []zipEntry{{name: `..\..\evil.txt`}}, fileops.Limits{}, `..\..\evil.txt`, fileops.ErrUnsafePath},
		{"backslash plain", []zipEntry{{name: `dir\file.txt`}}, fileops.Limits{}, `dir\file.txt`, fileops.ErrUnsafePath},
		{"NUL", []zipEntry{{name: "a.txt\x00.jpg"}}, fileops.Limits{}, "a.txt\x00.jpg", fileops.ErrUnsafePath},
		{"newline", []zipEntry{{name: "a\n../../b\tX"}}, fileops.Limits{}, "a\n../../b\tX", fileops.ErrUnsafePath},
		{"tab", []zipEntry{{name: "a\tb"}}, fileops.Limits{}, "a\tb", fileops.ErrUnsafePath},
		{"invalid UTF-8", []zipEntry{{name: "caf\xe9.txt"}}, fileops.Limits{}, "caf\xe9.txt", fileops.ErrUnsafePath},
		{"empty name", []zipEntry{{name: ""}}, fileops.Limits{}, "", fileops.ErrUnsafePath},
		{"empty element", []zipEntry{{name: "a//b"}}, fileops.Limits{}, "a//b", fileops.ErrUnsafePath},
		{"dot element", []zipEntry{{name: "./a"}}, fileops.Limits{}, "./a", fileops.ErrUnsafePath},
		{"dot dir", []zipEntry{{name: "./"}}, fileops.Limits{}, "./", fileops.ErrUnsafePath},
		{"double slash dir", []zipEntry{{name: "a//"}}, fileops.Limits{}, "a//", fileops.ErrUnsafePath},

		// Names that would reach one file twice.
		{"duplicate file", []zipEntry{{name: "a/b", body: "1"}, ok, {name: "a/b", body: "2"}}, fileops.Limits{}, "a/b", fileops.ErrDuplicate},
		{"duplicate dir", []zipEntry{{name: "a/"}, {name: "a/"}}, fileops.Limits{}, "a/", fileops.ErrDuplicate},
		{"case", []zipEntry{{name: "README"}, {name: "readme"}}, fileops.Limits{}, "readme", fileops.ErrCaseCollision},
		{"case in parent", []zipEntry{{name: "Conf/a"}, {name: "conf/b"}}, fileops.Limits{}, "conf/b", fileops.ErrCaseCollision},
		{"case non-ASCII", []zipEntry{{name: "ÄRGER"}, {name: "ärger"}}, fileops.Limits{}, "ärger", fileops.ErrCaseCollision},
		{"case Kelvin sign", []zipEntry{{name: "k"}, {name: "\u212a"}}, fileops.Limits{}, "\u212a", fileops.ErrCaseCollision},
		{"file then dir", []zipEntry{{name: "a"}, {name: "a/"}}, fileops.Limits{}, "a/", fileops.ErrFileAsDir},
		{"dir then file", []zipEntry{{name: "a/"}, {name: "a"}}, fileops.Limits{}, "a", fileops.ErrFileAsDir},
		{"file as parent", []zipEntry{{name: "a"}, {name: "a/b"}}, fileops.Limits{}, "a/b", fileops.ErrFileAsDir},
		{"file below file", []zipEntry{{name: "a/b"}, {name: "a"}}, fileops.Limits{}, "a", fileops.ErrFileAsDir},

		// Entries that are not plain files or directories.
		{"symlink", []zipEntry{{name: "link", body: "/etc/passwd", mode: fs.ModeSymlink | 0o777}}, fileops.Limits{}, "link", fileops.ErrIrregular},
		{"symlink dir name", []zipEntry{{name: "link/", mode: fs.ModeSymlink | 0o777}}, fileops.Limits{}, "link/", fileops.ErrIrregular},
		{"device", []zipEntry{{name: "dev", mode: fs.ModeDevice | fs.ModeCharDevice | 0o666}}, fileops.Limits{}, "dev", fileops.ErrIrregular},
		{"fifo", []zipEntry{{name: "fifo", mode: fs.ModeNamedPipe | 0o666}}, fileops.Limits{}, "fifo", fileops.ErrIrregular},
		{"socket", []zipEntry{{name: "sock", mode: fs.ModeSocket | 0o666}}, fileops.Limits{}, "sock", fileops.ErrIrregular},
		{"dir mode without slash", []zipEntry{{name: "d", mode: fs.ModeDir | 0o755}}, fileops.Limits{}, "d", fileops.ErrIrregular},
		{"dir with content", []zipEntry{{name: "d/", size: 6}}, fileops.Limits{}, "d/", fileops.ErrIrregular},
		{"encrypted", []zipEntry{{name: "secret", body: "x", flags: 0x1}}, fileops.Limits{}, "secret", fileops.ErrUnsupportedEntry},
		{"bzip2", []zipEntry{{name: "b", body: "x", method: 12}}, fileops.Limits{}, "b", fileops.ErrUnsupportedEntry},

		// Limits.
		{"too many", []zipEntry{ok, {name: "b"}, {name: "c"}}, fileops.Limits{MaxEntries: 2}, "", fileops.ErrTooMany},
		{"entry too large", []zipEntry{ok, {name: "big", body: "12345"}}, fileops.Limits{MaxEntrySize: 4}, "big", fileops.ErrTooLarge},
		{"declared too large", []zipEntry{{name: "bomb", body: "x", size: 5 << 30}}, fileops.Limits{}, "bomb", fileops.ErrTooLarge},
		{"total too large", []zipEntry{{name: "a", body: "123"}, {name: "b", body: "456"}}, fileops.Limits{MaxTotalSize: 5}, "b", fileops.ErrTooLarge},
		{"total overflow", []zipEntry{{name: "a", body: "x", size: 1 << 62}, {name: "b", body: "x", size: 1 << 62}}, fileops.Limits{MaxEntrySize: 1 << 62, MaxTotalSize: 1 << 62, MaxRatio: fileops.NoRatioLimit}, "b", fileops.ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := openZip(t, buildZip(t, tt.entries...), tt.lim)
			require.Nil(t, a)
			require.ErrorIs(t, err, tt.want)
			var ae *fileops.ArchiveError
			require.ErrorAs(t, err, &ae)
			require.Equal(t, "test.zip", ae.Archive)
			require.Equal(t, tt.entry, ae.Entry)
			require.Contains(t, err.Error(), "test.zip")
		})
	}
}

func TestOpenZipMalformed(t *testing.T) {
	for _, data := range [][]byte{nil, []byte("PK\x05\x06 not a zip"), []byte(strings.Repeat("x", 100))} {
		_, err := openZip(t, data, fileops.Limits{})
		require.ErrorIs(t, err, zip.ErrFormat)
		var ae *fileops.ArchiveError
		require.ErrorAs(t, err, &ae)
		require.Equal(t, "test.zip", ae.Archive)
	}
}

// TestEntryOpenSizeLies: an entry that holds more than it declares fails with
// ErrTooLarge and never yields a byte beyond its declared size; one that holds
// less fails with io.ErrUnexpectedEOF; a wrong CRC with zip.ErrChecksum.
func TestEntryOpenSizeLies(t *testing.T) {
	body := strings.Repeat("0123456789", 1000)
	tests := []struct {
		name string
		e    zipEntry
		want error
		n    int // bytes the reader may return before failing
	}{
		{"stored longer", zipEntry{body: body, size: 10}, fileops.ErrTooLarge, 10},
		{"deflated longer", zipEntry{body: body, size: 100, deflate: true}, fileops.ErrTooLarge, 100},
		{"deflated bomb declared 1", zipEntry{body: strings.Repeat("\x00", 1<<20), size: 1, deflate: true}, fileops.ErrTooLarge, 1},
		{"stored shorter", zipEntry{body: body, size: 20000}, io.ErrUnexpectedEOF, len(body)},
		{"deflated shorter", zipEntry{body: body, size: 20000, deflate: true}, io.ErrUnexpectedEOF, len(body)},
		{"crc", zipEntry{body: body, crc: 1}, zip.ErrChecksum, len(body)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.e.name = "lying.txt"
			a, err := openZip(t, buildZip(t, tt.e), fileops.Limits{})
			require.NoError(t, err, "the declared size is within limits, so the archive opens")
			got, err := readAll(t, &a.Entries[0])
			require.ErrorIs(t, err, tt.want)
			var ae *fileops.ArchiveError
			require.ErrorAs(t, err, &ae)
			require.Equal(t, ae.Archive, "test.zip")
			require.Equal(t, ae.Entry, "lying.txt")
			require.Len(t, got, tt.n)
		})
	}
}

func TestEntryOpenDir(t *testing.T) {
	a, err := openZip(t, buildZip(t, zipEntry{name: "d/"}), fileops.Limits{})
	require.NoError(t, err)
	_, err = a.Entries[0].Open()
	require.ErrorIs(t, err, fileops.ErrIrregular)
}

func TestOpenZipFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "bundle.zip")
	require.NoError(t, os.WriteFile(p, buildZip(t, zipEntry{name: "a.txt", body: "A"}), 0o644))
	a, err := fileops.OpenZipFile(p, fileops.Limits{})
	require.NoError(t, err)
	got, err := readAll(t, &a.Entries[0])
	require.NoError(t, err)
	require.Equal(t, "A", string(got))
	require.NoError(t, a.Close())

	require.NoError(t, os.WriteFile(p, buildZip(t, zipEntry{name: "../a.txt"}), 0o644))
	_, err = fileops.OpenZipFile(p, fileops.Limits{})
	var ae *fileops.ArchiveError
	require.ErrorAs(t, err, &ae)
	require.Equal(t, p, ae.Archive)

	_, err = fileops.OpenZipFile(filepath.Join(t.TempDir(), "missing.zip"), fileops.Limits{})
	require.ErrorIs(t, err, fs.ErrNotExist)
}

func TestWriteZip(t *testing.T) {
	files := []fileops.ZipFile{
		{Name: "bin", Dir: true, Mode: 0o755},
		{Name: "bin/run.sh", Mode: 0o750, Open: content("#!/bin/sh\necho hi\n")},
		{Name: "conf", Dir: true},
		{Name: "conf/app.properties", Open: content(strings.Repeat("key=value\n", 100))},
		{Name: "empty", Open: content("")},
	}
	var first, second bytes.Buffer
	require.NoError(t, fileops.WriteZip(&first, files))
	require.NoError(t, fileops.WriteZip(&second, files))
	require.Equal(t, first.Bytes(), second.Bytes(), "equal input must give identical archives (R99 GO)")

	a, err := openZip(t, first.Bytes(), fileops.Limits{})
	require.NoError(t, err)
	var got []fileops.ZipFile
	for i := range a.Entries {
		e := &a.Entries[i]
		got = append(got, fileops.ZipFile{Name: e.Name, Dir: e.Dir, Mode: e.Mode})
		if !e.Dir {
			body, err := readAll(t, e)
			require.NoError(t, err)
			want, err := io.ReadAll(must(t, files[i].Open))
			require.NoError(t, err)
			require.Equal(t, string(want), string(body), e.Name)
		}
	}
	if diff := cmp.Diff(files, got, cmpopts.IgnoreFields(fileops.ZipFile{}, "Open")); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}

	zr, err := zip.NewReader(bytes.NewReader(first.Bytes()), int64(first.Len()))
	require.NoError(t, err)
	for _, f := range zr.File {
		require.True(t, f.Modified.Equal(time1980), "%s: modified %v", f.Name, f.Modified)
	}
}

func TestWriteZipRefuses(t *testing.T) {
	tests := []struct {
		name  string
		files []fileops.ZipFile
		want  error
	}{
		{"dotdot", []fileops.ZipFile{{Name: "../x", Open: content("")}}, fileops.ErrUnsafePath},
		{"trailing slash on file", []fileops.ZipFile{{Name: "x/", Open: content("")}}, fileops.ErrUnsafePath},
		{"trailing slash on dir", []fileops.ZipFile{{Name: "x/", Dir: true}}, fileops.ErrUnsafePath},
		{"duplicate", []fileops.ZipFile{{Name: "x", Open: content("")}, {Name: "x", Open: content("")}}, fileops.ErrDuplicate},
		{"case", []fileops.ZipFile{{Name: "x", Open: content("")}, {Name: "X", Open: content("")}}, fileops.ErrCaseCollision},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := fileops.WriteZip(&buf, tt.files)
			require.ErrorIs(t, err, tt.want)
			require.Zero(t, buf.Len(), "nothing may be written before the names are checked")
		})
	}

	var buf bytes.Buffer
	failing := errors.New("source gone")
	err := fileops.WriteZip(&buf, []fileops.ZipFile{{Name: "x", Open: func() (io.ReadCloser, error) { return nil, failing }}})
	require.ErrorIs(t, err, failing)
	var ae *fileops.ArchiveError
	require.ErrorAs(t, err, &ae)
	require.Equal(t, "x", ae.Entry)
}

var time1980 = time.Date(1980, time.January, 1, 0, 0, 0, 0, time.UTC)

func content(s string) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(s)), nil }
}

func must[T any](tb testing.TB, f func() (T, error)) T {
	tb.Helper()
	v, err := f()
	require.NoError(tb, err)
	return v
}

// zeroBomb returns a zip archive holding one entry, name, of size zero bytes,
// deflated as they are streamed (a 512 MiB entry takes well under a second and
// no more memory than its compressed form).
func zeroBomb(tb testing.TB, name string, size int64) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestSpeed)
	})
	w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate})
	require.NoError(tb, err)
	_, err = io.CopyN(w, zeroReader{}, size)
	require.NoError(tb, err)
	require.NoError(tb, zw.Close())
	return buf.Bytes()
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// TestOpenZipBombDefault is the case: 512 MiB of zeros deflated to
// about half a megabyte is refused by the zero Limits (which are
// DefaultLimits) when the archive is opened, before anything is read, with an
// error that names the entry, its ratio and the option that raises the cap.
func TestOpenZipBombDefault(t *testing.T) {
	data := zeroBomb(t, "data/zeros.bin", 512<<20)
	_, err := openZip(t, data, fileops.Limits{})
	require.ErrorIs(t, err, fileops.ErrRatio)
	require.ErrorIs(t, err, fileops.ErrTooLarge, "ErrRatio is a kind of ErrTooLarge")
	var ae *fileops.ArchiveError
	require.ErrorAs(t, err, &ae)
	require.Equal(t, "data/zeros.bin", ae.Entry)
	require.Regexp(t, `expand \d{3,4} times, the limit is 200 times above 1048576 bytes`, err.Error())
	require.Contains(t, err.Error(), "--max-ratio")

	a, err := openZip(t, data, fileops.Limits{MaxRatio: fileops.NoRatioLimit})
	require.NoError(t, err, "NoRatioLimit turns the check off")
	require.Equal(t, int64(512<<20), declaredTotal(a))
}

// TestOpenZipRatio checks the cap on declared sizes, entry by entry and for the
// archive as a whole, with small limits so that the archives stay small.
func TestOpenZipRatio(t *testing.T) {
	lim := fileops.Limits{MaxRatio: 10, RatioThreshold: 1000}
	zeros := func(n int) string { return strings.Repeat("\x00", n) }
	many := func(n, size int) []zipEntry {
		var out []zipEntry
		for i := range n {
			out = append(out, zipEntry{name: fmt.Sprintf("f%03d", i), body: zeros(size), deflate: true})
		}
		return out
	}
	tests := []struct {
		name    string
		entries []zipEntry
		lim     fileops.Limits
		entry   string // the entry the error names; "" for the archive
		refused bool
	}{
		{"small entries may expand without bound", []zipEntry{{name: "z", body: zeros(1000), deflate: true}}, lim, "", false},
		{"text within the ratio", []zipEntry{{name: "t", body: noise(5000), deflate: true}}, lim, "", false},
		{"zeros over the threshold", []zipEntry{{name: "ok", body: "fine"}, {name: "z", body: zeros(2000), deflate: true}}, lim, "z", true},
		{"stored entry declaring more than it holds", []zipEntry{{name: "s", body: "0123456789", size: 5000}}, lim, "s", true},
		{"an entry declaring no compressed bytes", []zipEntry{{name: "e", body: "", size: 5000}}, lim, "e", true},
		{"no cap", []zipEntry{{name: "z", body: zeros(2000), deflate: true}}, fileops.Limits{MaxRatio: fileops.NoRatioLimit, RatioThreshold: 1000}, "", false},
		// Each entry is under the threshold; together they are not.
		{"many small bombs", many(100, 999), fileops.Limits{MaxRatio: 5, RatioThreshold: 1000}, "", true},
		// The entry lies about its compressed size to pass its own check;
		// the archive is much smaller than what it declares.
		{"lying compressed size", []zipEntry{{name: "l", body: zeros(20000), deflate: true, csize: 20000}}, lim, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := openZip(t, buildZip(t, tt.entries...), tt.lim)
			if !tt.refused {
				require.NoError(t, err)
				for i := range a.Entries {
					_, err := readAll(t, &a.Entries[i])
					require.NoError(t, err)
				}
				return
			}
			require.ErrorIs(t, err, fileops.ErrRatio)
			var ae *fileops.ArchiveError
			require.ErrorAs(t, err, &ae)
			require.Equal(t, "test.zip", ae.Archive)
			require.Equal(t, tt.entry, ae.Entry)
			require.Contains(t, err.Error(), "the limit is")
			require.Contains(t, err.Error(), "Limits.MaxRatio")
		})
	}
}

// TestEntryOpenRatio: an entry that passes the check on declared sizes, by
// declaring a compressed size it does not have, is stopped while it is read,
// as soon as its output exceeds MaxRatio times the compressed bytes read.
func TestEntryOpenRatio(t *testing.T) {
	lim := fileops.Limits{MaxRatio: 10, RatioThreshold: 1000}
	const size = 200_000
	data := buildZip(t,
		zipEntry{name: "bomb", body: strings.Repeat("\x00", size), deflate: true, csize: size},
		// Incompressible padding keeps the archive within the ratio as a
		// whole, so only reading can tell.
		zipEntry{name: "padding", body: noise(32 << 10)},
	)
	a, err := openZip(t, data, lim)
	require.NoError(t, err)
	got, err := readAll(t, &a.Entries[0])
	require.ErrorIs(t, err, fileops.ErrRatio)
	var ae *fileops.ArchiveError
	require.ErrorAs(t, err, &ae)
	require.Equal(t, "bomb", ae.Entry)
	require.Greater(t, len(got), 1000, "the threshold holds for what is read")
	require.Less(t, len(got), size, "stopped before the end")

	a, err = openZip(t, data, fileops.Limits{MaxRatio: fileops.NoRatioLimit, RatioThreshold: 1000})
	require.NoError(t, err)
	got, err = readAll(t, &a.Entries[0])
	require.NoError(t, err, "no cap")
	require.Len(t, got, size)
}

// noise returns n bytes of letters that deflate shrinks less than twice.
func noise(n int) string {
	b := make([]byte, n)
	x := uint32(2463534242)
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = 'a' + byte(x%26)
	}
	return string(b)
}
