//go:build darwin || dragonfly || freebsd || illumos || linux || netbsd || openbsd

package journal

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
)

// lockFile tries to take an exclusive flock on f without waiting. The lock
// belongs to f's open file description: another Lock in the same process is
// refused too, and closing f releases it.
func lockFile(f *os.File) (bool, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return false, err
	}
	var lerr error
	if err := rc.Control(func(fd uintptr) {
		for {
			lerr = syscall.Flock(int(fd), syscall.LOCK_EX|syscall.LOCK_NB)
			if !errors.Is(lerr, syscall.EINTR) {
				return
			}
		}
	}); err != nil {
		return false, err
	}
	switch {
	case errors.Is(lerr, syscall.EWOULDBLOCK):
		return false, nil
	case lerr != nil:
		return false, &fs.PathError{Op: "flock", Path: LockFile, Err: lerr}
	}
	return true, nil
}

// unlockFile does nothing: closing the file releases its flock.
func unlockFile(*os.File) error { return nil }

// transient reports no error as transient: a Unix file system removes an open
// file's name at once.
func transient(error) bool { return false }
