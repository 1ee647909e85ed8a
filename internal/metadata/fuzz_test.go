package metadata

import (
	"bufio"
	"bytes"
	"errors"
	"maps"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/bundlekit/bundlekit/internal/javaprops"
)

func addGolden(f *testing.F, pattern string) {
	files, err := filepath.Glob(pattern)
	if err != nil || len(files) == 0 {
		f.Fatalf("no seed files %s: %v", pattern, err)
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}

// FuzzDecodeHashes checks that DecodeHashes never panics, fails only with a
// *FormatError or a too long line, and that what it decodes encodes to a file
// that decodes to the same map, directories aside (R17–R19), and that the
// files canonical accepts are those EncodeHashes writes.
func FuzzDecodeHashes(f *testing.F) {
	addGolden(f, "testdata/rhq/dest/.rhqdeployments/*/file-hashcodes.dat")
	addGolden(f, "testdata/encode/file-hashcodes.dat")
	for _, s := range []string{"", "\n", "\r", "\r\n", "a\tb", "a\tb\t", "\tb", "a\t\tb", "a\tb\r\rc\td",
		"a\t?DIRECTORY?\nb\tc\n", "\xff\t\xfe\r\n", "😀\tＡ\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := DecodeHashes(bytes.NewReader(data), "f")
		if err != nil {
			var fe *FormatError
			if !errors.As(err, &fe) && !errors.Is(err, bufio.ErrTooLong) {
				t.Fatalf("DecodeHashes: unexpected error %v", err)
			}
			return
		}
		enc, err := EncodeHashes(h)
		if err != nil {
			t.Fatalf("EncodeHashes of a decoded map: %v", err)
		}
		back, err := DecodeHashes(bytes.NewReader(enc), "f")
		if err != nil {
			t.Fatalf("DecodeHashes of EncodeHashes output %q: %v", enc, err)
		}
		want := maps.Clone(h)
		maps.DeleteFunc(want, func(_, v string) bool { return v == MarkDirectory })
		if diff := cmp.Diff(want, back); diff != "" {
			t.Fatalf("round trip (-want +got):\n%s", diff)
		}
		again, err := EncodeHashes(back)
		if err != nil || !bytes.Equal(enc, again) {
			t.Fatalf("EncodeHashes is not stable: %q then %q (%v)", enc, again, err)
		}
		// Record writes a canonical file's bytes again instead of encoding.
		if canonical(string(data)) && !bytes.Equal(data, enc) {
			t.Fatalf("canonical %q, but EncodeHashes writes %q", data, enc)
		}
		if !canonical(string(enc)) {
			t.Fatalf("EncodeHashes output %q is not canonical", enc)
		}
	})
}

// FuzzDecodeProperties checks that DecodeProperties never panics, fails only
// with an *InvalidPropertiesError or a *javaprops.SyntaxError, and that what
// it decodes encodes to a file that decodes to the same Properties (R20–R25).
func FuzzDecodeProperties(f *testing.F) {
	addGolden(f, "testdata/rhq/dest/.rhqdeployments/*/*.properties")
	addGolden(f, "testdata/encode/*.properties")
	for _, s := range []string{"", "deployment.id=1\nbundle.name=\nbundle.version",
		"deployment.id=+0\nbundle.name=a\\\n  b\nbundle.version=\\u00e9\nbundle.destination.compliance=filesAndDirectories",
		"deployment.id=-1\nbundle.name:x\nbundle.version x\nmanage.root.dir=false\n\\ k\\=\\:=\\ v\n",
		"deployment.id=1\nbundle.name=a\nbundle.version=1\nbundle.description=\\uD83D\\uDE00\\uD800\r\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := DecodeProperties(bytes.NewReader(data))
		if err != nil {
			var invalid *InvalidPropertiesError
			var syntax *javaprops.SyntaxError
			if !errors.As(err, &invalid) && !errors.As(err, &syntax) {
				t.Fatalf("DecodeProperties: unexpected error %v", err)
			}
			return
		}
		enc, err := EncodeProperties(p, rhqTime)
		if err != nil {
			t.Fatalf("EncodeProperties of decoded %#v: %v", p, err)
		}
		back, err := DecodeProperties(bytes.NewReader(enc))
		if err != nil {
			t.Fatalf("DecodeProperties of EncodeProperties output %q: %v", enc, err)
		}
		if diff := cmp.Diff(fields(p), fields(back)); diff != "" {
			t.Fatalf("round trip (-want +got):\n%s", diff)
		}
	})
}

// FuzzPlainLocal checks checkKey's fast path: every key plainLocal accepts
// is one the full check accepts too, and plainLocal accepts the keys a walk
// of D makes (valid UTF-8; any other key takes the full check).
func FuzzPlainLocal(f *testing.F) {
	for _, k := range []string{"a", "a/b", "d00/f0000.bin", ".a/b.", "a..b/...", "", "/", "/a", "a/", "a//b",
		".", "..", "./a", "a/.", "a/./b", "a/..", "a/../..", "../a", "a\\b", "..\\a", "a\x00b", "C:/x", "C:\\x", "C:"} {
		f.Add(k)
	}
	f.Fuzz(func(t *testing.T, k string) {
		if plainLocal(k) {
			if err := checkAnyKey(k); err != nil {
				t.Fatalf("plainLocal(%q), but the full check says %v", k, err)
			}
		}
		local := k != "" && k != "." && k != ".." && !path.IsAbs(k) && !strings.HasPrefix(k, "../")
		if plainLocal(k) && (path.Clean(k) != k || !local) {
			t.Fatalf("plainLocal(%q), but the path is not clean and local", k)
		}
		if local && path.Clean(k) == k && utf8.ValidString(k) && !strings.ContainsAny(k, "\\\x00") && !plainLocal(k) {
			t.Fatalf("plainLocal(%q) is false for a clean local path", k)
		}
	})
}
