// Package readall reads a whole file into one string with one allocation:
// decoders of bundlekit's large metadata files (a line per deployed file)
// then slice their keys out of it instead of allocating each one.
package readall

import (
	"io"
	"io/fs"
	"strings"
)

// String reads r to its end. When r can Stat (an *os.File, an fs.File), the
// buffer is sized from the file's size, so a file that does not grow while
// it is read costs one allocation and no copy.
func String(r io.Reader) (string, error) {
	var b strings.Builder
	if s, ok := r.(interface{ Stat() (fs.FileInfo, error) }); ok {
		if fi, err := s.Stat(); err == nil && fi.Mode().IsRegular() && fi.Size() > 0 {
			b.Grow(int(fi.Size()) + 1) // +1: the read that finds the end
		}
	}
	_, err := io.Copy(&b, r)
	return b.String(), err
}
