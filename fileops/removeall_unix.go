//go:build unix

package fileops

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"sync"

	"golang.org/x/sys/unix"
)

// parallelRemove says whether RemoveAll removes many entries at once.
const parallelRemove = true

// removeTree removes the directory at local (in root) and everything in it,
// many entries at once, each through the descriptor of its directory
// (unlinkat, openat with O_NOFOLLOW), so no symbolic link is followed and
// nothing outside the tree is touched. The top directory is checked to be
// the one Lstat saw (fi) before anything is removed from it. display is its
// path, for messages.
func removeTree(root *os.Root, local, display string, fi fs.FileInfo) error {
	topRoot, err := root.OpenRoot(local)
	if err != nil {
		return err
	}
	defer topRoot.Close()
	f, err := topRoot.Open(".")
	if err != nil {
		return err
	}
	if same, err := f.Stat(); err != nil || !os.SameFile(fi, same) {
		f.Close()
		return root.RemoveAll(local) // it changed under us: the careful way
	}
	r := &remover{top: topRoot}
	r.cond.L = &r.mu
	top := &removeDir{f: f, fd: int(f.Fd()), path: display, left: 1}
	r.push(removal{dir: top})
	var wg sync.WaitGroup
	for range removeWorkers {
		wg.Go(r.work)
	}
	wg.Wait()
	if r.err != nil {
		// Kept whole inside the caller's error: it names the entry.
		return &fs.PathError{Op: "removeall", Path: display, Err: r.err}
	}
	if err := root.Remove(local); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return root.RemoveAll(local) // an entry made since it was listed
	}
	return nil
}

// remover is a removal in progress: a stack of removals that workers pop (the
// last pushed first, so that few directories are open at once).
type remover struct {
	top     *os.Root // the tree, for the careful way
	mu      sync.Mutex
	cond    sync.Cond
	stack   []removal
	pending int // removals pushed and not done
	err     error
}

// removal is one step: list the directory dir (name empty), or remove the
// non-directory name in it (a regular file, as its listing said, or not).
type removal struct {
	dir     *removeDir
	name    string
	regular bool
}

// removeDir is a directory being emptied. It is removed from its parent
// when it has been listed and each of its entries removed.
type removeDir struct {
	up     *removeDir // nil for the top
	name   string     // in up
	rel    string     // from the top, for the careful way
	path   string     // for messages
	f      *os.File   // open while it is being emptied
	fd     int
	left   int  // entries (and the listing itself) not yet removed; under remover.mu
	failed bool // an entry could not be removed; under remover.mu
}

func (r *remover) push(rs ...removal) {
	r.mu.Lock()
	r.stack = append(r.stack, rs...)
	r.pending += len(rs)
	r.mu.Unlock()
	r.cond.Broadcast()
}

// work runs removals until none is left.
func (r *remover) work() {
	r.mu.Lock()
	for {
		for len(r.stack) == 0 && r.pending > 0 {
			r.cond.Wait()
		}
		if r.pending == 0 {
			r.mu.Unlock()
			r.cond.Broadcast()
			return
		}
		m := r.stack[len(r.stack)-1]
		r.stack = r.stack[:len(r.stack)-1]
		r.mu.Unlock()
		var err error
		if m.name == "" {
			err = r.list(m.dir)
		} else {
			if m.regular {
				freeLarge(m.dir.fd, m.name)
			}
			err = unlink(m.dir, m.name, 0)
			if (errors.Is(err, unix.EISDIR) || errors.Is(err, unix.EPERM)) && isDirAt(m.dir.fd, m.name) {
				// A directory after all (listed as something else, or
				// made since; EPERM on macOS): the careful way.
				err = r.careful(join(m.dir.rel, m.name), m.dir.path+"/"+m.name)
			}
		}
		r.mu.Lock()
		r.pending--
		r.done(m.dir, err)
	}
}

// unlink removes name in d; gone already is done.
func unlink(d *removeDir, name string, flags int) error {
	err := ignoringEINTR(func() error { return unix.Unlinkat(d.fd, name, flags) })
	if err == nil || errors.Is(err, unix.ENOENT) {
		return nil
	}
	return &fs.PathError{Op: "unlinkat", Path: d.path + "/" + name, Err: err}
}

// list opens the directory, if it is not open yet, and pushes a removal of
// each of its entries, a batch at a time so that workers start at once.
func (r *remover) list(d *removeDir) error {
	if d.f == nil {
		fd, err := openDirAt(d.up.fd, d.name)
		if err != nil {
			return &fs.PathError{Op: "openat", Path: d.path, Err: err}
		}
		d.fd, d.f = fd, os.NewFile(uintptr(fd), d.path)
	}
	for {
		entries, err := d.f.ReadDir(256)
		batch := make([]removal, 0, len(entries))
		for _, e := range entries {
			name := e.Name()
			if e.IsDir() {
				batch = append(batch, removal{dir: &removeDir{up: d, name: name, rel: join(d.rel, name), path: d.path + "/" + name, left: 1}})
			} else {
				batch = append(batch, removal{dir: d, name: name, regular: e.Type().IsRegular()})
			}
		}
		r.mu.Lock()
		d.left += len(batch)
		r.mu.Unlock()
		r.push(batch...)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func join(dir, name string) string {
	if dir == "" {
		return name
	}
	return dir + "/" + name
}

// done records that one removal in d ended, with err; it is called and
// returns with r.mu held. The last one removes d from its parent (without the
// lock: that too waits for the device), and so on up to the top, which
// removeTree removes from the root.
func (r *remover) done(d *removeDir, err error) {
	for d != nil {
		if err != nil {
			d.failed = true
			if r.err == nil {
				r.err = err
			}
		}
		if d.left--; d.left > 0 {
			return
		}
		if d.up == nil {
			d.f.Close()
			return
		}
		r.mu.Unlock()
		if d.f != nil {
			d.f.Close()
		}
		err = errFailedBelow
		if !d.failed {
			err = unlink(d.up, d.name, unix.AT_REMOVEDIR)
			if errors.Is(err, unix.ENOTEMPTY) || errors.Is(err, unix.EEXIST) {
				// An entry the listing missed, or one made since.
				err = r.careful(d.rel, d.path)
			}
		}
		r.mu.Lock()
		d = d.up
	}
}

// careful removes the tree at rel (from the top) the way os.Root.RemoveAll
// does; its error names path, the tree's full path.
func (r *remover) careful(rel, path string) error {
	err := r.top.RemoveAll(rel)
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	if err != nil {
		return &fs.PathError{Op: "removeall", Path: path, Err: err}
	}
	return nil
}

// isDirAt reports whether name in the directory dirfd is a directory.
func isDirAt(dirfd int, name string) bool {
	var st unix.Stat_t
	return unix.Fstatat(dirfd, name, &st, unix.AT_SYMLINK_NOFOLLOW) == nil && st.Mode&unix.S_IFMT == unix.S_IFDIR
}

// errFailedBelow marks a directory left because something in it could not be
// removed; that first error is the one reported.
var errFailedBelow = errors.New("an entry could not be removed")

// openDirAt opens the directory name in the directory dirfd, never through a
// symbolic link.
func openDirAt(dirfd int, name string) (int, error) {
	var fd int
	err := ignoringEINTR(func() (err error) {
		fd, err = unix.Openat(dirfd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		return err
	})
	return fd, err
}

func ignoringEINTR(f func() error) error {
	for {
		if err := f(); !errors.Is(err, unix.EINTR) {
			return err
		}
	}
}
