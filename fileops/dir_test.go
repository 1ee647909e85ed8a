package fileops_test

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/fileops"
	"github.com/bundlekit/bundlekit/internal/dirfile"
	"github.com/bundlekit/bundlekit/internal/testtree"
)

// TestSymlinkEscape shows os.Root's guarantee through every operation: a link
// inside the directory that leads out of it (absolute or relative) cannot be
// used to read, write, create, rename or delete anything outside (R181 GO,
// R182 GO). Links that stay inside work.
func TestSymlinkEscape(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		run  func(d *fileops.Dir) error
		// ok: the operation succeeds because it acts on the link itself
		// or on a link that stays inside.
		ok bool
	}{
		{"Open through dir link", func(d *fileops.Dir) error { _, err := d.Open("out/secret"); return err }, false},
		{"Open through relative link", func(d *fileops.Dir) error { _, err := d.Open("rel/secret"); return err }, false},
		{"Open file link", func(d *fileops.Dir) error { _, err := d.Open("secretlink"); return err }, false},
		{"HashFile file link", func(d *fileops.Dir) error { _, err := d.HashFile("secretlink"); return err }, false},
		{"ReadDir dir link", func(d *fileops.Dir) error { _, err := d.ReadDir("out"); return err }, false},
		{"WriteFile through dir link", func(d *fileops.Dir) error {
			_, err := d.WriteFile(ctx, "out/secret", strings.NewReader("pwned"), 0)
			return err
		}, false},
		{"WriteFile new file through dir link", func(d *fileops.Dir) error {
			_, err := d.WriteFile(ctx, "rel/new", strings.NewReader("pwned"), 0)
			return err
		}, false},
		{"WriteFile below link", func(d *fileops.Dir) error {
			_, err := d.WriteFile(ctx, "out/sub/new", strings.NewReader("pwned"), 0)
			return err
		}, false},
		{"MkdirAll through dir link", func(d *fileops.Dir) error { return d.MkdirAll("out/sub", 0o755) }, false},
		{"Copy from file link", func(d *fileops.Dir) error { _, err := d.Copy(ctx, "secretlink", "stolen"); return err }, false},
		{"Copy into dir link", func(d *fileops.Dir) error { _, err := d.Copy(ctx, "inside/f", "out/f"); return err }, false},
		{"Rename out of dir link", func(d *fileops.Dir) error { return d.Rename("out/secret", "stolen") }, false},
		{"Rename into dir link", func(d *fileops.Dir) error { return d.Rename("inside/f", "out/f") }, false},
		{"Remove through dir link", func(d *fileops.Dir) error { return d.Remove("out/secret") }, false},
		{"RemoveAll through dir link", func(d *fileops.Dir) error { return d.RemoveAll("out/secret") }, false},
		{"Walk below dir link", func(d *fileops.Dir) error {
			return d.Walk("out/secret", func(_ string, _ fs.DirEntry, err error) error { return err })
		}, false},

		// Acting on the link itself never reaches its target.
		{"Lstat link", func(d *fileops.Dir) error { _, err := d.Lstat("out"); return err }, true},
		{"WriteFile replaces file link", func(d *fileops.Dir) error {
			_, err := d.WriteFile(ctx, "secretlink", strings.NewReader("new"), 0)
			return err
		}, true},
		{"RemoveAll dir link", func(d *fileops.Dir) error { return d.RemoveAll("out") }, true},
		{"Remove dir link", func(d *fileops.Dir) error { return d.Remove("rel") }, true},
		{"Rename dir link", func(d *fileops.Dir) error { return d.Rename("out", "moved/out") }, true},
		{"Walk from dir link", func(d *fileops.Dir) error {
			return d.Walk("out", func(p string, e fs.DirEntry, err error) error {
				if err == nil && e.IsDir() {
					return errors.New("walked into a link")
				}
				return err
			})
		}, true},

		// Links that stay inside are followed.
		{"Open through inside link", func(d *fileops.Dir) error { _, err := d.Open("in/f"); return err }, true},
		{"WriteFile through inside link", func(d *fileops.Dir) error {
			_, err := d.WriteFile(ctx, "in/g", strings.NewReader("g"), 0)
			return err
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			top := t.TempDir()
			outside := filepath.Join(top, "outside")
			testtree.Write(t, top,
				"outside/secret=secret",
				"d/inside/f=f",
				"d/out => "+outside,
				"d/rel => ../outside",
				"d/secretlink => "+filepath.Join(outside, "secret"),
				"d/in => inside",
			)
			d, err := fileops.OpenDir(filepath.Join(top, "d"))
			require.NoError(t, err)
			defer d.Close()

			err = tt.run(d)
			if tt.ok {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, testtree.ErrEscapes(), "os.Root refused the link")
			}
			require.Equal(t, []string{"secret=secret"}, testtree.Lines(t, outside), "nothing outside changed")
			require.Empty(t, tempFiles(t, top))
		})
	}
}

func TestWalk(t *testing.T) {
	top := t.TempDir()
	testtree.Write(t, top,
		"outside/o=o",
		"d/b.txt=b",
		"d/a/z=z",
		"d/a/y/x=x",
		"d/a.txt=a",
		"d/empty/",
		"d/skip/s=s",
		"d/link => a",
		"d/escape => "+filepath.Join(top, "outside"),
		"d/a/self => ..",
	)
	d, err := fileops.OpenDir(filepath.Join(top, "d"))
	require.NoError(t, err)
	defer d.Close()

	var got []string
	err = d.Walk("", func(p string, e fs.DirEntry, err error) error {
		require.NoError(t, err)
		if e.IsDir() {
			p += "/"
		}
		got = append(got, p)
		if p == "skip/" {
			return fs.SkipDir
		}
		return nil
	})
	require.NoError(t, err)
	// Lexical order per directory; links are entries, never directories (R78 GO).
	want := []string{"./", "a/", "a/self", "a/y/", "a/y/x", "a/z", "a.txt", "b.txt", "empty/", "escape", "link", "skip/"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("walk (-want +got):\n%s", diff)
	}

	got = nil
	err = d.Walk("a", func(p string, e fs.DirEntry, err error) error {
		got = append(got, p)
		return err
	})
	require.NoError(t, err)
	require.Equal(t, []string{"a", "a/self", "a/y", "a/y/x", "a/z"}, got)

	got = nil
	err = d.Walk("link", func(p string, e fs.DirEntry, err error) error {
		require.Equal(t, fs.ModeSymlink, e.Type())
		got = append(got, p)
		return err
	})
	require.NoError(t, err)
	require.Equal(t, []string{"link"}, got, "a link at the start is not followed either")

	err = d.Walk("missing", func(p string, e fs.DirEntry, err error) error { return err })
	require.ErrorIs(t, err, fs.ErrNotExist)
	var pe *fs.PathError
	require.ErrorAs(t, err, &pe)
	require.Equal(t, filepath.Join(d.Path(), "missing"), pe.Path)

	stop := errors.New("stop")
	require.ErrorIs(t, d.Walk(".", func(string, fs.DirEntry, error) error { return stop }), stop)
}

func TestReadDirAndLstat(t *testing.T) {
	top := t.TempDir()
	testtree.Write(t, top, "d/b=b", "d/a/", "d/c => b")
	d, err := fileops.OpenDir(filepath.Join(top, "d"))
	require.NoError(t, err)
	defer d.Close()

	entries, err := d.ReadDir("")
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name()+":"+e.Type().String())
	}
	require.Equal(t, []string{"a:d---------", "b:----------", "c:L---------"}, names)

	fi, err := d.Lstat("c")
	require.NoError(t, err)
	require.Equal(t, fs.ModeSymlink, fi.Mode().Type())
	fi, err = d.Lstat(".")
	require.NoError(t, err)
	require.True(t, fi.IsDir())

	_, err = d.ReadDir("b")
	require.Error(t, err)
	_, err = d.Lstat("missing/x")
	require.ErrorIs(t, err, fs.ErrNotExist)
}

func TestCopy(t *testing.T) {
	ctx := context.Background()
	d := openTemp(t)
	testtree.Write(t, d.Path(), "src=hello", "dir/", "old/dst=old")
	require.NoError(t, os.Chmod(filepath.Join(d.Path(), "src"), 0o751))

	w, err := d.Copy(ctx, "src", "backup/1/src")
	require.NoError(t, err)
	require.Equal(t, "5d41402abc4b2a76b9719d911017c592", w.Hash)
	require.EqualValues(t, 5, w.Size)
	require.EqualValues(t, 5, w.Info.Size(), "Info describes the file written")
	require.Equal(t, "hello", readFile(t, filepath.Join(d.Path(), "backup", "1", "src")))
	if runtime.GOOS != "windows" {
		fi, err := d.Lstat("backup/1/src")
		require.NoError(t, err)
		require.Equal(t, fs.FileMode(0o751), fi.Mode().Perm(), "Copy keeps the source's permission bits")
	}

	_, err = d.Copy(ctx, "src", "old/dst")
	require.NoError(t, err)
	require.Equal(t, "hello", readFile(t, filepath.Join(d.Path(), "old", "dst")), "Copy replaces")

	_, err = d.Copy(ctx, "dir", "x")
	require.Error(t, err)
	_, err = d.Copy(ctx, "missing", "x")
	require.ErrorIs(t, err, fs.ErrNotExist)
	_, err = d.Lstat("x")
	require.ErrorIs(t, err, fs.ErrNotExist)
}

func TestRename(t *testing.T) {
	d := openTemp(t)
	testtree.Write(t, d.Path(), "a=A", "b=B", "tree/x/y=Y", "tree/z=Z", "full/f=F", "link => a")

	require.NoError(t, d.Rename("a", "backup/deep/a"), "parents of the target are created")
	require.NoError(t, d.Rename("b", "backup/deep/a"), "a file replaces a file")
	require.NoError(t, d.Rename("tree", "backup/tree"))
	require.NoError(t, d.Rename("link", "backup/link"), "a link is moved, not followed")
	err := d.Rename("missing", "x")
	require.ErrorIs(t, err, fs.ErrNotExist)
	var le *os.LinkError
	require.ErrorAs(t, err, &le)
	require.Equal(t, filepath.Join(d.Path(), "missing"), le.Old)
	require.Equal(t, filepath.Join(d.Path(), "x"), le.New)
	require.Error(t, d.Rename("backup/deep/a", "full"), "a file cannot replace a directory")

	want := []string{
		"backup/", "backup/deep/", "backup/deep/a=B", "backup/link => a",
		"backup/tree/", "backup/tree/x/", "backup/tree/x/y=Y", "backup/tree/z=Z",
		"full/", "full/f=F",
	}
	require.Equal(t, want, testtree.Lines(t, d.Path()))
}

func TestRemove(t *testing.T) {
	d := openTemp(t)
	testtree.Write(t, d.Path(), "f=f", "empty/", "full/a/b=b", "keep=k")

	require.NoError(t, d.Remove("f"))
	require.NoError(t, d.Remove("empty"))
	require.Error(t, d.Remove("full"), "Remove deletes only empty directories (R122)")
	require.ErrorIs(t, d.Remove("missing"), fs.ErrNotExist)
	require.NoError(t, d.RemoveAll("full"))
	require.NoError(t, d.RemoveAll("missing"), "RemoveAll of nothing succeeds")
	require.Equal(t, []string{"keep=k"}, testtree.Lines(t, d.Path()))
}

func TestMkdirAll(t *testing.T) {
	d := openTemp(t)
	testtree.Write(t, d.Path(), "file=f")
	require.NoError(t, d.MkdirAll("a/b/c", 0o755))
	require.NoError(t, d.MkdirAll("a/b/c", 0o755), "existing directories are fine")
	require.NoError(t, d.MkdirAll(".", 0o755))
	require.Error(t, d.MkdirAll("file/x", 0o755))
	require.Equal(t, []string{"a/", "a/b/", "a/b/c/", "file=f"}, testtree.Lines(t, d.Path()))
}

func TestOpenDir(t *testing.T) {
	top := t.TempDir()
	testtree.Write(t, top, "d/", "file=f")

	t.Chdir(top)
	d, err := fileops.OpenDir("d/../d")
	require.NoError(t, err)
	require.Equal(t, filepath.Join(top, "d"), d.Path(), "absolute and clean")
	require.NoError(t, d.Close())
	_, err = d.Lstat(".")
	require.Error(t, err, "a closed Dir fails")

	_, err = fileops.OpenDir(filepath.Join(top, "missing"))
	require.ErrorIs(t, err, fs.ErrNotExist)
	_, err = fileops.OpenDir(filepath.Join(top, "file"))
	require.Error(t, err)

	d, err = fileops.CreateDir(filepath.Join(top, "new", "deploy"))
	require.NoError(t, err)
	defer d.Close()
	require.Equal(t, filepath.Join(top, "new", "deploy"), d.Path())
	_, err = fileops.CreateDir(filepath.Join(top, "file", "x"))
	require.Error(t, err)
}

func TestOpenParent(t *testing.T) {
	top := t.TempDir()
	testtree.Write(t, top, "etc/app.conf=old")
	abs := func(p string) string { return filepath.Join(top, filepath.FromSlash(p)) }

	d, base, err := fileops.OpenParent(abs("etc/app.conf"), false)
	require.NoError(t, err)
	require.Equal(t, abs("etc"), d.Path())
	require.Equal(t, "app.conf", base)
	_, err = d.WriteFile(context.Background(), base, strings.NewReader("new"), 0)
	require.NoError(t, err)
	require.NoError(t, d.Close())
	require.Equal(t, "new", readFile(t, abs("etc/app.conf")))

	_, _, err = fileops.OpenParent(abs("opt/app/x.txt"), false)
	require.ErrorIs(t, err, fs.ErrNotExist, "the parent is not created unless asked")
	d, base, err = fileops.OpenParent(abs("opt/app/x.txt"), true)
	require.NoError(t, err)
	require.Equal(t, "x.txt", base)
	require.DirExists(t, abs("opt/app"))
	require.NoError(t, d.Close())

	bad := []string{
		"relative/x",
		"",
		top + "/a/../b",
		top + "/a//b",
		top + "/a/",
		top + "/.",
		top + "/x\x00y",
		string(filepath.Separator),
		filepath.VolumeName(top) + string(filepath.Separator),
	}
	if runtime.GOOS == "windows" {
		bad = append(bad, `\no\drive`, `C:relative`, `\\?\C:\x`, `\\.\C:\x`, `C:\dir\NUL`, `C:\dir\a:b`)
	} else {
		bad = append(bad, `C:\x`)
	}
	for _, p := range bad {
		_, _, err := fileops.OpenParent(p, true)
		require.ErrorIs(t, err, fileops.ErrUnsafePath, "%q", p)
	}
	require.Equal(t, []string{"etc/", "etc/app.conf=new", "opt/", "opt/app/"}, testtree.Lines(t, top), "nothing created for bad paths")
}

func TestFreeSpace(t *testing.T) {
	top := t.TempDir()
	testtree.Write(t, top, "file=f")
	for _, p := range []string{
		top,
		filepath.Join(top, "not", "yet", "created"),
		filepath.Join(top, "file", "below", "a", "file"),
	} {
		n, err := fileops.FreeSpace(p)
		if errors.Is(err, errors.ErrUnsupported) {
			t.Skip(err)
		}
		require.NoError(t, err, p)
		require.Positive(t, n, p)
	}
}

func TestHash(t *testing.T) {
	for in, want := range map[string]string{
		"":                         "d41d8cd98f00b204e9800998ecf8427e",
		"abc":                      "900150983cd24fb0d6963f7d28e17f72",
		strings.Repeat("a", 1<<20): "7202826a7791073fe2787f0c94603278",
	} {
		sum, n, err := fileops.Hash(strings.NewReader(in))
		require.NoError(t, err)
		require.Equal(t, want, sum)
		require.Equal(t, int64(len(in)), n)
	}
	failing := errors.New("read failed")
	_, _, err := fileops.Hash(io.MultiReader(strings.NewReader("abc"), errReader{failing}))
	require.ErrorIs(t, err, failing)

	d := openTemp(t)
	testtree.Write(t, d.Path(), "f=abc")
	sum, err := d.HashFile("f")
	require.NoError(t, err)
	require.Equal(t, "900150983cd24fb0d6963f7d28e17f72", sum)
	_, err = d.HashFile("missing")
	require.ErrorIs(t, err, fs.ErrNotExist)
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

func TestOpenFileAndFS(t *testing.T) {
	d, err := fileops.OpenDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	f, err := dirfile.OpenFile(d, "lock", os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("held")
	f.Close()
	if _, err := dirfile.OpenFile(d, "lock", os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("second exclusive create: %v, want fs.ErrExist", err)
	}
	if _, err := dirfile.OpenFile(d, "../escape", os.O_WRONLY|os.O_CREATE, 0o600); !errors.Is(err, fileops.ErrUnsafePath) {
		t.Fatalf("escaping name: %v, want ErrUnsafePath", err)
	}
	data, err := fs.ReadFile(d.FS(), "lock")
	if err != nil || string(data) != "held" {
		t.Fatalf("FS read: %q, %v", data, err)
	}
}

// TestReadlinkSymlink: links are made and read through the Dir, names are
// validated, and a symlinked parent is not followed out of the directory.
func TestReadlinkSymlink(t *testing.T) {
	base := t.TempDir()
	outside := t.TempDir()
	if err := os.Symlink("elsewhere", filepath.Join(outside, "link")); err != nil {
		t.Skip("symbolic links are not available:", err)
	}
	d, err := fileops.OpenDir(base)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.Symlink("../init.d/app", "S80app"); err != nil {
		t.Fatal(err)
	}
	if got, err := d.Readlink("S80app"); err != nil || got != "../init.d/app" {
		t.Fatalf("Readlink = %q, %v", got, err)
	}
	if err := d.Symlink("x", "../escape"); !errors.Is(err, fileops.ErrUnsafePath) {
		t.Fatalf("Symlink ../escape: %v, want ErrUnsafePath", err)
	}
	if err := os.Symlink(outside, filepath.Join(base, "up")); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Readlink("up/link"); err == nil {
		t.Fatal("Readlink through a symlinked parent leading outside succeeded")
	}
}
