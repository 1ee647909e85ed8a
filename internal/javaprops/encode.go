package javaprops

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// StoreOptions controls what Store writes besides the properties.
type StoreOptions struct {
	// Comments is written first, as Java's writeComments writes it. Empty
	// means no comment line, as when Java is given null.
	Comments string
	// CRLF ends every line with "\r\n", as Java writes on Windows, instead
	// of "\n".
	CRLF bool
}

// Store writes m in the format of Java's Properties.store(OutputStream,
// String): the optional comment, a "#" line with date formatted as
// Date.toString, then one key=value line per property, sorted by key in
// Java's String order. The output is ISO-8859-1: keys and values are pure
// ASCII thanks to \uXXXX escapes; comments keep Latin-1 characters as single
// bytes. Keys, values and comments must be valid UTF-8, or Store returns an
// error wrapping ErrInvalidUTF8. Nothing is written unless all of m is valid.
func Store(w io.Writer, m map[string]string, date time.Time, opts StoreOptions) error {
	if !utf8.ValidString(opts.Comments) {
		return fmt.Errorf("store properties: comments: %w", ErrInvalidUTF8)
	}
	keys := make([]string, 0, len(m))
	for k, v := range m {
		if !utf8.ValidString(k) {
			return fmt.Errorf("store properties: key %q: %w", k, ErrInvalidUTF8)
		}
		if !utf8.ValidString(v) {
			return fmt.Errorf("store properties: value of key %q: %w", k, ErrInvalidUTF8)
		}
		keys = append(keys, k)
	}
	slices.SortFunc(keys, compareJava)

	nl := "\n"
	if opts.CRLF {
		nl = "\r\n"
	}
	var b bytes.Buffer
	if opts.Comments != "" {
		writeComments(&b, opts.Comments, nl)
	}
	b.WriteString("#" + javaDate(date) + nl)
	for _, k := range keys {
		writeEscaped(&b, k, true)
		b.WriteByte('=')
		writeEscaped(&b, m[k], false)
		b.WriteString(nl)
	}
	if _, err := w.Write(b.Bytes()); err != nil {
		return fmt.Errorf("store properties: %w", err)
	}
	return nil
}

// writeComments follows Java's Properties.writeComments: characters above
// U+00FF become \uXXXX, Latin-1 characters are written as bytes, and each
// embedded line break starts a new line, which gets a "#" unless the comment
// itself continues with '#' or '!'.
func writeComments(b *bytes.Buffer, comments, nl string) {
	units := utf16.Encode([]rune(comments))
	b.WriteByte('#')
	for i := 0; i < len(units); i++ {
		c := units[i]
		switch {
		case c > 0xFF:
			writeUnicodeEscape(b, c)
		case c == '\n' || c == '\r':
			b.WriteString(nl)
			if c == '\r' && i+1 < len(units) && units[i+1] == '\n' {
				i++
			}
			if i+1 == len(units) || units[i+1] != '#' && units[i+1] != '!' {
				b.WriteByte('#')
			}
		default:
			b.WriteByte(byte(c))
		}
	}
	b.WriteString(nl)
}

// writeEscaped follows Java's Properties.saveConvert with escapeUnicode set:
// in a key every space is escaped, in a value only a leading one.
func writeEscaped(b *bytes.Buffer, s string, key bool) {
	for i, r := range s {
		if r > 0xFFFF {
			hi, lo := utf16.EncodeRune(r)
			writeUnicodeEscape(b, uint16(hi))
			writeUnicodeEscape(b, uint16(lo))
			continue
		}
		switch c := uint16(r); {
		case c == '\\':
			b.WriteString(`\\`)
		case c > '=' && c < 0x7F:
			b.WriteByte(byte(c))
		case c == ' ':
			if i == 0 || key {
				b.WriteByte('\\')
			}
			b.WriteByte(' ')
		case c == '\t':
			b.WriteString(`\t`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\f':
			b.WriteString(`\f`)
		case c == '=' || c == ':' || c == '#' || c == '!':
			b.WriteByte('\\')
			b.WriteByte(byte(c))
		case c < 0x20 || c > 0x7E:
			writeUnicodeEscape(b, c)
		default:
			b.WriteByte(byte(c))
		}
	}
}

// writeUnicodeEscape writes \uXXXX with upper-case hex digits, as Java does.
func writeUnicodeEscape(b *bytes.Buffer, c uint16) {
	const hex = "0123456789ABCDEF"
	b.WriteString(`\u`)
	for shift := 12; shift >= 0; shift -= 4 {
		b.WriteByte(hex[c>>shift&0xF])
	}
}

// compareJava orders strings as Java's String.compareTo does: by UTF-16 code
// units, which puts U+10000 and above before U+E000–U+FFFF.
func compareJava(a, b string) int {
	for a != "" && b != "" {
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		if ra != rb {
			return cmp.Compare(utf16Rank(ra), utf16Rank(rb))
		}
		a, b = a[na:], b[nb:]
	}
	return cmp.Compare(len(a), len(b))
}

// utf16Rank maps r to a number that orders like r's first UTF-16 code unit,
// then like r itself.
func utf16Rank(r rune) rune {
	if r >= 0xE000 && r <= 0xFFFF {
		return r + 0x200000
	}
	return r
}

// javaDate formats t as Java's Date.toString does: "EEE MMM dd HH:mm:ss zzz
// yyyy" with English names.
func javaDate(t time.Time) string {
	return t.Format("Mon Jan 02 15:04:05 ") + javaZone(t) + " " + strconv.Itoa(t.Year())
}

// javaZone returns the zone abbreviation of t. Where the time zone database
// has no letters (Go prints "+04" or "-0300") it returns Java's name for a
// custom zone, "GMT+04:00", or "GMT" for offset zero.
func javaZone(t time.Time) string {
	name, offset := t.Zone()
	if name != "" && name[0] != '+' && name[0] != '-' {
		return name
	}
	if offset == 0 {
		return "GMT"
	}
	sign := '+'
	if offset < 0 {
		sign, offset = '-', -offset
	}
	return fmt.Sprintf("GMT%c%02d:%02d", sign, offset/3600, offset/60%60)
}
