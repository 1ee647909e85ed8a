package token

import (
	"fmt"
	"io"

	"github.com/bundlekit/bundlekit/internal/javaprops"
)

// Encoding is the character encoding of a .properties file.
type Encoding int

const (
	// Latin1 is ISO-8859-1, Java's encoding for .properties files and so the
	// one rhq-ant users' files are in; other characters are written as
	// \uXXXX escapes. Every byte sequence is valid Latin-1.
	Latin1 Encoding = iota
	// UTF8 is UTF-8, for files written by editors that know no other
	// encoding. Invalid UTF-8 is an error; a leading byte-order mark is
	// ignored.
	UTF8
)

// ReadProperties reads caller values from a Java .properties file, with the
// full syntax of java.util.Properties.load: "#" and "!" comments, "=", ":" or
// blanks between key and value, lines continued by a trailing backslash,
// \uXXXX and other backslash escapes. When a key appears twice the last value
// wins, as in Java. A malformed file yields an error naming its line and
// column but never its text, so files holding passwords are safe to report.
func ReadProperties(r io.Reader, enc Encoding) (Map, error) {
	var cs javaprops.Charset
	switch enc {
	case Latin1:
		cs = javaprops.Latin1
	case UTF8:
		cs = javaprops.UTF8
	default:
		return nil, fmt.Errorf("read properties: unknown encoding %d", int(enc))
	}
	p, err := javaprops.Decode(r, cs)
	if err != nil {
		return nil, fmt.Errorf("read properties: %w", err)
	}
	return Map(p.Map()), nil
}
