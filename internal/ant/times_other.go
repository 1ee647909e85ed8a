//go:build !windows && (!unix || solaris || aix)

package ant

import (
	"errors"
	"io/fs"
	"time"
)

// setModTime fails: this system has no syscall to set a file's times through
// a descriptor.
func setModTime(l loc, _ time.Time) error {
	return &fs.PathError{Op: "chtimes", Path: l.abs, Err: errors.ErrUnsupported}
}
