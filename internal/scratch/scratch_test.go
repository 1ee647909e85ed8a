package scratch

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/internal/testtree"
)

func TestNewAndRemove(t *testing.T) {
	tr, err := New("scratch-test-")
	require.NoError(t, err)
	fi, err := os.Stat(tr.Path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o700), fi.Mode().Perm(), "a tree can hold realized passwords")
	testtree.Write(t, tr.Path, "dest/a=A", "other/b=B")
	require.NoError(t, tr.Remove("dest"))
	require.NoDirExists(t, tr.Path, "a tree it made goes whole")
}

func TestAt(t *testing.T) {
	root := t.TempDir()
	testtree.Write(t, root, "full/x=x", "empty/")
	tests := []struct {
		name, dir string
		made      bool
		notEmpty  bool
	}{
		{"new, with parents", "new/deeper", true, false},
		{"empty", "empty", false, false},
		{"not empty", "full", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr, err := At(filepath.Join(root, tt.dir))
			if tt.notEmpty {
				require.ErrorIs(t, err, ErrNotEmpty)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.made, tr.made)
			testtree.Write(t, tr.Path, "dest/a=A", "kept=K")
			require.NoError(t, tr.Remove("dest"))
			if tt.made {
				require.NoDirExists(t, tr.Path)
				return
			}
			require.Equal(t, []string{"kept=K"}, testtree.Lines(t, tr.Path), "only what the caller names goes from a directory given")
		})
	}
	require.Equal(t, []string{"empty/", "empty/kept=K", "full/", "full/x=x", "new/"}, testtree.Lines(t, root), "the parents made for a new tree stay")
}

func TestDeliver(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	require.NoError(t, Deliver(ctx, dir, "deployment", "app.war", strings.NewReader("war"), [][2]string{{"a", "1"}, {"b", "2"}}))
	require.Equal(t, []string{"deployment/", "deployment/app.war=war", "deployment/app.war.params=a=1\nb=2\n"}, testtree.Lines(t, dir))
	for _, action := range []string{"", "..", "a/b"} {
		require.Error(t, Deliver(ctx, dir, action, "x", strings.NewReader(""), nil), "action %q", action)
	}
	require.Error(t, Deliver(ctx, dir, "deployment", "../x", strings.NewReader(""), nil), "a name that leaves the directory")
	require.NoFileExists(t, filepath.Join(dir, "x"))
}
