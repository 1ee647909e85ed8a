package bundle_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/bundle"
	"github.com/bundlekit/bundlekit/internal/metadata"
	"github.com/bundlekit/bundlekit/internal/testtree"
)

// TestSameIDRedeploy is R2, R29 and R127: redeploying with the current id is
// allowed; its previous-deployment.properties becomes a copy of its own
// properties, and a backup it makes again overwrites the earlier one while the
// earlier backups of other paths stay.
func TestSameIDRedeploy(t *testing.T) {
	ctx := context.Background()
	dest := filepath.Join(t.TempDir(), "app")
	v1 := spec{Files: map[string]string{"a/x": "X", "a/y": "Y"}}
	_, err := bundle.Deploy(ctx, v1.open(t), bundle.Options{Dest: dest, ID: 1})
	require.NoError(t, err)
	testtree.WriteFiles(t, dest, map[string]string{"a/x": "edit 1", "a/y": "edit y"})
	v2 := spec{Version: "2", Files: map[string]string{"a/x": "X2", "a/y": "Y2"}}
	_, err = bundle.Deploy(ctx, v2.open(t), bundle.Options{Dest: dest, ID: 2})
	require.NoError(t, err)
	cur := currentBytes(t, dest)

	testtree.WriteFiles(t, dest, map[string]string{"a/x": "edit 2"})
	v3 := spec{Version: "3", Files: map[string]string{"a/x": "X3", "a/y": "Y2"}}
	_, res := dryThenApply(t, v3.open(t), bundle.Options{Dest: dest, ID: 2})
	requireDiff(t, wantDiff{Changed: []string{"a/x"}, BackedUp: []string{"a/x"}}, res.Differences, dest, 2, 0)
	require.Equal(t, map[string]string{"a/x": "edit 2", "a/y": "edit y"}, readTree(t, filepath.Join(dest, ".rhqdeployments/2/backup")))
	require.Equal(t, string(cur), readFile(t, filepath.Join(dest, filepath.FromSlash(metadata.PreviousPath(2)))), "R29")
	require.Equal(t, "3", readProps(t, dest, metadata.CurrentPath).BundleVersion)
}

// TestCaseRename is R179: keys are compared case-sensitively; renaming only the
// case of a file gives a delete of the old name and an add of the new one, and
// the new name is what remains.
func TestCaseRename(t *testing.T) {
	dest := filepath.Join(t.TempDir(), "app")
	_, err := bundle.Deploy(context.Background(), spec{Files: map[string]string{"a/Readme.txt": "R"}}.open(t), bundle.Options{Dest: dest, ID: 1})
	require.NoError(t, err)
	_, res := dryThenApply(t, spec{Files: map[string]string{"a/readme.txt": "R"}}.open(t), bundle.Options{Dest: dest, ID: 2})
	requireDiff(t, wantDiff{Added: []string{"a/readme.txt"}, Deleted: []string{"a/Readme.txt"}}, res.Differences, dest, 2, 0)
	require.Equal(t, map[string]string{"a/readme.txt": "R"}, readTree(t, dest))
}

// TestDuplicateDestination is bundlekit's R45: archives are processed before raw
// files, in recipe order, and a later item writing the same path wins.
func TestDuplicateDestination(t *testing.T) {
	dest := filepath.Join(t.TempDir(), "app")
	s := spec{Files: map[string]string{"conf/app.conf": "from the raw file"},
		Extra: `      <rhq:archive name="one.zip"/>
      <rhq:archive name="two.zip"/>` + "\n",
		Other: map[string]string{"one.zip": "ZIP:conf/app.conf=from one|lib/x=one", "two.zip": "ZIP:lib/x=two"}}
	_, res := dryThenApply(t, s.open(t), bundle.Options{Dest: dest, ID: 1})
	require.Equal(t, []string{"conf/app.conf", "lib/x"}, res.Differences.Added)
	require.Equal(t, map[string]string{"conf/app.conf": "from the raw file", "lib/x": "two"}, readTree(t, dest))
	require.Equal(t, hashesOf(readTree(t, dest)), readHashes(t, dest, 1))
}

// TestInitialIgnoresCleanAndIgnore is R59 and R65: a first deployment does not
// consult rhq:ignore (ignored-looking files are backed up and removed too in full
// compliance) and the clean flag plays no part (cleaned stays false).
func TestInitialIgnoresCleanAndIgnore(t *testing.T) {
	dest := filepath.Join(t.TempDir(), "app")
	testtree.WriteFiles(t, dest, map[string]string{"logs/old.log": "L"})
	s := spec{Ignore: []string{"logs/"}, Files: map[string]string{"a.txt": "A"}}
	_, res := dryThenApply(t, s.open(t), bundle.Options{Dest: dest, ID: 1, Clean: true})
	requireDiff(t, wantDiff{Added: []string{"a.txt"}, Deleted: []string{"logs/old.log"}, BackedUp: []string{"logs/old.log"}}, res.Differences, dest, 1, 0)
	require.False(t, res.Differences.Cleaned)
	require.Equal(t, map[string]string{"a.txt": "A"}, readTree(t, dest))
}

// TestRevertUnmanaged is R130: reverting a destination that holds no deployment
// is a plain first deployment; nothing is restored.
func TestRevertUnmanaged(t *testing.T) {
	dest := filepath.Join(t.TempDir(), "app")
	b := spec{Files: map[string]string{"a.txt": "A"}}.open(t)
	plan, res := dryThenApplyFn(t, dest, func(ctx context.Context) (*bundle.Plan, error) {
		return bundle.PlanRevert(ctx, b, bundle.Options{Dest: dest, ID: 1})
	})
	require.True(t, plan.Initial)
	requireDiff(t, wantDiff{Added: []string{"a.txt"}}, res.Differences, dest, 1, 0)
	require.Equal(t, bundle.KindRevert, res.Kind)
}

// TestDeploymentIDs is R2 and R15: ids need not increase, and negative ids name
// their folders in Integer.toString form.
func TestDeploymentIDs(t *testing.T) {
	ctx := context.Background()
	dest := filepath.Join(t.TempDir(), "app")
	for _, id := range []int{5, -3, 0} {
		_, err := bundle.Deploy(ctx, spec{Version: sprintf("%d", id), Files: map[string]string{"a.txt": sprintf("%d", id)}}.open(t), bundle.Options{Dest: dest, ID: id})
		require.NoError(t, err)
		require.DirExists(t, filepath.Join(dest, ".rhqdeployments", sprintf("%d", id)))
	}
	next, err := bundle.NextID(dest)
	require.NoError(t, err)
	require.Equal(t, 1, next, "the current id + 1")
	st, err := bundle.Status(ctx, dest)
	require.NoError(t, err)
	require.Equal(t, []int{-3, 0, 5}, st.History)
	require.Equal(t, 0, st.Current.ID)
}

// TestPropertyFiles is R157 and R177: <property file> reads a properties file of
// the bundle and <rhq:property relativeToDeployDir> one beside the destination;
// their values are tokens (R148), and the caller's values win over them (Ant
// properties are immutable). Zip bundle distributions read them the same way.
func TestPropertyFiles(t *testing.T) {
	root := t.TempDir()
	dest := filepath.Join(root, "app")
	testtree.WriteFiles(t, root, map[string]string{"shared/site.properties": "site.name=prod\\u00e9\n"})
	s := spec{
		Head: `    <property file="conf/bundle.properties"/>
    <rhq:property file="../shared/site.properties" relativeToDeployDir="true"/>`,
		Replace: []string{"app.conf"},
		Files:   map[string]string{"app.conf": "@@app.color@@ @@app.size@@ @@site.name@@"},
		Other:   map[string]string{"conf/bundle.properties": "app.color=blue\napp.size=10\n"},
	}
	dir := t.TempDir()
	testtree.WriteFiles(t, dir, s.tree())
	zipPath := filepath.Join(t.TempDir(), "b.zip")
	writeBytes(t, filepath.Dir(zipPath), "b.zip", zipTree(t, s.tree()))
	for _, source := range []string{dir, zipPath} {
		b, err := bundle.Open(source)
		require.NoError(t, err)
		_, err = bundle.Deploy(context.Background(), b, bundle.Options{Dest: dest, ID: 1, Properties: map[string]string{"app.size": "42"}})
		require.NoError(t, b.Close())
		require.NoError(t, err, source)
		require.Equal(t, "blue 42 prodé", readFile(t, filepath.Join(dest, "app.conf")), source)
		_, err = bundle.Purge(context.Background(), dest, bundle.PurgeOptions{})
		require.NoError(t, err)
	}
}
