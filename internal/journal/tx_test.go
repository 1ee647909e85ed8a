//go:build unix

// The Tx tests check Unix permission bits (R101) and symbolic links
// throughout.

package journal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/fileops"
	"github.com/bundlekit/bundlekit/internal/dirfile"
	"github.com/bundlekit/bundlekit/internal/faults"
	"github.com/bundlekit/bundlekit/internal/metadata"
)

// The tests in this file drive Tx the way package bundle does, on a real
// destination and a real external directory (see scene), and compare complete
// trees: every entry below both directories, the metadata folder, lock and
// journal included, with its type, permission bits, content or link target.

// snap describes everything below the scene's destination and external
// directory; external entries are prefixed "ext:". A destination that does
// not exist describes as no entries.
func snap(t *testing.T, s *scene) map[string]string {
	t.Helper()
	out := map[string]string{}
	for prefix, root := range map[string]string{"": s.d.Path(), "ext:": s.ext} {
		err := filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
			if p == root && errors.Is(err, fs.ErrNotExist) {
				return fs.SkipAll
			}
			if err != nil || p == root {
				return err
			}
			rel, err := filepath.Rel(root, p)
			if err != nil {
				return err
			}
			fi, err := e.Info()
			if err != nil {
				return err
			}
			desc := fi.Mode().String()
			switch {
			case fi.Mode().IsRegular():
				data, err := os.ReadFile(p)
				if err != nil {
					return err
				}
				desc += " " + string(data)
			case fi.Mode()&fs.ModeSymlink != 0:
				target, err := os.Readlink(p)
				if err != nil {
					return err
				}
				desc += " -> " + filepath.ToSlash(target)
			}
			out[prefix+filepath.ToSlash(rel)] = desc
			return nil
		})
		require.NoError(t, err)
	}
	return out
}

// requireTreeEqual fails with a diff when the scene's tree is not want.
func requireTreeEqual(t *testing.T, want map[string]string, s *scene, msg string) {
	t.Helper()
	if diff := cmp.Diff(want, snap(t, s)); diff != "" {
		t.Fatalf("%s (-want +got):\n%s", msg, diff)
	}
}

// requireClean checks that no operation is left behind: no journal, no trash,
// no lock, and no temporary file anywhere in either directory.
func requireClean(t *testing.T, s *scene) {
	t.Helper()
	require.False(t, PendingAt(s.d.Path()), "no journal is pending")
	for name := range snap(t, s) {
		require.False(t, dirfile.IsTemp(name), "temporary file %s", name)
		require.False(t, name == Dir || strings.HasPrefix(name, Dir+"/"), "journal folder entry %s", name)
		require.NotEqual(t, LockFile, name, "the lock is released")
	}
}

// dirMode and the other descriptions below are snap's: the modes newScene and
// Tx give by default.
const (
	dirMode  = "drwxr-xr-x"
	fileMode = "-rw-r-----" // newScene's files
	newMode  = "-rw-r--r--" // a new file written with perm 0
)

func file(mode, body string) string { return mode + " " + body }
func link(target string) string     { return "Lrwxrwxrwx -> " + target }

// with returns tree with changes applied: "" removes an entry.
func with(tree map[string]string, changes map[string]string) map[string]string {
	out := maps.Clone(tree)
	for k, v := range changes {
		if v == "" {
			delete(out, k)
		} else {
			out[k] = v
		}
	}
	return out
}

func chmod(t *testing.T, s *scene, name string, mode fs.FileMode) {
	t.Helper()
	require.NoError(t, os.Chmod(s.path(name), mode))
}

func symlink(t *testing.T, s *scene, target, name string) {
	t.Helper()
	require.NoError(t, os.Symlink(filepath.FromSlash(target), s.path(name)))
}

// path returns the absolute path of a snap name.
func (s *scene) path(name string) string {
	if rest, ok := strings.CutPrefix(name, "ext:"); ok {
		return s.abs(rest)
	}
	return filepath.Join(s.d.Path(), filepath.FromSlash(name))
}

func begin(t *testing.T, s *scene, hook func(n int)) *Tx {
	t.Helper()
	tx, err := Begin(context.Background(), s.d.Path(), TxOptions{Kind: "deploy", ID: 2, Hook: hook})
	require.NoError(t, err)
	return tx
}

func writeString(t *testing.T, tx *Tx, key, body string, perm fs.FileMode) {
	t.Helper()
	w, err := tx.WriteFile(ctx, key, strings.NewReader(body), perm)
	require.NoError(t, err)
	require.Equal(t, int64(len(body)), w.Size)
	sum, _, err := fileops.Hash(strings.NewReader(body))
	require.NoError(t, err)
	require.Equal(t, sum, w.Hash)
}

// txCase is one or a few Tx calls on a prepared scene, with the tree they
// leave once committed.
type txCase struct {
	name   string
	before []string                     // newScene's specs
	prep   func(t *testing.T, s *scene) // links and modes newScene cannot make
	run    func(t *testing.T, tx *Tx, s *scene)
	want   func(before map[string]string) map[string]string // the tree after Commit and Finish
}

func change(changes map[string]string) func(map[string]string) map[string]string {
	return func(before map[string]string) map[string]string { return with(before, changes) }
}

// prepare builds a case's scene.
func (tc txCase) prepare(t *testing.T) *scene {
	t.Helper()
	s := newScene(t, tc.before...)
	if tc.prep != nil {
		tc.prep(t, s)
	}
	return s
}

var ctx = context.Background()

// txCases cover every method that changes something, for keys of the
// destination and external keys (R8), with the modes R101 asks for.
var txCases = []txCase{
	{
		name: "WriteFile: new file in new directories, perm 0",
		run:  func(t *testing.T, tx *Tx, _ *scene) { writeString(t, tx, "a/b/c.txt", "new", 0) },
		want: change(map[string]string{"a": dirMode, "a/b": dirMode, "a/b/c.txt": file(newMode, "new")}),
	},
	{
		name: "WriteFile: explicit perm is exact, whatever the umask",
		run:  func(t *testing.T, tx *Tx, _ *scene) { writeString(t, tx, "x", "new", 0o666) },
		want: change(map[string]string{"x": file("-rw-rw-rw-", "new")}),
	},
	{
		name:   "WriteFile: perm 0 keeps an existing file's bits (R101)",
		before: []string{"x=old"},
		prep:   func(t *testing.T, s *scene) { chmod(t, s, "x", 0o751) },
		run:    func(t *testing.T, tx *Tx, _ *scene) { writeString(t, tx, "x", "new", 0) },
		want:   change(map[string]string{"x": file("-rwxr-x--x", "new")}),
	},
	{
		name:   "WriteFile: explicit perm over an existing file",
		before: []string{"x=old"},
		run:    func(t *testing.T, tx *Tx, _ *scene) { writeString(t, tx, "x", "new", 0o600) },
		want:   change(map[string]string{"x": file("-rw-------", "new")}),
	},
	{
		name:   "WriteFile: a symbolic link is replaced, not written through",
		before: []string{"target=t"},
		prep:   func(t *testing.T, s *scene) { symlink(t, s, "target", "l") },
		run:    func(t *testing.T, tx *Tx, _ *scene) { writeString(t, tx, "l", "new", 0) },
		want:   change(map[string]string{"l": file(newMode, "new")}),
	},
	{
		name:   "WriteFile: a directory is replaced",
		before: []string{"d/x=1"},
		run:    func(t *testing.T, tx *Tx, _ *scene) { writeString(t, tx, "d", "file", 0) },
		want:   change(map[string]string{"d": file(newMode, "file"), "d/x": ""}),
	},
	{
		name: "WriteFile: external, new file in new directories (R114)",
		run:  func(t *testing.T, tx *Tx, s *scene) { writeString(t, tx, s.abs("n/m/e.conf"), "new", 0) },
		want: change(map[string]string{"ext:n": dirMode, "ext:n/m": dirMode, "ext:n/m/e.conf": file(newMode, "new")}),
	},
	{
		name:   "WriteFile: external, perm 0 keeps the bits (R113, R101)",
		before: []string{"ext:conf/e.conf=old"},
		prep:   func(t *testing.T, s *scene) { chmod(t, s, "ext:conf/e.conf", 0o604) },
		run:    func(t *testing.T, tx *Tx, s *scene) { writeString(t, tx, s.abs("conf/e.conf"), "new", 0) },
		want:   change(map[string]string{"ext:conf/e.conf": file("-rw----r--", "new")}),
	},
	{
		name:   "WriteFile: external, explicit perm",
		before: []string{"ext:e.conf=old"},
		run:    func(t *testing.T, tx *Tx, s *scene) { writeString(t, tx, s.abs("e.conf"), "new", 0o755) },
		want:   change(map[string]string{"ext:e.conf": file("-rwxr-xr-x", "new")}),
	},
	{
		name:   "WriteFile: external symbolic link is replaced",
		before: []string{"ext:target=t"},
		prep:   func(t *testing.T, s *scene) { symlink(t, s, "target", "ext:l") },
		run:    func(t *testing.T, tx *Tx, s *scene) { writeString(t, tx, s.abs("l"), "new", 0) },
		want:   change(map[string]string{"ext:l": file(newMode, "new")}),
	},
	{
		name:   "Copy: keeps the source's bits, into new directories",
		before: []string{"src=s"},
		prep:   func(t *testing.T, s *scene) { chmod(t, s, "src", 0o754) },
		run: func(t *testing.T, tx *Tx, _ *scene) {
			w, err := tx.Copy(ctx, "src", "bk/dst")
			require.NoError(t, err)
			require.Equal(t, int64(1), w.Size)
		},
		want: change(map[string]string{"bk": dirMode, "bk/dst": file("-rwxr-xr--", "s")}),
	},
	{
		name:   "Copy: over an existing file, the source's bits win",
		before: []string{"src=s", "dst=old"},
		prep:   func(t *testing.T, s *scene) { chmod(t, s, "src", 0o600) },
		run:    copyOK("src", "dst"),
		want:   change(map[string]string{"dst": file("-rw-------", "s")}),
	},
	{
		name:   "Copy: a symbolic link is copied as a link, never followed",
		before: []string{"src=s", "dst=old"},
		prep: func(t *testing.T, s *scene) {
			symlink(t, s, "src", "l")
			symlink(t, s, "nowhere", "dangling")
		},
		run: func(t *testing.T, tx *Tx, _ *scene) {
			copyOK("l", "dst")(t, tx, nil)
			copyOK("dangling", "d2")(t, tx, nil)
		},
		want: change(map[string]string{"dst": link("src"), "d2": link("nowhere")}),
	},
	{
		name:   "Copy: external to the destination (R126)",
		before: []string{"ext:e.conf=e"},
		prep:   func(t *testing.T, s *scene) { chmod(t, s, "ext:e.conf", 0o600) },
		run: func(t *testing.T, tx *Tx, s *scene) {
			copyOK(s.abs("e.conf"), ".rhqdeployments/2/ext-backup/e.conf")(t, tx, s)
		},
		want: change(map[string]string{
			".rhqdeployments": dirMode, ".rhqdeployments/2": dirMode, ".rhqdeployments/2/ext-backup": dirMode,
			".rhqdeployments/2/ext-backup/e.conf": file("-rw-------", "e"),
		}),
	},
	{
		name:   "Copy: destination to external, over a file",
		before: []string{"bk/e.conf=saved", "ext:e.conf=current"},
		run:    func(t *testing.T, tx *Tx, s *scene) { copyOK("bk/e.conf", s.abs("e.conf"))(t, tx, s) },
		want:   change(map[string]string{"ext:e.conf": file(fileMode, "saved")}),
	},
	{
		name:   "Symlink: new, in a new directory",
		before: []string{"t=t"},
		run:    func(t *testing.T, tx *Tx, _ *scene) { require.NoError(t, tx.Symlink("../t", "a/l")) },
		want:   change(map[string]string{"a": dirMode, "a/l": link("../t")}),
	},
	{
		name:   "Symlink: replaces a file, a link and a directory",
		before: []string{"f=file", "d/x=1", "a=a"},
		prep:   func(t *testing.T, s *scene) { symlink(t, s, "f", "l") },
		run: func(t *testing.T, tx *Tx, _ *scene) {
			require.NoError(t, tx.Symlink("a", "f"))
			require.NoError(t, tx.Symlink("a", "l"))
			require.NoError(t, tx.Symlink("a", "d"))
		},
		want: change(map[string]string{"f": link("a"), "l": link("a"), "d": link("a"), "d/x": ""}),
	},
	{
		name:   "Symlink: external, replaces a file and a link",
		before: []string{"ext:f=file"},
		prep:   func(t *testing.T, s *scene) { symlink(t, s, "f", "ext:l") },
		run: func(t *testing.T, tx *Tx, s *scene) {
			require.NoError(t, tx.Symlink("g", s.abs("f")))
			require.NoError(t, tx.Symlink("g", s.abs("l")))
		},
		want: change(map[string]string{"ext:f": link("g"), "ext:l": link("g")}),
	},
	{
		name:   "Trash: a file, a tree, and a missing path (a no-op)",
		before: []string{"f=1", "d/a=2", "d/b/c=3", "keep=4"},
		prep:   func(t *testing.T, s *scene) { symlink(t, s, "../keep", "d/l") },
		run: func(t *testing.T, tx *Tx, _ *scene) {
			for _, key := range []string{"f", "d", "missing", "d/gone/deeper"} {
				require.NoError(t, tx.Trash(key))
			}
		},
		want: change(map[string]string{"f": "", "d": "", "d/a": "", "d/b": "", "d/b/c": "", "d/l": ""}),
	},
	{
		name:   "Trash: external file, missing file, missing parent (R138)",
		before: []string{"ext:e.conf=e", "ext:keep=k"},
		run: func(t *testing.T, tx *Tx, s *scene) {
			for _, key := range []string{"e.conf", "missing", "no/such/dir/f"} {
				require.NoError(t, tx.Trash(s.abs(key)))
			}
		},
		want: change(map[string]string{"ext:e.conf": ""}),
	},
	{
		name:   "RemoveEmpty: empty, non-empty and missing directories",
		before: []string{"empty/", "full/x=1"},
		run: func(t *testing.T, tx *Tx, _ *scene) {
			for key, want := range map[string]bool{"empty": true, "full": false, "missing": true} {
				removed, err := tx.RemoveEmpty(key)
				require.NoError(t, err)
				require.Equal(t, want, removed, key)
			}
		},
		want: change(map[string]string{"empty": ""}),
	},
	{
		name:   "MkdirAll: a directory made or found, then trashed or moved, is made again",
		before: []string{"old/x=x"},
		run: func(t *testing.T, tx *Tx, _ *scene) {
			writeString(t, tx, "a/b/c.txt", "c", 0)
			writeString(t, tx, "old/y", "y", 0)
			require.NoError(t, tx.Trash("a"))
			require.NoError(t, tx.Move("old", "moved"))
			writeString(t, tx, "a/b/d.txt", "d", 0)
			writeString(t, tx, "old/z", "z", 0)
		},
		want: change(map[string]string{
			"a": dirMode, "a/b": dirMode, "a/b/d.txt": file(newMode, "d"),
			"old/x": "", "old/z": file(newMode, "z"),
			"moved": dirMode, "moved/x": file(fileMode, "x"), "moved/y": file(newMode, "y"),
		}),
	},
	{
		name:   "Move: a file into new directories, replacing nothing",
		before: []string{"x=x"},
		run:    func(t *testing.T, tx *Tx, _ *scene) { require.NoError(t, tx.Move("x", "bk/2/x")) },
		want:   change(map[string]string{"x": "", "bk": dirMode, "bk/2": dirMode, "bk/2/x": file(fileMode, "x")}),
	},
	{
		name:   "Move: replaces what is at to, file or directory (R127)",
		before: []string{"x=x", "bk/x=older", "d/f=f", "bk/d/old=o"},
		run: func(t *testing.T, tx *Tx, _ *scene) {
			require.NoError(t, tx.Move("x", "bk/x"))
			require.NoError(t, tx.Move("d", "bk/d"))
		},
		want: change(map[string]string{
			"x": "", "d": "", "d/f": "", "bk/d/old": "",
			"bk/x": file(fileMode, "x"), "bk/d/f": file(fileMode, "f"),
		}),
	},
	{
		name:   "Move: external to the destination copies, then trashes (R126)",
		before: []string{"ext:e.conf=e"},
		prep:   func(t *testing.T, s *scene) { chmod(t, s, "ext:e.conf", 0o600) },
		run: func(t *testing.T, tx *Tx, s *scene) {
			require.NoError(t, tx.Move(s.abs("e.conf"), "bk/e.conf"))
		},
		want: change(map[string]string{"ext:e.conf": "", "bk": dirMode, "bk/e.conf": file("-rw-------", "e")}),
	},
	{
		name:   "Move: destination to external, and external to external",
		before: []string{"x=x", "ext:a=a", "ext:b=b"},
		run: func(t *testing.T, tx *Tx, s *scene) {
			require.NoError(t, tx.Move("x", s.abs("n/x")))
			require.NoError(t, tx.Move(s.abs("a"), s.abs("b")))
		},
		want: change(map[string]string{
			"x": "", "ext:n": dirMode, "ext:n/x": file(fileMode, "x"),
			"ext:a": "", "ext:b": file(fileMode, "a"),
		}),
	},
	{
		name:   "Chmod: widen, narrow, special bits, external (issue 11.6)",
		before: []string{"bin/run.sh=#!", "conf/secret=s", "tool=t", "ext:e.conf=e"},
		prep:   func(t *testing.T, s *scene) { chmod(t, s, "tool", 0o755|fs.ModeSetuid) },
		run: func(t *testing.T, tx *Tx, s *scene) {
			require.NoError(t, tx.Chmod("bin/run.sh", 0o755))
			require.NoError(t, tx.Chmod("conf/secret", 0o600))
			require.NoError(t, tx.Chmod("tool", 0o700|fs.ModeSetgid))
			require.NoError(t, tx.Chmod(s.abs("e.conf"), 0o644))
		},
		want: change(map[string]string{
			"bin/run.sh": file("-rwxr-xr-x", "#!"), "conf/secret": file("-rw-------", "s"),
			"tool": file("grwx------", "t"), "ext:e.conf": file("-rw-r--r--", "e"),
		}),
	},
	{
		name:   "LinkOrCopy: linked into new directories, then the source replaced and trashed (issue 14)",
		before: []string{"x=old", "y=gone"},
		prep:   func(t *testing.T, s *scene) { chmod(t, s, "x", 0o755) },
		run: func(t *testing.T, tx *Tx, _ *scene) {
			require.NoError(t, tx.LinkOrCopy(ctx, "x", "keep/ab/x1"))
			require.NoError(t, tx.LinkOrCopy(ctx, "y", "keep/ab/y1"))
			writeString(t, tx, "x", "new", 0)
			require.NoError(t, tx.Trash("y"))
		},
		want: change(map[string]string{
			"x": file("-rwxr-xr-x", "new"), "y": "",
			"keep": dirMode, "keep/ab": dirMode, "keep/ab/x1": file("-rwxr-xr-x", "old"), "keep/ab/y1": file(fileMode, "gone"),
		}),
	},
	{
		name:   "LinkOrCopy: an external file is copied, with its bits",
		before: []string{"ext:e.conf=e", "keep/"},
		prep:   func(t *testing.T, s *scene) { chmod(t, s, "ext:e.conf", 0o600) },
		run: func(t *testing.T, tx *Tx, s *scene) {
			require.NoError(t, tx.LinkOrCopy(ctx, s.abs("e.conf"), "keep/e"))
			writeString(t, tx, s.abs("e.conf"), "new", 0)
		},
		want: change(map[string]string{"ext:e.conf": file("-rw-------", "new"), "keep/e": file("-rw-------", "e")}),
	},
	{
		name:   "MkdirAll: new nested directories, existing ones kept",
		before: []string{"a/"},
		run: func(t *testing.T, tx *Tx, s *scene) {
			require.NoError(t, tx.MkdirAll("a/b/c"))
			require.NoError(t, tx.MkdirAll("a"))
			require.NoError(t, tx.MkdirAll(""))
			require.NoError(t, tx.MkdirAll(s.abs("n/m")))
			require.NoError(t, tx.MkdirAll(s.ext))
		},
		want: change(map[string]string{"a/b": dirMode, "a/b/c": dirMode, "ext:n": dirMode, "ext:n/m": dirMode}),
	},
	{
		name:   "MkdirAll: many keys at once, sharing parents, one existing, one external",
		before: []string{"a/"},
		run: func(t *testing.T, tx *Tx, s *scene) {
			require.NoError(t, tx.MkdirAll("a/b/c", "a/b/d", "x/y", "a", "x/y", "x/y/z", s.abs("n/m"), "a/e"))
			writeString(t, tx, "x/y/z/f", "new", 0)
		},
		want: change(map[string]string{"a/b": dirMode, "a/b/c": dirMode, "a/b/d": dirMode, "a/e": dirMode,
			"x": dirMode, "x/y": dirMode, "x/y/z": dirMode, "x/y/z/f": file("-rw-r--r--", "new"), "ext:n": dirMode, "ext:n/m": dirMode}),
	},
}

func copyOK(from, to string) func(t *testing.T, tx *Tx, s *scene) {
	return func(t *testing.T, tx *Tx, _ *scene) {
		_, err := tx.Copy(ctx, from, to)
		require.NoError(t, err)
	}
}

// TestTxCommit: each case's result is on disk after Commit and Finish, and
// nothing of the operation is left.
func TestTxCommit(t *testing.T) {
	for _, tc := range txCases {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.prepare(t)
			want := tc.want(snap(t, s))
			tx := begin(t, s, nil)
			tc.run(t, tx, s)
			require.NoError(t, tx.Commit())
			require.NoError(t, tx.Finish())
			requireTreeEqual(t, want, s, "tree after Finish")
			requireClean(t, s)
		})
	}
}

// TestTxAbort: Abort puts every case's tree back exactly, modes and links
// included, and the metadata folder Begin made goes too.
func TestTxAbort(t *testing.T) {
	for _, tc := range txCases {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.prepare(t)
			before := snap(t, s)
			tx := begin(t, s, nil)
			tc.run(t, tx, s)
			require.NoError(t, tx.Abort())
			requireTreeEqual(t, before, s, "tree after Abort")
			requireClean(t, s)
		})
	}
}

// TestMkdirAllRecordsAtOnce: the directories MkdirAll makes for many keys
// are recorded with one write to the journal, each after its parent, before
// any is made; a file in the way of one key fails the call before anything
// is recorded or made.
func TestMkdirAllRecordsAtOnce(t *testing.T) {
	s := newScene(t, "a/", "f=1")
	before := snap(t, s)
	tx := begin(t, s, nil)
	var writes, mkdirs []string
	faults.Set(func(op faults.Op) error {
		switch op.Kind {
		case "write":
			writes = append(writes, op.Path)
		case "mkdir":
			mkdirs = append(mkdirs, op.Path)
			require.Len(t, writes, 1, "the records are written before any directory is made")
		}
		return nil
	})
	defer faults.Set(nil)

	require.ErrorContains(t, tx.MkdirAll("a/b", "f/g"), "f is a file")
	require.Empty(t, writes)
	require.Empty(t, mkdirs)

	require.NoError(t, tx.MkdirAll("a/b/c", "x/y", "a/b/d"))
	faults.Set(nil)
	require.Len(t, writes, 1)
	require.Len(t, mkdirs, 5)
	data, err := os.ReadFile(writes[0])
	require.NoError(t, err)
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n")[1:] { // after the begin record
		var r record
		require.NoError(t, json.Unmarshal([]byte(line), &r))
		require.Equal(t, opCreate, r.Op)
		got = append(got, r.Path)
	}
	require.Equal(t, []string{"a/b", "a/b/c", "x", "x/y", "a/b/d"}, got)

	require.NoError(t, tx.Abort())
	requireTreeEqual(t, before, s, "tree after Abort")
}

// TestStartMkdirAll: StartMkdirAll returns once the records are written and
// makes the directories behind the caller's back, parents first; Wait returns
// once its directory is made (at once for one that was not missing), and Done
// once all are. Reserve, meanwhile, counts them as made: a file in one is
// recorded as created without a look.
func TestStartMkdirAll(t *testing.T) {
	s := newScene(t, "a/")
	tx := begin(t, s, nil)
	release := make(chan struct{})
	faults.Set(func(op faults.Op) error {
		if op.Kind == "mkdir" && strings.HasSuffix(filepath.ToSlash(op.Path), "a/b/c") {
			<-release
		}
		return nil
	})
	defer faults.Set(nil)

	m, err := tx.StartMkdirAll("a/b/c", "a/d")
	require.NoError(t, err)
	require.NoError(t, tx.Reserve([]string{"a/d/f"}))
	tx.mu.Lock()
	reserved := tx.creating["a/d/f"]
	tx.mu.Unlock()
	require.True(t, reserved, "a file in a directory being made is reserved as created")
	require.NoError(t, m.Wait("a"), "not missing")
	require.NoError(t, m.Wait("a/b"), "made before the blocked one")
	waited := make(chan error, 1)
	go func() { waited <- m.Wait("a/d") }()
	select {
	case err := <-waited:
		t.Fatalf("Wait for a/d returned (%v) before a/b/c, made before it, was made", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	require.NoError(t, <-waited)
	require.NoError(t, m.Done())
	for _, dir := range []string{"a/b", "a/b/c", "a/d"} {
		require.DirExists(t, s.path(dir))
	}
	_, err = tx.WriteFile(context.Background(), "a/d/f", strings.NewReader("x"), 0o644)
	require.NoError(t, err)
	require.NoError(t, tx.Commit())
	require.NoError(t, tx.Finish())
	require.FileExists(t, s.path("a/d/f"))
}

// TestStartMkdirAllFails: a directory that cannot be made stops the making;
// Wait for it and for every one after it, and Done, return the error, while
// Wait for one made before it does not; those not made no longer count as
// made, and Abort leaves the tree as it was.
func TestStartMkdirAllFails(t *testing.T) {
	s := newScene(t, "a/")
	before := snap(t, s)
	tx := begin(t, s, nil)
	faults.Set(func(op faults.Op) error {
		if op.Kind == "mkdir" && strings.HasSuffix(filepath.ToSlash(op.Path), "a/b/c") {
			return syscall.ENOSPC
		}
		return nil
	})
	defer faults.Set(nil)

	m, err := tx.StartMkdirAll("a/b/c", "a/d")
	require.NoError(t, err)
	require.NoError(t, m.Wait("a/b"))
	require.ErrorIs(t, m.Wait("a/b/c"), syscall.ENOSPC)
	require.ErrorIs(t, m.Wait("a/d"), syscall.ENOSPC)
	require.ErrorIs(t, m.Done(), syscall.ENOSPC)
	require.NoDirExists(t, s.path("a/d"))
	tx.mu.Lock()
	require.True(t, tx.known["a/b"])
	require.False(t, tx.known["a/b/c"] || tx.fresh["a/b/c"] || tx.known["a/d"] || tx.fresh["a/d"],
		"directories not made still count as made")
	tx.mu.Unlock()

	faults.Set(nil)
	require.NoError(t, tx.Abort())
	requireTreeEqual(t, before, s, "tree after Abort")
}

// TestStartSync: with enough files written or planned, StartSync syncs the
// file system at once, a second call syncs it again after the first, and
// Commit, with enough files written, syncs it once more for what came since;
// with fewer, StartSync does nothing and Commit syncs file by file; a whole
// sync leaves no directory's handle open. A failure of an early sync fails
// Commit, and the operation is undone.
func TestStartSync(t *testing.T) {
	for _, tc := range []struct {
		name    string
		files   int
		planned int
		fail    bool
		wantFS  int // syncfs calls: the early ones, then Commit's
	}{
		{name: "few files", files: 3},
		{name: "few files so far, many planned", files: 3, planned: syncFSAt, wantFS: 2},
		{name: "many files", files: syncFSAt, wantFS: 3},
		{name: "many files, the first early sync fails", files: syncFSAt, fail: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newScene(t, "keep=1")
			before := snap(t, s)
			tx := begin(t, s, nil)
			for i := range tc.files {
				writeString(t, tx, fmt.Sprintf("d%d/f%d", i%10, i), "x", 0)
			}
			var mu sync.Mutex
			var syncs []string // "syncfs" and "fdatasync"
			faults.Set(func(op faults.Op) error {
				if op.Kind != "syncfs" && op.Kind != "fdatasync" {
					return nil
				}
				mu.Lock()
				defer mu.Unlock()
				syncs = append(syncs, op.Kind)
				if tc.fail && op.Kind == "syncfs" && slices.Index(syncs, "syncfs") == len(syncs)-1 {
					return syscall.EIO
				}
				return nil
			})
			defer faults.Set(nil)

			tx.StartSync(tc.planned)
			writeString(t, tx, "between", "written between the early syncs", 0)
			tx.StartSync(tc.planned) // after the first
			writeString(t, tx, "after", "written after the early syncs", 0)
			err := tx.Commit()
			faults.Set(nil)

			if tc.fail {
				require.ErrorIs(t, err, syscall.EIO)
				require.NoError(t, tx.Abort())
				requireTreeEqual(t, before, s, "tree after Abort")
				return
			}
			require.NoError(t, err)
			// Synced whole, the file system needs no directory's handle:
			// Commit has closed them (the ten directories written in).
			tx.mu.Lock()
			handles := len(tx.dirs)
			tx.mu.Unlock()
			if tc.files >= syncFSAt && fileops.HasSyncFS {
				require.Zero(t, handles, "directory handles left open after a whole sync")
			} else {
				require.NotZero(t, handles)
			}
			require.NoError(t, tx.Finish())
			fs := 0
			for _, k := range syncs {
				if k == "syncfs" {
					fs++
				}
			}
			require.Equal(t, tc.wantFS, fs, "%v", syncs)
			for name, want := range map[string]string{"between": "written between the early syncs", "after": "written after the early syncs"} {
				got, err := os.ReadFile(filepath.Join(s.d.Path(), name))
				require.NoError(t, err)
				require.Equal(t, want, string(got))
			}
		})
	}
}

// TestNoOpsRecordNothing: calls that find nothing to do write no record, so
// a crash after them has nothing to undo.
func TestNoOpsRecordNothing(t *testing.T) {
	s := newScene(t, "a/b/", "full/x=1", "ext:e.conf=e")
	before := snap(t, s)
	records := 0
	tx := begin(t, s, func(int) { records++ })
	require.Equal(t, 1, records, "the begin record")

	require.NoError(t, tx.Trash("missing"))
	require.NoError(t, tx.Trash("a/b/missing"))
	require.NoError(t, tx.Trash(s.abs("missing")))
	require.NoError(t, tx.Trash(s.abs("no/such/dir/f")))
	require.NoError(t, tx.MkdirAll("a/b"))
	require.NoError(t, tx.MkdirAll(s.ext))
	removed, err := tx.RemoveEmpty("full")
	require.NoError(t, err)
	require.False(t, removed)
	removed, err = tx.RemoveEmpty("missing")
	require.NoError(t, err)
	require.True(t, removed)

	require.Equal(t, 1, records)
	require.NoError(t, tx.Commit())
	require.NoError(t, tx.Finish())
	requireTreeEqual(t, before, s, "nothing changed")
	requireClean(t, s)
}

// TestTxErrors: calls that cannot be done fail with an error that says why
// and where, and Abort still restores the tree.
func TestTxErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		before []string
		run    func(tx *Tx, s *scene) error
		is     error  // the reason, when it is a sentinel
		names  string // a snap name the message must contain
	}{
		{"MkdirAll over a file", []string{"f=1"}, func(tx *Tx, _ *scene) error { return tx.MkdirAll("f") }, nil, "f"},
		{"MkdirAll below a file", []string{"f=1"}, func(tx *Tx, _ *scene) error { return tx.MkdirAll("f/sub/dir") }, nil, "f"},
		{"WriteFile below a file", []string{"a/f=1"}, func(tx *Tx, _ *scene) error {
			_, err := tx.WriteFile(ctx, "a/f/x", strings.NewReader("x"), 0)
			return err
		}, nil, "a/f"},
		{"external MkdirAll over a file", []string{"ext:f=1"}, func(tx *Tx, s *scene) error { return tx.MkdirAll(s.abs("f/sub")) }, nil, "ext:f"},
		{"Copy of a directory", []string{"d/x=1"}, func(tx *Tx, _ *scene) error {
			_, err := tx.Copy(ctx, "d", "e")
			return err
		}, fileops.ErrIrregular, "d"},
		{"Copy of a missing file", nil, func(tx *Tx, _ *scene) error {
			_, err := tx.Copy(ctx, "missing", "e")
			return err
		}, fs.ErrNotExist, "missing"},
		{"Move of a missing file", nil, func(tx *Tx, _ *scene) error { return tx.Move("missing", "e") }, fs.ErrNotExist, "missing"},
		{"RemoveEmpty of a file", []string{"f=1"}, func(tx *Tx, _ *scene) error {
			_, err := tx.RemoveEmpty("f")
			return err
		}, nil, "f"},
		{"LinkOrCopy to an existing file", []string{"x=1", "k=2"}, func(tx *Tx, _ *scene) error {
			return tx.LinkOrCopy(ctx, "x", "k")
		}, fs.ErrExist, "k"},
		{"LinkOrCopy of a directory", []string{"d/x=1"}, func(tx *Tx, _ *scene) error {
			return tx.LinkOrCopy(ctx, "d", "k")
		}, fileops.ErrIrregular, "d"},
		{"LinkOrCopy of a missing file", nil, func(tx *Tx, _ *scene) error {
			return tx.LinkOrCopy(ctx, "missing", "k")
		}, fs.ErrNotExist, "missing"},
		{"LinkOrCopy to an external path", []string{"x=1"}, func(tx *Tx, s *scene) error {
			return tx.LinkOrCopy(ctx, "x", s.abs("k"))
		}, fileops.ErrUnsafePath, "ext:k"},
		{"Chmod of a missing file", nil, func(tx *Tx, _ *scene) error { return tx.Chmod("missing", 0o644) }, fs.ErrNotExist, "missing"},
		{"Chmod of a directory", []string{"d/x=1"}, func(tx *Tx, _ *scene) error { return tx.Chmod("d", 0o700) }, fileops.ErrIrregular, "d"},
		{"WriteFile cancelled", []string{"x=old"}, func(tx *Tx, _ *scene) error {
			cancelled, cancel := context.WithCancel(ctx)
			cancel()
			_, err := tx.WriteFile(cancelled, "x", strings.NewReader("new"), 0)
			return err
		}, context.Canceled, "x"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newScene(t, tc.before...)
			before := snap(t, s)
			tx := begin(t, s, nil)
			err := tc.run(tx, s)
			require.Error(t, err)
			if tc.is != nil {
				require.ErrorIs(t, err, tc.is)
			}
			require.ErrorContains(t, err, s.path(tc.names))
			require.NoError(t, tx.Abort())
			requireTreeEqual(t, before, s, "tree after Abort")
			requireClean(t, s)
		})
	}
}

// TestTxUnsafeKeys: a key that is not clean, or that climbs out of its
// directory, is refused with ErrUnsafePath by every method; nothing is
// written outside, and Abort restores the tree (a record Recover could not
// undo would block the destination for good).
func TestTxUnsafeKeys(t *testing.T) {
	methods := map[string]func(tx *Tx, key string) error{
		"WriteFile": func(tx *Tx, key string) error {
			_, err := tx.WriteFile(ctx, key, strings.NewReader("pwned"), 0)
			return err
		},
		"Copy to":         func(tx *Tx, key string) error { _, err := tx.Copy(ctx, "a/x", key); return err },
		"Copy from":       func(tx *Tx, key string) error { _, err := tx.Copy(ctx, key, "a/y"); return err },
		"Symlink":         func(tx *Tx, key string) error { return tx.Symlink("a/x", key) },
		"MkdirAll":        func(tx *Tx, key string) error { return tx.MkdirAll(key) },
		"Trash":           func(tx *Tx, key string) error { return tx.Trash(key) },
		"RemoveEmpty":     func(tx *Tx, key string) error { _, err := tx.RemoveEmpty(key); return err },
		"LinkOrCopy to":   func(tx *Tx, key string) error { return tx.LinkOrCopy(ctx, "a/x", key) },
		"LinkOrCopy from": func(tx *Tx, key string) error { return tx.LinkOrCopy(ctx, key, "a/y") },
		"Move to":         func(tx *Tx, key string) error { return tx.Move("a/x", key) },
		"Move from":       func(tx *Tx, key string) error { return tx.Move(key, "a/y") },
		"Lstat":           func(tx *Tx, key string) error { _, err := tx.Lstat(key); return err },
		"Open": func(tx *Tx, key string) error {
			f, err := tx.Open(key)
			if err == nil {
				f.Close()
			}
			return err
		},
		"ReadDir":  func(tx *Tx, key string) error { _, err := tx.ReadDir(key); return err },
		"Readlink": func(tx *Tx, key string) error { _, err := tx.Readlink(key); return err },
	}
	keys := []func(s *scene) string{
		func(*scene) string { return "../outside" },
		func(*scene) string { return "../outside/f" },
		func(*scene) string { return "a/../../outside" },
		func(*scene) string { return "a/../b" },
		func(*scene) string { return "a/../b/c" },
		func(*scene) string { return "./a" },
		func(*scene) string { return "a//b" },
		func(*scene) string { return "a/./b" },
		func(*scene) string { return "a/" },
		func(*scene) string { return ".." },
		func(s *scene) string { return s.ext + "/../outside" },
		func(s *scene) string { return s.ext + "/./n/e.conf" },
		func(s *scene) string { return s.ext + "//e.conf" },
		func(*scene) string { return "a\x00b" },
		func(s *scene) string { return s.ext + "/a\x00b" },
		func(s *scene) string { return s.ext + "/a\x00b/c" },
		func(*scene) string { return "/" },
	}
	// A Windows absolute key (R187) that reached a Unix system: external for
	// metadata, a drive-letter name for fileops.
	keys = append(keys, func(*scene) string { return "C:/x" })
	for name, method := range methods {
		for _, key := range keys {
			s := newScene(t, "a/x=x", "b/", "ext:e.conf=e")
			k := key(s)
			t.Run(name+"/"+strings.ReplaceAll(strings.TrimPrefix(k, s.ext), "/", "|"), func(t *testing.T) {
				before := snap(t, s)
				outside := filepath.Dir(s.d.Path())
				entries, err := os.ReadDir(outside)
				require.NoError(t, err)

				tx := begin(t, s, nil)
				err = method(tx, k)
				require.ErrorIs(t, err, fileops.ErrUnsafePath, "%s(%q)", name, k)
				require.NoError(t, tx.Abort())
				requireTreeEqual(t, before, s, "tree after Abort")
				requireClean(t, s)
				after, err := os.ReadDir(outside)
				require.NoError(t, err)
				require.Equal(t, len(entries), len(after), "nothing made next to the destination")
			})
		}
	}
}

// TestTxSymlinkOut: a link inside the destination that leads out of it is
// never written, read or deleted through.
func TestTxSymlinkOut(t *testing.T) {
	for name, run := range map[string]func(tx *Tx) error{
		"WriteFile through": func(tx *Tx) error {
			_, err := tx.WriteFile(ctx, "out/secret", strings.NewReader("pwned"), 0)
			return err
		},
		"WriteFile below": func(tx *Tx) error {
			_, err := tx.WriteFile(ctx, "out/new/f", strings.NewReader("pwned"), 0)
			return err
		},
		"Copy from": func(tx *Tx) error { _, err := tx.Copy(ctx, "out/secret", "stolen"); return err },
		"Trash":     func(tx *Tx) error { return tx.Trash("out/secret") },
		"Move from": func(tx *Tx) error { return tx.Move("out/secret", "stolen") },
		"Move to":   func(tx *Tx) error { return tx.Move("x", "out/secret") },
		"MkdirAll":  func(tx *Tx) error { return tx.MkdirAll("out/sub") },
		"Symlink":   func(tx *Tx) error { return tx.Symlink("x", "out/secret") },
		"Open":      func(tx *Tx) error { _, err := tx.Open("out/secret"); return err },
		"ReadDir":   func(tx *Tx) error { _, err := tx.ReadDir("out"); return err },
		"RemoveEmpty": func(tx *Tx) error {
			_, err := tx.RemoveEmpty("out")
			return err
		},
	} {
		t.Run(name, func(t *testing.T) {
			s := newScene(t, "x=x", "ext:secret=secret")
			symlink(t, s, s.ext, "out")
			before := snap(t, s)
			tx := begin(t, s, nil)
			require.Error(t, run(tx))
			require.NoError(t, tx.Abort())
			requireTreeEqual(t, before, s, "tree after Abort, the link's target included")
			requireClean(t, s)
		})
	}
}

// TestTxRead: the read methods, for keys of the destination and external
// keys.
func TestTxRead(t *testing.T) {
	s := newScene(t, "a/f=inside", "ext:e.conf=outside")
	symlink(t, s, "f", "a/l")
	symlink(t, s, "e.conf", "ext:el")
	tx := begin(t, s, nil)
	defer func() { require.NoError(t, tx.Abort()) }()

	require.Equal(t, s.d.Path(), tx.Path())
	data, err := fs.ReadFile(tx.FS(), "a/f")
	require.NoError(t, err)
	require.Equal(t, "inside", string(data))

	for key, body := range map[string]string{"a/f": "inside", "a/l": "inside", s.abs("e.conf"): "outside"} {
		f, err := tx.Open(key)
		require.NoError(t, err, key)
		data, err := io.ReadAll(f)
		require.NoError(t, err)
		require.NoError(t, f.Close())
		require.Equal(t, body, string(data), key)
	}
	for key, isLink := range map[string]bool{"a/f": false, "a/l": true, s.abs("e.conf"): false, s.abs("el"): true} {
		fi, err := tx.Lstat(key)
		require.NoError(t, err, key)
		require.Equal(t, isLink, fi.Mode()&fs.ModeSymlink != 0, key)
	}
	for key, target := range map[string]string{"a/l": "f", s.abs("el"): "e.conf"} {
		got, err := tx.Readlink(key)
		require.NoError(t, err, key)
		require.Equal(t, target, got, key)
	}
	names := func(key string) []string {
		entries, err := tx.ReadDir(key)
		require.NoError(t, err, key)
		var out []string
		for _, e := range entries {
			out = append(out, e.Name())
		}
		return out
	}
	require.Equal(t, []string{"f", "l"}, names("a"))
	require.Equal(t, []string{".rhqdeployments", "a"}, names(""), "the destination, with the metadata folder Begin made")
	require.Equal(t, []string{"e.conf", "el"}, names(s.ext))

	_, err = tx.Lstat("missing")
	require.ErrorIs(t, err, fs.ErrNotExist)
	_, err = tx.Lstat(s.abs("no/such/e.conf"))
	require.ErrorIs(t, err, fs.ErrNotExist)
}

// TestReplacedFileInTrash: a file replaced by WriteFile is kept in the trash
// until Finish, as the very file that was there (a hard link: same inode,
// owner and mode), while the new content gets a file of its own; Abort puts
// the original file back, not a copy.
func TestReplacedFileInTrash(t *testing.T) {
	s := newScene(t, "x=old")
	chmod(t, s, "x", 0o600)
	orig, err := os.Lstat(s.path("x"))
	require.NoError(t, err)

	trashed := func(t *testing.T) []string {
		entries, err := os.ReadDir(s.path(trashDir))
		require.NoError(t, err)
		var out []string
		for _, e := range entries {
			out = append(out, e.Name())
		}
		return out
	}

	t.Run("Finish", func(t *testing.T) {
		tx := begin(t, s, nil)
		writeString(t, tx, "x", "new", 0)
		require.Equal(t, []string{"1"}, trashed(t))
		kept, err := os.Lstat(s.path(trashDir + "/1"))
		require.NoError(t, err)
		require.True(t, os.SameFile(orig, kept), "the trash holds the original file")
		data, err := os.ReadFile(s.path(trashDir + "/1"))
		require.NoError(t, err)
		require.Equal(t, "old", string(data))
		now, err := os.Lstat(s.path("x"))
		require.NoError(t, err)
		require.False(t, os.SameFile(orig, now), "the new content is a new file")
		require.Equal(t, fs.FileMode(0o600), now.Mode().Perm())

		require.NoError(t, tx.Commit())
		require.Equal(t, []string{"1"}, trashed(t), "Commit keeps the trash")
		require.NoError(t, tx.Finish())
		_, err = os.Lstat(s.path(trashDir))
		require.ErrorIs(t, err, fs.ErrNotExist, "Finish empties the trash")
		requireClean(t, s)
	})

	t.Run("Abort", func(t *testing.T) {
		s := newScene(t, "x=old")
		orig, err := os.Lstat(s.path("x"))
		require.NoError(t, err)
		tx := begin(t, s, nil)
		writeString(t, tx, "x", "new", 0)
		writeString(t, tx, "x", "newer", 0)
		require.NoError(t, tx.Abort())
		back, err := os.Lstat(s.path("x"))
		require.NoError(t, err)
		require.True(t, os.SameFile(orig, back), "the original file is back")
		requireTreeEqual(t, map[string]string{"x": file(fileMode, "old")}, s, "tree after Abort")
	})

	t.Run("external", func(t *testing.T) {
		s := newScene(t, "ext:e.conf=old")
		tx := begin(t, s, nil)
		writeString(t, tx, s.abs("e.conf"), "new", 0)
		data, err := os.ReadFile(s.path(trashDir + "/1"))
		require.NoError(t, err)
		require.Equal(t, "old", string(data), "the trash, in the destination, holds a copy")
		require.NoError(t, tx.Commit())
		require.NoError(t, tx.Finish())
		requireTreeEqual(t, map[string]string{"ext:e.conf": file(fileMode, "new")}, s, "tree after Finish")
		requireClean(t, s)
	})
}

// TestBeginNewDestination: Begin makes a destination that does not exist, and
// its missing parents; Abort removes all of them again, Finish keeps them.
func TestBeginNewDestination(t *testing.T) {
	for _, commit := range []bool{false, true} {
		t.Run(fmt.Sprintf("commit %t", commit), func(t *testing.T) {
			base := t.TempDir()
			dest := filepath.Join(base, "srv", "apps", "dest")
			tx, err := Begin(context.Background(), dest, TxOptions{Kind: "deploy", ID: 1})
			require.NoError(t, err)
			require.Equal(t, dest, tx.Path())
			writeString(t, tx, "conf/app.conf", "new", 0)
			writeString(t, tx, ".rhqdeployments/1/deploy.properties", "id=1", 0)
			if !commit {
				require.NoError(t, tx.Abort())
				_, err := os.Lstat(filepath.Join(base, "srv"))
				require.ErrorIs(t, err, fs.ErrNotExist, "every directory Begin made is removed")
				require.False(t, PendingAt(dest))
				return
			}
			require.NoError(t, tx.Commit())
			require.NoError(t, tx.Finish())
			d, err := fileops.OpenDir(dest)
			require.NoError(t, err)
			defer d.Close()
			s := &scene{d: d, ext: t.TempDir()}
			requireTreeEqual(t, map[string]string{
				"conf": dirMode, "conf/app.conf": file(newMode, "new"),
				".rhqdeployments": dirMode, ".rhqdeployments/1": dirMode,
				".rhqdeployments/1/deploy.properties": file(newMode, "id=1"),
			}, s, "tree after Finish")
			requireClean(t, s)
		})
	}
}

// TestAbortMetadataFolder: Abort removes the metadata folder Begin made, and
// keeps an earlier deployment's. An empty metadata folder records nothing and
// cannot be told from the one a killed Begin leaves, so it goes whoever made
// it (the lock's release removes it when empty).
func TestAbortMetadataFolder(t *testing.T) {
	for _, tc := range []struct {
		name   string
		before []string
		gone   bool // the metadata folder is removed
	}{
		{"no metadata folder", []string{"x=1"}, false},
		{"earlier deployment", []string{"x=1", ".rhqdeployments/1/deploy.properties=id=1"}, false},
		{"empty metadata folder", []string{"x=1", ".rhqdeployments/"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newScene(t, tc.before...)
			want := snap(t, s)
			if tc.gone {
				want = with(want, map[string]string{".rhqdeployments": ""})
			}
			tx := begin(t, s, nil)
			writeString(t, tx, "x", "new", 0)
			writeString(t, tx, ".rhqdeployments/2/deploy.properties", "id=2", 0)
			require.NoError(t, tx.Abort())
			requireTreeEqual(t, want, s, "tree after Abort")
			requireClean(t, s)
		})
	}
}

// TestRemoveDest: an operation that removes its destination (a full purge)
// leaves none, whichever completes it: Finish, Abort after the commit, or
// RecoverDest after the process died committed. Killed before its commit,
// it is undone and the destination stays as it was.
func TestRemoveDest(t *testing.T) {
	tests := []struct {
		name string
		end  func(t *testing.T, s *scene, tx *Tx) Outcome
		gone bool
	}{
		{"finish", func(t *testing.T, s *scene, tx *Tx) Outcome {
			require.NoError(t, tx.Commit())
			require.NoError(t, tx.Finish())
			return Nothing
		}, true},
		{"abort after the commit", func(t *testing.T, s *scene, tx *Tx) Outcome {
			require.NoError(t, tx.Commit())
			require.ErrorIs(t, tx.Abort(), ErrCommitted)
			return Nothing
		}, true},
		{"killed after the commit", func(t *testing.T, s *scene, tx *Tx) Outcome {
			require.NoError(t, tx.Commit())
			kill(t, s, tx)
			return Completed
		}, true},
		{"killed before the commit", func(t *testing.T, s *scene, tx *Tx) Outcome {
			kill(t, s, tx)
			return RolledBack
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScene(t, "a/b=1", "c=2", ".rhqdeployments/1/deploy.properties=id=1")
			symlink(t, s, "c", "l")
			before := snap(t, s)
			tx, err := Begin(context.Background(), s.d.Path(), TxOptions{Kind: "purge", ID: 1, RemoveDest: true})
			require.NoError(t, err)
			for _, key := range []string{"a", "c", "l", ".rhqdeployments/1"} {
				require.NoError(t, tx.Trash(key))
			}
			want := tt.end(t, s, tx)
			out, err := RecoverDest(context.Background(), s.d.Path(), 0)
			require.NoError(t, err)
			require.Equal(t, want, out)
			if tt.gone {
				_, err = os.Lstat(s.d.Path())
				require.ErrorIs(t, err, fs.ErrNotExist)
				return
			}
			requireTreeEqual(t, before, s, "tree after recovery")
			requireClean(t, s)
		})
	}
}

// TestBeginLocked: while a Tx is open on a destination, a second Begin fails
// with a *LockedError naming the holder, and leaves the first Tx intact.
func TestBeginLocked(t *testing.T) {
	s := newScene(t, "x=old")
	tx := begin(t, s, nil)
	writeString(t, tx, "x", "first", 0)

	_, err := Begin(context.Background(), s.d.Path(), TxOptions{Kind: "deploy", ID: 3})
	var locked *LockedError
	require.ErrorAs(t, err, &locked)
	require.ErrorIs(t, err, ErrLocked)
	require.Equal(t, os.Getpid(), locked.Holder.PID)
	require.Equal(t, s.d.Path(), locked.Dest)

	out, err := RecoverDest(context.Background(), s.d.Path(), 0)
	require.ErrorAs(t, err, &locked, "a running operation is not recovered under its feet")
	require.Empty(t, out)
	require.True(t, PendingAt(s.d.Path()))

	writeString(t, tx, "y", "still working", 0)
	require.NoError(t, tx.Commit())
	require.NoError(t, tx.Finish())
	requireTreeEqual(t, map[string]string{"x": file(fileMode, "first"), "y": file(newMode, "still working")}, s, "the first Tx's result")
	requireClean(t, s)

	tx = begin(t, s, nil) // the lock was released
	require.NoError(t, tx.Abort())
}

// TestBeginPending: a destination left by a killed operation refuses a new
// one until it is recovered.
func TestBeginPending(t *testing.T) {
	s := newScene(t, "x=old")
	before := snap(t, s)
	tx := begin(t, s, nil)
	writeString(t, tx, "x", "new", 0)
	kill(t, s, tx)

	_, err := Begin(context.Background(), s.d.Path(), TxOptions{Kind: "deploy", ID: 3})
	require.ErrorIs(t, err, ErrPending)
	require.True(t, PendingAt(s.d.Path()))

	out, err := RecoverDest(context.Background(), s.d.Path(), 0)
	require.NoError(t, err)
	require.Equal(t, RolledBack, out)
	requireTreeEqual(t, before, s, "tree after recovery")
	requireClean(t, s)
	require.NoError(t, begin(t, s, nil).Abort())
}

// TestRecoverDest: RecoverDest and PendingAt on destinations with nothing to
// recover, and on one with a pending journal, committed or not.
func TestRecoverDest(t *testing.T) {
	t.Run("missing destination", func(t *testing.T) {
		dest := filepath.Join(t.TempDir(), "missing")
		require.False(t, PendingAt(dest))
		out, err := RecoverDest(context.Background(), dest, 0)
		require.NoError(t, err)
		require.Equal(t, Nothing, out)
		_, err = os.Lstat(dest)
		require.ErrorIs(t, err, fs.ErrNotExist, "nothing is made")
	})
	t.Run("no journal", func(t *testing.T) {
		s := newScene(t, "x=1", ".rhqdeployments/1/deploy.properties=id=1")
		before := snap(t, s)
		require.False(t, PendingAt(s.d.Path()))
		out, err := RecoverDest(context.Background(), s.d.Path(), 0)
		require.NoError(t, err)
		require.Equal(t, Nothing, out)
		requireTreeEqual(t, before, s, "nothing changed")
	})
	for _, commit := range []bool{false, true} {
		t.Run(fmt.Sprintf("pending, commit %t", commit), func(t *testing.T) {
			s := newScene(t, "x=old", "ext:e.conf=old")
			before := snap(t, s)
			tx := begin(t, s, nil)
			writeString(t, tx, "x", "new", 0)
			writeString(t, tx, s.abs("e.conf"), "new", 0)
			want, outcome := before, RolledBack
			if commit {
				require.NoError(t, tx.Commit())
				want, outcome = with(before, map[string]string{
					"x": file(fileMode, "new"), "ext:e.conf": file(fileMode, "new"),
				}), Completed
			}
			kill(t, s, tx)
			require.True(t, PendingAt(s.d.Path()))

			out, err := RecoverDest(context.Background(), s.d.Path(), 0)
			require.NoError(t, err)
			require.Equal(t, outcome, out)
			requireTreeEqual(t, want, s, "tree after recovery")
			requireClean(t, s)
			out, err = RecoverDest(context.Background(), s.d.Path(), 0)
			require.NoError(t, err)
			require.Equal(t, Nothing, out)
		})
	}
}

// errKilled stands for the death of the process at a journal record.
var errKilled = errors.New("killed")

// deadPID returns the pid of a process that has exited: what the lock file of
// a killed deployer names.
var deadPID = sync.OnceValues(func() (int, error) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		return 0, err
	}
	return cmd.Process.Pid, nil
})

// kill leaves the destination as the death of the process running tx does:
// the journal file and every handle are closed, nothing is cleaned up, and the
// lock file stays, naming a process that no longer runs. tx is nil when the
// process died in Begin; its handles are then left to the garbage collector.
func kill(t *testing.T, s *scene, tx *Tx) {
	t.Helper()
	if tx != nil {
		tx.w.f.Close()
		tx.roots.Close()
		if tx.lock != nil {
			tx.lock.f.Close() // the kernel drops the lock with the process
		}
		tx.dest.Close()
	}
	pid, err := deadPID()
	require.NoError(t, err)
	host, err := os.Hostname()
	require.NoError(t, err)
	data, err := json.Marshal(Holder{PID: pid, Host: host, Since: time.Now().UTC()})
	require.NoError(t, err)
	// The lock file a killed process leaves (Begin killed at its first
	// record released the lock itself) names a process that is gone.
	p := s.path(LockFile)
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, data, 0o644))
}

// killCase is a realistic sequence of Tx calls, as Apply makes them.
type killCase struct {
	name   string
	before []string
	prep   func(t *testing.T, s *scene)
	run    func(t *testing.T, tx *Tx, s *scene)
}

var killCases = []killCase{
	{
		name: "initial deployment: files in new directories",
		run: func(t *testing.T, tx *Tx, _ *scene) {
			writeString(t, tx, "bin/run.sh", "#!/bin/sh\n", 0o755)
			writeString(t, tx, "conf/app/app.properties", "port=8080\n", 0)
			writeString(t, tx, "lib/a.jar", "jar", 0)
			require.NoError(t, tx.MkdirAll("logs/old"))
			writeString(t, tx, ".rhqdeployments/1/deploy.properties", "id=1", 0)
		},
	},
	{
		name:   "replace with a backup copy (R107)",
		before: []string{"x=edited", "conf/app.conf=old", ".rhqdeployments/1/deploy.properties=id=1"},
		prep:   func(t *testing.T, s *scene) { chmod(t, s, "x", 0o600) },
		run: func(t *testing.T, tx *Tx, _ *scene) {
			copyOK("x", ".rhqdeployments/2/backup/x")(t, tx, nil)
			writeString(t, tx, "x", "new", 0)
			writeString(t, tx, "conf/app.conf", "new", 0o644)
			writeString(t, tx, ".rhqdeployments/2/deploy.properties", "id=2", 0)
		},
	},
	{
		name:   "delete a tree",
		before: []string{"d/a=1", "d/b/c=2", "d/empty/", "keep=3", "gone/", "full/x=4"},
		prep: func(t *testing.T, s *scene) {
			symlink(t, s, "a", "d/l")
			chmod(t, s, "d/b", 0o700)
		},
		run: func(t *testing.T, tx *Tx, _ *scene) {
			require.NoError(t, tx.Trash("d/a"))
			require.NoError(t, tx.Trash("d"))
			require.NoError(t, tx.Trash("missing"))
			removed, err := tx.RemoveEmpty("gone")
			require.NoError(t, err)
			require.True(t, removed)
			removed, err = tx.RemoveEmpty("full")
			require.NoError(t, err)
			require.False(t, removed)
		},
	},
	{
		name:   "move to a backup (R127)",
		before: []string{"x=edited", "y/z=1", ".rhqdeployments/2/backup/x=older backup"},
		run: func(t *testing.T, tx *Tx, _ *scene) {
			require.NoError(t, tx.Move("x", ".rhqdeployments/2/backup/x"))
			require.NoError(t, tx.Move("y", ".rhqdeployments/2/backup/y"))
			writeString(t, tx, "x", "new", 0)
		},
	},
	{
		name:   "external files: replace, create in new directories, delete, back up (R113, R114, R138, R126)",
		before: []string{"ext:conf/e.conf=old", "ext:old.conf=old", "ext:moved.conf=moved", "x=1"},
		prep:   func(t *testing.T, s *scene) { chmod(t, s, "ext:conf/e.conf", 0o600) },
		run: func(t *testing.T, tx *Tx, s *scene) {
			writeString(t, tx, s.abs("conf/e.conf"), "new", 0)
			writeString(t, tx, s.abs("n/m/new.conf"), "new", 0)
			require.NoError(t, tx.Trash(s.abs("old.conf")))
			backup, err := metadata.BackupPath(2, s.abs("moved.conf"))
			require.NoError(t, err)
			require.NoError(t, tx.Move(s.abs("moved.conf"), backup))
			copyOK("x", s.abs("n/x"))(t, tx, s)
		},
	},
	{
		name:   "symbolic links replaced",
		before: []string{"a=1", "b=2", "f=file", "dir/x=1", "ext:e.conf=e"},
		prep: func(t *testing.T, s *scene) {
			symlink(t, s, "a", "lnk")
			symlink(t, s, "e.conf", "ext:elnk")
		},
		run: func(t *testing.T, tx *Tx, s *scene) {
			require.NoError(t, tx.Symlink("b", "lnk"))
			require.NoError(t, tx.Symlink("a", "f"))
			require.NoError(t, tx.Symlink("../a", "dir"))
			copyOK("lnk", "copy")(t, tx, nil)
			writeString(t, tx, "lnk", "now a file", 0)
			require.NoError(t, tx.Symlink("other.conf", s.abs("elnk")))
		},
	},
	{
		name:   "external symbolic link replaced by a file",
		before: []string{"ext:e.conf=e"},
		prep:   func(t *testing.T, s *scene) { symlink(t, s, "e.conf", "ext:elnk") },
		run:    func(t *testing.T, tx *Tx, s *scene) { writeString(t, tx, s.abs("elnk"), "file", 0) },
	},
	{
		name:   "mode changes beside a write (issue 11.6)",
		before: []string{"bin/run.sh=#!", "conf/secret=s", "x=old", "ext:e.conf=e"},
		prep: func(t *testing.T, s *scene) {
			chmod(t, s, "conf/secret", 0o600|fs.ModeSticky)
			symlink(t, s, "x", "l")
		},
		run: func(t *testing.T, tx *Tx, s *scene) {
			require.NoError(t, tx.Chmod("bin/run.sh", 0o755))
			writeString(t, tx, "x", "new", 0o640)
			require.NoError(t, tx.Chmod("conf/secret", 0o644))
			require.NoError(t, tx.Chmod("x", 0o600))
			require.Error(t, tx.Chmod("l", 0o777), "a link is not followed")
			require.NoError(t, tx.Chmod(s.abs("e.conf"), 0o755))
		},
	},
	{
		name:   "originals kept by a link before they are replaced or trashed (issue 14)",
		before: []string{"conf/a=old a", "lib/b=old b", "c=old c", "ext:e.conf=e", "keep/"},
		run: func(t *testing.T, tx *Tx, s *scene) {
			require.NoError(t, tx.MkdirAll("keep/objects/aa"))
			require.NoError(t, tx.Reserve([]string{"keep/objects/aa/1", "keep/objects/aa/2"}))
			require.NoError(t, tx.LinkOrCopy(ctx, "conf/a", "keep/objects/aa/1"))
			require.NoError(t, tx.LinkOrCopy(ctx, "lib/b", "keep/objects/aa/2"))
			require.NoError(t, tx.LinkOrCopy(ctx, "c", "keep/objects/bb/3"))
			require.NoError(t, tx.LinkOrCopy(ctx, s.abs("e.conf"), "keep/objects/bb/4"))
			writeString(t, tx, "conf/a", "new a", 0)
			require.NoError(t, tx.Trash("lib/b"))
			require.NoError(t, tx.Trash("c"))
			writeString(t, tx, s.abs("e.conf"), "new e", 0)
		},
	},
	{
		name:   "restore over a written file (R131)",
		before: []string{"x=old", ".rhqdeployments/1/backup/x=backed up", "y=old"},
		prep:   func(t *testing.T, s *scene) { chmod(t, s, ".rhqdeployments/1/backup/x", 0o600) },
		run: func(t *testing.T, tx *Tx, _ *scene) {
			writeString(t, tx, "x", "new", 0)
			copyOK(".rhqdeployments/1/backup/x", "x")(t, tx, nil)
			copyOK(".rhqdeployments/1/backup/x", "y")(t, tx, nil)
			require.NoError(t, tx.Trash(".rhqdeployments/1/backup"))
		},
	},
}

// sceneAt builds tc's scene in base, emptied first, so that every run of a
// case sees the same absolute paths: an ext-backup name spells out the
// external file's path (R126).
func (tc killCase) sceneAt(t *testing.T, base string) *scene {
	t.Helper()
	made := newScene(t, tc.before...)
	require.NoError(t, os.RemoveAll(base))
	require.NoError(t, os.Mkdir(base, 0o755))
	dest, ext := filepath.Join(base, "dest"), filepath.Join(base, "ext")
	require.NoError(t, os.Rename(made.d.Path(), dest))
	require.NoError(t, os.Rename(made.ext, ext))
	d, err := fileops.OpenDir(dest)
	require.NoError(t, err)
	t.Cleanup(func() { d.Close() })
	s := &scene{d: d, ext: ext}
	if tc.prep != nil {
		tc.prep(t, s)
	}
	return s
}

// runKilled runs tc in a Tx on s; the process dies at record stop (0: never)
// or, when commit is false, after the last change. It returns the Tx, nil when
// the process died in Begin, and how many records were written.
func runKilled(t *testing.T, s *scene, tc killCase, stop int, commit bool) (tx *Tx, records int) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil && r != errKilled {
			panic(r)
		}
	}()
	hook := func(n int) {
		records = n
		if n == stop {
			panic(errKilled)
		}
	}
	tx = begin(t, s, hook)
	tc.run(t, tx, s)
	if commit {
		require.NoError(t, tx.Commit())
	}
	return tx, records
}

// TestKillAtEveryRecord kills each sequence at each of its records (after the
// record reaches the disk, before its change), and once after its last change
// without a commit record: recovery must leave exactly the tree before. Killed
// at the commit record, it must leave exactly the tree a finished operation
// leaves. A second recovery has nothing to do, and no temporary file, journal
// or lock survives.
func TestKillAtEveryRecord(t *testing.T) {
	for _, tc := range killCases {
		t.Run(tc.name, func(t *testing.T) {
			// The tree before, the tree after, and the number of records.
			base := filepath.Join(t.TempDir(), "run")
			s := tc.sceneAt(t, base)
			before := snap(t, s)
			tx, records := runKilled(t, s, tc, 0, false)
			require.NoError(t, tx.Commit())
			require.NoError(t, tx.Finish())
			after := snap(t, s)
			requireClean(t, s)
			require.NotEqual(t, before, after)

			commitRecord := records + 1
			points := 0
			for stop := 1; stop <= commitRecord+1; stop++ {
				// stop == commitRecord+1 is the kill after the last change,
				// before the commit record.
				killedAfterChanges := stop == commitRecord+1
				name := fmt.Sprintf("record %d of %d", stop, commitRecord)
				if killedAfterChanges {
					name = "after the last change"
				}
				t.Run(name, func(t *testing.T) {
					s := tc.sceneAt(t, base)
					var tx *Tx
					if killedAfterChanges {
						tx, _ = runKilled(t, s, tc, 0, false)
					} else {
						tx, _ = runKilled(t, s, tc, stop, true)
					}
					kill(t, s, tx)
					require.True(t, PendingAt(s.d.Path()))

					want, outcome := before, RolledBack
					if stop == commitRecord {
						want, outcome = after, Completed
					}
					out, err := RecoverDest(context.Background(), s.d.Path(), 0)
					require.NoError(t, err)
					require.Equal(t, outcome, out)
					requireTreeEqual(t, want, s, "tree after recovery")
					requireClean(t, s)

					out, err = Recover(s.d)
					require.NoError(t, err)
					require.Equal(t, Nothing, out, "a second recovery has nothing to do")
					out, err = RecoverDest(context.Background(), s.d.Path(), 0)
					require.NoError(t, err)
					require.Equal(t, Nothing, out)
					requireTreeEqual(t, want, s, "tree after a second recovery")
				})
				points++
			}
			t.Logf("%d records (the last one the commit), %d kill points", commitRecord, points)
		})
	}
}

// TestKillThenInterruptedRecover kills each sequence after its last change and
// stops the recovery after each of its undo steps (see interruptAt): the next
// recovery, by the next process, must still leave exactly the tree before.
func TestKillThenInterruptedRecover(t *testing.T) {
	for _, tc := range killCases {
		t.Run(tc.name, func(t *testing.T) {
			base := filepath.Join(t.TempDir(), "run")
			s := tc.sceneAt(t, base)
			before := snap(t, s)
			tx, records := runKilled(t, s, tc, 0, false)
			require.NoError(t, tx.Abort())
			for step := 1; step <= records; step++ {
				t.Run(fmt.Sprintf("undo step %d of %d", step, records), func(t *testing.T) {
					s := tc.sceneAt(t, base)
					tx, _ := runKilled(t, s, tc, 0, false)
					kill(t, s, tx)
					require.True(t, interruptAt(t, s, step))
					require.True(t, PendingAt(s.d.Path()), "an interrupted recovery leaves the journal")

					out, err := RecoverDest(context.Background(), s.d.Path(), 0)
					require.NoError(t, err)
					require.Equal(t, RolledBack, out)
					requireTreeEqual(t, before, s, "tree after the second recovery")
					requireClean(t, s)
				})
			}
		})
	}
}

// TestTxExternalBelowLink: the parents of an external file are followed, as
// RHQ did (R8): a file below a symbolic link to a directory is written through
// it, missing directories included, and Abort removes what it made.
func TestTxExternalBelowLink(t *testing.T) {
	s := newScene(t, "ext:real/")
	require.NoError(t, os.Symlink(s.abs("real"), s.abs("link")))
	before := snap(t, s)
	key := filepath.ToSlash(filepath.Join(s.abs("link"), "sub", "f.conf"))
	for _, commit := range []bool{false, true} {
		tx, err := Begin(context.Background(), s.d.Path(), TxOptions{Kind: "deploy", ID: 1})
		require.NoError(t, err)
		_, err = tx.WriteFile(context.Background(), key, strings.NewReader("through the link"), 0o644)
		require.NoError(t, err)
		if !commit {
			require.NoError(t, tx.Abort())
			requireTreeEqual(t, before, s, "after Abort")
			continue
		}
		require.NoError(t, tx.Commit())
		require.NoError(t, tx.Finish())
		data, err := os.ReadFile(s.abs("real/sub/f.conf"))
		require.NoError(t, err)
		require.Equal(t, "through the link", string(data))
	}
}

// TestTxAbsoluteKeyInDestination: an absolute key that names a path inside
// the destination goes through the destination's own handle, replaced and
// undone like its relative spelling.
func TestTxAbsoluteKeyInDestination(t *testing.T) {
	s := newScene(t, "conf/app.conf=old")
	before := snap(t, s)
	key := filepath.ToSlash(filepath.Join(s.d.Path(), "conf", "app.conf"))
	tx, err := Begin(context.Background(), s.d.Path(), TxOptions{Kind: "deploy", ID: 1})
	require.NoError(t, err)
	_, err = tx.WriteFile(context.Background(), key, strings.NewReader("new"), 0)
	require.NoError(t, err)
	require.NoError(t, tx.Trash(key))
	require.NoError(t, tx.Abort())
	requireTreeEqual(t, before, s, "after Abort")
}
