// Package scratch makes the scratch tree a probe realizes a deployment in,
// outside the deployment's destination, removes it, and receives the items
// handed over into it. Package bundle writes nowhere but through its journal
// and the packages made for it; this is the one for the probe's tree.
//
// A tree is a directory made 0700, since a realized deployment can hold
// passwords: a new one in the system's temporary directory, marked with its
// process's id so that the next New removes it if that process was killed,
// or one the caller names, which must not exist or be empty. Remove takes away what the tree
// made: the directory it created, or, in a directory it was given, the
// entries it was told of.
package scratch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/bundlekit/bundlekit/fileops"
	"github.com/bundlekit/bundlekit/internal/staging"
)

// ErrNotEmpty: the directory given for a tree holds something already.
var ErrNotEmpty = errors.New("not empty")

// Tree is a scratch directory.
type Tree struct {
	// Path is the tree's absolute path.
	Path string
	// made: the directory was created for the tree, not given empty.
	made bool
	// owned: the directory holds New's owner marker (staging.OwnerFile).
	owned bool
}

// New makes a tree in a new directory of the system's temporary directory,
// named with prefix and marked with this process's id, after removing the
// trees of that prefix whose process was killed before it could (a tree can
// hold realized passwords). Keep spares a tree from those sweeps.
func New(prefix string) (*Tree, error) {
	d, err := staging.NewPrivate(prefix)
	if err != nil {
		return nil, fmt.Errorf("make a scratch directory: %w", err)
	}
	return &Tree{Path: d, made: true, owned: true}, nil
}

// Keep marks the tree as kept on purpose: no later New sweeps it, whatever
// becomes of this process.
func (t *Tree) Keep() error {
	if !t.owned {
		return nil
	}
	if err := staging.Disown(t.Path); err != nil {
		return fmt.Errorf("keep the scratch tree %s: %w", t.Path, err)
	}
	t.owned = false
	return nil
}

// At makes a tree at dir, an absolute path: a new directory (and the missing
// directories above it), or dir as it is when it is an empty directory. A
// directory that holds anything is refused with an error wrapping
// ErrNotEmpty.
func At(dir string) (*Tree, error) {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("make the scratch directory: %w", err)
		}
		return &Tree{Path: dir, made: true}, nil
	case err != nil:
		return nil, fmt.Errorf("scratch directory %s: %w", dir, err)
	case len(entries) > 0:
		return nil, fmt.Errorf("scratch directory %s: %w", dir, ErrNotEmpty)
	}
	return &Tree{Path: dir}, nil
}

// Remove removes the tree: its directory when New or At made it; otherwise
// the entries names of the directory given, which the caller made there.
func (t *Tree) Remove(names ...string) error {
	if t.made {
		return os.RemoveAll(t.Path)
	}
	var errs []error
	for _, n := range names {
		errs = append(errs, os.RemoveAll(filepath.Join(t.Path, n)))
	}
	return errors.Join(errs...)
}

// Deliver writes an item handed over with action to dir/action/name, and its
// parameters, one name=value a line, to dir/action/name.params. Action and
// name must be single path elements.
func Deliver(ctx context.Context, dir, action, name string, content io.Reader, params [][2]string) error {
	if err := fileops.CheckName(action); err != nil || strings.Contains(action, "/") {
		return fmt.Errorf("handover action %q cannot name a directory", action)
	}
	d, err := fileops.CreateDir(filepath.Join(dir, action))
	if err != nil {
		return err
	}
	defer d.Close()
	if _, err := d.WriteFile(ctx, name, content, 0o644); err != nil {
		return err
	}
	var text strings.Builder
	for _, p := range params {
		fmt.Fprintf(&text, "%s=%s\n", p[0], p[1])
	}
	_, err = d.WriteFile(ctx, name+".params", strings.NewReader(text.String()), 0o644)
	return err
}
