package main

import (
	"archive/zip"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// metadataDir is where the deployer keeps its records inside a destination;
// the tree checks leave it out.
const metadataDir = ".rhqdeployments"

// node is what a tree check compares at one path.
type node struct {
	mode fs.FileMode // fs.ModeDir and the permission bits
	size int64
	sum  [sha256.Size]byte // of a file's content
}

// tree maps slash-separated relative paths to their nodes.
type tree map[string]node

// treeStats are a tree's file count and content bytes.
func (t tree) stats() (files int, bytes int64) {
	for _, n := range t {
		if !n.mode.IsDir() {
			files++
			bytes += n.size
		}
	}
	return files, bytes
}

// extract unpacks the zip at zipPath into dir, which must not exist, the way
// unzip does (permission bits, modification times, directories), and returns
// the tree it wrote, hashed from the zip's content.
func extract(zipPath, dir string) (tree, error) {
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	if err := os.Mkdir(dir, 0o755); err != nil {
		return nil, err
	}
	t := tree{}
	buf := make([]byte, 1<<20)
	dirs := []string{dir}
	for _, f := range zr.File {
		name := strings.TrimSuffix(f.Name, "/")
		if !fs.ValidPath(name) || name == "." {
			return nil, fmt.Errorf("%s: unsafe entry %q", zipPath, f.Name)
		}
		perm := f.Mode().Perm()
		dst := filepath.Join(dir, filepath.FromSlash(name))
		if f.Mode().IsDir() {
			if err := os.MkdirAll(dst, 0o755); err != nil {
				return nil, err
			}
			if err := os.Chmod(dst, perm); err != nil {
				return nil, err
			}
			t[name] = node{mode: fs.ModeDir | perm}
			dirs = append(dirs, dst)
			continue
		}
		n, err := extractFile(f, dst, buf)
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", zipPath, f.Name, err)
		}
		t[name] = n
	}
	for name := range t {
		for d := path.Dir(name); d != "."; d = path.Dir(d) {
			if _, ok := t[d]; !ok {
				return nil, fmt.Errorf("%s: %s has no directory entry", zipPath, d)
			}
		}
	}
	// Last, since creating the files changed the directories' times.
	for _, d := range dirs {
		if err := os.Chtimes(d, zipTime, zipTime); err != nil {
			return nil, err
		}
	}
	return t, nil
}

func extractFile(f *zip.File, dst string, buf []byte) (node, error) {
	perm := f.Mode().Perm()
	if perm == 0 {
		perm = 0o644 // what unzip and the deployer give an entry without Unix mode
	}
	r, err := f.Open()
	if err != nil {
		return node{}, err
	}
	defer r.Close()
	w, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return node{}, err
	}
	h := sha256.New()
	size, err := io.CopyBuffer(io.MultiWriter(w, h), r, buf)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(dst, perm) // whatever the umask
	}
	if err == nil {
		err = os.Chtimes(dst, f.Modified, f.Modified)
	}
	if err != nil {
		return node{}, err
	}
	n := node{mode: perm, size: size}
	h.Sum(n.sum[:0])
	return n, nil
}

// readTree hashes the tree under dir, leaving out the deployer's metadata
// directory at its top. A missing dir is an empty tree; a symbolic link or
// any other irregular file is an error.
func readTree(dir string) (tree, error) {
	t := tree{}
	buf := make([]byte, 1<<20)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == dir && errors.Is(err, fs.ErrNotExist) {
				return fs.SkipAll
			}
			return err
		}
		if p == dir {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		name := filepath.ToSlash(rel)
		if name == metadataDir {
			return fs.SkipDir
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case fi.IsDir():
			t[name] = node{mode: fs.ModeDir | fi.Mode().Perm()}
		case fi.Mode().IsRegular():
			n, err := hashFile(p, buf)
			if err != nil {
				return err
			}
			n.mode = fi.Mode().Perm()
			t[name] = n
		default:
			return fmt.Errorf("%s: not a regular file or directory (%v)", p, fi.Mode().Type())
		}
		return nil
	})
	return t, err
}

func hashFile(name string, buf []byte) (node, error) {
	f, err := os.Open(name)
	if err != nil {
		return node{}, err
	}
	defer f.Close()
	h := sha256.New()
	size, err := io.CopyBuffer(h, f, buf)
	if err != nil {
		return node{}, err
	}
	n := node{size: size}
	h.Sum(n.sum[:0])
	return n, nil
}

// diffTrees lists how got differs from want, one line per path, sorted.
func diffTrees(want, got tree) []string {
	var diffs []string
	for name, w := range want {
		g, ok := got[name]
		switch {
		case !ok:
			diffs = append(diffs, "missing "+name)
		case g.mode != w.mode:
			diffs = append(diffs, fmt.Sprintf("%s: mode %v, want %v", name, g.mode, w.mode))
		case g.size != w.size:
			diffs = append(diffs, fmt.Sprintf("%s: %d bytes, want %d", name, g.size, w.size))
		case g.sum != w.sum:
			diffs = append(diffs, fmt.Sprintf("%s: content differs", name))
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			diffs = append(diffs, "unexpected "+name)
		}
	}
	slices.Sort(diffs)
	return diffs
}

// treeMismatchError reports a destination that is not the expected tree.
type treeMismatchError struct {
	Dir   string   // the destination
	After string   // the command that produced it
	Diffs []string // one line per differing path
}

func (e *treeMismatchError) Error() string {
	const show = 20
	var b strings.Builder
	fmt.Fprintf(&b, "%s is not the expected tree after %s: %d difference(s)", e.Dir, e.After, len(e.Diffs))
	for i, d := range e.Diffs {
		if i == show {
			fmt.Fprintf(&b, "\n\t… and %d more", len(e.Diffs)-show)
			break
		}
		b.WriteString("\n\t" + d)
	}
	return b.String()
}

// checkTree compares the tree under dir with want; after names the command
// that produced it, for the error.
func checkTree(dir string, want tree, after string) error {
	got, err := readTree(dir)
	if err != nil {
		return fmt.Errorf("checking %s after %s: %w", dir, after, err)
	}
	if diffs := diffTrees(want, got); len(diffs) > 0 {
		return &treeMismatchError{Dir: dir, After: after, Diffs: diffs}
	}
	return nil
}
