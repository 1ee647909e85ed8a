package bundle_test

import (
	"context"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/bundle"
	"github.com/bundlekit/bundlekit/constraint"
	"github.com/bundlekit/bundlekit/fileops"
	"github.com/bundlekit/bundlekit/internal/metadata"
	"github.com/bundlekit/bundlekit/internal/statcache"
	"github.com/bundlekit/bundlekit/internal/testtree"
	"github.com/bundlekit/bundlekit/recipe"
)

// The store of deployed content and the revert without the bundle (issue 14).

const objectsDir = ".rhqdeployments/.bundlekit/store/objects"

// storeObjects returns the stored objects of dest (digest → content), and
// checks that each is named by the content digest of its bytes.
func storeObjects(t *testing.T, dest string) map[string]string {
	t.Helper()
	out := map[string]string{}
	root := filepath.Join(dest, filepath.FromSlash(objectsDir))
	err := filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if p == root && os.IsNotExist(err) {
			return fs.SkipAll
		}
		if err != nil || e.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		require.Equal(t, fileops.ContentDigest(data), e.Name(), "an object is named by its digest")
		require.Equal(t, e.Name()[:2], filepath.Base(filepath.Dir(p)))
		out[e.Name()] = string(data)
		return nil
	})
	require.NoError(t, err)
	return out
}

// storedContents returns the contents of the stored objects, sorted.
func storedContents(t *testing.T, dest string) []string {
	t.Helper()
	return slices.Sorted(maps.Values(storeObjects(t, dest)))
}

// readExtras reads deployment id's record of what bundlekit knows beyond RHQ.
func readExtras(t *testing.T, dest string, id int) *metadata.Extras {
	t.Helper()
	f, err := os.Open(filepath.Join(dest, filepath.FromSlash(metadata.ExtrasPath(int32(id)))))
	require.NoError(t, err)
	defer f.Close()
	e, err := metadata.DecodeExtras(f)
	require.NoError(t, err)
	return e
}

func deploySpec(t *testing.T, s spec, dest string, id int, props map[string]string) *bundle.Result {
	t.Helper()
	res, err := bundle.Deploy(context.Background(), s.open(t), bundle.Options{Dest: dest, ID: id, Properties: props})
	require.NoError(t, err)
	return res
}

// revertStored makes a revert without the bundle, after its dry run, and
// checks that the run did what the plan said.
func revertStored(t *testing.T, dest string, id int) (*bundle.Plan, *bundle.Result) {
	t.Helper()
	before := testtree.Snapshot(t, dest)
	plan, res := dryThenApplyFn(t, dest, func(ctx context.Context) (*bundle.Plan, error) {
		return bundle.PlanRevertStored(ctx, bundle.Options{Dest: dest, ID: id})
	})
	predicted(t, plan, before, dest)
	require.Equal(t, bundle.KindRevert, res.Kind)
	return plan, res
}

const portOnly = `    <rhq:input-property name="port" type="integer"/>`

// TestRevertStoredAfterUpgrade: after an upgrade that changes, removes and
// adds files, a revert without the bundle gives back the first version's
// tree exactly — realized templates included, with no property given — and
// records it as a new deployment whose map is the first one's (R130, R30).
func TestRevertStoredAfterUpgrade(t *testing.T) {
	for _, mode := range bothModes {
		t.Run(mode, func(t *testing.T) {
			dest := filepath.Join(t.TempDir(), "app")
			v1 := spec{Version: "1.0", Compliance: mode, Head: portOnly, Replace: []string{"conf/app.conf"}, Ignore: []string{"logs/**"},
				Files: map[string]string{"conf/app.conf": "port=@@port@@\n", "lib/a.jar": "a1", "lib/b.jar": "b", "docs/old.txt": "old doc"}}
			v2 := spec{Version: "2.0", Compliance: mode, Head: portOnly, Replace: []string{"conf/app.conf"}, Ignore: []string{"logs/**"},
				Files: map[string]string{"conf/app.conf": "port=@@port@@\nv2=true\n", "lib/a.jar": "a2", "lib/b.jar": "b", "lib/new.jar": "new"}}
			props := map[string]string{"port": "7081"}
			deploySpec(t, v1, dest, 1, props)
			testtree.WriteFiles(t, dest, map[string]string{"logs/app.log": "a log line\n"})
			first := readTree(t, dest)
			require.Equal(t, "port=7081\n", first["conf/app.conf"])
			deploySpec(t, v2, dest, 2, props)

			// The upgrade kept what it replaced or removed, realized: not the
			// unchanged b.jar, not the ignored log.
			require.Equal(t, []string{"a1", "old doc", "port=7081\n"}, storedContents(t, dest))
			require.Equal(t, map[string]string{"conf/app.conf": sha256hex("port=7081\n"), "lib/a.jar": sha256hex("a1"),
				"docs/old.txt": sha256hex("old doc")}, readExtras(t, dest, 2).Stored)
			require.Equal(t, []metadata.IgnoreSet{{Includes: []string{"logs/**"}}}, readExtras(t, dest, 2).Ignore)

			// The same decisions as a revert given the bundle.
			withBundle, err := bundle.PlanRevert(context.Background(), v1.open(t), bundle.Options{Dest: dest, ID: 3, Properties: props})
			require.NoError(t, err)
			require.NoError(t, withBundle.Close())

			plan, res := revertStored(t, dest, 3)
			require.Equal(t, decisions(withBundle), decisions(plan))
			require.Equal(t, 2, *plan.Previous)
			require.Equal(t, bundle.Info{Name: "app", Version: "1.0"}, res.Bundle)
			require.Equal(t, first, readTree(t, dest), "the first version's tree, the ignored log kept")
			ignored := []string{"logs"} // R71: matched as a whole
			if mode == "filesAndDirectories" {
				ignored = nil // R75: an unrelated top-level name, not even looked at
			}
			requireDiff(t, wantDiff{Changed: []string{"conf/app.conf", "lib/a.jar"}, Added: []string{"docs", "docs/old.txt"},
				Deleted: []string{"lib/new.jar"}, Ignored: ignored}, res.Differences, dest, 3, 2)
			requireMeta(t, dest, 3, "1.0", mode, readHashes(t, dest, 1), currentOf(t, dest, 2))
			// The revert kept what it replaced of deployment 2, so the next
			// revert needs no bundle either.
			require.Equal(t, map[string]string{"conf/app.conf": sha256hex("port=7081\nv2=true\n"), "lib/a.jar": sha256hex("a2"),
				"lib/new.jar": sha256hex("new")}, readExtras(t, dest, 3).Stored)
		})
	}
}

// decisions lists a plan's entries as "path action rule".
func decisions(p *bundle.Plan) []string {
	var out []string
	for _, e := range p.Entries {
		out = append(out, e.Path+" "+string(e.Action)+" "+e.Rule)
	}
	return out
}

// currentOf returns deployment id's properties file as
// current-deployment.properties held it: what the next deployment's
// previous-deployment.properties copies (R29).
func currentOf(t *testing.T, dest string, id int) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dest, filepath.FromSlash(metadata.DeploymentPath(int32(id)))))
	require.NoError(t, err)
	return data
}

// TestRevertStoredTwoUpgrades: after v1, v2 and v3, a revert goes to v2 (the
// deployment v3 replaced, R26), and a second revert back to v3 (RHQ's revert
// goes one step back, and a revert is a deployment).
func TestRevertStoredTwoUpgrades(t *testing.T) {
	dest := filepath.Join(t.TempDir(), "app")
	version := func(v string, files map[string]string) spec { return spec{Version: v, Files: files} }
	deploySpec(t, version("1", map[string]string{"a": "a1", "b": "b1", "c": "c1"}), dest, 1, nil)
	deploySpec(t, version("2", map[string]string{"a": "a2", "b": "b1", "d": "d2"}), dest, 2, nil)
	second := readTree(t, dest)
	deploySpec(t, version("3", map[string]string{"a": "a3", "b": "b3", "e": "e3"}), dest, 3, nil)
	third := readTree(t, dest)

	_, res := revertStored(t, dest, 4)
	require.Equal(t, "2", res.Bundle.Version)
	require.Equal(t, second, readTree(t, dest))
	require.Equal(t, readHashes(t, dest, 2), readHashes(t, dest, 4))

	_, res = revertStored(t, dest, 5)
	require.Equal(t, "3", res.Bundle.Version)
	require.Equal(t, third, readTree(t, dest))
	require.Equal(t, []string{"a1", "a2", "a3", "b1", "b3", "c1", "d2", "e3"}, storedContents(t, dest), "every version's content, once")
}

// TestRevertStoredRestoresBackup is R135's example without the bundle: v1
// writes X, the operator edits it to Y, v2 writes Z and backs Y up; the
// revert writes X back (no bundle: the backup alone gives the bytes) and
// restores Y, recorded with its hash (R131, R30).
func TestRevertStoredRestoresBackup(t *testing.T) {
	dest := filepath.Join(t.TempDir(), "app")
	deploySpec(t, spec{Version: "1", Files: map[string]string{"x": "X", "y": "unchanged"}}, dest, 1, nil)
	testtree.WriteFiles(t, dest, map[string]string{"x": "Y"})
	deploySpec(t, spec{Version: "2", Files: map[string]string{"x": "Z", "y": "unchanged"}}, dest, 2, nil)
	require.Equal(t, "Y", readFile(t, backupFile(dest, 2, "x")))
	require.Empty(t, storeObjects(t, dest), "an edited file is backed up, not stored")

	_, res := revertStored(t, dest, 3)
	require.Equal(t, map[string]string{"x": "Y", "y": "unchanged"}, readTree(t, dest))
	requireDiff(t, wantDiff{Changed: []string{"x"}, Restored: []string{"x"}}, res.Differences, dest, 3, 2)
	require.Equal(t, map[string]string{"x": md5hex("Y"), "y": md5hex("unchanged")}, readHashes(t, dest, 3))
}

// TestRevertStoredRefused: what a revert without the bundle cannot rebuild is
// refused with a *BundleNeededError that says why, and nothing is changed;
// with the bundle the same revert works.
func TestRevertStoredRefused(t *testing.T) {
	ctx := context.Background()
	v1 := spec{Version: "1", Files: map[string]string{"a": "a1", "b": "b", "c": "c"}}
	v2 := spec{Version: "2", Files: map[string]string{"a": "a2", "b": "b", "c": "c"}}
	for _, tc := range []struct {
		name   string
		setup  func(t *testing.T, dest string)
		reason string
		paths  []string
	}{
		{
			name: "a file removed by hand since",
			setup: func(t *testing.T, dest string) {
				deploySpec(t, v1, dest, 1, nil)
				deploySpec(t, v2, dest, 2, nil)
				require.NoError(t, os.Remove(filepath.Join(dest, "b")))
			},
			reason: "the store does not hold the bytes", paths: []string{"b"},
		},
		{
			name: "the current deployment made by RHQ",
			setup: func(t *testing.T, dest string) {
				deploySpec(t, v1, dest, 1, nil)
				deploySpec(t, v2, dest, 2, nil)
				require.NoError(t, os.Remove(filepath.Join(dest, filepath.FromSlash(metadata.ExtrasPath(2)))))
			},
			reason: "current deployment 2 was made by RHQ",
		},
		{
			name: "the previous deployment made by RHQ",
			setup: func(t *testing.T, dest string) {
				testtree.WriteFiles(t, dest, map[string]string{
					"a": "a1", "b": "b", "c": "c",
					".rhqdeployments/current-deployment.properties": rhqProps,
					".rhqdeployments/7/deployment.properties":       rhqProps,
					".rhqdeployments/7/file-hashcodes.dat":          "a\t" + md5hex("a1") + "\nb\t" + md5hex("b") + "\nc\t" + md5hex("c") + "\n",
				})
				deploySpec(t, v2, dest, 8, nil)
			},
			reason: "made by RHQ or by a bundlekit that kept no store, so its rhq:ignore and recipe are not known",
		},
		{
			name:   "no previous deployment",
			setup:  func(t *testing.T, dest string) { deploySpec(t, v1, dest, 1, nil) },
			reason: "there is no previous deployment",
		},
		{
			name: "a recipe that does more than place files",
			setup: func(t *testing.T, dest string) {
				files := v1.tree()
				files["deploy.xml"] = strings.Replace(files["deploy.xml"], `compliance="full"`, `compliance="full" postinstallTarget="main"`, 1)
				_, err := bundle.Deploy(ctx, openBundle(t, files), bundle.Options{Dest: dest, ID: 1})
				require.NoError(t, err)
				deploySpec(t, v2, dest, 2, nil)
			},
			reason: `its recipe does more than place files: its postinstall target "main"`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dest := filepath.Join(t.TempDir(), "app")
			tc.setup(t, dest)
			before := testtree.Snapshot(t, dest)
			_, err := bundle.RevertStored(ctx, bundle.Options{Dest: dest})
			require.ErrorIs(t, err, bundle.ErrInvalidInput)
			require.ErrorContains(t, err, tc.reason)
			if tc.reason != "there is no previous deployment" {
				require.ErrorIs(t, err, bundle.ErrBundleNeeded)
				var bn *bundle.BundleNeededError
				require.ErrorAs(t, err, &bn)
				require.Equal(t, tc.paths, bn.Paths)
				require.Contains(t, err.Error(), "revert with the bundle of that version")
			}
			requireUnchanged(t, before, dest)
			if tc.paths != nil {
				_, err := bundle.Revert(ctx, v1.open(t), bundle.Options{Dest: dest})
				require.NoError(t, err, "with the bundle it works")
				require.Equal(t, map[string]string{"a": "a1", "b": "b", "c": "c"}, readTree(t, dest))
			}
		})
	}
}

// TestRevertStoredAdopted: a directory adopted, then deployed over, comes
// back without any bundle — the adopted snapshot had none.
func TestRevertStoredAdopted(t *testing.T) {
	ctx := context.Background()
	dest := filepath.Join(t.TempDir(), "app")
	testtree.WriteFiles(t, dest, map[string]string{"bin/run": "legacy run", "conf/c": "legacy conf", "data/x": "x"})
	legacy := readTree(t, dest)
	_, err := bundle.Adopt(ctx, dest, bundle.AdoptOptions{Name: "app", Version: "0.9"})
	require.NoError(t, err)
	deploySpec(t, spec{Version: "1", Files: map[string]string{"bin/run": "new run", "conf/c": "legacy conf"}}, dest, 0, nil)
	require.NotEqual(t, legacy, readTree(t, dest))
	_, res := revertStored(t, dest, 0)
	require.Equal(t, 3, res.ID)
	require.Equal(t, legacy, readTree(t, dest))
}

// TestStoreDeduplicates: content that several paths or versions share is
// stored once, and a version deployed again adds nothing for what is
// stored already.
func TestStoreDeduplicates(t *testing.T) {
	dest := filepath.Join(t.TempDir(), "app")
	v1 := spec{Version: "1", Files: map[string]string{"a": "same", "b": "same", "c": "c1"}}
	deploySpec(t, v1, dest, 1, nil)
	deploySpec(t, spec{Version: "2", Files: map[string]string{"a": "A", "b": "B", "c": "same"}}, dest, 2, nil)
	require.Equal(t, []string{"c1", "same"}, storedContents(t, dest), "one object for two paths")
	require.Equal(t, map[string]string{"a": sha256hex("same"), "b": sha256hex("same"), "c": sha256hex("c1")}, readExtras(t, dest, 2).Stored)
	deploySpec(t, v1, dest, 3, nil)
	require.Equal(t, []string{"A", "B", "c1", "same"}, storedContents(t, dest), "the same content is not stored again")
	require.Equal(t, map[string]string{"a": sha256hex("A"), "b": sha256hex("B"), "c": sha256hex("same")}, readExtras(t, dest, 3).Stored)
}

// TestStoreLinksNotCopies: an upgrade stores the files it replaces by hard
// links to them — the object is the original's inode, no byte copied — in
// a folder only the owner can enter; a revert copies an object back, so a
// later edit in place cannot change it. A purge removes the store.
func TestStoreLinksNotCopies(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Unix permission bits and file identities")
	}
	dest := filepath.Join(t.TempDir(), "app")
	deploySpec(t, spec{Version: "1", Compliance: "filesAndDirectories", Files: map[string]string{"d/a": "a1"}}, dest, 1, nil)
	stat := func(p string) fs.FileInfo {
		fi, err := os.Lstat(p)
		require.NoError(t, err)
		return fi
	}
	original := stat(filepath.Join(dest, "d/a"))
	deploySpec(t, spec{Version: "2", Compliance: "filesAndDirectories", Files: map[string]string{"d/a": "a2"}}, dest, 2, nil)
	object := filepath.Join(dest, filepath.FromSlash(objectsDir), sha256hex("a1")[:2], sha256hex("a1"))
	require.True(t, os.SameFile(original, stat(object)), "the original, linked")
	fi, err := os.Stat(filepath.Join(dest, ".rhqdeployments/.bundlekit"))
	require.NoError(t, err)
	require.Equal(t, fs.FileMode(0o700), fi.Mode().Perm(), "the store holds realized files: the owner's only")

	revertStored(t, dest, 3)
	require.False(t, os.SameFile(stat(object), stat(filepath.Join(dest, "d/a"))), "copied back, not linked")
	require.NoError(t, os.WriteFile(filepath.Join(dest, "d/a"), []byte("edited in place"), 0o644))
	require.Equal(t, "a1", readFile(t, object))

	_, err = bundle.Purge(context.Background(), dest, bundle.PurgeOptions{})
	require.NoError(t, err)
	require.NoDirExists(t, filepath.Join(dest, ".rhqdeployments"), "R138: the metadata folder goes, the store with it")
}

// TestStoreOnePercentUpgrade measures the store's cost: an upgrade that
// changes 1 % of 1,000 files stores exactly the bytes it replaced, and the
// revert writes those back.
func TestStoreOnePercentUpgrade(t *testing.T) {
	dest := filepath.Join(t.TempDir(), "app")
	files := map[string]string{}
	const n, size = 1000, 4096
	for i := range n {
		files[fmt.Sprintf("m%02d/f%04d.bin", i%37, i)] = strings.Repeat(fmt.Sprintf("%04d", i), size/4)
	}
	v1 := spec{Version: "1", Files: files}
	deploySpec(t, v1, dest, 1, nil)
	changed := map[string]string{}
	for k, v := range files {
		changed[k] = v
	}
	replaced := 0
	for i := 0; i < n; i += 100 {
		k := fmt.Sprintf("m%02d/f%04d.bin", i%37, i)
		changed[k] = strings.ToUpper(files[k][:size-1]) + "!"
		replaced++
	}
	deploySpec(t, spec{Version: "2", Files: changed}, dest, 2, nil)
	objects := storeObjects(t, dest)
	require.Len(t, objects, replaced)
	stored := 0
	for _, c := range objects {
		stored += len(c)
	}
	require.Equal(t, replaced*size, stored, "the store holds the replaced bytes, no more")
	t.Logf("store after a 1 %% upgrade of %d files (%d bytes): %d objects, %d bytes (%.2f %%)", n, n*size, len(objects), stored, 100*float64(stored)/float64(n*size))

	_, res := revertStored(t, dest, 3)
	require.Len(t, res.Differences.Changed, replaced)
	require.Equal(t, files, readTree(t, dest))
}

// readCache decodes dest's stat cache.
func readCache(t *testing.T, dest string) *statcache.Cache {
	t.Helper()
	f, err := os.Open(filepath.Join(dest, cachePath))
	require.NoError(t, err)
	defer f.Close()
	c, err := statcache.Decode(f)
	require.NoError(t, err)
	return c
}

// TestRevertStoredKeepsBundleCache: a revert without the bundle keeps what
// the stat cache knew of the bundle it replaced (its files and archive
// entries), so that deploying that bundle again does not read all of it.
func TestRevertStoredKeepsBundleCache(t *testing.T) {
	dest := filepath.Join(t.TempDir(), "app")
	version := func(v string) spec {
		return spec{Version: v, Files: map[string]string{"a": "a" + v}, Extra: `      <rhq:archive name="web.zip"/>` + "\n",
			Other: map[string]string{"web.zip": "ZIP:index.html=<h1>" + v + "</h1>|static/x.css=x"}}
	}
	deploySpec(t, version("1"), dest, 1, nil)
	deploySpec(t, version("2"), dest, 2, nil)
	before := readCache(t, dest)
	require.NotEmpty(t, before.Entries)
	require.NotEmpty(t, before.Bundle)
	revertStored(t, dest, 3)
	after := readCache(t, dest)
	require.Equal(t, int32(3), after.ID)
	require.Equal(t, before.Entries, after.Entries)
	require.Equal(t, before.Bundle, after.Bundle)
}

// TestRevertStoredDamagedObject: an object whose bytes are not those its name
// and the record say is refused while the revert copies it; the revert is
// undone, and says the bundle is needed.
func TestRevertStoredDamagedObject(t *testing.T) {
	dest := filepath.Join(t.TempDir(), "app")
	deploySpec(t, spec{Version: "1", Files: map[string]string{"a": "a1", "b": "b"}}, dest, 1, nil)
	deploySpec(t, spec{Version: "2", Files: map[string]string{"a": "a2", "b": "b"}}, dest, 2, nil)
	object := filepath.Join(dest, filepath.FromSlash(objectsDir), sha256hex("a1")[:2], sha256hex("a1"))
	require.NoError(t, os.WriteFile(object, []byte("a!"), 0o644))
	before := testtree.Snapshot(t, dest)
	_, err := bundle.RevertStored(context.Background(), bundle.Options{Dest: dest})
	require.ErrorIs(t, err, bundle.ErrBundleNeeded)
	require.Equal(t, bundle.OutcomeRolledBack, bundle.OutcomeOf(err))
	require.ErrorContains(t, err, "the store is damaged")
	requireUnchanged(t, before, dest)
}

// TestRevertStoredClean: a clean revert without the bundle removes what the
// previous deployment does not hold, as one given the bundle does (R95).
func TestRevertStoredClean(t *testing.T) {
	ctx := context.Background()
	dest := filepath.Join(t.TempDir(), "app")
	v1 := spec{Version: "1", Compliance: "filesAndDirectories", Files: map[string]string{"d/a": "a1", "d/b": "b"}}
	deploySpec(t, v1, dest, 1, nil)
	deploySpec(t, spec{Version: "2", Compliance: "filesAndDirectories", Files: map[string]string{"d/a": "a2", "d/b": "b", "d/c": "c"}}, dest, 2, nil)
	testtree.WriteFiles(t, dest, map[string]string{"d/unknown.txt": "u", "other/keep.txt": "k"})
	withBundle, err := bundle.PlanRevert(ctx, v1.open(t), bundle.Options{Dest: dest, ID: 3, Clean: true})
	require.NoError(t, err)
	require.NoError(t, withBundle.Close())
	plan, err := bundle.PlanRevertStored(ctx, bundle.Options{Dest: dest, ID: 3, Clean: true})
	require.NoError(t, err)
	require.Equal(t, decisions(withBundle), decisions(plan))
	_, err = bundle.Apply(ctx, plan)
	require.NoError(t, err)
	require.Equal(t, map[string]string{"d/a": "a1", "d/b": "b", "other/keep.txt": "k"}, readTree(t, dest))
}

// TestRevertStoredGated: a revert without the bundle is deferred outside its
// constraints and refused when the caller's conditions do not hold, as every
// operation is (issue #12), and changes nothing.
func TestRevertStoredGated(t *testing.T) {
	dest := filepath.Join(t.TempDir(), "app")
	deploySpec(t, spec{Version: "1.0", Files: map[string]string{"a.txt": "1"}}, dest, 1, nil)
	deploySpec(t, spec{Version: "2.0", Files: map[string]string{"a.txt": "2"}}, dest, 2, nil)
	before := testtree.Snapshot(t, dest)
	past, err := constraint.ParseTime("2000-01-01T00:00:00Z", nil)
	require.NoError(t, err)

	_, err = bundle.RevertStored(context.Background(), bundle.Options{Dest: dest, Constraints: constraint.Set{NotAfter: past}})
	require.Equal(t, bundle.OutcomeDeferred, bundle.OutcomeOf(err), "%v", err)
	var d *constraint.Deferral
	require.ErrorAs(t, err, &d)

	_, err = bundle.RevertStored(context.Background(), bundle.Options{Dest: dest,
		Conditions: []bundle.Condition{recipe.PathCondition{Path: filepath.Join(dest, "no-such-jdk")}}})
	require.Equal(t, bundle.OutcomeRefused, bundle.OutcomeOf(err), "%v", err)
	var re *bundle.RefusedError
	require.ErrorAs(t, err, &re)
	require.Len(t, re.Failed, 1)

	require.Equal(t, before, testtree.Snapshot(t, dest), "nothing changed")
}
