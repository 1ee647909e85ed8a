package fileops

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"

	"github.com/bundlekit/bundlekit/internal/dirfile"
)

// Rename moves from to to within d, creating the missing parents of to
// (0o755 before umask). A file replaces an existing file at to; a directory
// cannot replace anything. A symbolic link is moved, not followed.
//
// Rename is always a rename(2): atomic, and never a copy. When the two names
// are on different file systems (a mount point inside the directory) it
// fails with an error wrapping ErrCrossDevice; a caller that accepts the
// degraded, non-atomic move says so by calling MoveByCopy.
func (d *Dir) Rename(from, to string) error {
	localFrom, err := localize(from)
	if err != nil {
		return d.nameErr("rename", from, err)
	}
	localTo, err := localize(to)
	if err != nil {
		return d.nameErr("rename", to, err)
	}
	if err := d.MkdirAll(path.Dir(to), 0o755); err != nil {
		return err
	}
	err = d.fault("rename", to)
	if err == nil {
		err = d.root.Rename(localFrom, localTo)
	}
	if err == nil {
		return nil
	}
	var cause error = err
	switch e := err.(type) {
	case *fs.PathError:
		cause = e.Err
	case *os.LinkError:
		cause = e.Err
	}
	if isCrossDevice(cause) {
		cause = fmt.Errorf("%w (%w)", ErrCrossDevice, cause)
	}
	return &os.LinkError{Op: "rename", Old: d.display(from), New: d.display(to), Err: cause}
}

// MoveByCopy is the degraded move for names on different file systems, where
// Rename fails with ErrCrossDevice: it copies from to to and then removes
// from. A file keeps its permission bits; a directory is copied with
// everything below it (links are recreated, not followed) under a temporary
// name beside to and renamed into place once complete. It is not atomic: if
// the copy fails, what was copied is removed and from is left as it was; if
// only the final removal fails, both exist and the error says so. It cannot
// be cancelled.
func (d *Dir) MoveByCopy(from, to string) error {
	if _, err := localize(from); err != nil {
		return d.nameErr("rename", from, err)
	}
	if _, err := localize(to); err != nil {
		return d.nameErr("rename", to, err)
	}
	if err := d.MkdirAll(path.Dir(to), 0o755); err != nil {
		return err
	}
	return d.moveByCopy(from, to)
}

// moveByCopy moves from to to by copying and removing, for renames across
// file systems. from and to are valid names.
func (d *Dir) moveByCopy(from, to string) error {
	fi, err := d.Lstat(from)
	if err != nil {
		return err
	}
	switch {
	case fi.Mode().IsRegular():
		if _, err := d.Copy(context.Background(), from, to); err != nil {
			return err
		}
	case fi.Mode()&fs.ModeSymlink != 0:
		if err := d.copyLink(from, to); err != nil {
			return err
		}
	case fi.IsDir():
		// The tree is copied under a temporary name beside to and renamed into
		// place only when complete, so a process killed mid-copy never leaves a
		// partial tree under the final name (where a recovery would take it for
		// the real one); the temporary name is one dirfile.IsTemp recognises.
		tmp := path.Join(path.Dir(to), dirfile.TempName())
		created, err := d.copyTree(from, tmp)
		if err != nil {
			if created {
				err = errors.Join(err, d.RemoveAll(tmp))
			}
			return err
		}
		err = d.fault("rename", to)
		if err == nil {
			err = d.root.Rename(filepath.FromSlash(tmp), filepath.FromSlash(to))
		}
		if err != nil {
			return errors.Join(d.err("rename", to, err), d.RemoveAll(tmp))
		}
	default:
		return d.err("rename", from, ErrIrregular)
	}
	return d.RemoveAll(from)
}

func (d *Dir) copyLink(from, to string) error {
	target, err := d.Readlink(from)
	if err != nil {
		return err
	}
	return d.Symlink(target, to)
}

// Readlink returns the target of the symbolic link name, which is not followed.
func (d *Dir) Readlink(name string) (string, error) {
	local, err := localize(name)
	if err != nil {
		return "", d.nameErr("readlink", name, err)
	}
	target, err := d.root.Readlink(local)
	if err != nil {
		return "", d.err("readlink", name, err)
	}
	return target, nil
}

// Symlink creates name as a symbolic link to target. The target is written as
// it is: it is resolved, and confined to the directory, only when the link is
// used through a Dir.
func (d *Dir) Symlink(target, name string) error {
	local, err := localize(name)
	if err != nil {
		return d.nameErr("symlink", name, err)
	}
	if err := d.fault("symlink", name); err != nil {
		return d.err("symlink", name, err)
	}
	if err := d.root.Symlink(target, local); err != nil {
		return d.err("symlink", name, err)
	}
	return nil
}

// Link creates name as a hard link to the file from, which is not followed
// when it is a symbolic link. Both are names in d; links cannot cross file
// systems and some file systems have none (the error says so).
func (d *Dir) Link(from, name string) error {
	localFrom, err := localize(from)
	if err != nil {
		return d.nameErr("link", from, err)
	}
	local, err := localize(name)
	if err != nil {
		return d.nameErr("link", name, err)
	}
	if err := d.fault("link", name); err != nil {
		return d.err("link", name, err)
	}
	if err := d.root.Link(localFrom, local); err != nil {
		return d.err("link", name, err)
	}
	return nil
}

// copyTree copies the directory from to the new directory to and reports
// whether it created to. Directories are created writable and get their own
// permission bits once their content is in place.
func (d *Dir) copyTree(from, to string) (created bool, err error) {
	type dirMode struct {
		name string
		perm fs.FileMode
	}
	var dirs []dirMode
	err = d.Walk(from, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		dst := to
		if p != from {
			dst = to + "/" + p[len(from)+1:]
		}
		switch {
		case e.IsDir():
			fi, err := e.Info()
			if err != nil {
				return err
			}
			err = d.fault("mkdir", dst)
			if err == nil {
				err = d.root.Mkdir(filepath.FromSlash(dst), 0o700)
			}
			if err != nil {
				return d.err("mkdir", dst, err)
			}
			created = true
			dirs = append(dirs, dirMode{dst, fi.Mode().Perm()})
		case e.Type()&fs.ModeSymlink != 0:
			return d.copyLink(p, dst)
		case e.Type().IsRegular():
			_, err := d.Copy(context.Background(), p, dst)
			return err
		default:
			return d.err("rename", p, ErrIrregular)
		}
		return nil
	})
	if err != nil {
		return created, err
	}
	for _, dir := range slices.Backward(dirs) {
		err := d.fault("chmod", dir.name)
		if err == nil {
			err = d.root.Chmod(filepath.FromSlash(dir.name), dir.perm)
		}
		if err != nil {
			return created, d.err("chmod", dir.name, err)
		}
	}
	return created, nil
}
