package bundle_test

import (
	"context"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/bundle"
	"github.com/bundlekit/bundlekit/internal/testtree"
)

// tableRow is one rule of the update decision table (spec §7, R102–R124b) run on
// real directories: deployment 1 writes v1, arrange changes the disk, deployment 2
// writes v2. Paths starting with "EXT/" are external: EXT is replaced by a
// temporary directory outside the destination.
type tableRow struct {
	name    string
	modes   []string
	v1, v2  spec
	clean   bool
	arrange map[string]string // path → new content; "" deletes it, "DIR" makes an empty directory
	want    tableWant
}

type tableWant struct {
	added, deleted, changed, ignored, backedUp []string
	errors                                     []string
	// files: content expected at the end ("" means absent); dirs: directories
	// that must still exist.
	files map[string]string
	dirs  []string
	// backups: what deployment 2's backup and ext-backup folders hold (key →
	// content, "DIR" for an empty directory), and nothing else.
	backups map[string]string
	// recorded: file-hashcodes.dat of deployment 2, as contents; the anchor is
	// added by the test.
	recorded map[string]string
}

var (
	bothModes = []string{"full", "filesAndDirectories"}
	fullOnly  = []string{"full"}
	fadOnly   = []string{"filesAndDirectories"}
)

// withAnchor adds a/keep to files so that the top-level "a" is related to the
// previous deployment and "a/…" is scanned in filesAndDirectories mode (R75).
func withAnchor(files map[string]string) map[string]string {
	out := map[string]string{"a/keep": "K"}
	maps.Copy(out, files)
	return out
}

func TestDecisionTableOnDisk(t *testing.T) {
	rows := []tableRow{
		{name: "R102 X X X: nothing to do", modes: bothModes,
			v1: spec{Files: map[string]string{"a/f": "X"}}, v2: spec{Files: map[string]string{"a/f": "X"}},
			want: tableWant{files: map[string]string{"a/f": "X"}, recorded: map[string]string{"a/f": "X"}}},
		{name: "R103 X X Y: overwritten", modes: bothModes,
			v1: spec{Files: map[string]string{"a/f": "X"}}, v2: spec{Files: map[string]string{"a/f": "Y"}},
			want: tableWant{changed: []string{"a/f"}, files: map[string]string{"a/f": "Y"}, recorded: map[string]string{"a/f": "Y"}}},
		{name: "R104 X Y X: local edit kept, original hash recorded (R30, R88)", modes: bothModes,
			v1: spec{Files: map[string]string{"a/f": "X"}}, arrange: map[string]string{"a/f": "Y edited"}, v2: spec{Files: map[string]string{"a/f": "X"}},
			want: tableWant{files: map[string]string{"a/f": "Y edited"}, recorded: map[string]string{"a/f": "X"}}},
		{name: "R105 X Y X clean: Y backed up, X written (R89)", modes: bothModes, clean: true,
			v1: spec{Files: map[string]string{"a/f": "X"}}, arrange: map[string]string{"a/f": "Y edited"}, v2: spec{Files: map[string]string{"a/f": "X"}},
			want: tableWant{backedUp: []string{"a/f"}, files: map[string]string{"a/f": "X"},
				backups: map[string]string{"a/f": "Y edited"}, recorded: map[string]string{"a/f": "X"}}},
		{name: "R106 X Y Y: the user made the new content", modes: bothModes,
			v1: spec{Files: map[string]string{"a/f": "X"}}, arrange: map[string]string{"a/f": "Y"}, v2: spec{Files: map[string]string{"a/f": "Y"}},
			want: tableWant{files: map[string]string{"a/f": "Y"}, recorded: map[string]string{"a/f": "Y"}}},
		{name: "R107 X Y Z: Y backed up, Z written", modes: bothModes,
			v1: spec{Files: map[string]string{"a/f": "X"}}, arrange: map[string]string{"a/f": "Y edited"}, v2: spec{Files: map[string]string{"a/f": "Z"}},
			want: tableWant{changed: []string{"a/f"}, backedUp: []string{"a/f"}, files: map[string]string{"a/f": "Z"},
				backups: map[string]string{"a/f": "Y edited"}, recorded: map[string]string{"a/f": "Z"}}},
		{name: "R108 unknown file h≠n: backed up, overwritten", modes: bothModes,
			v1: spec{}, arrange: map[string]string{"a/f": "H"}, v2: spec{Files: map[string]string{"a/f": "N"}},
			want: tableWant{changed: []string{"a/f"}, backedUp: []string{"a/f"}, files: map[string]string{"a/f": "N"},
				backups: map[string]string{"a/f": "H"}, recorded: map[string]string{"a/f": "N"}}},
		{name: "R109 unknown file h=n: backed up only", modes: bothModes,
			v1: spec{}, arrange: map[string]string{"a/f": "N"}, v2: spec{Files: map[string]string{"a/f": "N"}},
			want: tableWant{backedUp: []string{"a/f"}, files: map[string]string{"a/f": "N"},
				backups: map[string]string{"a/f": "N"}, recorded: map[string]string{"a/f": "N"}}},
		{name: "R110 unrelated top-level file: overwritten without backup, added", modes: fadOnly,
			v1: spec{}, arrange: map[string]string{"b/f": "H", "b/other": "O"}, v2: spec{Files: map[string]string{"b/f": "N"}},
			want: tableWant{added: []string{"b", "b/f"}, files: map[string]string{"b/f": "N", "b/other": "O"}, recorded: map[string]string{"b/f": "N"}}},
		{name: "R110 in full mode the unrelated file is scanned (R108, R124a)", modes: fullOnly,
			v1: spec{}, arrange: map[string]string{"b/f": "H"}, v2: spec{Files: map[string]string{"b/f": "N"}},
			want: tableWant{changed: []string{"b/f"}, backedUp: []string{"b", "b/f"}, files: map[string]string{"b/f": "N"},
				backups: map[string]string{"b/f": "H"}, recorded: map[string]string{"b/f": "N"}}},
		{name: "R111 X - N: deleted by hand, written again", modes: bothModes,
			v1: spec{Files: map[string]string{"a/f": "X"}}, arrange: map[string]string{"a/f": ""}, v2: spec{Files: map[string]string{"a/f": "N"}},
			want: tableWant{added: []string{"a/f"}, files: map[string]string{"a/f": "N"}, recorded: map[string]string{"a/f": "N"}}},
		{name: "R112 - - n: new file, new directory (R123)", modes: bothModes,
			v1: spec{}, v2: spec{Files: map[string]string{"a/f": "N", "a/new/g": "G"}},
			want: tableWant{added: []string{"a/f", "a/new", "a/new/g"}, files: map[string]string{"a/f": "N", "a/new/g": "G"},
				recorded: map[string]string{"a/f": "N", "a/new/g": "G"}}},
		{name: "R113 external file exists: ext-backup, overwritten (R85, R126)", modes: bothModes,
			v1: spec{}, arrange: map[string]string{"EXT/f.txt": "H"}, v2: spec{Ext: map[string]string{"EXT/f.txt": "N"}},
			want: tableWant{changed: []string{"EXT/f.txt"}, backedUp: []string{"EXT/f.txt"}, files: map[string]string{"EXT/f.txt": "N"},
				backups: map[string]string{"EXT/f.txt": "H"}, recorded: map[string]string{"EXT/f.txt": "N"}}},
		{name: "R114 external file, none on disk", modes: bothModes,
			v1: spec{}, v2: spec{Ext: map[string]string{"EXT/f.txt": "N"}},
			want: tableWant{added: []string{"EXT/f.txt"}, files: map[string]string{"EXT/f.txt": "N"}, recorded: map[string]string{"EXT/f.txt": "N"}}},
		{name: "R115 X X -: deleted", modes: bothModes,
			v1: spec{Files: map[string]string{"a/f": "X"}}, v2: spec{},
			want: tableWant{deleted: []string{"a/f"}, files: map[string]string{"a/f": ""}}},
		{name: "R115 external X X -: deleted", modes: bothModes,
			v1: spec{Ext: map[string]string{"EXT/f.txt": "X"}}, v2: spec{},
			want: tableWant{deleted: []string{"EXT/f.txt"}, files: map[string]string{"EXT/f.txt": ""}}},
		{name: "R116 X Y -: the edit is moved to backup", modes: bothModes,
			v1: spec{Files: map[string]string{"a/f": "X"}}, arrange: map[string]string{"a/f": "Y edited"}, v2: spec{},
			want: tableWant{deleted: []string{"a/f"}, backedUp: []string{"a/f"}, files: map[string]string{"a/f": ""},
				backups: map[string]string{"a/f": "Y edited"}}},
		{name: "R116 external X Y -: the edit is moved to ext-backup", modes: bothModes,
			v1: spec{Ext: map[string]string{"EXT/f.txt": "X"}}, arrange: map[string]string{"EXT/f.txt": "Y edited"}, v2: spec{},
			want: tableWant{deleted: []string{"EXT/f.txt"}, backedUp: []string{"EXT/f.txt"}, files: map[string]string{"EXT/f.txt": ""},
				backups: map[string]string{"EXT/f.txt": "Y edited"}}},
		{name: "R117 unknown file, not in bundle: moved to backup", modes: bothModes,
			v1: spec{}, arrange: map[string]string{"a/f": "H"}, v2: spec{},
			want: tableWant{deleted: []string{"a/f"}, backedUp: []string{"a/f"}, files: map[string]string{"a/f": ""},
				backups: map[string]string{"a/f": "H"}}},
		{name: "R118 unrelated top-level entries: left alone", modes: fadOnly,
			v1: spec{}, arrange: map[string]string{"b/f": "H", "top.txt": "T", "empty": "DIR"}, v2: spec{},
			want: tableWant{files: map[string]string{"b/f": "H", "top.txt": "T"}, dirs: []string{"empty"}}},
		{name: "R118 in full mode unrelated entries are unknown: moved to backup (R117, R124)", modes: fullOnly,
			v1: spec{}, arrange: map[string]string{"b/f": "H", "top.txt": "T", "empty": "DIR"}, v2: spec{},
			want: tableWant{deleted: []string{"b", "b/f", "empty", "top.txt"}, backedUp: []string{"b", "b/f", "empty", "top.txt"},
				files:   map[string]string{"b/f": "", "top.txt": ""},
				backups: map[string]string{"b/f": "H", "empty": "DIR", "top.txt": "T"}}},
		{name: "R119 X - -: nothing", modes: bothModes,
			v1: spec{Files: map[string]string{"a/f": "X"}}, arrange: map[string]string{"a/f": ""}, v2: spec{},
			want: tableWant{files: map[string]string{"a/f": ""}}},
		{name: "R120 ignored, not in the bundle: untouched", modes: bothModes,
			v1: spec{Ignore: []string{"a/logs/"}}, arrange: map[string]string{"a/logs/x.log": "L"}, v2: spec{Ignore: []string{"a/logs/"}},
			want: tableWant{ignored: []string{"a/logs"}, files: map[string]string{"a/logs/x.log": "L"}}},
		{name: "R120 ignored previous file: dropped from the map, untouched", modes: bothModes,
			v1: spec{Files: map[string]string{"a/logs/x.log": "X"}, Ignore: []string{"a/logs/*.log"}}, arrange: map[string]string{"a/logs/x.log": "L"},
			v2: spec{Ignore: []string{"a/logs/*.log"}},
			// Its directory is in O and not in N: deleted, which fails (R122).
			want: tableWant{ignored: []string{"a/logs/x.log"}, deleted: []string{"a/logs"}, errors: []string{"a/logs"},
				files: map[string]string{"a/logs/x.log": "L"}}},
		{name: "R120 ignored but in the bundle: overwritten, reported added", modes: fadOnly,
			v1: spec{Files: map[string]string{"a/logs/keep": "K"}, Ignore: []string{"a/logs/*.log"}}, arrange: map[string]string{"a/logs/x.log": "L"},
			v2:   spec{Files: map[string]string{"a/logs/keep": "K", "a/logs/x.log": "N"}, Ignore: []string{"a/logs/*.log"}},
			want: tableWant{added: []string{"a/logs/x.log"}, ignored: []string{"a/logs/x.log"}, files: map[string]string{"a/logs/x.log": "N"}, recorded: map[string]string{"a/logs/keep": "K", "a/logs/x.log": "N"}}},
		{name: "R120 clean: ignored files are deleted, not backed up (R95)", modes: bothModes, clean: true,
			v1: spec{Ignore: []string{"a/logs/"}}, arrange: map[string]string{"a/logs/x.log": "L"}, v2: spec{Ignore: []string{"a/logs/"}},
			want: tableWant{ignored: []string{"a/logs"}, files: map[string]string{"a/logs/x.log": ""}}},
		{name: "R121 directory in O and N", modes: bothModes,
			v1: spec{Files: map[string]string{"a/d/x": "X"}}, v2: spec{Files: map[string]string{"a/d/x": "X"}},
			want: tableWant{files: map[string]string{"a/d/x": "X"}, recorded: map[string]string{"a/d/x": "X"}}},
		{name: "R122 directory in O, not in N: deleted after its files", modes: bothModes,
			v1: spec{Files: map[string]string{"a/d/x": "X", "a/d/e/y": "Y"}}, v2: spec{},
			want: tableWant{deleted: []string{"a/d", "a/d/e", "a/d/e/y", "a/d/x"}, files: map[string]string{"a/d/x": "", "a/d/e/y": ""}}},
		{name: "R122 a directory still holding an unmanaged (ignored) file: errors, deployment goes on", modes: bothModes,
			v1: spec{Files: map[string]string{"a/d/x": "X"}, Ignore: []string{"a/d/*.log"}}, arrange: map[string]string{"a/d/app.log": "L"},
			v2: spec{Ignore: []string{"a/d/*.log"}},
			want: tableWant{deleted: []string{"a/d", "a/d/x"}, ignored: []string{"a/d/app.log"}, errors: []string{"a/d"},
				files: map[string]string{"a/d/x": "", "a/d/app.log": "L"}, dirs: []string{"a/d"}}},
		{name: "R124 unknown empty directory: moved to backup", modes: fullOnly,
			v1: spec{}, arrange: map[string]string{"a/u": "DIR"}, v2: spec{},
			want: tableWant{deleted: []string{"a/u"}, backedUp: []string{"a/u"}, backups: map[string]string{"a/u": "DIR"}}},
		{name: "R124a unknown directory in N: an empty directory in backup", modes: fullOnly,
			v1: spec{}, arrange: map[string]string{"a/u": "DIR"}, v2: spec{Files: map[string]string{"a/u/x": "N"}},
			want: tableWant{added: []string{"a/u/x"}, backedUp: []string{"a/u"}, backups: map[string]string{"a/u": "DIR"},
				files: map[string]string{"a/u/x": "N"}, recorded: map[string]string{"a/u/x": "N"}}},
		{name: "R124b unknown directories are not recorded: left alone", modes: fadOnly,
			v1: spec{}, arrange: map[string]string{"a/u": "DIR"}, v2: spec{},
			want: tableWant{dirs: []string{"a/u"}}},
	}
	for _, row := range rows {
		for _, mode := range row.modes {
			t.Run(row.name+" ["+mode+"]", func(t *testing.T) { runTableRow(t, row, mode) })
		}
	}
}

func runTableRow(t *testing.T, row tableRow, mode string) {
	ctx := context.Background()
	dest := filepath.Join(t.TempDir(), "dest")
	ext := t.TempDir()
	fix := func(k string) string {
		if rest, ok := strings.CutPrefix(k, "EXT/"); ok {
			return filepath.ToSlash(filepath.Join(ext, rest))
		}
		return k
	}
	fixAll := func(keys []string) []string {
		out := []string{}
		for _, k := range keys {
			out = append(out, fix(k))
		}
		slices.Sort(out)
		return out
	}
	fixMap := func(m map[string]string) map[string]string {
		out := map[string]string{}
		for k, v := range m {
			out[fix(k)] = v
		}
		return out
	}
	path := func(k string) string {
		if strings.HasPrefix(k, "EXT/") {
			return filepath.FromSlash(fix(k))
		}
		return filepath.Join(dest, filepath.FromSlash(k))
	}
	version := func(s spec, v string) spec {
		s.Version, s.Compliance = v, mode
		s.Files = withAnchor(s.Files)
		s.Ext = fixMap(s.Ext)
		return s
	}

	_, err := bundle.Deploy(ctx, version(row.v1, "1").open(t), bundle.Options{Dest: dest, ID: 1})
	require.NoError(t, err)
	for k, v := range row.arrange {
		switch v {
		case "":
			require.NoError(t, os.Remove(path(k)))
		case "DIR":
			require.NoError(t, os.MkdirAll(path(k), 0o755))
		default:
			writeBytes(t, filepath.Dir(path(k)), filepath.Base(path(k)), []byte(v))
		}
	}
	before := testtree.Snapshot(t, dest)
	plan, res := dryThenApply(t, version(row.v2, "2").open(t), bundle.Options{Dest: dest, ID: 2, Clean: row.clean}, ext)

	d := res.Differences
	w := row.want
	got := tableWant{added: d.Added, deleted: d.Deleted, changed: d.Changed, ignored: d.Ignored,
		backedUp: slices.Sorted(maps.Keys(d.BackedUp)), errors: slices.Sorted(maps.Keys(d.Errors))}
	exp := tableWant{added: fixAll(w.added), deleted: fixAll(w.deleted), changed: fixAll(w.changed), ignored: fixAll(w.ignored),
		backedUp: fixAll(w.backedUp), errors: fixAll(w.errors)}
	if diff := cmp.Diff(exp, got, cmp.AllowUnexported(tableWant{}), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("differences (-want +got):\n%s", diff)
	}
	require.Equal(t, row.clean, d.Cleaned)
	for k, to := range d.BackedUp {
		require.Equal(t, backupFile(dest, 2, k), to, "R125/R126: backup path of %s", k)
	}
	for k := range d.Errors {
		require.Contains(t, d.Errors[k], "did not delete", "R122")
	}

	// Files, then the backup folders, whole.
	for k, want := range w.files {
		if want == "" {
			require.NoFileExists(t, path(k))
			continue
		}
		require.Equal(t, want, readFile(t, path(k)), k)
	}
	for _, dir := range w.dirs {
		require.DirExists(t, path(dir))
	}
	require.Equal(t, "K", readFile(t, filepath.Join(dest, "a/keep")), "the anchor is untouched")
	gotBackups := map[string]string{}
	for _, sub := range []string{"backup", "ext-backup"} {
		root := filepath.Join(dest, ".rhqdeployments/2", sub)
		for p, n := range testtree.Snapshot(t, root) {
			if p == "." {
				continue
			}
			key := p
			if sub == "ext-backup" {
				key = "/" + p
			}
			switch {
			case n.IsDir() && !hasChild(testtree.Snapshot(t, root), p):
				gotBackups[key] = "DIR"
			case !n.IsDir():
				gotBackups[key] = n.Content
			}
		}
	}
	require.Equal(t, fixMap(orEmpty(w.backups)), gotBackups, "the backup folders of deployment 2")

	// The recorded map (R30, R96) and the plan's prediction.
	recorded := hashesOf(fixMap(w.recorded))
	recorded["a/keep"] = md5hex("K")
	require.Equal(t, recorded, readHashes(t, dest, 2))
	predicted(t, plan, before, dest)
}

func hasChild(snap map[string]testtree.Node, dir string) bool {
	for p := range snap {
		if strings.HasPrefix(p, dir+"/") {
			return true
		}
	}
	return false
}

func orEmpty(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}
