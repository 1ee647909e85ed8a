package bundle

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/bundlekit/bundlekit/fileops"
)

// fsDisk is the destination as the scan sees it, read through fileops: relative
// keys through the destination's os.Root, external keys through the audited
// fileops.OpenParent.
type fsDisk struct {
	d *fileops.Dir // nil when the destination does not exist
}

// openDisk opens dest for reading; a destination that does not exist reads as
// empty.
func openDisk(dest string) (disk, func(), error) {
	d, err := fileops.OpenDir(dest)
	if errors.Is(err, fs.ErrNotExist) {
		return fsDisk{}, func() {}, nil
	}
	if err != nil {
		return nil, nil, err
	}
	return fsDisk{d: d}, func() { d.Close() }, nil
}

func (f fsDisk) readDir(dir string) ([]dirEntry, error) {
	if f.d == nil {
		return nil, nil
	}
	name := dir
	if name == "" {
		name = "."
	}
	entries, err := f.d.ReadDir(name)
	if err != nil {
		return nil, err
	}
	out := make([]dirEntry, 0, len(entries))
	for _, e := range entries {
		// A symbolic link is an entry of its own, never followed (GO of R78).
		out = append(out, dirEntry{name: e.Name(), isDir: e.Type().IsDir()})
	}
	return out, nil
}

func (f fsDisk) stat(key string) (bool, bool, error) {
	var fi fs.FileInfo
	var err error
	if isExternal(key) {
		fi, err = os.Lstat(filepath.FromSlash(key))
	} else if f.d == nil {
		return false, false, nil
	} else {
		fi, err = f.d.Lstat(key)
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return false, false, nil
	case err != nil:
		return false, false, err
	}
	return true, fi.IsDir(), nil
}

func (f fsDisk) hash(key string) (string, error) {
	if isExternal(key) {
		dir, base, err := fileops.OpenParent(filepath.FromSlash(key), false)
		if err != nil {
			return "", err
		}
		defer dir.Close()
		return hashEntry(dir, base)
	}
	if f.d == nil {
		return "", fs.ErrNotExist
	}
	return hashEntry(f.d, key)
}

// hashEntry hashes a regular file by content and a symbolic link by its target
// text, so a link is never followed out of the destination and a changed target
// is still seen as a change. Any other kind of file is an error wrapping
// fileops.ErrIrregular.
func hashEntry(d *fileops.Dir, name string) (string, error) {
	fi, err := d.Lstat(name)
	if err != nil {
		return "", err
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		target, err := d.Readlink(name)
		if err != nil {
			return "", err
		}
		h, _, err := fileops.Hash(bytes.NewReader([]byte("symlink:" + target)))
		return h, err
	}
	if !fi.Mode().IsRegular() {
		// Opening a named pipe blocks until a writer comes, and a device may
		// never end: such a file cannot be hashed (R56), so it is never opened.
		return "", fmt.Errorf("%w: %s", fileops.ErrIrregular, fi.Mode().Type())
	}
	return d.HashFile(name)
}
