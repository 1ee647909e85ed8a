package recipe

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/bundlekit/bundlekit/internal/xmldoc"
)

// The namespace URI of RHQ's Ant bundle elements (R153). Elements are matched by
// this URI, whatever prefix the recipe binds it to.
const rhqNS = "antlib:org.rhq.bundle"

// BundlekitNS is the namespace URI of bundlekit's own attributes in a recipe,
// such as bk:sha256 (see the package documentation). The version in it
// changes only if an attribute's meaning does.
const BundlekitNS = "urn:bundlekit:1"

// Limits applied unless options change them. A real recipe is a few kilobytes and a
// dozen levels deep; these bounds stop a hostile file from exhausting memory or
// the stack without getting in the way of any legitimate one.
const (
	DefaultMaxSize  = 4 << 20
	DefaultMaxDepth = 64
)

// Option changes how Parse reads a recipe.
type Option interface{ apply(*settings) }

type settings struct {
	file     string
	maxSize  int64
	maxDepth int
	strict   bool
}

type optionFunc func(*settings)

func (f optionFunc) apply(s *settings) { f(s) }

// WithFile names the file in positions and error messages (default "deploy.xml").
func WithFile(name string) Option { return optionFunc(func(s *settings) { s.file = name }) }

// WithMaxSize bounds the size of the recipe in bytes (default DefaultMaxSize).
func WithMaxSize(n int64) Option { return optionFunc(func(s *settings) { s.maxSize = n }) }

// WithMaxDepth bounds how deeply elements may nest (default DefaultMaxDepth).
func WithMaxDepth(n int) Option { return optionFunc(func(s *settings) { s.maxDepth = n }) }

// RequireCompliance rejects a deployment unit that declares neither compliance
// nor manageRootDir, like RHQ's launcher in its strict mode (R161).
func RequireCompliance() Option { return optionFunc(func(s *settings) { s.strict = true }) }

// Parse reads and validates a deploy.xml. On failure the error is errors.Join of
// *Error values, one per mistake found, each with its file:line:col; use Errors
// or errors.As to reach them. Parse needs no deploy-time property (R176): values
// that refer to ${…} properties are checked by Recipe.Expand.
func Parse(r io.Reader, opts ...Option) (*Recipe, error) {
	doc, s, err := load(r, "deploy.xml", opts)
	if err != nil {
		return nil, err
	}
	return build(doc, s.file, s.strict, nil)
}

// load applies the options and reads one bounded, well-formed XML document with
// the positions of its elements; file is the default name for positions.
func load(r io.Reader, file string, opts []Option) (*xmldoc.Document, settings, error) {
	s := settings{file: file, maxSize: DefaultMaxSize, maxDepth: DefaultMaxDepth}
	for _, o := range opts {
		o.apply(&s)
	}
	doc, err := xmldoc.Read(r, xmldoc.Limits{MaxSize: s.maxSize, MaxDepth: s.maxDepth})
	if err != nil {
		xe, ok := errors.AsType[*xmldoc.Error](err)
		if !ok {
			return nil, s, fmt.Errorf("read %s: %w", s.file, err)
		}
		return nil, s, &Error{Pos: Pos{File: s.file, Line: xe.Line, Col: xe.Col}, Err: fmt.Errorf("%w: %s", ErrSyntax, xe.Msg)}
	}
	return doc, s, nil
}

// ParseFile parses the recipe at path; positions name the file by its base name
// unless WithFile says otherwise.
func ParseFile(path string, opts ...Option) (*Recipe, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open recipe: %w", err)
	}
	defer f.Close()
	return Parse(f, append([]Option{WithFile(filepath.Base(path))}, opts...)...)
}

// joinErrors joins errs in document order, so a reader can fix them top to
// bottom.
func joinErrors(errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	slices.SortStableFunc(errs, func(a, b error) int {
		pa, pb := errPos(a), errPos(b)
		return cmp.Or(cmp.Compare(pa.Line, pb.Line), cmp.Compare(pa.Col, pb.Col))
	})
	return errors.Join(errs...)
}

func errPos(err error) Pos {
	if e, ok := err.(*Error); ok {
		return e.Pos
	}
	return Pos{}
}
