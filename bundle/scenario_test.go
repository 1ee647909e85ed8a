package bundle_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/bundle"
	"github.com/bundlekit/bundlekit/internal/testtree"
)

const recipeV = `<project name="app" default="main" xmlns:rhq="antlib:org.rhq.bundle">
  <rhq:bundle name="MusicApp" version="%s">
    <rhq:input-property name="listener.port" type="integer" defaultValue="8080"/>
    <rhq:deployment-unit name="app" compliance="%s">
      <rhq:file name="conf/app.conf" replace="true"/>
      <rhq:archive name="MusicApp.jar">
        <rhq:replace><rhq:fileset><include name="**/*.properties"/></rhq:fileset></rhq:replace>
      </rhq:archive>
      <rhq:ignore><rhq:fileset includes="logs/"/></rhq:ignore>
    </rhq:deployment-unit>
  </rhq:bundle>
  <target name="main"/>
</project>`

func openBundle(t *testing.T, files map[string]string) *bundle.Bundle {
	t.Helper()
	dir := t.TempDir()
	testtree.WriteFiles(t, dir, files)
	b, err := bundle.Open(dir)
	require.NoError(t, err)
	t.Cleanup(func() { b.Close() })
	return b
}

func TestScenarioUpgradeRevertPurge(t *testing.T) {
	ctx := context.Background()
	dest := filepath.Join(t.TempDir(), "app")
	v1 := openBundle(t, map[string]string{
		"deploy.xml":    sprintf(recipeV, "1.0", "full"),
		"conf/app.conf": "port=@@listener.port@@\nhome=@@rhq.deploy.dir@@\n",
		"MusicApp.jar":  "ZIP:WEB-INF/web.xml=<web/>|WEB-INF/classes/app.properties=name=@@rhq.deploy.name@@|lib/=",
	})
	res, err := bundle.Deploy(ctx, v1, bundle.Options{Dest: dest, ID: 1, Properties: map[string]string{"listener.port": "7081"}})
	require.NoError(t, err)
	require.Equal(t, []string{"WEB-INF/classes/app.properties", "WEB-INF/web.xml", "conf/app.conf"}, res.Differences.Added)
	require.Equal(t, map[string]string{
		"conf/app.conf":                  "port=7081\nhome=" + dest + "\n",
		"WEB-INF/web.xml":                "<web/>",
		"WEB-INF/classes/app.properties": "name=MusicApp",
	}, readTree(t, dest))
	require.DirExists(t, filepath.Join(dest, "lib"), "R97: empty directory entries are created")

	// The operator edits the config and the app writes a log.
	require.NoError(t, os.WriteFile(filepath.Join(dest, "conf/app.conf"), []byte("edited by hand\n"), 0o644))
	testtree.WriteFiles(t, dest, map[string]string{"logs/server.log": "log line", "notes.txt": "unrelated"})

	v2 := openBundle(t, map[string]string{
		"deploy.xml":    sprintf(recipeV, "2.0", "full"),
		"conf/app.conf": "port=@@listener.port@@\nhome=@@rhq.deploy.dir@@\nv2=true\n",
		"MusicApp.jar":  "ZIP:WEB-INF/web.xml=<web v2/>|WEB-INF/classes/app.properties=name=@@rhq.deploy.name@@",
	})
	plan, err := bundle.PlanDeploy(ctx, v2, bundle.Options{Dest: dest, ID: 2, Properties: map[string]string{"listener.port": "7081"}})
	require.NoError(t, err)
	planned := plan.Differences
	res, err = bundle.Apply(ctx, plan)
	require.NoError(t, err)
	require.Equal(t, planned, res.Differences, "the dry run reports what the real run does")
	backup := filepath.Join(dest, ".rhqdeployments/2/backup")
	require.Equal(t, map[string]string{
		"conf/app.conf": filepath.Join(backup, "conf/app.conf"),
		"notes.txt":     filepath.Join(backup, "notes.txt"),
		"lib":           filepath.Join(backup, "lib"),
	}, res.Differences.BackedUp)
	require.Equal(t, []string{"WEB-INF/web.xml", "conf/app.conf"}, res.Differences.Changed)
	require.Equal(t, []string{"lib", "notes.txt"}, res.Differences.Deleted)
	require.Equal(t, []string{"logs"}, res.Differences.Ignored)
	require.Equal(t, "edited by hand\n", readFile(t, filepath.Join(backup, "conf/app.conf")))
	require.Equal(t, map[string]string{
		"conf/app.conf":                  "port=7081\nhome=" + dest + "\nv2=true\n",
		"WEB-INF/web.xml":                "<web v2/>",
		"WEB-INF/classes/app.properties": "name=MusicApp",
		"logs/server.log":                "log line",
	}, readTree(t, dest))

	// Revert to v1 content with a new id: the edit comes back from 2/backup.
	res, err = bundle.Revert(ctx, v1, bundle.Options{Dest: dest, ID: 3, Properties: map[string]string{"listener.port": "7081"}})
	require.NoError(t, err)
	require.Equal(t, "edited by hand\n", readFile(t, filepath.Join(dest, "conf/app.conf")))
	require.Equal(t, "unrelated", readFile(t, filepath.Join(dest, "notes.txt")))
	require.Contains(t, res.Differences.Restored, "conf/app.conf")

	st, err := bundle.Status(ctx, dest)
	require.NoError(t, err)
	require.Equal(t, 3, st.Current.ID)
	require.Equal(t, []int{1, 2, 3}, st.History)
	require.Empty(t, st.Drift.Changed)

	_, err = bundle.Purge(ctx, dest, bundle.PurgeOptions{})
	require.NoError(t, err)
	require.NoDirExists(t, dest, "R138: full compliance removes the destination")
}
