package antglob

import "errors"

// Set is an Ant fileset's pattern set: include and exclude patterns relative to
// one literal directory. It is immutable and safe for concurrent use.
type Set struct {
	includes []*Pattern
	excludes []*Pattern
}

// NewSet compiles a fileset: each of includes and excludes is compiled with
// CompileIn(dir, pattern, opts...). No includes means Ant's default "**": every
// path at or below dir. A bad dir is one *Error; bad patterns are an *Error
// each, joined with errors.Join.
func NewSet(dir string, includes, excludes []string, opts ...Option) (*Set, error) {
	if _, err := dirSegments(dir); err != nil {
		return nil, &Error{Dir: dir, Err: err}
	}
	if len(includes) == 0 {
		includes = []string{"**"}
	}
	var errs []error
	compileAll := func(patterns []string) []*Pattern {
		out := make([]*Pattern, 0, len(patterns))
		for _, pat := range patterns {
			p, err := CompileIn(dir, pat, opts...)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			out = append(out, p)
		}
		return out
	}
	s := &Set{includes: compileAll(includes), excludes: compileAll(excludes)}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return s, nil
}

// Match reports whether name, a path relative to the base of the set's
// directory (not to the directory itself), is selected: it matches some include
// and no exclude. Files and directories are tested alike, as Ant does.
func (s *Set) Match(name string) bool {
	return s.included(name) && !s.excluded(name)
}

// MatchDir reports whether the directory name is selected as a whole, so that a
// walk may take everything below it as selected without descending (the
// rhq:ignore case): name matches some include, and no exclude can match name or
// any path below it. When an exclude might reach into the directory MatchDir
// says no, and the walk must descend and test each entry with Match, which
// keeps excludes effective below a matching directory. "Might" is Ant's
// SelectorUtils.matchPatternStart: the exclude's segments before its first "**"
// match the leading segments of name, so "**/*.bak" reaches into every
// directory.
func (s *Set) MatchDir(name string) bool {
	if !s.included(name) {
		return false
	}
	for _, p := range s.excludes {
		if p.matchStart(name) {
			return false
		}
	}
	return true
}

func (s *Set) included(name string) bool {
	for _, p := range s.includes {
		if p.Match(name) {
			return true
		}
	}
	return false
}

func (s *Set) excluded(name string) bool {
	for _, p := range s.excludes {
		if p.Match(name) {
			return true
		}
	}
	return false
}
