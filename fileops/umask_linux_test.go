package fileops

import (
	"context"
	"io/fs"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/internal/faults"
)

// TestCreateFileSparesChmod: where the umask keeps every permission bit,
// CreateFile creates the file with them and makes no chmod (seen through the
// fault seam, which every chmod passes); where it strips some, it chmods
// once, and the mode is exact either way.
func TestCreateFileSparesChmod(t *testing.T) {
	mask, known := processUmask()
	require.True(t, known, "Linux tells the umask in /proc/self/status")
	old := syscall.Umask(int(mask)) // what processUmask read, whatever ran before
	t.Cleanup(func() { syscall.Umask(old) })

	d, err := OpenDir(t.TempDir())
	require.NoError(t, err)
	t.Cleanup(func() { d.Close() })
	var chmods []string
	faults.Set(func(op faults.Op) error {
		if op.Kind == "chmod" {
			chmods = append(chmods, op.Path)
		}
		return nil
	})
	t.Cleanup(func() { faults.Set(nil) })

	kept := fs.FileMode(0o777) &^ mask & 0o644
	stripped := fs.FileMode(0o777) // some bit of it is masked, unless the umask is 0
	for _, tt := range []struct {
		name   string
		perm   fs.FileMode
		chmods int
	}{
		{"kept", kept, 0},
		{"stripped", stripped, map[bool]int{true: 0, false: 1}[mask == 0]},
	} {
		chmods = nil
		w, err := d.CreateFile(context.Background(), tt.name, strings.NewReader("x"), tt.perm)
		require.NoError(t, err)
		require.Equal(t, tt.perm, w.Info.Mode().Perm(), tt.name)
		require.Len(t, chmods, tt.chmods, "%s: umask %o, perm %o", tt.name, mask, tt.perm)
	}
}
