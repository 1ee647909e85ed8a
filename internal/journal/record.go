package journal

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"github.com/bundlekit/bundlekit/fileops"
)

// Paths of the journal inside the destination.
const (
	Dir       = ".rhqdeployments/.bundlekit"
	journal   = Dir + "/journal"
	trashDir  = Dir + "/trash"
	extPrefix = "ext:" // marks an external (absolute) path in a record
)

// op is the kind of a record.
type op string

const (
	opBegin  op = "begin"
	opCreate op = "create"
	opTrash  op = "trash"
	opMove   op = "move"
	opCommit op = "commit"
)

// record is one line of the journal.
type record struct {
	Op op `json:"op"`
	// Path is relative to the destination, or "ext:" + an absolute path.
	Path string `json:"path,omitempty"`
	// To is the trash name (trash) or the new name (move).
	To string `json:"to,omitempty"`
	// Kind and ID describe the operation (begin).
	Kind string `json:"kind,omitempty"`
	ID   int    `json:"id,omitempty"`
	// off is where the record starts in the journal file.
	off int64
}

// ErrPending: the destination has an unfinished operation; Recover it first.
var ErrPending = errors.New("an earlier operation on this destination did not finish")

// Journal records the changes of one operation.
type Journal struct {
	d     *fileops.Dir
	f     *os.File
	mu    sync.Mutex
	n     int // records written
	trash int // trash names handed out
	// hook, when set, runs after each record reaches the disk; tests use it
	// to stop a process at a precise point.
	hook func(n int)
}

// Pending reports whether d holds an unfinished journal.
func Pending(d *fileops.Dir) bool {
	_, err := d.Lstat(journal)
	return err == nil
}

// Begin starts the journal of an operation. It fails with ErrPending when an
// unfinished journal exists.
func Begin(d *fileops.Dir, kind string, id int, hook func(n int)) (*Journal, error) {
	if Pending(d) {
		return nil, ErrPending
	}
	if err := d.MkdirAll(trashDir, 0o700); err != nil {
		return nil, fmt.Errorf("create journal: %w", err)
	}
	f, err := d.OpenFile(journal, os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create journal: %w", err)
	}
	j := &Journal{d: d, f: f, hook: hook}
	if err := syncDir(d, Dir); err != nil {
		f.Close()
		return nil, fmt.Errorf("create journal: %w", err)
	}
	if err := j.write(record{Op: opBegin, Kind: kind, ID: id}); err != nil {
		f.Close()
		return nil, err
	}
	return j, nil
}

// syncDir makes the new journal's name durable: syncing the file alone does not
// guarantee that its directory entry survives a power cut. Windows cannot sync
// a directory.
func syncDir(d *fileops.Dir, name string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	f, err := d.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

func (j *Journal) write(r record) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	line, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if _, err := j.f.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("write journal: %w", err)
	}
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("sync journal: %w", err)
	}
	j.n++
	if j.hook != nil {
		j.hook(j.n)
	}
	return nil
}

// ExternalKey returns the record path of an external file.
func ExternalKey(abs string) string { return extPrefix + abs }

// Create records that name (relative, or ExternalKey) is about to be created
// where nothing exists.
func (j *Journal) Create(name string) error { return j.write(record{Op: opCreate, Path: name}) }

// Move records that from is about to be renamed to to (both relative).
func (j *Journal) Move(from, to string) error {
	return j.write(record{Op: opMove, Path: from, To: to})
}

// Trash records that name is about to be displaced and returns the relative path
// in the trash it must be moved (or, for an external file, copied) to.
func (j *Journal) Trash(name string) (string, error) {
	j.mu.Lock()
	j.trash++
	to := trashDir + "/" + strconv.Itoa(j.trash)
	j.mu.Unlock()
	return to, j.write(record{Op: opTrash, Path: name, To: to})
}

// Commit records that the operation's result is in place; from now on Recover
// completes the operation instead of undoing it.
func (j *Journal) Commit() error { return j.write(record{Op: opCommit}) }

// Finish ends a committed operation: the trash is emptied and the journal removed.
func (j *Journal) Finish() error {
	if err := j.f.Close(); err != nil {
		return err
	}
	return finish(j.d)
}

// Abort undoes the operation now, as Recover would after a crash.
func (j *Journal) Abort() error {
	j.f.Close()
	_, err := Recover(j.d)
	return err
}

func finish(d *fileops.Dir) error {
	if err := d.RemoveAll(trashDir); err != nil {
		return fmt.Errorf("empty journal trash: %w", err)
	}
	if err := d.Remove(journal); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove journal: %w", err)
	}
	// The journal's own folder goes too; the lock file may keep it alive.
	_ = d.Remove(Dir)
	return nil
}

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
func Recover(d *fileops.Dir) (Outcome, error) {
	data, err := readAll(d, journal)
	if errors.Is(err, fs.ErrNotExist) {
		return Nothing, nil
	}
	if err != nil {
		return "", fmt.Errorf("read journal: %w", err)
	}
	records := parse(data)
	for _, r := range records {
		if r.Op == opCommit {
			return Completed, finish(d)
		}
	}
	if err := rollBack(d, records); err != nil {
		return "", err
	}
	return RolledBack, finish(d)
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
	f, err := d.OpenFile(journal, os.O_WRONLY, 0)
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
		if err := f.Truncate(r.off); err != nil {
			return fmt.Errorf("truncate journal: %w", err)
		}
		if err := f.Sync(); err != nil {
			return fmt.Errorf("sync journal: %w", err)
		}
	}
	return nil
}

// parse reads the records; a torn last line (the process died while writing it)
// ends the journal: its change was never started.
func parse(data []byte) []record {
	var out []record
	for off := 0; off < len(data); {
		end := bytes.IndexByte(data[off:], '\n')
		if end < 0 {
			break
		}
		var r record
		if json.Unmarshal(data[off:off+end], &r) != nil {
			break
		}
		r.off = int64(off)
		out = append(out, r)
		off += end + 1
	}
	return out
}

func readAll(d *fileops.Dir, name string) ([]byte, error) {
	f, err := d.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
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
	for p := path.Dir(name); p != "."; p = path.Dir(p) {
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
		removeTemps(d, path.Dir(r.Path))
		ok, err := exists(d, r.Path)
		if err != nil || !ok {
			return err
		}
		return d.RemoveAll(r.Path)
	case r.Op == opMove:
		removeTemps(d, path.Dir(r.To)) // a move across file systems copies
		moved, err := exists(d, r.To)
		if err != nil || !moved {
			return err
		}
		back, err := exists(d, r.Path)
		if err != nil || back {
			return err
		}
		return d.Rename(r.To, r.Path)
	case r.Op == opTrash:
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
		return d.Rename(r.To, r.Path)
	}
	return nil
}

// removeExternal undoes the creation of an external file or directory. A
// directory is removed only when empty: what others put in it is not the
// operation's to delete.
func removeExternal(abs string) error {
	dir, base, err := fileops.OpenParent(abs, false)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer dir.Close()
	removeTemps(dir, ".")
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

// restoreExternal copies a trashed external file back into place.
func restoreExternal(d *fileops.Dir, from, abs string) error {
	src, err := d.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	fi, err := src.Stat()
	if err != nil {
		return err
	}
	dir, base, err := fileops.OpenParent(abs, true)
	if err != nil {
		return err
	}
	defer dir.Close()
	removeTemps(dir, ".")
	_, err = dir.WriteFile(context.Background(), base, src, fi.Mode().Perm())
	return err
}

// removeTemps deletes the temporary files fileops leaves when a writer is
// killed. It is best effort: a temporary file left behind is skipped by every
// walk and harms nothing.
func removeTemps(d *fileops.Dir, dir string) {
	entries, err := d.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if fileops.IsTemp(e.Name()) {
			_ = d.Remove(path.Join(dir, e.Name()))
		}
	}
}
