package fileops

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"time"
)

// ZipFile is one entry for WriteZip.
type ZipFile struct {
	Name string      // "/"-separated, without a trailing "/" (also for a directory)
	Dir  bool        // a directory entry; Open is not used
	Mode fs.FileMode // permission bits to record as Unix attributes; 0 records none
	// Open returns the content of a file entry; WriteZip closes it.
	Open func() (io.ReadCloser, error)
}

// zipTime is the timestamp of every entry WriteZip writes: the earliest an
// MS-DOS date can hold, so that equal input gives byte-identical archives.
var zipTime = time.Date(1980, time.January, 1, 0, 0, 0, 0, time.UTC)

// WriteZip writes a deterministic zip archive of files to w: entries in the
// given order (callers sort them), every timestamp 1980-01-01 00:00:00 UTC,
// file content deflated, permission bits recorded when set. Before writing
// anything it refuses, with an *ArchiveError, a list whose names OpenZip
// would refuse; an error while writing leaves a partial archive in w. It packs
// bundles and rebuilds a compressed archive whose entries were realized (R99
// GO).
func WriteZip(w io.Writer, files []ZipFile) error {
	names := make([]entryName, len(files))
	for i, f := range files {
		name, err := checkZipFile(f)
		if err != nil {
			return &ArchiveError{Entry: f.Name, Err: err}
		}
		names[i] = name
	}
	if i, err := checkNameSet(names); err != nil {
		return &ArchiveError{Entry: files[i].Name, Err: err}
	}
	zw := zip.NewWriter(w)
	for _, f := range files {
		if err := writeZipFile(zw, f); err != nil {
			return &ArchiveError{Entry: f.Name, Err: err}
		}
	}
	return zw.Close()
}

func checkZipFile(f ZipFile) (entryName, error) {
	name, dir, err := checkEntryName(storedName(f))
	switch {
	case err != nil:
		return entryName{}, err
	case dir != f.Dir:
		return entryName{}, fmt.Errorf("%w: trailing slash", ErrUnsafePath)
	case !f.Dir && f.Open == nil:
		return entryName{}, errors.New("file entry without content")
	}
	return entryName{name, dir}, nil
}

func storedName(f ZipFile) string {
	if f.Dir {
		return f.Name + "/"
	}
	return f.Name
}

func writeZipFile(zw *zip.Writer, f ZipFile) error {
	h := &zip.FileHeader{Name: storedName(f), Method: zip.Deflate, Modified: zipTime}
	if perm := f.Mode.Perm(); perm != 0 {
		if f.Dir {
			perm |= fs.ModeDir
		}
		h.SetMode(perm)
	}
	if f.Dir {
		h.Method = zip.Store
		_, err := zw.CreateHeader(h)
		return err
	}
	w, err := zw.CreateHeader(h)
	if err != nil {
		return err
	}
	rc, err := f.Open()
	if err != nil {
		return err
	}
	_, err = io.Copy(w, rc)
	return errors.Join(err, rc.Close())
}
