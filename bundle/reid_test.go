package bundle_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/bundle"
	"github.com/bundlekit/bundlekit/internal/metadata"
	"github.com/bundlekit/bundlekit/internal/testtree"
)

// A template holding @@rhq.deploy.id@@ — at its start, its end, twice in a
// row, with spaces — is what a revert with the bundle makes of it when the
// revert is made without the bundle: the realized id is the new deployment's
// (R130, R148), whatever the lengths of the ids.
const idTemplate = "@@rhq.deploy.id@@ first\nport=@@port@@ id=@@rhq.deploy.id@@@@rhq.deploy.id@@\nlast=@@ rhq.deploy.id @@"

func idSpecs(mode string) (spec, spec) {
	v1 := spec{Version: "1.0", Compliance: mode, Head: portOnly, Replace: []string{"conf/app.conf", "conf/plain.conf"},
		Files: map[string]string{"conf/app.conf": idTemplate, "conf/plain.conf": "port=@@port@@\n", "lib/a.jar": "a1"}}
	v2 := spec{Version: "2.0", Compliance: mode, Head: portOnly, Replace: []string{"conf/app.conf", "conf/plain.conf"},
		Files: map[string]string{"conf/app.conf": "v2 @@rhq.deploy.id@@\n" + idTemplate, "conf/plain.conf": "port=@@port@@\nv2\n", "lib/a.jar": "a2"}}
	return v1, v2
}

// deploymentFiles returns what deployment id records that a revert with and
// without the bundle must record alike.
func deploymentFiles(t *testing.T, dest string, id int) (string, map[string][]int64) {
	t.Helper()
	return readFile(t, filepath.Join(dest, filepath.FromSlash(metadata.HashesPath(int32(id))))), readExtras(t, dest, id).IDAt
}

// requireIDsAt checks that the n offsets at are where text holds id.
func requireIDsAt(t *testing.T, text string, at []int64, id, n int) {
	t.Helper()
	require.Len(t, at, n)
	s := sprintf("%d", id)
	for _, off := range at {
		require.Equal(t, s, text[off:off+int64(len(s))], "offset %d of %q", off, text)
	}
}

func TestRevertStoredReRealizesID(t *testing.T) {
	ctx := context.Background()
	props := map[string]string{"port": "7081"}
	for _, mode := range bothModes {
		for _, ids := range [][4]int{{9, 10, 11, 12}, {9, 99, 1000, 1001}, {7, 8, 9, 10}} {
			t.Run(mode+"/"+sprintf("%v", ids), func(t *testing.T) {
				v1, v2 := idSpecs(mode)
				stored, given := filepath.Join(t.TempDir(), "app"), filepath.Join(t.TempDir(), "app")
				for _, dest := range []string{stored, given} {
					deploySpec(t, v1, dest, ids[0], props)
					deploySpec(t, v2, dest, ids[1], props)
				}
				_, at := deploymentFiles(t, stored, ids[1])
				requireIDsAt(t, readTree(t, stored)["conf/app.conf"], at["conf/app.conf"], ids[1], 5)

				// Back to v1, then to v2 again: each revert without the bundle
				// is byte for byte the revert with it.
				for i, want := range []spec{v1, v2} {
					id := ids[2+i]
					revertStored(t, stored, id)
					_, err := bundle.Revert(ctx, want.open(t), bundle.Options{Dest: given, ID: id, Properties: props})
					require.NoError(t, err)
					tree := readTree(t, stored)
					require.Equal(t, readTree(t, given), tree)
					require.Equal(t, strings.ReplaceAll(strings.ReplaceAll(want.Files["conf/app.conf"], "@@ rhq.deploy.id @@", sprintf("%d", id)),
						"@@rhq.deploy.id@@", sprintf("%d", id)), strings.ReplaceAll(tree["conf/app.conf"], "7081", "@@port@@"))
					hashes, at := deploymentFiles(t, stored, id)
					wantHashes, wantAt := deploymentFiles(t, given, id)
					require.Equal(t, wantHashes, hashes, "file-hashcodes.dat of deployment %d", id)
					require.Equal(t, wantAt, at, "where deployment %d's id is", id)
					requireIDsAt(t, tree["conf/app.conf"], at["conf/app.conf"], id, strings.Count(want.Files["conf/app.conf"], "rhq.deploy.id"))
					require.NotContains(t, at, "conf/plain.conf", "only the files holding the id are recorded")
				}
			})
		}
	}
}

// TestRevertStoredIDsUnknown: a deployment recorded by a bundlekit that did
// not note where its templates hold the id (format 1) is not reverted to
// without the bundle: the refusal names the files the revert would write.
func TestRevertStoredIDsUnknown(t *testing.T) {
	v1, v2 := idSpecs("full")
	dest := filepath.Join(t.TempDir(), "app")
	props := map[string]string{"port": "7081"}
	deploySpec(t, v1, dest, 1, props)
	deploySpec(t, v2, dest, 2, props)
	old := readExtras(t, dest, 1)
	old.IDAt, old.IDKnown, old.StoredSHA256 = nil, false, true
	data, err := metadata.EncodeExtras(*old)
	require.NoError(t, err)
	require.Contains(t, string(data), `"v":1`)
	require.NotContains(t, string(data), "idAt")
	require.NoError(t, os.WriteFile(filepath.Join(dest, filepath.FromSlash(metadata.ExtrasPath(1))), data, 0o644))

	before := testtree.Snapshot(t, dest)
	_, err = bundle.RevertStored(context.Background(), bundle.Options{Dest: dest, ID: 3})
	var need *bundle.BundleNeededError
	require.True(t, errors.As(err, &need), "%v", err)
	require.ErrorIs(t, err, bundle.ErrBundleNeeded)
	require.Equal(t, []string{"conf/app.conf", "conf/plain.conf", "lib/a.jar"}, need.Paths)
	require.Contains(t, err.Error(), "@@rhq.deploy.id@@")
	requireUnchanged(t, before, dest)
}

// TestRevertStoredIDDamaged: a stored object that does not hold the id
// where its deployment's record says fails the plan, changing nothing.
func TestRevertStoredIDDamaged(t *testing.T) {
	v1, v2 := idSpecs("full")
	dest := filepath.Join(t.TempDir(), "app")
	props := map[string]string{"port": "7081"}
	deploySpec(t, v1, dest, 1, props)
	deploySpec(t, v2, dest, 2, props)
	e := readExtras(t, dest, 1)
	e.IDAt["conf/app.conf"][0]++
	data, err := metadata.EncodeExtras(*e)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dest, filepath.FromSlash(metadata.ExtrasPath(1))), data, 0o644))

	before := testtree.Snapshot(t, dest)
	_, err = bundle.RevertStored(context.Background(), bundle.Options{Dest: dest, ID: 3})
	var need *bundle.BundleNeededError
	require.True(t, errors.As(err, &need), "%v", err)
	require.Equal(t, []string{"conf/app.conf"}, need.Paths)
	requireUnchanged(t, before, dest)
}

// TestRevertStoredRecipeUsesID: a recipe whose property takes
// ${rhq.deploy.id}, realized in a template as @@build@@, cannot be reverted
// to without its bundle (only @@rhq.deploy.id@@ tokens are re-realized): the
// refusal says why; with the bundle the revert works.
func TestRevertStoredRecipeUsesID(t *testing.T) {
	head := `    <property name="build" value="b${rhq.deploy.id}"/>`
	v1 := spec{Version: "1.0", Head: head, Replace: []string{"conf/app.conf"}, Files: map[string]string{"conf/app.conf": "build=@@build@@\n"}}
	v2 := spec{Version: "2.0", Head: head, Replace: []string{"conf/app.conf"}, Files: map[string]string{"conf/app.conf": "build=@@build@@\nv2\n"}}
	dest := filepath.Join(t.TempDir(), "app")
	deploySpec(t, v1, dest, 1, nil)
	require.Equal(t, "build=b1\n", readTree(t, dest)["conf/app.conf"])
	deploySpec(t, v2, dest, 2, nil)

	before := testtree.Snapshot(t, dest)
	_, err := bundle.RevertStored(context.Background(), bundle.Options{Dest: dest, ID: 3})
	require.ErrorIs(t, err, bundle.ErrBundleNeeded)
	require.Contains(t, err.Error(), "${rhq.deploy.id}")
	requireUnchanged(t, before, dest)

	_, err = bundle.Revert(context.Background(), v1.open(t), bundle.Options{Dest: dest, ID: 3})
	require.NoError(t, err)
	require.Equal(t, "build=b3\n", readTree(t, dest)["conf/app.conf"])
}
