// Package staging makes the private working directories of deployment
// plans: downloads, rebuilt archives, handover copies and a zip bundle
// extracted for its Ant targets live there, outside the destination.
//
// A staging directory is created 0700 in the system's temporary directory
// and marked with its owner's process id. It can hold realized files —
// passwords included — so New first removes the directories of processes
// that no longer run (killed, or the machine lost power).
package staging

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/bundlekit/bundlekit/internal/proc"
)

const stagingPrefix = "bundlekit-staging-"

// OwnerFile is the name of the marker NewPrivate puts in a directory: the
// process id of its owner.
const OwnerFile = ".owner"

// Area is one staging directory. Its methods are not safe for concurrent use.
type Area struct {
	dir string
	n   int // names handed out
}

// New makes a plan's staging directory (0700) in the system's temporary
// directory, marked with this process's id. Staging can hold realized files —
// passwords included — so the directories of processes that died without
// cleaning up (killed, or the machine lost power) are removed first.
func New() (*Area, error) {
	dir, err := NewPrivate(stagingPrefix)
	if err != nil {
		return nil, fmt.Errorf("create staging directory: %w", err)
	}
	return &Area{dir: dir}, nil
}

// NewPrivate makes a new directory (0700) named with prefix in the system's
// temporary directory, marked with this process's id, after removing those
// of the same prefix whose process no longer runs (see SweepPrefix). The
// marker is a file named OwnerFile in it; Disown removes it.
func NewPrivate(prefix string) (string, error) {
	SweepPrefix(os.TempDir(), prefix)
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, OwnerFile), []byte(strconv.Itoa(os.Getpid())), 0o600); err != nil {
		return "", errors.Join(err, os.RemoveAll(dir))
	}
	return dir, nil
}

// Disown removes the marker NewPrivate put in dir, so that no sweep ever
// removes dir: for a directory kept on purpose, past its process.
func Disown(dir string) error {
	err := os.Remove(filepath.Join(dir, OwnerFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// Path returns a new path in the area for a file called name (a base name),
// in a directory of its own below kind, so that two files of the same name
// never meet. Nothing is created.
func (a *Area) Path(kind, name string) string {
	a.n++
	return filepath.Join(a.dir, kind, strconv.Itoa(a.n), filepath.Base(name))
}

// Save copies r into the new file p (from Path), making its directory.
func (a *Area) Save(r io.Reader, p string) error {
	f, err := a.Create(p)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Create creates the new file p (from Path), making its directory.
func (a *Area) Create(p string) (*os.File, error) {
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return nil, err
	}
	return os.OpenFile(p, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
}

// Extract copies every directory and regular file of fsys into a new
// directory of the area called name, and returns it.
func (a *Area) Extract(fsys fs.FS, name string) (string, error) {
	dir := filepath.Join(a.dir, name)
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		to := filepath.Join(dir, filepath.FromSlash(p))
		if d.IsDir() {
			return os.MkdirAll(to, 0o700)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		f, err := fsys.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		return a.Save(f, to)
	})
	return dir, err
}

// Remove removes the area and everything in it. It may be called more than
// once.
func (a *Area) Remove() error {
	if a == nil || a.dir == "" {
		return nil
	}
	err := os.RemoveAll(a.dir)
	a.dir = ""
	return err
}

// Sweep removes the staging directories under tmp whose owner process no
// longer runs (SweepPrefix of the staging directories' prefix).
func Sweep(tmp string) { SweepPrefix(tmp, stagingPrefix) }

// SweepPrefix removes the directories under tmp named with prefix whose
// owner process, as NewPrivate marked it, no longer runs. A directory
// without a readable owner (being created, disowned, or not ours) is left
// alone.
func SweepPrefix(tmp, prefix string) {
	entries, err := os.ReadDir(tmp)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), prefix) {
			continue
		}
		dir := filepath.Join(tmp, e.Name())
		data, err := os.ReadFile(filepath.Join(dir, OwnerFile))
		if err != nil {
			continue
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
		if err != nil || pid <= 0 || pid == os.Getpid() || proc.Alive(pid) {
			continue
		}
		os.RemoveAll(dir)
	}
}
