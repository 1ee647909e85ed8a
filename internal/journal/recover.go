package journal

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/bundlekit/bundlekit/fileops"
	"github.com/bundlekit/bundlekit/internal/dirfile"
	"github.com/bundlekit/bundlekit/internal/locate"
	"github.com/bundlekit/bundlekit/internal/metadata"
)

// Outcome says what Recover did.
type Outcome string

// The outcomes of Recover.
const (
	// Nothing: there was no unfinished operation.
	Nothing Outcome = "nothing"
	// Completed: the operation had committed; its clean-up was finished.
	Completed Outcome = "completed"
	// RolledBack: the operation had not committed; its changes were undone.
	RolledBack Outcome = "rolled back"
)

// Recover completes or undoes an unfinished operation (see the package doc).
// It leaves the destination itself in place, even when the operation it
// completes ends with the destination removed: RecoverDest removes it then.
func Recover(d *fileops.Dir) (Outcome, error) {
	outcome, _, err := recoverOp(d)
	return outcome, err
}

// recoverOp is Recover; gone also reports that the operation it completed
// ends with the destination removed (record.Gone).
func recoverOp(d *fileops.Dir) (outcome Outcome, gone bool, err error) {
	data, err := readAll(d, journal)
	if errors.Is(err, fs.ErrNotExist) {
		return Nothing, false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("read journal: %w", err)
	}
	records, err := parse(data, d.Path()+string(filepath.Separator)+filepath.FromSlash(journal))
	if err != nil {
		return "", false, err
	}
	for _, r := range records {
		if r.Op == opCommit {
			return Completed, r.Gone, finish(d)
		}
	}
	if err := rollBack(d, records); err != nil {
		return "", false, err
	}
	return RolledBack, false, finish(d)
}

// undoHook, when set by a test, runs after each undo step has changed the disk
// and before the journal forgets the record: the moment at which an interrupted
// Recover is hardest to resume.
var undoHook func(step int)

// rollBack undoes the records from the last to the first. After each step the
// journal is cut before the record undone, so a Recover that is interrupted and
// run again resumes where it stopped instead of undoing a step twice: undoing a
// creation a second time would remove the original that an earlier record's undo
// has put back in its place. The step in progress when the process died is done
// again, which is harmless: every undo checks the disk first.
func rollBack(d *fileops.Dir, records []record) error {
	if len(records) == 0 {
		return nil
	}
	f, err := dirfile.OpenFile(d, journal, os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("open journal: %w", err)
	}
	defer f.Close()
	for i := len(records) - 1; i >= 0; i-- {
		r := records[i]
		if err := undo(d, r); err != nil {
			return fmt.Errorf("undo %s %s: %w", r.Op, r.Path, err)
		}
		if undoHook != nil {
			undoHook(len(records) - i)
		}
		if err := fault(d, "truncate", journal); err != nil {
			return fmt.Errorf("truncate journal: %w", err)
		}
		if err := f.Truncate(r.off); err != nil {
			return fmt.Errorf("truncate journal: %w", err)
		}
		if err := fault(d, "fsync", journal); err != nil {
			return fmt.Errorf("sync journal: %w", err)
		}
		if err := f.Sync(); err != nil {
			return fmt.Errorf("sync journal: %w", err)
		}
	}
	return nil
}

// exists reports whether name exists. An error other than "it does not exist"
// is returned: taking it for absence could make Recover throw away the only
// copy of a file.
func exists(d *fileops.Dir, name string) (bool, error) {
	_, err := d.Lstat(name)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist) || underFile(d, name):
		return false, nil
	}
	return false, err
}

// underFile reports whether an ancestor of name is missing or not a directory
// (the lookup then fails with ENOTDIR, which is not fs.ErrNotExist).
func underFile(d *fileops.Dir, name string) bool {
	for p := path.Dir(name); p != "." && p != "/"; p = path.Dir(p) {
		fi, err := d.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) || (err == nil && !fi.IsDir()) {
			return true
		}
	}
	return false
}

// undo reverses one record, checking the disk first so that it is right whether
// or not the recorded change happened, and removes the temporary file a writer
// killed while making the change left next to it.
func undo(d *fileops.Dir, r record) error {
	abs, external := strings.CutPrefix(r.Path, extPrefix)
	switch {
	case r.Op == opCreate && external:
		return removeExternal(abs)
	case r.Op == opCreate:
		if err := removeTemps(d, path.Dir(r.Path)); err != nil {
			return err
		}
		ok, err := exists(d, r.Path)
		if err != nil || !ok {
			return err
		}
		return d.RemoveAll(r.Path)
	case r.Op == opMove:
		// A move across file systems copies.
		if err := removeTemps(d, path.Dir(r.To)); err != nil {
			return err
		}
		moved, err := exists(d, r.To)
		if err != nil || !moved {
			return err
		}
		back, err := exists(d, r.Path)
		if err != nil || back {
			return err
		}
		return rename(d, r.To, r.Path)
	case r.Op == opChmod:
		return undoChmod(d, r, abs, external)
	case r.Op == opTrash:
		// A replacement being written when the process died left its
		// temporary file beside the path.
		if !external {
			if err := removeTemps(d, path.Dir(r.Path)); err != nil {
				return err
			}
		}
		trashed, err := exists(d, r.To)
		if err != nil || !trashed {
			return err
		}
		if external {
			return restoreExternal(d, r.To, abs)
		}
		// Whatever replaced the path without a record of its own goes; the
		// trashed original comes back.
		if err := d.RemoveAll(r.Path); err != nil {
			return err
		}
		return rename(d, r.To, r.Path)
	}
	return nil
}

// undoChmod gives the file a chmod record names the mode it had, when it is
// still a regular file: a path the operation removed or replaced afterwards
// has been put back by the undo of its later record already.
func undoChmod(d *fileops.Dir, r record, abs string, external bool) error {
	mode, err := metadata.ParseMode(r.Mode)
	if err != nil {
		return err
	}
	dir, name := d, r.Path
	if external {
		loc, err := locate.New(locate.Options{}).Locate(filepath.FromSlash(abs), false)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		defer loc.Close()
		dir, name = loc.Dir, loc.Name
	}
	fi, err := dir.Lstat(name)
	switch {
	case err == nil && fi.Mode().IsRegular():
		return dir.Chmod(name, mode)
	case err == nil, errors.Is(err, fs.ErrNotExist), !external && underFile(d, name):
		return nil
	}
	return err
}

// rename moves from to to within d, by copying when they are on different file
// systems (a mount point inside the destination).
func rename(d *fileops.Dir, from, to string) error {
	err := d.Rename(from, to)
	if errors.Is(err, fileops.ErrCrossDevice) {
		return d.MoveByCopy(from, to)
	}
	return err
}

// removeExternal undoes the creation of an external file or directory. A
// directory is removed only when empty: what others put in it is not the
// operation's to delete.
func removeExternal(abs string) error {
	loc, err := locate.New(locate.Options{}).Locate(filepath.FromSlash(abs), false)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer loc.Close()
	dir, base := loc.Dir, loc.Name
	if err := removeTemps(dir, "."); err != nil {
		return err
	}
	fi, err := dir.Lstat(base)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return err
	case fi.IsDir():
		entries, err := dir.ReadDir(base)
		if err != nil || len(entries) > 0 {
			return err
		}
	}
	if err := dir.Remove(base); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// restoreExternal copies a trashed external file or symbolic link back into
// place.
func restoreExternal(d *fileops.Dir, from, abs string) error {
	fi, err := d.Lstat(from)
	if err != nil {
		return err
	}
	loc, err := locate.New(locate.Options{}).Locate(filepath.FromSlash(abs), true)
	if err != nil {
		return err
	}
	defer loc.Close()
	if err := removeTemps(loc.Dir, "."); err != nil {
		return err
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		// Opening the trashed link would follow it; the link itself comes back.
		target, err := d.Readlink(from)
		if err != nil {
			return err
		}
		if err := loc.Dir.Remove(loc.Name); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return loc.Dir.Symlink(target, loc.Name)
	}
	src, err := d.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	_, err = loc.Dir.WriteFile(context.Background(), loc.Name, src, fi.Mode().Perm())
	return err
}

// removeTemps deletes the temporary files fileops leaves when a writer is
// killed (or when removing its temporary file failed). A directory that
// cannot be read holds none this operation made (it was removed, or never
// made); a temporary file that cannot be removed fails the undo step, which
// the next Recover does again: an operation is not undone while a file of
// it is left behind.
func removeTemps(d *fileops.Dir, dir string) error {
	entries, err := d.ReadDir(dir)
	if err != nil {
		return nil
	}
	for _, e := range entries {
		if dirfile.IsTemp(e.Name()) {
			if err := d.Remove(path.Join(dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
		}
	}
	return nil
}
