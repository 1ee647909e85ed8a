//go:build unix

package fileops_test

import (
	"errors"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/fileops"
)

// TestHashFilesNamedPipe: a named pipe is refused at once, never waited on
// for a writer.
func TestHashFilesNamedPipe(t *testing.T) {
	root := t.TempDir()
	require.NoError(t, syscall.Mkfifo(filepath.Join(root, "fifo"), 0o644))
	d, err := fileops.OpenDir(root)
	require.NoError(t, err)
	defer d.Close()
	done := make(chan []fileops.FileHash, 1)
	go func() { done <- d.HashFiles([]string{"fifo"}, fileops.DigestMD5) }()
	select {
	case got := <-done:
		require.True(t, errors.Is(got[0].Err, fileops.ErrIrregular), "got %v", got[0].Err)
	case <-time.After(10 * time.Second):
		t.Fatal("HashFiles waited on a named pipe")
	}
}
