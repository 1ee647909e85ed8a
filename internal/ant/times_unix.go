//go:build unix && !solaris && !aix

package ant

import (
	"io/fs"
	"syscall"
	"time"
)

// setModTime sets the modification (and access) time of l, through a
// descriptor opened in its fileops.Dir: fileops has no Chtimes, and a path
// would bypass the Dir's confinement.
func setModTime(l loc, t time.Time) error {
	f, err := l.dir.Open(l.name)
	if err != nil {
		return err
	}
	defer f.Close()
	tv := syscall.NsecToTimeval(t.UnixNano())
	if err := syscall.Futimes(int(f.Fd()), []syscall.Timeval{tv, tv}); err != nil {
		return &fs.PathError{Op: "chtimes", Path: l.abs, Err: err}
	}
	return nil
}
