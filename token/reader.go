package token

import (
	"bytes"
	"errors"
	"io"
)

// MaxTokenLen is the length in bytes, delimiters included, of the longest token
// a Reader looks up. A longer token is copied through unchanged, exactly as if its
// key were unknown; every other input is realized as the unbounded rules R140–R145
// say. The bound is what keeps a Reader's memory fixed: the text of a possible
// token must be held back until its closing "@@" decides whether it is replaced.
const MaxTokenLen = 64 << 10

// Lookup supplies the values of tokens.
type Lookup interface {
	// Lookup returns the value of key and whether key has one. Keys are compared
	// exactly, case included (R143). Lookup must be safe for concurrent use if
	// the Lookup is shared by concurrent Readers.
	Lookup(key string) (value string, ok bool)
}

// Map is a Lookup holding fixed values.
type Map map[string]string

// Lookup returns m[key].
func (m Map) Lookup(key string) (string, bool) {
	v, ok := m[key]
	return v, ok
}

func (m Map) lookupBytes(key []byte) (string, bool) {
	v, ok := m[string(key)]
	return v, ok
}

// bytesLookup is implemented by the package's Lookups, which find a key held
// as bytes without allocating a string for it.
type bytesLookup interface {
	lookupBytes(key []byte) (string, bool)
}

// NewReader returns a reader of src with every @@token@@ realized from values
// (R140–R145); a nil values realizes nothing. Bytes outside tokens are copied
// exactly. The reader's memory does not depend on the size of src (see
// MaxTokenLen). An error from src other than io.EOF is returned once the bytes
// read before it have been delivered, and again on every later call.
//
// The returned reader also implements io.WriterTo, so io.Copy from it (and
// Realize) writes without an intermediate copy of large stretches of text and
// gathers small pieces into large writes.
func NewReader(src io.Reader, values Lookup) io.Reader {
	return newReader(src, values)
}

// NewWatchingReader returns a reader like NewReader's that also calls found,
// in order, with the offset in its output of every value of key it inserts: a
// caller that knows the value's length then knows where in the realized text
// the token stood, and can put another value there (a revert without the
// bundle re-realizes rhq.deploy.id that way). A token of key whose value is
// empty is reported too. Text that does not hold a token of key costs nothing
// more than NewReader.
func NewWatchingReader(src io.Reader, values Lookup, key string, found func(offset int64)) io.Reader {
	z := newReader(src, values)
	z.watch, z.found = key, found
	return z
}

func newReader(src io.Reader, values Lookup) *reader {
	z := &reader{src: src}
	switch v := values.(type) {
	case nil:
	case bytesLookup:
		z.lookup = v.lookupBytes
	default:
		z.lookup = func(key []byte) (string, bool) { return v.Lookup(string(key)) }
	}
	return z
}

// Realize copies src to dst with every token realized from values, as
// NewReader does. It returns the number of bytes written and the first error
// from reading or writing; reaching the end of src is not an error.
//
// The hash of a realized file (R6) is the hash of the bytes Realize writes;
// compute it in the same pass by writing to io.MultiWriter(file, hash).
func Realize(dst io.Writer, src io.Reader, values Lookup) (written int64, err error) {
	return io.Copy(dst, NewReader(src, values))
}

const (
	// initialBufSize is the reader's first buffer; it grows to MaxTokenLen
	// only when a possible token does not fit.
	initialBufSize = 32 << 10
	// writeBufSize is the size of WriteTo's writes of gathered output.
	writeBufSize = 32 << 10
	// maxEmptyReads is how many (0, nil) results from src are tolerated in a
	// row before giving up with io.ErrNoProgress, as bufio does.
	maxEmptyReads = 100
)

var errBadCount = errors.New("token: source reader returned an invalid count")

// reader realizes tokens as it reads. Input is read into buf; buf[r:w] is what
// has not been decided yet. step decides the next piece and moves it to the
// pending output, lit (bytes copied from the input) or val (a token's value),
// which Read and WriteTo deliver before calling step again, so lit can point
// into buf without being overwritten.
type reader struct {
	src    io.Reader
	lookup func(key []byte) (string, bool) // nil when there are no values
	buf    []byte
	r, w   int
	err    error // from src, io.EOF included; reported once buf[r:w] is consumed
	lit    []byte
	val    string
	cand   candidate
	// out counts the bytes moved to the pending output; found is called
	// with it for each value of the key watch inserted.
	out   int64
	watch string
	found func(offset int64)
}

// Read implements io.Reader.
func (z *reader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		switch {
		case len(z.lit) > 0:
			c := copy(p[n:], z.lit)
			z.lit = z.lit[c:]
			n += c
		case len(z.val) > 0:
			c := copy(p[n:], z.val)
			z.val = z.val[c:]
			n += c
		case z.step():
		case n > 0:
			// Return what we have rather than block on src for more.
			return n, nil
		case z.err != nil:
			return 0, z.err
		default:
			z.fill()
		}
	}
	return n, nil
}

// WriteTo implements io.WriterTo. Small pieces of output (text between
// tokens, values) are gathered into writes of up to writeBufSize bytes, so a
// token-dense file does not cost a system call per token; larger pieces are
// written straight from the input buffer.
func (z *reader) WriteTo(w io.Writer) (written int64, err error) {
	var out []byte
	write := func(p []byte) error {
		n, err := w.Write(p)
		written += int64(n)
		if n < len(p) && err == nil {
			err = io.ErrShortWrite
		}
		return err
	}
	for {
		if len(z.lit) == 0 && len(z.val) == 0 {
			switch {
			case z.step():
			case z.err == nil:
				z.fill()
			default:
				if len(out) > 0 {
					if err := write(out); err != nil {
						return written, err
					}
				}
				if z.err == io.EOF {
					return written, nil
				}
				return written, z.err
			}
			continue
		}
		n := len(z.lit) + len(z.val) // one of them is empty
		if len(out)+n <= cap(out) {
			out = append(append(out, z.lit...), z.val...)
			z.lit, z.val = nil, ""
			continue
		}
		if len(out) > 0 {
			if err := write(out); err != nil {
				return written, err
			}
			out = out[:0]
		}
		if n < writeBufSize/2 {
			if out == nil {
				out = make([]byte, 0, writeBufSize)
			}
			continue
		}
		if len(z.lit) > 0 {
			err = write(z.lit)
		} else {
			err = write([]byte(z.val))
		}
		z.lit, z.val = nil, ""
		if err != nil {
			return written, err
		}
	}
}

// fill reads more input after buf[r:w]. It is called only when step needs
// more input, that is when buf[r:w] holds nothing but the beginning of a
// possible token, shorter than MaxTokenLen.
func (z *reader) fill() {
	switch {
	case z.buf == nil:
		z.buf = make([]byte, initialBufSize)
	case z.r == z.w:
		z.r, z.w = 0, 0
	case z.w == len(z.buf):
		if z.r > 0 {
			z.w = copy(z.buf, z.buf[z.r:z.w])
			z.r = 0
		}
		if z.w == len(z.buf) {
			grown := make([]byte, MaxTokenLen)
			z.w = copy(grown, z.buf[:z.w])
			z.buf = grown
		}
	}
	for range maxEmptyReads {
		n, err := z.src.Read(z.buf[z.w:])
		if n < 0 || n > len(z.buf)-z.w {
			z.err = errBadCount
			return
		}
		z.w += n
		if err != nil {
			z.err = err
			return
		}
		if n > 0 {
			return
		}
	}
	z.err = io.ErrNoProgress
}

// step moves the next decided piece of buf[r:w] to the pending output and
// reports whether it made progress; false means it needs more input (or that
// the input is exhausted). The pending output may be empty after a true
// result, when a token's value is the empty string.
func (z *reader) step() bool {
	d := z.buf[z.r:z.w]
	c := &z.cand
	if c.phase == phaseNone {
		if len(d) == 0 {
			return false
		}
		i := bytes.IndexByte(d, '@')
		if i < 0 {
			i = len(d)
		}
		if i > 0 {
			z.emit(i)
			return true
		}
		*c = candidate{phase: phaseOpen, n: 1}
	}
	switch c.scan(d) {
	case matched:
		n := c.n
		if !c.long && z.lookup != nil {
			if v, ok := z.lookup(d[c.keyStart:c.keyEnd]); ok {
				if z.found != nil && string(d[c.keyStart:c.keyEnd]) == z.watch {
					z.found(z.out)
				}
				z.val = v
				z.out += int64(len(v))
				z.r += n
				*c = candidate{}
				return true
			}
		}
		z.emit(n)
		*c = candidate{}
		return true
	case failed:
		z.emit(c.n)
		*c = candidate{}
		return true
	}
	if z.err != nil {
		// The input ended inside a possible token, so it is not one (R145),
		// and nothing in it can begin another: past its opening "@@" it holds
		// only whitespace, key bytes and perhaps a final "@".
		z.emit(len(d))
		*c = candidate{}
		return true
	}
	if len(d) >= MaxTokenLen {
		c.long = true
	}
	if c.long && c.n > 0 {
		// Too long to be looked up: copy out what has been scanned and keep
		// scanning to find where it ends (see MaxTokenLen).
		z.emit(c.n)
		c.n = 0
		return true
	}
	return false
}

func (z *reader) emit(n int) {
	z.lit = z.buf[z.r : z.r+n]
	z.r += n
	z.out += int64(n)
}

// Byte classes of the token grammar: Java's \s (R140), which unlike Go's
// regexp \s includes the vertical tab, and the key's word bytes (R141).
const (
	classSpace = 1 + iota
	classWord
)

var byteClass = func() (t [256]uint8) {
	for _, b := range []byte(" \t\n\v\f\r") {
		t[b] = classSpace
	}
	for b := range t {
		if '0' <= b && b <= '9' || 'A' <= b && b <= 'Z' || 'a' <= b && b <= 'z' || b == '_' {
			t[b] = classWord
		}
	}
	return t
}()

type phase uint8

const (
	phaseNone  phase = iota // not in a possible token
	phaseOpen               // one "@" accepted
	phaseLead               // "@@" and leading whitespace accepted
	phaseKey                // in the key
	phaseTrail              // key and trailing whitespace accepted
)

// candidate is the state of the scan of a possible token starting at buf[r].
// A possible token is scanned once, however many reads it spans.
type candidate struct {
	phase phase
	// n is the number of bytes accepted so far. After failed it is the number
	// of bytes to copy literally before scanning resumes; after matched, the
	// length of the token.
	n                int
	keyStart, keyEnd int
	dot              bool // the last key byte accepted is '.'
	// long reports a candidate longer than MaxTokenLen, which is copied out as
	// it is scanned, so n and the key offsets count from the last copy.
	long bool
}

type outcome uint8

const (
	needMore outcome = iota
	matched
	failed
)

// scan continues scanning the possible token at the start of d, a token being
// "@@", optional whitespace, a key, optional whitespace, "@@" (R140–R141).
//
// On failure the scan resumes after c.n literal bytes, not just after the
// first "@" as a regular expression engine would; it is the same thing,
// because the bytes skipped are "@" followed by whitespace or key bytes, so
// none of them begins a token. The exception is a failure right after the
// opening "@@", where the second "@" may begin one ("@@@@a@@", R142).
func (c *candidate) scan(d []byte) outcome {
	for {
		switch c.phase {
		case phaseOpen:
			if len(d) < 2 {
				return needMore
			}
			if d[1] != '@' {
				return failed // c.n == 1
			}
			c.n, c.phase = 2, phaseLead
		case phaseLead:
			i := c.n
			for i < len(d) && byteClass[d[i]] == classSpace {
				i++
			}
			c.n = i
			if i == len(d) {
				return needMore
			}
			if byteClass[d[i]] != classWord {
				if i == 2 && !c.long {
					c.n = 1
				}
				return failed
			}
			c.keyStart, c.phase = i, phaseKey
		case phaseKey:
			i := c.n
			for ; i < len(d); i++ {
				b := d[i]
				if byteClass[b] == classWord {
					c.dot = false
					continue
				}
				if b != '.' {
					break
				}
				if c.dot {
					c.n = i
					return failed
				}
				c.dot = true
			}
			c.n = i
			if i == len(d) {
				return needMore
			}
			c.keyEnd, c.phase = i, phaseTrail
		case phaseTrail:
			i := c.n
			for i < len(d) && byteClass[d[i]] == classSpace {
				i++
			}
			c.n = i
			switch {
			case i == len(d):
				return needMore
			case d[i] != '@':
				return failed
			case i+1 == len(d):
				return needMore
			case d[i+1] != '@':
				return failed
			}
			c.n = i + 2
			return matched
		}
	}
}
