//go:build windows

package journal

import (
	"errors"
	"io/fs"
	"os"

	"golang.org/x/sys/windows"
)

// lockOffset is the byte LockFileEx locks. Windows locks are mandatory: a
// locked byte cannot be read by others, so the lock is taken far beyond the
// holder record, as SQLite does, where every Windows file system and SMB
// server accepts it.
const lockOffset = 1 << 30

// lockFile tries to take an exclusive LockFileEx lock on f without waiting.
// The lock belongs to f's handle: another Lock in the same process is refused
// too.
func lockFile(f *os.File) (bool, error) {
	return lockOp(f, "LockFileEx", func(h windows.Handle, ol *windows.Overlapped) error {
		return windows.LockFileEx(h, windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, ol)
	})
}

// unlockFile releases f's lock explicitly: Windows releases the lock of a
// closed handle only when it gets to it.
func unlockFile(f *os.File) error {
	_, err := lockOp(f, "UnlockFileEx", func(h windows.Handle, ol *windows.Overlapped) error {
		return windows.UnlockFileEx(h, 0, 1, 0, ol)
	})
	return err
}

func lockOp(f *os.File, op string, call func(windows.Handle, *windows.Overlapped) error) (bool, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return false, err
	}
	var lerr error
	if err := rc.Control(func(fd uintptr) {
		lerr = call(windows.Handle(fd), &windows.Overlapped{Offset: lockOffset})
	}); err != nil {
		return false, err
	}
	switch {
	case errors.Is(lerr, windows.ERROR_LOCK_VIOLATION):
		return false, nil
	case lerr != nil:
		return false, &fs.PathError{Op: op, Path: LockFile, Err: lerr}
	}
	return true, nil
}

// transient reports an access error, which is what opening or describing a
// file whose removal is pending returns on a file system that keeps the name
// of a removed file until its last handle is closed.
func transient(err error) bool { return errors.Is(err, windows.ERROR_ACCESS_DENIED) }
