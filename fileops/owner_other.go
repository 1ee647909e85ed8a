//go:build !unix

package fileops

import (
	"io/fs"
	"os"
)

// keepOwner does nothing: outside Unix a new file's owner follows the
// directory's ACL.
func keepOwner(*os.File, fs.FileInfo) error { return nil }
