package xmldoc

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"

	"github.com/beevik/etree"
)

// Reasons an *Error wraps, for errors.Is.
var (
	// ErrTooLarge: the document holds more than Limits.MaxSize bytes.
	ErrTooLarge = errors.New("document too large")
	// ErrTooDeep: elements nest more than Limits.MaxDepth levels deep.
	ErrTooDeep = errors.New("document too deep")
	// ErrNoRoot: the document holds no element.
	ErrNoRoot = errors.New("no root element")
	// ErrMalformed: the document is not well-formed XML, has more than one
	// root element or text outside it, or is in an encoding Read does not
	// decode.
	ErrMalformed = errors.New("malformed XML")
)

// Error is a document Read refused.
type Error struct {
	// Line and Col are where reading stopped (1-based, Col in bytes); both
	// are 0 when the document was refused before it was decoded.
	Line, Col int
	// Reason is one of ErrTooLarge, ErrTooDeep, ErrNoRoot and ErrMalformed.
	Reason error
	// Msg says what is wrong, without the position, e.g. "elements nested
	// deeper than 64 levels".
	Msg string
}

func (e *Error) Error() string {
	if e.Line == 0 {
		return e.Msg
	}
	return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Col, e.Msg)
}

func (e *Error) Unwrap() error { return e.Reason }

// Limits bound what Read accepts. Both are taken as they are: a limit of 0
// refuses every document.
type Limits struct {
	// MaxSize is the largest document, in bytes.
	MaxSize int64
	// MaxDepth is how deeply elements may nest; the root element is level 1.
	MaxDepth int
}

// Pos is where an element's start tag begins: 1-based line and column, the
// column in bytes. The zero Pos means the element has no position.
type Pos struct {
	Line, Col int
}

// Document is a parsed XML document.
type Document struct {
	// Root is the document's one root element.
	Root *etree.Element
	pos  map[*etree.Element]Pos
}

// Pos returns where e's start tag begins, or the zero Pos for an element Read
// did not read (one a caller built in memory, or a Document literal's).
func (d *Document) Pos(e *etree.Element) Pos { return d.pos[e] }

// passesDisagree is the message of the error Read returns when etree and
// encoding/xml read a different number of elements from the same bytes: a bug
// in one of them, which the fuzz target looks for.
const passesDisagree = "etree and encoding/xml read the document differently"

// Read reads one document from r within lim; see the package documentation
// for what it accepts.
func Read(r io.Reader, lim Limits) (*Document, error) {
	data, err := io.ReadAll(io.LimitReader(r, lim.MaxSize+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > lim.MaxSize {
		return nil, &Error{Reason: ErrTooLarge, Msg: fmt.Sprintf("the document is larger than the %d-byte limit", lim.MaxSize)}
	}
	starts, err := startPositions(data, lim.MaxDepth)
	if err != nil {
		return nil, err
	}
	tree := etree.NewDocument()
	tree.ReadSettings.MaxDepth = lim.MaxDepth
	tree.ReadSettings.CharsetReader = charsetReader
	if err := tree.ReadFromBytes(data); err != nil {
		return nil, &Error{Line: 1, Col: 1, Reason: ErrMalformed, Msg: fmt.Sprintf("%s: %v", passesDisagree, err)}
	}
	d := &Document{Root: tree.Root(), pos: make(map[*etree.Element]Pos, len(starts))}
	n := 0
	var undeclared *Error
	var walk func(e *etree.Element)
	walk = func(e *etree.Element) {
		if n < len(starts) {
			d.pos[e] = starts[n]
		}
		n++
		if msg := undeclaredPrefix(e); msg != "" && undeclared == nil {
			p := d.pos[e]
			undeclared = &Error{Line: p.Line, Col: p.Col, Reason: ErrMalformed, Msg: msg}
		}
		for _, c := range e.ChildElements() {
			walk(c)
		}
	}
	if d.Root != nil {
		walk(d.Root)
	}
	switch {
	case n != len(starts):
		return nil, &Error{Line: 1, Col: 1, Reason: ErrMalformed, Msg: fmt.Sprintf("%s (%d elements, %d start tags)", passesDisagree, n, len(starts))}
	case undeclared != nil:
		return nil, undeclared
	}
	return d, nil
}

// undeclaredPrefix says which namespace prefix of e's name or attributes no
// xmlns:prefix declaration in scope binds, or returns "". encoding/xml and
// etree both take such a prefix as a name of its own, so <foo:echo> would
// read as a plain <echo> to a caller that matches namespace URIs; XML's
// namespace rules, and Ant's parser, refuse it.
func undeclaredPrefix(e *etree.Element) string {
	if e.Space != "" && e.NamespaceURI() == "" {
		return fmt.Sprintf("the namespace prefix %q of <%s> is not declared", e.Space, e.FullTag())
	}
	for _, a := range e.Attr {
		if a.Space != "" && a.Space != "xmlns" && a.Space != "xml" && a.NamespaceURI() == "" {
			return fmt.Sprintf("the namespace prefix %q of attribute %s is not declared", a.Space, a.FullKey())
		}
	}
	return ""
}

// startPositions decodes data strictly and returns the position of every start
// tag in document order. It is also the check of everything the package
// documentation promises: its errors carry the line and column where decoding
// stopped.
func startPositions(data []byte, maxDepth int) ([]Pos, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.CharsetReader = charsetReader
	var starts []Pos
	// stray is the first text before the root element; it is reported once a
	// root element shows up, so that a document of text alone is "no root
	// element".
	var stray *Pos
	depth := 0
	for {
		line, col := dec.InputPos()
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			if len(starts) == 0 {
				return nil, &Error{Line: line, Col: max(col, 1), Reason: ErrNoRoot, Msg: "no root element"}
			}
			return starts, nil
		}
		if err != nil {
			// After un-reading a newline encoding/xml can report column 0;
			// the mistake is then at the start of that line.
			l, c := dec.InputPos()
			msg := err.Error()
			if se, ok := errors.AsType[*xml.SyntaxError](err); ok {
				msg = se.Msg
			}
			return nil, &Error{Line: l, Col: max(c, 1), Reason: ErrMalformed, Msg: msg}
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				switch {
				case stray != nil:
					return nil, &Error{Line: stray.Line, Col: stray.Col, Reason: ErrMalformed, Msg: "text outside the root element"}
				case len(starts) > 0:
					return nil, &Error{Line: line, Col: col, Reason: ErrMalformed, Msg: "a second root element; a document has exactly one"}
				}
			}
			depth++
			if depth > maxDepth {
				return nil, &Error{Line: line, Col: col, Reason: ErrTooDeep, Msg: fmt.Sprintf("elements nested deeper than %d levels", maxDepth)}
			}
			starts = append(starts, Pos{Line: line, Col: col})
		case xml.EndElement:
			depth--
		case xml.CharData:
			if depth > 0 || len(bytes.TrimSpace(tok)) == 0 {
				break
			}
			if len(starts) > 0 {
				return nil, &Error{Line: line, Col: col, Reason: ErrMalformed, Msg: "text outside the root element"}
			}
			if stray == nil {
				stray = &Pos{Line: line, Col: col}
			}
		}
	}
}
