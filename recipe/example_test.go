package recipe_test

import (
	"fmt"
	"strings"

	"github.com/bundlekit/bundlekit/recipe"
)

func ExampleParse() {
	const deployXML = `<project name="app" default="main" xmlns:rhq="antlib:org.rhq.bundle">
  <rhq:bundle name="MusicApp" version="1.0">
    <rhq:input-property name="listener.port" type="integer" defaultValue="8080"
                        description="HTTP port"/>
    <rhq:deployment-unit name="app" compliance="filesAndDirectories">
      <rhq:file name="conf/app.conf" replace="true"/>
      <rhq:archive name="MusicApp.jar">
        <rhq:replace><rhq:fileset><include name="**/*.properties"/></rhq:fileset></rhq:replace>
      </rhq:archive>
      <rhq:ignore><rhq:fileset includes="logs/, data/"/></rhq:ignore>
    </rhq:deployment-unit>
  </rhq:bundle>
  <target name="main"/>
</project>`
	r, err := recipe.Parse(strings.NewReader(deployXML))
	if err != nil {
		fmt.Println(err)
		return
	}
	mode, _ := r.Compliance()
	fmt.Println(r.Bundle.Name, r.Bundle.Version, mode)
	for _, in := range r.Inputs() {
		fmt.Printf("input %s (%s) default %s, declared at %s\n", in.Name, in.Type, in.Default, in.Pos)
	}
	fmt.Println("bundle files:", r.BundleFiles())
	ignore, _ := r.Bundle.Unit.Ignore.Matcher()
	fmt.Println("ignores logs/server.log:", ignore.Match("logs/server.log"))
	fmt.Println("ignores conf/app.conf:", ignore.Match("conf/app.conf"))
	// Output:
	// MusicApp 1.0 filesAndDirectories
	// input listener.port (integer) default 8080, declared at deploy.xml:3:5
	// bundle files: [MusicApp.jar conf/app.conf]
	// ignores logs/server.log: true
	// ignores conf/app.conf: false
}

func ExampleParse_errors() {
	const broken = `<project xmlns:rhq="antlib:org.rhq.bundle">
  <rhq:bundle name="app" version="1">
    <rhq:input-property name="port" type="Integer"/>
    <rhq:deployment-unit name="app" compliance="strict">
      <rhq:file name="a.conf" destinationFile="x" destinationDir="y"/>
    </rhq:deployment-unit>
  </rhq:bundle>
</project>`
	_, err := recipe.Parse(strings.NewReader(broken))
	for _, e := range recipe.Errors(err) {
		fmt.Printf("%s [%s]\n", e, e.Rule)
	}
	// Output:
	// deploy.xml:3:5: <rhq:input-property name="port">: illegal value for 'type' attribute: Integer (valid types: string, longString, password, boolean, integer, long, float, double, file, directory) [R158]
	// deploy.xml:4:5: <rhq:deployment-unit name="app">: compliance="strict" is not a compliance mode (use "full" or "filesAndDirectories") [R160]
	// deploy.xml:5:7: <rhq:file name="a.conf">: both 'destinationDir' and 'destinationFile' attributes are defined - only one or the other may be specified [R163]
}

func ExampleRecipe_Expand() {
	r, err := recipe.Parse(strings.NewReader(`<project xmlns:rhq="antlib:org.rhq.bundle">
  <rhq:bundle name="app" version="${release}">
    <property name="conf.dir" value="conf"/>
    <rhq:deployment-unit name="app">
      <rhq:file name="app.conf" destinationDir="${conf.dir}/${env}"/>
    </rhq:deployment-unit>
  </rhq:bundle>
</project>`))
	if err != nil {
		fmt.Println(err)
		return
	}
	x, err := r.Expand(recipe.Env{Properties: map[string]string{"release": "2.1", "env": "prod"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(x.Bundle.Version, x.Bundle.Unit.Files[0].Destination())
	// Output:
	// 2.1 conf/prod/app.conf
}

func ExampleParseServicePackage() {
	sp, err := recipe.ParseServicePackage(strings.NewReader(`<Deployment>
  <install><osTypes>
    <osType name="LINUX86" startCmd="./install.sh" timeout="100" successCodes="-1:10"/>
  </osTypes></install>
</Deployment>`))
	if err != nil {
		fmt.Println(err)
		return
	}
	cmd := sp.Install.For(recipe.OSTypeFor("linux"))
	fmt.Println(cmd.StartCmd, cmd.Timeout, cmd.SuccessCodes.Success(-1), cmd.SuccessCodes.Success(11))
	// Output:
	// ./install.sh 1m40s true false
}
