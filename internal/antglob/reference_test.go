package antglob

import (
	"path"
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file is an independent reference for the package's semantics: Apache
// Ant's SelectorUtils.matchPath, matchPatternStart and match, ported token by
// token and character by character (runes for Java chars), with no doublestar.
// Only the normalization the package doc adds to Ant (dropping "." segments,
// refusing "..", literal directory segments, the absolute-path rule) is
// written here again, in its plainest form.

// refToken is one segment of a reference pattern. Segments of a directory are
// literal: they match only their own text.
type refToken struct {
	text    []rune
	literal bool
}

func (t refToken) deep() bool { return !t.literal && string(t.text) == "**" }

// refPattern is a pattern prepared for the reference matcher.
type refPattern struct {
	toks          []refToken
	absolute      bool
	caseSensitive bool
}

// refCompile normalizes dir and pattern the way the package doc says and
// returns the sentinel of the first problem.
func refCompile(dir, pattern string, caseSensitive bool) (refPattern, error) {
	if !utf8.ValidString(dir) {
		return refPattern{}, ErrEncoding
	}
	d := strings.ReplaceAll(dir, `\`, "/")
	if strings.HasPrefix(d, "/") || len(d) >= 2 && d[1] == ':' && unicode.IsLetter(rune(d[0])) && d[0] < utf8.RuneSelf {
		return refPattern{}, ErrAbsoluteDir
	}
	d = path.Clean(d)
	if d == ".." || strings.HasPrefix(d, "../") {
		return refPattern{}, ErrEscapingDir
	}
	if !utf8.ValidString(pattern) {
		return refPattern{}, ErrEncoding
	}

	// DirectoryScanner.normalizePattern.
	p := strings.ReplaceAll(pattern, `\`, "/")
	if strings.HasSuffix(p, "/") {
		p += "**"
	}
	rp := refPattern{absolute: strings.HasPrefix(p, "/"), caseSensitive: caseSensitive}
	if !rp.absolute && d != "." {
		for _, s := range strings.Split(d, "/") {
			rp.toks = append(rp.toks, refToken{text: []rune(s), literal: true})
		}
	}
	for _, s := range refTokenize(p) {
		if s == ".." {
			return refPattern{}, ErrParentSegment
		}
		rp.toks = append(rp.toks, refToken{text: []rune(s)})
	}
	return rp, nil
}

// refTokenize is SelectorUtils.tokenizePathAsArray for a "/" separator (the
// root of an absolute path is dealt with by the callers), minus "." segments.
func refTokenize(s string) []string {
	var out []string
	start := 0
	for pos := 0; pos < len(s); pos++ {
		if s[pos] == '/' {
			if pos != start {
				out = append(out, s[start:pos])
			}
			start = pos + 1
		}
	}
	if len(s) != start {
		out = append(out, s[start:])
	}
	kept := out[:0]
	for _, t := range out {
		if t != "." {
			kept = append(kept, t)
		}
	}
	return kept
}

func (rp refPattern) strDirs(name string) ([][]rune, bool) {
	if strings.HasPrefix(name, "/") != rp.absolute {
		return nil, false
	}
	var dirs [][]rune
	for _, s := range refTokenize(name) {
		dirs = append(dirs, []rune(s))
	}
	return dirs, true
}

func (rp refPattern) matchToken(t refToken, str []rune) bool {
	if t.literal {
		if len(t.text) != len(str) {
			return false
		}
		for i := range str {
			if refDifferent(rp.caseSensitive, t.text[i], str[i]) {
				return false
			}
		}
		return true
	}
	return refMatch(t.text, str, rp.caseSensitive)
}

// refMatchPath is SelectorUtils.matchPath(String[], String[], boolean).
func (rp refPattern) refMatchPath(name string) bool {
	strDirs, ok := rp.strDirs(name)
	if !ok {
		return false
	}
	pat := rp.toks
	patIdxStart, patIdxEnd := 0, len(pat)-1
	strIdxStart, strIdxEnd := 0, len(strDirs)-1

	// up to first '**'
	for patIdxStart <= patIdxEnd && strIdxStart <= strIdxEnd {
		if pat[patIdxStart].deep() {
			break
		}
		if !rp.matchToken(pat[patIdxStart], strDirs[strIdxStart]) {
			return false
		}
		patIdxStart++
		strIdxStart++
	}
	if strIdxStart > strIdxEnd {
		return refAllDeep(pat[patIdxStart : patIdxEnd+1])
	}
	if patIdxStart > patIdxEnd {
		return false
	}

	// up to last '**'
	for patIdxStart <= patIdxEnd && strIdxStart <= strIdxEnd {
		if pat[patIdxEnd].deep() {
			break
		}
		if !rp.matchToken(pat[patIdxEnd], strDirs[strIdxEnd]) {
			return false
		}
		patIdxEnd--
		strIdxEnd--
	}
	if strIdxStart > strIdxEnd {
		return refAllDeep(pat[patIdxStart : patIdxEnd+1])
	}

	for patIdxStart != patIdxEnd && strIdxStart <= strIdxEnd {
		patIdxTmp := -1
		for i := patIdxStart + 1; i <= patIdxEnd; i++ {
			if pat[i].deep() {
				patIdxTmp = i
				break
			}
		}
		if patIdxTmp == patIdxStart+1 {
			// '**/**' situation, so skip one
			patIdxStart++
			continue
		}
		// Find the pattern between patIdxStart and patIdxTmp in str between
		// strIdxStart and strIdxEnd.
		patLength := patIdxTmp - patIdxStart - 1
		strLength := strIdxEnd - strIdxStart + 1
		foundIdx := -1
	strLoop:
		for i := 0; i <= strLength-patLength; i++ {
			for j := 0; j < patLength; j++ {
				if !rp.matchToken(pat[patIdxStart+j+1], strDirs[strIdxStart+i+j]) {
					continue strLoop
				}
			}
			foundIdx = strIdxStart + i
			break
		}
		if foundIdx == -1 {
			return false
		}
		patIdxStart = patIdxTmp
		strIdxStart = foundIdx + patLength
	}
	return refAllDeep(pat[patIdxStart : patIdxEnd+1])
}

// refMatchPatternStart is SelectorUtils.matchPatternStart(String[], String[],
// boolean).
func (rp refPattern) refMatchPatternStart(name string) bool {
	strDirs, ok := rp.strDirs(name)
	if !ok {
		return false
	}
	pat := rp.toks
	patIdxStart, patIdxEnd := 0, len(pat)-1
	strIdxStart, strIdxEnd := 0, len(strDirs)-1
	for patIdxStart <= patIdxEnd && strIdxStart <= strIdxEnd {
		if pat[patIdxStart].deep() {
			break
		}
		if !rp.matchToken(pat[patIdxStart], strDirs[strIdxStart]) {
			return false
		}
		patIdxStart++
		strIdxStart++
	}
	if strIdxStart > strIdxEnd {
		return true
	}
	return patIdxStart <= patIdxEnd
}

func refAllDeep(toks []refToken) bool {
	for _, t := range toks {
		if !t.deep() {
			return false
		}
	}
	return true
}

// refMatch is SelectorUtils.match(String, String, boolean): one segment.
func refMatch(patArr, strArr []rune, caseSensitive bool) bool {
	patIdxStart, patIdxEnd := 0, len(patArr)-1
	strIdxStart, strIdxEnd := 0, len(strArr)-1

	containsStar := false
	for _, ch := range patArr {
		if ch == '*' {
			containsStar = true
			break
		}
	}
	if !containsStar {
		// No '*'s, so we make a shortcut
		if patIdxEnd != strIdxEnd {
			return false
		}
		for i := 0; i <= patIdxEnd; i++ {
			if ch := patArr[i]; ch != '?' && refDifferent(caseSensitive, ch, strArr[i]) {
				return false
			}
		}
		return true
	}
	if patIdxEnd == 0 {
		return true // Pattern contains only '*', which matches anything
	}

	// Process characters before first star
	for {
		ch := patArr[patIdxStart]
		if ch == '*' || strIdxStart > strIdxEnd {
			break
		}
		if ch != '?' && refDifferent(caseSensitive, ch, strArr[strIdxStart]) {
			return false
		}
		patIdxStart++
		strIdxStart++
	}
	if strIdxStart > strIdxEnd {
		return refAllStars(patArr[patIdxStart : patIdxEnd+1])
	}

	// Process characters after last star
	for {
		ch := patArr[patIdxEnd]
		if ch == '*' || strIdxStart > strIdxEnd {
			break
		}
		if ch != '?' && refDifferent(caseSensitive, ch, strArr[strIdxEnd]) {
			return false
		}
		patIdxEnd--
		strIdxEnd--
	}
	if strIdxStart > strIdxEnd {
		return refAllStars(patArr[patIdxStart : patIdxEnd+1])
	}

	// Process pattern between stars; patIdxStart and patIdxEnd always point
	// to a '*'.
	for patIdxStart != patIdxEnd && strIdxStart <= strIdxEnd {
		patIdxTmp := -1
		for i := patIdxStart + 1; i <= patIdxEnd; i++ {
			if patArr[i] == '*' {
				patIdxTmp = i
				break
			}
		}
		if patIdxTmp == patIdxStart+1 {
			// Two stars next to each other, skip the first one.
			patIdxStart++
			continue
		}
		patLength := patIdxTmp - patIdxStart - 1
		strLength := strIdxEnd - strIdxStart + 1
		foundIdx := -1
	strLoop:
		for i := 0; i <= strLength-patLength; i++ {
			for j := 0; j < patLength; j++ {
				ch := patArr[patIdxStart+j+1]
				if ch != '?' && refDifferent(caseSensitive, ch, strArr[strIdxStart+i+j]) {
					continue strLoop
				}
			}
			foundIdx = strIdxStart + i
			break
		}
		if foundIdx == -1 {
			return false
		}
		patIdxStart = patIdxTmp
		strIdxStart = foundIdx + patLength
	}
	return refAllStars(patArr[patIdxStart : patIdxEnd+1])
}

func refAllStars(chars []rune) bool {
	for _, ch := range chars {
		if ch != '*' {
			return false
		}
	}
	return true
}

func refDifferent(caseSensitive bool, ch, other rune) bool {
	if caseSensitive {
		return ch != other
	}
	return unicode.ToUpper(ch) != unicode.ToUpper(other)
}
