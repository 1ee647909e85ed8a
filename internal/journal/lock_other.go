//go:build !(darwin || dragonfly || freebsd || illumos || linux || netbsd || openbsd || windows)

package journal

import (
	"errors"
	"fmt"
	"os"
	"runtime"
)

// lockFile fails: this system has neither flock nor LockFileEx, and a lock the
// kernel does not release is what Lock exists to avoid.
func lockFile(*os.File) (bool, error) {
	return false, fmt.Errorf("no kernel file lock on %s: %w", runtime.GOOS, errors.ErrUnsupported)
}

// unlockFile is never reached: no lock is ever taken.
func unlockFile(*os.File) error { return nil }

func transient(error) bool { return false }
