package token

import (
	"bytes"
	"io"
)

// Found is a token in a text, where Find found it.
type Found struct {
	// Key is the token's key, without the delimiters and whitespace.
	Key string
	// Offset is the byte offset of the token's opening "@@" in the text.
	Offset int64
	// Line is the line the opening "@@" is on, from 1; a line ends after
	// each LF.
	Line int
}

// Find reads src to its end and calls fn for every token in it, in order:
// exactly the tokens a Reader would look up (R140–R145), so a token longer
// than MaxTokenLen is not one. Run on realized text, it finds the tokens
// realization left as written, whose keys had no value. It returns the first
// error of fn, or of src other than io.EOF. Its memory, like a Reader's, does
// not depend on the size of src.
func Find(src io.Reader, fn func(Found) error) error {
	var (
		line   = 1
		offset int64
		ferr   error
	)
	// The scan is the Reader's own: a lookup that has no value for any key
	// is called, with the key, for every token, before the token's bytes are
	// passed on.
	z := &reader{src: src}
	z.lookup = func(key []byte) (string, bool) {
		if ferr == nil {
			ferr = fn(Found{Key: string(key), Offset: offset, Line: line})
		}
		return "", false
	}
	for ferr == nil {
		start := z.r
		if z.step() {
			// What step decided is buf[start:r]: text, or a whole token
			// starting at start, which offset and line still point to
			// when the lookup is called.
			done := z.buf[start:z.r]
			offset += int64(len(done))
			line += bytes.Count(done, []byte{'\n'})
			z.lit, z.val = nil, ""
			continue
		}
		if z.err != nil {
			if z.err == io.EOF {
				return nil
			}
			return z.err
		}
		z.fill()
	}
	return ferr
}
