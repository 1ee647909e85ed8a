package journal

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/fileops"
	"github.com/bundlekit/bundlekit/internal/dirfile"
)

// scene is a destination and a directory outside it for external files, both
// real temporary directories.
type scene struct {
	d   *fileops.Dir
	ext string // absolute path of the external directory
}

// newScene builds a scene from specs: "a/b=text" is a file of the destination,
// "a/" a directory, and a leading "ext:" puts the entry in the external
// directory instead.
func newScene(t *testing.T, specs ...string) *scene {
	t.Helper()
	base := t.TempDir()
	dest, ext := filepath.Join(base, "dest"), filepath.Join(base, "ext")
	for _, dir := range []string{dest, ext} {
		require.NoError(t, os.Mkdir(dir, 0o755))
	}
	for _, spec := range specs {
		root := dest
		if s, ok := strings.CutPrefix(spec, "ext:"); ok {
			root, spec = ext, s
		}
		name, body, isFile := strings.Cut(spec, "=")
		p := filepath.Join(root, filepath.FromSlash(name))
		if !isFile {
			require.NoError(t, os.MkdirAll(p, 0o755))
			continue
		}
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(body), 0o640))
	}
	d, err := fileops.OpenDir(dest)
	require.NoError(t, err)
	t.Cleanup(func() { d.Close() })
	return &scene{d: d, ext: ext}
}

// abs returns the absolute path of name in the external directory.
func (s *scene) abs(name string) string { return filepath.Join(s.ext, filepath.FromSlash(name)) }

// tree describes both directories: every entry with its mode, and the content
// of files. The journal's own folder and the .rhqdeployments folder it creates
// are left out: the tests compare what the operation touches.
func (s *scene) tree(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for prefix, root := range map[string]string{"": s.d.Path(), "ext:": s.ext} {
		err := filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, p)
			rel = filepath.ToSlash(rel)
			if rel == "." || rel == ".rhqdeployments" {
				return nil
			}
			if rel == Dir {
				return filepath.SkipDir
			}
			fi, err := e.Info()
			if err != nil {
				return err
			}
			desc := fi.Mode().String()
			if fi.Mode().IsRegular() {
				data, err := os.ReadFile(p)
				if err != nil {
					return err
				}
				desc += " " + string(data)
			}
			out[prefix+rel] = desc
			return nil
		})
		require.NoError(t, err)
	}
	return out
}

// step is one change of an operation: its record, then the change itself. The
// record returns the trash name of a Trash record.
type step struct {
	record func(j *wal, s *scene) (string, error)
	change func(t *testing.T, s *scene, to string)
}

func write(t *testing.T, d *fileops.Dir, name, body string) {
	t.Helper()
	_, err := d.WriteFile(context.Background(), name, strings.NewReader(body), 0o600)
	require.NoError(t, err)
}

// The steps below do what package bundle's Apply does for each kind of change.

func create(name, body string) step {
	return step{
		record: func(j *wal, _ *scene) (string, error) { return "", j.Create(name) },
		change: func(t *testing.T, s *scene, _ string) { write(t, s.d, name, body) },
	}
}

func mkdir(name string) step {
	return step{
		record: func(j *wal, _ *scene) (string, error) { return "", j.Create(name) },
		change: func(t *testing.T, s *scene, _ string) { require.NoError(t, s.d.MkdirAll(name, 0o755)) },
	}
}

func trash(name string) step {
	return step{
		record: func(j *wal, _ *scene) (string, error) { return j.Trash(name) },
		change: func(t *testing.T, s *scene, to string) { require.NoError(t, s.d.Rename(name, to)) },
	}
}

func move(from, to string) step {
	return step{
		record: func(j *wal, _ *scene) (string, error) { return "", j.Move(from, to) },
		change: func(t *testing.T, s *scene, _ string) { require.NoError(t, s.d.Rename(from, to)) },
	}
}

// trashExt copies an external file into the trash and, when remove is set,
// deletes it (an external file deleted or moved to a backup).
func trashExt(name string, remove bool) step {
	return step{
		record: func(j *wal, s *scene) (string, error) { return j.Trash(externalKey(s.abs(name))) },
		change: func(t *testing.T, s *scene, to string) {
			src, err := os.Open(s.abs(name))
			require.NoError(t, err)
			defer src.Close()
			_, err = s.d.WriteFile(context.Background(), to, src, 0o640)
			require.NoError(t, err)
			if remove {
				require.NoError(t, os.Remove(s.abs(name)))
			}
		},
	}
}

func createExt(name, body string) step {
	return step{
		record: func(j *wal, s *scene) (string, error) { return "", j.Create(externalKey(s.abs(name))) },
		change: func(t *testing.T, s *scene, _ string) {
			dir, base, err := fileops.OpenParent(s.abs(name), true)
			require.NoError(t, err)
			defer dir.Close()
			write(t, dir, base, body)
		},
	}
}

func mkdirExt(name string) step {
	return step{
		record: func(j *wal, s *scene) (string, error) { return "", j.Create(externalKey(s.abs(name))) },
		change: func(t *testing.T, s *scene, _ string) { require.NoError(t, os.Mkdir(s.abs(name), 0o755)) },
	}
}

// undoCases are operations as Apply performs them, each with the tree before.
var undoCases = []struct {
	name   string
	before []string
	steps  []step
}{
	{"create a file", nil, []step{create("f", "new")}},
	{"create a file in new directories", []string{"a/"}, []step{mkdir("a/b"), mkdir("a/b/c"), create("a/b/c/f", "new")}},
	{"replace a file", []string{"conf/app.conf=old"}, []step{trash("conf/app.conf"), create("conf/app.conf", "new")}},
	{"delete a tree", []string{"d/a=1", "d/b/c=2", "keep=3"}, []step{trash("d")}},
	{"back up by moving (R127)", []string{"x=edited", ".rhqdeployments/1/"}, []step{
		mkdir(".rhqdeployments/2"), mkdir(".rhqdeployments/2/backup"), move("x", ".rhqdeployments/2/backup/x"),
	}},
	{"back up by copying, then overwrite (R107)", []string{"x=edited"}, []step{
		mkdir("bk"), create("bk/x", "edited"), trash("x"), create("x", "new"),
	}},
	{"overwrite an existing backup (R127)", []string{"bk/x=older backup", "x=edited"}, []step{
		trash("bk/x"), create("bk/x", "edited"),
	}},
	{"write, then restore over it (R131)", []string{"x=old"}, []step{
		trash("x"), create("x", "new"), trash("x"), create("x", "restored"),
	}},
	{"replace a directory with a file", []string{"p/q=1"}, []step{trash("p"), create("p", "file")}},
	{"external file replaced (R113)", []string{"ext:conf/e.conf=old"}, []step{
		trashExt("conf/e.conf", false), createExt("conf/e.conf", "new"),
	}},
	{"external file deleted (R138)", []string{"ext:e.conf=old"}, []step{trashExt("e.conf", true)}},
	{"external file in new directories (R114)", nil, []step{
		mkdirExt("n"), mkdirExt("n/m"), createExt("n/m/e.conf", "new"),
	}},
}

// run performs steps on s: all of them, then stops after record number stop
// (counting the begin record) when its change has not been made if atChange is
// false, or has been. It returns the journal, still open, as a killed process
// leaves it.
func run(t *testing.T, s *scene, steps []step, stop int, atChange bool) *wal {
	t.Helper()
	j, err := beginWAL(s.d, "deploy", 2, nil)
	require.NoError(t, err)
	for i, st := range steps {
		to, err := st.record(j, s)
		require.NoError(t, err)
		if i+2 == stop && !atChange {
			return j
		}
		st.change(t, s, to)
		if i+2 == stop {
			return j
		}
	}
	return j
}

// die closes the journal's file without finishing it, as the death of the
// process does.
func die(j *wal) { j.f.Close() }

func requireFinished(t *testing.T, s *scene) {
	t.Helper()
	require.False(t, Pending(s.d), "the journal is removed")
	_, err := s.d.Lstat(Dir)
	require.ErrorIs(t, err, fs.ErrNotExist, "the journal's folder and its trash are removed")
}

// TestRecoverRollsBack kills every operation after each record, before and after
// its change: Recover must leave the tree exactly as it was.
func TestRecoverRollsBack(t *testing.T) {
	for _, tc := range undoCases {
		for stop := 1; stop <= len(tc.steps)+1; stop++ {
			for _, atChange := range []bool{false, true} {
				if stop == 1 && atChange {
					continue // the begin record changes nothing
				}
				t.Run(fmt.Sprintf("%s/record %d/changed %t", tc.name, stop, atChange), func(t *testing.T) {
					s := newScene(t, tc.before...)
					before := s.tree(t)
					die(run(t, s, tc.steps, stop, atChange))
					require.True(t, Pending(s.d))

					out, err := Recover(s.d)
					require.NoError(t, err)
					require.Equal(t, RolledBack, out)
					if diff := cmp.Diff(before, s.tree(t)); diff != "" {
						t.Fatalf("tree after recovery (-before +after):\n%s", diff)
					}
					requireFinished(t, s)

					out, err = Recover(s.d)
					require.NoError(t, err)
					require.Equal(t, Nothing, out, "a second Recover has nothing to do")
				})
			}
		}
	}
}

// TestRecoverCompletes: with a Commit record, Recover keeps the result and
// empties the trash.
func TestRecoverCompletes(t *testing.T) {
	for _, tc := range undoCases {
		t.Run(tc.name, func(t *testing.T) {
			s := newScene(t, tc.before...)
			j := run(t, s, tc.steps, 0, false)
			require.NoError(t, j.Commit(false))
			after := s.tree(t)
			die(j)

			out, err := Recover(s.d)
			require.NoError(t, err)
			require.Equal(t, Completed, out)
			if diff := cmp.Diff(after, s.tree(t)); diff != "" {
				t.Fatalf("tree after recovery (-committed +recovered):\n%s", diff)
			}
			requireFinished(t, s)
		})
	}
}

// TestAbortAndFinish: the in-process counterparts of Recover.
func TestAbortAndFinish(t *testing.T) {
	for _, tc := range undoCases {
		t.Run(tc.name, func(t *testing.T) {
			s := newScene(t, tc.before...)
			before := s.tree(t)
			require.NoError(t, run(t, s, tc.steps, 0, false).Abort())
			require.Equal(t, before, s.tree(t), "Abort undoes the operation")
			requireFinished(t, s)

			j := run(t, s, tc.steps, 0, false)
			require.NoError(t, j.Commit(false))
			after := s.tree(t)
			require.NoError(t, j.Finish())
			require.Equal(t, after, s.tree(t), "Finish keeps the result")
			requireFinished(t, s)
		})
	}
}

// errInterrupted stands for the death of the process in the middle of Recover.
var errInterrupted = errors.New("interrupted")

// interruptAt makes Recover stop after undo step n has changed the disk, before
// the journal records that it is done. It returns whether Recover was stopped.
func interruptAt(t *testing.T, s *scene, n int) (stopped bool) {
	t.Helper()
	undoHook = func(step int) {
		if step == n {
			panic(errInterrupted)
		}
	}
	defer func() {
		undoHook = nil
		if r := recover(); r != nil {
			require.Equal(t, errInterrupted, r)
			stopped = true
		}
	}()
	out, err := Recover(s.d)
	require.NoError(t, err)
	require.Equal(t, RolledBack, out)
	return false
}

// TestRecoverInterrupted stops Recover after each of its undo steps, twice in a
// row, and runs it again: the result must be the same as one uninterrupted run.
func TestRecoverInterrupted(t *testing.T) {
	for _, tc := range undoCases {
		steps := len(tc.steps) + 1 // the begin record is undone too
		for first := 1; first <= steps; first++ {
			for second := first; second <= steps; second++ {
				t.Run(fmt.Sprintf("%s/at %d then %d", tc.name, first, second), func(t *testing.T) {
					s := newScene(t, tc.before...)
					before := s.tree(t)
					die(run(t, s, tc.steps, 0, false))

					require.True(t, interruptAt(t, s, first))
					require.True(t, Pending(s.d), "an interrupted Recover leaves the journal")
					// The second run resumes after the first run's last step, so
					// its step numbers start again at 1.
					interruptAt(t, s, second-first+1)
					if Pending(s.d) {
						require.False(t, interruptAt(t, s, 0))
					}
					if diff := cmp.Diff(before, s.tree(t)); diff != "" {
						t.Fatalf("tree after recovery (-before +after):\n%s", diff)
					}
					requireFinished(t, s)
				})
			}
		}
	}
}

// TestTornLastLine: a process killed while appending a record leaves a partial
// line; that record's change was never started, so it is ignored.
func TestTornLastLine(t *testing.T) {
	for _, tc := range []struct {
		name string
		torn string
		want Outcome
	}{
		{"torn create", `{"op":"create","path":"con`, RolledBack},
		{"torn trash", `{"op":"trash","path":"conf/app.conf","to":".rhqdep`, RolledBack},
		{"torn commit", `{"op":"com`, RolledBack},
		{"complete commit without its newline", `{"op":"commit"}`, RolledBack},
		{"garbage", "\x00\x00\x00", RolledBack},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newScene(t, "conf/app.conf=old")
			before := s.tree(t)
			j := run(t, s, []step{trash("conf/app.conf"), create("conf/app.conf", "new")}, 0, false)
			_, err := j.f.WriteString(tc.torn)
			require.NoError(t, err)
			die(j)

			out, err := Recover(s.d)
			require.NoError(t, err)
			require.Equal(t, tc.want, out)
			require.Equal(t, before, s.tree(t))
			requireFinished(t, s)
		})
	}
}

// TestRecoverInterruptedAfterTornLine: the first undo step cuts the torn line
// away, so the journal a second run reads is well formed.
func TestRecoverInterruptedAfterTornLine(t *testing.T) {
	s := newScene(t, "x=old")
	before := s.tree(t)
	j := run(t, s, []step{trash("x"), create("x", "new")}, 0, false)
	_, err := j.f.WriteString(`{"op":"tra`)
	require.NoError(t, err)
	die(j)

	require.True(t, interruptAt(t, s, 2))
	data, err := os.ReadFile(filepath.Join(s.d.Path(), filepath.FromSlash(journal)))
	require.NoError(t, err)
	require.True(t, bytes.HasSuffix(data, []byte("}\n")), "journal after the first undo step:\n%s", data)
	records, err := parse(data, "journal")
	require.NoError(t, err)
	require.Len(t, records, 2, "begin and trash remain to be undone")

	require.False(t, interruptAt(t, s, 0))
	require.Equal(t, before, s.tree(t))
}

// TestTempFilesRemoved: a writer killed in the middle of a file leaves a
// temporary file next to it; Recover removes those in the directories the
// journal names, and only there.
func TestTempFilesRemoved(t *testing.T) {
	const temp = ".bundlekit-killed.tmp"
	require.True(t, dirfile.IsTemp(temp))
	s := newScene(t, "a/", "ext:conf/", "other/"+temp+"=not ours")
	j := run(t, s, []step{create("a/f", "new"), createExt("conf/e.conf", "new")}, 3, false)
	die(j)
	require.NoError(t, os.WriteFile(filepath.Join(s.d.Path(), "a", temp), []byte("half"), 0o600))
	require.NoError(t, os.WriteFile(s.abs("conf/"+temp), []byte("half"), 0o600))

	out, err := Recover(s.d)
	require.NoError(t, err)
	require.Equal(t, RolledBack, out)
	require.Equal(t, map[string]string{
		"a":             "drwxr-xr-x",
		"other":         "drwxr-xr-x",
		"other/" + temp: "-rw-r----- not ours",
		"ext:conf":      "drwxr-xr-x",
	}, s.tree(t))
}

// TestExternalDirectoryKept: a created external directory that someone else
// has put a file in is left in place (only the operation's own file goes).
func TestExternalDirectoryKept(t *testing.T) {
	s := newScene(t)
	die(run(t, s, []step{mkdirExt("n"), createExt("n/e.conf", "new")}, 0, false))
	require.NoError(t, os.WriteFile(s.abs("n/theirs"), []byte("theirs"), 0o640))

	out, err := Recover(s.d)
	require.NoError(t, err)
	require.Equal(t, RolledBack, out)
	require.Equal(t, map[string]string{"ext:n": "drwxr-xr-x", "ext:n/theirs": "-rw-r----- theirs"}, s.tree(t))
}

// TestRecoverFailsOnUnreadableTrash: a trashed original that cannot be looked
// at is not taken for absent (which would let Recover delete it): Recover fails
// and keeps the journal.
func TestRecoverFailsOnUnreadableTrash(t *testing.T) {
	s := newScene(t, "x=old")
	die(run(t, s, []step{trash("x")}, 0, false))
	// A name that cannot be resolved stands for an unreadable path.
	data, err := os.ReadFile(filepath.Join(s.d.Path(), filepath.FromSlash(journal)))
	require.NoError(t, err)
	bad := bytes.Replace(data, []byte(`"to":"`+trashDir+`/1"`), []byte(`"to":"../escape"`), 1)
	require.NotEqual(t, data, bad)
	require.NoError(t, os.WriteFile(filepath.Join(s.d.Path(), filepath.FromSlash(journal)), bad, 0o600))

	_, err = Recover(s.d)
	require.ErrorIs(t, err, ErrCorrupt, "a trash name outside the trash is refused before anything is undone")
	require.True(t, Pending(s.d), "the journal is kept for a later run")
	_, err = s.d.Lstat(trashDir + "/1")
	require.NoError(t, err, "the trashed original is still there")
}

func TestPending(t *testing.T) {
	s := newScene(t)
	require.False(t, Pending(s.d))
	out, err := Recover(s.d)
	require.NoError(t, err)
	require.Equal(t, Nothing, out)

	j, err := beginWAL(s.d, "deploy", 1, nil)
	require.NoError(t, err)
	require.True(t, Pending(s.d))
	_, err = beginWAL(s.d, "deploy", 1, nil)
	require.ErrorIs(t, err, ErrPending)
	die(j)
	_, err = beginWAL(s.d, "deploy", 1, nil)
	require.ErrorIs(t, err, ErrPending, "an unfinished journal blocks the next operation until recovered")

	out, err = Recover(s.d)
	require.NoError(t, err)
	require.Equal(t, RolledBack, out)
	j, err = beginWAL(s.d, "deploy", 1, nil)
	require.NoError(t, err)
	require.NoError(t, j.Commit(false))
	require.NoError(t, j.Finish())
}

// TestEmptyJournal: a process killed between creating the journal and writing
// its first record.
func TestEmptyJournal(t *testing.T) {
	s := newScene(t, "x=old")
	require.NoError(t, s.d.MkdirAll(trashDir, 0o700))
	f, err := dirfile.OpenFile(s.d, journal, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	require.NoError(t, err)
	require.NoError(t, f.Close())

	out, err := Recover(s.d)
	require.NoError(t, err)
	require.Equal(t, RolledBack, out)
	require.Equal(t, map[string]string{"x": "-rw-r----- old"}, s.tree(t))
	requireFinished(t, s)
}

// TestHookAfterSync: the hook runs once per record, after the record is in the
// journal file.
func TestHookAfterSync(t *testing.T) {
	s := newScene(t, "x=old")
	var seen []int
	hook := func(n int) {
		data, err := os.ReadFile(filepath.Join(s.d.Path(), filepath.FromSlash(journal)))
		require.NoError(t, err)
		records, err := parse(data, "journal")
		require.NoError(t, err)
		require.Len(t, records, n, "record %d is in the file when the hook runs", n)
		seen = append(seen, n)
	}
	j, err := beginWAL(s.d, "deploy", 1, hook)
	require.NoError(t, err)
	to, err := j.Trash("x")
	require.NoError(t, err)
	require.Equal(t, trashDir+"/1", to)
	require.NoError(t, j.Create("x"))
	require.NoError(t, j.Move("x", "y"))
	require.NoError(t, j.Commit(false))
	require.NoError(t, j.Finish())
	require.Equal(t, []int{1, 2, 3, 4, 5}, seen)
}

func TestParse(t *testing.T) {
	data := "{\"op\":\"begin\",\"kind\":\"deploy\",\"id\":2}\n{\"op\":\"move\",\"path\":\"a\",\"to\":\"b\"}\n{\"op\":\"cre"
	got, err := parse([]byte(data), "journal")
	require.NoError(t, err, "a torn last line is dropped")
	want := []record{
		{Op: opBegin, Kind: "deploy", ID: 2},
		{Op: opMove, Path: "a", To: "b", off: int64(strings.Index(data, "\n") + 1)},
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(record{})); diff != "" {
		t.Fatalf("parse (-want +got):\n%s", diff)
	}
	_, err = parse([]byte("not json\n{\"op\":\"commit\"}\n"), "journal")
	var ce *CorruptError
	require.ErrorAs(t, err, &ce, "a complete line that is not a record is damage")
	require.Equal(t, 1, ce.Line)
	require.ErrorIs(t, err, ErrCorrupt)
	require.Equal(t, path.Join(Dir, "journal"), journal)
}

// TestExistsUnderFile: a path below a file does not exist, although looking it
// up fails with "not a directory" rather than "does not exist".
func TestExistsUnderFile(t *testing.T) {
	s := newScene(t, "a=file", "d/")
	for _, tc := range []struct {
		name string
		want bool
	}{
		{"a", true},
		{"d", true},
		{"a/b", false},
		{"a/b/c", false},
		{"d/missing/x", false},
	} {
		got, err := exists(s.d, tc.name)
		require.NoError(t, err, tc.name)
		require.Equal(t, tc.want, got, tc.name)
	}
}
