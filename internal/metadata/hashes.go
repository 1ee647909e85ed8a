package metadata

import (
	"bufio"
	"cmp"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/bundlekit/bundlekit/internal/winpath"
)

// The markers that stand in for a hash (R19, R54, R56, R70, R136).
const (
	// MarkUnknownDir: a directory that could not be listed (snapshot only).
	MarkUnknownDir = "?UNKNOWN_DIR_HASHCODE?"
	// MarkUnknownFile: a file that could not be read.
	MarkUnknownFile = "?UNKNOWN_FILE_HASHCODE?"
	// MarkDeleted: a recorded file missing on disk (rescans only).
	MarkDeleted = "?DELETED_FILE_HASHCODE?"
	// MarkDirectory: a directory, in maps held in memory; never encoded.
	MarkDirectory = "?DIRECTORY?"
)

// maxLine bounds a line of file-hashcodes.dat. Java has no bound; the
// longest path Windows or Linux allows is far shorter.
const maxLine = 1 << 20

// ErrUnencodable reports an entry that file-hashcodes.dat cannot hold: a key
// with a TAB, CR or LF, or a hash that is empty or has one.
var ErrUnencodable = errors.New("not representable in file-hashcodes.dat")

// FormatError reports a line of file-hashcodes.dat that does not split into
// a path and a hash (R18). Its message is RHQ's.
type FormatError struct {
	File string // as given to DecodeHashes
	Line int    // 1-based
	Text string // the line, without its line break
}

func (e *FormatError) Error() string {
	return fmt.Sprintf("Format error in [%s] at line #[%d]: %s", e.File, e.Line, e.Text)
}

// Hashes maps a path to its hash (R4, R17): a relative "/"-path under D or
// an absolute path for an external file (see IsExternal), to 32 lowercase
// hex digits (MD5) or one of the Mark* markers. Keys and hashes are kept
// byte for byte as read: they are not validated or cleaned, and a caller
// must treat them as unsafe paths.
type Hashes map[string]string

// DecodeHashes reads file-hashcodes.dat as RHQ's FileHashcodeMap.loadFromFile
// does (R17, R18). Lines end with "\n", "\r\n" or "\r"; a last line needs no
// end. Each line is split at TAB with Java's String.split, which drops
// trailing empty fields, and must give exactly two: path and hash. So a blank
// line, an empty hash or a path with a TAB is a *FormatError, while trailing
// TABs after the hash are dropped and a line "\thash" gives the empty path.
// A later line for the same path wins. An empty file is an empty map. file
// names the input in errors only. Bytes are kept as they are: UTF-8 is
// expected but not checked, so no path is altered on a round trip.
func DecodeHashes(r io.Reader, file string) (Hashes, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", file, err)
	}
	return decodeHashes(string(data), file)
}

// decodeHashes is DecodeHashes of the whole file: every key and hash of the
// map is a slice of text.
func decodeHashes(text, file string) (Hashes, error) {
	h := make(Hashes, strings.Count(text, "\n")+1)
	for n := 1; text != ""; n++ {
		var line string
		line, text = cutLine(text)
		if len(line) > maxLine {
			return nil, fmt.Errorf("read %s after line %d: %w", file, n-1, bufio.ErrTooLong)
		}
		// Java's String.split drops trailing empty fields; two must remain.
		fields := strings.TrimRight(line, "\t")
		k, v, ok := strings.Cut(fields, "\t")
		if !ok || strings.IndexByte(v, '\t') >= 0 {
			return nil, &FormatError{File: file, Line: n, Text: line}
		}
		h[k] = v
	}
	return h, nil
}

// cutLine splits text after its first line, which ends at "\n", "\r\n" or
// "\r" as with Java's BufferedReader.readLine, or at the end of text.
func cutLine(text string) (line, rest string) {
	i := strings.IndexAny(text, "\r\n")
	switch {
	case i < 0:
		return text, ""
	case text[i] == '\r' && i+1 < len(text) && text[i+1] == '\n':
		return text[:i], text[i+2:]
	default:
		return text[:i], text[i+1:]
	}
}

// Check reports the first entry, in key order, that EncodeHashes cannot
// write, wrapping ErrUnencodable; entries marked MarkDirectory are not
// written and not checked. The engine checks its new map with it before it
// changes anything, so that the metadata written last cannot fail (R184).
func (h Hashes) Check() error {
	// The first offence in key order, found without sorting every key.
	var first string
	var err error
	for k, v := range h {
		if e := checkEntry(k, v); e != nil && (err == nil || compareJava(k, first) < 0) {
			first, err = k, e
		}
	}
	return err
}

func checkEntry(k, v string) error {
	switch {
	case v == MarkDirectory:
		return nil
	case strings.ContainsAny(k, "\t\r\n"):
		return fmt.Errorf("path %q: %w", k, ErrUnencodable)
	case v == "" || strings.ContainsAny(v, "\t\r\n"):
		return fmt.Errorf("hash %q of path %q: %w", v, k, ErrUnencodable)
	}
	return nil
}

// EncodeHashes returns h as RHQ's FileHashcodeMap.storeToFile writes it
// (R17): one "<path>\t<hash>\n" line per entry, in the order of Java's
// String.compareTo (UTF-16 code units). Entries marked MarkDirectory are left
// out: only files are recorded (R19, R54), directories are synthesised when
// read (R69). An entry Check refuses is an error, and no bytes are returned.
func EncodeHashes(h Hashes) ([]byte, error) {
	if err := h.Check(); err != nil {
		return nil, fmt.Errorf("encode hashes: %w", err)
	}
	keys := h.sortedKeys()
	size := 0
	for _, k := range keys {
		size += len(k) + len(h[k]) + 2
	}
	// One buffer of the right size: growing it copies it over and over.
	b := make([]byte, 0, size)
	for _, k := range keys {
		if v := h[k]; v != MarkDirectory {
			b = append(b, k...)
			b = append(b, '\t')
			b = append(b, v...)
			b = append(b, '\n')
		}
	}
	return b, nil
}

func (h Hashes) sortedKeys() []string {
	return slices.SortedFunc(maps.Keys(h), compareJava)
}

// WithDirectories returns a copy of h to which every ancestor directory of
// every relative key is added with MarkDirectory (R69): "a/b/c.txt" adds
// "a/b" and "a". As with Java's File, runs of "/" count as one and a
// trailing "/" is dropped before parents are taken ("a//b/" adds "a"), and a
// directory replaces a file entry of the same path. External keys (see
// IsExternal) get no ancestors.
func (h Hashes) WithDirectories() Hashes {
	out := maps.Clone(h)
	if out == nil {
		out = Hashes{}
	}
	for k := range h {
		if IsExternal(k) {
			continue
		}
		p := javaFilePath(k)
		for i := strings.LastIndexByte(p, '/'); i > 0; i = strings.LastIndexByte(p, '/') {
			p = p[:i]
			out[p] = MarkDirectory
		}
	}
	return out
}

// javaFilePath normalises a relative path as java.io.File does on Unix:
// runs of "/" become one, and a trailing "/" goes.
func javaFilePath(p string) string {
	if !strings.Contains(p, "//") && !strings.HasSuffix(p, "/") {
		return p
	}
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] == '/' && (i+1 == len(p) || p[i+1] == '/') {
			continue
		}
		b.WriteByte(p[i])
	}
	return b.String()
}

// IsExternal reports whether key names an external file (R8) rather than a
// path relative to D: it starts with "/" (POSIX, or a UNC path "//server/…"
// on Windows), or with a drive letter, a colon and a separator ("C:/x",
// "C:\x"). The test does not depend on the running system, so on Unix a
// relative path whose first directory is named like a drive ("C:/x") counts
// as external too.
func IsExternal(key string) bool {
	return strings.HasPrefix(key, "/") || winpath.AbsDrive(key) != 0
}

// compareJava orders strings as Java's String.compareTo: by UTF-16 code
// units, which puts U+10000 and above before U+E000–U+FFFF, where Go's byte
// order puts them after. Invalid UTF-8, which Java would have replaced by
// U+FFFD, ranks as U+FFFD; byte order breaks the remaining ties so that the
// order is total.
func compareJava(a, b string) int {
	x, y := a, b
	for x != "" && y != "" {
		rx, nx := utf8.DecodeRuneInString(x)
		ry, ny := utf8.DecodeRuneInString(y)
		if rx != ry {
			return cmp.Compare(utf16Rank(rx), utf16Rank(ry))
		}
		x, y = x[nx:], y[ny:]
	}
	switch {
	case x == "" && y != "":
		return -1
	case x != "" && y == "":
		return 1
	}
	return strings.Compare(a, b)
}

// utf16Rank maps r to a number that orders like r's UTF-16 encoding.
func utf16Rank(r rune) rune {
	if r >= 0xE000 && r <= 0xFFFF {
		return r + 0x200000
	}
	return r
}

// canonical reports whether data is exactly what EncodeHashes writes for the
// map it decodes to: "\n" line ends, no trailing TABs, each path once and in
// Java's order. RHQ's own files pass; a file edited by hand may not.
func canonical(text string) bool {
	if text != "" && text[len(text)-1] != '\n' || strings.IndexByte(text, '\r') >= 0 {
		return false
	}
	prev := ""
	for n := 0; text != ""; n++ {
		line, rest, _ := strings.Cut(text, "\n")
		k, v, ok := strings.Cut(line, "\t")
		if !ok || v == "" || v == MarkDirectory || strings.IndexByte(v, '\t') >= 0 || n > 0 && compareJava(prev, k) >= 0 {
			return false
		}
		prev, text = k, rest
	}
	return true
}
