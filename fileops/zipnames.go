package fileops

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// checkEntryName validates a zip entry name as stored and returns it without
// the trailing "/" that marks a directory. The rules hold on every system, so
// an archive is accepted or refused the same way wherever it is deployed.
func checkEntryName(stored string) (name string, dir bool, err error) {
	name, dir = strings.CutSuffix(stored, "/")
	var reason string
	switch {
	case stored == "":
		reason = "empty name"
	case stored[0] == '/':
		reason = "absolute path"
	case !utf8.ValidString(stored):
		reason = "not valid UTF-8"
	case strings.ContainsFunc(stored, isControl):
		// NUL truncates names in C APIs; tab and newline would corrupt
		// file-hashcodes.dat, whose lines are path TAB hash (R17, R18).
		reason = "contains a control character"
	case strings.IndexByte(stored, '\\') >= 0:
		// A separator on Windows, an ordinary character on Unix.
		reason = "contains a backslash"
	default:
		reason = nameProblem(name)
	}
	if reason != "" {
		return "", false, fmt.Errorf("%w: %s", ErrUnsafePath, reason)
	}
	return name, dir, nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// entryName is a checked entry name (from checkEntryName).
type entryName struct {
	name string
	dir  bool
}

// checkNameSet finds, among valid entry names, duplicates, names that differ
// from another name or from another name's parent directory only in case, and
// files that are also directories. It returns the index of the later of the
// two entries involved, or -1.
//
// The names are sorted by a case-folded key in which "/" sorts before every
// other character, so that the names below a directory follow it directly
// and names equal but for case are neighbours. Then comparing neighbours finds
// every conflict, in O(n log n) comparisons and memory proportional to the
// names, however deep they are.
func checkNameSet(names []entryName) (int, error) {
	keys := make([]string, len(names))
	order := make([]int, len(names))
	for i, n := range names {
		keys[i] = foldKey(n.name)
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		return cmp.Or(strings.Compare(keys[a], keys[b]), cmp.Compare(a, b))
	})
	for k := 1; k < len(order); k++ {
		i, j := order[k-1], order[k]
		if err := conflict(names[i], names[j], keys[i] == keys[j]); err != nil {
			return max(i, j), err
		}
	}
	return -1, nil
}

// conflict compares two neighbours in checkNameSet's order, p before q.
// sameKey says their keys are equal.
func conflict(p, q entryName, sameKey bool) error {
	if sameKey {
		switch {
		case p.name != q.name:
			return fmt.Errorf("%w: %q and %q", ErrCaseCollision, p.name, q.name)
		case p.dir == q.dir:
			return fmt.Errorf("%w: %q", ErrDuplicate, p.name)
		default:
			return fmt.Errorf("%w: %q is both a file and a directory", ErrFileAsDir, p.name)
		}
	}
	// Walk the elements the two names share when folded; they must be
	// spelled the same, and if all of p is shared, p is a directory of q.
	end := 0 // byte offset of the end of the shared elements
	for {
		ep, restP, moreP := strings.Cut(p.name[end:], "/")
		eq, _, _ := strings.Cut(q.name[end:], "/")
		if !strings.EqualFold(ep, eq) {
			return nil
		}
		if ep != eq {
			return fmt.Errorf("%w: %q and %q", ErrCaseCollision, p.name[:end+len(ep)], q.name[:end+len(eq)])
		}
		if !moreP {
			if !p.dir {
				return fmt.Errorf("%w: %q is a file", ErrFileAsDir, p.name)
			}
			return nil
		}
		end = len(p.name) - len(restP)
	}
}

// foldKey maps a name to its sort key for checkNameSet: every rune replaced
// by the smallest rune of its simple case-folding orbit, so that two names
// have equal keys exactly when strings.EqualFold holds, and "/" replaced by
// NUL, which sorts first and does not occur in valid names.
func foldKey(name string) string {
	var b strings.Builder
	b.Grow(len(name))
	for _, r := range name {
		switch {
		case r == '/':
			b.WriteByte(0)
			continue
		case 'a' <= r && r <= 'z':
			// The orbit of a lower-case ASCII letter holds its upper
			// case, the smallest (and for k and s, the Kelvin sign and
			// the long s, which are larger).
			b.WriteByte(byte(r) - 'a' + 'A')
			continue
		case r < utf8.RuneSelf:
			b.WriteByte(byte(r)) // no other ASCII character folds
			continue
		}
		lowest := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			lowest = min(lowest, f)
		}
		b.WriteRune(lowest)
	}
	return b.String()
}
