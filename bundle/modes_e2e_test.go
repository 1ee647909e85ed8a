//go:build unix

// Permission bits are decided on Unix only: Windows files have no Unix
// permission bits or owners to keep or apply (issue 11.6).

package bundle_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/bundle"
	"github.com/bundlekit/bundlekit/internal/journal"
	"github.com/bundlekit/bundlekit/internal/metadata"
	"github.com/bundlekit/bundlekit/internal/testtree"
)

// modesBundle opens a bundle of raw files (path → content) whose files have
// the given permission bits (0644 when not named).
func modesBundle(t *testing.T, version string, files map[string]string, modes map[string]fs.FileMode) *bundle.Bundle {
	t.Helper()
	dir := t.TempDir()
	testtree.WriteFiles(t, dir, spec{Version: version, Files: files}.tree())
	for name, mode := range modes {
		require.NoError(t, os.Chmod(filepath.Join(dir, filepath.FromSlash(name)), mode))
	}
	b, err := bundle.Open(context.Background(), dir)
	require.NoError(t, err)
	t.Cleanup(func() { b.Close() })
	return b
}

func modeOf(t *testing.T, dest, name string) fs.FileMode {
	t.Helper()
	fi, err := os.Stat(filepath.Join(dest, filepath.FromSlash(name)))
	require.NoError(t, err)
	return fi.Mode().Perm()
}

func chmodIn(t *testing.T, dest, name string, mode fs.FileMode) {
	t.Helper()
	require.NoError(t, os.Chmod(filepath.Join(dest, filepath.FromSlash(name)), mode))
}

// readModes reads the record of permissions of deployment id.
func readModes(t *testing.T, dest string, id int) metadata.Modes {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dest, filepath.FromSlash(metadata.ModesPath(int32(id)))))
	require.NoError(t, err)
	m, err := metadata.DecodeModes(bytes.NewReader(data))
	require.NoError(t, err)
	return m
}

// recordedBits is a record of permissions without its owners.
func recordedBits(m metadata.Modes) map[string]fs.FileMode {
	out := map[string]fs.FileMode{}
	for k, p := range m {
		out[k] = p.Mode
	}
	return out
}

// fileEvents collects the file events of an operation.
type fileEvents []bundle.Event

func (f *fileEvents) record(e bundle.Event) {
	if e.Type == bundle.EventFile {
		*f = append(*f, e)
	}
}

// TestModesBundlekitMade is issue 11.6 on a destination bundlekit deployed: the
// operator narrows a secret to 0600, v2 changes its content and it stays
// 0600, the plan saying so; v2 makes bin/run.sh executable without changing
// its bytes, and it becomes 0755, as a mode change of its own; a revert to v1
// gives back v1's bits where the operator did not change them, and a backup
// restored keeps the bits it was saved with (R131).
func TestModesBundlekitMade(t *testing.T) {
	ctx := context.Background()
	dest := filepath.Join(t.TempDir(), "app")
	v1 := modesBundle(t, "1", map[string]string{
		"conf/secret.properties": "password=one\n", "bin/run.sh": "#!/bin/sh\n", "conf/app.conf": "v1\n",
	}, nil)
	_, err := bundle.Deploy(ctx, v1, bundle.Options{Dest: dest, ID: 1})
	require.NoError(t, err)
	rec := readModes(t, dest, 1)
	require.Equal(t, map[string]fs.FileMode{"conf/secret.properties": 0o644, "bin/run.sh": 0o644, "conf/app.conf": 0o644}, recordedBits(rec))
	uid, gid := uint32(os.Getuid()), uint32(os.Getgid())
	require.Equal(t, metadata.Perm{Mode: 0o644, HasOwner: true, UID: uid, GID: gid}, rec["bin/run.sh"], "the owner is recorded")

	// The operator narrows the secret, and edits and narrows app.conf.
	chmodIn(t, dest, "conf/secret.properties", 0o600)
	testtree.WriteFiles(t, dest, map[string]string{"conf/app.conf": "edited\n"})
	chmodIn(t, dest, "conf/app.conf", 0o640)

	v2 := modesBundle(t, "2", map[string]string{
		"conf/secret.properties": "password=two\n", "bin/run.sh": "#!/bin/sh\n", "conf/app.conf": "v2\n",
	}, map[string]fs.FileMode{"bin/run.sh": 0o755})
	var events fileEvents
	plan, res := dryThenApply(t, v2, bundle.Options{Dest: dest, ID: 2, Events: events.record})

	secret := planEntry(plan, "conf/secret.properties")
	require.Equal(t, bundle.ActionChange, secret.Action, "R103")
	require.Equal(t, &bundle.ModeChange{From: 0o600, To: 0o600, Bundle: 0o644, Kept: true}, secret.Mode)
	run := planEntry(plan, "bin/run.sh")
	require.Equal(t, bundle.ActionMode, run.Action)
	require.Equal(t, "R101", run.Rule)
	require.Equal(t, &bundle.ModeChange{From: 0o644, To: 0o755, Bundle: 0o755}, run.Mode)
	conf := planEntry(plan, "conf/app.conf")
	require.Equal(t, bundle.ActionChange, conf.Action, "R107")
	require.Equal(t, &bundle.ModeChange{From: 0o640, To: 0o640, Bundle: 0o644, Kept: true}, conf.Mode)

	require.Equal(t, map[string]bundle.ModeChange{
		"conf/secret.properties": *secret.Mode, "bin/run.sh": *run.Mode, "conf/app.conf": *conf.Mode,
	}, res.Differences.Modes)
	require.Equal(t, []string{"conf/app.conf", "conf/secret.properties"}, res.Differences.Changed, "a mode change is not a content change")
	var runEvents []string
	for _, e := range events {
		if e.Path == "bin/run.sh" {
			runEvents = append(runEvents, string(e.Action)+" "+e.Rule)
		}
	}
	require.Equal(t, []string{"mode R101"}, runEvents, "one file event for the mode change")
	data, err := json.Marshal(plan)
	require.NoError(t, err)
	require.Contains(t, string(data), `"path":"bin/run.sh","previous":"`)
	require.Contains(t, string(data), `"action":"mode","rule":"R101","mode":{"from":"0644","to":"0755","bundle":"0755"}`)
	require.Contains(t, string(data), `"mode":{"from":"0600","to":"0600","bundle":"0644","kept":true}`)
	data, err = json.Marshal(res.Differences)
	require.NoError(t, err)
	require.Contains(t, string(data), `"modes":{"bin/run.sh":{"from":"0644","to":"0755","bundle":"0755"},`)

	require.Equal(t, fs.FileMode(0o600), modeOf(t, dest, "conf/secret.properties"))
	require.Equal(t, "password=two\n", readFile(t, filepath.Join(dest, "conf/secret.properties")))
	require.Equal(t, fs.FileMode(0o755), modeOf(t, dest, "bin/run.sh"))
	require.Equal(t, fs.FileMode(0o640), modeOf(t, dest, "conf/app.conf"))
	require.Equal(t, fs.FileMode(0o640), modeOf(t, dest, ".rhqdeployments/2/backup/conf/app.conf"), "a backup keeps the original's bits")
	// The bundle's bits are recorded for the files whose bits were kept, so
	// that the next deployment still sees the operator's change.
	require.Equal(t, map[string]fs.FileMode{"conf/secret.properties": 0o644, "bin/run.sh": 0o755, "conf/app.conf": 0o644},
		recordedBits(readModes(t, dest, 2)))

	// v3 changes the secret again: it stays 0600.
	v3 := modesBundle(t, "3", map[string]string{
		"conf/secret.properties": "password=three\n", "bin/run.sh": "#!/bin/sh\n", "conf/app.conf": "v2\n",
	}, map[string]fs.FileMode{"bin/run.sh": 0o755})
	plan, _ = dryThenApply(t, v3, bundle.Options{Dest: dest, ID: 3})
	require.True(t, planEntry(plan, "conf/secret.properties").Mode.Kept)
	require.Nil(t, planEntry(plan, "bin/run.sh").Mode, "nothing to say")
	require.Equal(t, bundle.ActionUnchanged, planEntry(plan, "bin/run.sh").Action)
	require.Equal(t, fs.FileMode(0o600), modeOf(t, dest, "conf/secret.properties"))

	// A revert to v1 (R130) writes v1's bits where the operator left the
	// bits alone, as deployment 1 recorded them.
	plan, res = dryThenApplyFn(t, dest, func(ctx context.Context) (*bundle.Plan, error) {
		return bundle.PlanRevert(ctx, v1, bundle.Options{Dest: dest, ID: 4})
	})
	require.Equal(t, bundle.ActionMode, planEntry(plan, "bin/run.sh").Action)
	require.Equal(t, fs.FileMode(0o644), modeOf(t, dest, "bin/run.sh"))
	require.Equal(t, fs.FileMode(0o600), modeOf(t, dest, "conf/secret.properties"), "never widened")
	require.Equal(t, "password=one\n", readFile(t, filepath.Join(dest, "conf/secret.properties")))
	require.Equal(t, recordedBits(readModes(t, dest, 1)), recordedBits(readModes(t, dest, 4)), "as deployment 1 recorded them")
	require.Empty(t, res.Differences.Restored, "deployment 3 backed nothing up")
	require.Equal(t, fs.FileMode(0o640), modeOf(t, dest, "conf/app.conf"))
}

// TestModesRecordSameAsPrevious: a redeployment that records the same
// permissions (the operator's bits are kept, not recorded) writes the current
// record's file again; one whose bundle changes a file's bits records them,
// and one that writes a file records its owner (issue 11.6).
func TestModesRecordSameAsPrevious(t *testing.T) {
	ctx := context.Background()
	dest := filepath.Join(t.TempDir(), "app")
	raw := func(id int) string {
		return readFile(t, filepath.Join(dest, filepath.FromSlash(metadata.ModesPath(int32(id)))))
	}
	files := map[string]string{"bin/run.sh": "#!/bin/sh\n", "conf/app.conf": "v1\n", "conf/secret.properties": "password=one\n"}
	v1 := modesBundle(t, "1", files, nil)
	_, err := bundle.Deploy(ctx, v1, bundle.Options{Dest: dest, ID: 1})
	require.NoError(t, err)
	chmodIn(t, dest, "conf/secret.properties", 0o600) // the operator's bits are kept, not recorded
	_, err = bundle.Deploy(ctx, v1, bundle.Options{Dest: dest, ID: 2})
	require.NoError(t, err)
	require.Equal(t, raw(1), raw(2))
	require.Equal(t, fs.FileMode(0o644), readModes(t, dest, 2)["conf/secret.properties"].Mode)

	v2 := modesBundle(t, "2", files, map[string]fs.FileMode{"bin/run.sh": 0o755})
	_, err = bundle.Deploy(ctx, v2, bundle.Options{Dest: dest, ID: 3})
	require.NoError(t, err)
	require.Equal(t, map[string]fs.FileMode{"bin/run.sh": 0o755, "conf/app.conf": 0o644, "conf/secret.properties": 0o644},
		recordedBits(readModes(t, dest, 3)))
	require.Equal(t, fs.FileMode(0o600), modeOf(t, dest, "conf/secret.properties"))

	// A deployment that writes a file records the owner it has on disk
	// (the same here): the record is the same.
	files["conf/app.conf"] = "v3\n"
	v3 := modesBundle(t, "3", files, map[string]fs.FileMode{"bin/run.sh": 0o755})
	_, err = bundle.Deploy(ctx, v3, bundle.Options{Dest: dest, ID: 4})
	require.NoError(t, err)
	rec := readModes(t, dest, 4)
	require.True(t, rec["conf/app.conf"].HasOwner, "the owner of the file written is recorded")
	require.Equal(t, readModes(t, dest, 3), rec)
}

// TestModesRevertRestoresBackup: a revert restores what the reverted
// deployment backed up with the bits it was saved with (R131), and records no
// bits for it: the next deployment treats them as the operator's.
func TestModesRevertRestoresBackup(t *testing.T) {
	ctx := context.Background()
	dest := filepath.Join(t.TempDir(), "app")
	v1 := modesBundle(t, "1", map[string]string{"conf/app.conf": "v1\n"}, nil)
	_, err := bundle.Deploy(ctx, v1, bundle.Options{Dest: dest, ID: 1})
	require.NoError(t, err)
	testtree.WriteFiles(t, dest, map[string]string{"conf/app.conf": "edited\n"})
	chmodIn(t, dest, "conf/app.conf", 0o640)
	v2 := modesBundle(t, "2", map[string]string{"conf/app.conf": "v2\n"}, map[string]fs.FileMode{"conf/app.conf": 0o604})
	_, err = bundle.Deploy(ctx, v2, bundle.Options{Dest: dest, ID: 2})
	require.NoError(t, err)
	require.Equal(t, fs.FileMode(0o640), modeOf(t, dest, "conf/app.conf"), "R107: written, the operator's bits kept")

	chmodIn(t, dest, "conf/app.conf", 0o600)
	_, res := dryThenApplyFn(t, dest, func(ctx context.Context) (*bundle.Plan, error) {
		return bundle.PlanRevert(ctx, v1, bundle.Options{Dest: dest, ID: 3})
	})
	require.Contains(t, res.Differences.Restored, "conf/app.conf")
	require.Equal(t, "edited\n", readFile(t, filepath.Join(dest, "conf/app.conf")))
	require.Equal(t, fs.FileMode(0o640), modeOf(t, dest, "conf/app.conf"), "R131: restored as it was saved")
	require.NotContains(t, readModes(t, dest, 3), "conf/app.conf")

	plan, _ := dryThenApply(t, v2, bundle.Options{Dest: dest, ID: 4})
	require.Equal(t, &bundle.ModeChange{From: 0o640, To: 0o640, Bundle: 0o604, Kept: true}, planEntry(plan, "conf/app.conf").Mode)
}

// TestModesRHQMade is issue 11.6 on a destination RHQ deployed: no record of
// permissions, so the previous bits are what RHQ gave the files it wrote,
// 0644 (R101). A file the operator narrowed keeps its bits; one nobody
// touched gets the bundle's. RHQ's own metadata is as RHQ writes it, and the
// record of permissions is bundlekit's own file beside it.
func TestModesRHQMade(t *testing.T) {
	dest := filepath.Join(t.TempDir(), "app")
	testtree.WriteFiles(t, dest, map[string]string{
		"conf/secret.properties": "password=rhq\n",
		"bin/run.sh":             "#!/bin/sh\n",
		"lib/x.jar":              "x",
		".rhqdeployments/current-deployment.properties": rhqProps,
		".rhqdeployments/7/deployment.properties":       rhqProps,
		".rhqdeployments/7/file-hashcodes.dat": "bin/run.sh\t" + md5hex("#!/bin/sh\n") + "\n" +
			"conf/secret.properties\t" + md5hex("password=rhq\n") + "\n" + "lib/x.jar\t" + md5hex("x") + "\n",
	})
	chmodIn(t, dest, "conf/secret.properties", 0o600)

	v1 := modesBundle(t, "1.0", map[string]string{
		"conf/secret.properties": "password=new\n", "bin/run.sh": "#!/bin/sh\n", "lib/x.jar": "x",
	}, map[string]fs.FileMode{"bin/run.sh": 0o755, "lib/x.jar": 0o640})
	plan, res := dryThenApply(t, v1, bundle.Options{Dest: dest, ID: 8})
	require.Equal(t, 7, *plan.Previous)
	require.Equal(t, map[string]bundle.ModeChange{
		"conf/secret.properties": {From: 0o600, To: 0o600, Bundle: 0o644, Kept: true},
		"bin/run.sh":             {From: 0o644, To: 0o755, Bundle: 0o755},
		"lib/x.jar":              {From: 0o644, To: 0o640, Bundle: 0o640},
	}, res.Differences.Modes)
	require.Equal(t, bundle.ActionMode, planEntry(plan, "bin/run.sh").Action)
	require.Equal(t, fs.FileMode(0o600), modeOf(t, dest, "conf/secret.properties"))
	require.Equal(t, "password=new\n", readFile(t, filepath.Join(dest, "conf/secret.properties")))
	require.Equal(t, fs.FileMode(0o755), modeOf(t, dest, "bin/run.sh"))
	require.Equal(t, fs.FileMode(0o640), modeOf(t, dest, "lib/x.jar"))

	entries, err := os.ReadDir(filepath.Join(dest, ".rhqdeployments/8"))
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	require.Equal(t, []string{".bundlekit-deployment", ".bundlekit-modes", ".bundlekit-sha256", "deployment.properties", "file-hashcodes.dat", "previous-deployment.properties"}, names)
	require.Equal(t, "bin/run.sh\t"+md5hex("#!/bin/sh\n")+"\nconf/secret.properties\t"+md5hex("password=new\n")+"\nlib/x.jar\t"+md5hex("x")+"\n",
		readFile(t, filepath.Join(dest, ".rhqdeployments/8/file-hashcodes.dat")), "R17: RHQ's format, nothing added")
	require.Equal(t, rhqProps, readFile(t, filepath.Join(dest, ".rhqdeployments/8/previous-deployment.properties")), "R29")
	require.Equal(t, map[string]fs.FileMode{"conf/secret.properties": 0o644, "bin/run.sh": 0o755, "lib/x.jar": 0o640},
		recordedBits(readModes(t, dest, 8)))
}

// TestModesAbortDuringChmod: an operation that fails after a mode change
// puts the old bits back (issue 11.6, R184 GO); the kill test (TestKill) does
// the same for a process killed at the mode change's record.
func TestModesAbortDuringChmod(t *testing.T) {
	dest := filepath.Join(t.TempDir(), "app")
	files := map[string]string{"bin/run.sh": "#!/bin/sh\n", "bin/other.sh": "#!/bin/sh\necho\n"}
	_, err := bundle.Deploy(context.Background(), modesBundle(t, "1", files, nil), bundle.Options{Dest: dest, ID: 1})
	require.NoError(t, err)
	before := testtree.Snapshot(t, dest)

	v2 := modesBundle(t, "2", files, map[string]fs.FileMode{"bin/run.sh": 0o755, "bin/other.sh": 0o700})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	chmods := 0
	bundle.SetTestHook(func(int) {
		data, err := os.ReadFile(filepath.Join(dest, filepath.FromSlash(journal.Dir), "journal"))
		require.NoError(t, err)
		lines := strings.Split(strings.TrimSpace(string(data)), "\n")
		if strings.Contains(lines[len(lines)-1], `"op":"chmod"`) {
			chmods++
		}
		if chmods == 2 {
			// The second mode change is recorded; the first one is made.
			require.Equal(t, fs.FileMode(0o700), modeOf(t, dest, "bin/other.sh"))
			cancel()
		}
	})
	defer bundle.SetTestHook(nil)
	_, err = bundle.Deploy(ctx, v2, bundle.Options{Dest: dest, ID: 2})
	require.ErrorIs(t, err, context.Canceled)
	require.Equal(t, 2, chmods)
	requireUnchanged(t, before, dest)
	require.Equal(t, fs.FileMode(0o644), modeOf(t, dest, "bin/other.sh"))
}
