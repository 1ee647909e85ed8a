package bundle_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/bundle"
	"github.com/bundlekit/bundlekit/internal/testtree"
	"github.com/bundlekit/bundlekit/recipe"
)

// probeRecipe is a bundle with a realized configuration file, whose port input
// is required, and a raw file; extra goes inside the deployment unit, targets
// after the bundle.
func probeRecipe(head, unitAttrs, extra, targets string) string {
	return `<project name="app" xmlns:rhq="antlib:org.rhq.bundle">
  <rhq:bundle name="app" version="2.0">
    <rhq:input-property name="port" type="integer" required="true"/>
` + head + `
    <rhq:deployment-unit name="u" compliance="full" ` + unitAttrs + `>
      <rhq:file name="conf/app.conf" replace="true"/>
      <rhq:file name="bin/run.sh"/>
` + extra + `
    </rhq:deployment-unit>
  </rhq:bundle>
` + targets + `
</project>`
}

// stamped is what a snapshot of a destination records of one path: its
// node, and its modification time.
type stamped struct {
	testtree.Node
	ModTime time.Time
}

// snapshotTimes is testtree.Snapshot with every path's modification time, so
// that a rewrite of the same bytes shows.
func snapshotTimes(t *testing.T, dir string) map[string]stamped {
	t.Helper()
	out := map[string]stamped{}
	for k, n := range testtree.Snapshot(t, dir) {
		fi, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(k)))
		require.NoError(t, err)
		out[k] = stamped{Node: n, ModTime: fi.ModTime()}
	}
	return out
}

func findingKinds(rep *bundle.ProbeReport) []string {
	var out []string
	for _, f := range rep.Findings {
		out = append(out, string(f.Severity)+" "+f.Kind)
	}
	return out
}

// TestProbe probes deployments to a destination that holds version 1.0 of
// the bundle: every probe reports its findings and its plan, and leaves the
// destination exactly as it was, times included.
func TestProbe(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("check commands use /bin/sh")
	}
	ctx := context.Background()
	files := map[string]string{
		"conf/app.conf": "port=@@port@@\nhome=@@rhq.deploy.dir@@\n",
		"bin/run.sh":    "#!/bin/sh\n",
	}
	tests := []struct {
		name string
		// head, unit, extra and targets make the recipe (probeRecipe);
		// other are more bundle files.
		head, unit, extra, targets string
		other                      map[string]string
		props                      map[string]string
		opts                       bundle.ProbeOptions
		wantOK                     bool
		wantFindings               []string
		wantTokens                 []bundle.UnresolvedToken
		wantMissing                []string
		wantNotRun                 []string
		wantRealized               bool
		// wantScratch are files of the scratch tree, relative to it, and
		// their content, checked with Keep.
		wantScratch map[string]string
		// wantCheck is the check command's exit code, when it runs.
		wantCheck *int
	}{
		{
			name: "clean", props: map[string]string{"port": "8080"}, wantOK: true, wantRealized: true,
			opts:        bundle.ProbeOptions{Keep: true},
			wantScratch: map[string]string{"dest/conf/app.conf": "port=8080\nhome=SCRATCH/dest\n", "dest/bin/run.sh": "#!/bin/sh\n"},
		},
		{
			name: "unresolved token is a warning", props: map[string]string{"port": "8080"},
			other:        map[string]string{"conf/app.conf": "port=@@port@@\n\nurl=@@ db.url @@\n"},
			wantOK:       true,
			wantRealized: true,
			wantFindings: []string{"warning unresolved-token"},
			wantTokens:   []bundle.UnresolvedToken{{Path: "conf/app.conf", Line: 3, Token: "db.url"}},
		},
		{
			name: "unresolved token is an error when strict", props: map[string]string{"port": "8080"},
			other:        map[string]string{"conf/app.conf": "url=@@db.url@@\n"},
			opts:         bundle.ProbeOptions{Strict: true},
			wantRealized: true,
			wantFindings: []string{"error unresolved-token"},
			wantTokens:   []bundle.UnresolvedToken{{Path: "conf/app.conf", Line: 1, Token: "db.url"}},
		},
		{
			name:         "missing required and optional properties",
			head:         `<rhq:input-property name="db.url" required="false"/><rhq:input-property name="user" required="true"/>`,
			wantFindings: []string{"error missing-property", "warning missing-property", "error missing-property"},
			wantMissing:  []string{"port", "db.url", "user"},
		},
		{
			name: "invalid property", props: map[string]string{"port": "80x"},
			wantFindings: []string{"error invalid-property"},
		},
		{
			name: "missing files named by properties", props: map[string]string{"port": "8080", "v": "1"},
			extra:        `<rhq:file name="lib/a-${v}.jar"/><rhq:archive name="lib/b-${v}.zip"/>`,
			wantFindings: []string{"error missing-file", "error missing-file", "error realize", "error plan"},
		},
		{
			name: "targets and commands are not run", props: map[string]string{"port": "8080"},
			unit:         `preinstallTarget="pre" postinstallTarget="post"`,
			targets:      `<target name="pre"><touch file="MARKER"/></target><target name="post"><touch file="MARKER"/></target>`,
			wantOK:       true,
			wantRealized: true,
			wantNotRun:   []string{`the preinstall target "pre"`, `the postinstall target "post"`},
		},
		{
			name: "a file outside the destination is scanned, not written", props: map[string]string{"port": "8080"},
			extra:        `<rhq:file name="ext.conf" destinationFile="EXTERNAL" replace="true"/>`,
			other:        map[string]string{"ext.conf": "x=@@nope@@\n"},
			wantOK:       true,
			wantRealized: true,
			wantFindings: []string{"warning unresolved-token"},
			wantTokens:   []bundle.UnresolvedToken{{Path: "EXTERNAL", Line: 1, Token: "nope"}},
			wantNotRun:   []string{"the file EXTERNAL, outside the destination"},
		},
		{
			name: "archives, handovers and the system service are realized in the scratch tree", props: map[string]string{"port": "8080"},
			extra: `<rhq:archive name="web.zip" exploded="false"><rhq:replace><rhq:fileset includes="**/*.properties"/></rhq:replace></rhq:archive>
<rhq:archive name="ex.zip"><rhq:replace><rhq:fileset includes="*.txt"/></rhq:replace></rhq:archive>
<rhq:file name="app.war" replace="true"><rhq:handover action="deployment"><rhq:handover-param name="n" value="v"/></rhq:handover></rhq:file>
<rhq:system-service name="app" scriptFile="init/app" configFile="init/app.conf" startLevels="3" startPriority="80" stopPriority="20" root="/nonexistent-root"/>`,
			other: map[string]string{
				"web.zip":       "ZIP:WEB-INF/app.properties=a=@@a@@|index.html=@@b@@",
				"ex.zip":        "ZIP:x.txt=@@port@@ @@c@@",
				"app.war":       "war @@port@@ @@d@@",
				"init/app":      "#!/bin/sh\n",
				"init/app.conf": "PORT=@@port@@\n\nE=@@e@@\n",
			},
			opts:         bundle.ProbeOptions{Keep: true},
			wantOK:       true,
			wantRealized: true,
			wantFindings: []string{"warning unresolved-token", "warning unresolved-token", "warning unresolved-token", "warning unresolved-token"},
			wantTokens: []bundle.UnresolvedToken{
				{Path: "/etc/sysconfig/app", Line: 3, Token: "e"},
				{Path: "app.war", Line: 1, Token: "d"},
				{Path: "web.zip", Entry: "WEB-INF/app.properties", Line: 1, Token: "a"},
				{Path: "x.txt", Line: 1, Token: "c"},
			},
			wantScratch: map[string]string{
				"dest/x.txt":                         "8080 @@c@@",
				"handover/deployment/app.war":        "war 8080 @@d@@",
				"handover/deployment/app.war.params": "n=v\n",
				"service-root/etc/sysconfig/app":     "PORT=8080\n\nE=@@e@@\n",
				"service-root/etc/init.d/app":        "#!/bin/sh\n",
				"dest/conf/app.conf":                 "port=8080\nhome=SCRATCH/dest\n",
			},
		},
		{
			name: "check passes", props: map[string]string{"port": "8080"},
			opts:   bundle.ProbeOptions{Check: `test "$PWD" = "$BUNDLEKIT_PROBE_DEST" && test "$BUNDLEKIT_PROBE_DEST" = "$BUNDLEKIT_PROBE_ROOT/dest" && grep -q port=8080 conf/app.conf`},
			wantOK: true, wantRealized: true, wantCheck: ptr(0),
		},
		{
			name: "check fails", props: map[string]string{"port": "8080"},
			opts:         bundle.ProbeOptions{Check: `echo starting; echo "bad port" >&2; exit 3`},
			wantRealized: true, wantCheck: ptr(3),
			wantFindings: []string{"error check"},
		},
		{
			name: "check succeeds with its success codes", props: map[string]string{"port": "8080"},
			opts:   bundle.ProbeOptions{Check: `exit 3`, CheckCodes: recipe.SuccessCodes{{Lo: 0, Hi: 0}, {Lo: 2, Hi: 4}}},
			wantOK: true, wantRealized: true, wantCheck: ptr(3),
		},
		{
			name: "check times out", props: map[string]string{"port": "8080"},
			opts:         bundle.ProbeOptions{Check: `sleep 30`, CheckTimeout: 200 * time.Millisecond},
			wantRealized: true, wantCheck: ptr(-1),
			wantFindings: []string{"error check"},
		},
		{
			name:         "check does not run without a realized deployment",
			opts:         bundle.ProbeOptions{Check: `exit 0`},
			wantFindings: []string{"error missing-property", "warning check"},
			wantMissing:  []string{"port"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			dest := filepath.Join(root, "app")
			external := filepath.Join(root, "external.conf")
			marker := filepath.Join(root, "marker")
			v1 := spec{Version: "1.0", Head: `<rhq:input-property name="port" required="true"/>`, Files: files, Replace: []string{"conf/app.conf"}}
			_, err := bundle.Deploy(ctx, v1.open(t), bundle.Options{Dest: dest, Properties: map[string]string{"port": "80"}})
			require.NoError(t, err)
			before := snapshotTimes(t, root)

			tree := map[string]string{}
			for k, v := range files {
				tree[k] = v
			}
			for k, v := range tt.other {
				tree[k] = v
			}
			expand := strings.NewReplacer("EXTERNAL", external, "MARKER", marker)
			tree["deploy.xml"] = expand.Replace(probeRecipe(tt.head, tt.unit, tt.extra, tt.targets))
			b := openBundle(t, tree)
			opts := tt.opts
			opts.Dest, opts.Properties = dest, tt.props
			opts.Scratch = filepath.Join(t.TempDir(), "scratch")
			rep, err := bundle.Probe(ctx, b, opts)
			require.NoError(t, err)

			if diff := cmp.Diff(before, snapshotTimes(t, root)); diff != "" {
				t.Fatalf("the probe changed the destination's directory (-before +after):\n%s", diff)
			}
			require.Equal(t, tt.wantOK, rep.OK, "findings: %v", rep.Findings)
			require.NotNil(t, rep.UnresolvedTokens, "[] in JSON, not null")
			require.NotNil(t, rep.MissingProperties, "[] in JSON, not null")
			require.NotNil(t, rep.MissingFiles, "[] in JSON, not null")
			require.Equal(t, tt.wantFindings, findingKinds(rep), "findings: %v", rep.Findings)
			for i := range tt.wantTokens {
				tt.wantTokens[i].Path = expand.Replace(tt.wantTokens[i].Path)
			}
			if diff := cmp.Diff(tt.wantTokens, rep.UnresolvedTokens, cmpopts.EquateEmpty()); diff != "" {
				t.Fatalf("unresolved tokens (-want +got):\n%s", diff)
			}
			missing := []string{}
			for _, m := range rep.MissingProperties {
				missing = append(missing, m.Name)
			}
			require.Equal(t, append([]string{}, tt.wantMissing...), missing, "in the recipe's order")
			for i := range tt.wantNotRun {
				tt.wantNotRun[i] = expand.Replace(tt.wantNotRun[i])
			}
			require.Equal(t, tt.wantNotRun, rep.NotRun)
			require.Equal(t, tt.wantRealized, rep.Realized, rep.RealizeError)
			require.Equal(t, dest, rep.Dest)
			require.Equal(t, 2, rep.ID, "the id the deployment would take")
			require.Equal(t, opts.Scratch, rep.Scratch)
			if tt.wantCheck == nil {
				require.Nil(t, rep.Check)
			} else {
				require.NotNil(t, rep.Check)
				require.Equal(t, *tt.wantCheck, rep.Check.ExitCode)
				require.Equal(t, tt.wantOK, rep.Check.Success)
			}
			if tt.name == "check fails" {
				require.Equal(t, "starting\n", rep.Check.StdoutTail)
				require.Contains(t, rep.Findings[0].Message, `exited with 3: bad port`)
			}
			if tt.name == "check times out" {
				require.True(t, rep.Check.TimedOut)
			}
			if rep.PlanError == "" {
				require.NotNil(t, rep.Plan, "the plan against the destination")
				require.Equal(t, dest, rep.Plan.Dest)
				require.False(t, rep.Plan.Initial, "an upgrade of deployment 1")
				require.Empty(t, rep.Outcome)
			}

			require.NoFileExists(t, marker, "a recipe target ran")
			require.NoFileExists(t, external, "a file outside the destination was written")
			if !opts.Keep {
				require.NoDirExists(t, opts.Scratch)
				return
			}
			require.True(t, rep.Kept)
			for name, want := range tt.wantScratch {
				want = strings.ReplaceAll(want, "SCRATCH", opts.Scratch)
				require.Equal(t, want, readFile(t, filepath.Join(opts.Scratch, filepath.FromSlash(name))), name)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// TestProbeDestinationProblems: a destination that cannot be planned is a
// finding of the probe, which still realizes the deployment.
func TestProbeDestinationProblems(t *testing.T) {
	ctx := context.Background()
	b := spec{Files: map[string]string{"a.txt": "A"}}.open(t)
	t.Run("damaged metadata", func(t *testing.T) {
		dest := filepath.Join(t.TempDir(), "app")
		testtree.Write(t, dest, ".rhqdeployments/current-deployment.properties=garbage")
		before := snapshotTimes(t, dest)
		rep, err := bundle.Probe(ctx, b, bundle.ProbeOptions{Options: bundle.Options{Dest: dest}})
		require.NoError(t, err)
		require.False(t, rep.OK)
		require.Nil(t, rep.Plan)
		require.NotEmpty(t, rep.PlanError)
		require.Equal(t, bundle.OutcomeNotStarted, rep.Outcome)
		require.Equal(t, []string{"error plan"}, findingKinds(rep))
		require.True(t, rep.Realized, "the deployment is realized all the same")
		require.Equal(t, before, snapshotTimes(t, dest))
	})
	t.Run("a first deployment", func(t *testing.T) {
		dest := filepath.Join(t.TempDir(), "app")
		rep, err := bundle.Probe(ctx, b, bundle.ProbeOptions{Options: bundle.Options{Dest: dest}})
		require.NoError(t, err)
		require.True(t, rep.OK, "%v", rep.Findings)
		require.True(t, rep.Plan.Initial)
		require.Equal(t, []string{"a.txt"}, rep.Plan.Differences.Added)
		require.NoDirExists(t, dest)
		require.NoDirExists(t, rep.Scratch, "removed without Keep")
	})
}

// TestProbeRefuses: what prevents probing at all is an error, and nothing is
// left behind.
func TestProbeRefuses(t *testing.T) {
	ctx := context.Background()
	b := spec{Files: map[string]string{"a.txt": "A"}}.open(t)
	root := t.TempDir()
	dest := filepath.Join(root, "app")
	testtree.Write(t, root, "full/x=x")
	tests := []struct {
		name    string
		opts    bundle.ProbeOptions
		invalid bool
	}{
		{"relative destination", bundle.ProbeOptions{Options: bundle.Options{Dest: "app"}}, true},
		{"scratch inside the destination", bundle.ProbeOptions{Options: bundle.Options{Dest: dest}, Scratch: filepath.Join(dest, "s")}, true},
		{"destination inside the scratch", bundle.ProbeOptions{Options: bundle.Options{Dest: dest}, Scratch: root}, true},
		{"scratch not empty", bundle.ProbeOptions{Options: bundle.Options{Dest: dest}, Scratch: filepath.Join(root, "full")}, true},
		{"negative timeout", bundle.ProbeOptions{Options: bundle.Options{Dest: dest}, CheckTimeout: -time.Second}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := bundle.Probe(ctx, b, tt.opts)
			require.Error(t, err)
			require.Nil(t, rep)
			if tt.invalid {
				require.ErrorIs(t, err, bundle.ErrInvalidInput)
			}
			require.NoDirExists(t, dest)
			require.Equal(t, []string{"full/", "full/x=x"}, testtree.Lines(t, root))
		})
	}
	t.Run("canceled", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err := bundle.Probe(cctx, b, bundle.ProbeOptions{Options: bundle.Options{Dest: dest}})
		require.ErrorIs(t, err, context.Canceled)
	})
}

// TestProbeScratchGivenEmpty: an empty scratch directory given is used and
// left empty, not removed.
func TestProbeScratchGivenEmpty(t *testing.T) {
	b := spec{Files: map[string]string{"a.txt": "A"}}.open(t)
	scratch := t.TempDir()
	rep, err := bundle.Probe(context.Background(), b, bundle.ProbeOptions{Options: bundle.Options{Dest: filepath.Join(t.TempDir(), "app")}, Scratch: scratch})
	require.NoError(t, err)
	require.True(t, rep.OK)
	entries, err := os.ReadDir(scratch)
	require.NoError(t, err)
	require.Empty(t, entries)
	fi, err := os.Stat(scratch)
	require.NoError(t, err)
	require.True(t, fi.IsDir())
	require.NotEqual(t, fs.FileMode(0), fi.Mode().Perm())
}

// TestProbeServicePackage: a deployment.xml install command is not run; the
// probe says it would be.
func TestProbeServicePackage(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the package has LINUX86 commands only")
	}
	b := openBundle(t, map[string]string{
		"bin/run.sh": "#!/bin/sh\n",
		"deployment.xml": `<Deployment>
  <install><osTypes><osType name="LINUX86" startCmd="touch installed" successCodes="0"/></osTypes></install>
  <uninstall><osTypes><osType name="LINUX86" startCmd="true"/></osTypes></uninstall>
</Deployment>`,
	})
	scratch := filepath.Join(t.TempDir(), "scratch")
	rep, err := bundle.Probe(context.Background(), b, bundle.ProbeOptions{Options: bundle.Options{Dest: filepath.Join(t.TempDir(), "svc")}, Scratch: scratch, Keep: true})
	require.NoError(t, err)
	require.True(t, rep.OK, "%v", rep.Findings)
	require.Equal(t, []string{`the install command "touch installed" of deployment.xml`}, rep.NotRun)
	require.FileExists(t, filepath.Join(scratch, "dest", "bin", "run.sh"))
	require.NoFileExists(t, filepath.Join(scratch, "dest", "installed"))
}

// TestProbeManyTokens: the tokens listed are bounded, and the report says
// that there are more.
func TestProbeManyTokens(t *testing.T) {
	b := spec{Files: map[string]string{"a.txt": strings.Repeat("@@x@@\n", 1200)}, Replace: []string{"a.txt"}}.open(t)
	rep, err := bundle.Probe(context.Background(), b, bundle.ProbeOptions{Options: bundle.Options{Dest: filepath.Join(t.TempDir(), "app")}})
	require.NoError(t, err)
	require.Equal(t, 1000, len(rep.UnresolvedTokens))
	require.Equal(t, bundle.UnresolvedToken{Path: "a.txt", Line: 1000, Token: "x"}, rep.UnresolvedTokens[999])
	require.Equal(t, 1001, len(rep.Findings))
	require.Equal(t, "200 more tokens have no value: only the first 1000 are listed", rep.Findings[1000].Message)
	require.True(t, rep.OK, "warnings only")
}

// TestProbeTemporaryScratch: a scratch tree in the temporary directory is
// removed after the probe, or kept when asked, and then unmarked, so that
// no later probe sweeps it as a killed probe's (see internal/scratch).
func TestProbeTemporaryScratch(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	b := spec{Files: map[string]string{"a.txt": "a"}}.open(t)
	for _, keep := range []bool{false, true} {
		rep, err := bundle.Probe(context.Background(), b, bundle.ProbeOptions{Options: bundle.Options{Dest: filepath.Join(t.TempDir(), "app")}, Keep: keep})
		require.NoError(t, err)
		require.True(t, rep.OK, "%v", rep.Findings)
		if !keep {
			require.NoDirExists(t, rep.Scratch)
			continue
		}
		require.FileExists(t, filepath.Join(rep.Scratch, "dest", "a.txt"))
		require.NoFileExists(t, filepath.Join(rep.Scratch, ".owner"), "a kept tree is not swept")
		require.NoError(t, os.RemoveAll(rep.Scratch))
	}
}
