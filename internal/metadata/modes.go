package metadata

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strconv"
	"strings"
)

// The record of permissions is bundlekit's own file in a deployment's folder:
// for each file of the deployment's map, the mode and owner it was given
// (issue 11.6). RHQ never reads it (unknown entries of a deployment folder are
// ignored, R35), and a deployment RHQ made has none.
//
//	# bundlekit modes 1
//	0644 1000 1000 conf/app.conf
//	0755 - - bin/run.sh
//
// A line is the mode (the Unix permission, setuid, setgid and sticky bits,
// four octal digits), the owner's user and group ids (decimal, or "-" and "-"
// when unknown) and the key, each after one space; the key runs to the end of
// the line. Lines are sorted by key, bytewise, and every line, the last one
// included, ends with "\n". Nothing else decodes.

// ModesPath returns the path of deployment id's record of permissions.
func ModesPath(id int32) string { return IDDir(id) + "/.bundlekit-modes" }

// BeforeCurrent adds w to writes, the files Record returns, just before
// current-deployment.properties, which stays last: a deployment is current
// only once its folder is complete.
func BeforeCurrent(writes []Write, w Write) []Write {
	if n := len(writes); n > 0 && writes[n-1].Name == CurrentPath {
		return append(writes[:n-1:n-1], w, writes[n-1])
	}
	return append(writes, w)
}

// Perm is what a deployment recorded of one file's permissions.
type Perm struct {
	// Mode holds the permission bits and fs.ModeSetuid, fs.ModeSetgid and
	// fs.ModeSticky; other bits are not recorded.
	Mode fs.FileMode
	// HasOwner says whether UID and GID are known.
	HasOwner bool
	UID, GID uint32
}

// Modes maps keys of a deployment's map to their permissions.
type Modes map[string]Perm

// ErrModes is wrapped by every error of DecodeModes.
var ErrModes = errors.New("not a record of permissions")

const modesHeader = "# bundlekit modes 1"

// EncodeModes writes m as DecodeModes reads it. A key that is empty or holds a
// line break or a NUL byte is refused.
func EncodeModes(m Modes) ([]byte, error) {
	keys := make([]string, 0, len(m))
	for k := range m {
		if k == "" || strings.ContainsAny(k, "\r\n\x00") {
			return nil, fmt.Errorf("record of permissions: key %q cannot be written", k)
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b := make([]byte, 0, len(modesHeader)+1+len(keys)*48)
	b = append(b, modesHeader+"\n"...)
	for _, k := range keys {
		p := m[k]
		b = append(b, FormatMode(p.Mode)...)
		if p.HasOwner {
			b = append(b, ' ')
			b = strconv.AppendUint(b, uint64(p.UID), 10)
			b = append(b, ' ')
			b = strconv.AppendUint(b, uint64(p.GID), 10)
			b = append(b, ' ')
		} else {
			b = append(b, " - - "...)
		}
		b = append(b, k...)
		b = append(b, '\n')
	}
	return b, nil
}

// maxModesLine bounds a line of a record of permissions: a path is far
// shorter on every system.
const maxModesLine = 64 << 10

// DecodeModes reads a record of permissions; anything that EncodeModes does not
// write, a file cut short included, is an error wrapping ErrModes.
func DecodeModes(r io.Reader) (Modes, error) {
	br := bufio.NewReaderSize(r, maxModesLine)
	m := Modes{}
	prev := ""
	for n := 1; ; n++ {
		raw, err := br.ReadSlice('\n')
		switch {
		case err == io.EOF && len(raw) == 0 && n > 1:
			return m, nil
		case err == io.EOF:
			return nil, fmt.Errorf("%w: line %d: no line break at the end (cut short?)", ErrModes, n)
		case errors.Is(err, bufio.ErrBufferFull):
			return nil, fmt.Errorf("%w: line %d: longer than %d bytes", ErrModes, n, maxModesLine)
		case err != nil:
			return nil, err
		}
		line := string(raw[:len(raw)-1])
		if n == 1 {
			if line != modesHeader {
				return nil, fmt.Errorf("%w: the first line is %q, not %q", ErrModes, line, modesHeader)
			}
			continue
		}
		key, p, err := decodePerm(line)
		if err != nil {
			return nil, fmt.Errorf("%w: line %d: %v", ErrModes, n, err)
		}
		if n > 2 && key <= prev {
			return nil, fmt.Errorf("%w: line %d: %q does not come after %q", ErrModes, n, key, prev)
		}
		m[key], prev = p, key
	}
}

func decodePerm(line string) (string, Perm, error) {
	var f [4]string
	rest, ok := line, true
	for i := range 3 {
		if f[i], rest, ok = strings.Cut(rest, " "); !ok {
			return "", Perm{}, errors.New("not a mode, an owner and a key")
		}
	}
	f[3] = rest
	mode, err := ParseMode(f[0])
	if err != nil {
		return "", Perm{}, err
	}
	p := Perm{Mode: mode}
	switch {
	case f[1] == "-" && f[2] == "-":
	case f[1] == "-" || f[2] == "-":
		return "", Perm{}, errors.New("an owner with one id unknown")
	default:
		if p.UID, err = parseID(f[1]); err == nil {
			p.GID, err = parseID(f[2])
		}
		if err != nil {
			return "", Perm{}, err
		}
		p.HasOwner = true
	}
	key := f[3]
	if key == "" || strings.ContainsAny(key, "\r\x00") {
		return "", Perm{}, fmt.Errorf("key %q", key)
	}
	return key, p, nil
}

// parseID reads a user or group id in the form strconv writes.
func parseID(s string) (uint32, error) {
	id, err := strconv.ParseUint(s, 10, 32)
	if err != nil || strconv.FormatUint(id, 10) != s {
		return 0, fmt.Errorf("id %q", s)
	}
	return uint32(id), nil
}

// Unix's special mode bits and Go's.
var special = []struct {
	unix uint32
	mode fs.FileMode
}{{0o4000, fs.ModeSetuid}, {0o2000, fs.ModeSetgid}, {0o1000, fs.ModeSticky}}

// FormatMode writes the permission, setuid, setgid and sticky bits of m as the
// four octal digits of a Unix mode: "0644", "4755". Other bits are left out.
func FormatMode(m fs.FileMode) string {
	u := uint32(m.Perm())
	for _, s := range special {
		if m&s.mode != 0 {
			u |= s.unix
		}
	}
	const digits = "01234567"
	return string([]byte{digits[u>>9&7], digits[u>>6&7], digits[u>>3&7], digits[u&7]})
}

// ParseMode reads what FormatMode writes, and nothing else.
func ParseMode(s string) (fs.FileMode, error) {
	u, err := strconv.ParseUint(s, 8, 32)
	if len(s) != 4 || err != nil {
		return 0, fmt.Errorf("mode %q is not four octal digits", s)
	}
	m := fs.FileMode(u) & fs.ModePerm
	for _, sp := range special {
		if uint32(u)&sp.unix != 0 {
			m |= sp.mode
		}
	}
	return m, nil
}
