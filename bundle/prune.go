package bundle

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"time"

	"github.com/bundlekit/bundlekit/fileops"
	"github.com/bundlekit/bundlekit/internal/journal"
	"github.com/bundlekit/bundlekit/internal/metadata"
	"github.com/bundlekit/bundlekit/internal/statcache"
)

// PruneOptions describe a prune.
type PruneOptions struct {
	// Keep is how many deployments to keep, at least 1: the current one and
	// those before it, newest first (see Prune).
	Keep int
	// DryRun reports what would be removed, and changes nothing.
	DryRun bool
	// LockWait: see Options.LockWait.
	LockWait time.Duration
}

// PruneReport says what a prune removed, or in a dry run would remove.
type PruneReport struct {
	Dest   string `json:"destination"`
	DryRun bool   `json:"dryRun"`
	// Kept are the deployments kept whole, newest first: the current one
	// first.
	Kept []int `json:"kept"`
	// KeptForRevert is the current deployment's previous one when it is
	// not among Kept: its record stays, for a revert to it, and its backups
	// go.
	KeptForRevert *int `json:"keptForRevert,omitempty"`
	// Removed are the folders removed: whole deployment folders, and the
	// backup folders of KeptForRevert.
	Removed []PrunedFolder `json:"removed"`
	// Objects are the stored objects removed: those no kept deployment
	// needs.
	Objects []PrunedObject `json:"objects"`
	// Bytes is what the prune frees in all: the sizes of the files
	// removed, counted as DiskUsage counts them.
	Bytes int64 `json:"bytesFreed"`
	// Recovered says what was done with an unfinished operation found
	// first.
	Recovered Recovery `json:"recovered,omitempty"`
	// Warnings: the prune is complete, but cleaning up after it failed.
	Warnings []string `json:"warnings,omitempty"`
}

// PrunedFolder is a folder a prune removes.
type PrunedFolder struct {
	// ID is the deployment the folder belongs to.
	ID int `json:"id"`
	// Path is the folder, relative to the destination with "/".
	Path  string `json:"path"`
	Bytes int64  `json:"bytes"`
}

// PrunedObject is a stored object a prune removes.
type PrunedObject struct {
	// Digest is the object's name in the store: the content digest of its
	// bytes (fileops.ContentDigest, their SHA-256 up to 4 MiB only), or
	// their whole SHA-256 if an older bundlekit stored it.
	Digest string `json:"digest"`
	Bytes  int64  `json:"bytes"`
}

// Prune removes what the destination keeps of old deployments (issue 14):
// RHQ keeps every deployment's folder — its metadata and backups — for ever
// (R26, R133), and bundlekit's store keeps what each operation replaced.
// Prune keeps opts.Keep deployments, newest first — the current one, then
// each one's previous deployment (R26), then any other folder by descending
// id — and removes the folders of the others. It never removes what a revert
// needs: the current deployment's folder (its backups are what a revert
// restores, R131), and the record of its previous deployment, which a revert
// without the bundle rebuilds; with Keep 1 only that deployment's backups go.
// A stored object stays while a kept deployment's record names it: the
// files the operation that recorded it replaced, and the files of the
// current deployment's previous one.
//
// RHQ still reads what remains: the current deployment, its folder and its
// previous one's. A kept deployment's previous-deployment.properties may name
// a folder that is gone, which RHQ only reads as a properties file (R26).
//
// Prune runs under the destination's lock, after recovering an unfinished
// operation, as one journaled operation: the folders and objects are moved
// to the journal's trash and deleted once it commits, so a prune killed at
// any point is completed or undone by the next operation, as any other. With
// DryRun it changes nothing and takes no lock. Errors are those of the other
// operations: a Keep below 1 or a destination without a deployment wrap
// ErrInvalidInput; a failure once it began is an *OperationError.
func Prune(ctx context.Context, dest string, opts PruneOptions) (*PruneReport, error) {
	if opts.Keep < 1 {
		return nil, invalid(fmt.Errorf("keep %d: want the number of deployments to keep, 1 or more", opts.Keep))
	}
	dir, err := hostDir(dest)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	dest = dir.String()
	lock, recovered, err := settle(ctx, dest, opts.LockWait, !opts.DryRun)
	if err != nil {
		return nil, err
	}
	rep, keys, err := planPrune(ctx, dest, opts)
	if err != nil || opts.DryRun || len(keys) == 0 {
		if lock != nil {
			lock.Unlock()
		}
		if rep != nil {
			rep.Recovered = recovered
		}
		return rep, err
	}
	rep.Recovered = recovered
	return rep, applyPrune(ctx, dest, lock, opts, rep, keys)
}

// planPrune decides what a prune removes, and returns the keys to trash.
func planPrune(ctx context.Context, dest string, opts PruneOptions) (*PruneReport, []string, error) {
	d, err := fileops.OpenDir(dest)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, invalid(fmt.Errorf("%s: %w: it does not exist", dest, ErrNotManaged))
	}
	if err != nil {
		return nil, nil, fmt.Errorf("open destination: %w", err)
	}
	defer d.Close()
	st, err := metadata.Load(d.FS(), d.Path())
	switch {
	case err != nil:
		return nil, nil, err
	case st.Damaged != nil:
		return nil, nil, st.Damaged
	case !st.Managed:
		return nil, nil, invalid(fmt.Errorf("%s: %w (%v): there is nothing to prune", dest, ErrNotManaged, st.Reason))
	}
	hist := history(st)
	rep := &PruneReport{Dest: dest, DryRun: opts.DryRun, Removed: []PrunedFolder{}, Objects: []PrunedObject{}}
	kept := map[int32]bool{}
	for _, id := range hist[:min(opts.Keep, len(hist))] {
		kept[id] = true
		rep.Kept = append(rep.Kept, int(id))
	}
	prev, hasPrev := previousOf(st, st.Current.ID)
	usage := newUsage(d.FS())
	var keys []string
	remove := func(id int32, key string) error {
		n, err := usage.size(key)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil
		case err != nil:
			return err
		}
		rep.Removed = append(rep.Removed, PrunedFolder{ID: int(id), Path: key, Bytes: n})
		rep.Bytes += n
		keys = append(keys, key)
		return nil
	}
	for _, id := range hist {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		switch {
		case kept[id]:
		case hasPrev && id == prev:
			p := int(id)
			rep.KeptForRevert = &p
			for _, key := range []string{metadata.BackupDir(id), metadata.ExtBackupDir(id)} {
				if err := remove(id, key); err != nil {
					return nil, nil, err
				}
			}
		default:
			if err := remove(id, metadata.IDDir(id)); err != nil {
				return nil, nil, err
			}
		}
	}
	fsDisk, closeDisk, err := openDisk(dest)
	if err != nil {
		return nil, nil, err
	}
	defer closeDisk()
	needed := set{}
	for id := range kept {
		if e := loadExtras(fsDisk, id); e != nil {
			for _, digest := range e.Stored {
				needed[digest] = true
			}
		}
	}
	if hasPrev {
		digests, _ := readDigests(fsDisk, prev)
		for _, digest := range digests {
			needed[digest] = true
		}
	}
	objects, err := listObjects(d)
	if err != nil {
		return nil, nil, err
	}
	for _, prefix := range slices.Sorted(maps.Keys(objects)) {
		all := !objects[prefix].other
		var gone []string
		for _, o := range objects[prefix].objects {
			if needed[o.digest] {
				all = false
				continue
			}
			rep.Objects = append(rep.Objects, PrunedObject{Digest: o.digest, Bytes: o.size})
			rep.Bytes += o.size
			gone = append(gone, objectKey(o.digest))
		}
		if all {
			gone = []string{objectsDir + "/" + prefix}
		}
		keys = append(keys, gone...)
	}
	return rep, keys, nil
}

// applyPrune moves keys to the journal's trash and commits; lock is held.
func applyPrune(ctx context.Context, dest string, lock *journal.DestLock, opts PruneOptions, rep *PruneReport, keys []string) error {
	tx, err := journal.Begin(ctx, dest, journal.TxOptions{Kind: "prune", Hook: testHook, Wait: opts.LockWait, Lock: lock, RecoverFirst: true})
	if err != nil {
		return stopped(dest, err)
	}
	undo := func(err error) error {
		switch aerr := tx.Abort(); {
		case errors.Is(aerr, journal.ErrCommitted):
			return &OperationError{Dest: dest, Outcome: OutcomeCompleted, Err: err, Undo: aerr}
		case aerr != nil:
			return needsRecovery(dest, err, aerr)
		}
		return &OperationError{Dest: dest, Outcome: OutcomeRolledBack, Err: err}
	}
	if err := tx.Reserve(keys); err != nil {
		return undo(err)
	}
	for _, key := range keys {
		if err := ctx.Err(); err != nil {
			return undo(err)
		}
		if err := tx.Trash(key); err != nil {
			return undo(fmt.Errorf("prune %s: %w", key, err))
		}
	}
	if err := tx.Commit(); err != nil {
		if !errors.Is(err, journal.ErrCommitted) {
			return undo(err)
		}
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("%s: %v; the prune is complete, but a power cut before the disk writes the record back could undo it", dest, err))
	}
	if err := tx.Finish(); err != nil {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("%s: the prune is complete, but deleting what it removed failed (the next operation, or `%s`, finishes it): %v", dest, RecoverCommand(dest), err))
	}
	return nil
}

// history returns the deployments recorded in st, newest first: the current
// one, then each one's previous deployment (R26) while its folder exists,
// then the other folders by descending id.
func history(st *metadata.State) []int32 {
	exists := map[int32]bool{}
	for _, id := range st.IDs {
		exists[id] = true
	}
	var out []int32
	seen := map[int32]bool{}
	for id, ok := st.Current.ID, st.Managed; ok && exists[id] && !seen[id]; id, ok = previousOf(st, id) {
		seen[id] = true
		out = append(out, id)
	}
	for _, id := range slices.Backward(st.IDs) {
		if !seen[id] {
			out = append(out, id)
		}
	}
	return out
}

// previousOf returns the deployment that id's previous-deployment.properties
// names, when it names one whose folder exists.
func previousOf(st *metadata.State, id int32) (int32, bool) {
	p, ok, err := st.Previous(id)
	if err != nil || !ok || !slices.Contains(st.IDs, p.ID) {
		return 0, false
	}
	return p.ID, true
}

// object is a stored object as listed.
type object struct {
	digest string // its name
	size   int64
}

// objectDir is a folder of the store: the objects it holds, and whether it
// holds anything else.
type objectDir struct {
	objects []object
	other   bool
}

// listObjects lists the store's objects by the folder holding them (the
// first two digits of their digest).
func listObjects(d *fileops.Dir) (map[string]*objectDir, error) {
	prefixes, err := d.ReadDir(objectsDir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list the store: %w", err)
	}
	out := map[string]*objectDir{}
	for _, p := range prefixes {
		if !p.IsDir() {
			continue
		}
		entries, err := d.ReadDir(objectsDir + "/" + p.Name())
		if err != nil {
			return nil, fmt.Errorf("list the store: %w", err)
		}
		od := &objectDir{}
		for _, e := range entries {
			fi, err := e.Info()
			if err != nil || !fi.Mode().IsRegular() || !isObjectName(e.Name()) || e.Name()[:2] != p.Name() {
				od.other = true
				continue
			}
			od.objects = append(od.objects, object{digest: e.Name(), size: fi.Size()})
		}
		out[p.Name()] = od
	}
	return out, nil
}

// usage sums the sizes of the files below folders of the destination: a
// folder or file measured once is skipped by the measures that follow (so a
// deployment's folder is measured without the backups measured first), and
// a file linked twice is counted once where the system says so.
type usage struct {
	fsys fs.FS
	done map[string]bool
	seen map[uint64]bool
}

func newUsage(fsys fs.FS) *usage {
	return &usage{fsys: fsys, done: map[string]bool{}, seen: map[uint64]bool{}}
}

// size returns the bytes of the regular files at or below key not counted
// yet; a missing key is fs.ErrNotExist.
func (u *usage) size(key string) (int64, error) {
	if _, err := fs.Lstat(u.fsys, key); err != nil {
		return 0, err
	}
	var n int64
	err := fs.WalkDir(u.fsys, key, func(p string, e fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case u.done[p] && e.IsDir():
			return fs.SkipDir
		case u.done[p] || !e.Type().IsRegular():
			return nil
		}
		fi, err := e.Info()
		if err != nil {
			return err
		}
		if st, ok := statcache.Of(fi); ok {
			if u.seen[st.Ino] {
				return nil
			}
			u.seen[st.Ino] = true
		}
		n += fi.Size()
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("measure %s: %w", key, err)
	}
	u.done[key] = true
	return n, nil
}
