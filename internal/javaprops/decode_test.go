package javaprops

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
)

// TestDecode covers the syntax of Properties.load (R20: readers implement the
// full Java syntax). Every expectation is what Java 17 and 25 load from the
// same bytes, except where a comment names a documented deviation.
func TestDecode(t *testing.T) {
	tests := []struct {
		name string
		in   string
		cs   Charset
		want []Entry
	}{
		// Separators: the first unescaped '=', ':' or blank ends the key.
		{"equals", "a=b", Latin1, []Entry{{"a", "b", 1}}},
		{"colon", "a:b", Latin1, []Entry{{"a", "b", 1}}},
		{"space", "a b", Latin1, []Entry{{"a", "b", 1}}},
		{"tab", "a\tb", Latin1, []Entry{{"a", "b", 1}}},
		{"form feed", "a\fb", Latin1, []Entry{{"a", "b", 1}}},
		{"blanks around equals", "a \t= \fb", Latin1, []Entry{{"a", "b", 1}}},
		{"blanks around colon", "a  :  b", Latin1, []Entry{{"a", "b", 1}}},
		{"only the first separator counts", "a=b=c:d", Latin1, []Entry{{"a", "b=c:d", 1}}},
		{"colon then equals", "a:=b", Latin1, []Entry{{"a", "=b", 1}}},
		{"one separator after blanks", "a = = b", Latin1, []Entry{{"a", "= b", 1}}},
		{"blank separator then text", "a  b c", Latin1, []Entry{{"a", "b c", 1}}},
		{"trailing blanks belong to the value", "a=b \t", Latin1, []Entry{{"a", "b \t", 1}}},
		{"leading blanks of a line are dropped", " \t\fa=b", Latin1, []Entry{{"a", "b", 1}}},
		{"vertical tab is not a blank", "a\v=b", Latin1, []Entry{{"a\v", "b", 1}}},

		// A key alone has the empty value; an empty key is allowed.
		{"key alone", "a", Latin1, []Entry{{"a", "", 1}}},
		{"key and equals", "a=", Latin1, []Entry{{"a", "", 1}}},
		{"key and blanks", "a   ", Latin1, []Entry{{"a", "", 1}}},
		{"key blank colon", "a :", Latin1, []Entry{{"a", "", 1}}},
		{"empty key", "=b", Latin1, []Entry{{"", "b", 1}}},
		{"empty key after blanks", "  : b", Latin1, []Entry{{"", "b", 1}}},

		// Comments and blank lines.
		{"comments", "#a=b\n!c=d\n  # e\n\t!f\ng=h", Latin1, []Entry{{"g", "h", 5}}},
		{"hash inside a line is text", "a#=b#c", Latin1, []Entry{{"a#", "b#c", 1}}},
		{"comment is never continued", "#a\\\nb=c", Latin1, []Entry{{"b", "c", 2}}},
		{"comment at end without newline", "a=b\n#c", Latin1, []Entry{{"a", "b", 1}}},
		{"escaped hash starts a key", `\#a=b`, Latin1, []Entry{{"#a", "b", 1}}},
		{"blank lines", "\n  \n\t\f\r\na=b\n\n", Latin1, []Entry{{"a", "b", 4}}},
		{"empty input", "", Latin1, nil},
		{"only comments", "# x\n! y\n", Latin1, nil},

		// Line terminators: \n, \r\n and \r.
		{"terminators", "a=1\r\nb=2\rc=3\nd=4", Latin1, []Entry{{"a", "1", 1}, {"b", "2", 2}, {"c", "3", 3}, {"d", "4", 4}}},
		{"CR CR is two lines", "a=1\r\rb=2", Latin1, []Entry{{"a", "1", 1}, {"b", "2", 3}}},

		// Continuation: an odd number of trailing backslashes.
		{"continuation LF", "a=b\\\n   c", Latin1, []Entry{{"a", "bc", 1}}},
		{"continuation CRLF", "a=b\\\r\n \tc\r\nd=e", Latin1, []Entry{{"a", "bc", 1}, {"d", "e", 3}}},
		{"continuation CR", "a=b\\\r\fc", Latin1, []Entry{{"a", "bc", 1}}},
		{"even backslashes do not continue", "a=b\\\\\nc=d", Latin1, []Entry{{"a", `b\`, 1}, {"c", "d", 2}}},
		{"three backslashes continue", "a=b\\\\\\\nc", Latin1, []Entry{{"a", `b\c`, 1}}},
		{"continued line is not a comment", "a=b\\\n#c", Latin1, []Entry{{"a", "b#c", 1}}},
		{"continued line keeps trailing blanks", "a=b\\\n c \nd", Latin1, []Entry{{"a", "bc ", 1}, {"d", "", 3}}},
		{"blank line ends a continuation", "a=b\\\n\nc=d", Latin1, []Entry{{"a", "b", 1}, {"c", "d", 3}}},
		{"blank-only line ends a continuation", "a=b\\\n   \nc=d", Latin1, []Entry{{"a", "b", 1}, {"c", "d", 3}}},
		{"continuation inside the key", "ke\\\n  y=v", Latin1, []Entry{{"key", "v", 1}}},
		{"continuation before the separator", "a\\\n  =b", Latin1, []Entry{{"a", "b", 1}}},
		{"many continuations", "a=1\\\n2\\\n3\\\n4\nb", Latin1, []Entry{{"a", "1234", 1}, {"b", "", 5}}},
		{"backslash at end of input", "a=b\\", Latin1, []Entry{{"a", "b", 1}}},
		{"continuation at end of input", "a=b\\\n", Latin1, []Entry{{"a", "b", 1}}},
		{"continuation then blanks at end of input", "a=b\\\n  ", Latin1, []Entry{{"a", "b", 1}}},
		// Java quirk: a lone backslash just before the end of input is an
		// empty key with an empty value, but not when anything follows.
		{"lone backslash at end of input", "\\", Latin1, []Entry{{"", "", 1}}},
		{"lone backslash line at end of input", "x\n\\\n", Latin1, []Entry{{"x", "", 1}, {"", "", 2}}},
		{"lone backslash then blank line", "\\\n\n", Latin1, nil},
		// JDK 9+ test for a comment while the logical line is still empty.
		{"lone backslash then comment", "\\\n#x=y\nz", Latin1, []Entry{{"z", "", 3}}},
		{"lone backslash then blank line then key", "\\\n\nz", Latin1, []Entry{{"z", "", 3}}},
		{"lone backslash continued", "\\\n  x=y", Latin1, []Entry{{"x", "y", 1}}},

		// Escapes.
		{"control escapes", `a=\t\n\r\f`, Latin1, []Entry{{"a", "\t\n\r\f", 1}}},
		{"other escapes stand for themselves", `a=\a\b\"\\`, Latin1, []Entry{{"a", `ab"\`, 1}}},
		{"escaped separators in the key", "a\\=b\\:c\\ d\\\te=f", Latin1, []Entry{{"a=b:c d\te", "f", 1}}},
		{"escaped leading space of the value", `a=\ b`, Latin1, []Entry{{"a", " b", 1}}},
		{"escaped backslash", `p=C:\\dir\\`, Latin1, []Entry{{"p", `C:\dir\`, 1}}},
		{"unicode escapes", `a=\u0041\u00e9\u00E9\u20ac`, Latin1, []Entry{{"a", "Aéé€", 1}}},
		{"unicode escape of a separator", `a\u003db=c`, Latin1, []Entry{{"a=b", "c", 1}}},
		{"unicode escape NUL", `a=\u0000`, Latin1, []Entry{{"a", "\x00", 1}}},
		{"surrogate pair", `a=\uD83D\uDE00`, Latin1, []Entry{{"a", "😀", 1}}},
		// Deviation: lone surrogates become U+FFFD.
		{"lone high surrogate", `a=\uD83Dx`, Latin1, []Entry{{"a", "\uFFFDx", 1}}},
		{"lone low surrogate", `a=\uDE00`, Latin1, []Entry{{"a", "\uFFFD", 1}}},
		{"high surrogate at end", `a=\uD83D`, Latin1, []Entry{{"a", "\uFFFD", 1}}},
		{"two high surrogates", `a=\uD83D\uD83D\uDE00`, Latin1, []Entry{{"a", "\uFFFD😀", 1}}},
		{"escape split by a continuation", "a=\\u00\\\n  41", Latin1, []Entry{{"a", "A", 1}}},

		// Charsets.
		{"latin1 bytes", "a=caf\xe9 \xff", Latin1, []Entry{{"a", "café ÿ", 1}}},
		{"latin1 reads UTF-8 bytes as two characters", "a=\xc3\xa9", Latin1, []Entry{{"a", "Ã©", 1}}},
		{"latin1 keeps a BOM as characters", "\xef\xbb\xbfa=b", Latin1, []Entry{{"ï»¿a", "b", 1}}},
		{"utf8", "a=caf\xc3\xa9 😀", UTF8, []Entry{{"a", "café 😀", 1}}},
		{"utf8 non-Latin-1 key", "日本=€", UTF8, []Entry{{"日本", "€", 1}}},
		// Deviation: a UTF-8 byte-order mark is skipped.
		{"utf8 BOM", "\xef\xbb\xbfa=b", UTF8, []Entry{{"a", "b", 1}}},
		{"utf8 literal U+FFFD is valid", "a=\uFFFD", UTF8, []Entry{{"a", "\uFFFD", 1}}},

		// Duplicates: the last value wins, the first position stays.
		{"duplicate key", "a=1\nb=2\na=3", Latin1, []Entry{{"a", "3", 3}, {"b", "2", 2}}},
		{"duplicate key spelled differently", "a=1\n\\u0061 2", Latin1, []Entry{{"a", "2", 2}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Decode(strings.NewReader(tt.in), tt.cs)
			require.NoError(t, err)
			if diff := cmp.Diff(tt.want, p.Entries()); diff != "" {
				t.Errorf("Decode(%q) entries (-want +got):\n%s", tt.in, diff)
			}
			require.Equal(t, len(tt.want), p.Len())
			for _, e := range tt.want {
				v, ok := p.Get(e.Key)
				require.True(t, ok, "Get(%q)", e.Key)
				require.Equal(t, e.Value, v, "Get(%q)", e.Key)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		cs        Charset
		want      error
		line, col int
	}{
		{"short unicode escape", `a=\u12`, Latin1, ErrMalformedEscape, 1, 3},
		{"non-hex unicode escape", "x=1\nkey=\\u00G1", Latin1, ErrMalformedEscape, 2, 5},
		{"unicode escape in the key", `\u=b`, Latin1, ErrMalformedEscape, 1, 1},
		{"escape after a continuation", "a=b\\\n   \\uXYZW", Latin1, ErrMalformedEscape, 2, 4},
		{"escape after blank lines CRLF", "\r\n\r\n  a=\\u", Latin1, ErrMalformedEscape, 3, 5},
		{"upper-case U is no escape", `a=\U0041\u`, Latin1, ErrMalformedEscape, 1, 9},
		{"invalid UTF-8", "a=1\nb=\xff", UTF8, ErrInvalidUTF8, 2, 3},
		{"invalid UTF-8 in a comment", "# caf\xe9\n", UTF8, ErrInvalidUTF8, 1, 6},
		{"truncated UTF-8", "a=\xc3", UTF8, ErrInvalidUTF8, 1, 3},
		{"UTF-8 encoded surrogate", "a=\xed\xa0\x80", UTF8, ErrInvalidUTF8, 1, 3},
		{"column counts characters", "é=€\xff", UTF8, ErrInvalidUTF8, 1, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(strings.NewReader(tt.in), tt.cs)
			require.ErrorIs(t, err, tt.want)
			var se *SyntaxError
			require.ErrorAs(t, err, &se)
			require.Equal(t, [2]int{tt.line, tt.col}, [2]int{se.Line, se.Column})
		})
	}
}

func TestDecodeErrorHidesText(t *testing.T) {
	_, err := Decode(strings.NewReader(`password=s3cr3t\uXYZW`), Latin1)
	require.EqualError(t, err, `line 1, column 16: malformed \uxxxx escape`)
}

func TestDecodeReadError(t *testing.T) {
	boom := errors.New("boom")
	for _, cs := range []Charset{Latin1, UTF8} {
		r := io.MultiReader(strings.NewReader("a=1\nb=2\n"), iotest.ErrReader(boom))
		_, err := Decode(r, cs)
		require.ErrorIs(t, err, boom)
		require.ErrorContains(t, err, "line 3")

		_, err = Decode(iotest.ErrReader(boom), cs)
		require.EqualError(t, err, "line 1: boom")
	}
}

func TestDecodeUnknownCharset(t *testing.T) {
	_, err := Decode(strings.NewReader("a=b"), Charset(7))
	require.EqualError(t, err, "decode properties: unknown charset 7")
}

func TestPropertiesMap(t *testing.T) {
	p, err := Decode(strings.NewReader("b=1\na=2\nb=3\n"), Latin1)
	require.NoError(t, err)
	if diff := cmp.Diff(map[string]string{"a": "2", "b": "3"}, p.Map()); diff != "" {
		t.Errorf("Map (-want +got):\n%s", diff)
	}
	entries := p.Entries()
	entries[0].Value = "changed"
	v, _ := p.Get("b")
	require.Equal(t, "3", v, "Entries must return a copy")
	_, ok := p.Get("c")
	require.False(t, ok)
}

// BenchmarkDecode guards against quadratic work: one long line, a line with
// many continuations, and many short lines, each about 1 MiB.
func BenchmarkDecode(b *testing.B) {
	const n = 1 << 20
	inputs := map[string]string{
		"long line":     "k=" + strings.Repeat(`x\u0041`, n/7),
		"continuations": "k=" + strings.Repeat("x\\\n  ", n/5),
		"many lines":    strings.Repeat("key=value\n", n/10),
	}
	for name, in := range inputs {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			for b.Loop() {
				if _, err := Decode(strings.NewReader(in), Latin1); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
