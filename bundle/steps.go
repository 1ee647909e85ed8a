package bundle

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"maps"
	"os"
	"path"
	"slices"
	"sync"
	"time"

	"github.com/bundlekit/bundlekit/destination"
	"github.com/bundlekit/bundlekit/fileops"
	"github.com/bundlekit/bundlekit/internal/journal"
	"github.com/bundlekit/bundlekit/internal/metadata"
	"github.com/bundlekit/bundlekit/internal/statcache"
	"github.com/bundlekit/bundlekit/recipe"
)

// How each step is done. Every change goes through a journal.Tx, which records
// it before making it; nothing here decides anything the plan has not.

// exec runs one step, then reports its entry when the step is the entry's last.
func (a *applier) exec(s *step) error {
	if err := a.ctx.Err(); err != nil && !s.phase.committed() {
		return err
	}
	var w fileops.Written
	var err error
	switch s.op {
	case opBackup:
		err = a.backup(s.entry, s.to)
	case opStash:
		err = a.stash(s.entry.Path, s.to)
	case opTrash:
		err = a.tx.Trash(s.entry.Path)
	case opDeleteDir:
		err = a.deleteDir(s.entry)
	case opTrashOrReport:
		if terr := a.tx.Trash(s.entry.Path); terr != nil {
			a.errors[s.entry.Path] = terr.Error() // R138: reported, not fatal
		}
	case opWrite:
		w, err = a.write(s.entry, s)
	case opChmod:
		err = a.tx.Chmod(s.entry.Path, s.perm)
	case opMkdir:
		err = a.tx.MkdirAll(s.entry.Path)
	case opRestore:
		w, err = a.restore(s.entry, s.from)
	case opLink:
		err = a.link(s.entry, s.target)
	case opHandover:
		err = handOver(a.ctx, a.p.handover, s.item, a.warn)
		if err != nil {
			err = &HookError{Phase: "handover", Target: "rhq:handover", Err: err}
		}
	case opTarget:
		err = a.target(s)
	case opCommand:
		err = a.command(s.pkg, s.name)
	case opRecord:
		err = a.record()
	case opForget:
		err = a.forget()
	case opEmpty:
		err = a.empty()
	case opStore:
		err = a.store(s.entry, s.to)
	}
	if err != nil && s.phase == phaseService {
		return a.abortService(err)
	}
	if err != nil {
		return err
	}
	if s.entry != nil {
		a.report(s, w)
	}
	return nil
}

// report emits the backup event of a backup step, and the file event of an
// entry whose last step this is.
func (a *applier) report(s *step, w fileops.Written) {
	e := s.entry
	a.mu.Lock()
	defer a.mu.Unlock()
	if s.op == opBackup || s.op == opStash {
		a.backups++
		a.p.emit(Event{Type: EventBackup, Path: e.Path, Backup: e.Backup, Done: a.backups, Total: a.backupTotal})
	}
	if &e.steps[len(e.steps)-1] != s || !e.Action.Writes() {
		return
	}
	a.done++
	a.p.emit(Event{Type: EventFile, Path: e.Path, Action: e.Action, Rule: e.Rule, Bytes: w.Size, Hash: w.Hash,
		Error: a.errors[e.Path], Done: a.done, Total: a.total})
}

// backup saves a path (R92 step 1, R125–R127): a file or link is copied, a
// directory is only made, empty, in the backup (R127); one that exists already,
// made by the backups of its children, is kept as it is.
func (a *applier) backup(e *Entry, to string) error {
	if e.Dir {
		return a.tx.MkdirAll(to)
	}
	if _, err := a.tx.Copy(a.ctx, e.Path, to); err != nil {
		return fmt.Errorf("back up %s: %w", e.Path, err)
	}
	return nil
}

// stash moves a path that is deleted to its backup (R92 step 1). When both are
// directories (the backup of a directory whose files were backed up first),
// what remains in from is merged into to, so that no earlier backup is
// replaced.
func (a *applier) stash(from, to string) error {
	src, err := a.tx.Lstat(from)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	dst, err := a.tx.Lstat(to)
	if err != nil || !dst.IsDir() || !src.IsDir() {
		// R127: an existing backup is overwritten.
		if err := a.tx.Move(from, to); err != nil {
			return fmt.Errorf("back up %s: %w", from, err)
		}
		return nil
	}
	children, err := a.tx.ReadDir(from)
	if err != nil {
		return err
	}
	for _, c := range children {
		if err := a.stash(path.Join(from, c.Name()), path.Join(to, c.Name())); err != nil {
			return err
		}
	}
	return a.tx.Trash(from) // empty now
}

// deleteDir removes a directory of the delete set once empty (R92 step 2); one
// that still holds unmanaged files is reported and the operation goes on
// (R122).
func (a *applier) deleteDir(e *Entry) error {
	removed, err := a.tx.RemoveEmpty(e.Path)
	if err != nil {
		return err
	}
	if !removed {
		a.errors[e.Path] = fmt.Sprintf("File [%s] did not delete", a.p.dir.Native(destination.Path{Rel: e.Path}))
	}
	return nil
}

// write writes an entry's new content from its source (R96–R100), and checks
// that it is what the plan hashed.
func (a *applier) write(e *Entry, s *step) (fileops.Written, error) {
	src := s.src
	rc, err := a.open(src)
	if err != nil {
		return fileops.Written{}, fmt.Errorf("%s: write %s: %w", src.origin, e.Path, err)
	}
	defer rc.Close()
	if err := src.unchanged(rc); err != nil {
		return fileops.Written{}, fmt.Errorf("%s: write %s: %w", src.origin, e.Path, err)
	}
	var r io.Reader = rc
	var at []int64
	var objectDigest hash.Hash
	switch {
	case src.realize:
		r = watchID(rc, a.p.values, &at)
	case src.kind == fromStore:
		r, objectDigest = src.storedReader(rc)
	}
	tx := a.tx
	if s.phase == phaseService {
		if tx, err = a.serviceTx(); err != nil {
			return fileops.Written{}, err
		}
	}
	perm := src.mode
	if s.permSet {
		perm = s.perm
	}
	w, err := tx.WriteFile(a.ctx, e.Path, r, perm)
	if errors.Is(err, errIDMismatch) {
		return w, fmt.Errorf("%s: write %s: %w: %s: %w", src.origin, e.Path, ErrBundleNeeded, src.file, err)
	}
	if err != nil {
		return w, fmt.Errorf("%s: write %s: %w", src.origin, e.Path, err)
	}
	if objectDigest != nil {
		if got := hex.EncodeToString(objectDigest.Sum(nil)); w.Hash != src.hash || got != src.digest {
			return w, fmt.Errorf("%s: write %s: %w: the stored object %s does not hold the bytes recorded (MD5 %s, digest %s; found %s, %s): the store is damaged",
				src.origin, e.Path, ErrBundleNeeded, src.file, src.hash, src.digest, w.Hash, got)
		}
	}
	if src.hash != "" && w.Hash != src.hash {
		return w, fmt.Errorf("write %s: %w (the bundle content hashed to %s when planned, %s now)", e.Path, ErrStale, src.hash, w.Hash)
	}
	if src.realize {
		src.seen(at, w.Hash)
	}
	a.wrote(e, w)
	return w, nil
}

// open opens the bytes of a source for a write: a stored object through the
// transaction, anything else as the plan does.
func (a *applier) open(s *source) (io.ReadCloser, error) {
	if s.kind == fromStore {
		return a.tx.Open(s.file)
	}
	return a.p.open(s)
}

// open opens the bytes of a source: a bundle file, an archive entry or a file
// of the staging area. A stored object is opened by Apply only (the plan has
// its hash).
func (p *Plan) open(s *source) (io.ReadCloser, error) {
	switch {
	case s.kind == fromStore:
		return nil, fmt.Errorf("%s: the store is read while applying", s.key)
	case s.kind == fromEntry:
		return s.entry.Open()
	case s.staged:
		return os.Open(s.file)
	}
	return p.bundle.fsys.Open(s.file)
}

// restore copies a backup of the reverted deployment back (R131).
func (a *applier) restore(e *Entry, from string) (fileops.Written, error) {
	w, err := a.tx.Copy(a.ctx, from, e.Path)
	if err != nil {
		return w, fmt.Errorf("restore %s from %s: %w", e.Path, from, err)
	}
	a.wrote(e, w)
	return w, nil
}

// link makes a system-service run-level link (R174).
func (a *applier) link(e *Entry, target string) error {
	tx, err := a.serviceTx()
	if err != nil {
		return err
	}
	return tx.Symlink(target, e.Path)
}

// serviceTx returns the transaction of the system-service files, begun at the
// first of them: they are installed after the deployment committed (R172 step
// 8), all or none.
func (a *applier) serviceTx() (*journal.Tx, error) {
	if a.service != nil {
		return a.service, nil
	}
	tx, err := journal.Begin(a.ctx, a.p.Dest, journal.TxOptions{Kind: "system-service", ID: a.p.ID, Hook: testHook, Wait: a.p.lockWait})
	if err != nil {
		return nil, err
	}
	a.service = tx
	return tx, nil
}

// endService commits the system-service files, or undoes them after a failure
// of one of them.
func (a *applier) endService() error {
	if a.service == nil {
		return nil
	}
	tx := a.service
	a.service = nil
	a.service = tx
	if err := tx.Commit(); err != nil {
		if !errors.Is(err, journal.ErrCommitted) {
			return a.abortService(err)
		}
		a.warn(fmt.Sprintf("the system service is installed, but %v", err))
	}
	a.service = nil
	if err := tx.Finish(); err != nil {
		a.warn(fmt.Sprintf("the system service is installed, but cleaning up after it failed (the next operation, or `%s`, finishes it): %v", RecoverCommand(a.p.Dest), err))
	}
	return nil
}

// abortService undoes the system-service files installed so far after err.
func (a *applier) abortService(err error) error {
	if a.service != nil {
		switch aerr := a.service.Abort(); {
		case errors.Is(aerr, journal.ErrCommitted):
			err = fmt.Errorf("%w; the service files were installed all the same: %w", err, aerr)
		case aerr != nil:
			err = fmt.Errorf("%w; and undoing the service files installed so far failed: %w", err, aerr)
			a.servicePending = true
		}
		a.service = nil
	}
	return a.serviceError(err)
}

func (a *applier) serviceError(err error) error {
	name := ""
	if s := a.p.bundle.Recipe.Bundle.Unit.SystemService; s != nil {
		name = s.Name
	}
	return &HookError{Phase: "system-service", Target: name, Err: err}
}

// target runs a recipe target (R172 steps 3 and 9); a preinstall target that
// RunPreinstall ran already is not run again.
func (a *applier) target(s *step) error {
	if s.phase == phasePreinstall {
		if a.p.preinstalled {
			return nil
		}
		return a.p.hooks.run(a.ctx, "preinstall", s.name)
	}
	if err := a.endService(); err != nil {
		return err
	}
	return a.p.hooks.run(a.ctx, "postinstall", s.name)
}

// command runs a service package's install or uninstall command (seed:
// deployment.xml). A failed install runs the uninstall command and fails the
// deployment, which is then undone; a failed uninstall (purge) is reported and
// the package is removed all the same.
func (a *applier) command(sp *recipe.ServicePackage, phase string) error {
	res, err := runServiceCommand(a.ctx, sp, phase, a.p.Dest, a.p.emit)
	if phase == "uninstall" {
		switch {
		case err != nil:
			a.warn(err.Error())
		case res != nil:
			a.commands = append(a.commands, *res)
			if !res.Success {
				a.warn((&CommandError{Result: *res}).Error() + "; the package is removed all the same")
			}
		}
		return nil
	}
	if err != nil || res == nil {
		return err
	}
	a.commands = append(a.commands, *res)
	if res.Success {
		return nil
	}
	cerr := &CommandError{Result: *res}
	if un, err := runServiceCommand(a.ctx, sp, "uninstall", a.p.Dest, a.p.emit); err == nil && un != nil {
		a.commands = append(a.commands, *un)
		cerr.Uninstall = un
	}
	return cerr
}

// wrote notes what was written for an entry: the hash of content the plan did
// not hash, and the file's stat for the stat cache.
func (a *applier) wrote(e *Entry, w fileops.Written) {
	if e.outside {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if e.New == "" {
		a.hashes[e.Path] = w.Hash
	}
	if w.ContentDigest != "" && (e.New == "" || e.New == w.Hash) {
		a.wroteDigests[e.Path] = w.ContentDigest
	}
	if w.Info == nil {
		return
	}
	if a.p.modes != nil {
		a.owners[e.Path] = permsOf(w.Info)
	}
	if st, ok := statcache.Of(w.Info); ok {
		a.written[e.Path] = statcache.File{Stat: st, MD5: w.Hash}
	}
}

// encodeDigests returns the new deployment's digests record as its file
// holds it: the previous one's bytes when it records the same. That is
// checked a file at a time, without building the record: a redeployment
// that changed nothing would build 10,000 entries to throw them away.
func (a *applier) encodeDigests(recorded map[string]string) ([]byte, error) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	if a.p.digestsText != "" && a.sameDigests(recorded) {
		return []byte(a.p.digestsText), nil
	}
	d := make(metadata.Digests, len(recorded))
	for k, md5 := range recorded {
		if digest := a.digest(k, md5); digest != "" {
			d[k] = digest
		}
	}
	return metadata.EncodeDigests(d)
}

// sameDigests reports whether the new deployment's digests record (see
// digest) is the previous one's. a.mu must be held.
func (a *applier) sameDigests(recorded map[string]string) bool {
	n := 0
	for k, md5 := range recorded {
		digest := a.digest(k, md5)
		if digest == "" {
			continue
		}
		if a.p.digests[k] != digest {
			return false
		}
		n++
	}
	return n == len(a.p.digests)
}

// digest is the new deployment's record (see metadata.Digests) of the file
// k, whose map records md5: the digest of the content of that MD5, where
// known — written now, read by the rescan, or recorded by the previous
// deployment for the same content — or "". a.mu must be held.
func (a *applier) digest(k, md5 string) string {
	switch {
	case !isMD5(md5):
	case a.wroteDigests[k] != "":
		return a.wroteDigests[k]
	case a.p.scannedDigests[k] != "" && a.p.scanned[k].MD5 == md5:
		return a.p.scannedDigests[k]
	case a.p.digests[k] != "" && a.p.state.Hashes[k] == md5:
		return a.p.digests[k]
	}
	return ""
}

// recorded is the map the new deployment records: the entries' new hashes,
// and those of the files written whose hash the plan did not need.
func (a *applier) recorded() map[string]string {
	m := recorded(a.p.Entries)
	a.mu.RLock()
	defer a.mu.RUnlock()
	maps.Copy(m, a.hashes)
	return m
}

// metadataFiles are the paths record may write, for a program that records
// (none otherwise). The write phase reserves them with its own paths, so that
// the record phase needs no journal sync of its own; one that record then
// leaves alone (the previous properties of a first deployment, an unchanged
// stat cache) is harmless reserved.
func (p *Plan) metadataFiles() []string {
	if !slices.ContainsFunc(p.program, func(s *step) bool { return s.op == opRecord }) {
		return nil
	}
	id := p.props.ID
	files := append(metadata.RecordPaths(id), metadata.DigestsPath(id), cacheFile)
	if p.modes != nil {
		files = append(files, metadata.ModesPath(id))
	}
	if p.extras != nil {
		files = append(files, metadata.ExtrasPath(id))
	}
	return files
}

// record writes the new deployment's metadata (R28): its properties and map,
// the copy of the previous current file, and current-deployment.properties
// last.
func (a *applier) record() error {
	recorded := a.recorded()
	// The stat cache takes longest to encode, and the permissions are
	// encoded apart too: each on a goroutine of its own while the rest is,
	// from the start. The cache needs the new map's file only at its end
	// (its digest): it gets it once Record has encoded it, or nil.
	var hashes []byte
	encoded := make(chan struct{})
	cache := background(func() (*metadata.Write, error) {
		return a.encodeCache(recorded, func() []byte { <-encoded; return hashes })
	})
	defer cache() // on an error below too
	modes := background(func() ([]byte, error) {
		if a.p.modes == nil {
			return nil, nil
		}
		return a.encodeModes()
	})
	defer modes()
	writes, err := metadata.Record(a.p.state.State, a.p.props, recorded, time.Now())
	if err == nil {
		hashes = writes[slices.IndexFunc(writes, func(w metadata.Write) bool { return w.Name == metadata.HashesPath(a.p.props.ID) })].Data
	}
	close(encoded)
	if err != nil {
		return err
	}
	digests, err := a.encodeDigests(recorded)
	if err != nil {
		return err
	}
	writes = metadata.BeforeCurrent(writes, metadata.Write{Name: metadata.DigestsPath(a.p.props.ID), Data: digests})
	if a.p.extras != nil {
		e := *a.p.extras
		if a.p.content != nil {
			e.Dirs = slices.Compact(slices.Sorted(slices.Values(a.p.content.mkdirs)))
			e.IDAt, e.IDKnown, e.BundleNeeded = a.p.content.idRecord(recorded, e.BundleNeeded)
		}
		data, err := metadata.EncodeExtras(e)
		if err != nil {
			return err
		}
		writes = metadata.BeforeCurrent(writes, metadata.Write{Name: metadata.ExtrasPath(a.p.props.ID), Data: data})
	}
	m, err := modes()
	if err != nil {
		return err
	}
	if a.p.modes != nil {
		writes = metadata.BeforeCurrent(writes, metadata.Write{Name: metadata.ModesPath(a.p.props.ID), Data: m})
	}
	c, err := cache()
	if err != nil {
		return err
	}
	if c != nil {
		writes = metadata.BeforeCurrent(writes, *c)
	}
	// The new deployment's folder first, so that its files are reserved as
	// creations with one sync.
	names := make([]string, len(writes))
	dirs := make([]string, len(writes))
	for i, w := range writes {
		names[i], dirs[i] = w.Name, path.Dir(w.Name)
	}
	if err := a.tx.MkdirAll(dirs...); err != nil {
		return err
	}
	if err := a.tx.Reserve(names); err != nil {
		return err
	}
	for _, w := range writes {
		if _, err := a.tx.WriteFile(a.ctx, w.Name, fileops.Unhashed(bytes.NewReader(w.Data)), 0o644); err != nil {
			return fmt.Errorf("write deployment metadata %s: %w", w.Name, err)
		}
	}
	return nil
}

// errNoMap stops the encoding of a stat cache when the new map failed to
// encode (record returns that error).
var errNoMap = errors.New("the new map was not encoded")

// background starts f on a goroutine of its own and returns a function that
// waits for it and returns its results, however often it is called.
func background[T any](f func() (T, error)) func() (T, error) {
	wait := sync.OnceValues(f)
	go wait()
	return wait
}

// empty removes what else a fully purged destination holds (R138): files a
// service package's uninstall command made, and anything that appeared since
// the plan was made.
func (a *applier) empty() error {
	entries, err := a.tx.ReadDir("")
	if err != nil {
		return err
	}
	var names []string
	for _, e := range entries {
		if e.Name() != metadataDir {
			names = append(names, e.Name())
		}
	}
	return a.trashAll(names)
}

// trashAll trashes the paths at names, their journal records written and
// synced together first (one sync, not one per path).
func (a *applier) trashAll(names []string) error {
	if err := a.tx.Reserve(names); err != nil {
		return err
	}
	for _, name := range names {
		if err := a.tx.Trash(name); err != nil {
			return err
		}
	}
	return nil
}

// encodeCache returns the stat cache of the new deployment (see package
// internal/statcache): the stat and content hash of each file of its map, and
// the hashes of the bundle's files and archive entries; nil when the cache
// already on disk says the same. hashes returns the new map's file, or nil
// when it could not be encoded: the cache records its digest, so that a map
// changed since makes the cache void. It is written with the metadata (one
// journal sync for all), so it is undone with them.
func (a *applier) encodeCache(recorded map[string]string, hashes func() []byte) (*metadata.Write, error) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	records := func(sink cacheSink) {
		for k := range recorded {
			if f, ok := a.written[k]; ok {
				sink.file(k, f)
			} else if f, ok := a.p.scanned[k]; ok {
				sink.file(k, f)
			}
		}
		if a.p.content != nil {
			for k, s := range a.p.content.sources {
				hash := s.hash
				if hash == "" {
					hash = a.hashes[k]
				}
				s.cacheRecord(sink, hash)
			}
		}
		if old := a.p.cache; a.p.FromStore && old != nil {
			// A revert without the bundle reads none: what the cache knows
			// of the bundle it replaces stays true, and spares the next
			// deployment of that bundle reading all of it again.
			for k, f := range old.Bundle {
				sink.bundleFile(k, f)
			}
			for k, e := range old.Entries {
				sink.entry(k, e)
			}
		}
	}
	// Compared before the map's file is known, which is while it is encoded;
	// not at all once a file is written, which no cache recorded as it is.
	var same *sameCache
	if old := a.p.cache; old != nil && len(a.written) == 0 {
		same = &sameCache{old: old, same: true}
		records(same)
	}
	h := hashes()
	if h == nil {
		return nil, errNoMap
	}
	sum := sha256.Sum256(h)
	digest := hex.EncodeToString(sum[:])
	if same != nil && same.old.Digest == digest && same.complete() {
		// A redeployment that changed nothing: the cache stands as it is.
		return nil, nil
	}
	entries := 0
	if a.p.content != nil {
		entries = len(a.p.content.sources)
	}
	c := statcache.New(len(recorded), entries)
	c.ID, c.Digest = int32(a.p.ID), digest
	records(newCache{c})
	// Files changed from now on have a later change time than this. A file
	// written within statcache.Margin of it would be read again by the next
	// run: the large file a deployment finishes last would be hashed again in
	// full, so past settleBytes of such files the margin is waited out.
	if wait := statcache.Settle(maps.Values(a.written), time.Now().UnixNano(), settleBytes); wait > 0 {
		select {
		case <-time.After(wait):
		case <-a.ctx.Done():
			return nil, a.ctx.Err()
		}
	}
	c.Written = time.Now().UnixNano()
	return &metadata.Write{Name: cacheFile, Data: c.Append(nil)}, nil
}

// settleBytes is how much racily clean content is worth waiting up to
// statcache.Margin for: about what MD5 reads in that time.
const settleBytes = 16 << 20

// cacheSink receives the records of the stat cache a deployment writes.
type cacheSink interface {
	file(key string, f statcache.File)       // a destination file
	bundleFile(key string, f statcache.File) // a file of a directory bundle
	entry(key string, e statcache.Entry)     // an archive entry
}

// newCache builds the cache.
type newCache struct{ c *statcache.Cache }

func (n newCache) file(k string, f statcache.File)       { n.c.Files[k] = f }
func (n newCache) bundleFile(k string, f statcache.File) { n.c.Bundle[k] = f }
func (n newCache) entry(k string, e statcache.Entry)     { n.c.Entries[k] = e }

// sameCache checks, without building it, whether the cache would record
// what old records.
type sameCache struct {
	old                    *statcache.Cache
	same                   bool
	files, bundle, entries int
}

func (s *sameCache) file(k string, f statcache.File) {
	o, ok := s.old.Files[k]
	s.same = s.same && ok && f.Same(o)
	s.files++
}

func (s *sameCache) bundleFile(k string, f statcache.File) {
	o, ok := s.old.Bundle[k]
	s.same = s.same && ok && f.Same(o)
	s.bundle++
}

func (s *sameCache) entry(k string, e statcache.Entry) {
	o, ok := s.old.Entries[k]
	s.same = s.same && ok && e == o
	s.entries++
}

// complete reports whether every record was the same and none is missing.
func (s *sameCache) complete() bool {
	return s.same && s.files == len(s.old.Files) && s.bundle == len(s.old.Bundle) && s.entries == len(s.old.Entries)
}

// forget removes the metadata of a purged deployment (R138): everything in
// .rhqdeployments, the store of deployed content included, but the journal
// and the lock, which go when the operation ends.
func (a *applier) forget() error {
	names := []string{storeDir}
	entries, err := a.tx.ReadDir(metadataDir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	for _, e := range entries {
		if name := metadataDir + "/" + e.Name(); name != journal.Dir && name != journal.LockFile {
			names = append(names, name)
		}
	}
	return a.trashAll(names)
}
