package fileops_test

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/fileops"
	"github.com/bundlekit/bundlekit/internal/dirfile"
)

// makeTree creates files below root from short specs, as os/root_test.go
// does: "dir/" is a directory, "a/b=text" a file with content text,
// "link => target" a symbolic link (the test is skipped where links cannot be
// made).
func makeTree(tb testing.TB, root string, specs ...string) {
	tb.Helper()
	for _, spec := range specs {
		switch {
		case strings.Contains(spec, " => "):
			name, target, _ := strings.Cut(spec, " => ")
			p := filepath.Join(root, filepath.FromSlash(name))
			require.NoError(tb, os.MkdirAll(filepath.Dir(p), 0o755))
			if err := os.Symlink(filepath.FromSlash(target), p); err != nil {
				if runtime.GOOS == "windows" {
					tb.Skipf("cannot create symbolic links: %v", err)
				}
				tb.Fatal(err)
			}
		case strings.HasSuffix(spec, "/"):
			require.NoError(tb, os.MkdirAll(filepath.Join(root, filepath.FromSlash(spec)), 0o755))
		default:
			name, body, _ := strings.Cut(spec, "=")
			p := filepath.Join(root, filepath.FromSlash(name))
			require.NoError(tb, os.MkdirAll(filepath.Dir(p), 0o755))
			require.NoError(tb, os.WriteFile(p, []byte(body), 0o644))
		}
	}
}

// openTemp returns a Dir on a new temporary directory.
func openTemp(tb testing.TB) *fileops.Dir {
	tb.Helper()
	d, err := fileops.OpenDir(tb.TempDir())
	require.NoError(tb, err)
	tb.Cleanup(func() { d.Close() })
	return d
}

func readFile(tb testing.TB, p string) string {
	tb.Helper()
	b, err := os.ReadFile(p)
	require.NoError(tb, err)
	return string(b)
}

// tempFiles lists the temporary files WriteFile left anywhere below root.
func tempFiles(tb testing.TB, root string) []string {
	tb.Helper()
	var found []string
	err := filepath.WalkDir(root, func(p string, _ os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if dirfile.IsTemp(p) {
			found = append(found, p)
		}
		return nil
	})
	require.NoError(tb, err)
	return found
}

// snapshot describes every file below root as "path" (directories, with a
// trailing slash), "path=content" (files) or "path => target" (links), the
// notation of makeTree, so that two snapshots compare with require.Equal.
func snapshot(tb testing.TB, root string) []string {
	tb.Helper()
	var got []string
	err := filepath.WalkDir(root, func(p string, e os.DirEntry, err error) error {
		if err != nil || p == root {
			return err
		}
		rel := filepath.ToSlash(p[len(root)+1:])
		switch {
		case e.Type()&os.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			got = append(got, rel+" => "+filepath.ToSlash(target))
		case e.IsDir():
			got = append(got, rel+"/")
		default:
			body, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			got = append(got, rel+"="+string(body))
		}
		return nil
	})
	require.NoError(tb, err)
	return got
}

// declaredTotal sums the declared sizes of a's entries (directories declare 0).
func declaredTotal(a *fileops.Archive) int64 {
	var n int64
	for _, e := range a.Entries {
		n += e.Size
	}
	return n
}
