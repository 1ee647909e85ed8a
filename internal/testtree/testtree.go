// Package testtree describes directory trees for tests in short strings, as
// os/root_test.go does, and records what a tree holds, so that a test states
// a tree in one line and compares two states with one require.Equal or
// cmp.Diff.
//
// The notation, for Write and Lines: "dir/" is a directory, "a/b=text" a
// file holding text, "link => target" a symbolic link. WriteFiles takes the
// same entries as a map, path → content, where content "ZIP:spec" is a zip
// archive built by testzip.Spec. Paths use "/" and are relative to the root.
//
// ErrEscapes is the reason os.Root gives for a path that would leave it,
// which package os does not export, so that a test of a confinement guard
// asserts that the guard refused, not that something failed.
package testtree

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/internal/testzip"
)

// Write creates the entries specs describe below root, making missing
// parents. A test that needs a symbolic link is skipped on Windows when links
// cannot be made there.
func Write(tb testing.TB, root string, specs ...string) {
	tb.Helper()
	for _, spec := range specs {
		if name, target, ok := strings.Cut(spec, " => "); ok {
			p := filepath.Join(root, filepath.FromSlash(name))
			require.NoError(tb, os.MkdirAll(filepath.Dir(p), 0o755))
			if err := os.Symlink(filepath.FromSlash(target), p); err != nil {
				if runtime.GOOS == "windows" {
					tb.Skipf("cannot create symbolic links: %v", err)
				}
				tb.Fatal(err)
			}
			continue
		}
		name, body, _ := strings.Cut(spec, "=")
		writeEntry(tb, root, name, body)
	}
}

// WriteFiles creates files below root from a map of path → content, making
// missing parents: a path ending in "/" is an empty directory (its content is
// not used), and content "ZIP:spec" is the zip archive testzip.Spec builds
// from spec.
func WriteFiles(tb testing.TB, root string, files map[string]string) {
	tb.Helper()
	for name, content := range files {
		writeEntry(tb, root, name, content)
	}
}

func writeEntry(tb testing.TB, root, name, content string) {
	tb.Helper()
	p := filepath.Join(root, filepath.FromSlash(name))
	if strings.HasSuffix(name, "/") {
		require.NoError(tb, os.MkdirAll(p, 0o755))
		return
	}
	require.NoError(tb, os.MkdirAll(filepath.Dir(p), 0o755))
	data := []byte(content)
	if spec, ok := strings.CutPrefix(content, "ZIP:"); ok {
		data = testzip.Spec(tb, spec)
	}
	require.NoError(tb, os.WriteFile(p, data, 0o644))
}

// Node is what a snapshot records of one entry.
type Node struct {
	Mode    fs.FileMode // type and permission bits, as fs.FileInfo.Mode
	Content string      // a regular file's content
	Link    string      // a symbolic link's target, as written
}

// IsDir reports whether the entry is a directory.
func (n Node) IsDir() bool { return n.Mode.IsDir() }

// Snapshot records root and every entry below it, keyed by "/"-separated path
// relative to root ("." for root itself); a root that does not exist gives an
// empty snapshot. Symbolic links are recorded, not followed, and irregular
// files (named pipes, devices) are described but never opened.
func Snapshot(tb testing.TB, root string) map[string]Node {
	tb.Helper()
	out := map[string]Node{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) && p == root {
			return filepath.SkipAll
		}
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		n := Node{Mode: fi.Mode()}
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			if n.Link, err = os.Readlink(p); err != nil {
				return err
			}
		case fi.Mode().IsRegular():
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			n.Content = string(data)
		}
		out[filepath.ToSlash(rel)] = n
		return nil
	})
	require.NoError(tb, err)
	return out
}

// Lines describes every entry below root in Write's notation, in lexical
// order, so a tree compares with require.Equal against the specs that would
// make it.
func Lines(tb testing.TB, root string) []string {
	tb.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == root {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			out = append(out, rel+" => "+filepath.ToSlash(target))
		case d.IsDir():
			out = append(out, rel+"/")
		default:
			body, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			out = append(out, rel+"="+string(body))
		}
		return nil
	})
	require.NoError(tb, err)
	return out
}

// ErrEscapes returns the error os.Root wraps when a path would lead out of
// it, through ".." or a symbolic link: package os has it as an unexported
// sentinel, taken here from os.Root itself, for errors.Is.
var ErrEscapes = sync.OnceValue(func() error {
	r, err := os.OpenRoot(os.TempDir())
	if err != nil {
		panic(err)
	}
	defer r.Close()
	_, err = r.Open("..")
	var pe *fs.PathError
	if !errors.As(err, &pe) {
		panic(fmt.Sprintf("os.Root opened ..: %v", err))
	}
	return pe.Err
})
