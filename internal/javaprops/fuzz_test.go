package javaprops

import (
	"bytes"
	"errors"
	"maps"
	"slices"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// FuzzProperties checks that Decode never panics and that whatever it
// decodes survives Store and Decode unchanged (R25), whatever the comment and
// line separator.
func FuzzProperties(f *testing.F) {
	seeds := []string{
		"a=b\nc:d\ne f\n",
		"# comment\n! other\n\n  key = value \\\n   continued\r\nnext\rlast",
		`k\=ey\:\ x=\t\n\r\f\u0041\uD83D\uDE00\\`,
		"\\\n#x=y\n\\",
		"a=\\u00\\\n  41\n",
		"caf\xe9=\xff\xef\xbb\xbf",
		"a=\xc3",
		"\xef\xbb\xbfé=€😀",
		`bad=\u12`,
	}
	for _, s := range seeds {
		f.Add([]byte(s), false, rhqComment, false)
		f.Add([]byte(s), true, "multi\nline\r\n#comment\r!€", true)
	}
	f.Fuzz(func(t *testing.T, data []byte, useUTF8 bool, comments string, crlf bool) {
		cs := Latin1
		if useUTF8 {
			cs = UTF8
		}
		p, err := Decode(bytes.NewReader(data), cs)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Decode error is not a *SyntaxError: %v", err)
			}
			return
		}
		m := p.Map()
		if len(m) != p.Len() || len(p.Entries()) != p.Len() {
			t.Fatalf("Len %d, Map %d, Entries %d", p.Len(), len(m), len(p.Entries()))
		}
		var out bytes.Buffer
		err = Store(&out, m, storeDate, StoreOptions{Comments: comments, CRLF: crlf})
		if !utf8.ValidString(comments) {
			// Decoded maps are always valid UTF-8; only the comment can be invalid.
			if !errors.Is(err, ErrInvalidUTF8) {
				t.Fatalf("Store with invalid comment: %v", err)
			}
			return
		}
		if err != nil {
			t.Fatalf("Store: %v", err)
		}
		back, err := Decode(&out, Latin1)
		if err != nil {
			t.Fatalf("Decode(Store(m)): %v\n%q", err, out.String())
		}
		if got := back.Map(); !maps.Equal(m, got) {
			diff := cmp.Diff(m, got)
			t.Fatalf("round trip (-want +got):\n%s\nstored:\n%q", diff, out.String())
		}
		entries := back.Entries()
		if !slices.IsSortedFunc(entries, func(a, b Entry) int { return compareJava(a.Key, b.Key) }) {
			t.Fatalf("Store did not sort the keys:\n%q", out.String())
		}
	})
}
