package ant

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"strings"

	"github.com/bundlekit/bundlekit/fileops"
	"github.com/bundlekit/bundlekit/internal/locate"
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
	// l releases dir when it was opened for this loc alone.
	l locate.Loc
}

// join returns the loc of rel, a clean "/"-separated path below l.
func (l loc) join(rel string) loc {
	if rel == "" {
		return l
	}
	return loc{abs: filepath.Join(l.abs, filepath.FromSlash(rel)), dir: l.dir, name: path.Join(l.name, rel)}
}

func (l loc) close() { l.l.Close() }

// locate routes the absolute path abs to the directory its operations go
// through (package locate does it for the whole engine):
//
//  1. a path at or below the deploy directory or the project's base
//     directory goes through that directory's fileops.Dir (the deeper of the
//     two when one contains the other), opened once per Project, with the
//     relative rest as the name, so it cannot leave that directory, not even
//     through a symbolic link;
//  2. any other path goes through its parent directory, opened for this one
//     operation, and only the last element is confined.
//
// With create, a missing deploy directory (case 1) or parent directory (case
// 2) is created; without it, a missing one is an error wrapping
// fs.ErrNotExist. The caller closes the loc.
func (p *Project) locate(abs string, create bool) (loc, error) {
	if ref := unresolved(abs); ref != "" {
		return loc{}, fmt.Errorf("%w: path %s refers to the property %s, which is not set", ErrUnresolved, abs, ref)
	}
	if err := p.sh.roots.AddRoot(p.basedir, nil, false); err != nil {
		return loc{}, err
	}
	l, err := p.sh.roots.Locate(abs, create)
	if err != nil {
		return loc{}, err
	}
	return loc{abs: abs, dir: l.Dir, name: l.Name, l: l}, nil
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
		if _, ok := locate.Within(abs, r.dir); ok {
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
