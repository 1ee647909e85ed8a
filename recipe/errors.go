package recipe

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// Pos is a position in a recipe file. Line and Col are 1-based; Col counts bytes,
// as encoding/xml does. The zero Pos means "no position" (an error about the
// document as a whole with no better place to point at).
type Pos struct {
	File string `json:"file,omitempty"`
	Line int    `json:"line"`
	Col  int    `json:"col"`
}

// String formats p as file:line:col, the form editors and terminals link to.
func (p Pos) String() string {
	file := p.File
	if file == "" {
		file = "<input>"
	}
	if p.Line == 0 {
		return file
	}
	return file + ":" + strconv.Itoa(p.Line) + ":" + strconv.Itoa(p.Col)
}

// Sentinel reasons wrapped by Error.Err, for callers that branch on the kind of
// mistake with errors.Is.
var (
	// ErrSyntax: the file is not well-formed XML, or is too large or too deep.
	ErrSyntax = errors.New("malformed XML")
	// ErrMissing: a required element or attribute is absent or empty.
	ErrMissing = errors.New("missing")
	// ErrInvalid: an attribute value or element content is not acceptable.
	ErrInvalid = errors.New("invalid")
	// ErrUnknown: an element or attribute in the RHQ namespace that does not exist.
	ErrUnknown = errors.New("unknown")
	// ErrConflict: attributes or elements that exclude each other.
	ErrConflict = errors.New("conflict")
	// ErrUnsupported: a construct bundlekit (like RHQ) refuses to run, such as
	// <antcall> or <macrodef>.
	ErrUnsupported = errors.New("unsupported")
)

// Error is one mistake in a recipe, with the place it was found. Parse returns all
// the mistakes of a recipe as errors.Join of *Error values; use errors.As to reach
// them one by one, or Errors to list them.
type Error struct {
	Pos Pos
	// Element is the offending element as written in the file, with its
	// identifying attribute when it has one, e.g. `<rhq:file name="a.conf">`.
	// Empty for errors about the document as a whole.
	Element string
	// Rule is the spec rule that the check implements, e.g. "R163"; empty when
	// the check is bundlekit's own.
	Rule string
	// Err says what is wrong; it wraps one of the Err* sentinels.
	Err error
}

func (e *Error) Error() string {
	if e.Element == "" {
		return fmt.Sprintf("%s: %v", e.Pos, e.Err)
	}
	return fmt.Sprintf("%s: %s: %v", e.Pos, e.Element, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Errors returns every *Error inside err (as produced by Parse), in order. It
// returns nil when err holds none.
func Errors(err error) []*Error {
	var out []*Error
	var walk func(error)
	walk = func(err error) {
		if err == nil {
			return
		}
		if e, ok := err.(*Error); ok {
			out = append(out, e)
			return
		}
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
			return
		}
		walk(errors.Unwrap(err))
	}
	walk(err)
	return out
}

// MarshalJSON writes the error as {"pos","element","rule","message"}, the shape
// tools print or send on.
func (e *Error) MarshalJSON() ([]byte, error) {
	msg := ""
	if e.Err != nil {
		msg = e.Err.Error()
	}
	return json.Marshal(struct {
		Pos     Pos    `json:"pos"`
		Element string `json:"element,omitempty"`
		Rule    string `json:"rule,omitempty"`
		Message string `json:"message"`
	}{e.Pos, e.Element, e.Rule, msg})
}
