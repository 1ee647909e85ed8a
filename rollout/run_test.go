package rollout

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/bundle"
	"github.com/bundlekit/bundlekit/internal/testbundle"
)

// tgt is a target of a test descriptor.
type tgt struct {
	name     string
	priority int
	props    string // JSON members of its properties, after "port": 1
	groups   string // a JSON list
	more     string // more JSON members
}

// descriptor writes a descriptor for bundleDir with targets under dir/dest
// and returns it loaded.
func descriptor(t *testing.T, dir, bundleDir string, policy string, targets ...tgt) *Descriptor {
	t.Helper()
	var ts []string
	for _, x := range targets {
		groups := x.groups
		if groups == "" {
			groups = "[]"
		}
		props := `"port": 1`
		switch {
		case strings.Contains(x.props, `"port"`):
			props = x.props
		case x.props != "":
			props += ", " + x.props
		}
		more := ""
		if x.more != "" {
			more = ", " + x.more
		}
		ts = append(ts, fmt.Sprintf(`{"name": %q, "dest": "dest/%s", "priority": %d, "groups": %s, "properties": {%s}%s}`,
			x.name, x.name, x.priority, groups, props, more))
	}
	if policy != "" {
		policy += ", "
	}
	doc := fmt.Sprintf(`{"bundle": %q, %s"targets": [%s]}`, bundleDir, policy, strings.Join(ts, ",\n"))
	path := filepath.Join(dir, "rollout.json")
	require.NoError(t, os.WriteFile(path, []byte(doc), 0o644))
	d, err := Load(path)
	require.NoError(t, err)
	return d
}

// outcomes maps each target to its outcome.
func outcomes(res *Result) map[string]Outcome {
	out := map[string]Outcome{}
	for _, r := range res.Targets {
		out[r.Name] = r.Outcome
	}
	return out
}

func names(rs []*TargetResult) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Name)
	}
	return out
}

// Targets start by priority, higher first, ties in file order; Result lists
// them in that order.
func TestOrderByPriority(t *testing.T) {
	dir := t.TempDir()
	b := testbundle.App(t, filepath.Join(dir, "b"), "1", "")
	d := descriptor(t, dir, b, "", tgt{name: "low", priority: -5}, tgt{name: "mid1"}, tgt{name: "high", priority: 7},
		tgt{name: "mid2"}, tgt{name: "higher", priority: 100}, tgt{name: "mid3"})
	var started []string
	res, err := Run(t.Context(), d, Options{Started: func(t *Target) { started = append(started, t.Name) }})
	require.NoError(t, err)
	want := []string{"higher", "high", "mid1", "mid2", "mid3", "low"}
	require.Equal(t, want, started)
	require.Equal(t, want, names(res.Targets))
	require.True(t, res.OK())
	for _, r := range res.Targets {
		require.Equal(t, OutcomeSucceeded, r.Outcome, r.Name)
		require.Equal(t, 1, *r.DeploymentID)
		require.Equal(t, &Summary{Added: 1}, r.Differences)
		require.Contains(t, r.Plan, "initial deployment of App 1 to "+filepath.Join(dir, "dest", r.Name))
	}
	conf, err := os.ReadFile(filepath.Join(dir, "dest", "low", "app.conf"))
	require.NoError(t, err)
	require.Equal(t, "version 1\nport 1\n", string(conf))
}

// A failing target in the middle: in mode abort the targets after it are
// aborted and never touched; in mode continue they run.
func TestSequence(t *testing.T) {
	for _, tt := range []struct {
		seq  Sequence
		want map[string]Outcome
	}{
		{SequenceAbort, map[string]Outcome{"a": OutcomeSucceeded, "b": OutcomeSucceeded, "c": OutcomeFailed, "d": OutcomeAborted, "e": OutcomeAborted}},
		{SequenceContinue, map[string]Outcome{"a": OutcomeSucceeded, "b": OutcomeSucceeded, "c": OutcomeFailed, "d": OutcomeSucceeded, "e": OutcomeSucceeded}},
	} {
		t.Run(string(tt.seq), func(t *testing.T) {
			dir := t.TempDir()
			b := testbundle.App(t, filepath.Join(dir, "b"), "1", "")
			d := descriptor(t, dir, b, fmt.Sprintf(`"sequence": %q`, tt.seq),
				tgt{name: "a"}, tgt{name: "b"}, tgt{name: "c", props: `"fail.me": true`}, tgt{name: "d"}, tgt{name: "e"})
			var ended []string
			res, err := Run(t.Context(), d, Options{Ended: func(r *TargetResult) { ended = append(ended, r.Name) }})
			require.NoError(t, err)
			require.Equal(t, tt.want, outcomes(res))
			require.Equal(t, []string{"a", "b", "c", "d", "e"}, ended)
			require.False(t, res.OK())
			c := res.Targets[2]
			require.Contains(t, c.Error, "told to fail")
			require.Equal(t, bundle.OutcomeRolledBack, c.Operation)
			require.NoDirExists(t, filepath.Join(dir, "dest", "c", ".rhqdeployments"))
			for _, r := range res.Targets[3:] {
				if r.Outcome == OutcomeAborted {
					require.Equal(t, `not started: target "c" failed and the sequence mode is abort`, r.Reason)
					require.False(t, r.Ran())
					require.NoDirExists(t, filepath.Join(dir, "dest", r.Name))
				}
			}
			require.Equal(t, len(tt.want)-res.Count(OutcomeAborted), countRan(res))
		})
	}
}

func countRan(res *Result) int {
	n := 0
	for _, r := range res.Targets {
		if r.Ran() {
			n++
		}
	}
	return n
}

// An invalid property value fails the target (the deployment was tried);
// a destination the deployer cannot get at, or one another deployer holds,
// is an error (it could not try); in mode abort either stops the rollout.
func TestFailedAndError(t *testing.T) {
	dir := t.TempDir()
	b := testbundle.App(t, filepath.Join(dir, "b"), "1", "")
	d := descriptor(t, dir, b, `"sequence": "continue"`,
		tgt{name: "ok"}, tgt{name: "badport", props: `"port": "eighty"`}, tgt{name: "blocked"}, tgt{name: "locked"})
	// blocked's destination is below a file.
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "dest"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "dest", "blocked"), []byte("a file"), 0o644))
	// Another deployer holds locked's destination: a recipe waiting in its
	// preinstall target.
	release := holdLock(t, filepath.Join(dir, "dest", "locked"))
	defer release()

	res, err := Run(t.Context(), d, Options{})
	require.NoError(t, err)
	require.Equal(t, map[string]Outcome{"ok": OutcomeSucceeded, "badport": OutcomeFailed, "blocked": OutcomeError, "locked": OutcomeError}, outcomes(res))
	require.Contains(t, res.Targets[1].Error, "eighty")
	require.Contains(t, res.Targets[2].Error, "not a directory")
	require.Contains(t, res.Targets[3].Error, "locked by another deployer")
}

// holdLock deploys to dest in the background with a preinstall target that
// waits, so that the destination's lock is held until release is called.
func holdLock(t *testing.T, dest string) (release func()) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the waiting recipe needs /bin/sh")
	}
	dir := t.TempDir()
	started, gate := filepath.Join(dir, "started"), filepath.Join(dir, "go")
	b, err := bundle.Open(t.Context(), testbundle.App(t, filepath.Join(dir, "slow"), "0", waitFor(started, gate)))
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() {
		_, err := bundle.Deploy(context.Background(), b, bundle.Options{Dest: dest, Properties: map[string]string{"port": "0"}, HoldLock: true})
		done <- err
	}()
	waitExists(t, started)
	return func() {
		require.NoError(t, os.WriteFile(gate, nil, 0o644))
		require.NoError(t, <-done)
		b.Close()
	}
}

// waitFor is a preinstall task that creates started, then waits (at most a
// minute) for gate to exist.
func waitFor(started, gate string) string {
	return fmt.Sprintf(`<exec executable="/bin/sh" failonerror="true" timeout="60000">
      <arg value="-c"/>
      <arg value="touch '%s'; while [ ! -e '%s' ]; do sleep 0.02; done"/>
    </exec>`, started, gate)
}

func waitExists(t *testing.T, path string) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if _, err := os.Stat(path); err == nil {
			return
		}
	}
	t.Fatalf("%s did not appear within a minute", path)
}

// Never more than Parallelism targets run at once, and Parallelism do: each
// target's preinstall target waits until par targets have reached it (a
// barrier), so a rollout that ran fewer at once would never pass it, and the
// count of running targets comes from the engine's own events.
func TestParallelism(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the barrier needs /bin/sh")
	}
	for _, par := range []int{1, 3} {
		t.Run(fmt.Sprint(par), func(t *testing.T) {
			dir := t.TempDir()
			barrier := filepath.Join(dir, "barrier")
			require.NoError(t, os.MkdirAll(barrier, 0o755))
			pre := fmt.Sprintf(`<exec executable="/bin/sh" failonerror="true" timeout="60000">
      <arg value="-c"/>
      <arg value="touch '%s'/$(basename '${rhq.deploy.dir}'); while [ $(ls '%s' | wc -l) -lt %d ]; do sleep 0.02; done; sleep 0.1"/>
    </exec>`, barrier, barrier, par)
			b := testbundle.App(t, filepath.Join(dir, "b"), "1", pre)
			var targets []tgt
			for i := range 7 {
				targets = append(targets, tgt{name: fmt.Sprintf("t%d", i)})
			}
			d := descriptor(t, dir, b, fmt.Sprintf(`"parallelism": %d`, par), targets...)
			var running, most atomic.Int32
			var seen sync.Map
			res, err := Run(t.Context(), d, Options{
				Events: func(t *Target, e bundle.Event) {
					if _, again := seen.LoadOrStore(t.Name, true); again {
						return
					}
					n := running.Add(1)
					for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
					}
				},
				Ended: func(r *TargetResult) { running.Add(-1) },
			})
			require.NoError(t, err)
			for _, r := range res.Targets {
				require.Equal(t, OutcomeSucceeded, r.Outcome, "%s: %s", r.Name, r.Error)
			}
			require.Equal(t, int32(par), most.Load())
		})
	}
}

// A target that already holds the bundle is unchanged: not applied, no new
// deployment id, even with a local edit the plan keeps; one whose file was
// removed is deployed again.
func TestUnchanged(t *testing.T) {
	dir := t.TempDir()
	b := testbundle.App(t, filepath.Join(dir, "b"), "1", "")
	d := descriptor(t, dir, b, "", tgt{name: "a"}, tgt{name: "b"})
	_, err := Run(t.Context(), d, Options{})
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "dest", "a", "app.conf"), []byte("edited"), 0o644))
	require.NoError(t, os.Remove(filepath.Join(dir, "dest", "b", "app.conf")))

	res, err := Run(t.Context(), d, Options{})
	require.NoError(t, err)
	require.Equal(t, map[string]Outcome{"a": OutcomeUnchanged, "b": OutcomeSucceeded}, outcomes(res))
	require.Equal(t, 1, *res.Targets[0].DeploymentID)
	require.Equal(t, "already deployed: App 1 is deployment 1 there, and the plan changes nothing", res.Targets[0].Reason)
	require.Equal(t, &Summary{Kept: 1}, res.Targets[0].Differences)
	require.Equal(t, &Summary{Added: 1}, res.Targets[1].Differences)
	require.Equal(t, 2, *res.Targets[1].DeploymentID)
	require.NoDirExists(t, filepath.Join(dir, "dest", "a", ".rhqdeployments", "2"))
	require.True(t, res.OK())

	// Another version of the same content is a new deployment.
	testbundle.App(t, b, "2", "")
	require.NoError(t, os.WriteFile(filepath.Join(b, "app.conf"), []byte("version 1\nport @@port@@\n"), 0o644))
	res, err = Run(t.Context(), d, Options{})
	require.NoError(t, err)
	require.Equal(t, map[string]Outcome{"a": OutcomeSucceeded, "b": OutcomeSucceeded}, outcomes(res))
}

// A dry run plans every target, whatever fails, and changes nothing.
func TestDryRun(t *testing.T) {
	dir := t.TempDir()
	b := testbundle.App(t, filepath.Join(dir, "b"), "1", "")
	d := descriptor(t, dir, b, "", tgt{name: "a"}, tgt{name: "bad", props: `"port": "x"`}, tgt{name: "c", priority: -1})
	state := StateFile(d.File)
	res, err := Run(t.Context(), d, Options{DryRun: true, StateFile: state})
	require.NoError(t, err)
	require.True(t, res.DryRun)
	require.Equal(t, map[string]Outcome{"a": OutcomeSucceeded, "bad": OutcomeFailed, "c": OutcomeSucceeded}, outcomes(res))
	require.Equal(t, "initial deployment of App 1 to "+filepath.Join(dir, "dest", "a")+" (deployment 1, compliance full)", res.Targets[0].Plan)
	require.Equal(t, &Summary{Added: 1}, res.Targets[0].Differences)
	require.NoDirExists(t, filepath.Join(dir, "dest"))
	require.NoFileExists(t, state)
}

// The state file: a rerun skips what succeeded, runs what did not start,
// and retries what failed only when asked.
func TestResume(t *testing.T) {
	dir := t.TempDir()
	b := testbundle.App(t, filepath.Join(dir, "b"), "1", "")
	d := descriptor(t, dir, b, "", tgt{name: "a", priority: 2}, tgt{name: "blocked", priority: 1}, tgt{name: "c"})
	stateFile := StateFile(d.File)
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "dest"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "dest", "blocked"), []byte("a file"), 0o644))

	res, err := Run(t.Context(), d, Options{StateFile: stateFile})
	require.NoError(t, err)
	require.Equal(t, map[string]Outcome{"a": OutcomeSucceeded, "blocked": OutcomeError, "c": OutcomeAborted}, outcomes(res))
	var st state
	data, err := os.ReadFile(stateFile)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &st))
	require.Equal(t, OutcomeAborted, st.Targets["c"].Outcome)
	require.Equal(t, res.BundleID, st.Bundle)

	// The error is still there: without RetryFailed blocked keeps its
	// outcome, and in mode abort keeps c from starting.
	res, err = Run(t.Context(), d, Options{StateFile: stateFile})
	require.NoError(t, err)
	require.Equal(t, map[string]Outcome{"a": OutcomeSucceeded, "blocked": OutcomeError, "c": OutcomeAborted}, outcomes(res))
	require.True(t, res.Targets[0].Skipped)
	require.True(t, res.Targets[1].Skipped)
	require.Contains(t, res.Targets[1].Reason, "--retry-failed runs it again")
	require.Contains(t, res.Targets[1].Error, "not a directory")
	require.Zero(t, countRan(res))

	// Fixed, and retried: a is still skipped.
	require.NoError(t, os.Remove(filepath.Join(dir, "dest", "blocked")))
	var ran []string
	res, err = Run(t.Context(), d, Options{StateFile: stateFile, RetryFailed: true, Started: func(t *Target) { ran = append(ran, t.Name) }})
	require.NoError(t, err)
	require.Equal(t, map[string]Outcome{"a": OutcomeSucceeded, "blocked": OutcomeSucceeded, "c": OutcomeSucceeded}, outcomes(res))
	require.Equal(t, []string{"blocked", "c"}, ran)
	require.True(t, res.Targets[0].Skipped)
	require.Equal(t, 1, *res.Targets[0].DeploymentID)

	// A target whose properties changed runs again; another bundle is
	// another rollout.
	d.Targets[0].props["port"] = "2"
	ran = nil
	_, err = Run(t.Context(), d, Options{StateFile: stateFile, Started: func(t *Target) { ran = append(ran, t.Name) }})
	require.NoError(t, err)
	require.Equal(t, []string{"a"}, ran)
	testbundle.App(t, b, "2", "")
	ran = nil
	_, err = Run(t.Context(), d, Options{StateFile: stateFile, Started: func(t *Target) { ran = append(ran, t.Name) }})
	require.NoError(t, err)
	require.Equal(t, []string{"a", "blocked", "c"}, ran)

	// A damaged state file is refused, not forgotten.
	require.NoError(t, os.WriteFile(stateFile, []byte("{"), 0o644))
	_, err = Run(t.Context(), d, Options{StateFile: stateFile})
	var se *StateError
	require.ErrorAs(t, err, &se)
	require.Contains(t, err.Error(), "remove it to start the rollout afresh")
}

// Stop: no new target starts, the running one finishes, the rest are
// aborted as interrupted; a rerun runs them.
func TestStop(t *testing.T) {
	dir := t.TempDir()
	b := testbundle.App(t, filepath.Join(dir, "b"), "1", "")
	d := descriptor(t, dir, b, "", tgt{name: "a"}, tgt{name: "b"}, tgt{name: "c"})
	state := StateFile(d.File)
	stop := make(chan struct{})
	res, err := Run(t.Context(), d, Options{StateFile: state, Stop: stop, Started: func(t *Target) { close(stop) }})
	require.NoError(t, err)
	require.Equal(t, map[string]Outcome{"a": OutcomeSucceeded, "b": OutcomeAborted, "c": OutcomeAborted}, outcomes(res))
	require.True(t, res.Targets[1].Interrupted)
	require.Equal(t, "not started: the rollout was stopped", res.Targets[1].Reason)
	require.True(t, res.Unfinished)

	var ran []string
	res, err = Run(t.Context(), d, Options{StateFile: state, Started: func(t *Target) { ran = append(ran, t.Name) }})
	require.NoError(t, err)
	require.Equal(t, []string{"b", "c"}, ran)
	require.True(t, res.OK())
	require.False(t, res.Unfinished)
}

// Cancelling the context cancels the running operation: the engine undoes
// it, and the target is aborted (interrupted), not failed.
func TestCancel(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the waiting recipe needs /bin/sh")
	}
	dir := t.TempDir()
	started := filepath.Join(dir, "started")
	b := testbundle.App(t, filepath.Join(dir, "b"), "1", waitFor(started, filepath.Join(dir, "never")))
	d := descriptor(t, dir, b, "", tgt{name: "a"}, tgt{name: "b"})
	ctx, cancel := context.WithCancel(t.Context())
	go func() { waitExists(t, started); cancel() }()
	res, err := Run(ctx, d, Options{})
	require.NoError(t, err)
	require.Equal(t, map[string]Outcome{"a": OutcomeAborted, "b": OutcomeAborted}, outcomes(res))
	require.True(t, res.Targets[0].Ran())
	require.True(t, res.Targets[0].Interrupted)
	require.False(t, res.Targets[1].Ran())
	require.NoDirExists(t, filepath.Join(dir, "dest", "a", ".rhqdeployments"))
}

// Revert and purge over a descriptor: every target goes back to the
// descriptor's bundle, then is purged; a second purge has nothing to do.
func TestRevertAndPurge(t *testing.T) {
	dir := t.TempDir()
	v1 := testbundle.App(t, filepath.Join(dir, "v1"), "1", "")
	v2 := testbundle.App(t, filepath.Join(dir, "v2"), "2", "")
	targets := []tgt{{name: "a"}, {name: "b"}}
	_, err := Run(t.Context(), descriptor(t, dir, v1, `"parallelism": 2`, targets...), Options{})
	require.NoError(t, err)
	res, err := Run(t.Context(), descriptor(t, dir, v2, `"parallelism": 2`, targets...), Options{})
	require.NoError(t, err)
	require.True(t, res.OK())
	d := descriptor(t, dir, v1, `"parallelism": 2`, targets...)
	res, err = Run(t.Context(), d, Options{Operation: OpRevert})
	require.NoError(t, err)
	require.Equal(t, map[string]Outcome{"a": OutcomeSucceeded, "b": OutcomeSucceeded}, outcomes(res))
	require.Equal(t, 3, *res.Targets[0].DeploymentID)
	require.Contains(t, res.Targets[0].Plan, "revert of App 1")
	conf, err := os.ReadFile(filepath.Join(dir, "dest", "a", "app.conf"))
	require.NoError(t, err)
	require.Equal(t, "version 1\nport 1\n", string(conf))

	res, err = Run(t.Context(), d, Options{Operation: OpPurge})
	require.NoError(t, err)
	require.Equal(t, map[string]Outcome{"a": OutcomeSucceeded, "b": OutcomeSucceeded}, outcomes(res))
	require.Nil(t, res.Bundle)
	require.NoDirExists(t, filepath.Join(dir, "dest", "a"))
	res, err = Run(t.Context(), d, Options{Operation: OpPurge})
	require.NoError(t, err)
	require.Equal(t, map[string]Outcome{"a": OutcomeUnchanged, "b": OutcomeUnchanged}, outcomes(res))
}

// A bundle that cannot be opened: no target can be tried.
func TestBundleError(t *testing.T) {
	dir := t.TempDir()
	d := descriptor(t, dir, filepath.Join(dir, "missing"), "", tgt{name: "a"}, tgt{name: "b"})
	res, err := Run(t.Context(), d, Options{})
	require.NoError(t, err)
	require.Equal(t, map[string]Outcome{"a": OutcomeError, "b": OutcomeError}, outcomes(res))
	require.ErrorIs(t, res.Err, os.ErrNotExist)
	require.Zero(t, res.TotalRuntime)
}

// A bundle given as a URL is downloaded once and checked against its
// SHA-256; a mismatch is an error for every target.
func TestURLBundle(t *testing.T) {
	dir := t.TempDir()
	var zip bytes.Buffer
	require.NoError(t, bundle.Pack(t.Context(), testbundle.App(t, filepath.Join(dir, "b"), "1", ""), &zip))
	var fetched atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetched.Add(1)
		w.Write(zip.Bytes())
	}))
	defer srv.Close()
	sum := fmt.Sprintf("%x", sha256Sum(zip.Bytes()))
	d := descriptor(t, dir, srv.URL+"/app-1.zip", `"sha256": "`+sum+`", "parallelism": 2`, tgt{name: "a"}, tgt{name: "b"})
	res, err := Run(t.Context(), d, Options{})
	require.NoError(t, err)
	require.Equal(t, map[string]Outcome{"a": OutcomeSucceeded, "b": OutcomeSucceeded}, outcomes(res))
	require.Equal(t, "sha256:"+sum, res.BundleID)
	require.Equal(t, int32(1), fetched.Load())

	d = descriptor(t, dir, srv.URL+"/app-1.zip", `"sha256": "`+strings.Repeat("0", 64)+`"`, tgt{name: "a"}, tgt{name: "b"})
	res, err = Run(t.Context(), d, Options{})
	require.NoError(t, err)
	require.Equal(t, map[string]Outcome{"a": OutcomeError, "b": OutcomeError}, outcomes(res))
	require.ErrorContains(t, res.Err, "SHA-256")
}

// Groups and names select targets; a name that matches nothing is an error.
func TestSelect(t *testing.T) {
	dir := t.TempDir()
	d := descriptor(t, dir, "/b", "", tgt{name: "a", groups: `["eu", "web"]`}, tgt{name: "b", groups: `["us", "web"]`},
		tgt{name: "c", groups: `["eu"]`, priority: 1}, tgt{name: "d"})
	for _, tt := range []struct {
		groups, names []string
		want          []string
	}{
		{nil, nil, []string{"c", "a", "b", "d"}},
		{[]string{"eu"}, nil, []string{"c", "a"}},
		{[]string{"web"}, []string{"d"}, []string{"a", "b", "d"}},
		{[]string{"us", "eu"}, nil, []string{"c", "a", "b"}},
		{nil, []string{"d", "a"}, []string{"a", "d"}},
	} {
		got, err := Select(d, tt.groups, tt.names)
		require.NoError(t, err)
		var n []string
		for _, x := range got {
			n = append(n, x.Name)
		}
		require.Equal(t, tt.want, n, "groups %v, names %v", tt.groups, tt.names)
	}
	_, err := Select(d, []string{"asia"}, []string{"z"})
	require.ErrorIs(t, err, bundle.ErrInvalidInput)
	require.ErrorContains(t, err, `no target is in group "asia"`)
	require.ErrorContains(t, err, `no target is named "z"`)
	_, err = Run(t.Context(), d, Options{Groups: []string{"asia"}})
	require.ErrorIs(t, err, bundle.ErrInvalidInput)
	_, err = Run(t.Context(), d, Options{Sequence: "stop"})
	require.ErrorIs(t, err, bundle.ErrInvalidInput)
}

// OCO's runtimes: total from the rollout's start, effective from the first
// target's start, both to the last target's end.
func TestRuntimes(t *testing.T) {
	dir := t.TempDir()
	b := testbundle.App(t, filepath.Join(dir, "b"), "1", `<sleep milliseconds="50"/>`)
	d := descriptor(t, dir, b, "", tgt{name: "a"}, tgt{name: "b"})
	res, err := Run(t.Context(), d, Options{})
	require.NoError(t, err)
	first, last := res.Targets[0], res.Targets[1]
	require.Equal(t, last.End.Sub(res.Start), res.TotalRuntime)
	require.Equal(t, last.End.Sub(first.Start), res.EffectiveRuntime)
	require.GreaterOrEqual(t, res.TotalRuntime, res.EffectiveRuntime)
	require.GreaterOrEqual(t, res.EffectiveRuntime, 100*time.Millisecond)
	require.False(t, res.Unfinished)
	require.GreaterOrEqual(t, first.Duration(), 50*time.Millisecond)
}

func sha256Sum(b []byte) [32]byte { return sha256.Sum256(b) }

// Constraints (issue 12): a target outside its window or dates is deferred,
// which neither fails the rollout nor aborts it; one whose host does not
// meet a condition is refused by the engine and ends failed.
func TestConstraints(t *testing.T) {
	dir := t.TempDir()
	b := testbundle.App(t, filepath.Join(dir, "b"), "1", "")
	d := descriptor(t, dir, b, `"defaults": {"time_zone": "UTC", "window": "MON 9:00-11:00"}`,
		tgt{name: "open"},
		tgt{name: "closed", more: `"window": "TUE 9:00-11:00"`},
		tgt{name: "expired", more: `"not_after": "2026-12-01T00:00"`},
		tgt{name: "early", more: `"not_before": "2026-12-07T10:30"`},
		tgt{name: "refused", more: `"requires": {"paths": ["` + filepath.Join(dir, "missing") + `/"]}`},
		tgt{name: "last"},
	)
	monday := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	res, err := Run(t.Context(), d, Options{Now: func() time.Time { return monday }})
	require.NoError(t, err)
	require.Equal(t, map[string]Outcome{"open": OutcomeSucceeded, "closed": OutcomeDeferred, "expired": OutcomeDeferred,
		"early": OutcomeDeferred, "refused": OutcomeFailed, "last": OutcomeAborted}, outcomes(res))
	closed, expired, early, refused := res.Targets[1], res.Targets[2], res.Targets[3], res.Targets[4]
	require.Contains(t, closed.Reason, `outside the time window "TUE 9:00-11:00"`)
	require.Equal(t, time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC), closed.Next.UTC())
	require.Equal(t, bundle.OutcomeDeferred, closed.Operation)
	require.True(t, expired.Next.IsZero(), "waiting will not help")
	require.Equal(t, time.Date(2026, 12, 7, 10, 30, 0, 0, time.UTC), early.Next.UTC())
	require.Equal(t, bundle.OutcomeRefused, refused.Operation)
	require.Contains(t, refused.Error, filepath.Join(dir, "missing"))
	failed := slices.IndexFunc(refused.Conditions, func(c bundle.ConditionResult) bool { return !c.OK })
	require.GreaterOrEqual(t, failed, 0, "%+v", refused.Conditions)
	require.Equal(t, "caller", refused.Conditions[failed].Source)
	require.Equal(t, "does not exist", refused.Conditions[failed].Observed)
	for _, name := range []string{"closed", "expired", "early", "refused"} {
		require.NoDirExists(t, filepath.Join(dir, "dest", name))
	}
	require.True(t, res.Unfinished)

	// A rerun in the window runs what was deferred (and, asked to, what
	// was refused).
	tuesday := monday.Add(24 * time.Hour)
	d = descriptor(t, dir, b, `"defaults": {"time_zone": "UTC", "window": "TUE 9:00-11:00"}`, tgt{name: "closed"})
	res, err = Run(t.Context(), d, Options{Now: func() time.Time { return tuesday }})
	require.NoError(t, err)
	require.Equal(t, map[string]Outcome{"closed": OutcomeSucceeded}, outcomes(res))
}
