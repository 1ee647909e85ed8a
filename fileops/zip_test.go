package fileops_test

import (
	"archive/zip"
	"bytes"
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
	"github.com/bundlekit/bundlekit/internal/testzip"
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
	data := testzip.Build(t,
		testzip.Entry{Name: "bin/", Mode: fs.ModeDir | 0o755},
		testzip.Entry{Name: "bin/run.sh", Body: "#!/bin/sh\n", Mode: 0o755, Deflate: true},
		testzip.Entry{Name: "conf/app.properties", Body: "port=@@port@@\n"},
		testzip.Entry{Name: "empty.txt"},
		testzip.Entry{Name: "ünïcödé/Straße.txt", Body: "ß"},
		testzip.Entry{Name: "a..b/c..", Body: "dots inside names are fine"},
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
	ok := testzip.Entry{Name: "ok.txt", Body: "fine"}
	tests := []struct {
		name    string
		entries []testzip.Entry
		lim     fileops.Limits
		entry   string // the entry the error must name
		want    error
	}{
		// Zip slip and other unsafe names.
		{"dotdot", []testzip.Entry{ok, {Name: "../evil.txt"}}, fileops.Limits{}, "../evil.txt", fileops.ErrUnsafePath},
		{"dotdot inside", []testzip.Entry{{Name: "a/../../b"}}, fileops.Limits{}, "a/../../b", fileops.ErrUnsafePath},
		{"dotdot that stays inside", []testzip.Entry{{Name: "a/../b"}}, fileops.Limits{}, "a/../b", fileops.ErrUnsafePath},
		{"dotdot dir", []testzip.Entry{{Name: "a/../"}}, fileops.Limits{}, "a/../", fileops.ErrUnsafePath},
		{"absolute", []testzip.Entry{{Name: "/etc/passwd"}}, fileops.Limits{}, "/etc/passwd", fileops.ErrUnsafePath},
		{"root dir", []testzip.Entry{{Name: "/"}}, fileops.Limits{}, "/", fileops.ErrUnsafePath},
		{"drive letter", []testzip.Entry{{Name: "C:/Windows/win.ini"}}, fileops.Limits{}, "C:/Windows/win.ini", fileops.ErrUnsafePath},
		{"drive relative", []testzip.Entry{{Name: "c:x"}}, fileops.Limits{}, "c:x", fileops.ErrUnsafePath},
		{"backslash", []testzip.Entry{{Name: `..\..\evil.txt`}}, fileops.Limits{}, `..\..\evil.txt`, fileops.ErrUnsafePath},
		{"backslash plain", []testzip.Entry{{Name: `dir\file.txt`}}, fileops.Limits{}, `dir\file.txt`, fileops.ErrUnsafePath},
		{"NUL", []testzip.Entry{{Name: "a.txt\x00.jpg"}}, fileops.Limits{}, "a.txt\x00.jpg", fileops.ErrUnsafePath},
		{"newline", []testzip.Entry{{Name: "a\n../../b\tX"}}, fileops.Limits{}, "a\n../../b\tX", fileops.ErrUnsafePath},
		{"tab", []testzip.Entry{{Name: "a\tb"}}, fileops.Limits{}, "a\tb", fileops.ErrUnsafePath},
		{"invalid UTF-8", []testzip.Entry{{Name: "caf\xe9.txt"}}, fileops.Limits{}, "caf\xe9.txt", fileops.ErrUnsafePath},
		{"empty name", []testzip.Entry{{Name: ""}}, fileops.Limits{}, "", fileops.ErrUnsafePath},
		{"empty element", []testzip.Entry{{Name: "a//b"}}, fileops.Limits{}, "a//b", fileops.ErrUnsafePath},
		{"dot element", []testzip.Entry{{Name: "./a"}}, fileops.Limits{}, "./a", fileops.ErrUnsafePath},
		{"dot dir", []testzip.Entry{{Name: "./"}}, fileops.Limits{}, "./", fileops.ErrUnsafePath},
		{"double slash dir", []testzip.Entry{{Name: "a//"}}, fileops.Limits{}, "a//", fileops.ErrUnsafePath},

		// Names that would reach one file twice.
		{"duplicate file", []testzip.Entry{{Name: "a/b", Body: "1"}, ok, {Name: "a/b", Body: "2"}}, fileops.Limits{}, "a/b", fileops.ErrDuplicate},
		{"duplicate dir", []testzip.Entry{{Name: "a/"}, {Name: "a/"}}, fileops.Limits{}, "a/", fileops.ErrDuplicate},
		{"case", []testzip.Entry{{Name: "README"}, {Name: "readme"}}, fileops.Limits{}, "readme", fileops.ErrCaseCollision},
		{"case in parent", []testzip.Entry{{Name: "Conf/a"}, {Name: "conf/b"}}, fileops.Limits{}, "conf/b", fileops.ErrCaseCollision},
		{"case non-ASCII", []testzip.Entry{{Name: "ÄRGER"}, {Name: "ärger"}}, fileops.Limits{}, "ärger", fileops.ErrCaseCollision},
		{"case Kelvin sign", []testzip.Entry{{Name: "k"}, {Name: "\u212a"}}, fileops.Limits{}, "\u212a", fileops.ErrCaseCollision},
		{"file then dir", []testzip.Entry{{Name: "a"}, {Name: "a/"}}, fileops.Limits{}, "a/", fileops.ErrFileAsDir},
		{"dir then file", []testzip.Entry{{Name: "a/"}, {Name: "a"}}, fileops.Limits{}, "a", fileops.ErrFileAsDir},
		{"file as parent", []testzip.Entry{{Name: "a"}, {Name: "a/b"}}, fileops.Limits{}, "a/b", fileops.ErrFileAsDir},
		{"file below file", []testzip.Entry{{Name: "a/b"}, {Name: "a"}}, fileops.Limits{}, "a", fileops.ErrFileAsDir},

		// Entries that are not plain files or directories.
		{"symlink", []testzip.Entry{{Name: "link", Body: "/etc/passwd", Mode: fs.ModeSymlink | 0o777}}, fileops.Limits{}, "link", fileops.ErrIrregular},
		{"symlink dir name", []testzip.Entry{{Name: "link/", Mode: fs.ModeSymlink | 0o777}}, fileops.Limits{}, "link/", fileops.ErrIrregular},
		{"device", []testzip.Entry{{Name: "dev", Mode: fs.ModeDevice | fs.ModeCharDevice | 0o666}}, fileops.Limits{}, "dev", fileops.ErrIrregular},
		{"fifo", []testzip.Entry{{Name: "fifo", Mode: fs.ModeNamedPipe | 0o666}}, fileops.Limits{}, "fifo", fileops.ErrIrregular},
		{"socket", []testzip.Entry{{Name: "sock", Mode: fs.ModeSocket | 0o666}}, fileops.Limits{}, "sock", fileops.ErrIrregular},
		{"dir mode without slash", []testzip.Entry{{Name: "d", Mode: fs.ModeDir | 0o755}}, fileops.Limits{}, "d", fileops.ErrIrregular},
		{"dir with content", []testzip.Entry{{Name: "d/", Size: 6}}, fileops.Limits{}, "d/", fileops.ErrIrregular},
		{"encrypted", []testzip.Entry{{Name: "secret", Body: "x", Flags: 0x1}}, fileops.Limits{}, "secret", fileops.ErrUnsupportedEntry},
		{"bzip2", []testzip.Entry{{Name: "b", Body: "x", Method: 12}}, fileops.Limits{}, "b", fileops.ErrUnsupportedEntry},

		// Limits.
		{"too many", []testzip.Entry{ok, {Name: "b"}, {Name: "c"}}, fileops.Limits{MaxEntries: 2}, "", fileops.ErrTooMany},
		{"entry too large", []testzip.Entry{ok, {Name: "big", Body: "12345"}}, fileops.Limits{MaxEntrySize: 4}, "big", fileops.ErrTooLarge},
		{"declared too large", []testzip.Entry{{Name: "bomb", Body: "x", Size: 5 << 30}}, fileops.Limits{}, "bomb", fileops.ErrTooLarge},
		{"total too large", []testzip.Entry{{Name: "a", Body: "123"}, {Name: "b", Body: "456"}}, fileops.Limits{MaxTotalSize: 5}, "b", fileops.ErrTooLarge},
		{"total overflow", []testzip.Entry{{Name: "a", Body: "x", Size: 1 << 62}, {Name: "b", Body: "x", Size: 1 << 62}}, fileops.Limits{MaxEntrySize: 1 << 62, MaxTotalSize: 1 << 62, MaxRatio: fileops.NoRatioLimit}, "b", fileops.ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := openZip(t, testzip.Build(t, tt.entries...), tt.lim)
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
		e    testzip.Entry
		want error
		n    int // bytes the reader may return before failing
	}{
		{"stored longer", testzip.Entry{Body: body, Size: 10}, fileops.ErrTooLarge, 10},
		{"deflated longer", testzip.Entry{Body: body, Size: 100, Deflate: true}, fileops.ErrTooLarge, 100},
		{"deflated bomb declared 1", testzip.Entry{Body: strings.Repeat("\x00", 1<<20), Size: 1, Deflate: true}, fileops.ErrTooLarge, 1},
		{"stored shorter", testzip.Entry{Body: body, Size: 20000}, io.ErrUnexpectedEOF, len(body)},
		{"deflated shorter", testzip.Entry{Body: body, Size: 20000, Deflate: true}, io.ErrUnexpectedEOF, len(body)},
		{"crc", testzip.Entry{Body: body, CRC: 1}, zip.ErrChecksum, len(body)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.e.Name = "lying.txt"
			a, err := openZip(t, testzip.Build(t, tt.e), fileops.Limits{})
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
	a, err := openZip(t, testzip.Build(t, testzip.Entry{Name: "d/"}), fileops.Limits{})
	require.NoError(t, err)
	_, err = a.Entries[0].Open()
	require.ErrorIs(t, err, fileops.ErrIrregular)
}

func TestOpenZipFile(t *testing.T) {
	tests := []struct {
		name     string
		wholeMax int64
	}{
		{"read whole", 1 << 20},
		{"read where needed", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer fileops.SetZipWholeMax(tt.wholeMax)()
			p := filepath.Join(t.TempDir(), "bundle.zip")
			require.NoError(t, os.WriteFile(p, testzip.Build(t, testzip.Entry{Name: "a.txt", Body: "A"}, testzip.Entry{Name: "b/c.txt", Body: "C"}), 0o644))
			a, err := fileops.OpenZipFile(p, fileops.Limits{})
			require.NoError(t, err)
			got, err := readAll(t, &a.Entries[0])
			require.NoError(t, err)
			require.Equal(t, "A", string(got))
			// A small archive was read whole by the first entry read; a
			// larger one is still read where needed.
			require.NoError(t, os.WriteFile(p, nil, 0o644))
			got, err = readAll(t, &a.Entries[1])
			if tt.wholeMax == 0 {
				require.Error(t, err, "the archive was emptied")
			} else {
				require.NoError(t, err)
				require.Equal(t, "C", string(got))
			}
			require.NoError(t, a.Close())

			require.NoError(t, os.WriteFile(p, testzip.Build(t, testzip.Entry{Name: "../a.txt"}), 0o644))
			_, err = fileops.OpenZipFile(p, fileops.Limits{})
			var ae *fileops.ArchiveError
			require.ErrorAs(t, err, &ae)
			require.Equal(t, p, ae.Archive)

			_, err = fileops.OpenZipFile(filepath.Join(t.TempDir(), "missing.zip"), fileops.Limits{})
			require.ErrorIs(t, err, fs.ErrNotExist)
		})
	}
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

// TestOpenZipBombDefault is the case: 512 MiB of zeros deflated to
// about half a megabyte is refused by the zero Limits (which are
// DefaultLimits) when the archive is opened, before anything is read, with an
// error that names the entry, its ratio and the option that raises the cap.
func TestOpenZipBombDefault(t *testing.T) {
	var bomb bytes.Buffer
	require.NoError(t, testzip.WriteZeros(&bomb, "data/zeros.bin", 512<<20))
	data := bomb.Bytes()
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
	many := func(n, size int) []testzip.Entry {
		var out []testzip.Entry
		for i := range n {
			out = append(out, testzip.Entry{Name: fmt.Sprintf("f%03d", i), Body: zeros(size), Deflate: true})
		}
		return out
	}
	tests := []struct {
		name    string
		entries []testzip.Entry
		lim     fileops.Limits
		entry   string // the entry the error names; "" for the archive
		refused bool
	}{
		{"small entries may expand without bound", []testzip.Entry{{Name: "z", Body: zeros(1000), Deflate: true}}, lim, "", false},
		{"text within the ratio", []testzip.Entry{{Name: "t", Body: noise(5000), Deflate: true}}, lim, "", false},
		{"zeros over the threshold", []testzip.Entry{{Name: "ok", Body: "fine"}, {Name: "z", Body: zeros(2000), Deflate: true}}, lim, "z", true},
		{"stored entry declaring more than it holds", []testzip.Entry{{Name: "s", Body: "0123456789", Size: 5000}}, lim, "s", true},
		{"an entry declaring no compressed bytes", []testzip.Entry{{Name: "e", Body: "", Size: 5000}}, lim, "e", true},
		{"no cap", []testzip.Entry{{Name: "z", Body: zeros(2000), Deflate: true}}, fileops.Limits{MaxRatio: fileops.NoRatioLimit, RatioThreshold: 1000}, "", false},
		// Each entry is under the threshold; together they are not.
		{"many small bombs", many(100, 999), fileops.Limits{MaxRatio: 5, RatioThreshold: 1000}, "", true},
		// The entry lies about its compressed size to pass its own check;
		// the archive is much smaller than what it declares.
		{"lying compressed size", []testzip.Entry{{Name: "l", Body: zeros(20000), Deflate: true, CSize: 20000}}, lim, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := openZip(t, testzip.Build(t, tt.entries...), tt.lim)
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
	data := testzip.Build(t,
		testzip.Entry{Name: "bomb", Body: strings.Repeat("\x00", size), Deflate: true, CSize: size},
		// Incompressible padding keeps the archive within the ratio as a
		// whole, so only reading can tell.
		testzip.Entry{Name: "padding", Body: noise(32 << 10)},
	)
	a, err := openZip(t, data, lim)
	require.NoError(t, err)
	got, err := readAll(t, &a.Entries[0])
	require.ErrorIs(t, err, fileops.ErrRatio)
	var ae *fileops.ArchiveError
	require.ErrorAs(t, err, &ae)
	require.Equal(t, "bomb", ae.Entry)
	var yielded, from int
	_, err = fmt.Sscanf(err.Error()[strings.Index(err.Error(), "ratio over the limit: ")+len("ratio over the limit: "):], "%d bytes from %d", &yielded, &from)
	require.NoError(t, err, "the error gives the figures")
	require.Greater(t, yielded, 1000, "the threshold holds: only more than RatioThreshold bytes are checked")
	require.Greater(t, yielded, 10*from, "what is stopped expands more than MaxRatio times")
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

// TestEntryOpenInterleaved: entries read at the same time, as the deployer's
// workers do, each get their own decompressor, however often the pooled ones
// are reused; a reader closed early gives its decompressor back and reads
// nothing more.
func TestEntryOpenInterleaved(t *testing.T) {
	bodies := []string{noise(300 << 10), strings.Repeat("ab", 100<<10), noise(7), ""}
	var entries []testzip.Entry
	for i, b := range bodies {
		entries = append(entries, testzip.Entry{Name: fmt.Sprintf("f%d", i), Body: b, Deflate: true})
	}
	a, err := openZip(t, testzip.Build(t, entries...), fileops.Limits{})
	require.NoError(t, err)
	for round := range 3 {
		readers := make([]io.ReadCloser, len(bodies))
		got := make([][]byte, len(bodies))
		for i := range bodies {
			readers[i], err = a.Entries[i].Open()
			require.NoError(t, err)
		}
		for more := true; more; {
			more = false
			for i, r := range readers {
				buf := make([]byte, 1000+round*4096)
				n, err := r.Read(buf)
				got[i] = append(got[i], buf[:n]...)
				if err == nil {
					more = true
					continue
				}
				require.ErrorIs(t, err, io.EOF, "entry %d", i)
			}
		}
		for i, r := range readers {
			require.Equal(t, bodies[i], string(got[i]), "round %d entry %d", round, i)
			require.NoError(t, r.Close())
		}
	}

	r, err := a.Entries[0].Open()
	require.NoError(t, err)
	_, err = r.Read(make([]byte, 10))
	require.NoError(t, err)
	require.NoError(t, r.Close())
	require.NoError(t, r.Close(), "a second Close does nothing")
	_, err = r.Read(make([]byte, 10))
	require.Error(t, err, "a read after Close fails")
	var ae *fileops.ArchiveError
	require.ErrorAs(t, err, &ae)
	require.Equal(t, "f0", ae.Entry)
}
