//go:build !unix

package fileops

import (
	"io/fs"
	"os"
)

// noPoll: no such flag outside Unix.
const noPoll = 0

// keepOwner does nothing: outside Unix a new file's owner follows the
// directory's ACL.
func keepOwner(*os.File, fs.FileInfo) error { return nil }

// UnixPermissions reports whether files have Unix permission bits and owners
// on this system.
const UnixPermissions = false

// Owner returns the user and group ids owning the file fi describes; ok is
// false when fi does not say, as everywhere outside Unix.
func Owner(fs.FileInfo) (uid, gid uint32, ok bool) { return 0, 0, false }
