package fileops

import (
	"fmt"
	"io/fs"
	"strings"
)

// FileHash is what HashFiles finds of one name.
type FileHash struct {
	// MD5 of a regular file's content, as 32 lowercase hex digits.
	MD5 string
	// Link is the target of a symbolic link, which is not followed; MD5 is
	// then empty.
	Link string
	// Err: the name could not be read, or is neither a regular file nor a
	// symbolic link (ErrIrregular: a named pipe is never waited on).
	Err error
}

// HashFiles hashes files directly in d, never following a symbolic link. It
// reads them through one handle to d, so a file costs an open, a stat and its
// reads, with no walk from a root and no lookup of its parent: the way to
// hash every file of a large tree, a directory at a time.
func (d *Dir) HashFiles(names []string) []FileHash {
	out := make([]FileHash, len(names))
	for i, name := range names {
		if name == "" || name == "." || name == ".." || strings.ContainsAny(name, `/\`) {
			out[i].Err = d.nameErr("hash", name, fmt.Errorf("%w: not a name in the directory", ErrUnsafePath))
		}
	}
	d.hashFiles(names, out)
	return out
}

// hashEach is HashFiles one name at a time, through the portable calls.
func (d *Dir) hashEach(names []string, out []FileHash) {
	for i, name := range names {
		if out[i].Err != nil {
			continue
		}
		out[i] = d.hashOne(name)
	}
}

func (d *Dir) hashOne(name string) FileHash {
	fi, err := d.Lstat(name)
	switch {
	case err != nil:
		return FileHash{Err: err}
	case fi.Mode()&fs.ModeSymlink != 0:
		target, err := d.Readlink(name)
		return FileHash{Link: target, Err: err}
	case !fi.Mode().IsRegular():
		return FileHash{Err: d.nameErr("hash", name, fmt.Errorf("%w: %s", ErrIrregular, fi.Mode().Type()))}
	}
	sum, err := d.HashFile(name)
	return FileHash{MD5: sum, Err: err}
}
