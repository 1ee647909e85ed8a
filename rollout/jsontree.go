package rollout

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// node is a JSON value with the offset of its first byte, so that every
// mistake in a descriptor can name its line and column: encoding/json
// reports neither for a value of the wrong type nor for an unknown field.
type node struct {
	kind    kind
	off     int
	str     string // a string's value, a number's literal text
	b       bool
	members []member // an object's, in file order
	elems   []*node  // an array's
}

type member struct {
	key    string
	keyOff int
	val    *node
}

type kind uint8

const (
	kindNull kind = iota
	kindBool
	kindNumber
	kindString
	kindArray
	kindObject
)

func (k kind) String() string {
	return [...]string{"null", "a boolean", "a number", "a string", "an array", "an object"}[k]
}

// maxDepth bounds the nesting of a descriptor, whose deepest value is a
// target's property (four levels); anything far deeper is not a descriptor.
const maxDepth = 32

// parseTree reads data as one JSON value. A syntax error is a
// *ValidationError at the offending byte.
func parseTree(data []byte) (*node, *ValidationError) {
	p := &treeParser{data: data, dec: json.NewDecoder(bytes.NewReader(data))}
	p.dec.UseNumber()
	n, err := p.value(0)
	if err != nil {
		return nil, err
	}
	if tok, terr := p.dec.Token(); terr != io.EOF {
		off := p.next()
		if terr != nil {
			return nil, p.syntax(terr, off)
		}
		return nil, p.errAt(off, "unexpected %v after the descriptor's object", tok)
	}
	return n, nil
}

type treeParser struct {
	data []byte
	dec  *json.Decoder
}

// next is the offset of the next token: the decoder's offset is the end of
// the last token, before the white space, commas and colons that follow it.
func (p *treeParser) next() int {
	off := int(p.dec.InputOffset())
	for off < len(p.data) {
		switch p.data[off] {
		case ' ', '\t', '\r', '\n', ',', ':':
			off++
			continue
		}
		break
	}
	return off
}

func (p *treeParser) value(depth int) (*node, *ValidationError) {
	off := p.next()
	if depth > maxDepth {
		return nil, p.errAt(off, "nested more than %d levels deep", maxDepth)
	}
	tok, err := p.dec.Token()
	if err != nil {
		return nil, p.syntax(err, off)
	}
	n := &node{off: off}
	switch t := tok.(type) {
	case nil:
		n.kind = kindNull
	case bool:
		n.kind, n.b = kindBool, t
	case json.Number:
		n.kind, n.str = kindNumber, t.String()
	case string:
		n.kind, n.str = kindString, t
	case json.Delim:
		switch t {
		case '[':
			n.kind = kindArray
			for p.dec.More() {
				e, err := p.value(depth + 1)
				if err != nil {
					return nil, err
				}
				n.elems = append(n.elems, e)
			}
		case '{':
			n.kind = kindObject
			for p.dec.More() {
				keyOff := p.next()
				k, err := p.dec.Token()
				if err != nil {
					return nil, p.syntax(err, keyOff)
				}
				v, verr := p.value(depth + 1)
				if verr != nil {
					return nil, verr
				}
				n.members = append(n.members, member{key: k.(string), keyOff: keyOff, val: v})
			}
		}
		end := p.next()
		if _, err := p.dec.Token(); err != nil {
			return nil, p.syntax(err, end)
		}
	}
	return n, nil
}

// syntax turns a decoder error into a *ValidationError at its offset.
func (p *treeParser) syntax(err error, off int) *ValidationError {
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		// The decoder's offset is past the byte it refused.
		off = max(int(se.Offset)-1, 0)
	case err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF):
		return p.errAt(len(p.data), "unexpected end of the file: the JSON is cut short")
	}
	return p.errAt(off, "not valid JSON: %s", jsonMessage(err))
}

// jsonMessage is a decoder error without its "json: " or "invalid character"
// prefix noise kept where it helps.
func jsonMessage(err error) string {
	msg := err.Error()
	if len(msg) > 6 && msg[:6] == "json: " {
		msg = msg[6:]
	}
	return msg
}

func (p *treeParser) errAt(off int, format string, args ...any) *ValidationError {
	line, col := position(p.data, off)
	return &ValidationError{Line: line, Col: col, Msg: fmt.Sprintf(format, args...)}
}

// position is the 1-based line and column of the byte at off; columns count
// characters (runes), as editors do.
func position(data []byte, off int) (line, col int) {
	off = min(off, len(data))
	before := data[:off]
	line = bytes.Count(before, []byte{'\n'}) + 1
	start := bytes.LastIndexByte(before, '\n') + 1
	return line, utf8.RuneCount(before[start:]) + 1
}
