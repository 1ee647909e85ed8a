package journal

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/bundlekit/bundlekit/fileops"
	"github.com/bundlekit/bundlekit/internal/locate"
	"github.com/bundlekit/bundlekit/internal/metadata"
)

// Tx is one journaled operation on a destination, and the only way the
// deployment engine changes anything: every method that writes records its
// intent in the journal before it acts, so that the operation can be undone
// (Abort, or Recover after a crash) or, once committed, completed.
//
// Paths are keys: relative, clean and "/"-separated inside the destination,
// or absolute for an external file (R8, R86). Each key reaches the disk
// through package locate, so a key cannot leave the directory it names.
//
// Its methods are safe for concurrent use on different paths.
type Tx struct {
	dest    *fileops.Dir
	roots   *locate.Roots
	w       *wal
	lock    *DestLock
	created []string // directories made for the destination, innermost first
	// recovered is what Begin did with an unfinished earlier operation.
	recovered  Outcome
	removeDest bool // TxOptions.RemoveDest
	done       bool

	mu sync.Mutex
	// dirs are handles of the destination's directories, by key, opened
	// once: an operation on a file then resolves one name, not its whole
	// path. A directory that is displaced or moved leaves the cache.
	dirs map[string]*fileops.Dir
	// written are the files written, and dirty the directories whose
	// entries changed (relative keys, "" the destination; and external
	// directories' handles): Commit makes them durable.
	written  []wrote
	dirty    map[string]bool
	dirtyExt map[*fileops.Dir]bool
	// reserved are trash names recorded ahead by Reserve, by key; creating
	// the keys Reserve recorded as about to be created.
	reserved map[string]string
	creating map[string]bool
	// fresh are the directories this operation made (relative keys) in
	// which it has made nothing but directories since.
	fresh map[string]bool
	// known are the directories MkdirAll found or made (relative keys),
	// until they are displaced or moved: each file written asks for its
	// parent, which then costs no stat.
	known map[string]bool
	// early is closed when the last sync StartSync began ends (each waits
	// for the one before it), with the first error in earlyErr; nil if none
	// began.
	early    chan struct{}
	earlyErr error
}

// wrote is a file written: its directory's handle and its name there.
type wrote struct {
	dir  *fileops.Dir
	name string
}

// TxOptions describe the operation a Tx journals.
type TxOptions struct {
	// Kind and ID name the operation in the journal's first record.
	Kind string
	ID   int
	// Hook, when set, runs after each record reaches the disk; tests use it
	// to stop a process at a precise point.
	Hook func(n int)
	// Wait is how long Begin waits for the destination's lock when another
	// deployer holds it; 0 fails at once.
	Wait time.Duration
	// Lock, when set, is the destination's lock, already held (LockDest):
	// Begin takes it over instead of taking the lock again, and releases it
	// when it fails as when the Tx ends.
	Lock *DestLock
	// RecoverFirst: an earlier operation that did not finish is recovered
	// under the lock (Tx.Recovered says what became of it) instead of
	// failing with ErrPending.
	RecoverFirst bool
	// RemoveDest: the operation ends with the destination removed (a full
	// purge). The commit record says so, and Finish, Abort and RecoverDest,
	// whichever completes the operation, remove the destination once it is
	// empty.
	RemoveDest bool
}

// Begin opens the destination dest, creating it and its missing parents,
// takes its lock and starts the journal of an operation. It fails with
// ErrPending when an earlier operation did not finish, and with a
// *LockedError when another deployer holds the lock; the directories it
// made are then removed again.
func Begin(ctx context.Context, dest string, opts TxOptions) (tx *Tx, err error) {
	created := missingDirs(dest)
	d, err := fileops.CreateDir(dest)
	if err != nil {
		if opts.Lock != nil {
			err = errors.Join(err, opts.Lock.Unlock())
		}
		return nil, fmt.Errorf("create destination: %w", err)
	}
	t := &Tx{dest: d, created: created, removeDest: opts.RemoveDest, dirs: map[string]*fileops.Dir{}, dirty: map[string]bool{},
		dirtyExt: map[*fileops.Dir]bool{}, reserved: map[string]string{}, creating: map[string]bool{}, fresh: map[string]bool{}, known: map[string]bool{}}
	defer func() {
		if tx == nil { // an error, or a panic of Hook
			t.release()
			if !errors.Is(err, ErrLocked) { // else the directories are another deployer's now
				t.removeCreated()
			}
		}
	}()
	if t.lock = opts.Lock; t.lock == nil {
		if t.lock, err = Lock(ctx, d, opts.Wait); err != nil {
			return nil, err
		}
	}
	t.recovered = Nothing
	if Pending(d) {
		if !opts.RecoverFirst {
			return nil, fmt.Errorf("%s: %w (run a deployment or status to recover it)", d.Path(), ErrPending)
		}
		if t.recovered, err = Recover(d); err != nil {
			return nil, fmt.Errorf("recover %s: %w", d.Path(), err)
		}
	}
	if t.w, err = beginWAL(d, opts.Kind, opts.ID, opts.Hook); err != nil {
		return nil, err
	}
	t.roots = locate.New(locate.Options{CacheParents: true})
	if err := t.roots.SetMain(d.Path(), d, false); err != nil {
		return nil, errors.Join(err, t.w.abandon())
	}
	return t, nil
}

// Recovered says what Begin did with an earlier operation that had not
// finished (see TxOptions.RecoverFirst): Nothing when there was none.
func (t *Tx) Recovered() Outcome { return t.recovered }

// Path returns the destination's absolute path.
func (t *Tx) Path() string { return t.dest.Path() }

// FS returns the destination, read-only.
func (t *Tx) FS() fs.FS { return t.dest.FS() }

// Lstat describes the path at key; a symbolic link is not followed.
func (t *Tx) Lstat(key string) (fs.FileInfo, error) {
	loc, err := t.where(key)
	if err != nil {
		return nil, err
	}
	return loc.Dir.Lstat(loc.Name)
}

// Open opens the file at key for reading.
func (t *Tx) Open(key string) (*os.File, error) {
	loc, err := t.where(key)
	if err != nil {
		return nil, err
	}
	return loc.Dir.Open(loc.Name)
}

// where locates the path at key: for a relative key, its parent directory's
// handle (opened once and kept, see dirs) and its base name; for an external
// key, as package locate routes it.
func (t *Tx) where(key string) (locate.Loc, error) {
	if metadata.IsExternal(key) || key == "" {
		return t.roots.Resolve(key, false)
	}
	if path.Clean(key) != key || !fs.ValidPath(key) {
		return locate.Loc{}, &fs.PathError{Op: "locate", Path: key, Err: fileops.ErrUnsafePath}
	}
	d, err := t.dir(parent(key))
	if err != nil {
		return locate.Loc{}, err
	}
	return locate.Loc{Dir: d, Name: path.Base(key), Abs: filepath.Join(t.dest.Path(), filepath.FromSlash(key))}, nil
}

// dir returns the handle of the destination's directory key ("" is the
// destination itself).
func (t *Tx) dir(key string) (*fileops.Dir, error) {
	if key == "" {
		return t.dest, nil
	}
	t.mu.Lock()
	d := t.dirs[key]
	t.mu.Unlock()
	if d != nil {
		return d, nil
	}
	// Through the parent's handle: one name to resolve, not the whole path.
	up, err := t.dir(parent(key))
	if err != nil {
		return nil, err
	}
	d, err = up.Sub(path.Base(key))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		// A link to another directory of the destination, which a handle
		// on its parent cannot follow: resolved from the destination.
		d, err = t.dest.Sub(key)
	}
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if prev := t.dirs[key]; prev != nil {
		d.Close()
		return prev, nil
	}
	t.dirs[key] = d
	return d, nil
}

// forget drops the handles of the directory key and of those below it, and
// their being fresh or known: it is about to be displaced or moved, and a
// handle follows the directory it was opened on. A file this operation wrote
// through one of those handles is synced first, since Commit cannot reach it
// through a closed handle.
func (t *Tx) forget(key string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	closing := map[*fileops.Dir]bool{}
	for k, d := range t.dirs {
		if k == key || strings.HasPrefix(k, key+"/") {
			closing[d] = true
		}
	}
	kept := t.written[:0]
	var errs []error
	for _, w := range t.written {
		if !closing[w.dir] {
			kept = append(kept, w)
			continue
		}
		errs = append(errs, w.dir.SyncFile(w.name))
	}
	t.written = kept
	if err := errors.Join(errs...); err != nil {
		return err
	}
	for k, d := range t.dirs {
		if closing[d] {
			d.Close()
			delete(t.dirs, k)
		}
	}
	for k := range t.fresh {
		if k == key || strings.HasPrefix(k, key+"/") {
			delete(t.fresh, k)
		}
	}
	for k := range t.known {
		if k == key || strings.HasPrefix(k, key+"/") {
			delete(t.known, k)
		}
	}
	return nil
}

// ReadDir lists the directory at key ("" is the destination), sorted by name.
func (t *Tx) ReadDir(key string) ([]fs.DirEntry, error) {
	loc, err := t.roots.Resolve(key, false)
	if err != nil {
		return nil, err
	}
	return loc.Dir.ReadDir(loc.Name)
}

// Readlink returns the target of the symbolic link at key.
func (t *Tx) Readlink(key string) (string, error) {
	loc, err := t.roots.Resolve(key, false)
	if err != nil {
		return "", err
	}
	return loc.Dir.Readlink(loc.Name)
}

// recordKey is the path of key in a journal record.
func recordKey(key string) string {
	if metadata.IsExternal(key) {
		return externalKey(key)
	}
	return key
}

// parent returns the key of the directory holding key, "" for a top-level
// name of the destination.
func parent(key string) string {
	if metadata.IsExternal(key) {
		return filepath.ToSlash(filepath.Dir(filepath.FromSlash(key)))
	}
	if dir := path.Dir(key); dir != "." {
		return dir
	}
	return ""
}

// MkdirAll makes the directories keys and their missing parents (0o755
// before the umask), recording each; the records of the directories of the
// destination are written at once, before any is made. A file in the way is
// an error that names it.
func (t *Tx) MkdirAll(keys ...string) error {
	m, err := t.recordDirs(keys)
	if err != nil || m == nil {
		return err
	}
	m.make()
	return m.err
}

// StartMkdirAll is MkdirAll with the directories made on a goroutine of its
// own, parents first, while the caller goes on: it returns once their
// records are written. Until Mkdirs.Wait says a directory is made, nothing
// may be done in it; before anything else that could fail, or end the Tx,
// the caller waits for all of them (Mkdirs.Done). The directories count as
// made by this operation from the start (Reserve finds nothing in them).
func (t *Tx) StartMkdirAll(keys ...string) (*Mkdirs, error) {
	m, err := t.recordDirs(keys)
	if err != nil || m == nil {
		return m, err
	}
	go m.make()
	return m, nil
}

// recordDirs records the directories keys and their missing parents, and
// counts them as made; it returns nil when none is missing. Directories
// outside the destination are made at once.
func (t *Tx) recordDirs(keys []string) (*Mkdirs, error) {
	var missing []string // parents before their children
	planned := map[string]bool{}
	var chains []chain
	for _, key := range keys {
		if key == "" || planned[key] {
			continue
		}
		if metadata.IsExternal(key) {
			if err := t.mkdirExternal(key); err != nil {
				return nil, err
			}
			continue
		}
		dirs, err := t.missing(key, planned)
		if err != nil {
			return nil, err
		}
		if len(dirs) == 0 {
			continue
		}
		loc, err := t.roots.Resolve(key, true)
		if err != nil {
			return nil, err
		}
		top := parent(dirs[len(dirs)-1])
		t.mu.Lock()
		topFresh := t.fresh[top] || planned[top]
		t.mu.Unlock()
		chains = append(chains, chain{loc: loc, dirs: dirs, top: top, topFresh: topFresh})
		for i := len(dirs) - 1; i >= 0; i-- {
			missing = append(missing, dirs[i])
			planned[dirs[i]] = true
		}
	}
	if len(missing) == 0 {
		return nil, nil
	}
	rs := make([]record, len(missing))
	for i, dir := range missing {
		rs[i] = record{Op: opCreate, Path: recordKey(dir)}
	}
	if err := t.w.write(false, rs...); err != nil {
		return nil, err
	}
	for _, c := range chains {
		for _, dir := range c.dirs {
			t.changed(dir, c.loc)
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, dir := range missing {
		t.fresh[dir] = true
		t.known[dir] = true
	}
	for _, c := range chains {
		if c.topFresh {
			t.fresh[c.top] = true // it still holds nothing but directories
		}
	}
	m := &Mkdirs{t: t, dirs: missing, index: make(map[string]int, len(missing))}
	m.cond = sync.NewCond(&m.mu)
	for i, dir := range missing {
		m.index[dir] = i
	}
	return m, nil
}

// Mkdirs is the directories StartMkdirAll is making.
type Mkdirs struct {
	t     *Tx
	dirs  []string       // parents before their children
	index map[string]int // of each in dirs

	mu   sync.Mutex
	cond *sync.Cond // signalled as made grows, and at the end
	made int        // how many of dirs are made
	end  bool       // making stopped, with err if it failed
	err  error
}

// make makes the directories in order, each in its parent's handle.
func (m *Mkdirs) make() {
	var err error
	for _, dir := range m.dirs {
		var up *fileops.Dir
		if up, err = m.t.dir(parent(dir)); err == nil {
			err = up.MkdirAll(path.Base(dir), 0o755)
		}
		if err != nil {
			m.unmark()
			break
		}
		m.mu.Lock()
		m.made++
		m.mu.Unlock()
		m.cond.Broadcast()
	}
	m.mu.Lock()
	m.end, m.err = true, err
	m.mu.Unlock()
	m.cond.Broadcast()
}

// unmark stops counting the directories not made as made.
func (m *Mkdirs) unmark() {
	m.t.mu.Lock()
	defer m.t.mu.Unlock()
	for _, dir := range m.dirs[m.made:] {
		delete(m.t.fresh, dir)
		delete(m.t.known, dir)
	}
}

// Wait waits until the directory key is made, and returns the error that
// stopped the making before it. A directory that was not missing is made
// already; so are all when m is nil.
func (m *Mkdirs) Wait(key string) error {
	if m == nil {
		return nil
	}
	i, ok := m.index[key]
	if !ok {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for m.made <= i && !m.end {
		m.cond.Wait()
	}
	if m.made > i {
		return nil
	}
	return m.err
}

// Done waits until every directory is made, or the making stopped, and
// returns the error that stopped it.
func (m *Mkdirs) Done() error {
	if m == nil {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for !m.end {
		m.cond.Wait()
	}
	return m.err
}

// chain is the directories MkdirAll makes for one key: dirs, from the key up
// to the child of top, which exists (or is made for another key); loc is
// where the key was located.
type chain struct {
	loc      locate.Loc
	dirs     []string
	top      string
	topFresh bool
}

// missing returns the directories missing from key up (key first), up to the
// first that exists or that planned holds (made for an earlier key). A file
// in the way is an error that names it; for an external key a link to a
// directory counts as one, since its parents are followed, as RHQ did (R8).
func (t *Tx) missing(key string, planned map[string]bool) ([]string, error) {
	external := metadata.IsExternal(key)
	var missing []string
	for dir := key; dir != ""; {
		if !external {
			t.mu.Lock()
			known := t.known[dir] || planned[dir]
			// Nothing is in a directory this operation made (or is
			// about to) but the directories it made since, which are
			// known: no need to look.
			inFresh := t.fresh[parent(dir)] || planned[parent(dir)]
			t.mu.Unlock()
			if known {
				break
			}
			if inFresh {
				missing = append(missing, dir)
				break
			}
		}
		fi, err := t.Lstat(dir)
		if errors.Is(err, fileops.ErrUnsafePath) {
			// Not a missing directory: a key Recover could not undo.
			return nil, err
		}
		if err == nil {
			if !fi.IsDir() && !linkToDir(dir, fi) {
				return nil, fmt.Errorf("%s is a file, but the deployment needs a directory there", t.display(dir))
			}
			if !external {
				t.mu.Lock()
				t.known[dir] = true
				t.mu.Unlock()
			}
			break
		}
		missing = append(missing, dir)
		up := parent(dir)
		if up == dir {
			break // the root of an external path
		}
		dir = up
	}
	return missing, nil
}

// mkdirExternal makes the external directory key (an absolute path outside
// the destination) and its missing parents, recording each.
func (t *Tx) mkdirExternal(key string) error {
	missing, err := t.missing(key, nil)
	if err != nil || len(missing) == 0 {
		return err
	}
	for i := len(missing) - 1; i >= 0; i-- {
		if err := t.w.Create(recordKey(missing[i])); err != nil {
			return err
		}
	}
	loc, err := t.roots.Resolve(key, true)
	if err != nil {
		return err
	}
	for _, dir := range missing {
		t.changed(dir, loc)
	}
	return loc.Dir.MkdirAll(loc.Name, 0o755)
}

// changed notes that the entries of the directory holding key change, for
// Commit to make them durable; loc is where key was located.
func (t *Tx) changed(key string, loc locate.Loc) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if loc.External {
		t.dirtyExt[loc.Dir] = true
		return
	}
	if metadata.IsExternal(key) { // an absolute key inside the destination
		if inner, err := t.roots.Resolve(key, false); err == nil {
			key = inner.Name
		}
	}
	t.dirty[parent(key)] = true
	delete(t.fresh, parent(key))
}

// linkToDir reports whether the external path key is a symbolic link to a
// directory: the parents of an external file are followed, as RHQ did (R8);
// only its last element is confined.
func linkToDir(key string, fi fs.FileInfo) bool {
	if fi.Mode()&fs.ModeSymlink == 0 || !metadata.IsExternal(key) {
		return false
	}
	d, err := fileops.OpenDir(filepath.FromSlash(key))
	if err != nil {
		return false
	}
	d.Close()
	return true
}

func (t *Tx) display(key string) string {
	if loc, err := t.roots.Resolve(key, false); err == nil {
		return loc.Abs
	}
	return key
}

// WriteFile streams src into the file at key, replacing what is there
// atomically (see fileops.Dir.WriteFile for modes: perm 0 keeps an existing
// file's permission bits, R101), after making its missing parents. The
// replaced file is kept in the journal's trash until the operation ends.
func (t *Tx) WriteFile(ctx context.Context, key string, src io.Reader, perm fs.FileMode) (fileops.Written, error) {
	if err := t.MkdirAll(parent(key)); err != nil {
		return fileops.Written{}, err
	}
	loc, err := t.where(key)
	if err != nil {
		return fileops.Written{}, err
	}
	t.mu.Lock()
	reserved := t.creating[key]
	delete(t.creating, key)
	t.mu.Unlock()
	var fi fs.FileInfo
	if !reserved {
		fi, err = loc.Dir.Lstat(loc.Name)
	}
	create := reserved || errors.Is(err, fs.ErrNotExist)
	switch {
	case reserved:
	case create:
		// Synced: the file is written in place, so a power cut must not
		// keep a part of it without the record that removes it.
		err = t.w.write(true, record{Op: opCreate, Path: recordKey(key)})
	case err != nil:
	default:
		if perm == 0 && fi.Mode().IsRegular() {
			perm = fi.Mode().Perm() // kept, whichever way the old file is displaced
		}
		err = t.displace(key, loc, fi, true)
	}
	if err != nil {
		return fileops.Written{}, err
	}
	// Made durable with the whole operation before it commits (see Commit).
	var w fileops.Written
	if create {
		// Recover removes a created path, so a new file needs no temporary
		// name: it is written in place.
		if perm == 0 {
			perm = 0o644
		}
		w, err = loc.Dir.CreateFile(ctx, loc.Name, src, perm)
	} else {
		w, err = loc.Dir.WriteFileBatch(ctx, loc.Name, src, perm)
	}
	if err == nil {
		t.changed(key, loc)
		t.mu.Lock()
		t.written = append(t.written, wrote{loc.Dir, loc.Name})
		t.mu.Unlock()
	}
	return w, err
}

// Copy copies the file at from to the file at to, as WriteFile does, with
// from's permission bits. A symbolic link is copied as a link with the same
// target, never followed.
func (t *Tx) Copy(ctx context.Context, from, to string) (fileops.Written, error) {
	loc, err := t.where(from)
	if err != nil {
		return fileops.Written{}, err
	}
	fi, err := loc.Dir.Lstat(loc.Name)
	switch {
	case err != nil:
		return fileops.Written{}, err
	case fi.Mode()&fs.ModeSymlink != 0:
		target, err := loc.Dir.Readlink(loc.Name)
		if err != nil {
			return fileops.Written{}, err
		}
		return fileops.Written{}, t.Symlink(target, to)
	case !fi.Mode().IsRegular():
		return fileops.Written{}, &fs.PathError{Op: "copy", Path: loc.Abs, Err: fileops.ErrIrregular}
	}
	f, err := loc.Dir.Open(loc.Name)
	if err != nil {
		return fileops.Written{}, err
	}
	defer f.Close()
	return t.WriteFile(ctx, to, f, fi.Mode().Perm())
}

// LinkOrCopy makes the new file at key to, inside the destination, hold the
// bytes of the regular file at from, which it leaves as it is: a hard link to
// from where the file system allows one (no byte is copied), a copy with
// from's permission bits otherwise (an external from, another file system, a
// file system without hard links). It makes to's missing parents. The
// creation of to is recorded first, synced, so that Abort and Recover remove
// it: a copy cut short by a power cut never stays behind. A to that exists
// already is not touched and the error wraps fs.ErrExist; a from that is not
// a regular file is refused with fileops.ErrIrregular.
//
// A replaced or trashed file keeps, through the link, the content it had:
// WriteFile puts a new file in place of a replaced one, never writing into
// it, so the link holds the original after the operation ends.
func (t *Tx) LinkOrCopy(ctx context.Context, from, to string) error {
	if metadata.IsExternal(to) {
		return &fs.PathError{Op: "link", Path: to, Err: fileops.ErrUnsafePath}
	}
	src, err := t.where(from)
	if err != nil {
		return err
	}
	fi, err := src.Dir.Lstat(src.Name)
	switch {
	case err != nil:
		return err
	case !fi.Mode().IsRegular():
		return &fs.PathError{Op: "link", Path: src.Abs, Err: fileops.ErrIrregular}
	}
	if err := t.MkdirAll(parent(to)); err != nil {
		return err
	}
	loc, err := t.where(to)
	if err != nil {
		return err
	}
	t.mu.Lock()
	reserved := t.creating[to]
	delete(t.creating, to)
	t.mu.Unlock()
	if !reserved {
		switch _, err := loc.Dir.Lstat(loc.Name); {
		case err == nil:
			return &fs.PathError{Op: "link", Path: loc.Abs, Err: fs.ErrExist}
		case !errors.Is(err, fs.ErrNotExist):
			return err
		}
		if err := t.w.write(true, record{Op: opCreate, Path: to}); err != nil {
			return err
		}
	}
	t.changed(to, loc)
	if !metadata.IsExternal(from) {
		err := t.dest.Link(from, to)
		if err == nil || !noHardLink(err) {
			return err
		}
	}
	f, err := src.Dir.Open(src.Name)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := loc.Dir.CreateFile(ctx, loc.Name, f, fi.Mode().Perm()); err != nil {
		return err
	}
	t.mu.Lock()
	t.written = append(t.written, wrote{loc.Dir, loc.Name})
	t.mu.Unlock()
	return nil
}

// noHardLink reports whether a hard link failed for want of a file system
// that makes one here (err is fileops.Dir.Link's), so that copying the file
// is worth trying.
func noHardLink(err error) bool {
	for _, reason := range []error{syscall.EXDEV, syscall.EPERM, syscall.EMLINK, syscall.ENOTSUP, syscall.EOPNOTSUPP, errors.ErrUnsupported} {
		if errors.Is(err, reason) {
			return true
		}
	}
	return false
}

// Symlink makes key a symbolic link to target, replacing what is there.
func (t *Tx) Symlink(target, key string) error {
	t.mu.Lock()
	delete(t.creating, key) // looked at again below
	t.mu.Unlock()
	if err := t.MkdirAll(parent(key)); err != nil {
		return err
	}
	loc, err := t.where(key)
	if err != nil {
		return err
	}
	fi, err := loc.Dir.Lstat(loc.Name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		err = t.w.Create(recordKey(key))
	case err != nil:
	default:
		err = t.displace(key, loc, fi, false)
	}
	if err != nil {
		return err
	}
	t.changed(key, loc)
	return loc.Dir.Symlink(target, loc.Name)
}

// Chmod sets the mode of the regular file at key to the permission, setuid,
// setgid and sticky bits of mode (see fileops.Dir.Chmod), after recording the
// mode it had, which Abort and Recover put back. The record is synced first:
// like an original moved away, the old mode must come back after a power cut.
// A symbolic link or anything else that is not a regular file is refused
// (fileops.ErrIrregular); the owner is not changed.
func (t *Tx) Chmod(key string, mode fs.FileMode) error {
	loc, err := t.where(key)
	if err != nil {
		return err
	}
	fi, err := loc.Dir.Lstat(loc.Name)
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return &fs.PathError{Op: "chmod", Path: loc.Abs, Err: fileops.ErrIrregular}
	}
	if err := t.w.write(true, record{Op: opChmod, Path: recordKey(key), Mode: metadata.FormatMode(fi.Mode())}); err != nil {
		return err
	}
	if err := loc.Dir.Chmod(loc.Name, mode); err != nil {
		return err
	}
	// Commit syncs the file, and with it its new mode.
	t.mu.Lock()
	t.written = append(t.written, wrote{loc.Dir, loc.Name})
	t.mu.Unlock()
	return nil
}

// Trash removes the path at key and everything below it; it is kept in the
// journal's trash until the operation ends. A missing path is not an error.
func (t *Tx) Trash(key string) error {
	loc, err := t.where(key)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	fi, err := loc.Dir.Lstat(loc.Name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return t.displace(key, loc, fi, false)
}

// RemoveEmpty removes the directory at key when it is empty, and reports
// whether it did (a missing directory counts as removed).
func (t *Tx) RemoveEmpty(key string) (bool, error) {
	entries, err := t.ReadDir(key)
	if errors.Is(err, fs.ErrNotExist) {
		return true, nil
	}
	if err != nil || len(entries) > 0 {
		return false, err
	}
	return true, t.Trash(key)
}

// Reserve records at once what the steps of a phase are about to do to the
// paths at keys, with one write and one sync instead of one each: a path that
// exists is about to be displaced (replaced, trashed), one that does not is
// about to be created by WriteFile. A reservation that no step uses is
// harmless: there is nothing in the trash to restore, nothing created to
// remove. Reserve first makes no change: a key that cannot be located (a
// missing parent) is left to its step.
func (t *Tx) Reserve(keys []string) error {
	rs := make([]record, 0, len(keys))
	for _, key := range keys {
		t.mu.Lock()
		_, trashing := t.reserved[key]
		done := trashing || t.creating[key]
		// Nothing is in a directory this operation made, but directories
		// it made since: no need to look.
		fresh := !metadata.IsExternal(key) && t.fresh[parent(key)] && !t.fresh[key]
		t.mu.Unlock()
		if done {
			continue
		}
		var err error
		if !fresh {
			_, err = t.Lstat(key)
		}
		switch {
		case fresh, errors.Is(err, fs.ErrNotExist) && t.parentExists(key):
			rs = append(rs, record{Op: opCreate, Path: recordKey(key)})
			t.mu.Lock()
			t.creating[key] = true
			t.mu.Unlock()
		case err == nil:
			r := t.w.trashRecord(recordKey(key))
			rs = append(rs, r)
			t.mu.Lock()
			t.reserved[key] = r.To
			t.mu.Unlock()
		}
	}
	return t.w.write(true, rs...)
}

// parentExists reports whether the directory that would hold key exists.
func (t *Tx) parentExists(key string) bool {
	if metadata.IsExternal(key) {
		return false // reserved by its step, which makes external parents
	}
	_, err := t.dir(parent(key))
	return err == nil
}

// Move moves the path at from to to, replacing what is at to. Inside the
// destination it is a rename (a copy across file systems); an external path
// is copied and then trashed.
func (t *Tx) Move(from, to string) error {
	for _, key := range []string{from, to} {
		if _, err := t.where(key); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err // before anything is recorded: Recover could not undo it
		}
	}
	if metadata.IsExternal(from) || metadata.IsExternal(to) {
		if _, err := t.Copy(context.Background(), from, to); err != nil {
			return err
		}
		return t.Trash(from)
	}
	if err := t.Trash(to); err != nil {
		return err
	}
	if err := t.MkdirAll(parent(to)); err != nil {
		return err
	}
	if err := errors.Join(t.forget(from), t.forget(to)); err != nil {
		return err
	}
	if err := t.w.Move(from, to); err != nil {
		return err
	}
	t.changed(from, locate.Loc{})
	t.changed(to, locate.Loc{})
	return rename(t.dest, from, to)
}

// displace moves what is at key into the trash, after recording it. With
// keep, a file stays in place (the trash gets a hard link to it) so that the
// write replacing it is atomic and keeps its owner; where hard links are not
// available it is renamed, as without keep. An external path is copied into
// the trash, which lives in the destination, and removed unless kept.
func (t *Tx) displace(key string, loc locate.Loc, fi fs.FileInfo, keep bool) error {
	t.mu.Lock()
	to, reserved := t.reserved[key]
	delete(t.reserved, key)
	t.mu.Unlock()
	if !reserved {
		var err error
		if to, err = t.w.Trash(recordKey(key)); err != nil {
			return err
		}
	}
	if fi.IsDir() {
		if err := t.forget(key); err != nil {
			return err
		}
	}
	t.changed(key, loc)
	if loc.External {
		if err := t.copyIn(loc, fi, to); err != nil {
			return fmt.Errorf("save %s: %w", loc.Abs, err)
		}
		if keep {
			return nil
		}
		return loc.Dir.Remove(loc.Name)
	}
	rel := key
	if metadata.IsExternal(key) { // an absolute key inside the destination
		inner, err := t.roots.Resolve(key, false)
		if err != nil {
			return err
		}
		rel = inner.Name
	}
	if keep && (fi.Mode().IsRegular() || fi.Mode()&fs.ModeSymlink != 0) {
		if t.dest.Link(rel, to) == nil {
			return nil
		}
	}
	return rename(t.dest, rel, to)
}

// copyIn copies an external file or link into the destination at to.
func (t *Tx) copyIn(loc locate.Loc, fi fs.FileInfo, to string) error {
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		target, err := loc.Dir.Readlink(loc.Name)
		if err != nil {
			return err
		}
		return t.dest.Symlink(target, to)
	case !fi.Mode().IsRegular():
		return fileops.ErrIrregular
	}
	f, err := loc.Dir.Open(loc.Name)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = t.dest.WriteFile(context.Background(), to, f, fi.Mode().Perm())
	return err
}

// Commit makes the operation's result durable — every file written and the
// entries of every directory changed — and then records that it is in place:
// from now on the operation is completed, not undone. After Commit returns, a
// power cut loses nothing of it.
//
// The files were written without a sync of their own (their writeback
// started at once, on Linux); Commit syncs each of them, and each directory,
// on several goroutines at once. For a large batch, where the file system
// syncing everything at once costs less than syncing file by file, it syncs
// the destination's file system instead (syncfs(2) on Linux: that also waits
// for others' writes to that file system), after the syncs StartSync began, if
// any: a failure of one of those fails Commit too.
//
// An error means that the operation did not commit and Abort undoes it,
// except for one that wraps ErrCommitted: the commit record was written but
// could not be made durable. The operation is then committed — Recover, and
// Abort, would complete it — and the caller goes on to Finish.
func (t *Tx) Commit() error {
	if err := t.durable(); err != nil {
		return fmt.Errorf("make the operation durable: %w", err)
	}
	return t.w.Commit(t.removeDest)
}

// syncFSAt is the number of files written from which Commit syncs whole file
// systems rather than file by file.
const syncFSAt = 1000

// StartSync begins, when the operation writes so many files that Commit will
// sync the destination's file system whole (planned, or as many as it wrote
// so far), to sync it now, on a goroutine of its own: the disk writes what is
// written while the caller goes on (writes the rest of its files, prepares a
// deployment's metadata), and Commit, which waits for it, then syncs what was
// written since, which is little. A later call syncs again once the sync
// before it is done. With fewer files it does nothing, and Commit syncs file
// by file.
func (t *Tx) StartSync(planned int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if max(planned, len(t.written)) < syncFSAt {
		return
	}
	before := t.early
	done := make(chan struct{})
	t.early = done
	go func() {
		defer close(done)
		if before != nil {
			<-before
		}
		// Its own error: the next syncfs, through another descriptor,
		// would not report a write that failed before it was opened.
		_, err := t.dest.SyncFS()
		t.mu.Lock()
		t.earlyErr = cmp.Or(t.earlyErr, err)
		t.mu.Unlock()
	}()
}

// waitSync waits for the syncs StartSync began, if any, and returns the
// first error of theirs.
func (t *Tx) waitSync() error {
	t.mu.Lock()
	done := t.early
	t.mu.Unlock()
	if done == nil {
		return nil
	}
	<-done
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.earlyErr
}

func (t *Tx) durable() error {
	t.mu.Lock()
	whole := len(t.written) >= syncFSAt && fileops.HasSyncFS
	t.mu.Unlock()
	if whole {
		// The file system is synced whole: no directory's handle is needed
		// for it, and closing hundreds of them (3.6 ms of CPU for the real
		// corpus's 616) is done while the disk works. t.dir opens one again
		// if anything asks for it.
		closed := t.closeDirs()
		defer func() { <-closed }()
	}
	if err := t.waitSync(); err != nil {
		return err
	}
	t.mu.Lock()
	files := t.written
	dirs := make([]string, 0, len(t.dirty))
	for k := range t.dirty {
		dirs = append(dirs, k)
	}
	ext := make([]*fileops.Dir, 0, len(t.dirtyExt))
	for d := range t.dirtyExt {
		ext = append(ext, d)
	}
	t.mu.Unlock()
	if whole {
		if _, err := t.dest.SyncFS(); err != nil {
			return err
		}
		for _, d := range ext {
			if _, err := d.SyncFS(); err != nil {
				return err
			}
		}
		t.mu.Lock()
		t.written = nil // durable, and their handles are closed
		t.mu.Unlock()
		return nil
	}
	errs := make([]error, len(files))
	parallel(len(files), func(i int) { errs[i] = files[i].dir.SyncFile(files[i].name) })
	if err := errors.Join(errs...); err != nil {
		return err
	}
	handles := ext
	for _, k := range dirs {
		d, err := t.dir(k)
		if errors.Is(err, fs.ErrNotExist) {
			continue // removed since: its parent's entry is what counts
		}
		if err != nil {
			return err
		}
		handles = append(handles, d)
	}
	errs = make([]error, len(handles))
	parallel(len(handles), func(i int) { errs[i] = handles[i].SyncDir() })
	return errors.Join(errs...)
}

// closeDirs closes the cached handles of the destination's directories on a
// goroutine of its own, and returns a channel closed when it is done.
func (t *Tx) closeDirs() <-chan struct{} {
	t.mu.Lock()
	dirs := t.dirs
	t.dirs = make(map[string]*fileops.Dir)
	t.mu.Unlock()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for _, d := range dirs {
			d.Close()
		}
	}()
	return done
}

// parallel calls f(0) … f(n-1) on up to 16 goroutines: a sync mostly waits for
// the disk, which serves many at once.
func parallel(n int, f func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(16, n) {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				f(i)
			}
		})
	}
	wg.Wait()
}

// Finish ends a committed operation: the trash is emptied, the journal
// removed and the lock released. For an operation that removes its
// destination (TxOptions.RemoveDest) the metadata folder and the destination
// itself are removed too, once empty.
func (t *Tx) Finish() error {
	err := t.w.Finish()
	dest := t.dest.Path()
	t.release()
	if err != nil || !t.removeDest {
		return err
	}
	return removeEmptyDest(dest)
}

// removeEmptyDest removes the destination dest of a completed operation that
// leaves nothing in it. Its callers release the lock first: the lock file
// and the handles would keep the directory. A destination already gone is
// no error.
func removeEmptyDest(dest string) error {
	if err := removeDir(dest); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("the destination is empty but could not be removed: %w", err)
	}
	return nil
}

// Abort undoes the operation now, as Recover would after a crash, releases
// the lock and removes the directories Begin made. When undoing fails, the
// journal stays for Recover and the error says so. An operation whose commit
// record is in the journal (Commit failed to make it durable) is not undone
// but completed, as Recover would, and Abort then fails with an error
// wrapping ErrCommitted.
func (t *Tx) Abort() error {
	_ = t.waitSync() // its error does not matter to an operation undone
	t.w.f.Close()
	outcome, gone, err := recoverOp(t.dest)
	dest := t.dest.Path()
	t.release()
	if outcome == Completed && gone && err == nil {
		err = removeEmptyDest(dest)
	}
	switch {
	case outcome == Completed && err != nil:
		return fmt.Errorf("%w: it was completed, not undone, but cleaning up after it failed: %w", ErrCommitted, err)
	case outcome == Completed:
		return fmt.Errorf("%w: it was completed, not undone", ErrCommitted)
	case err != nil:
		return err
	}
	t.removeCreated()
	return nil
}

// removeCreated removes the directories Begin made for the destination, as
// long as they are empty.
func (t *Tx) removeCreated() {
	for _, dir := range t.created {
		if removeDir(dir) != nil {
			break
		}
	}
}

// release closes every handle and releases the lock; it may run more than
// once.
func (t *Tx) release() {
	if t.done {
		return
	}
	t.done = true
	t.mu.Lock()
	for k, d := range t.dirs {
		d.Close()
		delete(t.dirs, k)
	}
	t.mu.Unlock()
	if t.roots != nil {
		t.roots.Close()
	}
	if t.lock != nil {
		t.lock.Unlock()
	}
	t.dest.Close()
}

// missingDirs returns dir and those of its ancestors that do not exist,
// innermost first: the directories creating dir makes.
func missingDirs(dir string) []string {
	var out []string
	for p := filepath.Clean(dir); ; p = filepath.Dir(p) {
		if _, err := os.Lstat(p); !errors.Is(err, fs.ErrNotExist) {
			return out
		}
		out = append(out, p)
		if filepath.Dir(p) == p {
			return out
		}
	}
}

// removeDir removes the empty directory abs through its parent.
func removeDir(abs string) error {
	loc, err := locate.New(locate.Options{}).Locate(abs, false)
	if err != nil {
		return err
	}
	defer loc.Close()
	return loc.Dir.Remove(loc.Name)
}

// RecoverDest recovers an unfinished operation on the destination dest under
// its lock, waiting for it as Begin does (see Recover). A destination that does not exist, or holds no
// journal, has nothing to recover.
func RecoverDest(ctx context.Context, dest string, wait time.Duration) (Outcome, error) {
	d, err := fileops.OpenDir(dest)
	if errors.Is(err, fs.ErrNotExist) {
		return Nothing, nil
	}
	if err != nil {
		return "", err
	}
	if !Pending(d) {
		d.Close()
		return Nothing, nil
	}
	l, err := Lock(ctx, d, wait)
	if err != nil {
		d.Close()
		return "", err
	}
	outcome, gone, err := recoverOp(d)
	// Released before the destination is removed, which the lock file
	// and the handle would keep.
	l.Unlock()
	d.Close()
	if err != nil {
		return "", fmt.Errorf("recover %s: %w", dest, err)
	}
	if gone {
		if err := removeEmptyDest(dest); err != nil {
			return "", fmt.Errorf("recover %s: %w", dest, err)
		}
	}
	return outcome, nil
}

// PendingAt reports whether the destination dest holds an unfinished
// operation.
func PendingAt(dest string) bool {
	d, err := fileops.OpenDir(dest)
	if err != nil {
		return false
	}
	defer d.Close()
	return Pending(d)
}

// Settled returns nil when the destination dest holds no journal, or once
// the deployer whose operation it records has finished: a journal found while
// another deployer holds the lock is that deployer's operation in progress,
// so Settled waits for the lock (up to wait) and looks again. It fails with
// ErrPending when a journal is there under the lock (an operation that did not
// finish: Recover it), and with a *LockedError when the lock is still held
// after wait. It changes nothing but the lock file's holder line.
func Settled(ctx context.Context, dest string, wait time.Duration) error {
	d, err := fileops.OpenDir(dest)
	if err != nil {
		return nil // no destination, no journal: planning reports the rest
	}
	defer d.Close()
	if !Pending(d) {
		return nil
	}
	l, err := Lock(ctx, d, wait)
	if err != nil {
		return err
	}
	defer l.Unlock()
	if Pending(d) {
		return fmt.Errorf("%s: %w", dest, ErrPending)
	}
	return nil
}
