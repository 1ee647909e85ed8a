package ant_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/bundlekit/bundlekit/internal/ant"
	"github.com/bundlekit/bundlekit/recipe"
)

func ExampleProject_RunTarget() {
	const deployXML = `<project name="demo" default="main" xmlns:rhq="antlib:org.rhq.bundle">
  <rhq:bundle name="demo" version="1.0">
    <rhq:deployment-unit name="app" preinstallTarget="preinstall">
      <rhq:file name="app.conf"/>
    </rhq:deployment-unit>
  </rhq:bundle>
  <target name="main"/>
  <target name="preinstall">
    <property name="greeting" value="recipe value"/>
    <echo>${greeting}, deploying version ${version}</echo>
    <mkdir dir="${rhq.deploy.dir}/logs"/>
    <rhq:audit status="INFO" action="Preinstall" info="logs created">done</rhq:audit>
  </target>
</project>`
	r, err := recipe.Parse(strings.NewReader(deployXML))
	if err != nil {
		fmt.Println(err)
		return
	}
	tmp, err := os.MkdirTemp("", "example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(tmp)
	p, err := ant.New(r, ant.Env{
		Basedir:   tmp,
		DeployDir: filepath.Join(tmp, "deploy"),
		// The caller's properties cannot be changed by the recipe (R157).
		Properties: map[string]string{"greeting": "hello", "version": "1.0"},
		Events: func(e ant.Event) {
			switch e.Type {
			case ant.EventEcho:
				fmt.Println("echo:", e.Message)
			case ant.EventAudit:
				fmt.Println("audit:", e.Audit.Status, e.Audit.Action, e.Audit.Info, e.Audit.Details)
			}
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close()
	if err := p.RunTarget(context.Background(), r.Bundle.Unit.PreinstallTarget); err != nil {
		fmt.Println(err)
		return
	}
	_, err = os.Stat(filepath.Join(tmp, "deploy", "logs"))
	fmt.Println("logs created:", err == nil)
	// Output:
	// echo: hello, deploying version 1.0
	// audit: INFO Preinstall logs created done
	// logs created: true
}
