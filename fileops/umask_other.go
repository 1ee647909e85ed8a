//go:build !linux

package fileops

import "os"

// processUmask reports false: the umask cannot be read without changing it,
// so files get their permissions from a chmod.
func processUmask() (os.FileMode, bool) { return 0, false }
