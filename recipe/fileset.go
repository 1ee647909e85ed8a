package recipe

import (
	"errors"
	"fmt"

	"github.com/bundlekit/bundlekit/internal/antglob"
)

// Matcher selects paths with the filesets of an rhq:replace or rhq:ignore: a path
// is selected when any fileset selects it (Ant semantics; see the package doc).
// Paths are relative, with / separators: to the deploy dir for rhq:ignore, to the
// archive root for rhq:replace. A nil *Matcher selects nothing. It is safe for
// concurrent use.
type Matcher struct {
	sets []*antglob.Set
}

// Matcher compiles the selector. Patterns were checked by Parse and Expand, so an
// error here means the recipe was not expanded and a pattern still holds ${…}
// text that is not a valid pattern. A nil selector yields a nil Matcher.
func (s *FileSelector) Matcher() (*Matcher, error) {
	if s == nil {
		return nil, nil
	}
	m := &Matcher{}
	var errs []error
	for _, fs := range s.Filesets {
		set, err := antglob.NewSet(fs.Dir, patterns(fs.Includes), patterns(fs.Excludes))
		if err != nil {
			errs = append(errs, &Error{Pos: fs.Pos, Element: "<rhq:fileset>", Rule: "R167",
				Err: &kindError{kind: ErrInvalid, msg: err.Error()}})
			continue
		}
		m.sets = append(m.sets, set)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return m, nil
}

func patterns(ps []Pattern) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Pattern
	}
	return out
}

// Match reports whether path is selected.
func (m *Matcher) Match(path string) bool {
	if m == nil {
		return false
	}
	for _, s := range m.sets {
		if s.Match(path) {
			return true
		}
	}
	return false
}

// MatchDir reports whether the directory path is selected as a whole, so that a
// walk may skip everything below it (rhq:ignore, R71): some fileset selects it
// and none of that fileset's excludes can reach below it.
func (m *Matcher) MatchDir(path string) bool {
	if m == nil {
		return false
	}
	for _, s := range m.sets {
		if s.MatchDir(path) {
			return true
		}
	}
	return false
}

// checkPattern reports a pattern that cannot be compiled; a pattern with a ".."
// segment compiles to nothing and is reported as a warning by the caller.
func checkPattern(dir, pattern string) error {
	_, err := antglob.CompileIn(dir, pattern)
	return err
}

// patternProblem sorts a checkPattern error: warn is true for patterns that are
// legal but can never select anything.
func patternProblem(err error) (warn bool, msg string) {
	var ae *antglob.Error
	if errors.As(err, &ae) {
		return errors.Is(ae.Err, antglob.ErrParentSegment), fmt.Sprint(ae.Err)
	}
	return false, err.Error()
}
