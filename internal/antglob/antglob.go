package antglob

import (
	"errors"
	"fmt"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/bundlekit/bundlekit/internal/winpath"
)

// Sentinel reasons wrapped by Error.Err, for callers that branch with errors.Is.
var (
	// ErrParentSegment: the pattern has a ".." segment. Matched paths are clean
	// and below their base, so such a pattern could never select anything.
	ErrParentSegment = errors.New(`a ".." segment can never match a path below the base directory`)
	// ErrAbsoluteDir: the directory starts with "/" or "\" or a drive letter.
	ErrAbsoluteDir = errors.New("the directory must be relative")
	// ErrEscapingDir: the directory climbs out of its base with "..".
	ErrEscapingDir = errors.New(`the directory climbs out of its base with ".."`)
	// ErrEncoding: the pattern or directory is not valid UTF-8.
	ErrEncoding = errors.New("not valid UTF-8")
)

// Error is a pattern or directory that cannot be compiled.
type Error struct {
	// Dir is the directory as given to CompileIn or NewSet; empty for Compile.
	Dir string
	// Pattern is the pattern as given; empty when Dir is at fault.
	Pattern string
	// Err says what is wrong; it wraps one of the Err* sentinels.
	Err error
}

func (e *Error) Error() string {
	switch {
	case e.Dir == "":
		return fmt.Sprintf("antglob: pattern %q: %v", e.Pattern, e.Err)
	case e.Pattern == "":
		return fmt.Sprintf("antglob: directory %q: %v", e.Dir, e.Err)
	}
	return fmt.Sprintf("antglob: pattern %q in directory %q: %v", e.Pattern, e.Dir, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Option changes how a pattern matches.
type Option func(*config)

type config struct {
	caseInsensitive bool
}

// CaseSensitive sets whether letters must match in case, like the casesensitive
// attribute of Ant's fileset. The default is true. Case-insensitive matching
// compares the Unicode upper case of each character, as Ant does.
func CaseSensitive(sensitive bool) Option {
	return func(c *config) { c.caseInsensitive = !sensitive }
}

// Pattern is a compiled Ant pattern. It is immutable and safe for concurrent use.
type Pattern struct {
	absolute bool
	fold     bool
	// segs is the pattern cut at "/", after normalization; it drives prefix
	// matching (Set.MatchDir).
	segs []segment
	// glob is the doublestar pattern for the whole relative part.
	glob string
	// trunk is glob without its final "/**" when the pattern ends in a "**"
	// segment after other segments, else "". doublestar does not let "/**"
	// match nothing after a "*" that matched nothing (a*/** against a), Ant
	// does; matching trunk as well covers that.
	trunk string
	// empty says whether the empty path (the base directory itself) matches:
	// it does when every segment is "**", and doublestar cannot say so because
	// it lets "*" match an empty name.
	empty bool
}

// segment is one "/"-separated part of a pattern.
type segment struct {
	deep bool   // the segment is "**"
	glob string // the doublestar pattern of the segment when not deep
}

// Compile compiles an Ant pattern (see the package doc). Its only errors are a
// ".." segment (ErrParentSegment) and invalid UTF-8 (ErrEncoding), as *Error.
func Compile(pattern string, opts ...Option) (*Pattern, error) {
	return compile("", pattern, opts)
}

// CompileIn compiles an Ant pattern relative to the literal directory dir, so
// that the result matches paths relative to dir's own base: CompileIn("conf",
// "*.xml") matches "conf/a.xml". Wildcards in dir are ordinary characters; "\"
// in dir is a separator; dir is cleaned ("a/./b/../c" is "a/c"; "" and "." mean
// the base itself). An absolute dir (ErrAbsoluteDir) or one that climbs out of
// its base (ErrEscapingDir) is an error. An absolute pattern is not put under
// dir: it keeps Ant's rule and never matches a relative path.
func CompileIn(dir, pattern string, opts ...Option) (*Pattern, error) {
	return compile(dir, pattern, opts)
}

func compile(dir, pattern string, opts []Option) (*Pattern, error) {
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	dirSegs, err := dirSegments(dir)
	if err != nil {
		return nil, &Error{Dir: dir, Err: err}
	}
	fail := func(err error) (*Pattern, error) {
		return nil, &Error{Dir: dir, Pattern: pattern, Err: err}
	}
	if !utf8.ValidString(pattern) {
		return fail(ErrEncoding)
	}

	p := &Pattern{fold: cfg.caseInsensitive}
	ant := strings.ReplaceAll(pattern, `\`, "/")
	if strings.HasSuffix(ant, "/") {
		ant += "**"
	}
	p.absolute = strings.HasPrefix(ant, "/")
	if !p.absolute {
		for _, d := range dirSegs {
			p.segs = append(p.segs, segment{glob: escapeAll(p.foldCase(d))})
		}
	}
	for s := range strings.SplitSeq(ant, "/") {
		switch s {
		case "", ".":
			continue
		case "..":
			return fail(ErrParentSegment)
		case "**":
			// "**/**" means no more than "**".
			if n := len(p.segs); n == 0 || !p.segs[n-1].deep {
				p.segs = append(p.segs, segment{deep: true})
			}
		default:
			p.segs = append(p.segs, segment{glob: escape(collapseStars(p.foldCase(s)))})
		}
	}

	p.empty = true
	globs := make([]string, len(p.segs))
	for i, s := range p.segs {
		globs[i] = s.glob
		if s.deep {
			globs[i] = "**"
		} else {
			p.empty = false
		}
	}
	p.glob = strings.Join(globs, "/")
	if n := len(p.segs); n > 1 && p.segs[n-1].deep {
		p.trunk = strings.Join(globs[:n-1], "/")
	}
	return p, nil
}

// dirSegments validates and cleans dir and cuts it at "/".
func dirSegments(dir string) ([]string, error) {
	if !utf8.ValidString(dir) {
		return nil, ErrEncoding
	}
	d := strings.ReplaceAll(dir, `\`, "/")
	if strings.HasPrefix(d, "/") || winpath.Drive(d) != 0 {
		return nil, ErrAbsoluteDir
	}
	d = path.Clean(d)
	switch {
	case d == ".":
		return nil, nil
	case d == ".." || strings.HasPrefix(d, "../"):
		return nil, ErrEscapingDir
	}
	return strings.Split(d, "/"), nil
}

// collapseStars replaces each run of "*" by one: inside a segment Ant treats
// "**" like "*", and doublestar mistakes a trailing "***" for a non-empty match.
func collapseStars(s string) string {
	for strings.Contains(s, "**") {
		s = strings.ReplaceAll(s, "**", "*")
	}
	return s
}

// escape makes the characters Ant treats literally but doublestar does not
// (brackets and braces) literal for doublestar. The pattern holds no "\" any
// more: Ant reads it as a separator.
var escape = strings.NewReplacer("[", `\[`, "]", `\]`, "{", `\{`, "}", `\}`).Replace

// escapeAll makes every doublestar metacharacter literal, wildcards included,
// for the segments of a directory.
var escapeAll = strings.NewReplacer("*", `\*`, "?", `\?`, "[", `\[`, "]", `\]`, "{", `\{`, "}", `\}`).Replace

func (p *Pattern) foldCase(s string) string {
	if !p.fold {
		return s
	}
	return strings.Map(unicode.ToUpper, s)
}

// Match reports whether the pattern matches name, a path relative to the
// pattern's base with "/" separators (a "\" in name is an ordinary character).
// Empty and "." segments of name are ignored, so "a//b/" and "./a/b" are "a/b";
// the empty name is the base directory itself. A name that starts with "/" is
// absolute and matches only an absolute pattern.
func (p *Pattern) Match(name string) bool {
	rel, ok := p.relative(name)
	if !ok {
		return false
	}
	if rel == "" {
		return p.empty
	}
	if p.trunk != "" && doublestar.MatchUnvalidated(p.trunk, rel) {
		return true
	}
	return doublestar.MatchUnvalidated(p.glob, rel)
}

// matchStart reports whether the pattern may match name or a path below it.
// Like Ant's SelectorUtils.matchPatternStart it errs towards yes: once the
// segments before the first "**" match, it says yes.
func (p *Pattern) matchStart(name string) bool {
	rel, ok := p.relative(name)
	if !ok {
		return false
	}
	i := 0
	for s := range strings.SplitSeq(rel, "/") {
		if s == "" {
			break // the empty name: the base itself
		}
		if i == len(p.segs) {
			return false
		}
		if p.segs[i].deep {
			return true
		}
		if !doublestar.MatchUnvalidated(p.segs[i].glob, s) {
			return false
		}
		i++
	}
	return true
}

// relative checks that name is absolute exactly when the pattern is, and
// returns it without its leading "/", empty and "." segments, with its case
// folded when the pattern ignores case.
func (p *Pattern) relative(name string) (string, bool) {
	rel := strings.TrimLeft(name, "/")
	if (len(rel) != len(name)) != p.absolute {
		return "", false
	}
	if !clean(rel) {
		var segs []string
		for s := range strings.SplitSeq(rel, "/") {
			if s != "" && s != "." {
				segs = append(segs, s)
			}
		}
		rel = strings.Join(segs, "/")
	}
	return p.foldCase(rel), true
}

// clean reports whether the relative path s has no empty and no "." segments,
// the common case, which Match then serves without allocating.
func clean(s string) bool {
	if s == "" {
		return true
	}
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '/' {
			if seg := s[start:i]; seg == "" || seg == "." {
				return false
			}
			start = i + 1
		}
	}
	return true
}
