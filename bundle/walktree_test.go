package bundle

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/fileops"
)

// TestWalkTree: the parallel walk visits every directory exactly once,
// whatever the shape (deep, wide, empty), and stops at the first error.
func TestWalkTree(t *testing.T) {
	type tree map[string][]string
	wide, deep := tree{"": nil}, tree{"": {"d0"}}
	for i := range 300 {
		dir := fmt.Sprintf("w%03d", i)
		wide[""] = append(wide[""], dir)
		wide[dir] = []string{dir + "/x", dir + "/y"}
		wide[dir+"/x"], wide[dir+"/y"] = nil, nil
	}
	prev := "d0"
	for i := 1; i < 200; i++ {
		next := fmt.Sprintf("%s/d%d", prev, i)
		deep[prev] = []string{next}
		prev = next
	}
	deep[prev] = nil
	for name, tr := range map[string]tree{"empty": {"": nil}, "wide": wide, "deep": deep} {
		t.Run(name, func(t *testing.T) {
			var mu sync.Mutex
			visits := map[string]int{}
			err := walkTree(func(dir string) ([]string, error) {
				mu.Lock()
				visits[dir]++
				mu.Unlock()
				return tr[dir], nil
			})
			require.NoError(t, err)
			require.Len(t, visits, len(tr))
			for dir, n := range visits {
				require.Equal(t, 1, n, dir)
			}
		})
	}

	errBad := errors.New("bad directory")
	var mu sync.Mutex
	visited := 0
	err := walkTree(func(dir string) ([]string, error) {
		mu.Lock()
		visited++
		mu.Unlock()
		if dir == "w100" {
			return wide[dir], errBad
		}
		return wide[dir], nil
	})
	require.ErrorIs(t, err, errBad)
	require.Less(t, visited, len(wide), "the walk stopped early")
}

// TestDirStackList: a stack lists each directory as a listing from the
// destination would, in any order of keys, through directories it keeps open
// or not, and through symbolic links to directories elsewhere in the
// destination (which a handle on the link's parent cannot follow); a
// directory that is not there is fs.ErrNotExist.
func TestDirStackList(t *testing.T) {
	root := t.TempDir()
	for _, dir := range []string{"a/b/c", "a/b/d", "x/real/deep"} {
		require.NoError(t, os.MkdirAll(filepath.Join(root, dir), 0o755))
	}
	for _, f := range []string{"a/b/c/f1", "a/b/c/f2", "a/top.txt", "x/real/f"} {
		require.NoError(t, os.WriteFile(filepath.Join(root, f), nil, 0o644))
	}
	require.NoError(t, os.Symlink("../x/real", filepath.Join(root, "a", "link")))
	require.NoError(t, os.Symlink("x", filepath.Join(root, "top")))
	d, err := fileops.OpenDir(root)
	require.NoError(t, err)
	defer d.Close()
	s := &dirStack{root: d}
	defer s.pop(0)
	names := func(es []fs.DirEntry) []string {
		var out []string
		for _, e := range es {
			out = append(out, e.Name())
		}
		return out
	}
	for _, key := range []string{"a", "a/b", "a/b/c", "a/b/d", "a/b/c", "x/real/deep", "a/link", "top/real", "a/link/deep", "a/b", "a"} {
		want, err := os.ReadDir(filepath.Join(root, filepath.FromSlash(key)))
		require.NoError(t, err)
		got, err := s.list(key)
		require.NoError(t, err, key)
		require.Equal(t, names(want), names(got), key)
	}
	for _, key := range []string{"a/missing", "a/b/missing/c", "missing"} {
		_, err := s.list(key)
		require.ErrorIs(t, err, fs.ErrNotExist, key)
	}
}
