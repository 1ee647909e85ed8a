package fileops

import (
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/bundlekit/bundlekit/internal/testtree"
	"github.com/stretchr/testify/require"
)

// TestMoveByCopy exercises Rename's fallback for renames across file systems
// directly: a test cannot make rename(2) fail with EXDEV without a mount point
// inside the directory.
func TestMoveByCopy(t *testing.T) {
	top := t.TempDir()
	put := func(name, body string, perm fs.FileMode) {
		p := filepath.Join(top, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
		require.NoError(t, os.Chmod(p, perm))
	}
	put("file", "F", 0o640)
	put("tree/a/b", "B", 0o755)
	put("tree/c", "C", 0o600)
	links := runtime.GOOS != "windows"
	require.NoError(t, os.Mkdir(filepath.Join(top, "tree", "ro"), 0o755))
	if links {
		require.NoError(t, os.Chmod(filepath.Join(top, "tree", "a"), 0o750))
		require.NoError(t, os.Chmod(filepath.Join(top, "tree", "ro"), 0o555))
	}
	if links {
		require.NoError(t, os.Symlink("c", filepath.Join(top, "tree", "link")))
		require.NoError(t, os.Symlink("/etc/passwd", filepath.Join(top, "abslink")))
	}
	put("existing/x", "X", 0o644)

	d, err := OpenDir(top)
	require.NoError(t, err)
	defer d.Close()

	require.NoError(t, d.moveByCopy("file", "moved/file"))
	require.NoError(t, d.moveByCopy("tree", "moved/tree"))
	if links {
		require.NoError(t, d.moveByCopy("abslink", "moved/abslink"))
	}

	got := testtree.Snapshot(t, top)
	delete(got, ".")
	want := map[string]testtree.Node{
		"existing":        {Mode: fs.ModeDir | 0o755},
		"existing/x":      {Mode: 0o644, Content: "X"},
		"moved":           {Mode: fs.ModeDir | 0o755},
		"moved/file":      {Mode: 0o640, Content: "F"},
		"moved/tree":      {Mode: fs.ModeDir | 0o755},
		"moved/tree/a":    {Mode: fs.ModeDir | 0o750},
		"moved/tree/ro":   {Mode: fs.ModeDir | 0o555},
		"moved/tree/a/b":  {Mode: 0o755, Content: "B"},
		"moved/tree/c":    {Mode: 0o600, Content: "C"},
		"moved/tree/link": {Mode: fs.ModeSymlink | 0o777, Link: "c"},
		"moved/abslink":   {Mode: fs.ModeSymlink | 0o777, Link: "/etc/passwd"},
	}
	if !links {
		delete(want, "moved/tree/link")
		delete(want, "moved/abslink")
	}
	if runtime.GOOS == "windows" {
		for _, m := range []map[string]testtree.Node{got, want} {
			for k, v := range m {
				v.Mode = v.Mode.Type()
				m[k] = v
			}
		}
	}
	require.Equal(t, want, got)

	// A directory cannot replace an existing one; what is already there
	// stays and the source is kept.
	put("again/y", "Y", 0o644)
	require.Error(t, d.moveByCopy("again", "existing"))
	require.FileExists(t, filepath.Join(top, "existing", "x"))
	require.FileExists(t, filepath.Join(top, "again", "y"))
}

func TestFoldCase(t *testing.T) {
	for _, pair := range [][2]string{{"abc", "ABC"}, {"straße", "STRAßE"}, {"k", "\u212a"}, {"σ", "ς"}, {"ǅ", "ǆ"}} {
		require.Equal(t, foldKey(pair[0]), foldKey(pair[1]), "%q %q", pair[0], pair[1])
		require.True(t, strings.EqualFold(pair[0], pair[1]))
	}
	for _, pair := range [][2]string{{"a", "b"}, {"ss", "ß"}, {"e", "é"}} {
		require.NotEqual(t, foldKey(pair[0]), foldKey(pair[1]), "%q %q", pair[0], pair[1])
		require.False(t, strings.EqualFold(pair[0], pair[1]))
	}
}

func TestCheckNameSet(t *testing.T) {
	deep := strings.Repeat("x/", 20_000) + "f"
	tests := []struct {
		names []string // a trailing "/" marks a directory
		blame int      // index of the entry blamed, -1 when accepted
		want  error
	}{
		{[]string{"a", "b/", "b/c", "b/d/", "b/d/e", "b.txt", "b-c", "b!"}, -1, nil},
		{[]string{"a/b", "a/c", "a/"}, -1, nil},
		{[]string{deep, strings.Repeat("x/", 20_000) + "g", "y/" + deep}, -1, nil},
		{[]string{"a", "b", "a"}, 2, ErrDuplicate},
		{[]string{"a/", "a/"}, 1, ErrDuplicate},
		{[]string{"a/", "b", "a"}, 2, ErrFileAsDir},
		{[]string{"a", "a/"}, 1, ErrFileAsDir},
		{[]string{"a/b", "a!", "a"}, 2, ErrFileAsDir},
		{[]string{"a", "a!", "a-", "a/b"}, 3, ErrFileAsDir},
		{[]string{"a/b/c", "a/b"}, 1, ErrFileAsDir},
		{[]string{deep, strings.Repeat("x/", 10_000) + "x"}, 1, ErrFileAsDir},
		{[]string{"A", "a"}, 1, ErrCaseCollision},
		{[]string{"A/x", "a-b", "a/y"}, 2, ErrCaseCollision},
		{[]string{"a/x", "a!", "A/y"}, 2, ErrCaseCollision},
		{[]string{"d/A/x", "d/a/y", "d/b"}, 1, ErrCaseCollision},
		{[]string{"A", "a/b"}, 1, ErrCaseCollision},
		{[]string{deep, strings.Repeat("x/", 19_999) + "X/f"}, 1, ErrCaseCollision},
	}
	for _, tt := range tests {
		var names []entryName
		for _, n := range tt.names {
			name, dir := strings.CutSuffix(n, "/")
			names = append(names, entryName{name, dir})
		}
		i, err := checkNameSet(names)
		if tt.want == nil {
			require.NoError(t, err)
			require.Equal(t, -1, i)
			continue
		}
		require.ErrorIs(t, err, tt.want, "%.40q", tt.names)
		require.Equal(t, tt.blame, i, "%.40q", tt.names)
	}
}

// TestFoldKeyASCII: foldKey's shortcut for ASCII gives every ASCII rune the
// smallest rune of its case-folding orbit, as the general rule does.
func TestFoldKeyASCII(t *testing.T) {
	for r := rune(0); r < utf8.RuneSelf; r++ {
		if r == '/' {
			continue
		}
		lowest := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			lowest = min(lowest, f)
		}
		require.Equal(t, string(lowest), foldKey(string(r)), "rune %q", r)
	}
	require.Equal(t, foldKey("Kelvin\u212a/ſ"), foldKey("kELVINk/S"), "non-ASCII runes fold to the same keys")
}
