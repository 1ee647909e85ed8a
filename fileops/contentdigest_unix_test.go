//go:build unix

package fileops

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestFdReaderAt: HashFiles' reads through pread(2) end with io.EOF at the
// end of the file, so a file shorter than its stat said is an error.
func TestFdReaderAt(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	data := randomBytes(9, 10_000)
	require.NoError(t, os.WriteFile(p, data, 0o644))
	f, err := os.Open(p)
	require.NoError(t, err)
	defer f.Close()
	r := fdReaderAt(int(f.Fd()))
	sum, err := digestAt(r, int64(len(data)), 1000)
	require.NoError(t, err)
	require.Equal(t, naiveDigest(data, 1000), sum)
	_, err = digestAt(r, int64(len(data)+1), 1000)
	require.ErrorIs(t, err, errSizeChanged, "shorter than said")
	_, err = digestAt(r, int64(len(data)-1), 1000)
	require.ErrorIs(t, err, errSizeChanged, "longer than said")
}
