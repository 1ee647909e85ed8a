package metadata

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf16"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
)

func TestDecodeHashes(t *testing.T) {
	const h1, h2 = "0cc175b9c0f1b6a831c399e269772661", "92eb5ffee6ae2fec3ad71c777531578f"
	tests := []struct {
		name    string
		in      string
		want    Hashes
		errLine int    // a *FormatError at this line
		errText string // with this text
	}{
		{name: "R18 empty file", in: "", want: Hashes{}},
		{name: "R17 LF", in: "a\t" + h1 + "\nb/c\t" + h2 + "\n", want: Hashes{"a": h1, "b/c": h2}},
		{name: "R17 CRLF", in: "a\t" + h1 + "\r\nb/c\t" + h2 + "\r\n", want: Hashes{"a": h1, "b/c": h2}},
		{name: "R17 CR", in: "a\t" + h1 + "\rb/c\t" + h2 + "\r", want: Hashes{"a": h1, "b/c": h2}},
		{name: "R17 mixed line ends", in: "a\t" + h1 + "\rb\t" + h2 + "\r\nc\t" + h1 + "\n", want: Hashes{"a": h1, "b": h2, "c": h1}},
		{name: "R17 no final line end", in: "a\t" + h1 + "\nb\t" + h2, want: Hashes{"a": h1, "b": h2}},
		{name: "R19 markers and external keys", in: "/opt/x\t" + MarkUnknownFile + "\nC:/y\t" + MarkUnknownDir + "\nd\t" + MarkDirectory + "\n",
			want: Hashes{"/opt/x": MarkUnknownFile, "C:/y": MarkUnknownDir, "d": MarkDirectory}},
		{name: "R19 backslash is part of a name", in: "dir\\file\t" + h1 + "\ndir/file\t" + h2, want: Hashes{"dir\\file": h1, "dir/file": h2}},
		{name: "R18 spaces are part of fields", in: " a b \t x \n", want: Hashes{" a b ": " x "}},
		{name: "R18 trailing TABs are dropped, as String.split does", in: "a\t" + h1 + "\t\t\n", want: Hashes{"a": h1}},
		{name: "R18 a leading TAB gives the empty path", in: "\t" + h1 + "\n", want: Hashes{"": h1}},
		{name: "later line wins", in: "a\t" + h1 + "\na\t" + h2 + "\n", want: Hashes{"a": h2}},
		{name: "bytes are kept", in: "\xff\xfe\xef\xbb\xbf\t\x00\n", want: Hashes{"\xff\xfe\xef\xbb\xbf": "\x00"}},

		{name: "R18 a lone line end is a blank line", in: "\n", errLine: 1, errText: ""},
		{name: "R18 blank line", in: "a\t" + h1 + "\n\nb\t" + h2 + "\n", errLine: 2, errText: ""},
		{name: "R18 CR LF CR is two line ends", in: "a\t" + h1 + "\r\n\rb\t" + h2, errLine: 2, errText: ""},
		{name: "R18 LF CR is two line ends", in: "a\t" + h1 + "\n\r", errLine: 2, errText: ""},
		{name: "R18 empty hash", in: "a\t\n", errLine: 1, errText: "a\t"},
		{name: "R18 no TAB", in: "a\t" + h1 + "\nb " + h2 + "\n", errLine: 2, errText: "b " + h2},
		{name: "R18 path with a TAB", in: "a\tb\t" + h1 + "\n", errLine: 1, errText: "a\tb\t" + h1},
		{name: "R18 empty path and hash", in: "\t\n", errLine: 1, errText: "\t"},
		{name: "R18 inner empty field", in: "a\t\t" + h1, errLine: 1, errText: "a\t\t" + h1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// One byte at a time puts every CR at the end of a buffer.
			for _, in := range []io.Reader{strings.NewReader(tt.in), iotest.OneByteReader(strings.NewReader(tt.in))} {
				got, err := DecodeHashes(in, "/d/file-hashcodes.dat")
				if tt.errLine != 0 {
					var fe *FormatError
					require.ErrorAs(t, err, &fe)
					want := &FormatError{File: "/d/file-hashcodes.dat", Line: tt.errLine, Text: tt.errText}
					require.Equal(t, want, fe)
					require.Nil(t, got)
					continue
				}
				require.NoError(t, err)
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("DecodeHashes (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func TestFormatErrorMessage(t *testing.T) {
	_, err := DecodeHashes(strings.NewReader("a\tb\nc\n"), "/opt/app/.rhqdeployments/1/file-hashcodes.dat")
	require.EqualError(t, err, "Format error in [/opt/app/.rhqdeployments/1/file-hashcodes.dat] at line #[2]: c")
}

func TestDecodeHashesErrors(t *testing.T) {
	boom := errors.New("boom")
	_, err := DecodeHashes(iotest.TimeoutReader(strings.NewReader("a\tb\nc\td\n")), "f")
	require.ErrorIs(t, err, iotest.ErrTimeout)
	_, err = DecodeHashes(errReader{boom}, "f")
	require.ErrorIs(t, err, boom)

	long := strings.Repeat("x", maxLine) + "\th\n"
	_, err = DecodeHashes(strings.NewReader(long), "f")
	require.ErrorIs(t, err, bufio.ErrTooLong)
	got, err := DecodeHashes(strings.NewReader(long[maxLine-10:]), "f")
	require.NoError(t, err)
	require.Len(t, got, 1)
}

func TestDecodeHashesRHQFiles(t *testing.T) {
	tests := []struct {
		file string
		want Hashes
	}{
		{"testdata/rhq/dest/.rhqdeployments/-3/file-hashcodes.dat", Hashes{
			"bin/start.sh":  "3f786850e387550fdab836ed7e6dc881",
			"conf/app.conf": "d41d8cd98f00b204e9800998ecf8427e",
		}},
		{"testdata/rhq/dest/.rhqdeployments/2/file-hashcodes.dat", Hashes{ // R17 written on Windows: CRLF
			"bin/start.sh":  "3f786850e387550fdab836ed7e6dc881",
			"conf/app.conf": "5d41402abc4b2a76b9719d911017c592",
			"lib/app.jar":   "92eb5ffee6ae2fec3ad71c777531578f",
			"docs/Ａ.txt":    "4a8a08f09d37b73795649038408b5f33",
			"docs/😀.txt":    "8277e0910d750195b448797616e091ad",
			"C:/ext/hosts":  "e1671797c52e15f763380b45e841ec32",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := DecodeHashes(bytes.NewReader(readFile(t, tt.file)), tt.file)
			require.NoError(t, err)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("DecodeHashes (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEncodeHashesGolden(t *testing.T) {
	// The golden file is what Java's TreeMap and PrintWriter wrote (R17).
	h := Hashes{
		"b":            "92eb5ffee6ae2fec3ad71c777531578f",
		"a/b/c.txt":    "0cc175b9c0f1b6a831c399e269772661",
		"a b/c":        MarkUnknownFile,
		"a/Ａ.txt":      "4a8a08f09d37b73795649038408b5f33",
		"a/😀.txt":      "8277e0910d750195b448797616e091ad",
		"a/é.txt":      "e1671797c52e15f763380b45e841ec32",
		"A":            "d41d8cd98f00b204e9800998ecf8427e",
		"/opt/ext/x":   "3f786850e387550fdab836ed7e6dc881",
		"C:/ext/hosts": "5d41402abc4b2a76b9719d911017c592",
	}
	got, err := EncodeHashes(h)
	require.NoError(t, err)
	want := readFile(t, "testdata/encode/file-hashcodes.dat")
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("EncodeHashes differs from RHQ's storeToFile (-java +go):\n%s", diff)
	}
	// The case that makes the order matter: Go's byte order puts U+FF21
	// before U+1F600, Java puts the surrogate pair first.
	require.Less(t, "a/Ａ.txt", "a/😀.txt")
	require.Less(t, bytes.Index(got, []byte("a/😀.txt")), bytes.Index(got, []byte("a/Ａ.txt")))
}

func TestEncodeHashes(t *testing.T) {
	tests := []struct {
		name string
		in   Hashes
		want string
	}{
		{"empty", Hashes{}, ""},
		{"nil", nil, ""},
		{"R19 directories are not written", Hashes{"a": MarkDirectory, "a/b": "h", "/x": MarkDirectory}, "a/b\th\n"},
		{"R136 unknown markers are written", Hashes{"a": MarkUnknownFile, "d": MarkUnknownDir}, "a\t?UNKNOWN_FILE_HASHCODE?\nd\t?UNKNOWN_DIR_HASHCODE?\n"},
		{"the empty path round-trips", Hashes{"": "h"}, "\th\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := EncodeHashes(tt.in)
			require.NoError(t, err)
			require.Equal(t, tt.want, string(got))
		})
	}
}

func TestEncodeHashesUnencodable(t *testing.T) {
	tests := []struct {
		name string
		in   Hashes
	}{
		{"R18 TAB in path", Hashes{"a\tb": "h"}},
		{"LF in path", Hashes{"a\nb": "h"}},
		{"CR in path", Hashes{"a\rb": "h"}},
		{"R18 empty hash", Hashes{"a": ""}},
		{"TAB in hash", Hashes{"a": "h\t"}},
		{"LF in hash", Hashes{"a": "h\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.ErrorIs(t, tt.in.Check(), ErrUnencodable)
			got, err := EncodeHashes(tt.in)
			require.ErrorIs(t, err, ErrUnencodable)
			require.Nil(t, got)
		})
	}
	require.NoError(t, Hashes{"a\tb": MarkDirectory}.Check(), "directories are not written, so not checked")
}

func TestCompareJava(t *testing.T) {
	// Strings from characters on both sides of every UTF-16 boundary, compared
	// with the order of their UTF-16 encodings, which is Java's.
	chars := []string{"", "a", "b", "\u007f", "\u0080", "é", "\u07ff", "\u0800", "\ud7ff", "\ue000",
		"Ａ", "\uffff", "\U00010000", "😀", "\U0010ffff"}
	var strs []string
	for _, a := range chars {
		for _, b := range chars {
			strs = append(strs, a+b)
		}
	}
	utf16Cmp := func(a, b string) int {
		return slices.Compare(utf16.Encode([]rune(a)), utf16.Encode([]rune(b)))
	}
	for _, a := range strs {
		for _, b := range strs {
			if got, want := compareJava(a, b), utf16Cmp(a, b); got != want {
				t.Errorf("compareJava(%q, %q) = %d, want %d", a, b, got, want)
			}
		}
	}
}

func TestCompareJavaTotalOnInvalidUTF8(t *testing.T) {
	// Java never sees invalid UTF-8 (it decodes to U+FFFD), but the sort must
	// still be a total order so that output is deterministic.
	atoms := []string{"\xff", "\xfe", "\ufffd", "a", "\xc3", "é", "😀", "\xf0\x9f"}
	r := rand.New(rand.NewPCG(1, 2))
	var strs []string
	for range 300 {
		var b strings.Builder
		for range r.IntN(4) {
			b.WriteString(atoms[r.IntN(len(atoms))])
		}
		strs = append(strs, b.String())
	}
	for _, a := range strs {
		for _, b := range strs {
			ab, ba := compareJava(a, b), compareJava(b, a)
			if ab != -ba || (ab == 0) != (a == b) {
				t.Fatalf("compareJava(%q, %q) = %d, reversed %d", a, b, ab, ba)
			}
			for _, c := range strs[:40] {
				if ab < 0 && compareJava(b, c) < 0 && compareJava(a, c) >= 0 {
					t.Fatalf("not transitive: %q < %q < %q but not %q < %q", a, b, c, a, c)
				}
			}
		}
	}
}

func TestWithDirectories(t *testing.T) {
	const h = "0cc175b9c0f1b6a831c399e269772661"
	tests := []struct {
		name string
		in   Hashes
		want Hashes
	}{
		{"nil", nil, Hashes{}},
		{"R69 every ancestor", Hashes{"a/b/c.txt": h}, Hashes{"a/b/c.txt": h, "a/b": MarkDirectory, "a": MarkDirectory}},
		{"R69 top-level file has none", Hashes{"x": h}, Hashes{"x": h}},
		{"R69 absolute keys get none", Hashes{"/opt/x/y": h, "C:/x/y": h, "c:\\x\\y": h, "//srv/share/y": h},
			Hashes{"/opt/x/y": h, "C:/x/y": h, "c:\\x\\y": h, "//srv/share/y": h}},
		{"shared ancestors", Hashes{"a/b": h, "a/c/d": h}, Hashes{"a/b": h, "a/c/d": h, "a/c": MarkDirectory, "a": MarkDirectory}},
		{"java.io.File collapses slashes", Hashes{"a//b///c": h}, Hashes{"a//b///c": h, "a/b": MarkDirectory, "a": MarkDirectory}},
		{"java.io.File drops a trailing slash", Hashes{"a/b/": h}, Hashes{"a/b/": h, "a": MarkDirectory}},
		{"R40 dot segments stay", Hashes{"./x": h, "a/./b": h}, Hashes{"./x": h, ".": MarkDirectory, "a/./b": h, "a/.": MarkDirectory, "a": MarkDirectory}},
		{"R19 backslash is a name on Unix", Hashes{"a\\b": h}, Hashes{"a\\b": h}},
		{"a directory replaces a file of the same path", Hashes{"a": h, "a/b": h}, Hashes{"a": MarkDirectory, "a/b": h}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := maps.Clone(tt.in)
			got := tt.in.WithDirectories()
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("WithDirectories (-want +got):\n%s", diff)
			}
			require.Equal(t, in, tt.in, "the receiver is not changed")
		})
	}
}

func TestIsExternal(t *testing.T) {
	tests := []struct {
		key  string
		want bool
	}{
		{"/opt/app/x", true},
		{"//server/share/x", true},
		{"C:/x", true},
		{"c:\\x", true},
		{"z:/", true},
		{"a/b", false},
		{"", false},
		{"C:", false},
		{"C:x", false},
		{"1:/x", false},
		{"\\x", false},
		{"./x", false},
		{"../x", false},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, IsExternal(tt.key), "IsExternal(%q)", tt.key)
	}
}
