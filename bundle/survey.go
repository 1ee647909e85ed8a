package bundle

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"runtime"
	"slices"
	"sync"

	"github.com/bundlekit/bundlekit/destination"
	"github.com/bundlekit/bundlekit/fileops"
	"github.com/bundlekit/bundlekit/internal/metadata"
	"github.com/bundlekit/bundlekit/internal/readall"
	"github.com/bundlekit/bundlekit/internal/statcache"
	"github.com/bundlekit/bundlekit/recipe"
)

// The I/O side of planning a deployment: what the destination holds, read so
// that the pure decisions (decideUpdate, decideInitial) can be made.

// decide reads the destination and decides every path of a deployment or a
// revert.
func (p *Plan) decide(ctx context.Context, sv *survey, kind Kind) ([]*Entry, error) {
	disk := sv.disk
	if !p.state.Managed {
		p.Initial = true
		return p.surveyInitial(ctx, disk, p.content.files())
	}
	next := p.content.next()
	if err := sv.wait(); err != nil {
		return nil, err
	}
	if fileops.UnixPermissions && p.content != nil {
		sv.startModes(p.state.Current.ID) // for decideModes, which needs content
	}
	prev := int(p.state.Current.ID)
	p.Previous = &prev
	orig := sv.orig
	var ext []string
	for k := range next {
		if isExternal(k) {
			ext = append(ext, k)
		}
	}
	p.cache, p.digests, p.digestsText = sv.cache, sv.digests, sv.digestsText
	var proof map[string]string // content digests that prove the recorded MD5s
	if p.verify {
		proof = p.digests
	}
	scan, err := sv.walked.finish(ctx, disk, orig, sv.ignore, ext, p.cache, proof, p.verify)
	if err != nil {
		return nil, err
	}
	p.scanned, p.scannedDigests = scan.files, scan.digests
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	present, err := presentDirs(disk, p.content.mkdirs, scan.hashes)
	if err != nil {
		return nil, err
	}
	// The new content is compared with what was recorded and what is on
	// disk: only those paths need its hash now.
	var compared []*source
	for k, s := range p.content.sources {
		if _, inO := orig[k]; inO || scan.hashes[k] != "" {
			compared = append(compared, s)
		}
	}
	if err := p.hashSources(ctx, compared); err != nil {
		return nil, err
	}
	for _, s := range compared {
		next[s.key] = s.hash
	}
	entries := decideUpdate(update{orig: orig, scan: scan, next: next, clean: p.Clean,
		mkdirs: p.content.mkdirs, present: present, backup: p.backupLoc, content: p.content})
	if err := p.predictDeleteErrors(disk, entries); err != nil {
		return nil, err
	}
	if p.Clean {
		if entries, err = clearTargets(disk, entries, next, scan.skipped); err != nil {
			return nil, err
		}
	}
	if kind == KindRevert {
		if entries, err = p.planRestores(ctx, disk, prev, entries); err != nil {
			return nil, err
		}
	}
	return entries, nil
}

// survey is what Plan learns of a destination that holds a deployment
// before it knows the new content: the previous map with its directories,
// the stat cache and the walk. startSurvey begins it on other goroutines, so
// the walk's system calls overlap with building the content.
type survey struct {
	disk      fsDisk
	closeDisk func()
	ignore    matcher
	done      sync.WaitGroup
	// Set on the survey's goroutines; read after wait.
	orig        map[string]string
	cache       *statcache.Cache
	digests     metadata.Digests
	digestsText string
	walked      *walked
	err         error
	// modes is the current deployment's record of permissions, read on a
	// goroutine of its own (startModes) until modesRead is closed.
	modes     modesRecord
	modesRead chan struct{}
}

// startSurvey opens the destination and, when it holds a deployment, starts
// walking it, until ctx is done. The caller must call close.
func (p *Plan) startSurvey(ctx context.Context, ignore *recipe.Matcher) (*survey, error) {
	disk, closeDisk, err := openDisk(p.Dest)
	if err != nil {
		return nil, err
	}
	sv := &survey{disk: disk, closeDisk: closeDisk}
	if ignore != nil {
		sv.ignore = ignore
	}
	if !p.state.Managed {
		return sv, nil
	}
	full := p.Compliance == recipe.Full
	sv.orig = withDirs(p.state.Hashes)
	sv.done.Go(func() {
		sv.cache = loadCache(disk, p.state)
		sv.digests, sv.digestsText = loadDigests(disk, p.state)
	})
	sv.done.Go(func() { sv.walked, sv.err = walkDest(ctx, disk, sv.orig, sv.ignore, full) })
	return sv, nil
}

// wait returns when the survey is complete.
func (sv *survey) wait() error {
	sv.done.Wait()
	return sv.err
}

// seen is what the walk listed (nil when there was no walk), by key.
func (sv *survey) seen() map[string]dirEntry {
	if sv.walked == nil {
		return nil
	}
	return sv.walked.seen
}

// startModes begins reading the permissions deployment id recorded, on a
// goroutine of its own: the core that walked the destination is free again
// while this one decides the paths.
func (sv *survey) startModes(id int32) {
	sv.modesRead = make(chan struct{})
	go func() {
		defer close(sv.modesRead)
		sv.modes = readModes(sv.disk, id)
	}()
}

// previousModes returns the permissions deployment id recorded: what
// startModes read, or read now if it was not started.
func (sv *survey) previousModes(id int32) modesRecord {
	if sv.modesRead == nil {
		return readModes(sv.disk, id)
	}
	<-sv.modesRead
	return sv.modes
}

// close waits for the survey and closes the destination.
func (sv *survey) close() {
	sv.done.Wait()
	if sv.modesRead != nil {
		<-sv.modesRead
	}
	sv.closeDisk()
}

// presentDirs returns the archive directory entries (R97) that exist on disk
// as directories but that the rescan did not record (a directory it does not
// record, or a name it does not scan).
func presentDirs(d disk, dirs []string, scanned map[string]string) (set, error) {
	out := set{}
	for _, dir := range dirs {
		if _, ok := scanned[dir]; ok {
			continue
		}
		exists, isDir, err := d.stat(dir)
		if err != nil {
			return nil, err
		}
		if exists && isDir {
			out[dir] = true
		}
	}
	return out, nil
}

// gone reports whether the steps of an entry remove its path before the
// write phase.
func (e *Entry) gone() bool {
	return e.has(opStash) || e.has(opTrash) || e.has(opDeleteDir) && e.Error == ""
}

// predictDeleteErrors finds the directories of the delete set that will still
// hold something when their turn comes (an ignored file, a directory the scan
// does not record, a nested deployment's metadata), so that the plan reports
// the errors of R92 step 2 as the real run does; RHQ's dry run pretends those
// deletes succeed.
func (p *Plan) predictDeleteErrors(d disk, entries []*Entry) error {
	// The index is built for the first directory deleted: most plans delete
	// none.
	var idx map[string]*Entry
	for _, e := range slices.Backward(entries) { // children before their parents
		if !e.has(opDeleteDir) {
			continue
		}
		if idx == nil {
			idx = byPath(entries)
		}
		exists, isDir, err := d.stat(e.Path)
		if err != nil {
			return err
		}
		if !exists || !isDir {
			continue
		}
		children, err := d.readDir(e.Path)
		if err != nil {
			return err
		}
		for _, c := range children {
			if child := idx[path.Join(e.Path, c.name)]; child == nil || !child.gone() {
				e.Error = fmt.Sprintf("File [%s] did not delete", p.dir.Native(destination.Path{Rel: e.Path}))
				break
			}
		}
	}
	return nil
}

// clearTargets adds what a clean purge removes beyond the decisions (R95):
// everything on disk that the bundle does not write and the earlier steps do
// not remove — but directories named .rhqdeployments at any depth (a
// directory holding one is emptied around it) and the unrelated top-level
// names of filesAndDirectories. A directory of N is kept and cleared inside.
func clearTargets(d disk, entries []*Entry, next map[string]string, skipped set) ([]*Entry, error) {
	idx := byPath(entries)
	var walk func(dir string) error
	walk = func(dir string) error {
		children, err := d.readDir(dir)
		if err != nil {
			return err
		}
		for _, c := range children {
			k := path.Join(dir, c.name)
			e := idx[k]
			switch {
			case c.isDir && c.name == metadataDir:
			case dir == "" && skipped[c.name]:
			case e != nil && e.gone():
			case next[k] == markDir && c.isDir:
				if err := walk(k); err != nil {
					return err
				}
			case next[k] != "" && next[k] != markDir:
				// Written, or already holding the new bytes.
			case c.isDir:
				nested, err := holdsMetadata(d, k)
				if err != nil {
					return err
				}
				if nested {
					if err := walk(k); err != nil {
						return err
					}
					continue
				}
				fallthrough
			default:
				if e == nil {
					e = &Entry{Path: k, Action: ActionDelete, Rule: "R95", Dir: c.isDir}
					entries = append(entries, e)
					idx[k] = e
				}
				e.add(step{op: opTrash, phase: phaseClear})
			}
		}
		return nil
	}
	if err := walk(""); err != nil {
		return nil, err
	}
	return entries, nil
}

// holdsMetadata reports whether a .rhqdeployments directory lies below dir (a
// bundle deployed into a subdirectory of this one).
func holdsMetadata(d disk, dir string) (bool, error) {
	children, err := d.readDir(dir)
	if err != nil {
		return false, err
	}
	for _, c := range children {
		if !c.isDir {
			continue
		}
		if c.name == metadataDir {
			return true, nil
		}
		if found, err := holdsMetadata(d, path.Join(dir, c.name)); err != nil || found {
			return found, err
		}
	}
	return false, nil
}

// surveyInitial reads what a first deployment displaces and decides it (§5).
func (p *Plan) surveyInitial(ctx context.Context, d disk, files map[string]string) ([]*Entry, error) {
	dirs := ancestors(files)
	for dir := range dirs {
		delete(files, dir) // a file key that holds others is a directory (R82)
	}
	in := initialDeploy{full: p.Compliance == recipe.Full, backup: p.backupLoc, next: files, dirs: dirs,
		current: map[string]string{}, cleared: map[string]bool{}, mkdirs: p.content.mkdirs, present: set{}, content: p.content}
	top, err := d.readDir("")
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	// wiped tells the paths the first deployment's wipe removes anyway.
	var wiped func(string) bool
	if in.full {
		if in.existing, err = listFiles(ctx, d, ""); err != nil {
			return nil, err
		}
		for _, e := range top {
			if e.name != metadataDir {
				in.cleared[e.name] = e.isDir
			}
		}
		wiped = func(string) bool { return true }
		if len(in.existing) > 0 {
			p.Warnings = append(p.Warnings, fmt.Sprintf("compliance is full: the %d file(s) already in %s are moved to the backup of deployment %d and removed", len(in.existing), p.Dest, p.ID))
		}
	} else {
		managed := set{}
		for _, name := range slices.Sorted(maps.Keys(p.content.managedDirs)) {
			exists, isDir, err := d.stat(name)
			if err != nil {
				return nil, err
			}
			if !exists || !isDir {
				continue
			}
			managed[name] = true
			files, err := listFiles(ctx, d, name)
			if err != nil {
				return nil, err
			}
			in.existing = append(in.existing, files...)
			children, err := d.readDir(name)
			if err != nil {
				return nil, err
			}
			for _, c := range children {
				in.cleared[name+"/"+c.name] = c.isDir
			}
		}
		wiped = func(k string) bool { return managed[topName(k)] }
	}
	// Files already at the new paths that survive the wipe are hashed, so that
	// identical ones are not rewritten (R63).
	for k := range in.next {
		if isExternal(k) || wiped(k) {
			continue
		}
		exists, isDir, err := d.stat(k)
		if err != nil || !exists || isDir {
			continue
		}
		if h, err := d.hash(k); err == nil {
			in.current[k] = h
		}
	}
	current := make([]*source, 0, len(in.current))
	for k := range in.current {
		current = append(current, p.content.sources[k])
	}
	if err := p.hashSources(ctx, current); err != nil {
		return nil, err
	}
	for _, s := range current {
		in.next[s.key] = s.hash
	}
	for _, dir := range in.mkdirs {
		if wiped(dir) {
			continue
		}
		if exists, isDir, err := d.stat(dir); err == nil && exists && isDir {
			in.present[dir] = true
		}
	}
	return decideInitial(in), nil
}

// planRestores adds the restores of a revert (R131): every backup of the
// deployment being reverted is copied back over what the update left.
func (p *Plan) planRestores(ctx context.Context, d disk, prev int, entries []*Entry) ([]*Entry, error) {
	idx := byPath(entries)
	restore := func(key, from string) error {
		h, err := d.hash(from)
		if err != nil {
			return fmt.Errorf("read backup %s: %w", from, err)
		}
		e := idx[key]
		if e == nil {
			e = &Entry{Path: key}
			entries = append(entries, e)
			idx[key] = e
		}
		e.Action, e.Rule, e.New = ActionRestore, "R131", h
		e.add(step{op: opRestore, phase: phaseRestore, from: from, shown: p.dir.Native(destination.Path{Rel: from})})
		return nil
	}
	backup := metadata.BackupDir(int32(prev))
	files, err := listFiles(ctx, d, backup)
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		if err := restore(f[len(backup)+1:], f); err != nil {
			return nil, err
		}
	}
	extDir := metadata.ExtBackupDir(int32(prev))
	extFiles, err := listFiles(ctx, d, extDir)
	if err != nil {
		return nil, err
	}
	for _, f := range extFiles {
		key, ok := metadata.ExternalKey(f[len(extDir)+1:]), true
		if runtime.GOOS == "windows" {
			key, ok = metadata.ExternalKeyWindows(f[len(extDir)+1:])
		}
		if !ok {
			continue
		}
		if err := restore(key, f); err != nil {
			return nil, err
		}
	}
	return entries, nil
}

// cacheFile is the stat cache of the current deployment (see package
// internal/statcache), beside RHQ's metadata, which RHQ never reads.
const cacheFile = metadataDir + "/.bundlekit-cache"

// loadDigests reads the digests record of the current deployment, and its
// text: nil when there is none or it is damaged, which only costs a
// verification time.
func loadDigests(d fsDisk, st *state) (metadata.Digests, string) {
	if !st.Managed {
		return nil, ""
	}
	return readDigests(d, st.Current.ID)
}

// readDigests reads the digests record of deployment id, and its text: nil
// when there is none, it is damaged, or it is of another format — an older
// bundlekit's, whose whole-file SHA-256 are not content digests past 4 MiB
// (metadata.ErrDigestsFormat).
func readDigests(d fsDisk, id int32) (metadata.Digests, string) {
	rc, err := d.open(metadata.DigestsPath(id))
	if err != nil {
		return nil, ""
	}
	defer rc.Close()
	text, err := readall.String(rc)
	if err != nil {
		return nil, ""
	}
	digests, err := metadata.ParseDigests(text)
	if err != nil {
		return nil, ""
	}
	return digests, text
}

// loadCache reads the stat cache of the current deployment: nil when there is
// none, it cannot be read, or it was recorded for another map (RHQ deployed
// since, or the metadata changed).
func loadCache(d fsDisk, st *state) *statcache.Cache {
	if !st.Managed {
		return nil
	}
	rc, err := d.open(cacheFile)
	if err != nil {
		return nil
	}
	c, err := statcache.Decode(rc)
	rc.Close()
	if err != nil {
		return nil
	}
	if c.Digest != st.HashesDigest() {
		return nil
	}
	return c
}
