package fileops_test

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/bundlekit/bundlekit/fileops"
	"github.com/bundlekit/bundlekit/internal/testzip"
)

// FuzzOpenZip: OpenZip never panics, refuses with an *ArchiveError naming the
// archive, and what it accepts has only safe, distinct names (checked here by
// brute force, independently of the implementation) and entries that read
// back within their declared sizes or fail cleanly.
func FuzzOpenZip(f *testing.F) {
	var valid bytes.Buffer
	err := fileops.WriteZip(&valid, []fileops.ZipFile{
		{Name: "bin", Dir: true, Mode: 0o755},
		{Name: "bin/run.sh", Mode: 0o755, Open: content("#!/bin/sh\nexec java -jar app.jar\n")},
		{Name: "conf/app.properties", Open: content(strings.Repeat("key=@@value@@\n", 50))},
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid.Bytes())
	for _, entries := range [][]testzip.Entry{
		{},
		{{Name: "a.txt", Body: "hello"}, {Name: "d/"}, {Name: "d/b.txt", Body: "world", Deflate: true}},
		{{Name: "../evil", Body: "x"}},
		{{Name: "/etc/passwd", Body: "x"}},
		{{Name: `C:\x`, Body: "x"}},
		{{Name: "A"}, {Name: "a"}},
		{{Name: "a"}, {Name: "a/b"}},
		{{Name: "link", Body: "/etc", Mode: fs.ModeSymlink | 0o777}},
		{{Name: "big", Body: strings.Repeat("x", 1000), Size: 10}},
		{{Name: "bomb", Body: strings.Repeat("\x00", 100_000), Size: 10, Deflate: true}},
		{{Name: "zeros", Body: strings.Repeat("\x00", 60_000), Deflate: true}},
		{{Name: "lying", Body: strings.Repeat("\x00", 60_000), Deflate: true, CSize: 60_000}, {Name: "pad", Body: strings.Repeat("xyz", 2000)}},
		{{Name: "short", Body: "abc", Size: 100}},
		{{Name: "crc", Body: "abc", CRC: 7}},
	} {
		f.Add(testzip.Build(f, entries...))
	}

	lim := fileops.Limits{MaxEntries: 64, MaxEntrySize: 1 << 16, MaxTotalSize: 1 << 18, MaxRatio: 20, RatioThreshold: 1 << 10}
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := fileops.OpenZip("fuzz.zip", bytes.NewReader(data), int64(len(data)), lim)
		if err != nil {
			var ae *fileops.ArchiveError
			if !errors.As(err, &ae) || ae.Archive != "fuzz.zip" {
				t.Fatalf("error %v is not an *ArchiveError naming the archive", err)
			}
			return
		}
		if len(a.Entries) > lim.MaxEntries {
			t.Fatalf("%d entries", len(a.Entries))
		}
		checkNames(t, a.Entries)
		var total int64
		for i := range a.Entries {
			e := &a.Entries[i]
			if e.Size < 0 || e.Size > lim.MaxEntrySize || (e.Dir && e.Size != 0) {
				t.Fatalf("%q: size %d", e.Name, e.Size)
			}
			total += e.Size
			if e.Dir {
				continue
			}
			rc, err := e.Open()
			if err != nil {
				checkReadErr(t, e, err)
				continue
			}
			n, err := io.Copy(io.Discard, rc)
			rc.Close()
			if n > e.Size {
				t.Fatalf("%q: read %d bytes, declared %d", e.Name, n, e.Size)
			}
			if err == nil && n != e.Size {
				t.Fatalf("%q: read %d bytes without error, declared %d", e.Name, n, e.Size)
			}
			if err != nil {
				checkReadErr(t, e, err)
			}
		}
		if total > lim.MaxTotalSize {
			t.Fatalf("total %d, limit %d", total, lim.MaxTotalSize)
		}
		if total > lim.RatioThreshold && total > int64(lim.MaxRatio)*int64(len(data)) {
			t.Fatalf("%d bytes declared in an archive of %d accepted", total, len(data))
		}
	})
}

func checkReadErr(t *testing.T, e *fileops.Entry, err error) {
	t.Helper()
	var ae *fileops.ArchiveError
	if !errors.As(err, &ae) || ae.Archive != "fuzz.zip" {
		t.Fatalf("%q: error %v is not an *ArchiveError naming the archive", e.Name, err)
	}
}

// checkNames verifies the accepted names by brute force, independently of
// the implementation: every name is safe, and for every pair of entries, the
// path elements they share when compared ignoring case are spelled the same,
// neither is a duplicate of the other, and a file is not the parent of the
// other.
func checkNames(t *testing.T, entries []fileops.Entry) {
	t.Helper()
	for _, e := range entries {
		if !fs.ValidPath(e.Name) || e.Name == "." || !utf8.ValidString(e.Name) ||
			strings.ContainsAny(e.Name, "\\\x00\t\n\r") ||
			(len(e.Name) > 1 && e.Name[1] == ':') {
			t.Fatalf("unsafe name %q accepted", e.Name)
		}
	}
	elems := make([][]string, len(entries))
	for i, e := range entries {
		elems[i] = strings.Split(e.Name, "/")
	}
	for i, p := range entries {
		for j := i + 1; j < len(entries); j++ {
			q, pe, qe := entries[j], elems[i], elems[j]
			k := 0
			for k < len(pe) && k < len(qe) && strings.EqualFold(pe[k], qe[k]) {
				if pe[k] != qe[k] {
					t.Fatalf("%q and %q differ only in case", p.Name, q.Name)
				}
				k++
			}
			switch {
			case k == len(pe) && k == len(qe):
				t.Fatalf("%q accepted twice", p.Name)
			case k == len(pe) && !p.Dir, k == len(qe) && !q.Dir:
				t.Fatalf("%q and %q: a file is a parent", p.Name, q.Name)
			}
		}
	}
}

// FuzzCheckName: a name CheckName accepts is local and clean on this system,
// and so is the name of every Dir operation that accepts it.
func FuzzCheckName(f *testing.F) {
	for _, tt := range nameTests {
		f.Add(tt.name)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if fileops.CheckName(name) != nil {
			return
		}
		local := filepath.FromSlash(name)
		if !filepath.IsLocal(local) || filepath.Clean(local) != local || strings.HasPrefix(name, "/") {
			t.Fatalf("CheckName accepted %q", name)
		}
	})
}
