package fileops_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/fileops"
	"github.com/bundlekit/bundlekit/internal/dirfile"
)

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

// declaredTotal sums the declared sizes of a's entries (directories declare 0).
func declaredTotal(a *fileops.Archive) int64 {
	var n int64
	for _, e := range a.Entries {
		n += e.Size
	}
	return n
}
