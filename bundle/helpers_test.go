package bundle_test

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
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
)

// readTree returns every regular file under dir (relative path → content),
// skipping .rhqdeployments folders.
func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for k, n := range testtree.Snapshot(t, dir) {
		if n.Mode.IsRegular() && !slices.Contains(strings.Split(k, "/"), ".rhqdeployments") {
			out[k] = n.Content
		}
	}
	return out
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	data, err := os.ReadFile(p)
	require.NoError(t, err)
	return string(data)
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

// recipeXML returns a deploy.xml for bundle "app" at version: head (input
// properties) then one deployment unit of the given compliance whose children
// are body.
func recipeXML(version, compliance, head, body string) string {
	return sprintf(`<project name="app" default="main" xmlns:rhq="antlib:org.rhq.bundle">
  <rhq:bundle name="app" version="%s">
%s
    <rhq:deployment-unit name="u" compliance="%s">
%s
    </rhq:deployment-unit>
  </rhq:bundle>
  <target name="main"/>
</project>`, version, head, compliance, body)
}

// spec describes a bundle of raw files: Files are bundle files deployed to the
// same relative path, realized when named in Replace; Ext maps an absolute
// destinationFile to the content of a bundle file written there (the bundle
// files are ext/0.txt, ext/1.txt, … in destination order); Ignore are
// rhq:ignore include patterns; Head is XML before the deployment unit (input
// properties); Extra is more XML inside the unit, with Other its extra bundle
// files.
type spec struct {
	Version    string
	Compliance string
	Files      map[string]string
	Replace    []string
	Ext        map[string]string
	Ignore     []string
	Head       string
	Extra      string
	Other      map[string]string
}

// tree returns the bundle directory's files for s.
func (s spec) tree() map[string]string {
	var body strings.Builder
	files := map[string]string{}
	for _, name := range slices.Sorted(maps.Keys(s.Files)) {
		fmt.Fprintf(&body, "      <rhq:file name=%q replace=\"%t\"/>\n", name, slices.Contains(s.Replace, name))
		files[name] = s.Files[name]
	}
	for i, dest := range slices.Sorted(maps.Keys(s.Ext)) {
		name := sprintf("ext/%d.txt", i)
		fmt.Fprintf(&body, "      <rhq:file name=%q destinationFile=%q replace=\"%t\"/>\n", name, dest, slices.Contains(s.Replace, name))
		files[name] = s.Ext[dest]
	}
	body.WriteString(s.Extra)
	if len(s.Ignore) > 0 {
		body.WriteString("      <rhq:ignore><rhq:fileset>")
		for _, p := range s.Ignore {
			fmt.Fprintf(&body, "<include name=%q/>", p)
		}
		body.WriteString("</rhq:fileset></rhq:ignore>\n")
	}
	maps.Copy(files, s.Other)
	version, compliance := s.Version, s.Compliance
	if version == "" {
		version = "1.0"
	}
	if compliance == "" {
		compliance = "full"
	}
	files["deploy.xml"] = recipeXML(version, compliance, s.Head, body.String())
	return files
}

// open writes s to a new temporary bundle directory and opens it.
func (s spec) open(t *testing.T) *bundle.Bundle {
	t.Helper()
	return openBundle(t, s.tree())
}

// openDir writes s as a bundle directory and opens it, closed when the test
// ends; the test may change the directory's files afterwards.
func (s spec) openDir(t *testing.T) (*bundle.Bundle, string) {
	t.Helper()
	dir := t.TempDir()
	testtree.WriteFiles(t, dir, s.tree())
	b, err := bundle.Open(context.Background(), dir)
	require.NoError(t, err)
	t.Cleanup(func() { b.Close() })
	return b, dir
}

// requireUnchanged fails unless dir holds exactly what before recorded.
func requireUnchanged(t *testing.T, before map[string]testtree.Node, dir string) {
	t.Helper()
	if diff := cmp.Diff(before, testtree.Snapshot(t, dir)); diff != "" {
		t.Fatalf("%s changed (-before +after):\n%s", dir, diff)
	}
}

// md5hex is the hash RHQ records for content (R49).
func md5hex(content string) string {
	sum := md5.Sum([]byte(content))
	return hex.EncodeToString(sum[:])
}

// readHashes reads dest's file-hashcodes.dat of deployment id.
func readHashes(t *testing.T, dest string, id int) map[string]string {
	t.Helper()
	name := filepath.Join(dest, filepath.FromSlash(metadata.HashesPath(int32(id))))
	f, err := os.Open(name)
	require.NoError(t, err)
	defer f.Close()
	h, err := metadata.DecodeHashes(f, name)
	require.NoError(t, err)
	return h
}

// readProps reads a deployment properties file of dest (a metadata path).
func readProps(t *testing.T, dest, rel string) metadata.Properties {
	t.Helper()
	f, err := os.Open(filepath.Join(dest, filepath.FromSlash(rel)))
	require.NoError(t, err)
	defer f.Close()
	p, err := metadata.DecodeProperties(f)
	require.NoError(t, err)
	return p
}

// hashesOf returns the MD5 of every file in files (relative path → content).
func hashesOf(files map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range files {
		out[k] = md5hex(v)
	}
	return out
}

// backupFile is the absolute path where deployment id backs up key (R125, R126).
func backupFile(dest string, id int, key string) string {
	rel, err := metadata.BackupPath(int32(id), key)
	if err != nil {
		panic(err)
	}
	return filepath.Join(dest, filepath.FromSlash(rel))
}

// writeBytes writes data to dir/name, creating parents.
func writeBytes(t *testing.T, dir, name string, data []byte) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(name))
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, data, 0o644))
}

// predicted checks that dest holds what plan said it would after Apply: every
// file written, changed, left unchanged or restored has the planned new hash,
// every kept local edit its current hash, every deleted path is gone, and the
// recorded map holds the new hashes (the original one for a kept edit, R30).
// before is the snapshot of dest taken before Apply; paths the plan ignores or
// skips must be as they were.
func predicted(t *testing.T, plan *bundle.Plan, before map[string]testtree.Node, dest string) {
	t.Helper()
	recorded := readHashes(t, dest, plan.ID)
	onDisk := func(key string) (string, bool) {
		p := key
		if !filepath.IsAbs(filepath.FromSlash(key)) {
			p = filepath.Join(dest, filepath.FromSlash(key))
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return "", false
		}
		return md5hex(string(data)), true
	}
	for _, e := range plan.Entries {
		h, exists := onDisk(e.Path)
		switch e.Action {
		case bundle.ActionAdd, bundle.ActionChange, bundle.ActionUnchanged, bundle.ActionRestore:
			if e.Dir {
				require.DirExists(t, filepath.Join(dest, e.Path), "%s %s (%s)", e.Action, e.Path, e.Rule)
				continue
			}
			require.True(t, exists, "%s %s (%s): missing", e.Action, e.Path, e.Rule)
			want := e.New
			if want == "" { // not hashed by the plan: what was written is recorded
				want = recorded[e.Path]
				require.NotEmpty(t, want, "%s %s (%s) is recorded", e.Action, e.Path, e.Rule)
			}
			require.Equal(t, want, h, "%s %s (%s)", e.Action, e.Path, e.Rule)
			require.Equal(t, want, recorded[e.Path], "recorded hash of %s (%s)", e.Path, e.Rule)
		case bundle.ActionKeep:
			require.Equal(t, e.Current, h, "kept %s (%s)", e.Path, e.Rule)
			require.Equal(t, e.Previous, recorded[e.Path], "R30: the original hash of the kept %s is recorded", e.Path)
		case bundle.ActionDelete, bundle.ActionNone:
			if _, failed := plan.Differences.Errors[e.Path]; failed || e.Dir {
				continue
			}
			require.False(t, exists, "%s %s (%s): still there", e.Action, e.Path, e.Rule)
			require.NotContains(t, recorded, e.Path)
		case bundle.ActionIgnore, bundle.ActionSkip:
			for k, n := range before {
				if k == e.Path || strings.HasPrefix(k, e.Path+"/") {
					require.Equal(t, n, testtree.Snapshot(t, dest)[k], "%s %s (%s) must be untouched", e.Action, k, e.Rule)
				}
			}
		}
	}
}

// dryThenApply plans opts twice: the first plan is a dry run, after which dest and
// every dir in watch must be byte-for-byte as they were, with nothing created (GO
// of R128); the second is applied, and its Result must report exactly what the
// dry run did. It returns the applied plan (for predicted) and the result.
func dryThenApply(t *testing.T, b *bundle.Bundle, opts bundle.Options, watch ...string) (*bundle.Plan, *bundle.Result) {
	t.Helper()
	return dryThenApplyFn(t, opts.Dest, func(ctx context.Context) (*bundle.Plan, error) {
		return bundle.PlanDeploy(ctx, b, opts)
	}, watch...)
}

// dryThenApplyFn is dryThenApply for any planner. The parent of dest is watched
// too, so a dry run of a first deployment must not create dest.
func dryThenApplyFn(t *testing.T, dest string, planFn func(context.Context) (*bundle.Plan, error), watch ...string) (*bundle.Plan, *bundle.Result) {
	t.Helper()
	ctx := context.Background()
	dirs := append([]string{filepath.Dir(dest)}, watch...)
	before := map[string]map[string]testtree.Node{}
	for _, d := range dirs {
		before[d] = testtree.Snapshot(t, d)
	}
	dry, err := planFn(ctx)
	require.NoError(t, err)
	require.NoError(t, dry.Close())
	for _, d := range dirs {
		requireUnchanged(t, before[d], d)
	}
	plan, err := planFn(ctx)
	require.NoError(t, err)
	if diff := cmp.Diff(dry.Entries, plan.Entries, cmpopts.IgnoreUnexported(bundle.Entry{})); diff != "" {
		t.Fatalf("two plans of the same state disagree (-first +second):\n%s", diff)
	}
	res, err := bundle.Apply(ctx, plan)
	require.NoError(t, err)
	if diff := cmp.Diff(dry.Differences, res.Differences, cmpopts.EquateEmpty()); diff != "" {
		t.Fatalf("the dry run and the real run differ (-dry +real):\n%s", diff)
	}
	return plan, res
}
