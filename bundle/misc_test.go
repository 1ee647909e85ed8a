package bundle_test

import (
	"context"
	"encoding/json"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/bundle"
	"github.com/bundlekit/bundlekit/internal/journal"
	"github.com/bundlekit/bundlekit/internal/testtree"
	"github.com/bundlekit/bundlekit/internal/testzip"
	"github.com/bundlekit/bundlekit/recipe"
	"github.com/bundlekit/bundlekit/token"
)

// TestOpenErrors: a bundle without deploy.xml at its top, with a hint when it is
// one level down; every recipe file missing from the bundle reported at its
// element (R175), all at once.
func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	testtree.WriteFiles(t, dir, map[string]string{"app-1.0/deploy.xml": "<project/>", "app-1.0/a.txt": "a"})
	_, err := bundle.Open(dir)
	require.ErrorIs(t, err, bundle.ErrNoRecipe)
	require.ErrorContains(t, err, "found app-1.0/deploy.xml")

	dir = t.TempDir()
	testtree.WriteFiles(t, dir, map[string]string{"other.txt": "x"})
	_, err = bundle.Open(dir)
	require.ErrorIs(t, err, bundle.ErrNoRecipe)
	require.NotContains(t, err.Error(), "found")

	_, err = bundle.Open(filepath.Join(dir, "missing"))
	require.Error(t, err)

	dir = t.TempDir()
	files := spec{Files: map[string]string{"present.txt": "p"}, Extra: `      <rhq:file name="conf/missing.conf"/>
      <rhq:archive name="missing.zip"/>` + "\n"}.tree()
	testtree.WriteFiles(t, dir, files)
	_, err = bundle.Open(dir)
	require.ErrorIs(t, err, recipe.ErrMissing)
	errs := recipe.Errors(err)
	require.Len(t, errs, 2)
	lines := strings.Split(files["deploy.xml"], "\n")
	for i, want := range []string{`<rhq:file name="conf/missing.conf">`, `<rhq:archive name="missing.zip">`} {
		require.Equal(t, want, errs[i].Element)
		require.Contains(t, lines[errs[i].Pos.Line-1], want[:len(want)-1], "positioned at the element")
		require.Equal(t, "deploy.xml", errs[i].Pos.File)
	}
}

// zipTree packs files (relative path → content) into a .zip bundle distribution.
func zipTree(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var entries []testzip.Entry
	for _, name := range slices.Sorted(maps.Keys(files)) {
		body := files[name]
		if spec, ok := strings.CutPrefix(body, "ZIP:"); ok {
			body = string(testzip.Spec(t, spec))
		}
		entries = append(entries, testzip.Entry{Name: name, Body: body, Deflate: true})
	}
	return testzip.Build(t, entries...)
}

// TestZipBundleDeploysLikeDirectory: a .zip bundle distribution, archives inside
// it included, deploys exactly as the same bundle unpacked in a directory.
func TestZipBundleDeploysLikeDirectory(t *testing.T) {
	s := spec{Head: portInput, Replace: []string{"conf/app.conf"}, Files: map[string]string{"conf/app.conf": "port=@@listener.port@@", "bin/run.sh": "#!/bin/sh"},
		Extra: `      <rhq:archive name="lib/app.zip">` + propsReplace + `</rhq:archive>
      <rhq:archive name="lib/plain.jar" exploded="false"/>` + "\n",
		Other: map[string]string{"lib/app.zip": "ZIP:web/a.properties=p=@@listener.port@@|web/b.html=b", "lib/plain.jar": "ZIP:x=y"}}
	zipPath := filepath.Join(t.TempDir(), "app-1.0.zip")
	writeBytes(t, filepath.Dir(zipPath), filepath.Base(zipPath), zipTree(t, s.tree()))
	zb, err := bundle.Open(zipPath)
	require.NoError(t, err)
	defer zb.Close()
	require.Equal(t, zipPath, zb.Source)

	destZip := filepath.Join(t.TempDir(), "app")
	destDir := filepath.Join(t.TempDir(), "app")
	_, resZip := dryThenApply(t, zb, bundle.Options{Dest: destZip, ID: 1})
	_, resDir := dryThenApply(t, s.open(t), bundle.Options{Dest: destDir, ID: 1})
	require.Equal(t, resDir.Differences, resZip.Differences)
	require.Equal(t, readTree(t, destDir), readTree(t, destZip))
	require.Equal(t, readHashes(t, destDir, 1), readHashes(t, destZip, 1))
	require.Equal(t, "p=8080", readFile(t, filepath.Join(destZip, "web/a.properties")))
}

// TestMetadataDestinationRefused: a recipe destination inside .rhqdeployments
// belongs to the deployer (R13, R31) and is refused before anything is written.
func TestMetadataDestinationRefused(t *testing.T) {
	for _, extra := range []string{
		`<rhq:file name="x.txt" destinationFile=".rhqdeployments/current-deployment.properties"/>`,
		`<rhq:file name="x.txt" destinationDir=".rhqdeployments/1"/>`,
		`<rhq:file name="x.txt" destinationFile="sub/../.rhqdeployments/x"/>`,
		`<rhq:archive name="x.zip" destinationDir=".rhqdeployments"/>`,
	} {
		t.Run(extra, func(t *testing.T) {
			dest := filepath.Join(t.TempDir(), "app")
			_, err := bundle.Deploy(context.Background(), spec{Files: map[string]string{"a.txt": "a"}}.open(t), bundle.Options{Dest: dest, ID: 1})
			require.NoError(t, err)
			before := testtree.Snapshot(t, dest)
			s := spec{Files: map[string]string{"a.txt": "a"}, Extra: "      " + extra + "\n", Other: map[string]string{"x.txt": "x", "x.zip": "ZIP:x=y"}}
			_, err = bundle.Deploy(context.Background(), s.open(t), bundle.Options{Dest: dest, ID: 2})
			require.ErrorIs(t, err, bundle.ErrMetadataDestination)
			require.ErrorContains(t, err, "deploy.xml:")
			requireUnchanged(t, before, dest)
		})
	}
}

// TestInputErrors: missing and invalid input values are all reported at once in
// an *InputError (R159), nothing is written, and a password never appears.
func TestInputErrors(t *testing.T) {
	head := `    <rhq:input-property name="db.user" type="string"/>
    <rhq:input-property name="db.host" type="string"/>
    <rhq:input-property name="db.password" type="password"/>
    <rhq:input-property name="port" type="integer"/>
    <rhq:input-property name="debug" type="boolean" required="false"/>`
	s := spec{Head: head, Replace: []string{"app.conf"}, Files: map[string]string{"app.conf": "@@db.password@@"}}
	dest := filepath.Join(t.TempDir(), "app")
	before := testtree.Snapshot(t, filepath.Dir(dest))
	b := s.open(t)
	given := map[string]string{"db.password": "s3cret!", "port": "eighty", "debug": "yes"}
	_, err := bundle.Deploy(context.Background(), b, bundle.Options{Dest: dest, ID: 1, Properties: given})
	var ie *bundle.InputError
	require.ErrorAs(t, err, &ie)
	var missing *token.MissingError
	require.ErrorAs(t, err, &missing)
	var names []string
	for _, in := range missing.Inputs {
		names = append(names, in.Name)
	}
	require.Equal(t, []string{"db.user", "db.host"}, names)
	var invalid []string
	for _, e := range unwrapAll(err) {
		if iv, ok := e.(*token.InvalidError); ok {
			invalid = append(invalid, iv.Name)
		}
	}
	require.ElementsMatch(t, []string{"port", "debug"}, invalid)
	require.NotContains(t, err.Error(), "s3cret!")
	requireUnchanged(t, before, filepath.Dir(dest))

	_, err = b.Recipe.ResolveInputs(given)
	require.ErrorAs(t, err, &missing, "Recipe.ResolveInputs reports the same before any deployment")

	res, err := bundle.Deploy(context.Background(), b, bundle.Options{Dest: dest, ID: 1,
		Properties: map[string]string{"db.user": "u", "db.host": "h", "db.password": "s3cret!", "port": "80"}})
	require.NoError(t, err)
	require.Equal(t, "s3cret!", readFile(t, filepath.Join(dest, "app.conf")))
	require.Equal(t, []string{"app.conf"}, res.Differences.Realized, "realized paths are listed, never their text (R93 divergence)")
}

// unwrapAll flattens a tree of joined and wrapped errors.
func unwrapAll(err error) []error {
	out := []error{err}
	switch u := err.(type) {
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			out = append(out, unwrapAll(e)...)
		}
	case interface{ Unwrap() error }:
		if e := u.Unwrap(); e != nil {
			out = append(out, unwrapAll(e)...)
		}
	}
	return out
}

// TestEvents: a deployment reports its phases in order, every backup and every
// file written (with its size) to Options.Events; nil Events are fine (every
// other test).
func TestEvents(t *testing.T) {
	ctx := context.Background()
	dest := filepath.Join(t.TempDir(), "app")
	_, err := bundle.Deploy(ctx, spec{Files: map[string]string{"a/x": "X", "a/y": "Y"}}.open(t), bundle.Options{Dest: dest, ID: 1})
	require.NoError(t, err)
	testtree.WriteFiles(t, dest, map[string]string{"a/x": "edited", "a/u": "unknown"})

	var events []bundle.Event
	_, err = bundle.Deploy(ctx, spec{Files: map[string]string{"a/x": "X2", "a/y": "Y", "a/z": "ZZZ"}}.open(t),
		bundle.Options{Dest: dest, ID: 2, Events: func(e bundle.Event) { events = append(events, e) }})
	require.NoError(t, err)
	var phases, backups []string
	files := map[string]string{}
	for _, e := range events {
		switch e.Type {
		case bundle.EventPhase:
			phases = append(phases, e.Phase+" "+e.Status)
		case bundle.EventBackup:
			backups = append(backups, e.Path)
		case bundle.EventFile:
			files[e.Path] = sprintf("%s %s %d", e.Action, e.Rule, e.Bytes)
		}
	}
	require.Equal(t, []string{"plan started", "plan finished", "apply started", "apply finished"}, phases)
	require.ElementsMatch(t, []string{"a/x", "a/u"}, backups)
	require.Equal(t, map[string]string{"a/x": "change R107 2", "a/z": "add R112 3", "a/u": "delete R117 0"}, files,
		"one event per entry that changes the disk; a/y already holds its bytes")
}

// TestEventProgress: the progress fields say what the Event type documents.
func TestEventProgress(t *testing.T) {
	ctx := context.Background()
	dest := filepath.Join(t.TempDir(), "app")
	_, err := bundle.Deploy(ctx, spec{Files: map[string]string{"a/x": "X"}}.open(t), bundle.Options{Dest: dest, ID: 1})
	require.NoError(t, err)
	testtree.WriteFiles(t, dest, map[string]string{"a/x": "edited"})
	var events []bundle.Event
	_, err = bundle.Deploy(ctx, spec{Files: map[string]string{"a/x": "X2", "a/z": "Z"}}.open(t),
		bundle.Options{Dest: dest, ID: 2, Events: func(e bundle.Event) { events = append(events, e) }})
	require.NoError(t, err)
	for _, e := range events {
		if e.Type == bundle.EventPhase {
			continue
		}
		require.LessOrEqual(t, e.Done, e.Total, "%+v: Done counts the files of its phase", e)
		if e.Type == bundle.EventBackup {
			require.NotEmpty(t, e.Backup, "%+v: a backup event names the backup", e)
		}
		if e.Path == "a/x" && e.Type == bundle.EventFile {
			require.Equal(t, bundle.ActionChange, e.Action, "a changed file is reported as a change")
		}
	}
}

// TestPending: an operation left unfinished (a journal in the metadata folder,
// written here by hand) makes every planner refuse with ErrPending, and is
// recovered (here rolled back) by the next Deploy or Status.
func TestPending(t *testing.T) {
	ctx := context.Background()
	dest := filepath.Join(t.TempDir(), "app")
	b := spec{Files: map[string]string{"a.txt": "1"}}.open(t)
	_, err := bundle.Deploy(ctx, b, bundle.Options{Dest: dest, ID: 1})
	require.NoError(t, err)
	leave := func() {
		testtree.WriteFiles(t, dest, map[string]string{
			journal.Dir + "/journal":     `{"op":"begin","kind":"deploy","id":2}` + "\n" + `{"op":"create","path":"half.txt"}` + "\n",
			journal.Dir + "/trash/.keep": "",
			"half.txt":                   "written by the process that died",
		})
	}
	leave()
	_, err = bundle.PlanDeploy(ctx, b, bundle.Options{Dest: dest, ID: 2})
	require.ErrorIs(t, err, bundle.ErrPending)
	require.Equal(t, bundle.OutcomeNeedsRecovery, bundle.OutcomeOf(err), "the destination needs recovery (issue #11)")
	_, err = bundle.PlanRevert(ctx, b, bundle.Options{Dest: dest, ID: 2})
	require.ErrorIs(t, err, bundle.ErrPending)
	_, err = bundle.PlanPurge(ctx, dest, bundle.PurgeOptions{})
	require.ErrorIs(t, err, bundle.ErrPending)
	_, err = bundle.PlanAdopt(ctx, dest, bundle.AdoptOptions{ID: 2})
	require.ErrorIs(t, err, bundle.ErrPending)

	res, err := bundle.Deploy(ctx, b, bundle.Options{Dest: dest, ID: 2})
	require.NoError(t, err)
	require.Equal(t, bundle.RecoveredRolledBack, res.Recovered)
	require.NoFileExists(t, filepath.Join(dest, "half.txt"))
	require.NoDirExists(t, filepath.Join(dest, journal.Dir))

	leave()
	st, err := bundle.Status(ctx, dest)
	require.NoError(t, err)
	require.Equal(t, bundle.RecoveredRolledBack, st.Recovered)
	require.NoFileExists(t, filepath.Join(dest, "half.txt"))
	require.Equal(t, bundle.Drift{Changed: []string{}, Deleted: []string{}, Added: []string{}}, st.Drift)
}

// TestDifferencesJSON: empty categories are written as [] and {} so scripts can
// index them; a deployment that changes nothing reports Empty.
func TestDifferencesJSON(t *testing.T) {
	dest := filepath.Join(t.TempDir(), "app")
	b := spec{Files: map[string]string{"a.txt": "A"}}.open(t)
	res, err := bundle.Deploy(context.Background(), b, bundle.Options{Dest: dest, ID: 1})
	require.NoError(t, err)
	require.False(t, res.Differences.Empty())
	res, err = bundle.Deploy(context.Background(), b, bundle.Options{Dest: dest, ID: 2})
	require.NoError(t, err)
	require.True(t, res.Differences.Empty(), "R102: nothing to do")
	data, err := json.Marshal(res.Differences)
	require.NoError(t, err)
	require.JSONEq(t, `{"added":[],"deleted":[],"changed":[],"ignored":[],"backedUp":{},"restored":{},"realized":[],"errors":{},"modes":{},"cleaned":false}`, string(data))
}
