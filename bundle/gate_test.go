package bundle_test

import (
	"context"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/bundle"
	"github.com/bundlekit/bundlekit/constraint"
	"github.com/bundlekit/bundlekit/internal/testtree"
	"github.com/bundlekit/bundlekit/recipe"
)

// saturday is Sat 2026-12-05 14:03 UTC, the clock of these tests.
var saturday = time.Date(2026, 12, 5, 14, 3, 0, 0, time.UTC)

func clock() time.Time { return saturday }

func windows(t *testing.T, s string) constraint.Windows {
	t.Helper()
	w, err := constraint.ParseWindows(s)
	require.NoError(t, err)
	return w
}

// destinations are the three states a destination may be in before an
// operation that must leave no trace: missing, an existing empty directory,
// and a directory holding an unmanaged file.
func destinations(t *testing.T) map[string]string {
	t.Helper()
	root := t.TempDir()
	empty := filepath.Join(root, "empty")
	require.NoError(t, os.Mkdir(empty, 0o755))
	used := filepath.Join(root, "used")
	testtree.WriteFiles(t, used, map[string]string{"mine.txt": "mine"})
	return map[string]string{"missing": filepath.Join(root, "missing"), "empty": empty, "unmanaged": used}
}

// requireNoTrace fails unless dest is as before: missing, or holding exactly
// the same, without a metadata folder.
func requireNoTrace(t *testing.T, dest string, before map[string]testtree.Node) {
	t.Helper()
	if before == nil {
		require.NoDirExists(t, dest)
		return
	}
	require.NoDirExists(t, filepath.Join(dest, ".rhqdeployments"))
	requireUnchanged(t, before, dest)
}

func snapshot(t *testing.T, dest string) map[string]testtree.Node {
	if _, err := os.Stat(dest); err != nil {
		return nil
	}
	return testtree.Snapshot(t, dest)
}

// TestDeferred: an operation outside its constraints is deferred, says when
// it may run, and leaves no trace, not even the metadata folder its lock
// would make, whichever operation it is.
func TestDeferred(t *testing.T) {
	b := spec{Files: map[string]string{"a.txt": "A"}}.open(t)
	outside := constraint.Set{Windows: windows(t, "6:00-7:00"), Location: time.UTC}
	ops := map[string]func(ctx context.Context, dest string, events func(bundle.Event)) error{
		"plan": func(ctx context.Context, dest string, events func(bundle.Event)) error {
			p, err := bundle.PlanDeploy(ctx, b, bundle.Options{Dest: dest, HoldLock: true, Constraints: outside, Now: clock, Events: events})
			p.Close()
			return err
		},
		"deploy": func(ctx context.Context, dest string, events func(bundle.Event)) error {
			_, err := bundle.Deploy(ctx, b, bundle.Options{Dest: dest, Constraints: outside, Now: clock, Events: events})
			return err
		},
		"revert": func(ctx context.Context, dest string, events func(bundle.Event)) error {
			_, err := bundle.Revert(ctx, b, bundle.Options{Dest: dest, Constraints: outside, Now: clock, Events: events})
			return err
		},
		"purge": func(ctx context.Context, dest string, events func(bundle.Event)) error {
			_, err := bundle.Purge(ctx, dest, bundle.PurgeOptions{Force: true, Constraints: outside, Now: clock, Events: events})
			return err
		},
		"adopt": func(ctx context.Context, dest string, events func(bundle.Event)) error {
			_, err := bundle.Adopt(ctx, dest, bundle.AdoptOptions{Name: "x", Version: "1", Constraints: outside, Now: clock, Events: events})
			return err
		},
	}
	for name, op := range ops {
		for state, dest := range destinations(t) {
			t.Run(name+"/"+state, func(t *testing.T) {
				before := snapshot(t, dest)
				var events []bundle.Event
				err := op(context.Background(), dest, func(e bundle.Event) { events = append(events, e) })
				require.Equal(t, bundle.OutcomeDeferred, bundle.OutcomeOf(err))
				var oe *bundle.OperationError
				require.True(t, errors.As(err, &oe))
				require.Equal(t, dest, oe.Dest)
				var d *constraint.Deferral
				require.True(t, errors.As(err, &d))
				require.Equal(t, time.Date(2026, 12, 6, 6, 0, 0, 0, time.UTC), d.Next)
				require.ErrorContains(t, err, `deferred: outside the time window "6:00-7:00" (now Sat 2026-12-05 14:03 UTC); it may run from Sun 2026-12-06 06:00 UTC (nothing was changed)`)
				require.NotErrorIs(t, err, bundle.ErrInvalidInput)
				require.Equal(t, []bundle.Event{{Type: bundle.EventPhase, Phase: "plan", Status: "deferred", Error: err.Error()}}, events)
				requireNoTrace(t, dest, before)
			})
		}
	}
}

// TestConstraintsAllow: inside its window, address range and dates an
// operation runs as it would without them.
func TestConstraintsAllow(t *testing.T) {
	b := spec{Files: map[string]string{"a.txt": "A"}}.open(t)
	dest := filepath.Join(t.TempDir(), "app")
	set := constraint.Set{
		Windows:   windows(t, "!SAT 11:00-13:00,SAT 0:00-23:59"),
		NotBefore: saturday.Add(-time.Hour), NotAfter: saturday.Add(time.Hour),
		Location: time.UTC,
		Addrs:    []netip.Addr{netip.MustParseAddr("::ffff:10.2.3.4")},
	}
	set.Ranges, _ = constraint.ParseRanges("10.2.0.0/16")
	res, err := bundle.Deploy(context.Background(), b, bundle.Options{Dest: dest, Constraints: set, Now: clock})
	require.NoError(t, err)
	require.Equal(t, bundle.OutcomeCompleted, res.Outcome)
	require.NoError(t, bundle.CheckConstraints(dest, set, saturday))
	err = bundle.CheckConstraints(dest, set, saturday.Add(2*time.Hour))
	require.Equal(t, bundle.OutcomeDeferred, bundle.OutcomeOf(err))
	require.ErrorContains(t, err, "after its not-after date")
}

// conditionBundle is a bundle whose rhq:bundle carries attrs.
func conditionBundle(t *testing.T, attrs string) *bundle.Bundle {
	t.Helper()
	return openBundle(t, map[string]string{
		"a.txt": strings.Repeat("A", 100),
		"deploy.xml": `<project name="app" default="main" xmlns:rhq="antlib:org.rhq.bundle" xmlns:bk="urn:bundlekit:1">
  <rhq:bundle name="app" version="2.0" ` + attrs + `>
    <rhq:deployment-unit name="u"><rhq:file name="a.txt"/></rhq:deployment-unit>
  </rhq:bundle>
  <target name="main"/>
</project>`,
	})
}

// otherPlatform is a platform this host is not.
func otherPlatform() string {
	if runtime.GOOS == "plan9" {
		return "linux"
	}
	return "plan9/386"
}

// TestConditions: each kind of installation condition, from the recipe and
// from the caller, holding and failing, with what it wanted and found.
func TestConditions(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the check commands are POSIX programs")
	}
	root := t.TempDir()
	// A deployment in place, for the deployment conditions.
	db := filepath.Join(root, "db")
	_, err := bundle.Deploy(context.Background(), conditionBundle(t, ""), bundle.Options{Dest: db})
	require.NoError(t, err)
	file := filepath.Join(root, "file")
	require.NoError(t, os.WriteFile(file, nil, 0o644))
	here := runtime.GOOS + "/" + runtime.GOARCH
	must := func(c recipe.Condition, err error) recipe.Condition {
		require.NoError(t, err)
		return c
	}

	tests := []struct {
		name     string
		attrs    string // of rhq:bundle
		caller   []bundle.Condition
		free     uint64
		want     bundle.ConditionResult // the condition's result, Source set
		obsMatch string                 // a fragment of Observed, when it varies
	}{
		{name: "os holds", attrs: `bk:requires-os="` + otherPlatform() + `,` + runtime.GOOS + `"`,
			want: bundle.ConditionResult{Name: "os", Wanted: otherPlatform() + " or " + runtime.GOOS, Observed: here, OK: true, Source: "recipe"}},
		{name: "os fails", caller: []bundle.Condition{must(recipe.ParseOS(otherPlatform()))},
			want: bundle.ConditionResult{Name: "os", Wanted: otherPlatform(), Observed: here, Source: "caller"}},
		{name: "free space holds", attrs: `bk:requires-free-space="1GiB"`, free: 1 << 30,
			want: bundle.ConditionResult{Name: "free-space", Wanted: "at least 1 GiB free", Observed: "1 GiB free", OK: true, Source: "recipe"}},
		{name: "free space fails", caller: []bundle.Condition{recipe.FreeSpaceCondition{Min: 2 << 30}}, free: 3 << 29,
			want: bundle.ConditionResult{Name: "free-space", Wanted: "at least 2 GiB free", Observed: "1.5 GiB free", Source: "caller"}},
		{name: "directory holds", attrs: `bk:requires-paths="` + root + `/"`,
			want: bundle.ConditionResult{Name: "path " + root, Wanted: "a directory", Observed: "a directory", OK: true, Source: "recipe"}},
		{name: "a file is not a directory", attrs: `bk:requires-paths="` + file + `/"`,
			want: bundle.ConditionResult{Name: "path " + file, Wanted: "a directory", Observed: "a file", Source: "recipe"}},
		{name: "a file exists", caller: []bundle.Condition{recipe.PathCondition{Path: file}},
			want: bundle.ConditionResult{Name: "path " + file, Wanted: "to exist", Observed: "a file", OK: true, Source: "caller"}},
		{name: "missing path", caller: []bundle.Condition{recipe.PathCondition{Path: filepath.Join(root, "jdk")}},
			want: bundle.ConditionResult{Name: "path " + filepath.Join(root, "jdk"), Wanted: "to exist", Observed: "does not exist", Source: "caller"}},
		{name: "deployment in range", attrs: `bk:requires-deployments="` + db + `:app:[1.2,3)"`,
			want: bundle.ConditionResult{Name: "deployment " + db, Wanted: "app [1.2,3)", Observed: "app 2.0 (deployment 1)", OK: true, Source: "recipe"}},
		{name: "deployment out of range", caller: []bundle.Condition{must(recipe.ParseDeployment(db + ":app:[2.1,3)"))},
			want: bundle.ConditionResult{Name: "deployment " + db, Wanted: "app [2.1,3)", Observed: "app 2.0 (deployment 1)", Source: "caller"}},
		{name: "another bundle", caller: []bundle.Condition{must(recipe.ParseDeployment(db + ":db:*"))},
			want: bundle.ConditionResult{Name: "deployment " + db, Wanted: "db (any version)", Observed: "app 2.0 (deployment 1)", Source: "caller"}},
		{name: "no deployment", caller: []bundle.Condition{must(recipe.ParseDeployment(root + ":db:*"))},
			want: bundle.ConditionResult{Name: "deployment " + root, Wanted: "db (any version)", Observed: "no deployment", Source: "caller"}},
		{name: "no destination", caller: []bundle.Condition{must(recipe.ParseDeployment(filepath.Join(root, "nothing") + ":db:1.0"))},
			want: bundle.ConditionResult{Name: "deployment " + filepath.Join(root, "nothing"), Wanted: "db 1.0", Observed: "no deployment", Source: "caller"}},
		{name: "check holds", attrs: `bk:requires-check="/bin/sh -c 'exit 3'" bk:requires-check-codes="0,3:5"`,
			want: bundle.ConditionResult{Name: "check /bin/sh", Wanted: "exit code 0,3:5 within 1m0s", Observed: "exit code 3", OK: true, Source: "recipe"}},
		{name: "check fails", caller: []bundle.Condition{must(recipe.ParseCheck("/bin/sh -c 'echo nope >&2; exit 1'", "", ""))},
			want: bundle.ConditionResult{Name: "check /bin/sh", Wanted: "exit code 0 within 1m0s", Observed: "exit code 1", Source: "caller"}},
		{name: "check times out", caller: []bundle.Condition{must(recipe.ParseCheck("/bin/sh -c 'sleep 30'", "200ms", ""))},
			want: bundle.ConditionResult{Name: "check /bin/sh", Wanted: "exit code 0 within 200ms", Observed: "still running after 200ms: killed", Source: "caller"}},
		{name: "check cannot start", caller: []bundle.Condition{recipe.CheckCondition{Args: []string{filepath.Join(root, "no-such-program")}, Timeout: time.Second}},
			want: bundle.ConditionResult{Name: "check " + filepath.Join(root, "no-such-program"), Wanted: "exit code 0 within 1s", Observed: "could not be started", Source: "caller"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			free := tt.free
			if free == 0 {
				free = 1 << 40
			}
			bundle.SetFreeSpace(t, func(string) (uint64, error) { return free, nil })
			b := conditionBundle(t, tt.attrs)
			for state, dest := range destinations(t) {
				before := snapshot(t, dest)
				p, err := bundle.PlanDeploy(context.Background(), b, bundle.Options{Dest: dest, HoldLock: true, Conditions: tt.caller})
				if tt.want.OK {
					require.NoError(t, err, state)
					require.Len(t, p.Conditions, 2)
					require.Equal(t, "space", p.Conditions[0].Name)
					got := p.Conditions[1]
					got.Command, got.Detail = nil, ""
					require.Equal(t, tt.want, got)
					require.NoError(t, p.Close())
					requireNoTrace(t, dest, before)
					continue
				}
				require.Equal(t, bundle.OutcomeRefused, bundle.OutcomeOf(err), "%s: %v", state, err)
				require.NotErrorIs(t, err, bundle.ErrInvalidInput)
				var re *bundle.RefusedError
				require.True(t, errors.As(err, &re))
				require.Len(t, re.Failed, 1)
				require.Len(t, re.Results, 2)
				got := re.Failed[0]
				got.Command, got.Detail = nil, ""
				require.Equal(t, tt.want, got)
				require.ErrorContains(t, err, "refused: an installation condition does not hold at "+dest+": "+tt.want.Name+": wanted "+tt.want.Wanted+", observed "+tt.want.Observed)
				require.ErrorContains(t, err, "(nothing was changed)")
				requireNoTrace(t, dest, before)
			}
		})
	}
}

// TestConditionsAllTogether: every failed condition is reported, none
// skipped because another failed, and the full disk among them is a
// refusal that still wraps ErrInsufficientSpace; a missing destination and
// an empty one are left as they were, though the plan took the lock.
func TestConditionsAllTogether(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the check command is a POSIX program")
	}
	bundle.SetFreeSpace(t, func(string) (uint64, error) { return 10, nil })
	b := conditionBundle(t, `bk:requires-os="`+otherPlatform()+`" bk:requires-paths="/nonexistent/jdk/" bk:requires-check="/bin/sh -c 'exit 7'"`)
	caller := []bundle.Condition{recipe.FreeSpaceCondition{Min: 1 << 30}, recipe.CheckCondition{Args: []string{"true"}, Timeout: time.Second}}
	for state, dest := range destinations(t) {
		t.Run(state, func(t *testing.T) {
			before := snapshot(t, dest)
			var events []bundle.Event
			_, err := bundle.Deploy(context.Background(), b, bundle.Options{Dest: dest, Conditions: caller, Events: func(e bundle.Event) { events = append(events, e) }})
			require.Equal(t, bundle.OutcomeRefused, bundle.OutcomeOf(err))
			require.ErrorIs(t, err, bundle.ErrInsufficientSpace)
			var re *bundle.RefusedError
			require.True(t, errors.As(err, &re))
			var names []string
			for _, r := range re.Failed {
				names = append(names, r.Source+" "+r.Name)
			}
			require.Equal(t, []string{"bundlekit space", "recipe os", "recipe path /nonexistent/jdk", "recipe check /bin/sh", "caller free-space"}, names)
			require.Len(t, re.Results, 6)
			require.True(t, re.Results[5].OK, "the caller's check holds")
			require.ErrorContains(t, err, "refused: 5 installation conditions do not hold at "+dest)
			requireNoTrace(t, dest, before)
			last := events[len(events)-1]
			require.Equal(t, "refused", last.Status)
			var commands int
			for _, e := range events {
				if e.Type == bundle.EventCommand && e.Command.Phase == "check" {
					commands++
				}
			}
			require.Equal(t, 2, commands, "each check command's run is an event")
		})
	}
}

// TestConditionsManaged: a refused upgrade leaves the deployment in place as
// it was, and the lock file gone.
func TestConditionsManaged(t *testing.T) {
	dest := filepath.Join(t.TempDir(), "app")
	_, err := bundle.Deploy(context.Background(), conditionBundle(t, ""), bundle.Options{Dest: dest})
	require.NoError(t, err)
	before := testtree.Snapshot(t, dest)
	_, err = bundle.Deploy(context.Background(), conditionBundle(t, `bk:requires-os="`+otherPlatform()+`"`), bundle.Options{Dest: dest})
	require.Equal(t, bundle.OutcomeRefused, bundle.OutcomeOf(err))
	requireUnchanged(t, before, dest)

	// A purge is refused by the caller's conditions too.
	_, err = bundle.Purge(context.Background(), dest, bundle.PurgeOptions{Conditions: []bundle.Condition{recipe.PathCondition{Path: "/nonexistent"}}})
	require.Equal(t, bundle.OutcomeRefused, bundle.OutcomeOf(err))
	require.ErrorContains(t, err, "path /nonexistent: wanted to exist, observed does not exist")
	requireUnchanged(t, before, dest)

	// So is an adoption, which then records nothing.
	_, err = bundle.Adopt(context.Background(), dest, bundle.AdoptOptions{Name: "x", Version: "2", Conditions: []bundle.Condition{recipe.PathCondition{Path: "/nonexistent"}}})
	require.Equal(t, bundle.OutcomeRefused, bundle.OutcomeOf(err))
	require.ErrorContains(t, err, "path /nonexistent: wanted to exist, observed does not exist")
	requireUnchanged(t, before, dest)
	p, err := bundle.PlanAdopt(context.Background(), dest, bundle.AdoptOptions{Name: "x", Version: "2", Conditions: []bundle.Condition{recipe.PathCondition{Path: dest}}})
	require.NoError(t, err)
	require.Equal(t, []bundle.ConditionResult{{Name: "path " + dest, Wanted: "to exist", Observed: "a directory", OK: true, Source: "caller"}}, p.Conditions)
	require.NoError(t, p.Close())
}

// TestCheckCommand: the check command runs in the destination (its nearest
// existing ancestor before a first deployment) and is told what is being
// deployed where; its output is in the result.
func TestCheckCommand(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the check command is a POSIX program")
	}
	root := t.TempDir()
	b := conditionBundle(t, `bk:requires-check="/bin/sh -c 'pwd; echo $BUNDLEKIT_DEST $BUNDLEKIT_BUNDLE $BUNDLEKIT_VERSION'"`)
	dest := filepath.Join(root, "new", "app")
	p, err := bundle.PlanDeploy(context.Background(), b, bundle.Options{Dest: dest})
	require.NoError(t, err)
	defer p.Close()
	c := p.Conditions[1].Command
	require.NotNil(t, c)
	real, err := filepath.EvalSymlinks(root)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(c.StdoutTail), "\n")
	require.Len(t, lines, 2)
	require.Contains(t, []string{root, real}, lines[0])
	require.Equal(t, dest+" app 2.0", lines[1])
	require.Equal(t, "check", c.Phase)
	require.True(t, c.Success)
}

// TestConditionInvalid: a condition the evaluator does not know is the
// caller's mistake, not a refusal.
func TestConditionInvalid(t *testing.T) {
	b := spec{Files: map[string]string{"a.txt": "A"}}.open(t)
	for _, c := range []bundle.Condition{nil, &recipe.PathCondition{Path: "/"}, recipe.CheckCondition{}} {
		_, err := bundle.PlanDeploy(context.Background(), b, bundle.Options{Dest: filepath.Join(t.TempDir(), "d"), Conditions: []bundle.Condition{c}})
		require.ErrorIs(t, err, bundle.ErrInvalidInput, "%#v", c)
	}
}

// TestProbeConditions: a probe realizes a bundle whose installation
// conditions do not hold here (the scratch tree is not where they are
// checked), and reports the refusal of its plan against the destination,
// with every failed condition, without touching the destination.
func TestProbeConditions(t *testing.T) {
	root := t.TempDir()
	dest := filepath.Join(root, "app")
	missing := filepath.Join(root, "no-jdk") + "/"
	b := conditionBundle(t, `bk:requires-os="`+otherPlatform()+`" bk:requires-paths="`+missing+`"`)
	rep, err := bundle.Probe(context.Background(), b, bundle.ProbeOptions{Options: bundle.Options{Dest: dest,
		Conditions: []bundle.Condition{recipe.FreeSpaceCondition{Min: 1 << 60}}}})
	require.NoError(t, err)
	require.True(t, rep.Realized, "the scratch deployment ignores the destination's conditions: %s", rep.RealizeError)
	require.False(t, rep.OK)
	require.Equal(t, bundle.OutcomeRefused, rep.Outcome)
	var re *bundle.RefusedError
	require.ErrorAs(t, rep.PlanErr(), &re)
	var names []string
	for _, f := range re.Failed {
		names = append(names, f.Name)
	}
	require.Len(t, names, 3, "every failed condition, of the recipe and of the caller: %v", names)
	require.NoDirExists(t, dest, "a probe writes nothing at the destination")
}
