// Package locate routes a path to the directory handle every operation on it
// goes through: the one place where a destination key or an absolute path is
// turned into a fileops.Dir and a name inside it. Rule numbers (R8) refer to
// docs/behavior.md in the module.
//
// # Contract
//
// A Roots holds a set of root directories, each opened once through
// fileops (an os.Root). A path at or below a root goes through that root's
// Dir, with the rest of the path as the name, so it cannot leave the root —
// not even through a symbolic link. Any other absolute path goes through
// fileops.OpenParent: its parent directory is opened and only its last
// element is confined, the audited case of an external destination (R8).
//
// A key is what the deployment engine calls a path: relative, "/"-separated
// and clean for a path inside the destination (the main root), or absolute
// for an external file (R86). Resolve accepts both; Locate accepts absolute
// paths only.
//
// Parents of external paths are opened per call by default, so a directory
// removed and made again between two calls is never reached through a stale
// handle. A Roots made with CacheParents opens each parent once; its owner
// promises not to remove and remake those directories while it uses it.
package locate

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"strings"
	"sync"

	"github.com/bundlekit/bundlekit/fileops"
)

// Roots routes paths to directory handles. It is safe for concurrent use.
type Roots struct {
	main  string // the root relative keys are in; "" when there is none
	cache bool

	mu      sync.Mutex
	roots   []*root
	parents map[string]*fileops.Dir // external parents, when cached
}

type root struct {
	path   string
	dir    *fileops.Dir // nil until first used
	create bool         // create the directory when it is first used for a write
	owned  bool         // opened by Roots, closed by Close
}

// Options configure a Roots.
type Options struct {
	// CacheParents keeps the parent directories of external paths open
	// until Close.
	CacheParents bool
}

// New returns an empty Roots.
func New(opts Options) *Roots {
	return &Roots{cache: opts.CacheParents, parents: map[string]*fileops.Dir{}}
}

// AddRoot registers the absolute directory dirPath as a root. d is its
// handle, or nil to open it when it is first used (and, when create is set,
// to create it then if a write needs it). A path below several roots goes
// through the deepest.
func (r *Roots) AddRoot(dirPath string, d *fileops.Dir, create bool) error {
	if !filepath.IsAbs(dirPath) {
		return fmt.Errorf("locate: root %q is not an absolute path", dirPath)
	}
	dirPath = filepath.Clean(dirPath)
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, rt := range r.roots {
		if rt.path == dirPath {
			if rt.dir == nil {
				rt.dir = d
			}
			return nil
		}
	}
	r.roots = append(r.roots, &root{path: dirPath, dir: d, create: create})
	return nil
}

// SetMain registers the root that relative keys are in (see AddRoot).
func (r *Roots) SetMain(dirPath string, d *fileops.Dir, create bool) error {
	if err := r.AddRoot(dirPath, d, create); err != nil {
		return err
	}
	r.mu.Lock()
	r.main = filepath.Clean(dirPath)
	r.mu.Unlock()
	return nil
}

// Loc is where one path lives: the directory handle and the name inside it.
type Loc struct {
	// Dir is the handle every operation on the path goes through.
	Dir *fileops.Dir
	// Name is the path inside Dir, "/"-separated; "" is Dir itself.
	Name string
	// Abs is the path as the operating system spells it, for messages.
	Abs string
	// External is set for a path outside every root.
	External bool
	own      bool
}

// Close releases the handle when it was opened for this Loc alone.
func (l Loc) Close() {
	if l.own {
		l.Dir.Close()
	}
}

// Resolve locates a key: a relative key in the main root, an absolute one as
// Locate does. create makes a missing root or external parent directory.
func (r *Roots) Resolve(key string, create bool) (Loc, error) {
	if isAbs(key) {
		return r.Locate(filepath.FromSlash(key), create)
	}
	r.mu.Lock()
	main := r.main
	r.mu.Unlock()
	if main == "" {
		return Loc{}, fmt.Errorf("locate: %q is relative and there is no main root", key)
	}
	if key != "" && (path.Clean(key) != key || !fs.ValidPath(key)) {
		return Loc{}, &fs.PathError{Op: "locate", Path: key, Err: fileops.ErrUnsafePath}
	}
	d, err := r.rootDir(main, create)
	if err != nil {
		return Loc{}, err
	}
	return Loc{Dir: d, Name: key, Abs: d.Path() + string(filepath.Separator) + filepath.FromSlash(key)}, nil
}

// Locate routes the clean absolute path abs: through the deepest root that
// holds it, or else through its parent directory, opened (and with create,
// made) for it.
func (r *Roots) Locate(abs string, create bool) (Loc, error) {
	if !filepath.IsAbs(abs) || filepath.Clean(abs) != abs {
		return Loc{}, &fs.PathError{Op: "locate", Path: abs, Err: fmt.Errorf("%w: not a clean absolute path", fileops.ErrUnsafePath)}
	}
	r.mu.Lock()
	var best *root
	rel := ""
	for _, rt := range r.roots {
		if best != nil && len(rt.path) <= len(best.path) {
			continue
		}
		if rr, ok := Within(rt.path, abs); ok {
			best, rel = rt, rr
		}
	}
	r.mu.Unlock()
	if best != nil {
		d, err := r.rootDir(best.path, create)
		if err != nil {
			return Loc{}, err
		}
		return Loc{Dir: d, Name: rel, Abs: abs}, nil
	}
	return r.external(abs, create)
}

func (r *Roots) external(abs string, create bool) (Loc, error) {
	parent := filepath.Dir(abs)
	if r.cache {
		r.mu.Lock()
		d := r.parents[parent]
		r.mu.Unlock()
		if d != nil {
			return Loc{Dir: d, Name: filepath.Base(abs), Abs: abs, External: true}, nil
		}
	}
	d, base, err := fileops.OpenParent(abs, create)
	if err != nil {
		return Loc{}, err
	}
	if !r.cache {
		return Loc{Dir: d, Name: base, Abs: abs, External: true, own: true}, nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if prev := r.parents[parent]; prev != nil {
		d.Close()
		d = prev
	} else {
		r.parents[parent] = d
	}
	return Loc{Dir: d, Name: base, Abs: abs, External: true}, nil
}

// rootDir returns the handle of the registered root dirPath, opening it the
// first time (creating it, with create, when it was registered so).
func (r *Roots) rootDir(dirPath string, create bool) (*fileops.Dir, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var rt *root
	for _, x := range r.roots {
		if x.path == dirPath {
			rt = x
		}
	}
	if rt == nil {
		return nil, fmt.Errorf("locate: %s is not a root", dirPath)
	}
	if rt.dir != nil {
		return rt.dir, nil
	}
	open := fileops.OpenDir
	if create && rt.create {
		open = fileops.CreateDir
	}
	d, err := open(rt.path)
	if err != nil {
		return nil, err
	}
	rt.dir, rt.owned = d, true
	return d, nil
}

// Close releases every handle Roots opened. Handles given to AddRoot stay
// open.
func (r *Roots) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	var errs []error
	for _, rt := range r.roots {
		if rt.owned && rt.dir != nil {
			errs = append(errs, rt.dir.Close())
			rt.dir, rt.owned = nil, false
		}
	}
	for p, d := range r.parents {
		errs = append(errs, d.Close())
		delete(r.parents, p)
	}
	return errors.Join(errs...)
}

// Within reports whether abs is root or below it, and the rest of the path,
// "/"-separated ("" for root itself). Both are clean absolute paths.
func Within(root, abs string) (string, bool) {
	rel, err := filepath.Rel(root, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || filepath.IsAbs(rel) {
		return "", false
	}
	if rel == "." {
		return "", true
	}
	return filepath.ToSlash(rel), true
}

// isAbs reports whether a key is absolute: "/x" anywhere, and on Windows a
// drive letter or a UNC path as well.
func isAbs(key string) bool {
	return strings.HasPrefix(key, "/") || filepath.IsAbs(filepath.FromSlash(key))
}
