package bundle_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/bundle"
	"github.com/bundlekit/bundlekit/recipe"
)

func readSeedRecipe(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "examples", "bundles", "simple", "deploy.xml"))
	require.NoError(t, err)
	return string(data)
}

// TestSimpleRecipeHooks deploys the seed's Simple Ant Recipe: the preinstall
// target echoes and writes an audit record before the files, the postinstall
// target echoes after them (R172, R178), and both run in order.
func TestSimpleRecipeHooks(t *testing.T) {
	ctx := context.Background()
	dest := filepath.Join(t.TempDir(), "app")
	b := openBundle(t, map[string]string{
		"deploy.xml":         readSeedRecipe(t),
		"test-v2.properties": "port=@@listener.port@@\n",
		"MyApp.zip":          "ZIP:conf/app.properties=p=@@listener.port@@",
	})
	var trail []string
	events := func(e bundle.Event) {
		switch e.Type {
		case bundle.EventHook:
			if e.Task == "echo" {
				trail = append(trail, e.Target+": "+e.Message)
			}
		case bundle.EventAudit:
			trail = append(trail, "audit: "+e.Audit.String())
		case bundle.EventPhase:
			trail = append(trail, e.Phase+" "+e.Status)
		}
	}
	// Planning runs no target; the plan says which ones Apply will run.
	dry, err := bundle.PlanDeploy(ctx, b, bundle.Options{Dest: dest, ID: 1, Events: events})
	require.NoError(t, err)
	require.Equal(t, []bundle.Target{{Phase: "preinstall", Name: "preinstall"}, {Phase: "postinstall", Name: "postinstall"}}, dry.Targets)
	require.Empty(t, dry.SideEffects)
	require.NoError(t, dry.Close())
	require.Equal(t, []string{"plan started", "plan finished"}, trail)
	require.NoDirExists(t, dest)
	trail = nil

	res, err := bundle.Deploy(ctx, b, bundle.Options{Dest: dest, ID: 1, Events: events})
	require.NoError(t, err)
	details := "Some additional, optional details regarding \n\t\tthe deployment of " + dest + " \n\t"
	preinstall := []string{
		"preinstall: Deploying Test Bundle v2.4 to " + dest + "...",
		"audit: RHQ_AUDIT_MESSAGE___SUCCESS___Preinstall Notice___Preinstalling to " + dest + "___Another optional message___ \n\t\t" + details,
	}
	require.Equal(t, slices.Concat([]string{"plan started", "plan finished", "apply started"}, preinstall, []string{
		"postinstall: Done deploying Test Bundle v2.4 to " + dest + ".",
		"apply finished",
	}), trail)
	require.Len(t, res.Audit, 1)
	require.Equal(t, "Preinstall Notice", res.Audit[0].Action)
	require.Equal(t, "preinstall", res.Audit[0].Target)
	require.Equal(t, "port=8080\n", readFile(t, filepath.Join(dest, "conf/test.properties")))

	// RHQ's dry run runs the preinstall target (R172): a caller asks for it
	// explicitly, and the plan says it ran; Apply then does not run it again.
	trail = nil
	p, err := bundle.PlanDeploy(ctx, b, bundle.Options{Dest: dest, ID: 2, Events: events})
	require.NoError(t, err)
	require.NoError(t, p.RunPreinstall(ctx))
	require.Equal(t, []string{`ran the preinstall target "preinstall"`}, p.SideEffects)
	require.Equal(t, slices.Concat([]string{"plan started", "plan finished"}, preinstall), trail)
	trail = nil
	_, err = bundle.Apply(ctx, p)
	require.NoError(t, err)
	require.Equal(t, []string{"apply started", "postinstall: Done deploying Test Bundle v2.4 to " + dest + ".", "apply finished"}, trail)
}

// TestHookFailures: a failing preinstall target stops everything before any file
// changes; a failing postinstall target fails the operation and says the files
// were deployed (R172); an unsupported task is refused before anything runs.
func TestHookFailures(t *testing.T) {
	ctx := context.Background()
	recipeWith := func(unitAttrs, targets string) string {
		return `<project name="p" xmlns:rhq="antlib:org.rhq.bundle">
  <rhq:bundle name="app" version="1">
    <rhq:deployment-unit name="u" ` + unitAttrs + `><rhq:file name="a.txt"/></rhq:deployment-unit>
  </rhq:bundle>
  ` + targets + `
</project>`
	}
	t.Run("preinstall fails", func(t *testing.T) {
		dest := filepath.Join(t.TempDir(), "app")
		b := openBundle(t, map[string]string{"a.txt": "A", "deploy.xml": recipeWith(`preinstallTarget="pre"`,
			`<target name="pre"><fail message="database not reachable"/></target>`)})
		_, err := bundle.Deploy(ctx, b, bundle.Options{Dest: dest, ID: 1})
		var he *bundle.HookError
		require.ErrorAs(t, err, &he)
		require.Equal(t, "preinstall", he.Phase)
		require.Nil(t, he.Deployed)
		require.ErrorContains(t, err, "database not reachable")
		require.Equal(t, bundle.OutcomeRolledBack, bundle.OutcomeOf(err))
		require.ErrorContains(t, err, "nothing was changed")
		require.NoDirExists(t, dest)
	})
	t.Run("postinstall fails", func(t *testing.T) {
		dest := filepath.Join(t.TempDir(), "app")
		b := openBundle(t, map[string]string{"a.txt": "A", "deploy.xml": recipeWith(`postinstallTarget="post"`,
			`<target name="post"><fail message="smoke test failed"/></target>`)})
		res, err := bundle.Deploy(ctx, b, bundle.Options{Dest: dest, ID: 1})
		var he *bundle.HookError
		require.ErrorAs(t, err, &he)
		require.Equal(t, 1, *he.Deployed)
		require.ErrorContains(t, err, "the files were deployed as deployment 1")
		require.NotNil(t, res)
		require.Equal(t, bundle.OutcomeCompleted, res.Outcome)
		require.Equal(t, bundle.OutcomeCompleted, bundle.OutcomeOf(err))
		require.NotContains(t, err.Error(), "nothing was changed")
		require.Equal(t, "A", readFile(t, filepath.Join(dest, "a.txt")))
	})
	t.Run("unsupported task rejected before any change", func(t *testing.T) {
		dest := filepath.Join(t.TempDir(), "app")
		b := openBundle(t, map[string]string{"a.txt": "A", "deploy.xml": recipeWith(`postinstallTarget="post"`,
			`<target name="post"><scp file="a.txt" todir="root@host:/"/></target>`)})
		_, err := bundle.PlanDeploy(ctx, b, bundle.Options{Dest: dest, ID: 1})
		require.ErrorIs(t, err, recipe.ErrUnsupported)
		require.ErrorContains(t, err, "scp")
		require.NoDirExists(t, dest)
	})
	t.Run("exec timeout and exit codes", func(t *testing.T) {
		if runtime.GOOS == "windows" {
			t.Skip("uses /bin/sh")
		}
		dest := filepath.Join(t.TempDir(), "app")
		b := openBundle(t, map[string]string{"a.txt": "A", "deploy.xml": recipeWith(`preinstallTarget="pre"`,
			`<target name="pre">
  <exec executable="/bin/sh" resultproperty="soft.rc"><arg value="-c"/><arg value="exit 3"/></exec>
  <echo>soft exit ${soft.rc}</echo>
  <exec executable="/bin/sh" timeout="300" failonerror="true"><arg value="-c"/><arg value="sleep 30"/></exec>
</target>`)})
		var echoes []string
		_, err := bundle.Deploy(ctx, b, bundle.Options{Dest: dest, ID: 1, Events: func(e bundle.Event) {
			if e.Task == "echo" {
				echoes = append(echoes, e.Message)
			}
		}})
		require.Error(t, err)
		require.Equal(t, []string{"soft exit 3"}, echoes, "a non-zero exit without failonerror goes on")
		require.ErrorContains(t, err, "timed out")
		require.NoDirExists(t, dest)
	})
}

// TestAntFileTarget is the seed's <ant antfile="another.xml"> example.
func TestAntFileTarget(t *testing.T) {
	dest := filepath.Join(t.TempDir(), "app")
	b := openBundle(t, map[string]string{
		"a.txt": "A",
		"deploy.xml": `<project name="p" xmlns:rhq="antlib:org.rhq.bundle">
  <rhq:bundle name="app" version="1">
    <rhq:deployment-unit name="jar" postinstallTarget="myExampleCall"><rhq:file name="a.txt"/></rhq:deployment-unit>
  </rhq:bundle>
  <target name="myExampleCall">
     <ant antfile="another.xml" target="doSomething">
        <property name="param1" value="111"></property>
     </ant>
  </target>
</project>`,
		"another.xml": `<?xml version="1.0"?>
<project name="another" default="main">
    <target name="doSomething">
       <echo>inside doSomething. param1=${param1}</echo>
    </target>
</project>`,
	})
	var echoes []string
	_, err := bundle.Deploy(context.Background(), b, bundle.Options{Dest: dest, ID: 1, Events: func(e bundle.Event) {
		if e.Task == "echo" {
			echoes = append(echoes, e.Message)
		}
	}})
	require.NoError(t, err)
	require.Equal(t, []string{"inside doSomething. param1=111"}, echoes)
}

// TestServicePackage: a bundle with only deployment.xml deploys every file as it
// is; install runs in the destination after the content is in place; a failed
// install runs uninstall and rolls the deployment back; purge runs uninstall
// first (seed: deployment.xml).
func TestServicePackage(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the package's commands are LINUX86 shell commands")
	}
	ctx := context.Background()
	pkg := func(install, uninstall string) map[string]string {
		return map[string]string{
			"bin/run.sh": "#!/bin/sh\necho run\n",
			"deployment.xml": `<Deployment>
  <install><osTypes><osType name="LINUX86" startCmd="` + install + `" timeout="5" successCodes="-1:10"/></osTypes></install>
  <uninstall><osTypes><osType name="LINUX86" startCmd="` + uninstall + `" timeout="5" successCodes="0"/></osTypes></uninstall>
</Deployment>`,
		}
	}
	t.Run("install succeeds", func(t *testing.T) {
		dest := filepath.Join(t.TempDir(), "svc")
		b := openBundle(t, pkg("touch installed; exit 7", "touch uninstalled"))
		require.NotNil(t, b.Service)
		res, err := bundle.Deploy(ctx, b, bundle.Options{Dest: dest, ID: 1})
		require.NoError(t, err)
		require.FileExists(t, filepath.Join(dest, "installed"), "install runs in the destination")
		require.FileExists(t, filepath.Join(dest, "bin/run.sh"))
		require.Len(t, res.Commands, 1)
		require.Equal(t, 7, res.Commands[0].ExitCode)
		require.True(t, res.Commands[0].Success, "7 is in -1:10")

		pres, err := bundle.Purge(ctx, dest, bundle.PurgeOptions{})
		require.NoError(t, err)
		require.Len(t, pres.Commands, 1)
		require.Equal(t, "uninstall", pres.Commands[0].Phase)
		require.NoDirExists(t, dest, "the package is removed (full compliance)")
	})
	t.Run("install fails, uninstall runs, rolled back", func(t *testing.T) {
		dest := filepath.Join(t.TempDir(), "svc")
		require.NoError(t, os.MkdirAll(dest, 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dest, "old.txt"), []byte("before"), 0o644))
		b := openBundle(t, pkg("echo broken &gt;&amp;2; exit 42", "touch /dev/null"))
		_, err := bundle.Deploy(ctx, b, bundle.Options{Dest: dest, ID: 1})
		var ce *bundle.CommandError
		require.ErrorAs(t, err, &ce)
		require.Equal(t, 42, ce.Result.ExitCode)
		require.NotNil(t, ce.Uninstall)
		require.ErrorContains(t, err, "broken")
		require.ErrorContains(t, err, "rolled back")
		require.Equal(t, map[string]string{"old.txt": "before"}, readTree(t, dest))
	})
	t.Run("install times out", func(t *testing.T) {
		dest := filepath.Join(t.TempDir(), "svc")
		b := openBundle(t, map[string]string{"deployment.xml": `<Deployment><install><osTypes>
  <osType name="LINUX86" startCmd="sleep 30" timeout="1"/></osTypes></install></Deployment>`})
		_, err := bundle.Deploy(ctx, b, bundle.Options{Dest: dest, ID: 1})
		var ce *bundle.CommandError
		require.ErrorAs(t, err, &ce)
		require.True(t, ce.Result.TimedOut)
		require.NoDirExists(t, dest)
	})
	t.Run("failing uninstall on purge is reported, package removed", func(t *testing.T) {
		dest := filepath.Join(t.TempDir(), "svc")
		b := openBundle(t, pkg("true", "exit 9"))
		_, err := bundle.Deploy(ctx, b, bundle.Options{Dest: dest, ID: 1})
		require.NoError(t, err)
		res, err := bundle.Purge(ctx, dest, bundle.PurgeOptions{})
		require.NoError(t, err)
		require.False(t, res.Commands[0].Success)
		require.Contains(t, strings.Join(res.Warnings, "\n"), "exited with 9")
		require.NoDirExists(t, dest)
	})
}

// TestHandover: items with rhq:handover are not deployed but handed, realized (in
// a copy), in declaration order, to the registered target; failonerror decides
// whether a failure stops the deployment (R173). Dry runs skip the callback.
func TestHandover(t *testing.T) {
	ctx := context.Background()
	files := map[string]string{
		"a.txt":   "A",
		"app.war": "war @@listener.port@@",
		"lib.zip": "ZIP:conf/x.properties=p=@@listener.port@@",
		"deploy.xml": `<project name="p" xmlns:rhq="antlib:org.rhq.bundle">
  <rhq:bundle name="app" version="1">
    <rhq:input-property name="listener.port" defaultValue="8080"/>
    <rhq:deployment-unit name="u">
      <rhq:file name="a.txt"/>
      <rhq:archive name="lib.zip"><rhq:replace><rhq:fileset includes="**/*.properties"/></rhq:replace><rhq:handover action="lib" failonerror="false"/></rhq:archive>
      <rhq:file name="app.war" replace="true"><rhq:handover action="deployment"><rhq:handover-param name="runtime-name" value="app.war"/></rhq:handover></rhq:file>
    </rhq:deployment-unit>
  </rhq:bundle>
</project>`,
	}
	var got []string
	target := bundle.HandoverFunc(func(ctx context.Context, item bundle.HandoverItem) error {
		data, _ := io.ReadAll(item.Content)
		got = append(got, item.Action+" "+item.Name)
		if item.Name == "app.war" {
			require.Equal(t, "war 8080", string(data))
			require.Equal(t, []bundle.HandoverParam{{Name: "runtime-name", Value: "app.war"}}, item.Params)
		}
		if item.Action == "lib" {
			return errors.New("lib target down")
		}
		return nil
	})
	dest := filepath.Join(t.TempDir(), "app")
	b := openBundle(t, files)
	p, err := bundle.PlanDeploy(ctx, b, bundle.Options{Dest: dest, ID: 1, Handover: target})
	require.NoError(t, err)
	p.Close()
	require.Empty(t, got, "a dry run skips the callback")
	res, err := bundle.Deploy(ctx, b, bundle.Options{Dest: dest, ID: 1, Handover: target})
	require.NoError(t, err, "failonerror=false: reported, not fatal")
	require.Equal(t, []string{"lib lib.zip", "deployment app.war"}, got)
	require.Contains(t, strings.Join(res.Warnings, "\n"), "lib target down")
	require.Equal(t, map[string]string{"a.txt": "A"}, readTree(t, dest), "handed-over items are not deployed")
	require.Equal(t, "war @@listener.port@@", readFile(t, filepath.Join(b.Source, "app.war")), "the bundle is never modified")

	fail := bundle.HandoverFunc(func(context.Context, bundle.HandoverItem) error { return errors.New("refused") })
	_, err = bundle.Deploy(ctx, b, bundle.Options{Dest: dest, ID: 2, Handover: fail})
	var he *bundle.HandoverError
	require.ErrorAs(t, err, &he)
	require.ErrorContains(t, err, "Handover failed: Handover[action='deployment', handoverParams={runtime-name=app.war}, failOnError=true]")
}

// TestSystemService installs an rhq:system-service under a temporary root (R174):
// script 0755, config realized 0644, run-level links.
func TestSystemService(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("SysV init is Unix")
	}
	root := t.TempDir()
	dest := filepath.Join(t.TempDir(), "app")
	b := openBundle(t, map[string]string{
		"a.txt":              "A",
		"init/musicapp":      "#!/bin/sh\n",
		"init/musicapp.conf": "PORT=@@listener.port@@\n",
		"deploy.xml": `<project name="p" xmlns:rhq="antlib:org.rhq.bundle">
  <rhq:bundle name="app" version="1">
    <rhq:input-property name="listener.port" defaultValue="7081"/>
    <rhq:deployment-unit name="u">
      <rhq:file name="a.txt"/>
      <rhq:system-service name="musicapp" scriptFile="init/musicapp" configFile="init/musicapp.conf"
          startLevels="3,5" startPriority="80" stopPriority="20" root="` + root + `"/>
    </rhq:deployment-unit>
  </rhq:bundle>
</project>`,
	})
	_, err := bundle.Deploy(context.Background(), b, bundle.Options{Dest: dest, ID: 1})
	require.NoError(t, err)
	fi, err := os.Stat(filepath.Join(root, "etc/init.d/musicapp"))
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o755), fi.Mode().Perm())
	require.Equal(t, "PORT=7081\n", readFile(t, filepath.Join(root, "etc/sysconfig/musicapp")))
	for level, link := range map[int]string{3: "S80musicapp", 5: "S80musicapp", 0: "K20musicapp", 6: "K20musicapp"} {
		target, err := os.Readlink(filepath.Join(root, "etc", sprintf("rc%d.d", level), link))
		require.NoError(t, err)
		require.Equal(t, "../init.d/musicapp", target)
	}
}

// TestZipBundleWithTargets deploys the seed's simple recipe packed as a .zip: its
// targets see the extracted bundle as ${basedir}, and its archive is read from
// that same copy.
func TestZipBundleWithTargets(t *testing.T) {
	zipPath := filepath.Join(t.TempDir(), "simple.zip")
	f, err := os.Create(zipPath)
	require.NoError(t, err)
	require.NoError(t, bundle.Pack(context.Background(), filepath.Join("..", "examples", "bundles", "simple"), f))
	require.NoError(t, f.Close())
	b, err := bundle.Open(context.Background(), zipPath)
	require.NoError(t, err)
	defer b.Close()
	dest := filepath.Join(t.TempDir(), "app")
	var echoes []string
	_, err = bundle.Deploy(context.Background(), b, bundle.Options{Dest: dest, ID: 1, Events: func(e bundle.Event) {
		if e.Task == "echo" {
			echoes = append(echoes, e.Target)
		}
	}})
	require.NoError(t, err)
	require.Equal(t, []string{"preinstall", "postinstall"}, echoes)
	require.Equal(t, "app.port=8080\napp.home="+dest+"\n", readFile(t, filepath.Join(dest, "conf/app.properties")))
}
