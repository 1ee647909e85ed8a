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
	"github.com/bundlekit/bundlekit/internal/metadata"
	"github.com/bundlekit/bundlekit/internal/testtree"
	"github.com/bundlekit/bundlekit/recipe"
)

const portInput = `    <rhq:input-property name="listener.port" type="integer" defaultValue="8080"/>`

// wantDiff is a Differences with BackedUp and Restored given as keys: their
// values are checked against backupFile separately.
type wantDiff struct {
	Added, Deleted, Changed, Ignored, Realized []string
	BackedUp, Restored, Errors                 []string
	Cleaned                                    bool
}

func diffOf(d bundle.Differences) wantDiff {
	return wantDiff{
		Added: d.Added, Deleted: d.Deleted, Changed: d.Changed, Ignored: d.Ignored, Realized: d.Realized,
		BackedUp: slices.Sorted(maps.Keys(d.BackedUp)), Restored: slices.Sorted(maps.Keys(d.Restored)),
		Errors: slices.Sorted(maps.Keys(d.Errors)), Cleaned: d.Cleaned,
	}
}

// requireDiff compares d with want and checks every backup path (R125, R126) of
// deployment id and every restore source, of deployment from (R131).
func requireDiff(t *testing.T, want wantDiff, d bundle.Differences, dest string, id, from int) {
	t.Helper()
	if diff := cmp.Diff(want, diffOf(d), cmpopts.EquateEmpty()); diff != "" {
		t.Fatalf("differences (-want +got):\n%s", diff)
	}
	for k, to := range d.BackedUp {
		require.Equal(t, backupFile(dest, id, k), to, "backup of %s", k)
	}
	for k, src := range d.Restored {
		require.Equal(t, backupFile(dest, from, k), src, "restore source of %s", k)
	}
}

// requireMeta checks the metadata of deployment id (R14, R15, R28, R29): its
// properties, current-deployment.properties naming it, its recorded map, and
// its previous-deployment.properties, a byte copy of prevCurrent (nil: none).
func requireMeta(t *testing.T, dest string, id int, version, compliance string, hashes map[string]string, prevCurrent []byte) {
	t.Helper()
	want := metadata.Properties{ID: int32(id), BundleName: "app", BundleVersion: version, Compliance: metadata.Compliance(compliance)}
	require.True(t, want.Equal(readProps(t, dest, metadata.DeploymentPath(int32(id)))), "%d/deployment.properties", id)
	require.True(t, want.Equal(readProps(t, dest, metadata.CurrentPath)), "current-deployment.properties names %d", id)
	require.Equal(t, hashes, readHashes(t, dest, id), "%d/file-hashcodes.dat", id)
	prev := filepath.Join(dest, filepath.FromSlash(metadata.PreviousPath(int32(id))))
	if prevCurrent == nil {
		require.NoFileExists(t, prev)
	} else {
		require.Equal(t, string(prevCurrent), readFile(t, prev), "R29: a byte copy of the current file")
	}
	// The lock and the journal are gone; the stat cache and the store of
	// deployed content (issue 14) stay.
	entries, err := os.ReadDir(filepath.Join(dest, metadata.Dir))
	require.NoError(t, err)
	for _, e := range entries {
		switch e.Name() {
		case ".bundlekit-cache":
		case ".bundlekit":
			inside, err := os.ReadDir(filepath.Join(dest, metadata.Dir, e.Name()))
			require.NoError(t, err)
			for _, in := range inside {
				require.Equal(t, "store", in.Name(), "neither the journal nor its trash is left")
			}
		default:
			require.NotContains(t, e.Name(), ".bundlekit", "nothing of bundlekit's own is left but the stat cache and the store")
		}
	}
}

func currentBytes(t *testing.T, dest string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dest, filepath.FromSlash(metadata.CurrentPath)))
	require.NoError(t, err)
	return data
}

// TestIssueScenario is the scenario of issue #4, in both compliance modes: v1 is
// deployed; the operator edits two files, adds an unrelated one and the app
// writes a log under an ignored directory; v2 changes, removes and adds files and
// keeps one unchanged that was edited locally (R104); then a revert to v1 (R130,
// R131) and a purge (R138). Every file, backup, metadata file and Differences is
// checked after each step, and every step's dry run reports what it does.
func TestIssueScenario(t *testing.T) {
	for _, mode := range bothModes {
		t.Run(mode, func(t *testing.T) { issueScenario(t, mode) })
	}
}

func issueScenario(t *testing.T, mode string) {
	ctx := context.Background()
	full := mode == "full"
	dest := filepath.Join(t.TempDir(), "app")
	const binary = "\x00\xff\xfe binary \r\n"
	v1 := spec{Version: "1.0", Compliance: mode, Head: portInput, Ignore: []string{"logs/"}, Replace: []string{"conf/app.conf"},
		Files: map[string]string{
			"conf/app.conf":   "port=@@listener.port@@\nhome=@@rhq.deploy.dir@@\n",
			"bin/run.sh":      "#!/bin/sh\n",
			"docs/readme.txt": "read me\n",
			"data.txt":        "v1 data\n",
			"lib/old.jar":     binary,
		}}
	v2 := v1
	v2.Version = "2.0"
	v2.Files = map[string]string{
		"conf/app.conf":   "port=@@listener.port@@\nhome=@@rhq.deploy.dir@@\nv2=true\n",
		"bin/run.sh":      "#!/bin/sh\n",
		"docs/readme.txt": "read me\n",
		"lib/new.jar":     "new jar",
	}
	props := map[string]string{"listener.port": "7081"}
	conf1 := "port=7081\nhome=" + dest + "\n"
	conf2 := "port=7081\nhome=" + dest + "\nv2=true\n"

	// Step 1: v1, an initial deployment.
	b1 := v1.open(t)
	plan, res := dryThenApply(t, b1, bundle.Options{Dest: dest, ID: 1, Properties: props})
	require.True(t, plan.Initial)
	requireDiff(t, wantDiff{Added: []string{"bin/run.sh", "conf/app.conf", "data.txt", "docs/readme.txt", "lib/old.jar"},
		Realized: []string{"conf/app.conf"}}, res.Differences, dest, 1, 0)
	tree1 := map[string]string{"conf/app.conf": conf1, "bin/run.sh": "#!/bin/sh\n", "docs/readme.txt": "read me\n", "data.txt": "v1 data\n", "lib/old.jar": binary}
	require.Equal(t, tree1, readTree(t, dest))
	requireMeta(t, dest, 1, "1.0", mode, hashesOf(tree1), nil)
	require.NoDirExists(t, filepath.Join(dest, ".rhqdeployments/1/backup"), "nothing was displaced")

	// Step 2: the operator and the application.
	testtree.WriteFiles(t, dest, map[string]string{
		"conf/app.conf":   "port=9999\n",
		"docs/readme.txt": "my notes\n",
		"notes.txt":       "unrelated",
		"logs/server.log": "log line",
	})
	cur1 := currentBytes(t, dest)

	// Step 3: the v2 upgrade.
	before := testtree.Snapshot(t, dest)
	plan, res = dryThenApply(t, v2.open(t), bundle.Options{Dest: dest, ID: 2, Properties: props})
	require.False(t, plan.Initial)
	require.Equal(t, 1, *plan.Previous)
	want := wantDiff{Added: []string{"lib/new.jar"}, Changed: []string{"conf/app.conf"}, Deleted: []string{"data.txt", "lib/old.jar"},
		BackedUp: []string{"conf/app.conf"}, Realized: []string{"conf/app.conf"}}
	if full {
		want.Deleted = append(want.Deleted, "notes.txt") // R117
		want.BackedUp = append(want.BackedUp, "notes.txt")
		want.Ignored = []string{"logs"} // R83; in filesAndDirectories logs is unrelated (R75)
	}
	requireDiff(t, want, res.Differences, dest, 2, 0)
	predicted(t, plan, before, dest)
	tree2 := map[string]string{"conf/app.conf": conf2, "bin/run.sh": "#!/bin/sh\n", "docs/readme.txt": "my notes\n", "lib/new.jar": "new jar", "logs/server.log": "log line"}
	backups2 := map[string]string{"conf/app.conf": "port=9999\n"}
	if full {
		backups2["notes.txt"] = "unrelated"
	} else {
		tree2["notes.txt"] = "unrelated"
	}
	require.Equal(t, tree2, readTree(t, dest))
	require.Equal(t, backups2, readTree(t, filepath.Join(dest, ".rhqdeployments/2/backup")))
	hashes2 := hashesOf(map[string]string{"conf/app.conf": conf2, "bin/run.sh": "#!/bin/sh\n", "lib/new.jar": "new jar"})
	hashes2["docs/readme.txt"] = md5hex("read me\n") // R30: the original hash of the kept edit
	requireMeta(t, dest, 2, "2.0", mode, hashes2, cur1)
	cur2 := currentBytes(t, dest)

	// Step 4: revert to v1's content with a new id (R130): the update, then the
	// backups of deployment 2 are restored (R131).
	before = testtree.Snapshot(t, dest)
	plan, res = dryThenApplyFn(t, dest, func(ctx context.Context) (*bundle.Plan, error) {
		return bundle.PlanRevert(ctx, b1, bundle.Options{Dest: dest, ID: 3, Properties: props})
	})
	want = wantDiff{Added: []string{"data.txt", "lib/old.jar"}, Changed: []string{"conf/app.conf"}, Deleted: []string{"lib/new.jar"},
		Restored: []string{"conf/app.conf"}, Realized: []string{"conf/app.conf"}}
	if full {
		want.Restored = append(want.Restored, "notes.txt")
		want.Ignored = []string{"logs"}
	}
	requireDiff(t, want, res.Differences, dest, 3, 2)
	predicted(t, plan, before, dest)
	tree3 := map[string]string{"conf/app.conf": "port=9999\n", "bin/run.sh": "#!/bin/sh\n", "docs/readme.txt": "my notes\n",
		"data.txt": "v1 data\n", "lib/old.jar": binary, "notes.txt": "unrelated", "logs/server.log": "log line"}
	require.Equal(t, tree3, readTree(t, dest))
	hashes3 := hashesOf(map[string]string{"conf/app.conf": "port=9999\n", "bin/run.sh": "#!/bin/sh\n", "data.txt": "v1 data\n", "lib/old.jar": binary})
	hashes3["docs/readme.txt"] = md5hex("read me\n")
	if full {
		hashes3["notes.txt"] = md5hex("unrelated") // R131: restored whatever the bundle holds
	}
	requireMeta(t, dest, 3, "1.0", mode, hashes3, cur2)
	require.Equal(t, backups2, readTree(t, filepath.Join(dest, ".rhqdeployments/2/backup")), "R133: backups stay")
	require.NoDirExists(t, filepath.Join(dest, ".rhqdeployments/3/backup"), "the revert displaced nothing that was not restored")

	// Status: history, and as drift the kept edit, not the log, which the
	// deployment's recorded rhq:ignore matches (issue 14); drift lists
	// files, not directories.
	st, err := bundle.Status(ctx, dest)
	require.NoError(t, err)
	require.Equal(t, &bundle.DeploymentInfo{ID: 3, Bundle: bundle.Info{Name: "app", Version: "1.0"}, Compliance: recipe.Compliance(mode)}, st.Current)
	require.Equal(t, []int{1, 2, 3}, st.History)
	require.Equal(t, bundle.Drift{Changed: []string{"docs/readme.txt"}, Deleted: []string{}, Added: []string{}}, st.Drift)
	require.True(t, st.IgnoreKnown)
	if full {
		require.Equal(t, []string{"logs"}, st.Ignored)
	}

	// Step 5: purge (R138). Each file takes its immediate parent directory.
	purgeDry, err := bundle.PlanPurge(ctx, dest, bundle.PurgeOptions{})
	require.NoError(t, err)
	require.NoError(t, purgeDry.Close())
	require.Equal(t, tree3, readTree(t, dest), "a purge plan changes nothing")
	res, err = bundle.Purge(ctx, dest, bundle.PurgeOptions{})
	require.NoError(t, err)
	wantDeleted := []string{"bin", "conf", "data.txt", "docs", "lib"}
	if full {
		wantDeleted = append(wantDeleted, "notes.txt")
		slices.Sort(wantDeleted)
	}
	require.Equal(t, wantDeleted, res.Differences.Deleted)
	require.Equal(t, purgeDry.Differences, res.Differences)
	if full {
		require.NoDirExists(t, dest, "full: the destination goes")
		return
	}
	require.Equal(t, map[string]string{"notes.txt": "unrelated", "logs/server.log": "log line"}, readTree(t, dest))
	require.NoDirExists(t, filepath.Join(dest, ".rhqdeployments"), "filesAndDirectories: the metadata goes (backups may hold secrets)")
}

// TestExternalFileScenario follows an external destination file (R8) through an
// upgrade that finds an operator's file there (R85, R113: ext-backup, R126), a
// revert that puts that file back (R131) and a purge that deletes it (R138).
func TestExternalFileScenario(t *testing.T) {
	ctx := context.Background()
	dest := filepath.Join(t.TempDir(), "app")
	ext := t.TempDir()
	envFile := filepath.ToSlash(filepath.Join(ext, "etc", "app.env"))
	v1 := spec{Version: "1.0", Files: map[string]string{"app.txt": "A"}}
	b1 := v1.open(t)
	_, res := dryThenApply(t, b1, bundle.Options{Dest: dest, ID: 1}, ext)
	requireDiff(t, wantDiff{Added: []string{"app.txt"}}, res.Differences, dest, 1, 0)

	testtree.WriteFiles(t, ext, map[string]string{"etc/app.env": "operator's"})
	v2 := spec{Version: "2.0", Files: map[string]string{"app.txt": "A"}, Ext: map[string]string{envFile: "HOME=@@rhq.deploy.dir@@"}}
	v2.Replace = []string{"ext/0.txt"}
	before := testtree.Snapshot(t, dest)
	plan, res := dryThenApply(t, v2.open(t), bundle.Options{Dest: dest, ID: 2}, ext)
	requireDiff(t, wantDiff{Changed: []string{envFile}, BackedUp: []string{envFile}, Realized: []string{envFile}}, res.Differences, dest, 2, 0)
	require.Equal(t, filepath.Join(dest, ".rhqdeployments/2/ext-backup", filepath.FromSlash(envFile)), res.Differences.BackedUp[envFile])
	predicted(t, plan, before, dest)
	require.Equal(t, "HOME="+dest, readFile(t, envFile))
	require.Equal(t, "operator's", readFile(t, res.Differences.BackedUp[envFile]))
	require.Equal(t, hashesOf(map[string]string{"app.txt": "A", envFile: "HOME=" + dest}), readHashes(t, dest, 2))

	// Revert to v1: the file is no longer in the bundle, so the update deletes it
	// (R115), then the revert restores the operator's file from 2/ext-backup.
	plan, res = dryThenApplyFn(t, dest, func(ctx context.Context) (*bundle.Plan, error) {
		return bundle.PlanRevert(ctx, b1, bundle.Options{Dest: dest, ID: 3})
	}, ext)
	requireDiff(t, wantDiff{Deleted: []string{envFile}, Restored: []string{envFile}}, res.Differences, dest, 3, 2)
	require.Equal(t, filepath.Join(dest, ".rhqdeployments/2/ext-backup", filepath.FromSlash(envFile)), res.Differences.Restored[envFile])
	require.Equal(t, "operator's", readFile(t, envFile))
	require.Equal(t, hashesOf(map[string]string{"app.txt": "A", envFile: "operator's"}), readHashes(t, dest, 3), "R30: the restored hash")
	entry := planEntry(plan, envFile)
	require.Equal(t, bundle.ActionRestore, entry.Action)
	require.Equal(t, "R131", entry.Rule)

	// Purge deletes external files of the current map too (R138).
	res, err := bundle.Purge(ctx, dest, bundle.PurgeOptions{})
	require.NoError(t, err)
	require.Equal(t, []string{envFile, "app.txt"}, res.Differences.Deleted, "sorted: absolute keys first")
	require.NoFileExists(t, envFile)
	require.DirExists(t, filepath.Join(ext, "etc"), "only the file goes")
	require.NoDirExists(t, dest)
}

func planEntry(p *bundle.Plan, path string) *bundle.Entry {
	for _, e := range p.Entries {
		if e.Path == path {
			return e
		}
	}
	return nil
}

// TestCleanScenario is an upgrade with clean (R89, R95, R105, R129): local edits
// are backed up and overwritten even when the bundle did not change them, ignored
// files are purged without backup, unrelated top-level entries survive in
// filesAndDirectories mode, and a nested deployment's .rhqdeployments in a
// subdirectory survives the purge (R31).
func TestCleanScenario(t *testing.T) {
	for _, mode := range bothModes {
		t.Run(mode, func(t *testing.T) {
			full := mode == "full"
			dest := filepath.Join(t.TempDir(), "app")
			v1 := spec{Version: "1", Compliance: mode, Ignore: []string{"a/logs/"}, Files: map[string]string{"a/x": "X", "a/y": "Y", "top.txt": "T"}}
			_, err := bundle.Deploy(context.Background(), v1.open(t), bundle.Options{Dest: dest, ID: 1})
			require.NoError(t, err)
			nested := map[string]string{
				"a/nested/.rhqdeployments/current-deployment.properties": "deployment.id=1\n",
				"a/nested/.rhqdeployments/1/file-hashcodes.dat":          "inner.txt\t" + md5hex("inner") + "\n",
			}
			testtree.WriteFiles(t, dest, map[string]string{"a/x": "X edited", "a/u.txt": "unknown", "a/logs/l.log": "log", "unrelated.txt": "U", "a/nested/inner.txt": "inner"})
			testtree.WriteFiles(t, dest, nested)

			v2 := v1
			v2.Version, v2.Files = "2", map[string]string{"a/x": "X", "a/y": "Y2", "top.txt": "T"}
			before := testtree.Snapshot(t, dest)
			plan, res := dryThenApply(t, v2.open(t), bundle.Options{Dest: dest, ID: 2, Clean: true})
			want := wantDiff{Changed: []string{"a/y"}, Ignored: []string{"a/logs"}, Cleaned: true,
				BackedUp: []string{"a/nested/inner.txt", "a/u.txt", "a/x"}, Deleted: []string{"a/nested/inner.txt", "a/u.txt"}}
			if full {
				// The unknown directory a/nested is emptied and deleted, which
				// fails because of the nested metadata (R124, R122).
				want.BackedUp = []string{"a/nested", "a/nested/inner.txt", "a/u.txt", "a/x", "unrelated.txt"}
				want.Deleted = []string{"a/nested", "a/nested/inner.txt", "a/u.txt", "unrelated.txt"}
				want.Errors = []string{"a/nested"}
			}
			requireDiff(t, want, res.Differences, dest, 2, 0)
			predicted(t, plan, before, dest)
			wantTree := map[string]string{"a/x": "X", "a/y": "Y2", "top.txt": "T"}
			if !full {
				wantTree["unrelated.txt"] = "U" // R95 (b)
			}
			require.Equal(t, wantTree, readTree(t, dest), "R95: ignored files purged too")
			for name, content := range nested {
				require.Equal(t, content, readFile(t, filepath.Join(dest, name)), "R31: a nested deployment's metadata survives")
			}
			backups := map[string]string{"a/x": "X edited", "a/u.txt": "unknown", "a/nested/inner.txt": "inner"}
			if full {
				backups["unrelated.txt"] = "U"
			}
			require.Equal(t, backups, readTree(t, filepath.Join(dest, ".rhqdeployments/2/backup")), "R105: the edit is backed up; ignored files are not")
			delete(wantTree, "unrelated.txt")
			require.Equal(t, hashesOf(wantTree), readHashes(t, dest, 2))
		})
	}
}

// TestInitialIntoNonEmpty is a first deployment into a directory that already
// holds files (R57, R137). full (R58): every file is moved to 1/backup and every
// top-level entry removed. filesAndDirectories (R61): only the top-level
// directories the bundle writes into (a raw file's, an exploded archive's) are
// emptied into the backup; a top-level file the bundle also has is overwritten
// without backup (R63). Either way every file written is "added" (R64), no
// directory is reported (R188), and the dry run creates nothing (GO of R128).
func TestInitialIntoNonEmpty(t *testing.T) {
	existing := map[string]string{
		"conf/old.conf":     "old",
		"conf/sub/deep.txt": "deep",
		"lib/stale.jar":     "stale",
		"top.txt":           "operator's top",
		"same.txt":          "same",
		"unrelated/u.txt":   "u",
		"emptydir/":         "",
		"unrelated/empty/":  "",
	}
	b := spec{Files: map[string]string{"conf/app.conf": "C", "top.txt": "T", "same.txt": "same"},
		Extra: `      <rhq:archive name="lib.zip"/>` + "\n", Other: map[string]string{"lib.zip": "ZIP:lib/a.jar=A|lib/empty/="}}
	for _, mode := range bothModes {
		t.Run(mode, func(t *testing.T) {
			full := mode == "full"
			dest := filepath.Join(t.TempDir(), "app")
			testtree.WriteFiles(t, dest, existing)
			s := b
			s.Compliance = mode
			plan, res := dryThenApply(t, s.open(t), bundle.Options{Dest: dest, ID: 1})
			require.True(t, plan.Initial)
			added := []string{"conf/app.conf", "lib/a.jar", "same.txt", "top.txt"}
			want := wantDiff{Added: added, Deleted: []string{"conf/old.conf", "conf/sub/deep.txt", "lib/stale.jar"}}
			backups := map[string]string{"conf/old.conf": "old", "conf/sub/deep.txt": "deep", "lib/stale.jar": "stale"}
			tree := map[string]string{"conf/app.conf": "C", "lib/a.jar": "A", "same.txt": "same", "top.txt": "T"}
			if full {
				want.Deleted = []string{"conf/old.conf", "conf/sub/deep.txt", "lib/stale.jar", "same.txt", "top.txt", "unrelated/u.txt"}
				backups["same.txt"], backups["top.txt"], backups["unrelated/u.txt"] = "same", "operator's top", "u"
				require.Len(t, plan.Warnings, 1, "the wipe is announced")
			} else {
				tree["unrelated/u.txt"] = "u"
				require.Equal(t, bundle.ActionUnchanged, planEntry(plan, "same.txt").Action, "R63: identical, not rewritten")
			}
			want.BackedUp = slices.Sorted(maps.Keys(backups))
			requireDiff(t, want, res.Differences, dest, 1, 0)
			require.Equal(t, tree, readTree(t, dest))
			require.Equal(t, backups, readTree(t, filepath.Join(dest, ".rhqdeployments/1/backup")))
			require.DirExists(t, filepath.Join(dest, "lib/empty"), "R97: empty directory entries are made")
			require.NoDirExists(t, filepath.Join(dest, "conf/sub"), "a managed directory is emptied")
			if full {
				require.NoDirExists(t, filepath.Join(dest, "emptydir"), "R58: every top-level entry goes")
				require.NoDirExists(t, filepath.Join(dest, "unrelated"))
			} else {
				require.DirExists(t, filepath.Join(dest, "emptydir"), "R61: unrelated entries stay")
				require.DirExists(t, filepath.Join(dest, "unrelated/empty"))
			}
			delete(tree, "unrelated/u.txt")
			requireMeta(t, dest, 1, "1.0", mode, hashesOf(tree), nil)
		})
	}
}

// rhqProps is a deployment properties file as RHQ before 4.9 wrote it: no
// compliance, only the legacy manage.root.dir (R21, R24).
const rhqProps = "#This file is auto-generated - DO NOT MODIFY!!!\n#Mon Jul 11 09:17:09 CEST 2022\n" +
	"bundle.version=0.9\ndeployment.id=7\nmanage.root.dir=false\nbundle.name=app\n"

// TestRHQDeployedDirectory takes over a destination deployed by RHQ: metadata
// written by hand in RHQ's format, with the legacy properties file that loads as
// full (R24) and CRLF line ends in file-hashcodes.dat (R17). bundlekit upgrades,
// reverts and purges it, and what it writes is RHQ's format.
func TestRHQDeployedDirectory(t *testing.T) {
	ctx := context.Background()
	dest := filepath.Join(t.TempDir(), "app")
	testtree.WriteFiles(t, dest, map[string]string{
		"conf/app.conf": "rhq conf",
		"lib/x.jar":     "x",
		"notes.txt":     "operator's notes",
		".rhqdeployments/current-deployment.properties": rhqProps,
		".rhqdeployments/7/deployment.properties":       rhqProps,
		".rhqdeployments/7/file-hashcodes.dat": "conf/app.conf\t" + md5hex("rhq conf") + "\r\n" +
			"lib/x.jar\t" + md5hex("x") + "\r\n",
	})
	st, err := bundle.Status(ctx, dest)
	require.NoError(t, err)
	require.True(t, st.Managed)
	require.Equal(t, &bundle.DeploymentInfo{ID: 7, Bundle: bundle.Info{Name: "app", Version: "0.9"}, Compliance: recipe.Full}, st.Current, "R24: the legacy file loads as full")
	require.Equal(t, bundle.Drift{Changed: []string{}, Deleted: []string{}, Added: []string{"notes.txt"}}, st.Drift)

	// The operator edits the config; the upgrade keeps it (R104), replaces the
	// jar and, in full compliance, moves the unknown notes to backup (R117).
	testtree.WriteFiles(t, dest, map[string]string{"conf/app.conf": "edited"})
	v1 := spec{Version: "1.0", Files: map[string]string{"conf/app.conf": "rhq conf", "lib/y.jar": "y"}}
	before := testtree.Snapshot(t, dest)
	plan, res := dryThenApply(t, v1.open(t), bundle.Options{Dest: dest, ID: 8})
	require.Equal(t, 7, *plan.Previous)
	requireDiff(t, wantDiff{Added: []string{"lib/y.jar"}, Deleted: []string{"lib/x.jar", "notes.txt"}, BackedUp: []string{"notes.txt"}},
		res.Differences, dest, 8, 0)
	predicted(t, plan, before, dest)
	require.Equal(t, map[string]string{"conf/app.conf": "edited", "lib/y.jar": "y"}, readTree(t, dest))
	requireMeta(t, dest, 8, "1.0", "full", map[string]string{"conf/app.conf": md5hex("rhq conf"), "lib/y.jar": md5hex("y")}, []byte(rhqProps))
	hashes := readFile(t, filepath.Join(dest, ".rhqdeployments/8/file-hashcodes.dat"))
	require.Equal(t, "conf/app.conf\t"+md5hex("rhq conf")+"\nlib/y.jar\t"+md5hex("y")+"\n", hashes, "R17: RHQ's format")
	require.True(t, strings.HasPrefix(readFile(t, filepath.Join(dest, ".rhqdeployments/8/deployment.properties")),
		"#This file is auto-generated - DO NOT MODIFY!!!\n#"), "R20")

	// Revert to RHQ's version 0.9 (its content) with id 9: the notes come back.
	v09 := spec{Version: "0.9", Files: map[string]string{"conf/app.conf": "rhq conf", "lib/x.jar": "x"}}
	_, res = dryThenApplyFn(t, dest, func(ctx context.Context) (*bundle.Plan, error) {
		return bundle.PlanRevert(ctx, v09.open(t), bundle.Options{Dest: dest, ID: 9})
	})
	requireDiff(t, wantDiff{Added: []string{"lib/x.jar"}, Deleted: []string{"lib/y.jar"}, Restored: []string{"notes.txt"}}, res.Differences, dest, 9, 8)
	require.Equal(t, map[string]string{"conf/app.conf": "edited", "lib/x.jar": "x", "notes.txt": "operator's notes"}, readTree(t, dest))
	st, err = bundle.Status(ctx, dest)
	require.NoError(t, err)
	require.Equal(t, []int{7, 8, 9}, st.History)

	_, err = bundle.Purge(ctx, dest, bundle.PurgeOptions{})
	require.NoError(t, err)
	require.NoDirExists(t, dest)
}
