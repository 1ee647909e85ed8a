package destination_test

import (
	"errors"
	"fmt"
	"strings"

	"github.com/bundlekit/bundlekit/destination"
)

// The JBoss AS server type declares where bundles may go; a server's plugin
// configuration says where its profile directory is.
const jbossBundleTarget = `
<bundle-target xmlns="urn:xmlns:rhq-plugin">
   <destination-base-dir name="Profile Directory" description="The profile configuration directory">
      <value-context>pluginConfiguration</value-context>
      <value-name>serverHomeDir</value-name>
   </destination-base-dir>
</bundle-target>`

// The example of the JBoss ON provisioning guide: one profile directory base
// location and one deploy dir, resolved on a Linux and on a Windows server. Each
// result is spelled for its target's platform, whatever this program runs on.
func ExampleResolve() {
	locs, err := destination.ParseBundleTarget(strings.NewReader(jbossBundleTarget))
	if err != nil {
		fmt.Println(err)
		return
	}
	spec := destination.Spec{BaseLocation: "Profile Directory", DeployDir: "deploy/myApp/"}

	for _, t := range []destination.Target{
		{
			Name:          "eap-linux",
			Platform:      destination.PlatformOf("linux"),
			BaseLocations: locs,
			Values:        destination.Values{destination.PluginConfiguration: {"serverHomeDir": "/opt/jbossas/default/server/"}},
		},
		{
			Name:          "eap-windows",
			Platform:      destination.PlatformOf("windows"),
			BaseLocations: locs,
			Values:        destination.Values{destination.PluginConfiguration: {"serverHomeDir": `C:\jbossas\server\`}},
		},
		{
			Name:          "eap-unconfigured",
			Platform:      destination.PlatformOf("linux"),
			BaseLocations: locs,
		},
	} {
		dir, err := destination.Resolve(spec, t)
		if errors.Is(err, destination.ErrValueNotSet) {
			fmt.Println(err)
			continue
		}
		fmt.Printf("%s: %s\n", t.Name, dir)
	}
	// Output:
	// eap-linux: /opt/jbossas/default/server/deploy/myApp
	// eap-windows: C:\jbossas\server\deploy\myApp
	// target "eap-unconfigured", base location "Profile Directory", deploy dir "deploy/myApp/": base directory value not set: the target has no plugin configuration property "serverHomeDir"
}

// A group gets one destination; every member resolves it against its own
// configuration, and a member that cannot does not stop the others.
func ExampleResolveGroup() {
	locs, err := destination.ParseBundleTarget(strings.NewReader(jbossBundleTarget))
	if err != nil {
		fmt.Println(err)
		return
	}
	server := func(name, profile string) destination.Target {
		return destination.Target{
			Name:          name,
			Platform:      destination.PlatformOf("windows"),
			BaseLocations: locs,
			Values:        destination.Values{destination.PluginConfiguration: {"serverHomeDir": profile}},
		}
	}
	group := []destination.Target{
		server("eap-1", `C:\jbossas\server`),
		server("eap-2", `d:\eap\standalone`),
		server("eap-3", `jbossas\server`),
	}

	results, err := destination.ResolveGroup(destination.Spec{BaseLocation: "Profile Directory", DeployDir: "deploy/myApp"}, group)
	for _, r := range results {
		if r.Err != nil {
			fmt.Printf("%s: not deployed\n", r.Target)
			continue
		}
		fmt.Printf("%s: %s\n", r.Target, r.Dir)
	}
	fmt.Println(errors.Is(err, destination.ErrNotAbsolute))
	// Output:
	// eap-1: C:\jbossas\server\deploy\myApp
	// eap-2: D:\eap\standalone\deploy\myApp
	// eap-3: not deployed
	// true
}

// Recipe destinations become keys relative to the deploy dir, or explicit
// external paths; a destination that cannot be placed safely is an error.
func ExampleDir_NormalizeFile() {
	dir, err := destination.ParseDir(destination.FlavourWindows, `C:\jbossas\server\deploy\myApp`)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, dest := range []string{
		`conf\app.properties`,
		`./lib//app.jar`,
		`C:\jbossas\server\deploy\myApp\WEB-INF\web.xml`,
		`..\..\conf\jboss-log4j.xml`,
		`d:\data\app.db`,
		`E:relative.txt`,
	} {
		p, err := dir.NormalizeFile(dest)
		switch {
		case err != nil:
			fmt.Println(err)
		case p.External():
			fmt.Printf("external %s (%s)\n", p, dir.Native(p))
		default:
			fmt.Printf("relative %s\n", p)
		}
	}
	// Output:
	// relative conf/app.properties
	// relative lib/app.jar
	// relative WEB-INF/web.xml
	// external C:/jbossas/server/conf/jboss-log4j.xml (C:\jbossas\server\conf\jboss-log4j.xml)
	// external D:/data/app.db (D:\data\app.db)
	// destination "E:relative.txt" (deploy dir C:\jbossas\server\deploy\myApp): drive letter differs from the deploy dir's: E: is not on C:
}
