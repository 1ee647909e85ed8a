package ant

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"strings"

	"github.com/bundlekit/bundlekit/fileops"
)

// resolve turns a path attribute into a clean absolute path, as Ant's
// Project.resolveFile does: "/" and "\" both separate elements, a relative
// path is relative to the project's basedir, and "." and ".." are resolved
// lexically.
func (p *Project) resolve(raw string) string {
	s := filepath.FromSlash(strings.ReplaceAll(raw, `\`, "/"))
	if !filepath.IsAbs(s) {
		s = filepath.Join(p.basedir, s)
	}
	return filepath.Clean(s)
}

// loc is a resolved path and the fileops.Dir every operation on it goes
// through.
type loc struct {
	// abs is the clean absolute path, for messages and comparisons.
	abs string
	dir *fileops.Dir
	// name is the path inside dir, "/"-separated; "" is dir itself.
	name string
	// own is set when dir was opened for this loc alone and must be closed.
	own bool
}

// join returns the loc of rel, a clean "/"-separated path below l.
func (l loc) join(rel string) loc {
	if rel == "" {
		return l
	}
	return loc{abs: filepath.Join(l.abs, filepath.FromSlash(rel)), dir: l.dir, name: path.Join(l.name, rel)}
}

func (l loc) close() {
	if l.own {
		l.dir.Close()
	}
}

// locate routes the absolute path abs to the directory its operations go
// through:
//
//  1. a path at or below the deploy directory or the project's base
//     directory goes through that directory's fileops.Dir (the deeper of the
//     two when one contains the other), opened once per Project, with the
//     relative rest as the name, so it cannot leave that directory, not even
//     through a symbolic link;
//  2. any other path goes through fileops.OpenParent: its parent directory is
//     opened for this one operation and only the last element is confined.
//
// With create, a missing deploy directory (case 1) or parent directory (case
// 2) is created; without it, a missing one is an error wrapping
// fs.ErrNotExist. The caller closes the loc.
func (p *Project) locate(abs string, create bool) (loc, error) {
	if ref := unresolved(abs); ref != "" {
		return loc{}, fmt.Errorf("%w: path %s refers to the property %s, which is not set", ErrUnresolved, abs, ref)
	}
	root, rel := "", ""
	for _, r := range []string{p.sh.env.DeployDir, p.basedir} {
		if r == "" || len(r) <= len(root) {
			continue
		}
		if rr, ok := within(r, abs); ok {
			root, rel = r, rr
		}
	}
	if root != "" {
		d, err := p.sh.root(root, create && root == p.sh.env.DeployDir)
		if err != nil {
			return loc{}, err
		}
		return loc{abs: abs, dir: d, name: rel}, nil
	}
	d, base, err := fileops.OpenParent(abs, create)
	if err != nil {
		return loc{}, err
	}
	return loc{abs: abs, dir: d, name: base, own: true}, nil
}

// unresolved returns the first ${name} reference left in s, or "".
func unresolved(s string) string {
	i := strings.Index(s, "${")
	if i < 0 {
		return ""
	}
	j := strings.IndexByte(s[i:], '}')
	if j < 0 {
		return ""
	}
	return s[i : i+j+1]
}

// within reports whether abs is root or below it, and the rest of the path,
// "/"-separated ("" for root itself).
func within(root, abs string) (string, bool) {
	rel, err := filepath.Rel(root, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", false
	}
	if rel == "." {
		return "", true
	}
	return filepath.ToSlash(rel), true
}

// root returns the Dir of a root directory, opening it (creating it with
// create) the first time.
func (s *shared) root(dir string, create bool) (*fileops.Dir, error) {
	if d := s.roots[dir]; d != nil {
		return d, nil
	}
	open := fileops.OpenDir
	if create {
		open = fileops.CreateDir
	}
	d, err := open(dir)
	if err != nil {
		return nil, err
	}
	s.roots[dir] = d
	s.owned = append(s.owned, d)
	return d, nil
}

// protect refuses to remove or move away abs when it is the deploy directory,
// a base directory, or a directory containing one of them: the deployment and
// its metadata, or the bundle being deployed, would go with it.
func (p *Project) protect(abs string) error {
	for _, r := range []struct{ what, dir string }{
		{"deploy directory", p.sh.env.DeployDir},
		{"bundle directory", p.sh.env.Basedir},
		{"base directory", p.basedir},
	} {
		if r.dir == "" {
			continue
		}
		if _, ok := within(abs, r.dir); ok {
			return fmt.Errorf("%w: %s is the %s %s or contains it", ErrProtected, abs, r.what, r.dir)
		}
	}
	return nil
}

// stat describes l, following a symbolic link (inside its directory) as
// Ant's File methods do. A link that cannot be followed is reported as
// missing.
func (l loc) stat() (fs.FileInfo, error) {
	fi, err := l.dir.Lstat(l.name)
	if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		return fi, err
	}
	f, err := l.dir.Open(l.name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", l.abs, fs.ErrNotExist)
	}
	defer f.Close()
	return f.Stat()
}

// statPath locates and describes an absolute path; a missing path (or
// missing root) is an error wrapping fs.ErrNotExist.
func (p *Project) statPath(abs string) (fs.FileInfo, error) {
	l, err := p.locate(abs, false)
	if err != nil {
		return nil, err
	}
	defer l.close()
	return l.stat()
}

func notExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }
