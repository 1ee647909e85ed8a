//go:build unix

// FuzzRecover makes symbolic links.

package journal

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/fileops"
	"github.com/bundlekit/bundlekit/internal/dirfile"
)

// sandbox is a small fixed tree in which FuzzRecover runs a journal: a
// destination with the remains of an operation (new and replaced files,
// originals in the trash, a killed writer's temporary file), a directory of
// external files beside it, a symbolic link from the destination to that
// directory, and files around both that no record may reach.
type sandbox struct {
	root    string // holds everything; compared whole before and after
	dest    string // root/box/dest
	outside string // root/box/outside: the only place ext: records may name
}

func newSandbox(t *testing.T) sandbox {
	t.Helper()
	root := t.TempDir()
	s := sandbox{root: root, dest: filepath.Join(root, "box", "dest"), outside: filepath.Join(root, "box", "outside")}
	for name, body := range map[string]string{
		"victim.txt":                        "beyond the sandbox",
		"box/victim.txt":                    "beside the destination",
		"box/dest/new.txt":                  "created by the operation",
		"box/dest/conf/app.conf":            "the operation's version",
		"box/dest/a/x":                      "kept",
		"box/dest/a/.bundlekit-w.tmp":       "half written",
		"box/dest/.rhqdeployments/1/id":     "1",
		"box/dest/" + trashDir + "/1":       "the original app.conf",
		"box/dest/" + trashDir + "/2/f":     "a trashed tree",
		"box/outside/victim.txt":            "an external file",
		"box/outside/conf/e.conf":           "an external file",
		"box/outside/conf/.bundlekit-w.tmp": "half written",
		"box/outside/empty/":                "",
	} {
		p := filepath.Join(root, filepath.FromSlash(name))
		if strings.HasSuffix(name, "/") {
			require.NoError(t, os.MkdirAll(p, 0o755))
			continue
		}
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
	}
	// Absolute targets: wherever Recover moves or copies these links, they
	// point into the sandbox.
	require.NoError(t, os.Symlink(s.outside, filepath.Join(s.dest, "link")))
	require.NoError(t, os.Symlink(filepath.Join(s.outside, "victim.txt"), filepath.Join(s.dest, trashDir, "3")))
	return s
}

// snapshot maps every path below the sandbox's root, "/"-separated, to its
// type and content or link target.
func (s sandbox) snapshot(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(s.root, func(p string, e fs.DirEntry, err error) error {
		if err != nil || p == s.root {
			return err
		}
		rel, err := filepath.Rel(s.root, p)
		if err != nil {
			return err
		}
		desc := "dir"
		switch {
		case e.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			desc = "link " + target
		case !e.IsDir():
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			desc = "file " + string(data)
		}
		out[filepath.ToSlash(rel)] = desc
		return nil
	})
	require.NoError(t, err)
	return out
}

// FuzzRecover runs Recover on fuzzed journals in a sandbox (outsideMark
// standing for its external directory) and checks what the decoder's checks
// are for: Recover never panics; a journal it refuses (*CorruptError) changes
// nothing; it never fails on a path that the file layer refuses as unsafe
// (every such path must be refused before anything is undone); outside the
// destination it changes only the external paths the records name (the path,
// the missing parents it makes again, the temporary files beside it) —
// nothing through the link out of the destination, nothing beside or above
// the sandbox; a committed journal only loses its journal and trash; and a
// journal it has finished is gone.
//
// Journals whose ext: records name a path outside the sandbox's external
// directory are skipped, not run: the fuzzer runs as whatever user starts it.
func FuzzRecover(f *testing.F) {
	for _, s := range journalSeeds(f, outsideMark) {
		f.Add(s)
	}
	for _, s := range []string{
		`{"op":"create","path":"new.txt"}`,
		`{"op":"create","path":"link/victim.txt"}`,
		`{"op":"create","path":"a/x/y"}`,
		`{"op":"create","path":"ext:OUTSIDE/victim.txt"}`,
		`{"op":"create","path":"ext:OUTSIDE/empty"}`,
		`{"op":"create","path":"ext:OUTSIDE/conf"}`,
		`{"op":"trash","path":"conf/app.conf","to":".rhqdeployments/.bundlekit/trash/1"}`,
		`{"op":"trash","path":"link/victim.txt","to":".rhqdeployments/.bundlekit/trash/1"}`,
		`{"op":"trash","path":"ext:OUTSIDE/conf/e.conf","to":".rhqdeployments/.bundlekit/trash/1"}`,
		`{"op":"trash","path":"ext:OUTSIDE/new/dir/f","to":".rhqdeployments/.bundlekit/trash/3"}`,
		`{"op":"trash","path":"ext:OUTSIDE/conf","to":".rhqdeployments/.bundlekit/trash/2"}`,
		`{"op":"move","path":"a/x","to":"link"}`,
		`{"op":"move","path":"b","to":"a"}`,
		`{"op":"move","path":".rhqdeployments/.bundlekit/trash/4","to":"link"}`,
		`{"op":"commit"}`,
	} {
		f.Add([]byte(`{"op":"begin","v":1,"kind":"deploy","id":2}` + "\n" + s + "\n"))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s := newSandbox(t)
		outside := filepath.ToSlash(s.outside)
		data = bytes.ReplaceAll(data, []byte(outsideMark), []byte(outside))
		records, parseErr := parse(data, "journal")
		var named []string // the external paths the records name
		for _, r := range records {
			if strings.ContainsRune(r.Path, 0) && !strings.HasPrefix(r.Path, extPrefix) {
				// parse accepts it because Tx.Move records such a from key
				// before fileops refuses it, and Abort must undo that
				// journal. In a damaged journal, with something on the disk
				// for its undo to act on, it fails Recover half way.
				t.Skip("a NUL byte in a relative path")
			}
			if abs, ok := strings.CutPrefix(r.Path, extPrefix); ok {
				if !strings.HasPrefix(abs, outside+"/") {
					t.Skip("an external path outside the sandbox")
				}
				named = append(named, abs)
			}
		}
		require.NoError(t, os.WriteFile(filepath.Join(s.dest, filepath.FromSlash(journal)), data, 0o600))
		before := s.snapshot(t)
		d, err := fileops.OpenDir(s.dest)
		require.NoError(t, err)
		defer d.Close()

		out, err := Recover(d)
		after := s.snapshot(t)

		var ce *CorruptError
		switch {
		case errors.As(err, &ce):
			if parseErr == nil {
				t.Fatalf("Recover refuses a journal parse accepts: %v", err)
			}
			if diff := cmp.Diff(before, after); diff != "" {
				t.Fatalf("Recover refused the journal (%v) but changed (-before +after):\n%s", err, diff)
			}
			return
		case parseErr != nil:
			t.Fatalf("parse refuses the journal (%v), Recover: %q, %v", parseErr, out, err)
		case errors.Is(err, fileops.ErrUnsafePath):
			t.Fatalf("Recover fails on a path the decoder accepted: %v", err)
		case err != nil:
			require.True(t, Pending(d), "a failed Recover keeps the journal: %v", err)
		case Pending(d):
			t.Fatalf("Recover returned %q and kept the journal", out)
		}

		destPrefix := filepath.ToSlash(mustRel(t, s.root, s.dest)) + "/"
		for _, p := range changed(before, after) {
			inDest := strings.HasPrefix(p, destPrefix)
			if out == Completed && inDest && !strings.HasPrefix(p, destPrefix+Dir+"/") && p != destPrefix+Dir {
				t.Fatalf("Recover completed a committed journal and changed %s (%q -> %q)", p, before[p], after[p])
			}
			if !inDest && !externalChange(s, named, p, before) {
				t.Fatalf("Recover (%q, %v) changed %s outside the destination (%q -> %q); records:\n%s",
					out, err, p, before[p], after[p], data)
			}
		}
	})
}

func mustRel(t *testing.T, base, target string) string {
	t.Helper()
	rel, err := filepath.Rel(base, target)
	require.NoError(t, err)
	return rel
}

// changed lists the paths whose entry differs between two snapshots.
func changed(before, after map[string]string) []string {
	var out []string
	for p, b := range before {
		if a, ok := after[p]; !ok || a != b {
			out = append(out, p)
		}
	}
	for p := range after {
		if _, ok := before[p]; !ok {
			out = append(out, p)
		}
	}
	return out
}

// externalChange reports whether p (relative to the sandbox's root) may
// change when Recover undoes records on the external paths named: p is one of
// them, a parent of one that did not exist (restoring a file makes its
// parents again), or a temporary file beside one. A named path's parent is
// also taken as the link-free directory it resolves to after Recover.
func externalChange(s sandbox, named []string, p string, before map[string]string) bool {
	abs := filepath.Join(s.root, filepath.FromSlash(p))
	for _, n := range named {
		n := filepath.FromSlash(n)
		dirs := []string{filepath.Dir(n)}
		if real, err := filepath.EvalSymlinks(filepath.Dir(n)); err == nil {
			dirs = append(dirs, real)
		}
		for _, dir := range dirs {
			if abs == filepath.Join(dir, filepath.Base(n)) || filepath.Dir(abs) == dir && dirfile.IsTemp(abs) {
				return true
			}
		}
		if _, existed := before[p]; !existed && strings.HasPrefix(n, abs+string(filepath.Separator)) {
			return true
		}
	}
	return false
}
