// Package testbundle writes the small bundle that the tests of rollouts share,
// in the package's own tests and in the Ansible example's, so that both
// deploy the same application and a change to it is made once.
package testbundle

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// App writes into dir, made if missing, a bundle directory of the bundle App
// at version, and returns dir. Its one file, app.conf, holds the lines
// "version <version>" and "port @@port@@", port being a required integer
// input property; its preinstall target fails with "told to fail" when the
// property fail.me is set, then runs pre (more Ant tasks, "" for none).
func App(t testing.TB, dir, version, pre string) string {
	t.Helper()
	require.NoError(t, os.MkdirAll(dir, 0o755))
	recipe := fmt.Sprintf(`<project name="app" default="main" xmlns:rhq="antlib:org.rhq.bundle">
  <rhq:bundle name="App" version=%q>
    <rhq:input-property name="port" type="integer" required="true"/>
    <rhq:deployment-unit name="app" compliance="full" preinstallTarget="pre">
      <rhq:file name="app.conf" replace="true"/>
    </rhq:deployment-unit>
  </rhq:bundle>
  <target name="main"/>
  <target name="pre">
    <fail if="fail.me" message="told to fail"/>
    %s
  </target>
</project>
`, version, pre)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "deploy.xml"), []byte(recipe), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "app.conf"), []byte("version "+version+"\nport @@port@@\n"), 0o644))
	return dir
}
