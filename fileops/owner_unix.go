//go:build unix

package fileops

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
)

// noPoll is an open flag that spares a file written once from start to end
// the runtime poller's set-up: os opens a file already in non-blocking mode
// as it is, where it would otherwise switch the mode on and off again (four
// fcntl calls) around a registration that fails for regular files anyway.
// Non-blocking mode has no effect on a regular file's reads and writes.
const noPoll = syscall.O_NONBLOCK

// keepOwner gives f the owner and group of old, the file f will replace, so
// that replacing a file does not hand it to the deploying user (RHQ overwrote
// in place, which kept them). Without the privilege to do so (EPERM) the new
// file stays the process's: that is what an in-place write by the same user
// would leave for a new file too.
func keepOwner(f *os.File, old fs.FileInfo) error {
	want, ok := old.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	have, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || (have.Uid == want.Uid && have.Gid == want.Gid) {
		return nil
	}
	err = f.Chown(int(want.Uid), int(want.Gid))
	if errors.Is(err, fs.ErrPermission) {
		return nil
	}
	return err
}

// UnixPermissions reports whether files have Unix permission bits and owners
// on this system.
const UnixPermissions = true

// Owner returns the user and group ids owning the file fi describes; ok is
// false when fi does not say.
func Owner(fi fs.FileInfo) (uid, gid uint32, ok bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, 0, false
	}
	return st.Uid, st.Gid, true
}
