package bundle

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/bundlekit/bundlekit/fileops"
	"github.com/bundlekit/bundlekit/internal/locate"
	"github.com/bundlekit/bundlekit/internal/statcache"
)

// fsDisk is the destination as planning sees it, read through package locate:
// relative keys through the destination's os.Root, external keys through their
// parent directory.
type fsDisk struct {
	roots *locate.Roots
	dest  bool // the destination exists
	// walk lists the destination's directories (nil when it does not exist).
	walk *dirStacks
}

// openDisk opens dest for reading; a destination that does not exist reads as
// empty.
func openDisk(dest string) (fsDisk, func(), error) {
	roots := locate.New(locate.Options{CacheParents: true})
	d, err := fileops.OpenDir(dest)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return fsDisk{}, nil, err
	default:
		if err := roots.SetMain(d.Path(), d, false); err != nil {
			d.Close()
			return fsDisk{}, nil, err
		}
	}
	disk := fsDisk{roots: roots, dest: d != nil}
	if d != nil {
		disk.walk = &dirStacks{root: d}
	}
	return disk, func() {
		if disk.walk != nil {
			disk.walk.close()
		}
		roots.Close()
		if d != nil {
			d.Close()
		}
	}, nil
}

// dirStacks lists the destination's directories for walks, on as many
// goroutines as call it (see dirStack).
type dirStacks struct {
	root *fileops.Dir
	mu   sync.Mutex
	free []*dirStack // the stacks no listing is using
}

// list returns the entries of the relative directory key ("" for the
// destination). It lists with the free stack that holds the most of key's
// ancestors open, or a new one, so that goroutines walking different
// subtrees each keep their own.
func (s *dirStacks) list(key string) ([]fs.DirEntry, error) {
	if key == "" {
		return s.root.ReadDir("")
	}
	s.mu.Lock()
	best, depth := -1, -1
	for i, st := range s.free {
		if n := st.holds(key); n > depth {
			best, depth = i, n
		}
	}
	var st *dirStack
	if best < 0 {
		st = &dirStack{root: s.root}
	} else {
		st = s.free[best]
		s.free = slices.Delete(s.free, best, best+1)
	}
	s.mu.Unlock()
	entries, err := st.list(key)
	s.mu.Lock()
	s.free = append(s.free, st)
	s.mu.Unlock()
	return entries, err
}

func (s *dirStacks) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, st := range s.free {
		st.pop(0)
	}
	s.free = nil
}

// dirStack keeps open the directories from the destination down to the last
// one listed, each opened through its parent: a depth-first walk then opens
// each directory once, by its name, instead of resolving its whole path from
// the destination, and holds as many handles as the tree is deep. One
// goroutine uses it at a time.
type dirStack struct {
	root *fileops.Dir
	keys []string // keys[i] is a directory in keys[i-1] (keys[0] in root)
	dirs []*fileops.Dir
}

// holds returns how many of the open directories lead to key.
func (s *dirStack) holds(key string) int {
	n := 0
	for n < len(s.keys) && (key == s.keys[n] || strings.HasPrefix(key, s.keys[n]+"/")) {
		n++
	}
	return n
}

// list returns the entries of the relative directory key, not "". It opens
// the directories down to key's parent and lists key through it: key itself
// is kept open only once a listing below it needs it, so a directory without
// subdirectories costs one open, not two.
func (s *dirStack) list(key string) ([]fs.DirEntry, error) {
	// Keep the open directories that lead to key, close the others.
	n := s.holds(key)
	s.pop(n)
	cur, at := s.root, ""
	if n > 0 {
		cur, at = s.dirs[n-1], s.keys[n-1]
	}
	for at != key {
		name := key[len(at):]
		if at != "" {
			name = name[1:]
		}
		name, _, _ = strings.Cut(name, "/")
		next := path.Join(at, name)
		if next == key {
			entries, err := cur.ReadDir(name)
			if err != nil && !errors.Is(err, fs.ErrNotExist) {
				return s.root.ReadDir(key) // as below
			}
			return entries, err
		}
		sub, err := cur.Sub(name)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, err
			}
			// A link to another directory of the destination, which a
			// handle on its parent cannot follow: from the destination.
			return s.root.ReadDir(key)
		}
		s.keys, s.dirs = append(s.keys, next), append(s.dirs, sub)
		cur, at = sub, next
	}
	return cur.ReadDir("")
}

// pop closes the directories above the first n.
func (s *dirStack) pop(n int) {
	for _, d := range s.dirs[n:] {
		d.Close()
	}
	s.keys, s.dirs = s.keys[:n], s.dirs[:n]
}

// resolve locates key; ok is false for a relative key of a destination that
// does not exist.
func (f fsDisk) resolve(key string) (loc locate.Loc, ok bool, err error) {
	if !isExternal(key) && !f.dest {
		return locate.Loc{}, false, nil
	}
	loc, err = f.roots.Resolve(key, false)
	return loc, err == nil, err
}

func (f fsDisk) readDir(dir string) ([]dirEntry, error) {
	var entries []fs.DirEntry
	if f.walk != nil && !isExternal(dir) {
		var err error
		if entries, err = f.walk.list(dir); err != nil {
			return nil, err
		}
	} else {
		loc, ok, err := f.resolve(dir)
		if !ok {
			return nil, err
		}
		if entries, err = loc.Dir.ReadDir(loc.Name); err != nil {
			return nil, err
		}
	}
	out := make([]dirEntry, 0, len(entries))
	for _, e := range entries {
		// A symbolic link is an entry of its own, never followed (GO of R78).
		de := dirEntry{name: e.Name(), isDir: e.Type().IsDir()}
		if e.Type().IsRegular() {
			// The stat, relative to the listed directory, for the stat cache
			// and the mode decisions.
			if fi, err := e.Info(); err == nil {
				de.st, de.stOK = statcache.Of(fi)
				de.perm = permsOf(fi)
			}
		}
		out = append(out, de)
	}
	return out, nil
}

func (f fsDisk) lstat(key string) (dirEntry, bool, error) {
	loc, ok, err := f.resolve(key)
	if !ok {
		if errors.Is(err, fs.ErrNotExist) {
			err = nil
		}
		return dirEntry{}, false, err
	}
	fi, err := loc.Dir.Lstat(loc.Name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return dirEntry{}, false, nil
	case err != nil:
		return dirEntry{}, false, err
	}
	e := dirEntry{name: fi.Name(), isDir: fi.IsDir()}
	if fi.Mode().IsRegular() {
		e.st, e.stOK = statcache.Of(fi)
		e.perm = permsOf(fi)
	}
	return e, true, nil
}

// open opens the file at key for reading.
func (f fsDisk) open(key string) (io.ReadCloser, error) {
	loc, ok, err := f.resolve(key)
	if !ok {
		if err == nil {
			err = fs.ErrNotExist
		}
		return nil, err
	}
	return loc.Dir.Open(loc.Name)
}

func (f fsDisk) stat(key string) (bool, bool, error) {
	loc, ok, err := f.resolve(key)
	if !ok {
		if errors.Is(err, fs.ErrNotExist) {
			err = nil
		}
		return false, false, err
	}
	fi, err := loc.Dir.Lstat(loc.Name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return false, false, nil
	case err != nil:
		return false, false, err
	}
	return true, fi.IsDir(), nil
}

func (f fsDisk) hash(key string) (string, error) {
	loc, ok, err := f.resolve(key)
	if !ok {
		if err == nil {
			err = fs.ErrNotExist
		}
		return "", err
	}
	return hashEntry(loc.Dir, loc.Name)
}

// hashFiles hashes the files of one directory through one handle to it, so
// a file costs no walk from the destination's root: groups of files of one
// directory are hashed on every core. A symbolic link, and a file reached
// otherwise (an external one), gets its MD5 whatever digests asks for.
func (f fsDisk) hashFiles(ctx context.Context, keys []string, digests fileops.Digests) []fileops.FileHash {
	out := make([]fileops.FileHash, len(keys))
	groups := groupByDir(keys)
	forEach(len(groups), func(g int) {
		group := groups[g]
		if err := ctx.Err(); err != nil {
			for _, i := range group {
				out[i].Err = err
			}
			return
		}
		sub, owned := f.subDir(keys[group[0]])
		if sub == nil {
			for _, i := range group {
				out[i].MD5, out[i].Err = f.hash(keys[i])
			}
			return
		}
		if owned {
			defer sub.Close()
		}
		names := make([]string, len(group))
		for j, i := range group {
			names[j] = path.Base(keys[i])
		}
		for j, h := range sub.HashFiles(names, digests) {
			if h.Err == nil && h.MD5 == "" && h.ContentDigest == "" {
				h.MD5 = linkHash(h.Link)
			}
			out[group[j]] = h
		}
	})
	return out
}

// subDir returns a handle on the directory of the relative key, and whether
// the caller must close it; nil when key is external or the directory cannot
// be opened: the caller then goes through hash, which reports why.
func (f fsDisk) subDir(key string) (*fileops.Dir, bool) {
	if isExternal(key) || f.walk == nil {
		return nil, false
	}
	dir := path.Dir(key)
	if dir == "." {
		return f.walk.root, false
	}
	sub, err := f.walk.root.Sub(dir)
	if err != nil {
		return nil, false
	}
	return sub, true
}

// hashEntry hashes a regular file by content and a symbolic link by its target
// text, so a link is never followed out of the destination and a changed target
// is still seen as a change. Any other kind of file is an error wrapping
// fileops.ErrIrregular.
func hashEntry(d *fileops.Dir, name string) (string, error) {
	fi, err := d.Lstat(name)
	if err != nil {
		return "", err
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		target, err := d.Readlink(name)
		if err != nil {
			return "", err
		}
		return linkHash(target), nil
	}
	if !fi.Mode().IsRegular() {
		// Opening a named pipe blocks until a writer comes, and a device may
		// never end: such a file cannot be hashed (R56), so it is never opened.
		return "", fmt.Errorf("%w: %s", fileops.ErrIrregular, fi.Mode().Type())
	}
	return d.HashFile(name)
}

// linkHash is the hash of a symbolic link with this target.
func linkHash(target string) string {
	h, _, _ := fileops.Hash(bytes.NewReader([]byte("symlink:" + target)))
	return h
}
