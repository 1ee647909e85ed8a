package locate_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/fileops"
	"github.com/bundlekit/bundlekit/internal/locate"
	"github.com/bundlekit/bundlekit/internal/testtree"
)

// layout is a set of real directories that the tests route paths into:
//
//	base/dest          the main root (relative keys), opened by Roots
//	base/dest/mnt      a second root inside it, with a handle given to AddRoot
//	base/lazy          a root registered with create, not made yet
//	base/fixed         a root registered without create, not made yet
//	base/ext           an external directory, no root
//	base/outside       what symbolic links inside the roots point to
type layout struct {
	base, dest, mnt, lazy, fixed, ext, outside string
	mntDir                                     *fileops.Dir
}

func newLayout(t *testing.T) *layout {
	t.Helper()
	base := t.TempDir()
	l := &layout{
		base:    base,
		dest:    filepath.Join(base, "dest"),
		mnt:     filepath.Join(base, "dest", "mnt"),
		lazy:    filepath.Join(base, "lazy"),
		fixed:   filepath.Join(base, "fixed"),
		ext:     filepath.Join(base, "ext"),
		outside: filepath.Join(base, "outside"),
	}
	for _, dir := range []string{l.dest, l.mnt, l.ext, l.outside} {
		require.NoError(t, os.MkdirAll(dir, 0o755))
	}
	files := map[string]string{
		filepath.Join(l.dest, "a", "b.txt"):  "b",
		filepath.Join(l.mnt, "x"):            "x",
		filepath.Join(l.ext, "e.conf"):       "e",
		filepath.Join(l.outside, "secret"):   "secret",
		filepath.Join(l.outside, "d", "one"): "one",
	}
	for p, body := range files {
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
	}
	links := map[string]string{
		filepath.Join(l.dest, "out"):      l.outside,                          // absolute, to a directory
		filepath.Join(l.dest, "rel"):      filepath.Join("..", "outside"),     // relative, to a directory
		filepath.Join(l.dest, "leak"):     filepath.Join(l.outside, "secret"), // to a file
		filepath.Join(l.dest, "in"):       "a",                                // stays inside
		filepath.Join(l.ext, "leak"):      filepath.Join(l.outside, "secret"), // external base name
		filepath.Join(l.ext, "linkeddir"): filepath.Join(l.outside, "d"),      // external parent
		filepath.Join(l.mnt, "up"):        filepath.Join("..", "a"),           // leaves the inner root
	}
	for p, target := range links {
		if err := os.Symlink(target, p); err != nil && runtime.GOOS == "windows" {
			t.Skipf("cannot create symbolic links: %v", err)
		} else {
			require.NoError(t, err)
		}
	}
	var err error
	l.mntDir, err = fileops.OpenDir(l.mnt)
	require.NoError(t, err)
	t.Cleanup(func() { l.mntDir.Close() })
	return l
}

// roots registers the layout's roots. The nested root goes first, so that
// the deepest root wins by length, not by order.
func (l *layout) roots(t *testing.T, opts locate.Options) *locate.Roots {
	t.Helper()
	r := locate.New(opts)
	require.NoError(t, r.AddRoot(l.mnt, l.mntDir, false))
	require.NoError(t, r.SetMain(l.dest, nil, false))
	require.NoError(t, r.AddRoot(l.lazy, nil, true))
	require.NoError(t, r.AddRoot(l.fixed, nil, false))
	t.Cleanup(func() { require.NoError(t, r.Close()) })
	return r
}

// TestResolve routes keys and absolute paths to the handle they go through
// (R8, R86): relative keys to the main root, absolute paths to the deepest
// root holding them, every other absolute path to its parent directory.
func TestResolve(t *testing.T) {
	l := newLayout(t)
	for _, tc := range []struct {
		name   string
		key    func(l *layout) string
		create bool
		// dir is the path of the handle, name the rest; external says the
		// path was routed through its parent.
		dir      func(l *layout) string
		loc      string
		external bool
		// made is a directory Resolve must have created.
		made func(l *layout) string
	}{
		{name: "relative key", key: lit("a/b.txt"), dir: dest, loc: "a/b.txt"},
		{name: "relative key, missing file", key: lit("a/new.txt"), dir: dest, loc: "a/new.txt"},
		{name: "relative key through a root's subtree", key: lit("mnt/x"), dir: dest, loc: "mnt/x"},
		{name: "empty key is the main root", key: lit(""), dir: dest, loc: ""},
		{name: "absolute path in the main root", key: join(dest, "a/b.txt"), dir: dest, loc: "a/b.txt"},
		{name: "absolute path of the main root", key: dest, dir: dest, loc: ""},
		{name: "absolute path in the nested root", key: join(mnt, "x"), dir: mnt, loc: "x"},
		{name: "absolute path of the nested root", key: mnt, dir: mnt, loc: ""},
		{name: "sibling sharing a prefix with a root", key: func(l *layout) string { return l.mnt + "x" }, dir: dest, loc: "mntx"},
		{name: "slash-separated absolute key", key: func(l *layout) string { return filepath.ToSlash(filepath.Join(l.dest, "a", "b.txt")) }, dir: dest, loc: "a/b.txt"},
		{name: "external path", key: join(ext, "e.conf"), dir: ext, loc: "e.conf", external: true},
		{name: "external path, missing file", key: join(ext, "new.conf"), dir: ext, loc: "new.conf", external: true},
		{name: "external directory", key: ext, dir: base, loc: "ext", external: true},
		{
			name: "external path with missing parents, create", key: join(ext, "n/m/e.conf"), create: true,
			dir: join(ext, "n/m"), loc: "e.conf", external: true, made: join(ext, "n/m"),
		},
		{
			// A symbolic link in an external path's parent is followed, as RHQ
			// did; only the base name is confined (fileops.OpenParent).
			name: "external parent through a symbolic link", key: join(ext, "linkeddir/one"),
			dir: join(ext, "linkeddir"), loc: "one", external: true,
		},
		{name: "root registered with create, create", key: join(lazy, "f"), create: true, dir: lazy, loc: "f", made: lazy},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := l.roots(t, locate.Options{})
			loc, err := r.Resolve(tc.key(l), tc.create)
			require.NoError(t, err)
			defer loc.Close()
			require.Equal(t, tc.dir(l), loc.Dir.Path())
			require.Equal(t, tc.loc, loc.Name)
			require.Equal(t, tc.external, loc.External)
			if tc.loc != "" {
				require.Equal(t, filepath.Join(tc.dir(l), filepath.FromSlash(tc.loc)), loc.Abs)
			}
			if tc.made != nil {
				fi, err := os.Stat(tc.made(l))
				require.NoError(t, err)
				require.True(t, fi.IsDir())
			}
			if tc.dir(l) == l.mnt {
				require.Same(t, l.mntDir, loc.Dir, "a handle given to AddRoot is the one used")
			}
			// The handle works: the name can be looked at through it.
			_, err = loc.Dir.Lstat(loc.Name)
			if err != nil {
				require.ErrorIs(t, err, fs.ErrNotExist)
			}
		})
	}
}

func lit(s string) func(*layout) string { return func(*layout) string { return s } }
func dest(l *layout) string             { return l.dest }
func mnt(l *layout) string              { return l.mnt }
func ext(l *layout) string              { return l.ext }
func base(l *layout) string             { return l.base }
func lazy(l *layout) string             { return l.lazy }
func fixed(l *layout) string            { return l.fixed }
func join(dir func(*layout) string, rel string) func(*layout) string {
	return func(l *layout) string { return filepath.Join(dir(l), filepath.FromSlash(rel)) }
}

// TestResolveRefuses: input that is not a clean key, or a path that does not
// exist where it must, fails with the reason as a sentinel, and nothing is
// created on the way.
func TestResolveRefuses(t *testing.T) {
	l := newLayout(t)
	for _, tc := range []struct {
		name   string
		key    func(l *layout) string
		create bool
		want   error
		// absent is a path that must still not exist afterwards.
		absent func(l *layout) string
	}{
		{name: "dot-dot in the middle", key: lit("a/../b"), want: fileops.ErrUnsafePath},
		{name: "leading dot", key: lit("./a"), want: fileops.ErrUnsafePath},
		{name: "dot element", key: lit("a/./b"), want: fileops.ErrUnsafePath},
		{name: "double slash", key: lit("a//b"), want: fileops.ErrUnsafePath},
		{name: "trailing slash", key: lit("a/"), want: fileops.ErrUnsafePath},
		{name: "escapes through dot-dot", key: lit("../x"), want: fileops.ErrUnsafePath},
		{name: "escapes through dot-dot, create", key: lit("../made"), create: true, want: fileops.ErrUnsafePath, absent: join(base, "made")},
		{name: "ends in dot-dot", key: lit("a/.."), want: fileops.ErrUnsafePath},
		{name: "only dot-dot", key: lit(".."), want: fileops.ErrUnsafePath},
		{name: "absolute with dot-dot", key: func(l *layout) string { return l.dest + "/../outside/secret" }, want: fileops.ErrUnsafePath},
		{name: "absolute with dot-dot, create", key: func(l *layout) string { return l.dest + "/../made/f" }, create: true, want: fileops.ErrUnsafePath, absent: join(base, "made")},
		{name: "absolute with dot element", key: func(l *layout) string { return l.dest + "/./a" }, want: fileops.ErrUnsafePath},
		{name: "absolute with double slash", key: func(l *layout) string { return l.dest + "//a" }, want: fileops.ErrUnsafePath},
		{name: "absolute with trailing slash", key: func(l *layout) string { return l.ext + "/" }, want: fileops.ErrUnsafePath},
		{name: "leading double slash", key: func(l *layout) string { return "/" + l.ext }, want: fileops.ErrUnsafePath},
		{name: "file system root", key: lit("/"), want: fileops.ErrUnsafePath},
		{name: "external, missing parent", key: join(ext, "n/e.conf"), want: fs.ErrNotExist, absent: join(ext, "n")},
		{name: "root registered with create, no create", key: join(lazy, "f"), want: fs.ErrNotExist, absent: lazy},
		{name: "root registered without create, create", key: join(fixed, "f"), create: true, want: fs.ErrNotExist, absent: fixed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := l.roots(t, locate.Options{CacheParents: true})
			loc, err := r.Resolve(tc.key(l), tc.create)
			require.ErrorIs(t, err, tc.want, "got %+v", loc)
			var pe *fs.PathError
			require.ErrorAs(t, err, &pe, "the error names the path")
			if tc.absent != nil {
				_, err := os.Lstat(tc.absent(l))
				require.ErrorIs(t, err, fs.ErrNotExist, "nothing was created")
			}
		})
	}
}

// TestHandleRefuses: a key that is clean but no valid name (a NUL byte, a
// drive letter, R187) is routed, and the handle refuses it on first use: the
// name checks live in fileops, once.
func TestHandleRefuses(t *testing.T) {
	l := newLayout(t)
	r := l.roots(t, locate.Options{})
	for _, key := range []string{"a\x00b", "C:/x", "c:x", filepath.Join(l.dest, "x\x00y")} {
		loc, err := r.Resolve(key, false)
		require.NoError(t, err, "%q", key)
		_, err = loc.Dir.Lstat(loc.Name)
		require.ErrorIs(t, err, fileops.ErrUnsafePath, "%q", key)
		_, err = loc.Dir.WriteFile(context.Background(), loc.Name, strings.NewReader("x"), 0)
		require.ErrorIs(t, err, fileops.ErrUnsafePath, "%q", key)
	}
}

// TestLocateRefusesRelative: Locate takes absolute paths only; a relative one
// is never taken relative to the working directory.
func TestLocateRefusesRelative(t *testing.T) {
	l := newLayout(t)
	r := l.roots(t, locate.Options{})
	for _, p := range []string{"a/b.txt", "a", "", ".", "../x", filepath.Join("dest", "a")} {
		_, err := r.Locate(p, true)
		require.ErrorIs(t, err, fileops.ErrUnsafePath, "%q", p)
	}
	_, err := os.Lstat(filepath.Join(l.base, "x"))
	require.ErrorIs(t, err, fs.ErrNotExist)
}

// TestRegistration: roots are absolute; relative keys need a main root.
func TestRegistration(t *testing.T) {
	l := newLayout(t)
	r := locate.New(locate.Options{})
	defer r.Close()
	require.Error(t, r.AddRoot("dest", nil, false), "a relative root")
	require.Error(t, r.SetMain("dest", nil, false), "a relative main root")

	_, err := r.Resolve("a/b.txt", false)
	require.Error(t, err, "a relative key without a main root")
	loc, err := r.Resolve(filepath.Join(l.ext, "e.conf"), false)
	require.NoError(t, err, "absolute paths need no root")
	loc.Close()

	// A root registered without a handle gets the one given later, and an
	// unclean spelling of a root is the same root.
	require.NoError(t, r.AddRoot(l.mnt+string(filepath.Separator), nil, false))
	require.NoError(t, r.AddRoot(l.mnt, l.mntDir, false))
	loc, err = r.Locate(filepath.Join(l.mnt, "x"), false)
	require.NoError(t, err)
	require.Same(t, l.mntDir, loc.Dir)
	require.Equal(t, "x", loc.Name)
}

// TestSymlinkConfined: a symbolic link inside a root that leads out of it
// resolves lexically, but every operation through the returned handle is
// refused by os.Root (R181 GO, R182 GO), whether the path came as a key or as
// an absolute path routed through the root. The same holds for the base name
// of an external path. The targets exist, so each failure is the guard's, not
// a missing file's.
func TestSymlinkConfined(t *testing.T) {
	ctx := context.Background()
	ops := map[string]func(loc locate.Loc) error{
		"open": func(loc locate.Loc) error {
			f, err := loc.Dir.Open(loc.Name)
			if err == nil {
				f.Close()
			}
			return err
		},
		"copy from": func(loc locate.Loc) error {
			_, err := loc.Dir.Copy(ctx, loc.Name, "stolen")
			return err
		},
		"write": func(loc locate.Loc) error {
			_, err := loc.Dir.WriteFile(ctx, loc.Name, strings.NewReader("pwned"), 0)
			return err
		},
		"lstat":  func(loc locate.Loc) error { _, err := loc.Dir.Lstat(loc.Name); return err },
		"remove": func(loc locate.Loc) error { return loc.Dir.Remove(loc.Name) },
	}
	// Through a link to a directory every operation is refused; on a link to
	// a file, those that act on the link itself (lstat, write, remove) are
	// allowed and never reach the target, so only reading is tried.
	through := []string{"open", "copy from", "write", "lstat", "remove"}
	reads := []string{"open", "copy from"}
	for _, tc := range []struct {
		name string
		path func(l *layout) string
		ops  []string
	}{
		{"key through an absolute link", lit("out/secret"), through},
		{"key through a relative link", lit("rel/secret"), through},
		{"key that is a link to a file", lit("leak"), reads},
		{"absolute path through a link in the main root", join(dest, "out/secret"), through},
		{"absolute path through a link leaving the nested root", join(mnt, "up/b.txt"), through},
		{"external base name that is a link", join(ext, "leak"), reads},
	} {
		for _, op := range tc.ops {
			t.Run(tc.name+"/"+op, func(t *testing.T) {
				l := newLayout(t)
				r := l.roots(t, locate.Options{})
				loc, err := r.Resolve(tc.path(l), false)
				require.NoError(t, err, "routing is lexical")
				defer loc.Close()

				err = ops[op](loc)
				require.ErrorIs(t, err, testtree.ErrEscapes(), "os.Root refused the link")

				for p, body := range map[string]string{
					filepath.Join(l.outside, "secret"):  "secret",
					filepath.Join(l.dest, "a", "b.txt"): "b", // the nested root's parent
				} {
					data, err := os.ReadFile(p)
					require.NoError(t, err)
					require.Equal(t, body, string(data), "nothing outside the root changed")
				}
				_, err = os.Lstat(filepath.Join(loc.Dir.Path(), "stolen"))
				require.ErrorIs(t, err, fs.ErrNotExist)
			})
		}
	}

	// A link that stays inside its root is followed.
	l := newLayout(t)
	r := l.roots(t, locate.Options{})
	loc, err := r.Resolve("in/b.txt", false)
	require.NoError(t, err)
	f, err := loc.Dir.Open(loc.Name)
	require.NoError(t, err)
	require.NoError(t, f.Close())
}

// TestCacheParents: with CacheParents every path in one external directory
// shares one handle, which Loc.Close leaves open and Roots.Close releases;
// without it each Loc owns its handle.
func TestCacheParents(t *testing.T) {
	l := newLayout(t)
	e1, e2 := filepath.Join(l.ext, "e.conf"), filepath.Join(l.ext, "other.conf")

	t.Run("cached", func(t *testing.T) {
		r := locate.New(locate.Options{CacheParents: true})
		a, err := r.Locate(e1, false)
		require.NoError(t, err)
		b, err := r.Locate(e2, false)
		require.NoError(t, err)
		require.Same(t, a.Dir, b.Dir, "one handle per parent")

		a.Close()
		_, err = b.Dir.Lstat("e.conf")
		require.NoError(t, err, "Loc.Close leaves a cached handle open")

		require.NoError(t, r.Close())
		_, err = b.Dir.Lstat("e.conf")
		require.ErrorIs(t, err, fs.ErrClosed, "Roots.Close releases it")
	})

	t.Run("not cached", func(t *testing.T) {
		r := locate.New(locate.Options{})
		defer r.Close()
		a, err := r.Locate(e1, false)
		require.NoError(t, err)
		b, err := r.Locate(e2, false)
		require.NoError(t, err)
		require.NotSame(t, a.Dir, b.Dir, "each Loc has its own handle")

		a.Close()
		_, err = a.Dir.Lstat("e.conf")
		require.ErrorIs(t, err, fs.ErrClosed, "Loc.Close releases its own handle")
		_, err = b.Dir.Lstat("e.conf")
		require.NoError(t, err, "the other Loc's handle is untouched")
		b.Close()
	})

	t.Run("a parent remade between calls", func(t *testing.T) {
		// Without the cache, a directory removed and made again is reached
		// afresh; with it, the owner has promised not to do that.
		dir := filepath.Join(l.base, "remade")
		require.NoError(t, os.Mkdir(dir, 0o755))
		r := locate.New(locate.Options{})
		defer r.Close()
		a, err := r.Locate(filepath.Join(dir, "f"), false)
		require.NoError(t, err)
		a.Close()
		require.NoError(t, os.Remove(dir))
		require.NoError(t, os.Mkdir(dir, 0o755))
		b, err := r.Locate(filepath.Join(dir, "f"), false)
		require.NoError(t, err)
		defer b.Close()
		_, err = b.Dir.WriteFile(context.Background(), b.Name, strings.NewReader("x"), 0)
		require.NoError(t, err)
		_, err = os.Stat(filepath.Join(dir, "f"))
		require.NoError(t, err, "the file is in the new directory")
	})

	t.Run("concurrent first use", func(t *testing.T) {
		r := locate.New(locate.Options{CacheParents: true})
		const n = 8
		dirs := make([]*fileops.Dir, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				loc, err := r.Locate(filepath.Join(l.ext, fmt.Sprintf("f%d", i)), false)
				if err == nil {
					dirs[i] = loc.Dir
				}
			})
		}
		wg.Wait()
		for i := range n {
			require.Same(t, dirs[0], dirs[i], "every caller gets the handle that was kept")
		}
		_, err := dirs[0].Lstat("e.conf")
		require.NoError(t, err, "the kept handle is open; the losers' were closed")
		require.NoError(t, r.Close())
	})
}

// TestClose: Close releases the handles Roots opened, cached parents
// included, and leaves those given to AddRoot or SetMain open.
func TestClose(t *testing.T) {
	l := newLayout(t)
	given, err := fileops.OpenDir(l.dest)
	require.NoError(t, err)
	defer given.Close()

	for _, tc := range []struct {
		name  string
		main  *fileops.Dir
		owned bool
	}{
		{"main root opened by Roots", nil, true},
		{"main root given", given, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := locate.New(locate.Options{CacheParents: true})
			require.NoError(t, r.SetMain(l.dest, tc.main, false))
			require.NoError(t, r.AddRoot(l.mnt, l.mntDir, false))
			require.NoError(t, r.AddRoot(l.lazy, nil, true))

			main, err := r.Resolve("a/b.txt", false)
			require.NoError(t, err)
			inner, err := r.Resolve(filepath.Join(l.mnt, "x"), false)
			require.NoError(t, err)
			lazyLoc, err := r.Resolve(filepath.Join(l.lazy, "f"), true)
			require.NoError(t, err)
			external, err := r.Resolve(filepath.Join(l.ext, "e.conf"), false)
			require.NoError(t, err)
			if tc.main != nil {
				require.Same(t, tc.main, main.Dir)
			}

			require.NoError(t, r.Close())
			closed := func(loc locate.Loc) bool {
				_, err := loc.Dir.Lstat("")
				if err != nil {
					require.ErrorIs(t, err, fs.ErrClosed)
				}
				return err != nil
			}
			require.Equal(t, tc.owned, closed(main), "main root")
			require.False(t, closed(inner), "a root given to AddRoot stays open")
			require.True(t, closed(lazyLoc), "a root Roots opened (and made) is closed")
			require.True(t, closed(external), "a cached parent is closed")
		})
	}
}

func TestWithin(t *testing.T) {
	sep := string(filepath.Separator)
	root := filepath.Join(sep, "srv", "app")
	for _, tc := range []struct {
		root, abs string
		rel       string
		ok        bool
	}{
		{root, root, "", true},
		{root, filepath.Join(root, "conf"), "conf", true},
		{root, filepath.Join(root, "conf", "app.properties"), "conf/app.properties", true},
		{root, filepath.Join(root, "..a"), "..a", true},
		{root, root + "x", "", false},
		{root, filepath.Join(root, "..", "apps", "x"), "", false},
		{root, filepath.Dir(root), "", false},
		{root, sep, "", false},
		{root, filepath.Join(sep, "other"), "", false},
		{sep, filepath.Join(sep, "etc", "hosts"), "etc/hosts", true},
		{sep, sep, "", true},
	} {
		rel, ok := locate.Within(tc.root, tc.abs)
		require.Equal(t, tc.ok, ok, "Within(%q, %q)", tc.root, tc.abs)
		require.Equal(t, tc.rel, rel, "Within(%q, %q)", tc.root, tc.abs)
	}
}

// Example routes a destination key, an external path and a hostile key.
func Example() {
	base, err := os.MkdirTemp("", "locate")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(base)
	dest, ext := filepath.Join(base, "dest"), filepath.Join(base, "etc")

	roots := locate.New(locate.Options{CacheParents: true})
	defer roots.Close()
	// The destination is made when something is first written to it.
	if err := roots.SetMain(dest, nil, true); err != nil {
		log.Fatal(err)
	}

	for _, key := range []string{"conf/app.properties", filepath.ToSlash(filepath.Join(ext, "app", "app.conf"))} {
		loc, err := roots.Resolve(key, true)
		if err != nil {
			log.Fatal(err)
		}
		if _, err := loc.Dir.WriteFile(context.Background(), loc.Name, strings.NewReader("port=8080\n"), 0); err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s in %s (external: %t)\n", loc.Name, filepath.Base(loc.Dir.Path()), loc.External)
		loc.Close()
	}

	_, err = roots.Resolve("../escape", true)
	fmt.Println(errors.Is(err, fileops.ErrUnsafePath))
	// Output:
	// conf/app.properties in dest (external: false)
	// app.conf in app (external: true)
	// true
}
