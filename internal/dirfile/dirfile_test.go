package dirfile_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/internal/dirfile"
)

func TestIsTemp(t *testing.T) {
	for name, want := range map[string]bool{
		".bundlekit-abc.tmp":                   true,
		"dir/.bundlekit-1x2y.tmp":              true,
		".bundlekit-.tmp":                      false,
		"bundlekit-abc.tmp":                    false,
		".bundlekit-abc.tmp/x":                 false,
		".bundlekit-abc":                       false,
		"app.tmp":                              false,
		filepath.Join("a", ".bundlekit-z.tmp"): true,
		dirfile.TempName():                     true,
	} {
		require.Equal(t, want, dirfile.IsTemp(name), name)
	}
	require.NotEqual(t, dirfile.TempName(), dirfile.TempName())
}

// plainDir is not a *fileops.Dir; and without fileops in this test binary
// no opener is registered at all.
type plainDir string

func (d plainDir) Path() string { return string(d) }

func TestOpenFileNeedsFileops(t *testing.T) {
	_, err := dirfile.OpenFile(plainDir(t.TempDir()), "x", os.O_CREATE|os.O_WRONLY, 0o644)
	require.ErrorIs(t, err, dirfile.ErrNotDir)
	var pe *fs.PathError
	require.True(t, errors.As(err, &pe))
}
