package xmldoc

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/beevik/etree"
)

// FuzzRead checks Read's contract on arbitrary input: it never panics; a
// refusal is an *Error with exactly one reason and a position (none only for
// a document too large to decode), and never a disagreement between the two
// passes; an accepted document has a position for every element, in document
// order, pointing at that element's start tag as written, and nests no deeper
// than the limit.
func FuzzRead(f *testing.F) {
	seeds, err := filepath.Glob(filepath.Join("testdata", "*.xml"))
	if err != nil || len(seeds) == 0 {
		f.Fatalf("no seeds in testdata: %v", err)
	}
	for _, name := range seeds {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	lim := Limits{MaxSize: 1 << 16, MaxDepth: 6}
	reasons := []error{ErrTooLarge, ErrTooDeep, ErrNoRoot, ErrMalformed}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Read(bytes.NewReader(data), lim)
		if err != nil {
			checkRefusal(t, err, reasons)
			return
		}
		asIs := !latin1(data)
		last := Pos{}
		var walk func(e *etree.Element, depth int)
		walk = func(e *etree.Element, depth int) {
			if depth > lim.MaxDepth {
				t.Fatalf("<%s> nested %d deep, over the limit of %d", e.FullTag(), depth, lim.MaxDepth)
			}
			p := d.Pos(e)
			if p.Line < last.Line || p.Line == last.Line && p.Col <= last.Col {
				t.Fatalf("<%s> at %v does not come after the previous element at %v", e.FullTag(), p, last)
			}
			last = p
			if asIs {
				if tag := "<" + e.FullTag(); !bytes.HasPrefix(data[offset(data, p):], []byte(tag)) {
					t.Fatalf("position %v of %s points at %q", p, tag, data[offset(data, p):])
				}
			}
			for _, c := range e.ChildElements() {
				walk(c, depth+1)
			}
		}
		walk(d.Root, 1)
	})
}

func checkRefusal(t *testing.T, err error, reasons []error) {
	t.Helper()
	xe, ok := errors.AsType[*Error](err)
	if !ok {
		t.Fatalf("refusal is not an *Error: %v", err)
	}
	n := 0
	for _, r := range reasons {
		if errors.Is(err, r) {
			n++
		}
	}
	switch {
	case n != 1:
		t.Fatalf("refusal wraps %d reasons: %v", n, err)
	case strings.HasPrefix(xe.Msg, passesDisagree):
		t.Fatalf("the two passes disagree: %v", err)
	case errors.Is(err, ErrTooLarge) != (xe.Line == 0 && xe.Col == 0):
		t.Fatalf("refusal with the wrong kind of position: %#v", xe)
	case xe.Line < 0 || xe.Col < 0 || xe.Line > 0 && xe.Col < 1:
		t.Fatalf("refusal with an impossible position: %#v", xe)
	}
}

// latin1 reports whether the document may have been decoded from ISO-8859-1,
// which changes byte columns: it declares an encoding and has bytes beyond
// ASCII.
func latin1(data []byte) bool {
	return bytes.Contains(data, []byte("encoding")) && bytes.ContainsFunc(data, func(r rune) bool { return r >= 0x80 })
}

// offset turns a position into a byte offset of data, counting lines and
// columns the way encoding/xml does.
func offset(data []byte, p Pos) int {
	off := 0
	for range p.Line - 1 {
		off += bytes.IndexByte(data[off:], '\n') + 1
	}
	return off + p.Col - 1
}
