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

// DigestsPath returns the path of bundlekit's record of the content digests
// of deployment id's files (see Digests). RHQ never reads it. Its name is
// from format 1, which held whole-file SHA-256 digests.
func DigestsPath(id int32) string { return IDDir(id) + "/.bundlekit-sha256" }

// Digests maps a key of a deployment's map to the content digest, in
// lowercase hex, of the content whose MD5 the map records for it: the
// fileops.ContentDigest, which is the SHA-256 of content of up to 4 MiB and
// a SHA-512/256 of the SHA-256 of its 4 MiB chunks beyond. bundlekit writes
// it with the map, for the files whose digest it knows; a full verification
// proves a file is the one the map records by this digest, which this
// machine computes twice as fast as MD5, and a large file's on every core.
// It stands with the map it was written with: the same record, not a cache.
type Digests map[string]string

// digestsHeader is the first line of a digests record of format 2 (content
// digests with 4 MiB chunks). Format 1 had no header line, and its digests
// were whole-file SHA-256, which differ from content digests past 4 MiB.
const digestsHeader = "bundlekit-digests 2 tree-sha256 4194304\n"

// EncodeDigests returns d as its file holds it: the header line
// "bundlekit-digests 2 tree-sha256 4194304", then a "<key>\t<digest>\n"
// line per entry, in key order.
func EncodeDigests(d Digests) ([]byte, error) {
	keys := slices.Sorted(maps.Keys(d))
	size := len(digestsHeader)
	for _, k := range keys {
		size += len(k) + len(d[k]) + 2
	}
	// One buffer of the right size: growing it copies it over and over.
	b := make([]byte, 0, size)
	b = append(b, digestsHeader...)
	for _, k := range keys {
		v := d[k]
		if k == "" || strings.ContainsAny(k, "\t\r\n") || !isDigest(v) {
			return nil, fmt.Errorf("digest %q of %q: %w", v, k, ErrUnencodable)
		}
		b = append(b, k...)
		b = append(b, '\t')
		b = append(b, v...)
		b = append(b, '\n')
	}
	return b, nil
}

// errDigests: a digests file that is not what EncodeDigests writes.
var errDigests = errors.New("not a bundlekit digests file")

// ErrDigestsFormat is wrapped by DecodeDigests' error for a record of
// another format: format 1, written by an older bundlekit (no header line),
// whose digests of files of more than 4 MiB are whole-file SHA-256, or a
// newer format. Its digests are not content digests: the caller does
// without them, as without a record, and never takes a file for changed
// because it does not have one of them.
var ErrDigestsFormat = errors.New("a bundlekit digests record of another format")

// DecodeDigests reads what EncodeDigests wrote, strictly: any other content
// is an error (wrapping ErrDigestsFormat for a record of another format),
// and the caller does without the digests.
func DecodeDigests(r io.Reader) (Digests, error) {
	text, err := readall.String(r)
	if err != nil {
		return nil, err
	}
	return ParseDigests(text)
}

// ParseDigests is DecodeDigests of the whole file's text.
func ParseDigests(text string) (Digests, error) {
	text, ok := strings.CutPrefix(text, digestsHeader)
	if !ok {
		first, _, _ := strings.Cut(text, "\n")
		switch {
		case text == "" || strings.Contains(first, "\t"):
			return nil, fmt.Errorf("%w: format 1 (whole-file SHA-256), with no header line", ErrDigestsFormat)
		case strings.HasPrefix(first, "bundlekit-digests "):
			return nil, fmt.Errorf("%w: %q", ErrDigestsFormat, first)
		}
		return nil, fmt.Errorf("%w: line 1", errDigests)
	}
	d := make(Digests, strings.Count(text, "\n"))
	prev := ""
	for n := 2; text != ""; n++ {
		line, rest, ok := strings.Cut(text, "\n")
		k, v, tab := strings.Cut(line, "\t")
		if !ok || !tab || k == "" || strings.ContainsRune(k, '\r') || !isDigest(v) || n > 2 && k <= prev {
			return nil, fmt.Errorf("%w: line %d", errDigests, n)
		}
		d[k] = v
		prev, text = k, rest
	}
	return d, nil
}

// isDigest reports whether s is 64 lowercase hex digits: a SHA-256 or a
// content digest.
func isDigest(s string) bool {
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
