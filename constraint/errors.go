package constraint

import (
	"fmt"
	"strings"
)

// SyntaxError is a window list, a range list or a date-time that cannot be
// read.
type SyntaxError struct {
	// What names the syntax: "window list", "range list" or "date-time".
	What string
	// Input is the text as given.
	Input string
	// Offset is the byte offset in Input where the problem is.
	Offset int
	// Msg says what is wrong and what was expected.
	Msg string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("%s %q: at offset %d: %s", e.What, e.Input, e.Offset, e.Msg)
}

// scanner reads one list item by item, keeping the offsets errors name.
type scanner struct {
	what string
	in   string
}

func (s *scanner) errorf(off int, format string, args ...any) error {
	return &SyntaxError{What: s.what, Input: s.in, Offset: off, Msg: fmt.Sprintf(format, args...)}
}

// items splits the input at commas, each item with its offset.
func (s *scanner) items() []item {
	var out []item
	off := 0
	for {
		i := strings.IndexByte(s.in[off:], ',')
		if i < 0 {
			return append(out, item{text: s.in[off:], off: off})
		}
		out = append(out, item{text: s.in[off : off+i], off: off})
		off += i + 1
	}
}

// item is one element of a list and its byte offset in the list.
type item struct {
	text string
	off  int
}

// skipBlanks returns the offset of the first non-blank byte of t at or after
// i.
func skipBlanks(t string, i int) int {
	for i < len(t) && (t[i] == ' ' || t[i] == '\t') {
		i++
	}
	return i
}

// blank reports whether t holds only blanks.
func blank(t string) bool { return skipBlanks(t, 0) == len(t) }
