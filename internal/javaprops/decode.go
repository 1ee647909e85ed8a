package javaprops

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Charset selects how the bytes of a properties file become characters.
type Charset int

const (
	// Latin1 decodes every byte as one ISO-8859-1 character, as
	// Properties.load(InputStream) does. It never fails.
	Latin1 Charset = iota
	// UTF8 decodes UTF-8, as Properties.load(Reader) does with a UTF-8 reader.
	// Invalid UTF-8 is an error; a leading byte-order mark is skipped.
	UTF8
)

// Sentinel errors wrapped by SyntaxError.
var (
	// ErrMalformedEscape reports a \u escape not followed by four hex digits;
	// Java throws IllegalArgumentException("Malformed \uxxxx encoding.").
	ErrMalformedEscape = errors.New(`malformed \uxxxx escape`)
	// ErrInvalidUTF8 reports a byte sequence that is not UTF-8 in UTF8 mode.
	ErrInvalidUTF8 = errors.New("invalid UTF-8")
)

// SyntaxError reports where a properties file is malformed. Line and Column are
// 1-based; the column counts characters of the natural line. The error never
// quotes the file's text, so it is safe to show for files holding passwords.
type SyntaxError struct {
	Line   int
	Column int
	Err    error
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("line %d, column %d: %v", e.Line, e.Column, e.Err)
}

func (e *SyntaxError) Unwrap() error { return e.Err }

// Entry is one property of a decoded file.
type Entry struct {
	Key   string
	Value string
	// Line is the line on which the logical line that set Value starts.
	Line int
}

// Properties is a decoded property list: the key/value map Java would build,
// plus the order in which the keys first appear in the file.
type Properties struct {
	entries []Entry
	index   map[string]int
}

// Len returns the number of distinct keys.
func (p *Properties) Len() int { return len(p.entries) }

// Get returns the value of key and whether the key is present.
func (p *Properties) Get(key string) (string, bool) {
	i, ok := p.index[key]
	if !ok {
		return "", false
	}
	return p.entries[i].Value, true
}

// Entries returns the properties in the order their keys first appear in the
// file, each with the value of its last occurrence. The slice is a copy.
func (p *Properties) Entries() []Entry { return slices.Clone(p.entries) }

// Map returns the properties as a new map.
func (p *Properties) Map() map[string]string {
	m := make(map[string]string, len(p.entries))
	for _, e := range p.entries {
		m[e.Key] = e.Value
	}
	return m
}

// set records e; a repeated key keeps its first position and takes the new
// value and line, as a later put into Java's Properties replaces the value.
func (p *Properties) set(e Entry) {
	if i, ok := p.index[e.Key]; ok {
		p.entries[i] = e
		return
	}
	p.index[e.Key] = len(p.entries)
	p.entries = append(p.entries, e)
}

// Decode reads a properties file with the syntax of java.util.Properties.load.
// A *SyntaxError reports malformed input; read errors from r are wrapped.
func Decode(r io.Reader, cs Charset) (*Properties, error) {
	if cs != Latin1 && cs != UTF8 {
		return nil, fmt.Errorf("decode properties: unknown charset %d", int(cs))
	}
	s := &scanner{br: bufio.NewReader(r), utf8: cs == UTF8, line: 1, col: 1}
	if s.utf8 {
		if err := s.skipBOM(); err != nil {
			return nil, err
		}
	}
	p := &Properties{index: make(map[string]int)}
	for {
		ok, err := s.readLine()
		if err != nil {
			return nil, err
		}
		if !ok {
			return p, nil
		}
		key, value, err := s.split()
		if err != nil {
			return nil, err
		}
		p.set(Entry{Key: key, Value: value, Line: s.segs[0].line})
	}
}

// scanner ports the LineReader and load0 of java.util.Properties (JDK 9 and
// later), keeping the position of every character for error messages.
type scanner struct {
	br   *bufio.Reader
	utf8 bool

	line, col   int  // position of the next character
	afterCR     bool // the previous character was '\r', so a '\n' ends no new line
	cline, ccol int  // position of the character last returned

	buf  []rune    // the logical line being read
	segs []segment // where each natural line's characters start in buf
}

// segment maps buf[off:] (up to the next segment) back to the file.
type segment struct{ off, line, col int }

func (s *scanner) skipBOM() error {
	b, err := s.br.Peek(3)
	if err != nil && !errors.Is(err, io.EOF) {
		return s.readErr(err)
	}
	if string(b) == "\uFEFF" {
		_, _ = s.br.Discard(3)
	}
	return nil
}

func (s *scanner) readErr(err error) error {
	return fmt.Errorf("line %d: %w", s.line, err)
}

// next returns the next character; io.EOF is returned unwrapped.
func (s *scanner) next() (rune, error) {
	var c rune
	if s.utf8 {
		r, size, err := s.br.ReadRune()
		if err != nil {
			return 0, s.eofOr(err)
		}
		if r == utf8.RuneError && size == 1 {
			return 0, &SyntaxError{Line: s.line, Column: s.col, Err: ErrInvalidUTF8}
		}
		c = r
	} else {
		b, err := s.br.ReadByte()
		if err != nil {
			return 0, s.eofOr(err)
		}
		c = rune(b)
	}
	s.cline, s.ccol = s.line, s.col
	crlf := c == '\n' && s.afterCR
	s.afterCR = c == '\r'
	switch {
	case crlf:
	case c == '\r' || c == '\n':
		s.line++
		s.col = 1
	default:
		s.col++
	}
	return c, nil
}

func (s *scanner) eofOr(err error) error {
	if err == io.EOF {
		return io.EOF
	}
	return s.readErr(err)
}

// atEOF reports whether the input is exhausted; other errors surface on the
// next read.
func (s *scanner) atEOF() bool {
	_, err := s.br.Peek(1)
	return err == io.EOF
}

func isBlank(c rune) bool { return c == ' ' || c == '\t' || c == '\f' }

// readLine reads the next logical line into s.buf: comment and blank lines are
// skipped, leading whitespace of every natural line is dropped, and a line
// ending in an odd number of backslashes continues on the next one. It
// returns false at the end of the input.
func (s *scanner) readLine() (bool, error) {
	s.buf = s.buf[:0]
	s.segs = s.segs[:0]
	skipWhite := true
	appendedLineBegin := false // the natural line continues a logical line
	backslash := false         // the last character is an unescaped backslash
	skipLF := false
	newSegment := true
	for {
		c, err := s.next()
		if err == io.EOF {
			if len(s.buf) == 0 {
				return false, nil
			}
			if backslash {
				s.buf = s.buf[:len(s.buf)-1]
			}
			return true, nil
		}
		if err != nil {
			return false, err
		}
		if skipLF {
			skipLF = false
			if c == '\n' {
				continue
			}
		}
		if skipWhite {
			if isBlank(c) || !appendedLineBegin && (c == '\r' || c == '\n') {
				continue
			}
			skipWhite = false
			appendedLineBegin = false
		}
		// Java tests for a comment while the logical line is still empty, so
		// a continuation of a lone backslash can start a comment too.
		if len(s.buf) == 0 && (c == '#' || c == '!') {
			s.segs = s.segs[:0]
			if err := s.skipComment(); err != nil {
				if err == io.EOF {
					return false, nil
				}
				return false, err
			}
			skipWhite = true
			continue
		}
		if c != '\n' && c != '\r' {
			if newSegment {
				s.segs = append(s.segs, segment{off: len(s.buf), line: s.cline, col: s.ccol})
				newSegment = false
			}
			s.buf = append(s.buf, c)
			backslash = c == '\\' && !backslash
			continue
		}
		if len(s.buf) == 0 {
			s.segs = s.segs[:0]
			skipWhite = true
			continue
		}
		if !backslash {
			return true, nil
		}
		s.buf = s.buf[:len(s.buf)-1]
		// Java returns the line, even one now empty, when the input ends
		// right after the continuation's line terminator.
		if s.atEOF() {
			return true, nil
		}
		skipWhite, appendedLineBegin, backslash = true, true, false
		skipLF = c == '\r'
		newSegment = true
	}
}

// skipComment consumes the rest of a comment line with its line terminator.
func (s *scanner) skipComment() error {
	for {
		c, err := s.next()
		if err != nil {
			return err
		}
		if c == '\n' || c == '\r' {
			return nil
		}
	}
}

// split parses the logical line in s.buf into key and value: the key ends at
// the first unescaped '=', ':' or whitespace; whitespace around the separator
// and at most one '=' or ':' after whitespace are skipped.
func (s *scanner) split() (key, value string, err error) {
	limit := len(s.buf)
	keyLen, valueStart := 0, limit
	hasSep, backslash := false, false
	for ; keyLen < limit; keyLen++ {
		c := s.buf[keyLen]
		if !backslash && (c == '=' || c == ':') {
			valueStart, hasSep = keyLen+1, true
			break
		}
		if !backslash && isBlank(c) {
			valueStart = keyLen + 1
			break
		}
		backslash = c == '\\' && !backslash
	}
	for ; valueStart < limit; valueStart++ {
		c := s.buf[valueStart]
		if isBlank(c) {
			continue
		}
		if hasSep || c != '=' && c != ':' {
			break
		}
		hasSep = true
	}
	if key, err = s.unescape(0, keyLen); err != nil {
		return "", "", err
	}
	if value, err = s.unescape(valueStart, limit); err != nil {
		return "", "", err
	}
	return key, value, nil
}

// unescape converts s.buf[from:to] as Java's loadConvert does. \u escapes are
// UTF-16 code units: a surrogate pair becomes one character and a lone
// surrogate becomes U+FFFD, since a Go string cannot hold it.
func (s *scanner) unescape(from, to int) (string, error) {
	in := s.buf[from:to]
	if !slices.Contains(in, '\\') {
		return string(in), nil
	}
	var b strings.Builder
	b.Grow(len(in))
	var high rune // a high surrogate from a \u escape, waiting for its pair
	flush := func() {
		if high != 0 {
			b.WriteRune(utf8.RuneError)
			high = 0
		}
	}
	for i := 0; i < len(in); i++ {
		c := in[i]
		// readLine never leaves an unescaped backslash at the end; should one
		// appear it is kept literally rather than read past the end.
		if c != '\\' || i+1 == len(in) {
			flush()
			b.WriteRune(c)
			continue
		}
		i++
		c = in[i]
		if c != 'u' {
			flush()
			b.WriteRune(unescapeChar(c))
			continue
		}
		u, ok := hex4(in[i+1:])
		if !ok {
			line, col := s.position(from + i - 1)
			return "", &SyntaxError{Line: line, Column: col, Err: ErrMalformedEscape}
		}
		i += 4
		switch {
		case utf16.IsSurrogate(u) && u < 0xDC00:
			flush()
			high = u
		case utf16.IsSurrogate(u) && high != 0:
			b.WriteRune(utf16.DecodeRune(high, u))
			high = 0
		case utf16.IsSurrogate(u):
			b.WriteRune(utf8.RuneError)
		default:
			flush()
			b.WriteRune(u)
		}
	}
	flush()
	return b.String(), nil
}

func unescapeChar(c rune) rune {
	switch c {
	case 't':
		return '\t'
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	case 'f':
		return '\f'
	}
	return c
}

// hex4 decodes the four hex digits at the start of in.
func hex4(in []rune) (rune, bool) {
	if len(in) < 4 {
		return 0, false
	}
	var u rune
	for _, c := range in[:4] {
		var d rune
		switch {
		case '0' <= c && c <= '9':
			d = c - '0'
		case 'a' <= c && c <= 'f':
			d = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, false
		}
		u = u<<4 | d
	}
	return u, true
}

// position returns the line and column in the file of s.buf[off].
func (s *scanner) position(off int) (line, col int) {
	i := sort.Search(len(s.segs), func(i int) bool { return s.segs[i].off > off }) - 1
	seg := s.segs[i]
	return seg.line, seg.col + off - seg.off
}
