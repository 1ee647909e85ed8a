package destination

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel reasons. Every error this package returns wraps exactly one of them, so
// callers branch with errors.Is and reach the details with errors.As on *Error,
// *PathError, *ParseError or *GroupError.
var (
	// ErrSyntax: a bundle-target descriptor is not well-formed XML, or is larger
	// or deeper than the parser accepts.
	ErrSyntax = errors.New("malformed descriptor")
	// ErrMissing: a required element, attribute or value is absent or empty.
	ErrMissing = errors.New("missing")
	// ErrUnexpected: an element or attribute a bundle-target descriptor does not
	// allow in that place.
	ErrUnexpected = errors.New("unexpected")
	// ErrDuplicate: a base location name declared twice, or an element that may
	// appear once repeated.
	ErrDuplicate = errors.New("duplicate")
	// ErrUnknownValueContext: a value context other than fileSystem,
	// pluginConfiguration, resourceConfiguration or measurementTrait.
	ErrUnknownValueContext = errors.New("unknown value context")

	// ErrInvalidPlatform: a target's OS family or path flavour is not set or not
	// one this package knows.
	ErrInvalidPlatform = errors.New("invalid platform")
	// ErrUnknownBaseLocation: the target's type declares no base location of the
	// requested name.
	ErrUnknownBaseLocation = errors.New("unknown base location")
	// ErrValueNotSet: the configuration property or trait that holds the base
	// directory is missing or empty on the target.
	ErrValueNotSet = errors.New("base directory value not set")
	// ErrNotAbsolute: a base directory or deploy dir that must be absolute for
	// the target's platform is not.
	ErrNotAbsolute = errors.New("not an absolute path for the platform")
	// ErrNotRelative: a deploy dir that must be relative to its base location is
	// absolute, or carries a drive letter or a UNC server.
	ErrNotRelative = errors.New("deploy dir must be relative to the base location")
	// ErrEscapes: a deploy dir whose ".." components climb out of its base
	// location.
	ErrEscapes = errors.New("deploy dir escapes the base location")
	// ErrNoDeployDir: a deploy dir that is empty, names its base location itself,
	// or is a file-system root.
	ErrNoDeployDir = errors.New("no deploy dir below the base location")

	// ErrInvalidPath: a path that is empty, contains a NUL byte, or (Windows)
	// contains a character, a device name or a trailing dot or space that
	// Windows does not allow in a file name, or is a malformed UNC or device path.
	ErrInvalidPath = errors.New("invalid path")
	// ErrAboveRoot: ".." components that climb above the file-system root (R41).
	ErrAboveRoot = errors.New("path climbs above the file-system root")
	// ErrIsDeployDir: a file destination that names the deploy dir itself.
	ErrIsDeployDir = errors.New("file destination is the deploy dir itself")
	// ErrDriveMismatch: a drive-relative Windows path ("D:foo") on another drive
	// than the deploy dir (R43).
	ErrDriveMismatch = errors.New("drive letter differs from the deploy dir's")
	// ErrNoDrive: a Windows path rooted at "\" without a drive letter, which
	// Windows resolves against whatever drive is current.
	ErrNoDrive = errors.New("rooted Windows path without a drive letter")
	// ErrUNC: an external destination on a UNC share, which has no ext-backup
	// layout (R34).
	ErrUNC = errors.New("external destination on a UNC share is not supported")

	// ErrEmptyGroup: a group with no targets.
	ErrEmptyGroup = errors.New("group has no targets")
	// ErrMixedPlatforms: a group whose targets do not all share one OS family
	// and path flavour.
	ErrMixedPlatforms = errors.New("group mixes platforms")
)

// Error is a destination that could not be resolved for a target. It names the
// target, the base location and the deploy dir as given; Err says what is wrong
// and wraps one of the sentinels.
type Error struct {
	Target       string
	BaseLocation string
	DeployDir    string
	Err          error
}

func (e *Error) Error() string {
	return fmt.Sprintf("target %q, base location %q, deploy dir %q: %v", e.Target, e.BaseLocation, e.DeployDir, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// PathError is a path that could not be normalised. Dir is the deploy dir in the
// target's native form, empty when the path being parsed is the deploy dir
// itself; Path is the path as written; Err wraps one of the sentinels.
type PathError struct {
	Dir  string
	Path string
	Err  error
}

func (e *PathError) Error() string {
	if e.Dir == "" {
		return fmt.Sprintf("path %q: %v", e.Path, e.Err)
	}
	return fmt.Sprintf("destination %q (deploy dir %s): %v", e.Path, e.Dir, e.Err)
}

func (e *PathError) Unwrap() error { return e.Err }

// ParseError is one mistake in a bundle-target descriptor. Line and Col (1-based,
// Col in bytes) locate the start tag of Element; both are 0 for mistakes about
// the document as a whole. Element is the tag as written, with its name
// attribute when it has one, e.g. `<destination-base-dir name="Deploy Directory">`.
type ParseError struct {
	Line, Col int
	Element   string
	Err       error
}

func (e *ParseError) Error() string {
	var b strings.Builder
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d, column %d: ", e.Line, e.Col)
	}
	if e.Element != "" {
		b.WriteString(e.Element)
		b.WriteString(": ")
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *ParseError) Unwrap() error { return e.Err }

// GroupError rejects a group whose targets do not share one platform. Platform is
// the platform most members share (on a tie, the earliest member's); Odd lists
// the other members in group order.
type GroupError struct {
	Platform Platform
	Odd      []Target
}

func (e *GroupError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%v (most targets are %v):", ErrMixedPlatforms, e.Platform)
	for i, t := range e.Odd {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, " %q is %v", t.Name, t.Platform)
	}
	return b.String()
}

func (e *GroupError) Unwrap() error { return ErrMixedPlatforms }
