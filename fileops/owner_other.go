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
