package bundle_test

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/bundle"
	"github.com/bundlekit/bundlekit/internal/testtree"
	"github.com/bundlekit/bundlekit/internal/testzip"
)

const propsReplace = `<rhq:replace><rhq:fileset includes="**/*.properties"/></rhq:replace>`

// TestExplodedArchiveScenario deploys and upgrades an exploded archive (R97): its
// entries are the keys, realized entries are hashed and written realized (R52)
// and reported by entry name (R93, on every deployment), empty directory entries
// are made (R97) and, in full compliance, moved to backup and made again by every
// upgrade (the QUIRK of R124, replicated).
func TestExplodedArchiveScenario(t *testing.T) {
	dest := filepath.Join(t.TempDir(), "app")
	archive := func(web string) spec {
		return spec{Head: portInput,
			Extra: `      <rhq:archive name="app.zip">` + propsReplace + `</rhq:archive>` + "\n",
			Other: map[string]string{"app.zip": "ZIP:WEB-INF/web.xml=" + web + "|WEB-INF/classes/app.properties=port=@@listener.port@@|lib/=|static/index.html=<html/>"}}
	}
	props := map[string]string{"listener.port": "9090"}
	_, res := dryThenApply(t, archive("<web/>").open(t), bundle.Options{Dest: dest, ID: 1, Properties: props})
	requireDiff(t, wantDiff{Added: []string{"WEB-INF/classes/app.properties", "WEB-INF/web.xml", "static/index.html"},
		Realized: []string{"WEB-INF/classes/app.properties"}}, res.Differences, dest, 1, 0)
	tree := map[string]string{"WEB-INF/web.xml": "<web/>", "WEB-INF/classes/app.properties": "port=9090", "static/index.html": "<html/>"}
	require.Equal(t, tree, readTree(t, dest))
	require.DirExists(t, filepath.Join(dest, "lib"))
	require.Equal(t, hashesOf(tree), readHashes(t, dest, 1), "R52: realized entries are hashed realized")

	before := testtree.Snapshot(t, dest)
	plan, res := dryThenApply(t, archive("<web v2/>").open(t), bundle.Options{Dest: dest, ID: 2, Properties: props})
	requireDiff(t, wantDiff{Changed: []string{"WEB-INF/web.xml"}, Deleted: []string{"lib"}, BackedUp: []string{"lib"},
		Realized: []string{"WEB-INF/classes/app.properties"}}, res.Differences, dest, 2, 0)
	predicted(t, plan, before, dest)
	tree["WEB-INF/web.xml"] = "<web v2/>"
	require.Equal(t, tree, readTree(t, dest))
	require.DirExists(t, filepath.Join(dest, "lib"), "made again")
	require.DirExists(t, filepath.Join(dest, ".rhqdeployments/2/backup/lib"))
}

// TestCompressedArchive places archives as one file (R98, R164): at their path in
// the bundle, or in destinationDir, relative (keyed relative, GO of R98/R40) or
// absolute (external). A changed archive is replaced on upgrade (bundlekit's R98
// divergence) and keyed by its own path (GO of R81).
func TestCompressedArchive(t *testing.T) {
	dest := filepath.Join(t.TempDir(), "app")
	ext := t.TempDir()
	extDir := filepath.ToSlash(filepath.Join(ext, "deploy"))
	war := func(v string) spec {
		return spec{
			Extra: `      <rhq:archive name="dist/app.war" exploded="false"/>
      <rhq:archive name="other.jar" destinationDir="deployments"/>
      <rhq:archive name="ext.ear" destinationDir="` + extDir + `"/>` + "\n",
			Other: map[string]string{
				"dist/app.war": "ZIP:index.html=" + v,
				"other.jar":    "ZIP:a.class=A",
				"ext.ear":      "ZIP:b.class=B",
			}}
	}
	b1 := war("v1")
	_, res := dryThenApply(t, b1.open(t), bundle.Options{Dest: dest, ID: 1}, ext)
	extKey := extDir + "/ext.ear"
	requireDiff(t, wantDiff{Added: []string{extKey, "deployments/other.jar", "dist/app.war"}}, res.Differences, dest, 1, 0)
	src := b1.tree()
	for key, name := range map[string]string{"dist/app.war": "dist/app.war", "deployments/other.jar": "other.jar"} {
		require.Equal(t, string(testzip.Spec(t, src[name][len("ZIP:"):])), readFile(t, filepath.Join(dest, key)), "copied byte for byte")
	}
	require.Equal(t, string(testzip.Spec(t, "b.class=B")), readFile(t, extKey))
	require.Equal(t, []string{extKey, "deployments/other.jar", "dist/app.war"}, sortedKeys(readHashes(t, dest, 1)))

	before := testtree.Snapshot(t, dest)
	plan, res := dryThenApply(t, war("v2").open(t), bundle.Options{Dest: dest, ID: 2}, ext)
	requireDiff(t, wantDiff{Changed: []string{"dist/app.war"}}, res.Differences, dest, 2, 0)
	predicted(t, plan, before, dest)
	require.Equal(t, string(testzip.Spec(t, "index.html=v2")), readFile(t, filepath.Join(dest, "dist/app.war")))
}

// TestRealizedCompressedArchive is the GO of R99: a compressed archive whose
// entries are realized is rebuilt outside the destination, with its entries in
// their order, directory entries kept, and fixed timestamps, so the same inputs
// give the same bytes: two deployments record the same hash, and an upgrade with
// the same bundle leaves the archive alone (R102). Realized entries are reported
// by entry name (R93).
func TestRealizedCompressedArchive(t *testing.T) {
	s := spec{Head: portInput,
		Extra: `      <rhq:archive name="app.war" exploded="false">` + propsReplace + `</rhq:archive>` + "\n",
		Other: map[string]string{"app.war": "ZIP:z.txt=@@listener.port@@|conf/=|conf/app.properties=port=@@listener.port@@|a.bin=\x00\x01@@x@@"}}
	props := map[string]string{"listener.port": "9090"}
	destA := filepath.Join(t.TempDir(), "a")
	destB := filepath.Join(t.TempDir(), "b")
	_, res := dryThenApply(t, s.open(t), bundle.Options{Dest: destA, ID: 1, Properties: props})
	requireDiff(t, wantDiff{Added: []string{"app.war"}, Realized: []string{"conf/app.properties"}}, res.Differences, destA, 1, 0)
	_, err := bundle.Deploy(context.Background(), s.open(t), bundle.Options{Dest: destB, ID: 1, Properties: props})
	require.NoError(t, err)
	warA := readFile(t, filepath.Join(destA, "app.war"))
	require.Equal(t, warA, readFile(t, filepath.Join(destB, "app.war")), "GO of R99: deterministic bytes")
	require.Equal(t, md5hex(warA), readHashes(t, destA, 1)["app.war"])
	require.Equal(t, readHashes(t, destA, 1), readHashes(t, destB, 1))

	zr, err := zip.NewReader(bytes.NewReader([]byte(warA)), int64(len(warA)))
	require.NoError(t, err)
	var names, contents []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		require.True(t, f.Modified.Equal(time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)), "%s: a fixed timestamp, not %v", f.Name, f.Modified)
		rc, err := f.Open()
		require.NoError(t, err)
		data, err := io.ReadAll(rc)
		require.NoError(t, err)
		rc.Close()
		contents = append(contents, string(data))
	}
	require.Equal(t, []string{"z.txt", "conf/", "conf/app.properties", "a.bin"}, names, "entry order and directory entries kept")
	require.Equal(t, []string{"@@listener.port@@", "", "port=9090", "\x00\x01@@x@@"}, contents, "only the selected entries realized")

	before := testtree.Snapshot(t, destA)
	plan, res := dryThenApply(t, s.open(t), bundle.Options{Dest: destA, ID: 2, Properties: props})
	requireDiff(t, wantDiff{Realized: []string{"conf/app.properties"}}, res.Differences, destA, 2, 0)
	require.Equal(t, bundle.ActionUnchanged, planEntry(plan, "app.war").Action)
	requireUnchangedExceptMeta(t, before, destA)
}

// requireUnchangedExceptMeta fails unless dir's files outside .rhqdeployments are
// as before recorded them.
func requireUnchangedExceptMeta(t *testing.T, before map[string]testtree.Node, dir string) {
	t.Helper()
	after := testtree.Snapshot(t, dir)
	for _, snap := range []map[string]testtree.Node{before, after} {
		for k := range snap {
			if k == ".rhqdeployments" || strings.HasPrefix(k, ".rhqdeployments/") {
				delete(snap, k)
			}
		}
	}
	require.Equal(t, before, after)
}

func sortedKeys(m map[string]string) []string {
	return slices.Sorted(maps.Keys(m))
}
