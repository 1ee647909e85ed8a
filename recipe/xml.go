package recipe

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/beevik/etree"
)

// The namespace URI of RHQ's Ant bundle elements (R153). Elements are matched by
// this URI, whatever prefix the recipe binds it to.
const rhqNS = "antlib:org.rhq.bundle"

// Limits applied unless options change them. A real recipe is a few kilobytes and a
// dozen levels deep; these bounds stop a hostile file from exhausting memory or
// the stack without getting in the way of any legitimate one.
const (
	DefaultMaxSize  = 4 << 20
	DefaultMaxDepth = 64
)

// xmlDoc is a parsed document with the position of every element. etree keeps no
// positions, so a second pass with encoding/xml records the position of the n-th
// start element, which is the n-th element of the etree document in document order
// (both read the same bytes with the same decoder rules).
type xmlDoc struct {
	root *etree.Element
	pos  map[*etree.Element]Pos
}

// readLimited reads all of r, failing when it holds more than max bytes.
func readLimited(r io.Reader, file string, max int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", file, err)
	}
	if int64(len(data)) > max {
		return nil, &Error{Pos: Pos{File: file}, Err: fmt.Errorf("%w: file is larger than the %d-byte limit", ErrSyntax, max)}
	}
	return data, nil
}

func parseXML(data []byte, file string, maxDepth int) (*xmlDoc, error) {
	starts, err := startPositions(data, file, maxDepth)
	if err != nil {
		return nil, err
	}
	doc := etree.NewDocument()
	doc.ReadSettings.MaxDepth = maxDepth
	doc.ReadSettings.CharsetReader = charsetReader
	if err := doc.ReadFromBytes(data); err != nil {
		// The position pass accepted the bytes, so etree disagreeing is a bug in
		// one of the two; report it without a finer position rather than guess.
		return nil, &Error{Pos: Pos{File: file, Line: 1, Col: 1}, Err: fmt.Errorf("%w: %v", ErrSyntax, err)}
	}
	root := doc.Root()
	if root == nil {
		return nil, &Error{Pos: Pos{File: file, Line: 1, Col: 1}, Err: fmt.Errorf("%w: no root element", ErrSyntax)}
	}
	d := &xmlDoc{root: root, pos: make(map[*etree.Element]Pos, len(starts))}
	i := 0
	var walk func(e *etree.Element)
	walk = func(e *etree.Element) {
		if i < len(starts) {
			d.pos[e] = starts[i]
		}
		i++
		for _, c := range e.ChildElements() {
			walk(c)
		}
	}
	walk(root)
	if i != len(starts) {
		return nil, &Error{Pos: Pos{File: file, Line: 1, Col: 1}, Err: fmt.Errorf("%w: element count mismatch between passes (%d vs %d)", ErrSyntax, i, len(starts))}
	}
	return d, nil
}

// startPositions decodes data strictly and returns the position of every start
// element in document order. It is also the well-formedness check: its errors carry
// the line and column where decoding stopped. encoding/xml never expands entities
// other than the five predefined ones and character references, so an "entity
// expansion" document fails here instead of growing in memory.
func startPositions(data []byte, file string, maxDepth int) ([]Pos, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.CharsetReader = charsetReader
	var starts []Pos
	depth := 0
	for {
		line, col := dec.InputPos()
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			if len(starts) == 0 {
				return nil, &Error{Pos: Pos{File: file, Line: line, Col: col}, Err: fmt.Errorf("%w: no root element", ErrSyntax)}
			}
			return starts, nil
		}
		if err != nil {
			// After un-reading a newline encoding/xml can report column 0;
			// the mistake is then at the start of that line.
			l, c := dec.InputPos()
			c = max(c, 1)
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				err = errors.New(se.Msg)
			}
			return nil, &Error{Pos: Pos{File: file, Line: l, Col: c}, Err: fmt.Errorf("%w: %v", ErrSyntax, err)}
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if depth == 0 && len(starts) > 0 {
				return nil, &Error{Pos: Pos{File: file, Line: line, Col: col}, Err: fmt.Errorf("%w: a second root element; a document has exactly one", ErrSyntax)}
			}
			depth++
			if depth > maxDepth {
				return nil, &Error{Pos: Pos{File: file, Line: line, Col: col}, Err: fmt.Errorf("%w: elements nested deeper than %d levels", ErrSyntax, maxDepth)}
			}
			starts = append(starts, Pos{File: file, Line: line, Col: col})
		case xml.EndElement:
			depth--
		case xml.CharData:
			if depth == 0 && len(bytes.TrimSpace(tok)) > 0 {
				return nil, &Error{Pos: Pos{File: file, Line: line, Col: col}, Err: fmt.Errorf("%w: text outside the root element", ErrSyntax)}
			}
		}
	}
}

// charsetReader accepts the encodings Ant build files are written in besides UTF-8:
// ISO-8859-1 (Latin-1) and its ASCII subset. Anything else is refused by name rather
// than read as mojibake.
func charsetReader(charset string, input io.Reader) (io.Reader, error) {
	switch strings.ToLower(charset) {
	case "utf-8", "utf8":
		return input, nil
	case "iso-8859-1", "iso8859-1", "latin1", "latin-1", "us-ascii", "ascii":
		return &latin1Reader{r: bufio.NewReader(input)}, nil
	}
	return nil, fmt.Errorf("unsupported encoding %q (use UTF-8 or ISO-8859-1)", charset)
}

// latin1Reader decodes ISO-8859-1 bytes into UTF-8.
type latin1Reader struct {
	r       *bufio.Reader
	pending []byte
}

func (l *latin1Reader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if len(l.pending) > 0 {
			c := copy(p[n:], l.pending)
			l.pending = l.pending[c:]
			n += c
			continue
		}
		b, err := l.r.ReadByte()
		if err != nil {
			if n > 0 {
				return n, nil
			}
			return 0, err
		}
		if b < utf8.RuneSelf {
			p[n] = b
			n++
			continue
		}
		l.pending = utf8.AppendRune(l.pending[:0], rune(b))
	}
	return n, nil
}
