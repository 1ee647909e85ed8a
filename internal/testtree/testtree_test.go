package testtree_test

import (
	"io/fs"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/internal/testtree"
)

func TestWriteLinesRoundTrip(t *testing.T) {
	root := t.TempDir()
	specs := []string{"a/", "a/b=text", "c=", "l => a/b"}
	testtree.Write(t, root, specs...)
	require.Equal(t, specs, testtree.Lines(t, root))
}

func TestSnapshot(t *testing.T) {
	root := t.TempDir()
	testtree.WriteFiles(t, root, map[string]string{"d/": "", "d/f": "F", "z.zip": "ZIP:x=1"})
	testtree.Write(t, root, "l => d/f")
	snap := testtree.Snapshot(t, root)
	require.True(t, snap["."].IsDir())
	require.True(t, snap["d"].IsDir())
	require.Equal(t, "F", snap["d/f"].Content)
	require.Equal(t, "d/f", snap["l"].Link)
	require.NotZero(t, snap["l"].Mode&fs.ModeSymlink)
	require.Equal(t, "PK", snap["z.zip"].Content[:2])
	require.Len(t, snap, 5)

	require.Empty(t, testtree.Snapshot(t, root+"/missing"))
}

func TestErrEscapes(t *testing.T) {
	root := t.TempDir()
	testtree.Write(t, root, "out/secret=s", "in/", "in/up => ../out")
	r, err := os.OpenRoot(root + "/in")
	require.NoError(t, err)
	defer r.Close()
	_, err = r.Open("up/secret")
	require.ErrorIs(t, err, testtree.ErrEscapes(), "a link leading out of the root")
	require.NotErrorIs(t, testtree.ErrEscapes(), fs.ErrNotExist)
}
