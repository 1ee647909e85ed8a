package recipe

import (
	"fmt"
	"strings"
)

// CompareVersions orders two bundle versions, returning -1, 0 or +1. A
// version is read as segments, split at '.', '-', '_' and '+' and where
// digits meet letters: "1.10.0-rc1" is 1, 10, 0, rc, 1. Segments compare in
// order: two numbers by value (so 1.10 > 1.9, and 1.01 = 1.1), two words
// without regard to case, and a number is greater than a word. When one
// version runs out of segments, a missing segment counts as 0 against a
// number (1.0 = 1.0.0) and as greater than a word, which marks a
// pre-release: 1.0-rc1 < 1.0 < 1.0.1.
func CompareVersions(a, b string) int {
	sa, sb := versionSegments(a), versionSegments(b)
	for i := range max(len(sa), len(sb)) {
		var x, y string
		if i < len(sa) {
			x = sa[i]
		}
		if i < len(sb) {
			y = sb[i]
		}
		if c := compareSegments(x, y); c != 0 {
			return c
		}
	}
	return 0
}

// compareSegments orders two segments; "" is a missing one.
func compareSegments(x, y string) int {
	xn, yn := isNumber(x), isNumber(y)
	switch {
	case x == "" && y == "":
		return 0
	case x == "" && yn:
		return compareNumbers("0", y)
	case y == "" && xn:
		return compareNumbers(x, "0")
	case x == "": // y is a word: a pre-release of x's version
		return 1
	case y == "":
		return -1
	case xn && yn:
		return compareNumbers(x, y)
	case xn:
		return 1
	case yn:
		return -1
	}
	return strings.Compare(strings.ToLower(x), strings.ToLower(y))
}

// compareNumbers orders two strings of digits by value, however long.
func compareNumbers(x, y string) int {
	x, y = strings.TrimLeft(x, "0"), strings.TrimLeft(y, "0")
	if len(x) != len(y) {
		if len(x) < len(y) {
			return -1
		}
		return 1
	}
	return strings.Compare(x, y)
}

func isNumber(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func versionSegments(v string) []string {
	var out []string
	start := 0
	flush := func(end int) {
		if end > start {
			out = append(out, v[start:end])
		}
	}
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '.' || c == '-' || c == '_' || c == '+':
			flush(i)
			start = i + 1
		case i > start && isDigitByte(c) != isDigitByte(v[i-1]):
			flush(i)
			start = i
		}
	}
	flush(len(v))
	return out
}

func isDigitByte(c byte) bool { return '0' <= c && c <= '9' }

// VersionRange is a range of bundle versions, written as in Maven and OSGi:
// "[1.2,2.0)" is 1.2 or later and before 2.0 (a square bracket includes its
// end, a parenthesis excludes it); "[1.2,)" has no upper end; "[1.2]" is
// exactly 1.2; a bare version "1.2" is 1.2 or later, as in OSGi; "*" is any
// version. Versions are ordered by CompareVersions.
type VersionRange struct {
	// Min and Max are the ends; "" is an open end.
	Min, Max string
	// MinIncluded and MaxIncluded say whether an end is in the range.
	MinIncluded, MaxIncluded bool
}

// ParseVersionRange reads a version range (see VersionRange).
func ParseVersionRange(s string) (VersionRange, error) {
	t := strings.TrimSpace(s)
	switch {
	case t == "":
		return VersionRange{}, fmt.Errorf("empty version range: want a range such as [1.2,2.0), a version, or *")
	case t == "*":
		return VersionRange{}, nil
	case t[0] != '[' && t[0] != '(':
		if strings.ContainsAny(t, "[](),* \t") {
			return VersionRange{}, fmt.Errorf("version range %q: a range starts with [ or (, such as [1.2,2.0)", s)
		}
		return VersionRange{Min: t, MinIncluded: true}, nil
	}
	last := t[len(t)-1]
	if last != ']' && last != ')' {
		return VersionRange{}, fmt.Errorf("version range %q: want ] or ) at the end", s)
	}
	inner := t[1 : len(t)-1]
	r := VersionRange{MinIncluded: t[0] == '[', MaxIncluded: last == ']'}
	lo, hi, isRange := strings.Cut(inner, ",")
	lo, hi = strings.TrimSpace(lo), strings.TrimSpace(hi)
	if !isRange {
		if !r.MinIncluded || !r.MaxIncluded || lo == "" {
			return VersionRange{}, fmt.Errorf("version range %q: a single version is written [1.2]", s)
		}
		return VersionRange{Min: lo, Max: lo, MinIncluded: true, MaxIncluded: true}, nil
	}
	if strings.ContainsAny(lo+hi, "[](),* \t") {
		return VersionRange{}, fmt.Errorf("version range %q: want two versions separated by one comma", s)
	}
	switch {
	case lo == "" && hi == "":
		return VersionRange{}, fmt.Errorf("version range %q has neither end: write * for any version", s)
	case lo == "" && r.MinIncluded, hi == "" && r.MaxIncluded:
		return VersionRange{}, fmt.Errorf("version range %q: an open end is written with a parenthesis, such as [1.2,)", s)
	case lo != "" && hi != "" && CompareVersions(lo, hi) > 0:
		return VersionRange{}, fmt.Errorf("version range %q is empty: %s is after %s", s, lo, hi)
	case lo != "" && hi != "" && CompareVersions(lo, hi) == 0 && !(r.MinIncluded && r.MaxIncluded):
		return VersionRange{}, fmt.Errorf("version range %q is empty", s)
	}
	r.Min, r.Max = lo, hi
	return r, nil
}

// Contains reports whether version v is in the range.
func (r VersionRange) Contains(v string) bool {
	if r.Min != "" {
		c := CompareVersions(v, r.Min)
		if c < 0 || c == 0 && !r.MinIncluded {
			return false
		}
	}
	if r.Max != "" {
		c := CompareVersions(v, r.Max)
		if c > 0 || c == 0 && !r.MaxIncluded {
			return false
		}
	}
	return true
}

// String writes the range back in its syntax: "*" for any version, "[1.2]"
// for one, "1.2" for 1.2 or later.
func (r VersionRange) String() string {
	switch {
	case r.Min == "" && r.Max == "":
		return "*"
	case r.Max == "" && r.MinIncluded:
		return r.Min
	case r.Min == r.Max && r.MinIncluded && r.MaxIncluded:
		return "[" + r.Min + "]"
	}
	open, closing := "(", ")"
	if r.MinIncluded {
		open = "["
	}
	if r.MaxIncluded {
		closing = "]"
	}
	return open + r.Min + "," + r.Max + closing
}

// describe says in words which versions a range holds, for
// messages.
func (r VersionRange) describe() string {
	if r.Min == "" && r.Max == "" {
		return "any version"
	}
	return "version " + r.String()
}
