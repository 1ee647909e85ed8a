package bundle_test

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/bundle"
	"github.com/bundlekit/bundlekit/internal/faults"
	"github.com/bundlekit/bundlekit/internal/journal"
)

// fileOps runs op and returns the file operations it made in dest, as "kind
// path" with path relative to dest.
func fileOps(t *testing.T, dest string, op func()) []string {
	t.Helper()
	var mu sync.Mutex
	var ops []string
	faults.Set(func(o faults.Op) error {
		if rel, err := filepath.Rel(dest, o.Path); err == nil && !strings.HasPrefix(rel, "..") {
			mu.Lock()
			ops = append(ops, o.Kind+" "+filepath.ToSlash(rel))
			mu.Unlock()
		}
		return nil
	})
	defer faults.Set(nil)
	op()
	return ops
}

// TestJournalSyncs: the journal is synced once before the changes of each
// phase that needs it, and once for the commit record. Begin's record waits
// for the first of those syncs, and the metadata the record phase writes is
// reserved with the write phase's paths, so that the record phase needs no
// sync of its own: a first deployment syncs the journal twice.
func TestJournalSyncs(t *testing.T) {
	dest := filepath.Join(t.TempDir(), "dest")
	journalFile := journal.Dir + "/journal"
	for _, c := range []struct {
		name  string
		s     spec
		syncs int
	}{
		{"first deployment", spec{Files: map[string]string{"a.txt": "a", "conf/b.conf": "b", "lib/c.jar": "c"}}, 2},
		// The store keeps the deployed files (a phase), c.jar is removed
		// (a phase), the rest written (a phase).
		{"upgrade", spec{Version: "2.0", Files: map[string]string{"a.txt": "a2", "conf/b.conf": "b", "lib/d.jar": "d"}}, 4},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := c.s.open(t)
			ops := fileOps(t, dest, func() {
				_, err := bundle.Deploy(context.Background(), b, bundle.Options{Dest: dest})
				require.NoError(t, err)
			})
			syncs := 0
			for _, op := range ops {
				if op == "fdatasync "+journalFile {
					syncs++
				}
			}
			require.Equal(t, c.syncs, syncs, "%v", ops)
			// From the record phase's first file to the commit record, the
			// journal is written only by the commit.
			first := slices.IndexFunc(ops, func(op string) bool { return strings.HasPrefix(op, "create .rhqdeployments/") })
			require.GreaterOrEqual(t, first, 0, "%v", ops)
			commit := slices.Index(ops[first:], "write "+journalFile)
			require.GreaterOrEqual(t, commit, 0, "%v", ops)
			require.NotContains(t, ops[first:first+commit], "fdatasync "+journalFile, "%v", ops)
		})
	}
}

// TestEarlySync: a first deployment of many files syncs the file system once
// three quarters of them are written (the rest are written while the disk
// works), again after the last, and once more in Commit; the deployment is
// whole.
func TestEarlySync(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("syncfs(2) is Linux's")
	}
	files := map[string]string{}
	for i := range 1200 {
		files[fmt.Sprintf("d%02d/f%04d.txt", i%40, i)] = fmt.Sprint(i)
	}
	b := spec{Files: files}.open(t)
	dest := filepath.Join(t.TempDir(), "dest")
	ops := fileOps(t, dest, func() {
		_, err := bundle.Deploy(context.Background(), b, bundle.Options{Dest: dest})
		require.NoError(t, err)
	})
	var creates, syncfs []int // indexes in ops
	for i, op := range ops {
		kind, p, _ := strings.Cut(op, " ")
		switch {
		case kind == "create" && strings.HasPrefix(p, "d"):
			creates = append(creates, i)
		case kind == "syncfs":
			syncfs = append(syncfs, i)
		}
	}
	require.Len(t, creates, len(files))
	require.Len(t, syncfs, 3, "an early sync during the writes, one after them, Commit's")
	require.Less(t, syncfs[0], creates[len(creates)-1], "the first sync begins before the last file is written")
	require.Greater(t, syncfs[1], creates[len(creates)-1])
	require.Equal(t, files, readTree(t, dest))
}
