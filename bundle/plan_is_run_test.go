package bundle_test

import (
	"context"
	"fmt"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/bundle"
	"github.com/bundlekit/bundlekit/internal/testtree"
)

// TestPlanIsTheRun is the engine-core property (ARCHITECTURE: "the plan is the
// program"), checked over a chain of operations on a realistic destination —
// raw, realized and external files, exploded and compressed archives, ignored
// logs, local edits, unknown files: an initial deployment into a non-empty
// directory, an upgrade over local edits, a revert, a clean upgrade, a clean
// revert, a purge, an adoption, and a filesAndDirectories deployment. For each:
//
//   - a dry run leaves everything byte-identical, metadata included (R128 GO);
//   - the dry run's entries are the real run's entries;
//   - the real run emits exactly one file event for each entry whose action
//     writes, with its path, action and rule, and no other;
//   - the tree after the run is the one the entries predict, and whatever no
//     entry names is untouched.
func TestPlanIsTheRun(t *testing.T) {
	s := newKillScene(t)
	v1, err := bundle.Open(s.v1)
	require.NoError(t, err)
	defer v1.Close()
	v2, err := bundle.Open(s.v2)
	require.NoError(t, err)
	defer v2.Close()
	deploy := func(b *bundle.Bundle, id int, clean bool) func(context.Context, func(bundle.Event)) (*bundle.Plan, error) {
		return func(ctx context.Context, events func(bundle.Event)) (*bundle.Plan, error) {
			opts := killOptions(s.dest, id)
			opts.Clean, opts.Events = clean, events
			return bundle.PlanDeploy(ctx, b, opts)
		}
	}
	revert := func(b *bundle.Bundle, id int, clean bool) func(context.Context, func(bundle.Event)) (*bundle.Plan, error) {
		return func(ctx context.Context, events func(bundle.Event)) (*bundle.Plan, error) {
			opts := killOptions(s.dest, id)
			opts.Clean, opts.Events = clean, events
			return bundle.PlanRevert(ctx, b, opts)
		}
	}
	edit := func(files map[string]string) func(t *testing.T) {
		return func(t *testing.T) { testtree.WriteFiles(t, s.dest, files) }
	}
	gone := func(names ...string) func(t *testing.T) {
		return func(t *testing.T) {
			for _, n := range names {
				require.NoFileExists(t, filepath.Join(s.dest, n))
				require.NoDirExists(t, filepath.Join(s.dest, n))
			}
		}
	}
	steps := []struct {
		name   string
		before func(t *testing.T)
		plan   func(context.Context, func(bundle.Event)) (*bundle.Plan, error)
		after  func(t *testing.T)
	}{
		{"initial deployment into a non-empty directory (R58)",
			edit(map[string]string{"index.html": "old site\n", "old/site/page.html": "old page\n", "old/empty/": ""}),
			deploy(v1, 1, false), gone("index.html", "old")},
		{"upgrade over local edits (R102-R124)", edit(map[string]string{
			"conf/app.conf": killEditedConf, "docs/readme.txt": killEditedReadme, "notes.txt": killUnknown,
			"extra/cache/blob": killUnknown, "logs/server.log": killLogLine, "static/img/upload.png": killUnknown,
		}), deploy(v2, 2, false), gone("notes.txt", "extra/cache/blob", "static/img/upload.png")},
		{"revert (R130-R135)", edit(map[string]string{"conf/app.conf": "edited again\n"}), revert(v1, 3, false), gone(killBigFile)},
		{"clean upgrade (R89, R95)", edit(map[string]string{
			"conf/app.conf": "edited before clean\n", "logs/archive/old.log": killLogLine, "scratch/": "",
		}), deploy(v2, 4, true), gone("scratch", "logs")},
		{"clean revert", edit(map[string]string{"tmp/x": "x"}), revert(v1, 5, true), gone("tmp")},
		{"purge (R138)", edit(map[string]string{"logs/late.log": killLogLine}),
			func(ctx context.Context, events func(bundle.Event)) (*bundle.Plan, error) {
				return bundle.PlanPurge(ctx, s.dest, bundle.PurgeOptions{Events: events})
			}, gone(".")},
		{"adopt (R136)", edit(map[string]string{"a.txt": "A", "sub/b.txt": "B"}),
			func(ctx context.Context, events func(bundle.Event)) (*bundle.Plan, error) {
				return bundle.PlanAdopt(ctx, s.dest, bundle.AdoptOptions{ID: 7, Name: "legacy", Version: "0", Events: events})
			}, func(t *testing.T) {
				require.FileExists(t, filepath.Join(s.dest, ".rhqdeployments", "7", "file-hashcodes.dat"))
			}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			st.before(t)
			requirePlanIsRun(t, s.base, []string{"app", "ext"}, st.plan)
			st.after(t)
		})
	}

	t.Run("filesAndDirectories initial deployment and upgrade (R61, R75)", func(t *testing.T) {
		base := t.TempDir()
		dest := filepath.Join(base, "app")
		testtree.WriteFiles(t, dest, map[string]string{"conf/old.conf": "old", "conf/sub/x": "x", "unrelated/keep": "keep", "top.txt": "T"})
		fad := func(version, conf string) *bundle.Bundle {
			return spec{Version: version, Compliance: "filesAndDirectories", Files: map[string]string{
				"conf/app.conf": conf, "top.txt": "T", "bin/run.sh": "run",
			}, Replace: []string{"conf/app.conf"}, Ignore: []string{"conf/logs/"}}.open(t)
		}
		plan := func(b *bundle.Bundle, id int) func(context.Context, func(bundle.Event)) (*bundle.Plan, error) {
			return func(ctx context.Context, events func(bundle.Event)) (*bundle.Plan, error) {
				return bundle.PlanDeploy(ctx, b, bundle.Options{Dest: dest, ID: id, Events: events})
			}
		}
		requirePlanIsRun(t, base, []string{"app"}, plan(fad("1", "v1 @@rhq.deploy.id@@"), 1))
		testtree.WriteFiles(t, dest, map[string]string{"conf/app.conf": "edited", "conf/logs/a.log": "log", "unrelated/new": "n"})
		requirePlanIsRun(t, base, []string{"app"}, plan(fad("2", "v2"), 2))
		// A clean upgrade removes what the rescan does not record (an
		// unknown directory of a managed name), and the ignored logs (R95);
		// unrelated top-level names stay (R118).
		testtree.WriteFiles(t, dest, map[string]string{"conf/cache/": "", "bin/tmp/x": "x", "unrelated/more": "m"})
		requirePlanIsRun(t, base, []string{"app"}, func(ctx context.Context, events func(bundle.Event)) (*bundle.Plan, error) {
			return bundle.PlanDeploy(ctx, fad("3", "v3"), bundle.Options{Dest: dest, ID: 3, Clean: true, Events: events})
		})
		require.NoDirExists(t, filepath.Join(dest, "conf/cache"))
		require.NoDirExists(t, filepath.Join(dest, "conf/logs"))
		require.FileExists(t, filepath.Join(dest, "unrelated/more"))
	})
}

// requirePlanIsRun checks the property of TestPlanIsTheRun for one operation.
// base holds the destination ("app") and any external directory (roots names
// them); planFn plans the operation.
func requirePlanIsRun(t *testing.T, base string, roots []string, planFn func(context.Context, func(bundle.Event)) (*bundle.Plan, error)) {
	t.Helper()
	ctx := context.Background()
	before := testtree.Snapshot(t, base)
	dry, err := planFn(ctx, nil)
	require.NoError(t, err)
	require.NoError(t, dry.Close())
	requireUnchanged(t, before, base)

	var events []bundle.Event
	p, err := planFn(ctx, func(e bundle.Event) { events = append(events, e) })
	require.NoError(t, err)
	if diff := cmp.Diff(dry.Entries, p.Entries, cmpopts.IgnoreUnexported(bundle.Entry{})); diff != "" {
		t.Fatalf("the dry run's entries are not the real run's (-dry +real):\n%s", diff)
	}
	res, err := bundle.Apply(ctx, p)
	require.NoError(t, err)
	require.Equal(t, p.Differences.Added, res.Differences.Added)

	want, got := map[string]int{}, map[string]int{}
	for _, e := range p.Entries {
		if e.Action.Writes() {
			want[fmt.Sprintf("%s %s %s", e.Path, e.Action, e.Rule)]++
		}
	}
	written := map[string]string{}
	for _, e := range events {
		if e.Type == bundle.EventFile {
			got[fmt.Sprintf("%s %s %s", e.Path, e.Action, e.Rule)]++
			written[e.Path] = e.Hash
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("file events are not the entries that write, one to one (-entries +events):\n%s", diff)
	}
	requirePredicted(t, base, roots, p, written, before, testtree.Snapshot(t, base))
}

// requirePredicted checks the tree after an operation against its plan: each
// entry's path holds what its action says, each backup the content it saved,
// and every path no entry names is as it was, or gone with the entry above it.
// written maps a path to the hash its file event reports, for the entries
// whose new content the plan did not hash.
func requirePredicted(t *testing.T, base string, roots []string, p *bundle.Plan, written map[string]string, before, after map[string]testtree.Node) {
	t.Helper()
	dest, err := filepath.Rel(base, p.Dest)
	require.NoError(t, err)
	dest = filepath.ToSlash(dest)
	rel := func(key string) string {
		if strings.HasPrefix(key, "/") || filepath.IsAbs(filepath.FromSlash(key)) {
			r, err := filepath.Rel(base, filepath.FromSlash(key))
			require.NoError(t, err)
			return filepath.ToSlash(r)
		}
		return dest + "/" + key
	}
	hashOf := func(n testtree.Node) string {
		if n.Link != "" {
			return md5hex("symlink:" + n.Link)
		}
		return md5hex(n.Content)
	}
	entries := map[string]*bundle.Entry{}
	for _, e := range p.Entries {
		k := rel(e.Path)
		entries[k] = e
		was, existed := before[k]
		now, exists := after[k]
		what := fmt.Sprintf("%s %s (%s)", e.Action, e.Path, e.Rule)
		switch e.Action {
		case bundle.ActionAdd, bundle.ActionChange, bundle.ActionUnchanged, bundle.ActionRestore:
			require.True(t, exists, "%s: missing", what)
			switch {
			case e.Dir:
				require.True(t, now.IsDir(), "%s: not a directory", what)
			case e.New == "":
				require.NotEmpty(t, written[e.Path], "%s: the file event gives the hash the plan left out", what)
				require.Equal(t, written[e.Path], hashOf(now), "%s: content", what)
			default:
				require.Equal(t, e.New, hashOf(now), "%s: content", what)
			}
		case bundle.ActionMode:
			require.True(t, exists, "%s: missing", what)
			require.Equal(t, was.Content, now.Content, "%s: the same bytes", what)
			require.Equal(t, e.New, hashOf(now), "%s: content", what)
		case bundle.ActionKeep:
			require.Equal(t, was, now, "%s: kept as it was", what)
		case bundle.ActionDelete:
			switch {
			case e.Error != "" && !p.Clean:
				require.True(t, exists, "%s: %s, so it stays", what, e.Error)
			default:
				require.False(t, exists, "%s: still there", what)
			}
		case bundle.ActionIgnore, bundle.ActionSkip, bundle.ActionNone:
			require.Equal(t, existed, exists, "%s", what)
			require.Equal(t, was, now, "%s: untouched", what)
		}
		// Issue 11.6: the bits a mode report gives, or, for a file whose
		// bytes stay and that has none, the bits it had.
		switch {
		case e.Dir || !exists || now.Link != "":
		case e.Mode != nil:
			require.Equal(t, e.Mode.To, now.Mode, "%s: mode %s", what, e.Mode)
		case e.Action == bundle.ActionUnchanged || e.Action == bundle.ActionKeep:
			require.Equal(t, was.Mode, now.Mode, "%s: mode untouched", what)
		}
		if e.Backup != "" && existed && !was.IsDir() {
			b, err := filepath.Rel(base, filepath.FromSlash(e.Backup))
			require.NoError(t, err)
			require.Equal(t, was, after[filepath.ToSlash(b)], "%s: backed up as it was to %s", what, e.Backup)
		}
	}
	// What no entry names. Writing a file makes its missing parent
	// directories; those are the entry's doing (R188: an initial deployment
	// names no directory).
	made := map[string]bool{}
	for k, e := range entries {
		if e.Action == bundle.ActionAdd || e.Action == bundle.ActionChange || e.Action == bundle.ActionRestore {
			for dir := path.Dir(k); dir != "."; dir = path.Dir(dir) {
				made[dir] = true
			}
		}
	}
	meta := dest + "/.rhqdeployments"
	for _, k := range union(before, after) {
		if _, named := entries[k]; named || !under(k, roots) || k == meta || strings.HasPrefix(k, meta+"/") || k == dest {
			continue
		}
		var above *bundle.Entry
		for dir := path.Dir(k); dir != "." && above == nil; dir = path.Dir(dir) {
			above = entries[dir]
		}
		was, existed := before[k]
		now, exists := after[k]
		if made[k] && !existed && now.IsDir() {
			continue
		}
		switch {
		case above == nil, above.Action == bundle.ActionIgnore, above.Action == bundle.ActionSkip,
			above.Action == bundle.ActionNone, above.Action == bundle.ActionKeep, above.Action == bundle.ActionUnchanged && above.Dir:
			require.Equal(t, existed, exists, "%s, which no entry names", k)
			require.Equal(t, was, now, "%s, which no entry names, is untouched", k)
		case above.Action == bundle.ActionDelete && above.Error != "" && !p.Clean:
			require.Equal(t, was, now, "%s stays in %s (%s)", k, above.Path, above.Error)
		case above.Action == bundle.ActionDelete, above.Action == bundle.ActionChange, above.Action == bundle.ActionAdd:
			require.False(t, exists, "%s: gone with %s (%s %s)", k, above.Path, above.Action, above.Rule)
		}
	}
	// The recorded map is the entries' new hashes.
	if p.Kind == bundle.KindDeploy || p.Kind == bundle.KindRevert || p.Kind == bundle.KindAdopt {
		recorded := map[string]string{}
		for _, e := range p.Entries {
			switch {
			case e.Dir || e.Rule == "R173" || e.Rule == "R174":
			case e.New != "":
				recorded[e.Path] = e.New
			case written[e.Path] != "":
				recorded[e.Path] = written[e.Path]
			}
		}
		require.Equal(t, recorded, readHashes(t, p.Dest, p.ID))
	}
}

func union(a, b map[string]testtree.Node) []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range []map[string]testtree.Node{a, b} {
		for k := range m {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	return out
}

func under(k string, roots []string) bool {
	for _, r := range roots {
		if k == r || strings.HasPrefix(k, r+"/") {
			return true
		}
	}
	return false
}
