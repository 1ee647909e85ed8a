//go:build unix

package fileops

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// newTestRemover returns a remover of the directory top/t, its top directory
// open and counting want removals.
func newTestRemover(t *testing.T, top string, want int) (*remover, *removeDir) {
	t.Helper()
	root, err := os.OpenRoot(filepath.Join(top, "t"))
	require.NoError(t, err)
	t.Cleanup(func() { root.Close() })
	f, err := root.Open(".")
	require.NoError(t, err)
	r := &remover{top: root}
	r.cond.L = &r.mu
	return r, &removeDir{f: f, fd: int(f.Fd()), path: filepath.Join(top, "t"), left: want}
}

// TestRemoverDirectoryListedAsFile: an entry listed as a file that is a
// directory when its turn comes is removed the careful way.
func TestRemoverDirectoryListedAsFile(t *testing.T) {
	top := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(top, "t", "sub", "deeper"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(top, "t", "sub", "deeper", "f"), []byte("F"), 0o644))
	r, d := newTestRemover(t, top, 1)

	r.push(removal{dir: d, name: "sub"})
	r.work()

	require.NoError(t, r.err)
	_, err := os.Lstat(filepath.Join(top, "t", "sub"))
	require.ErrorIs(t, err, fs.ErrNotExist)
}

// TestRemoverEntryMissedByListing: a directory still holding an entry once
// its listed entries are gone (made since, or missed by the listing) is
// removed the careful way.
func TestRemoverEntryMissedByListing(t *testing.T) {
	top := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(top, "t", "sub"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(top, "t", "sub", "late"), []byte("L"), 0o644))
	r, d := newTestRemover(t, top, 1)
	sub := &removeDir{up: d, name: "sub", rel: "sub", path: filepath.Join(top, "t", "sub"), left: 1}

	r.mu.Lock()
	r.done(sub, nil) // its listing ended, having seen nothing
	r.mu.Unlock()

	require.NoError(t, r.err)
	_, err := os.Lstat(filepath.Join(top, "t", "sub"))
	require.ErrorIs(t, err, fs.ErrNotExist)
	_, err = os.Lstat(filepath.Join(top, "t"))
	require.NoError(t, err, "the top is removeTree's to remove")
}
