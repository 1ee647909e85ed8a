package ant

import (
	"io/fs"
	"os"
	"syscall"
	"time"

	"github.com/bundlekit/bundlekit/internal/dirfile"
)

// setModTime sets the modification (and access) time of l, through a handle
// opened for writing in its fileops.Dir: fileops has no Chtimes, and a path
// would bypass the Dir's confinement. A directory cannot be opened for
// writing, so its time cannot be set.
func setModTime(l loc, t time.Time) error {
	f, err := dirfile.OpenFile(l.dir, l.name, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	ft := syscall.NsecToFiletime(t.UnixNano())
	if err := syscall.SetFileTime(syscall.Handle(f.Fd()), nil, &ft, &ft); err != nil {
		return &fs.PathError{Op: "chtimes", Path: l.abs, Err: err}
	}
	return nil
}
