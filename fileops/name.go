package fileops

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"runtime"
	"strings"
	"unicode/utf8"

	"github.com/bundlekit/bundlekit/internal/winpath"
)

// CheckName reports whether name is acceptable as the name of a file or
// directory below a Dir on this system (see the package documentation): a
// clean, relative, "/"-separated path that is not the directory itself. The
// deployment engine calls it while planning so that a bad destination fails
// before anything is written. The error is an *fs.PathError wrapping
// ErrUnsafePath.
func CheckName(name string) error {
	if _, err := localize(name); err != nil {
		return &fs.PathError{Op: "check", Path: name, Err: err}
	}
	return nil
}

// localize validates unsafePath as a name below a Dir and converts it to this
// system's separator.
func localize(unsafePath string) (string, error) {
	if unsafePath == "" || unsafePath == "." {
		return "", fmt.Errorf("%w: names the directory itself", ErrUnsafePath)
	}
	return localizeRoot(unsafePath)
}

// localizeRoot is localize that also accepts "" and "." for the directory
// itself.
func localizeRoot(unsafePath string) (string, error) {
	if unsafePath == "" || unsafePath == "." {
		return ".", nil
	}
	if reason := nameProblem(unsafePath); reason != "" {
		return "", fmt.Errorf("%w: %s", ErrUnsafePath, reason)
	}
	// Localize rejects what this system cannot represent as one relative
	// path: on Windows "\", ":" (drive letters and alternate data streams)
	// and device names such as NUL or COM1.
	local, err := filepath.Localize(unsafePath)
	if err != nil {
		return "", fmt.Errorf("%w: not a valid file name on %s", ErrUnsafePath, runtime.GOOS)
	}
	// Windows stores names as UTF-16: invalid UTF-8 would be replaced by
	// U+FFFD, so two different names could reach the same file.
	if runtime.GOOS == "windows" && !utf8.ValidString(unsafePath) {
		return "", fmt.Errorf("%w: not valid UTF-8", ErrUnsafePath)
	}
	return local, nil
}

// nameProblem returns why name is not a clean, relative, "/"-separated path,
// or "" when it is. It applies on every system: a name starting with a drive
// letter is refused on Unix too, because there it is a Windows absolute key
// (R187) that leaked into a relative context.
func nameProblem(name string) string {
	switch {
	case name == "":
		return "empty name"
	case strings.IndexByte(name, 0) >= 0:
		return "contains a NUL byte"
	case name[0] == '/':
		return "absolute path"
	case winpath.Drive(name) != 0:
		return "starts with a drive letter"
	case name != "." && fs.ValidPath(name):
		return ""
	case hasDotDot(name):
		return `has a ".." element`
	default:
		return `has an empty or "." element or a trailing slash`
	}
}

func hasDotDot(name string) bool {
	for elem := range strings.SplitSeq(name, "/") {
		if elem == ".." {
			return true
		}
	}
	return false
}
