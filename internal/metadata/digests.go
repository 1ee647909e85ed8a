package metadata

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/bundlekit/bundlekit/internal/readall"
)

// DigestsPath returns the path of bundlekit's record of the SHA-256 of
// deployment id's files (see Digests). RHQ never reads it.
func DigestsPath(id int32) string { return IDDir(id) + "/.bundlekit-sha256" }

// Digests maps a key of a deployment's map to the SHA-256, in lowercase hex,
// of the content whose MD5 the map records for it. bundlekit writes it with
// the map, for the files whose SHA-256 it knows; a full verification proves
// a file is the one the map records by this digest, which this machine
// computes twice as fast as MD5. It stands with the map it was written with:
// the same record, not a cache.
type Digests map[string]string

// EncodeDigests returns d as its file holds it: a "<key>\t<sha256>\n" line
// per entry, in key order.
func EncodeDigests(d Digests) ([]byte, error) {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(d)) {
		v := d[k]
		if k == "" || strings.ContainsAny(k, "\t\r\n") || !isSHA256(v) {
			return nil, fmt.Errorf("digest %q of %q: %w", v, k, ErrUnencodable)
		}
		b.WriteString(k)
		b.WriteByte('\t')
		b.WriteString(v)
		b.WriteByte('\n')
	}
	return []byte(b.String()), nil
}

// errDigests: a digests file that is not what EncodeDigests writes.
var errDigests = errors.New("not a bundlekit digests file")

// DecodeDigests reads what EncodeDigests wrote, strictly: any other content
// is an error, and the caller does without the digests.
func DecodeDigests(r io.Reader) (Digests, error) {
	text, err := readall.String(r)
	if err != nil {
		return nil, err
	}
	return ParseDigests(text)
}

// ParseDigests is DecodeDigests of the whole file's text.
func ParseDigests(text string) (Digests, error) {
	d := make(Digests, strings.Count(text, "\n"))
	prev := ""
	for n := 1; text != ""; n++ {
		line, rest, ok := strings.Cut(text, "\n")
		k, v, tab := strings.Cut(line, "\t")
		if !ok || !tab || k == "" || strings.ContainsRune(k, '\r') || !isSHA256(v) || n > 1 && k <= prev {
			return nil, fmt.Errorf("%w: line %d", errDigests, n)
		}
		d[k] = v
		prev, text = k, rest
	}
	return d, nil
}

func isSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := range len(s) {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
