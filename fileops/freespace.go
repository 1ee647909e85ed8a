package fileops

import (
	"io/fs"
	"path/filepath"
)

// FreeSpace returns the bytes available to this process on the file system
// holding path, for the disk-space check before a deployment (R47). Like
// RHQ, which asked Java's File.getUsableSpace, it asks path and, when path
// does not exist, cannot be asked or reports 0, its nearest ancestor that
// reports more. It returns 0 only when every ancestor that could be asked
// reports 0, and the first error when none could be asked. On systems other
// than Unix and Windows the error wraps errors.ErrUnsupported.
func FreeSpace(path string) (uint64, error) {
	p, err := filepath.Abs(path)
	if err != nil {
		return 0, &fs.PathError{Op: "freespace", Path: path, Err: err}
	}
	var first error
	asked := false
	for {
		n, err := freeSpace(p)
		switch {
		case err == nil && n > 0:
			return n, nil
		case err == nil:
			asked = true
		case first == nil:
			first = &fs.PathError{Op: "freespace", Path: p, Err: err}
		}
		parent := filepath.Dir(p)
		if parent == p {
			if asked {
				return 0, nil
			}
			return 0, first
		}
		p = parent
	}
}
