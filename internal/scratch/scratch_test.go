package scratch

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/internal/staging"
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

// TestNewSweepsKilledTrees: a tree New made for a process that no longer
// runs (killed before it could remove it: a tree can hold realized
// passwords) is removed by the next New of the same prefix; a kept tree, a
// live process's tree and another prefix's are not.
func TestNewSweepsKilledTrees(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	const prefix = "scratch-sweep-test-"
	dead := exec.Command(os.Args[0], "-test.run=^$")
	require.NoError(t, dead.Run())
	deadPid := []byte(strconv.Itoa(dead.Process.Pid))

	killed, err := New(prefix)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(killed.Path, staging.OwnerFile), deadPid, 0o600))
	testtree.Write(t, killed.Path, "dest/secret.properties=password=x")

	kept, err := New(prefix)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(kept.Path, staging.OwnerFile), deadPid, 0o600))
	require.NoError(t, kept.Keep())
	require.NoFileExists(t, filepath.Join(kept.Path, staging.OwnerFile), "a kept tree holds no marker")

	live, err := New(prefix)
	require.NoError(t, err)

	other, err := New("scratch-other-")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(other.Path, staging.OwnerFile), deadPid, 0o600))

	next, err := New(prefix)
	require.NoError(t, err)
	require.NoDirExists(t, killed.Path, "the killed probe's tree is swept")
	for _, d := range []string{kept.Path, live.Path, other.Path, next.Path} {
		require.DirExists(t, d)
	}
	for _, tr := range []*Tree{kept, live, other, next} {
		require.NoError(t, tr.Remove())
	}
}
