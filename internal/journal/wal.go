package journal

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"github.com/bundlekit/bundlekit/fileops"
	"github.com/bundlekit/bundlekit/internal/dirfile"
	"github.com/bundlekit/bundlekit/internal/faults"
	"github.com/bundlekit/bundlekit/internal/metadata"
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
	opChmod  op = "chmod"
	opCommit op = "commit"
)

// version is the journal format this package writes and reads; a journal
// with a record of a newer version is refused, never guessed at.
const version = 1

// record is one line of the journal.
type record struct {
	Op op `json:"op"`
	// V is the format's version (begin records; 0 reads as 1).
	V int `json:"v,omitempty"`
	// Path is relative to the destination, or "ext:" + an absolute path.
	Path string `json:"path,omitempty"`
	// To is the trash name (trash) or the new name (move).
	To string `json:"to,omitempty"`
	// Mode is the mode a file had before its mode changed (chmod): the
	// Unix permission, setuid, setgid and sticky bits, four octal digits.
	Mode string `json:"mode,omitempty"`
	// Kind and ID describe the operation (begin).
	Kind string `json:"kind,omitempty"`
	ID   int    `json:"id,omitempty"`
	// Gone (commit) says that the operation ends with the destination
	// removed (TxOptions.RemoveDest), so that completing it removes the
	// destination too. A bundlekit that predates it completes the operation
	// and leaves the destination empty.
	Gone bool `json:"gone,omitempty"`
	// off is where the record starts in the journal file.
	off int64
}

// ErrPending: the destination has an unfinished operation; Recover it first.
var ErrPending = errors.New("an earlier operation on this destination did not finish")

// ErrCommitted: the operation is committed, so it is completed rather than
// undone. Commit fails with it when the commit record was written but could
// not be made durable; Abort, when it finds the commit record and completes
// the operation instead of undoing it.
var ErrCommitted = errors.New("the operation is committed")

// wal is the write-ahead log of one operation: the records Tx writes before
// each change.
type wal struct {
	d     *fileops.Dir
	f     *os.File
	mu    sync.Mutex
	n     int // records written
	trash int // trash names handed out
	// named: the journal's directory entry is durable. Begin leaves that,
	// and its own record, to the first sync: until a synced record allows
	// it, no change is made that a power cut could make need the journal.
	named bool
	// hook, when set, runs after each record reaches the disk; tests use it
	// to stop a process at a precise point.
	hook func(n int)
}

// Pending reports whether d holds an unfinished journal.
func Pending(d *fileops.Dir) bool {
	_, err := d.Lstat(journal)
	return err == nil
}

// beginWAL starts the journal of an operation. It fails with ErrPending when
// an unfinished journal exists. When it fails otherwise, what it made is
// removed again (abandon), so that nothing is pending; if that fails too, the
// journal it made stays and is pending.
func beginWAL(d *fileops.Dir, kind string, id int, hook func(n int)) (*wal, error) {
	if Pending(d) {
		return nil, ErrPending
	}
	j := &wal{d: d, hook: hook}
	if err := j.begin(kind, id); err != nil {
		return nil, errors.Join(err, j.abandon())
	}
	return j, nil
}

// begin creates the journal and writes its first record.
func (j *wal) begin(kind string, id int) error {
	if err := j.d.MkdirAll(trashDir, 0o700); err != nil {
		return fmt.Errorf("create journal: %w", err)
	}
	var err error
	if j.f, err = dirfile.OpenFile(j.d, journal, os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o600); err != nil {
		return fmt.Errorf("create journal: %w", err)
	}
	return j.write(false, record{Op: opBegin, V: version, Kind: kind, ID: id})
}

// abandon removes the journal of an operation that made no change (its
// begin failed), and the journal's folder; an error means that the journal
// stays, pending.
func (j *wal) abandon() error {
	if j.f != nil {
		j.f.Close()
	}
	if err := j.d.Remove(journal); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove the journal of the operation that did not start: %w", err)
	}
	_ = j.d.Remove(trashDir) // empty: no change was made
	_ = j.d.Remove(Dir)
	return nil
}

// openNameDir opens the directory that holds the journal, to make the
// journal's name durable: syncing the file alone does not guarantee that its
// directory entry survives a power cut. Windows cannot sync a directory: it
// returns nil there.
func openNameDir(d *fileops.Dir) (*os.File, error) {
	if runtime.GOOS == "windows" {
		return nil, nil
	}
	f, err := d.Open(Dir)
	if err != nil {
		return nil, err
	}
	if err := fault(d, "fsync", Dir); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// fault asks the test seam of package faults whether the operation kind on
// the file name in d fails; the error is wrapped as the system's would be.
func fault(d *fileops.Dir, kind, name string) error {
	if err := faults.Check(kind, d.Path(), name); err != nil {
		return &fs.PathError{Op: kind, Path: filepath.Join(d.Path(), filepath.FromSlash(name)), Err: err}
	}
	return nil
}

// write appends records with one write: one for a single change, all of
// them for the records a phase makes ahead of its changes (Tx.Reserve,
// Tx.MkdirAll). The write reaches the kernel before the changes it describes
// are made, which is what a killed process needs. sync also makes the
// records durable first, which a power cut needs for the records whose
// change moves an original away (trash, move); a create that a power cut
// keeps without its record leaves a new file behind, never loses an old one.
func (j *wal) write(sync bool, rs ...record) error {
	_, err := j.put(rs, sync)
	return err
}

// put appends rs with one write, then syncs them when sync is set. It also
// reports whether they were written, so that a failure to sync them can be
// told from a failure to write them.
func (j *wal) put(rs []record, sync bool) (written bool, err error) {
	if len(rs) == 0 {
		return false, nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	size := 0
	for _, r := range rs {
		size += len(r.Path) + len(r.To) + 64
	}
	buf := make([]byte, 0, size)
	for _, r := range rs {
		if buf, err = appendRecord(buf, r); err != nil {
			return false, err
		}
	}
	if err := j.append(buf); err != nil {
		return false, err
	}
	if sync {
		if err := j.datasync(); err != nil {
			return true, err
		}
	}
	for range rs {
		j.n++
		if j.hook != nil {
			j.hook(j.n)
		}
	}
	return true, nil
}

// append writes records to the journal file; j.mu is held.
func (j *wal) append(b []byte) error {
	if err := fault(j.d, "write", journal); err != nil {
		return fmt.Errorf("write journal: %w", err)
	}
	if _, err := j.f.Write(b); err != nil {
		return fmt.Errorf("write journal: %w", err)
	}
	return nil
}

// datasync makes the records written durable, and the first time the
// journal's name too, both syncs at once; j.mu is held.
func (j *wal) datasync() error {
	var dir *os.File
	if !j.named {
		var err error
		if dir, err = openNameDir(j.d); err != nil {
			return fmt.Errorf("sync journal: %w", err)
		}
	}
	if err := fault(j.d, "fdatasync", journal); err != nil {
		if dir != nil {
			dir.Close()
		}
		return fmt.Errorf("sync journal: %w", err)
	}
	var named chan error
	if dir != nil {
		named = make(chan error, 1)
		go func() { named <- errors.Join(dir.Sync(), dir.Close()) }()
	}
	err := datasync(j.f)
	if named != nil {
		err = cmp.Or(err, <-named)
	}
	if err != nil {
		return fmt.Errorf("sync journal: %w", err)
	}
	j.named = true
	return nil
}

// appendRecord appends r to b as one line, as json.Marshal writes it. The
// records a phase reserves (thousands: a create or a trash record each) are
// written without reflection when their strings need no escaping.
func appendRecord(b []byte, r record) ([]byte, error) {
	if (r.Op == opCreate || r.Op == opTrash) && r.V == 0 && r.Mode == "" && r.Kind == "" && r.ID == 0 && r.Path != "" && plainJSON(r.Path) && plainJSON(r.To) {
		b = append(b, `{"op":"`...)
		b = append(b, r.Op...)
		b = append(b, `","path":"`...)
		b = append(b, r.Path...)
		if r.To != "" {
			b = append(b, `","to":"`...)
			b = append(b, r.To...)
		}
		return append(b, "\"}\n"...), nil
	}
	line, err := json.Marshal(r)
	if err != nil {
		return b, err
	}
	return append(append(b, line...), '\n'), nil
}

// plainJSON reports whether json.Marshal writes s as it is, between quotes:
// printable ASCII but the characters it escapes.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

// externalKey returns the record path of an external file.
func externalKey(abs string) string { return extPrefix + abs }

// Create records that name (relative, or externalKey) is about to be created
// where nothing exists.
func (j *wal) Create(name string) error { return j.write(false, record{Op: opCreate, Path: name}) }

// Move records that from is about to be renamed to to (both relative).
func (j *wal) Move(from, to string) error {
	return j.write(true, record{Op: opMove, Path: from, To: to})
}

// Trash records that name is about to be displaced and returns the relative path
// in the trash it must be moved (or, for an external file, copied) to.
func (j *wal) Trash(name string) (string, error) {
	return j.trash1(name, true)
}

// trash1 is Trash; sync says whether the record is synced now, or later by
// the caller (datasync) before any of the changes it announces is made.
func (j *wal) trash1(name string, sync bool) (string, error) {
	r := j.trashRecord(name)
	return r.To, j.write(sync, r)
}

// trashRecord returns the record that name is about to be displaced to a new
// name in the trash, for a write of several records.
func (j *wal) trashRecord(name string) record {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.trash++
	return record{Op: opTrash, Path: name, To: trashDir + "/" + strconv.Itoa(j.trash)}
}

// Commit records that the operation's result is in place; from now on Recover
// completes the operation instead of undoing it. A commit record written but
// not made durable is an error wrapping ErrCommitted: the record is there for
// Recover to read (the operation is committed), but a power cut could lose it.
func (j *wal) Commit(gone bool) error {
	written, err := j.put([]record{{Op: opCommit, Gone: gone}}, true)
	if written && err != nil {
		return fmt.Errorf("%w, but its commit record could not be made durable: %w", ErrCommitted, err)
	}
	return err
}

// Finish ends a committed operation: the trash is emptied and the journal removed.
func (j *wal) Finish() error {
	if err := j.f.Close(); err != nil {
		return err
	}
	return finish(j.d)
}

// Abort undoes the operation now, as Recover would after a crash.
func (j *wal) Abort() error {
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

// CorruptError is a journal Recover will not act on: a record that no
// deployer writes, that names a path outside the destination or outside the
// journal's trash, or that a newer bundlekit wrote. Nothing was changed; the
// journal is kept.
type CorruptError struct {
	Journal string // the journal file
	Line    int
	Err     error
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("journal %s, line %d: %v; nothing was recovered and the journal is kept: "+
		"the destination is as the interrupted operation left it (its originals are in %s); "+
		"recover it with the bundlekit that wrote the journal, or put the originals back by hand and remove %s",
		e.Journal, e.Line, e.Err, path.Dir(e.Journal)+"/trash", path.Dir(e.Journal))
}

func (e *CorruptError) Unwrap() error { return e.Err }

// ErrCorrupt: a journal Recover refuses to act on (see CorruptError).
var ErrCorrupt = errors.New("damaged journal")

// parse reads the records and checks every one of them before any is acted
// on. A last line without its line break is a record whose write was cut
// short: its change was never started, and it is dropped. Anything else that
// is not a record this package writes is refused (*CorruptError, naming the
// line): acting on part of a journal could delete what the rest would have
// brought back.
func parse(data []byte, file string) ([]record, error) {
	var out []record
	corrupt := func(line int, format string, args ...any) error {
		return &CorruptError{Journal: file, Line: line, Err: fmt.Errorf("%w: "+format, append([]any{ErrCorrupt}, args...)...)}
	}
	line := 0
	for off := 0; off < len(data); {
		line++
		end := bytes.IndexByte(data[off:], '\n')
		if end < 0 {
			break // torn: never started
		}
		var r record
		if err := json.Unmarshal(data[off:off+end], &r); err != nil {
			return nil, corrupt(line, "not a record: %v", err)
		}
		switch {
		case r.V > version:
			return nil, corrupt(line, "written by a newer bundlekit (format version %d; this one reads %d)", r.V, version)
		case line == 1 && r.Op != opBegin:
			return nil, corrupt(line, "the first record is %q, not begin", r.Op)
		case line > 1 && r.Op == opBegin:
			return nil, corrupt(line, "a second begin record")
		}
		if err := r.check(); err != nil {
			return nil, corrupt(line, "%v", err)
		}
		r.off = int64(off)
		out = append(out, r)
		off += end + 1
	}
	return out, nil
}

// check refuses a record that names what no operation touches.
func (r record) check() error {
	switch r.Op {
	case opBegin, opCommit:
		return nil
	case opCreate:
		return checkKey(r.Path)
	case opTrash:
		if err := checkKey(r.Path); err != nil {
			return err
		}
		n, ok := strings.CutPrefix(r.To, trashDir+"/")
		if _, err := strconv.ParseUint(n, 10, 64); !ok || err != nil {
			return fmt.Errorf("trash name %q is not a name in %s", r.To, trashDir)
		}
		return nil
	case opMove:
		if err := checkKey(r.Path); err != nil {
			return err
		}
		if strings.HasPrefix(r.Path, extPrefix) || !local(r.To) {
			return fmt.Errorf("a move from %q to %q does not stay in the destination", r.Path, r.To)
		}
		return nil
	case opChmod:
		if err := checkKey(r.Path); err != nil {
			return err
		}
		_, err := metadata.ParseMode(r.Mode)
		return err
	}
	return fmt.Errorf("unknown operation %q", r.Op)
}

// checkKey accepts a path relative to the destination, or "ext:" and a
// clean absolute path of a file below a directory, as fileops opens it: an
// external path it refuses (a NUL byte, the root) would make Recover fail
// half way, after undoing the records that follow it.
func checkKey(key string) error {
	if abs, ok := strings.CutPrefix(key, extPrefix); ok {
		p := filepath.FromSlash(abs)
		if !filepath.IsAbs(p) || filepath.Clean(p) != p || strings.IndexByte(p, 0) >= 0 ||
			fileops.CheckName(filepath.Base(p)) != nil {
			return fmt.Errorf("external path %q is not a clean absolute path of a file", abs)
		}
		return nil
	}
	if !local(key) {
		return fmt.Errorf("path %q is not inside the destination", key)
	}
	return nil
}

func local(p string) bool { return p != "" && fs.ValidPath(p) && p != "." }

func readAll(d *fileops.Dir, name string) ([]byte, error) {
	f, err := d.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}
