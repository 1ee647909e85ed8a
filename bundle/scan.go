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
	"strings"
	"sync"
	"sync/atomic"

	"github.com/bundlekit/bundlekit/fileops"
	"github.com/bundlekit/bundlekit/internal/statcache"
)

// metadataDir is RHQ's metadata folder (R13); every walk skips a directory of this
// name at any depth (R31, R74).
const metadataDir = ".rhqdeployments"

// disk is the read-only view of a destination that the scan needs. Plan gives it
// the real destination through fileops; tests give it a map.
type disk interface {
	// readDir lists the entries of dir ("" is the destination itself) in name
	// order. Symbolic links are listed as files (GO of R78).
	readDir(dir string) ([]dirEntry, error)
	// stat tells whether key (relative, or absolute for an external file)
	// exists and whether it is a directory.
	stat(key string) (exists, isDir bool, err error)
	// lstat describes key as readDir describes an entry.
	lstat(key string) (e dirEntry, exists bool, err error)
	// hash returns the MD5 of the file at key.
	hash(key string) (string, error)
	// hashFiles returns the digests of each key, hashing on every core. A
	// key may get its MD5 whatever digests asks for (a symbolic link: the
	// MD5 of its target's text, as hash gives it). Once ctx is done, the
	// keys not hashed yet get its error.
	hashFiles(ctx context.Context, keys []string, digests fileops.Digests) []fileops.FileHash
}

type dirEntry struct {
	name  string
	isDir bool
	// st identifies the file for the stat cache; stOK says whether it can.
	st   statcache.Stat
	stOK bool
	// perm: a regular file's permissions, for the mode decisions.
	perm perms
}

// matcher is the part of a recipe's rhq:ignore the scan uses; a nil matcher
// ignores nothing.
type matcher interface {
	Match(path string) bool
	MatchDir(path string) bool
}

// UnknownHashError is R56: files whose hash could not be computed during the
// rescan. The upgrade stops before changing anything.
type UnknownHashError struct {
	// Paths maps each path to the reason it could not be read.
	Paths map[string]string
}

func (e *UnknownHashError) Error() string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(e.Paths)) {
		parts = append(parts, k+": "+e.Paths[k])
	}
	return "failed to properly rescan the current deployment: " + strings.Join(parts, "; ")
}

// scanUpdate computes C for an upgrade (R70–R78): every key of orig (with
// directories) rechecked, the destination walked for additions. full is the
// NEW deployment's compliance (R68). nextExternal are the external keys of N,
// for R85. The destination is walked once, each directory listed once with
// the stat of its entries; the files are then hashed on every core, except
// those cache (nil to trust nothing) proves unchanged. Once ctx is done, the
// scan stops at the next directory or group of files, with its error.
func scanUpdate(ctx context.Context, d disk, orig map[string]string, ignore matcher, full bool, nextExternal []string, cache *statcache.Cache) (rescan, error) {
	w, err := walkDest(ctx, d, orig, ignore, full)
	if err != nil {
		return rescan{}, err
	}
	return w.finish(ctx, d, orig, ignore, nextExternal, cache, nil, false)
}

// walked is the first half of a rescan: the destination listed, nothing
// hashed yet. It needs neither the new content nor the stat cache, so Plan
// walks while it builds them.
type walked struct {
	r    rescan
	seen map[string]dirEntry // every path the walk visited
}

// walkDest lists the destination for scanUpdate, checking ctx before each
// directory.
func walkDest(ctx context.Context, d disk, orig map[string]string, ignore matcher, full bool) (*walked, error) {
	r := rescan{
		hashes: make(map[string]string, len(orig)), changes: set{}, deletions: set{}, additions: set{},
		ignored: set{}, skipped: set{}, extExists: set{}, files: make(map[string]statcache.File, len(orig)), digests: map[string]string{},
	}
	ignored := func(p string, dir bool) bool {
		if ignore == nil || isExternal(p) {
			return false
		}
		if dir {
			return ignore.MatchDir(p)
		}
		return ignore.Match(p)
	}
	// R75: in filesAndDirectories mode only related top-level names are walked.
	related := set{}
	for k := range orig {
		if !isExternal(k) {
			related[topName(k)] = true
		}
	}
	seen := make(map[string]dirEntry, len(orig))
	var mu sync.Mutex // guards r and seen
	// visit lists dir and records its entries; it returns the directories
	// to descend into.
	visit := func(dir string) ([]string, error) {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("rescan %s: %w", displayDir(dir), err)
		}
		entries, err := d.readDir(dir)
		if err != nil {
			return nil, fmt.Errorf("rescan %s: %w", displayDir(dir), err)
		}
		var subdirs []string
		mu.Lock()
		defer mu.Unlock()
		for _, e := range entries {
			p := path.Join(dir, e.name)
			switch {
			case e.isDir && e.name == metadataDir:
				continue // R74
			case dir == "" && !full && !related[e.name]:
				r.skipped[e.name] = true // R75
				continue
			case ignored(p, e.isDir):
				r.ignored[p] = true // R71: top-most match, not descended into
				continue
			}
			seen[p] = e
			_, known := orig[p]
			if e.isDir {
				if !known && full {
					r.hashes[p] = markDir // R73
					r.additions[p] = true
				}
				subdirs = append(subdirs, p)
				continue
			}
			if !known {
				r.additions[p] = true
			}
		}
		return subdirs, nil
	}
	if err := walkTree(visit); err != nil {
		return nil, err
	}
	return &walked{r: r, seen: seen}, nil
}

// finish rechecks and hashes what w found: the second half of scanUpdate.
// With verify, no stat is trusted and every file is read again; a file that
// proof (the current deployment's digests record) has a digest for is
// proved by that faster digest (see hashAll).
func (w *walked) finish(ctx context.Context, d disk, orig map[string]string, ignore matcher, nextExternal []string, cache *statcache.Cache, proof map[string]string, verify bool) (rescan, error) {
	r, seen := w.r, w.seen
	// R70, R76: recheck every known key, from what the walk saw or, for an
	// external key and a path the walk did not reach, on its own.
	unknown := map[string]string{}
	// A file whose stat the cache proves is settled here, in the map's
	// order; the others are read, in key order.
	var pending []string
	for k, o := range orig {
		if ignore != nil && !isExternal(k) && ignore.Match(k) {
			r.ignored[k] = true
			continue
		}
		e, walked := seen[k]
		exists := walked
		if !walked {
			var err error
			if e, exists, err = d.lstat(k); err != nil {
				unknown[k] = err.Error()
				continue
			}
		}
		switch {
		case !exists:
			r.hashes[k] = markDeleted
			r.deletions[k] = true
		case e.isDir:
			r.hashes[k] = markDir
			if o != markDir {
				r.changes[k] = true
			}
		default:
			if !walked {
				seen[k] = e
			}
			if rec, ok := cache.File(k, e.st, e.stOK); ok && !verify {
				r.hashes[k] = rec.MD5
				r.files[k] = statcache.File{Stat: e.st, MD5: rec.MD5} // e.stOK: the cache trusts no other
				if o != rec.MD5 {
					r.changes[k] = true
				}
				continue
			}
			pending = append(pending, k)
		}
	}
	slices.Sort(pending)
	// The files to read (and the additions), with the stat the walk (or an
	// lstat) saw of each, whether the cache could use it, and the recorded
	// hashes, side by side. An addition is in no cache: the cache records
	// the files of the map it is valid for.
	size := len(pending) + len(r.additions)
	toHash, files, stOK := make([]string, 0, size), make([]statcache.File, 0, size), make([]bool, 0, size)
	recorded := make([]string, 0, len(pending))
	for _, k := range pending {
		e := seen[k]
		toHash, recorded = append(toHash, k), append(recorded, orig[k])
		files, stOK = append(files, statcache.File{Stat: e.st}), append(stOK, e.stOK)
	}
	known := len(toHash)
	for _, k := range slices.Sorted(maps.Keys(r.additions)) {
		if e := seen[k]; !e.isDir {
			toHash = append(toHash, k)
			files, stOK = append(files, statcache.File{Stat: e.st}), append(stOK, e.stOK)
		}
	}
	digests, errs := hashAll(ctx, d, toHash, files, orig, proof)
	if err := ctx.Err(); err != nil {
		return rescan{}, fmt.Errorf("rescan: %w", err) // not R56: the files were not read
	}
	for i, k := range toHash {
		if errs[i] != nil {
			unknown[k] = errs[i].Error() // R56
			continue
		}
		r.hashes[k] = files[i].MD5
		if stOK[i] {
			r.files[k] = files[i]
		}
		if digests[i] != "" {
			r.digests[k] = digests[i]
		}
		if i < known && recorded[i] != files[i].MD5 {
			r.changes[k] = true
		}
	}
	if len(unknown) > 0 {
		return rescan{}, &UnknownHashError{Paths: unknown}
	}
	for _, k := range nextExternal {
		if _, known := orig[k]; known {
			continue
		}
		exists, isDir, err := d.stat(k)
		if err != nil {
			return rescan{}, fmt.Errorf("check external file %s: %w", k, err)
		}
		if exists && !isDir {
			r.extExists[k] = true
		}
	}
	return r, nil
}

// hashAll reads the files at keys, which the stat cache does not prove (or
// which verify reads anyway), and sets the MD5 of each in files; it returns
// their content digests (fileops.ContentDigest) and errors. A file that proof
// has a digest for is hashed for its content digest only, about twice as
// fast as MD5 here and, past 8 MiB, on every core: when that digest matches,
// it is the file the previous deployment recorded, so its MD5 is the
// recorded one, orig's; when it does not, it is hashed again with MD5.
func hashAll(ctx context.Context, d disk, keys []string, files []statcache.File, orig, proof map[string]string) ([]string, []error) {
	digests := make([]string, len(keys))
	errs := make([]error, len(keys))
	var both, byDigest []int
	for i, k := range keys {
		if proof[k] != "" && isMD5(orig[k]) {
			byDigest = append(byDigest, i)
			continue
		}
		both = append(both, i)
	}
	read := func(at []int, want fileops.Digests) {
		keysAt := make([]string, len(at))
		for j, i := range at {
			keysAt[j] = keys[i]
		}
		for j, h := range d.hashFiles(ctx, keysAt, want) {
			i := at[j]
			files[i].MD5, digests[i], errs[i] = h.MD5, h.ContentDigest, h.Err
		}
	}
	read(byDigest, fileops.DigestContent)
	for _, i := range byDigest {
		switch k := keys[i]; {
		case errs[i] != nil || files[i].MD5 != "":
		case digests[i] == proof[k]:
			files[i].MD5 = orig[k]
		default:
			both = append(both, i) // not the recorded file
		}
	}
	read(both, fileops.DigestMD5|fileops.DigestContent)
	return digests, errs
}

func displayDir(dir string) string {
	if dir == "" {
		return "the destination"
	}
	return dir
}

// listFiles returns every regular file (and symbolic link) under dir, skipping
// directories named .rhqdeployments (R58, R61); it checks ctx before each
// directory.
func listFiles(ctx context.Context, d disk, dir string) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("list %s: %w", displayDir(dir), err)
	}
	var out []string
	entries, err := d.readDir(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	for _, e := range entries {
		p := path.Join(dir, e.name)
		switch {
		case e.isDir && e.name == metadataDir:
		case e.isDir:
			sub, err := listFiles(ctx, d, p)
			if err != nil {
				return nil, err
			}
			out = append(out, sub...)
		default:
			out = append(out, p)
		}
	}
	return out, nil
}

// groupByDir splits the indexes of keys into groups of keys of one
// directory, in order: work spread over the cores a directory at a time, so
// that one directory's handle serves a group, and two cores do not contend
// for one directory (creating a file in it locks it). A group holds at most
// 64 keys, so a large directory still spreads over every core.
func groupByDir(keys []string) [][]int {
	const size = 64
	var groups [][]int
	filling := map[string]int{} // directory → its group being filled
	for i, k := range keys {
		dir := path.Dir(k)
		g, ok := filling[dir]
		if !ok || len(groups[g]) == size {
			g = len(groups)
			groups = append(groups, nil) // grown as filled: most directories hold a few keys
			filling[dir] = g
		}
		groups[g] = append(groups[g], i)
	}
	return groups
}

// walkTree calls visit for "" and for every directory a visit returns,
// until every one is visited or one fails, on as many goroutines as there
// are cores (at most maxWalkers): listing a directory and stating its
// entries are system calls that wait on the kernel, not on each other. The
// directories wait in a stack, so each goroutine goes depth first and the
// directories a disk keeps open on the way down serve the next ones. The
// error is the first visit's to fail; once it is recorded no visit starts
// (those already running finish).
func walkTree(visit func(dir string) ([]string, error)) error {
	var (
		mu      sync.Mutex
		ready   = sync.NewCond(&mu)
		stack   = []string{""}
		pending = 1 // directories pushed and not yet visited
		first   error
	)
	worker := func() {
		mu.Lock()
		defer mu.Unlock()
		for {
			for len(stack) == 0 && pending > 0 && first == nil {
				ready.Wait()
			}
			if pending == 0 || first != nil {
				return
			}
			dir := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			mu.Unlock()
			subdirs, err := visit(dir)
			mu.Lock()
			if err != nil && first == nil {
				first = err
			}
			// Pushed in reverse, so that the first in name order is next.
			for i := len(subdirs) - 1; i >= 0; i-- {
				stack = append(stack, subdirs[i])
			}
			pending += len(subdirs) - 1
			ready.Broadcast()
		}
	}
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), maxWalkers) - 1 {
		wg.Go(worker)
	}
	worker()
	wg.Wait()
	return first
}

// maxWalkers bounds the goroutines of a walk; past a few, listing is bound
// by the file system, not by waiting.
const maxWalkers = 4

// forEach calls f(0) … f(n-1) on at most GOMAXPROCS goroutines at once and
// returns when all calls have returned.
func forEach(n int, f func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := range n {
			f(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				f(i)
			}
		})
	}
	wg.Wait()
}

// isMD5 tells a recorded hash from a marker (every marker starts with "?";
// the map was checked when it was read).
func isMD5(v string) bool { return len(v) == 32 && v[0] != '?' }
