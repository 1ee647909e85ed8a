package staging

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSweepStaging: the staging directory of a dead process (which may hold
// realized secrets) is removed; a live one's, an unmarked one and other
// directories are not.
func TestSweepStaging(t *testing.T) {
	tmp := t.TempDir()
	mk := func(name, owner string) string {
		dir := filepath.Join(tmp, name)
		require.NoError(t, os.MkdirAll(dir, 0o700))
		if owner != "" {
			require.NoError(t, os.WriteFile(filepath.Join(dir, OwnerFile), []byte(owner), 0o600))
		}
		return dir
	}
	dead := mk(stagingPrefix+"dead", "2147483646")
	live := mk(stagingPrefix+"live", strconv.Itoa(os.Getppid()))
	unmarked := mk(stagingPrefix+"new", "")
	other := mk("other-dir", "2147483646")
	Sweep(tmp)
	require.NoDirExists(t, dead)
	require.DirExists(t, live)
	require.DirExists(t, unmarked)
	require.DirExists(t, other)
}
