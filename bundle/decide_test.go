package bundle

import (
	"context"
	"errors"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/fileops"
	"github.com/bundlekit/bundlekit/internal/antglob"
)

// memDisk is an in-memory destination: path → content hash, or markDir for an
// (empty) directory; parents of every path exist implicitly. Paths starting with
// "/" are external files.
type memDisk map[string]string

func (m memDisk) isDir(p string) bool {
	if m[p] == markDir {
		return true
	}
	for k := range m {
		if strings.HasPrefix(k, p+"/") {
			return true
		}
	}
	return false
}

func (m memDisk) readDir(dir string) ([]dirEntry, error) {
	seen := map[string]bool{}
	for k := range m {
		if isExternal(k) {
			continue
		}
		rest := k
		if dir != "" {
			var ok bool
			if rest, ok = strings.CutPrefix(k, dir+"/"); !ok {
				continue
			}
		}
		name, _, _ := strings.Cut(rest, "/")
		seen[name] = true
	}
	var out []dirEntry
	for _, name := range slices.Sorted(maps.Keys(seen)) {
		out = append(out, dirEntry{name: name, isDir: m.isDir(path.Join(dir, name))})
	}
	return out, nil
}

func (m memDisk) stat(k string) (bool, bool, error) {
	if _, ok := m[k]; ok {
		return true, m[k] == markDir, nil
	}
	if m.isDir(k) {
		return true, true, nil
	}
	return false, false, nil
}

func (m memDisk) lstat(k string) (dirEntry, bool, error) {
	exists, isDir, err := m.stat(k)
	return dirEntry{name: path.Base(k), isDir: isDir}, exists, err
}

func (m memDisk) hashFiles(_ context.Context, keys []string, _ fileops.Digests) []fileops.FileHash {
	out := make([]fileops.FileHash, len(keys))
	for i, k := range keys {
		out[i].MD5, out[i].Err = m.hash(k)
	}
	return out
}

func (m memDisk) hash(k string) (string, error) {
	h, ok := m[k]
	if !ok || h == markDir {
		return "", fs.ErrNotExist
	}
	if h == "UNREADABLE" {
		return "", errors.New("permission denied")
	}
	return h, nil
}

func testBackupPath(k string) string {
	if isExternal(k) {
		return "/D/.rhqdeployments/2/ext-backup" + k
	}
	return "/D/.rhqdeployments/2/backup/" + k
}

func testBackup(k string) (string, string) {
	rel := ".rhqdeployments/2/backup/" + k
	if isExternal(k) {
		rel = ".rhqdeployments/2/ext-backup" + k
	}
	return rel, testBackupPath(k)
}

type upgradeCase struct {
	orig, disk, next map[string]string
	full, clean      bool
	ignore           []string
}

func runUpgrade(t *testing.T, c upgradeCase) []*Entry {
	t.Helper()
	var ign matcher
	if len(c.ignore) > 0 {
		s, err := antglob.NewSet("", c.ignore, nil)
		require.NoError(t, err)
		ign = s
	}
	orig, next := withDirs(c.orig), withDirs(c.next)
	var ext []string
	for k := range next {
		if isExternal(k) {
			ext = append(ext, k)
		}
	}
	scan, err := scanUpdate(context.Background(), memDisk(c.disk), orig, ign, c.full, ext, nil)
	require.NoError(t, err)
	entries := decideUpdate(update{orig: orig, scan: scan, next: next, clean: c.clean, backup: testBackup})
	requireConsistent(t, entries)
	return entries
}

// requireConsistent checks that every entry's action agrees with its steps: an
// action that writes has a step that does, one that does not has none (a
// backup copy aside).
func requireConsistent(t *testing.T, entries []*Entry) {
	t.Helper()
	for _, e := range entries {
		changes := e.has(opWrite) || e.has(opMkdir) || e.has(opStash) || e.has(opTrash) || e.has(opDeleteDir) || e.has(opRestore) ||
			e.has(opChmod)
		switch {
		case e.Action.Writes() && !changes:
			t.Errorf("%s: %s (%s) has no step that does it: %s", e.Path, e.Action, e.Rule, stepsOf(e))
		case !e.Action.Writes() && changes:
			t.Errorf("%s: %s (%s) changes nothing, but has steps %s", e.Path, e.Action, e.Rule, stepsOf(e))
		}
		if (e.Backup != "") != (e.has(opBackup) || e.has(opStash)) && !e.Dir {
			t.Errorf("%s: backup %q but steps %s", e.Path, e.Backup, stepsOf(e))
		}
	}
}

var opNames = map[stepOp]string{
	opBackup: "backup", opStash: "stash", opTrash: "trash", opDeleteDir: "deletedir", opTrashOrReport: "trash?",
	opWrite: "write", opMkdir: "mkdir", opRestore: "restore", opLink: "link", opHandover: "handover", opChmod: "chmod",
}

// stepsOf names the steps of an entry, e.g. "backup write".
func stepsOf(e *Entry) string {
	var out []string
	for _, s := range e.steps {
		out = append(out, opNames[s.op])
	}
	return strings.Join(out, " ")
}

func entryFor(entries []*Entry, p string) *Entry {
	for _, e := range entries {
		if e.Path == p {
			return e
		}
	}
	return nil
}

// categories lists the diff categories a path is in, e.g. "changed,backedUp".
func categories(entries []*Entry, p string) string {
	e := entryFor(entries, p)
	if e == nil {
		return ""
	}
	var out []string
	for _, c := range []struct {
		name string
		in   bool
	}{
		{"added", e.report&reportAdded != 0}, {"deleted", e.report&reportDeleted != 0}, {"changed", e.report&reportChanged != 0},
		{"ignored", e.report&reportIgnored != 0}, {"backedUp", e.Backup != ""},
	} {
		if c.in {
			out = append(out, c.name)
		}
	}
	return strings.Join(out, ",")
}

// TestDecisionTable has one row per rule of the update decision table (spec §7,
// R102–R124b), each run in the compliance modes where it applies. "a/keep" makes
// the top-level "a" related to the previous deployment, so "a/…" paths are
// scanned in filesAndDirectories mode too (R75); "b/…" paths are not.
func TestDecisionTable(t *testing.T) {
	type want struct {
		action Action
		rule   string
		diff   string // categories of the path
		steps  string // what Apply does, in order (see stepsOf)
		final  string // hash in the new map; "" = absent
	}
	anchor := func(m map[string]string) map[string]string {
		out := map[string]string{"a/keep": "K"}
		maps.Copy(out, m)
		return out
	}
	both := []bool{true, false}
	full := []bool{true}
	fad := []bool{false}
	tests := []struct {
		rule  string
		path  string
		c     upgradeCase
		modes []bool
		want  want
	}{
		{"R102 X X X: nothing to do", "a/f",
			upgradeCase{orig: anchor(map[string]string{"a/f": "X"}), disk: anchor(map[string]string{"a/f": "X"}), next: anchor(map[string]string{"a/f": "X"})},
			both, want{ActionUnchanged, "R102", "", "", "X"}},
		{"R103 X X Y: overwrite", "a/f",
			upgradeCase{orig: anchor(map[string]string{"a/f": "X"}), disk: anchor(map[string]string{"a/f": "X"}), next: anchor(map[string]string{"a/f": "Y"})},
			both, want{ActionChange, "R103", "changed", "write", "Y"}},
		{"R104 X Y X: keep the local edit, record X", "a/f",
			upgradeCase{orig: anchor(map[string]string{"a/f": "X"}), disk: anchor(map[string]string{"a/f": "Y"}), next: anchor(map[string]string{"a/f": "X"})},
			both, want{ActionKeep, "R104", "", "", "X"}},
		{"R105 X Y X clean: back up Y, write X", "a/f",
			upgradeCase{orig: anchor(map[string]string{"a/f": "X"}), disk: anchor(map[string]string{"a/f": "Y"}), next: anchor(map[string]string{"a/f": "X"}), clean: true},
			both, want{ActionChange, "R105", "backedUp", "backup write", "X"}},
		{"R106 X Y Y: user made the new content", "a/f",
			upgradeCase{orig: anchor(map[string]string{"a/f": "X"}), disk: anchor(map[string]string{"a/f": "Y"}), next: anchor(map[string]string{"a/f": "Y"})},
			both, want{ActionUnchanged, "R106", "", "", "Y"}},
		{"R107 X Y Z: back up Y, overwrite with Z", "a/f",
			upgradeCase{orig: anchor(map[string]string{"a/f": "X"}), disk: anchor(map[string]string{"a/f": "Y"}), next: anchor(map[string]string{"a/f": "Z"})},
			both, want{ActionChange, "R107", "changed,backedUp", "backup write", "Z"}},
		{"R108 unknown file h≠n (scanned)", "a/f",
			upgradeCase{orig: anchor(nil), disk: anchor(map[string]string{"a/f": "H"}), next: anchor(map[string]string{"a/f": "N"})},
			both, want{ActionChange, "R108", "changed,backedUp", "backup write", "N"}},
		{"R109 unknown file h=n (scanned): backed up only", "a/f",
			upgradeCase{orig: anchor(nil), disk: anchor(map[string]string{"a/f": "N"}), next: anchor(map[string]string{"a/f": "N"})},
			both, want{ActionUnchanged, "R109", "backedUp", "backup", "N"}},
		{"R110 unrelated top-level file (not scanned): overwritten, no backup", "b/f",
			upgradeCase{orig: anchor(nil), disk: anchor(map[string]string{"b/f": "H"}), next: anchor(map[string]string{"b/f": "N"})},
			fad, want{ActionAdd, "R110", "added", "write", "N"}},
		{"R110 in full mode the same file is scanned (R108)", "b/f",
			upgradeCase{orig: anchor(nil), disk: anchor(map[string]string{"b/f": "H"}), next: anchor(map[string]string{"b/f": "N"})},
			full, want{ActionChange, "R108", "changed,backedUp", "backup write", "N"}},
		{"R111 X - N: deleted by hand, restored by the bundle", "a/f",
			upgradeCase{orig: anchor(map[string]string{"a/f": "X"}), disk: anchor(nil), next: anchor(map[string]string{"a/f": "Y"})},
			both, want{ActionAdd, "R111", "added", "write", "Y"}},
		{"R112 - - n: new file", "a/f",
			upgradeCase{orig: anchor(nil), disk: anchor(nil), next: anchor(map[string]string{"a/f": "N"})},
			both, want{ActionAdd, "R112", "added", "write", "N"}},
		{"R113 external file exists: ext-backup, overwrite", "/ext/f",
			upgradeCase{orig: anchor(nil), disk: anchor(map[string]string{"/ext/f": "H"}), next: anchor(map[string]string{"/ext/f": "N"})},
			both, want{ActionChange, "R113", "changed,backedUp", "backup write", "N"}},
		{"R114 external file, none on disk", "/ext/f",
			upgradeCase{orig: anchor(nil), disk: anchor(nil), next: anchor(map[string]string{"/ext/f": "N"})},
			both, want{ActionAdd, "R114", "added", "write", "N"}},
		{"R115 X X -: delete", "a/f",
			upgradeCase{orig: anchor(map[string]string{"a/f": "X"}), disk: anchor(map[string]string{"a/f": "X"}), next: anchor(nil)},
			both, want{ActionDelete, "R115", "deleted", "trash", ""}},
		{"R116 X Y -: move the edit to backup", "a/f",
			upgradeCase{orig: anchor(map[string]string{"a/f": "X"}), disk: anchor(map[string]string{"a/f": "Y"}), next: anchor(nil)},
			both, want{ActionDelete, "R116", "deleted,backedUp", "stash", ""}},
		{"R117 unknown file (scanned), not in bundle: move to backup", "a/f",
			upgradeCase{orig: anchor(nil), disk: anchor(map[string]string{"a/f": "H"}), next: anchor(nil)},
			both, want{ActionDelete, "R117", "deleted,backedUp", "stash", ""}},
		{"R118 unrelated top-level file (not scanned): left alone", "b",
			upgradeCase{orig: anchor(nil), disk: anchor(map[string]string{"b/f": "H"}), next: anchor(nil)},
			fad, want{ActionSkip, "R118", "", "", ""}},
		{"R119 X - -: nothing", "a/f",
			upgradeCase{orig: anchor(map[string]string{"a/f": "X"}), disk: anchor(nil), next: anchor(nil)},
			both, want{ActionNone, "R119", "", "", ""}},
		{"R120 ignored, not in bundle: untouched", "a/logs",
			upgradeCase{orig: anchor(nil), disk: anchor(map[string]string{"a/logs/x.log": "L"}), next: anchor(nil), ignore: []string{"a/logs/"}},
			both, want{ActionIgnore, "R120", "ignored", "", ""}},
		{"R120 ignored but in bundle: overwritten, reported added", "a/logs/x.log",
			upgradeCase{orig: anchor(nil), disk: anchor(map[string]string{"a/logs/x.log": "L"}), next: anchor(map[string]string{"a/logs/x.log": "N"}), ignore: []string{"a/logs/*.log"}},
			both, want{ActionAdd, "R120", "added,ignored", "write", "N"}},
		{"R120 ignored previous file: dropped from C, not deleted", "a/logs/x.log",
			upgradeCase{orig: anchor(map[string]string{"a/logs/x.log": "X"}), disk: anchor(map[string]string{"a/logs/x.log": "L"}), next: anchor(nil), ignore: []string{"a/logs/*.log"}},
			both, want{ActionIgnore, "R120", "ignored", "", ""}},
		{"R121 directory in O and N", "a/d",
			upgradeCase{orig: anchor(map[string]string{"a/d/x": "X"}), disk: anchor(map[string]string{"a/d/x": "X"}), next: anchor(map[string]string{"a/d/x": "X"})},
			both, want{ActionUnchanged, "R121", "", "", ""}},
		{"R122 directory in O, not in N: deleted after its files", "a/d",
			upgradeCase{orig: anchor(map[string]string{"a/d/x": "X"}), disk: anchor(map[string]string{"a/d/x": "X"}), next: anchor(nil)},
			both, want{ActionDelete, "R122", "deleted", "deletedir", ""}},
		{"R123 new directory in N only", "a/new",
			upgradeCase{orig: anchor(nil), disk: anchor(nil), next: anchor(map[string]string{"a/new/x": "N"})},
			both, want{ActionAdd, "R123", "added", "mkdir", ""}},
		{"R124 unknown directory, not in N: moved to backup", "a/u",
			upgradeCase{orig: anchor(nil), disk: anchor(map[string]string{"a/u": markDir}), next: anchor(nil)},
			full, want{ActionDelete, "R124", "deleted,backedUp", "stash", ""}},
		{"R124a unknown directory in N: empty backup directory", "a/u",
			upgradeCase{orig: anchor(nil), disk: anchor(map[string]string{"a/u": markDir}), next: anchor(map[string]string{"a/u/x": "N"})},
			full, want{ActionUnchanged, "R124a", "backedUp", "backup", ""}},
		{"R124b filesAndDirectories: unknown directories are not recorded", "a/u",
			upgradeCase{orig: anchor(nil), disk: anchor(map[string]string{"a/u": markDir}), next: anchor(nil)},
			fad, want{}},
	}
	for _, tt := range tests {
		for _, mode := range tt.modes {
			name := tt.rule + map[bool]string{true: " [full]", false: " [filesAndDirectories]"}[mode]
			t.Run(name, func(t *testing.T) {
				c := tt.c
				c.full = mode
				entries := runUpgrade(t, c)
				e := entryFor(entries, tt.path)
				if tt.want.action == "" {
					require.Nil(t, e, "no entry expected for %s", tt.path)
					return
				}
				require.NotNil(t, e, "entries: %v", entries)
				got := want{e.Action, e.Rule, categories(entries, tt.path), stepsOf(e), recorded(entries)[tt.path]}
				if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(want{})); diff != "" {
					t.Errorf("%s (-want +got):\n%s", tt.path, diff)
				}
				if strings.Contains(tt.want.steps, "backup") || strings.Contains(tt.want.steps, "stash") {
					require.Equal(t, testBackupPath(tt.path), e.Backup)
					require.Equal(t, testBackupPath(tt.path), differences(entries, nil, c.clean).BackedUp[tt.path])
				}
				// The anchor keeps its hash and is never rewritten: it
				// already holds its bytes, clean or not (GO of R90, R102).
				require.Equal(t, "K", recorded(entries)["a/keep"])
				require.Empty(t, stepsOf(entryFor(entries, "a/keep")))
			})
		}
	}
}

// TestDecisionOrder checks R92: backups and deletes run in descending path order so
// that children go before their parents, and a backed-up path that is deleted is
// moved rather than copied and then deleted.
func TestDecisionOrder(t *testing.T) {
	entries := runUpgrade(t, upgradeCase{
		orig: map[string]string{"a/d/x": "X", "a/d/y": "Y", "a/z": "Z"},
		disk: map[string]string{"a/d/x": "X2", "a/d/y": "Y", "a/z": "Z", "a/u/new": "U"},
		next: map[string]string{"a/z": "Z"},
		full: true,
	})
	var backups, deletes []string
	for _, s := range schedule(entries, nil) {
		switch s.phase {
		case phaseBackup:
			backups = append(backups, s.entry.Path+" "+opNames[s.op])
		case phaseDelete:
			deletes = append(deletes, s.entry.Path+" "+opNames[s.op])
		}
	}
	// a/u holds a backed-up file: its backup folder is made by that file's
	// backup, and a/u itself, emptied, is deleted after it.
	require.Equal(t, []string{"a/u/new stash", "a/d/x stash"}, backups)
	require.Equal(t, []string{"a/u deletedir", "a/d/y trash", "a/d deletedir"}, deletes)
	require.Equal(t, testBackupPath("a/u"), entryFor(entries, "a/u").Backup)
}

// TestRescanUnknownHash is R56: an unreadable file stops the upgrade before any
// change, naming the file.
func TestRescanUnknownHash(t *testing.T) {
	_, err := scanUpdate(context.Background(), memDisk{"a/x": "X", "a/new": "UNREADABLE"}, withDirs(map[string]string{"a/x": "X"}), nil, true, nil, nil)
	var ue *UnknownHashError
	require.ErrorAs(t, err, &ue)
	require.Equal(t, map[string]string{"a/new": "permission denied"}, ue.Paths)
	require.ErrorContains(t, err, "failed to properly rescan the current deployment: a/new: permission denied")
}

// TestRescanMetadataSkipped is R31/R74: .rhqdeployments is skipped at any depth.
func TestRescanMetadataSkipped(t *testing.T) {
	scan, err := scanUpdate(context.Background(), memDisk{
		"a/x": "X", ".rhqdeployments/1/backup/a": "B", "a/.rhqdeployments/current-deployment.properties": "P",
	}, withDirs(map[string]string{"a/x": "X"}), nil, true, nil, nil)
	require.NoError(t, err)
	require.Empty(t, scan.additions)
}

// TestInitialDeploy covers §5: R58 (full wipe with backups), R61 (only the
// bundle's top-level directories are emptied), R63 and R64.
func TestInitialDeploy(t *testing.T) {
	next := map[string]string{"conf/a": "A", "top.txt": "T"}
	entries := decideInitial(initialDeploy{
		full: true, existing: []string{"conf/a", "old/x", "top.txt"},
		cleared: map[string]bool{"conf": true, "old": true, "top.txt": false},
		next:    next, dirs: ancestors(next), backup: testBackup,
	})
	requireConsistent(t, entries)
	steps := map[string]string{}
	for _, e := range entries {
		steps[e.Path] = string(e.Action) + " " + e.Rule + ": " + stepsOf(e)
	}
	require.Equal(t, map[string]string{
		"conf":    "change R58: trash", // removed, then made again by conf/a
		"conf/a":  "change R64: stash write",
		"old":     "delete R58: trash",
		"old/x":   "delete R58: stash",
		"top.txt": "change R64: stash write",
	}, steps)
	d := differences(entries, nil, false)
	require.Equal(t, []string{"conf/a", "top.txt"}, d.Added)
	require.Equal(t, []string{"conf/a", "old/x", "top.txt"}, d.Deleted, "R188: directories are not reported")
	require.Len(t, d.BackedUp, 3)
	require.Empty(t, d.Changed, "R64: no changes on an initial deployment")

	entries = decideInitial(initialDeploy{
		existing: []string{"conf/old"}, cleared: map[string]bool{"conf/old": false},
		next: next, dirs: ancestors(next), current: map[string]string{"top.txt": "T"}, backup: testBackup,
	})
	requireConsistent(t, entries)
	d = differences(entries, nil, false)
	require.Equal(t, map[string]string{"conf/old": testBackupPath("conf/old")}, d.BackedUp)
	require.Equal(t, "unchanged R63", string(entryFor(entries, "top.txt").Action)+" "+entryFor(entries, "top.txt").Rule,
		"R63: an identical unrelated file is not rewritten")
	require.Empty(t, stepsOf(entryFor(entries, "top.txt")))
	require.Equal(t, []string{"conf/a", "top.txt"}, d.Added, "R64: still reported added")
}
