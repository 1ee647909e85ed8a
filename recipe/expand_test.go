package recipe_test

import (
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/recipe"
)

func mustParse(t *testing.T, xml string) *recipe.Recipe {
	t.Helper()
	r, err := recipe.Parse(strings.NewReader(xml))
	require.NoError(t, err)
	return r
}

func TestExpand(t *testing.T) {
	const xml = `<project name="p" xmlns:rhq="antlib:org.rhq.bundle">
<property name="top" value="from-top"/>
<rhq:bundle name="app-${flavour}" version="${top}-${version}" description="$${literal} ${unknown} $x">
  <property name="flavour" value="recipe-flavour"/>
  <property name="version" value="1.${minor}"/>
  <property name="minor" value="2"/>
  <property name="conf.dir" location="conf"/>
  <rhq:input-property name="${propname1}" type="integer" defaultValue="8080"/>
  <rhq:input-property name="app.name" defaultValue="music-${top}"/>
  <property name="uses.default" value="${app.name}"/>
  <property file="site.properties" prefix="site"/>
  <property file="missing.properties"/>
  <rhq:property file="../shared/x.properties" relativeToDeployDir="true"/>
  <property environment="env"/>
  <rhq:deployment-unit name="u" compliance="${mode}">
    <rhq:file name="${app.name}.conf" destinationDir="${conf.dest}" replace="${realize}"/>
  </rhq:deployment-unit>
</rhq:bundle>
</project>`
	r := mustParse(t, xml)
	// Before expansion the model holds the raw values (R176: no deploy-time
	// property needed).
	require.Equal(t, "app-${flavour}", r.Bundle.Name)
	require.Equal(t, "${propname1}", r.Inputs()[0].Name)

	var read []string
	env := recipe.Env{
		Properties: map[string]string{
			"flavour":    "caller-flavour", // R157: the caller's value beats the recipe's
			"propname1":  "one.prop",
			"mode":       "filesAndDirectories",
			"conf.dest":  "etc",
			"realize":    "true",
			"one.prop":   "9090",
			"rhq.deploy": "ignored",
		},
		Basedir:   "/bundles/app",
		DeployDir: "/opt/app",
		ReadProperties: func(path string) (map[string]string, error) {
			read = append(read, path)
			switch filepath.Base(path) {
			case "site.properties":
				return map[string]string{"b": "2", "a": "1"}, nil
			case "x.properties":
				return map[string]string{"shared.key": "v"}, nil
			}
			return nil, fs.ErrNotExist
		},
		Environ: func() []string { return []string{"HOME=/home/op", "BROKEN"} },
	}
	x, err := r.Expand(env)
	require.NoError(t, err)
	require.Equal(t, "app-caller-flavour", x.Bundle.Name)
	// Ant expands a task's attributes before its nested elements run: the
	// bundle's version sees the top-level property but not the nested one. And a
	// property refers to the values defined before it: minor was not yet defined
	// when version was, so that reference stays literal (R157).
	require.Equal(t, "from-top-${version}", x.Bundle.Version)
	require.Equal(t, "${literal} ${unknown} $x", x.Bundle.Description)
	require.Equal(t, "one.prop", x.Inputs()[0].Name)
	require.Equal(t, recipe.FilesAndDirectories, x.Bundle.Unit.Compliance)
	f := x.Bundle.Unit.Files[0]
	require.Equal(t, "music-from-top.conf", f.Name)
	require.Equal(t, "etc/music-from-top.conf", f.Destination())
	require.True(t, f.Replace)

	require.Equal(t, map[string]string{
		"basedir":      "/bundles/app",
		"top":          "from-top",
		"version":      "1.${minor}",
		"minor":        "2",
		"conf.dir":     "/bundles/app/conf",
		"app.name":     "music-from-top", // R159: a default becomes a property
		"uses.default": "music-from-top",
		"site.a":       "1",
		"site.b":       "2",
		"shared.key":   "v",
		"env.HOME":     "/home/op",
	}, x.Defined)
	// R177: relativeToDeployDir re-roots the file under the deploy dir.
	require.Equal(t, []string{"/bundles/app/site.properties", "/bundles/app/missing.properties", "/opt/shared/x.properties"}, read)
	require.Len(t, x.Warnings, 1, "the missing property file is a warning: %v", x.Warnings)
	require.Contains(t, x.Warnings[0].Error(), "missing.properties not found")
	// The parsed recipe is not changed by Expand.
	require.Equal(t, "app-${flavour}", r.Bundle.Name)
}

// TestExpandValidates shows that checks deferred at parse time run on the
// expanded values, with the position of the element.
func TestExpandValidates(t *testing.T) {
	r := mustParse(t, bundle(`<rhq:input-property name="${n}" type="${t}" defaultValue="${d}"/>
<rhq:deployment-unit compliance="${c}" preinstallTarget="${pre}"><rhq:file name="${f}"/></rhq:deployment-unit>`))
	_, err := r.Expand(recipe.Env{Properties: map[string]string{
		"n": "bad name", "t": "integer", "d": "x", "c": "most", "pre": "missing", "f": "../../etc/passwd",
	}})
	var lines []string
	for _, e := range recipe.Errors(err) {
		lines = append(lines, e.Error())
	}
	require.Equal(t, []string{
		`deploy.xml:3:1: <rhq:input-property name="${n}">: input property name "bad name" may only contain letters, digits, '_' and '.' (it names a @@token@@)`,
		`deploy.xml:3:1: <rhq:input-property name="${n}">: default value 'x' is not valid according to 'type' attribute: integer`,
		`deploy.xml:4:1: <rhq:deployment-unit>: compliance="most" is not a compliance mode (use "full" or "filesAndDirectories")`,
		`deploy.xml:4:1: <rhq:deployment-unit>: specified preinstall target (missing) does not exist`,
		`deploy.xml:4:66: <rhq:file name="${f}">: path specified by "name" (../../etc/passwd) climbs out of the bundle directory with ".."`,
	}, lines)
}

func TestExpandSecretDefaultNotShown(t *testing.T) {
	_, err := recipe.Parse(strings.NewReader(bundle(`<rhq:input-property name="pw" type="password" defaultValue="s3cr3t"/>
<rhq:deployment-unit><rhq:file name="x"/></rhq:deployment-unit>`)))
	require.NoError(t, err, "a password is not type-checked")
}

func TestBundleFiles(t *testing.T) {
	r := mustParse(t, `<project xmlns:rhq="antlib:org.rhq.bundle">
<property file="top.properties"/>
<property file="/etc/abs.properties"/>
<rhq:bundle name="b" version="1">
  <property file="conf\bundle.properties"/>
  <property file="../outside.properties"/>
  <rhq:property file="deploydir.properties" relativeToDeployDir="true"/>
  <rhq:deployment-unit>
    <rhq:file name="z.txt"/>
    <rhq:file name="h.war"><rhq:handover action="deploy"/></rhq:file>
    <rhq:url-file url="http://h/remote.txt"/>
    <rhq:archive name="lib/a.zip"/>
    <rhq:url-archive url="http://h/remote.zip"/>
    <rhq:archive name="lib/a.zip" exploded="false"/>
    <rhq:system-service name="s" scriptFile="init/s" configFile="init/s.conf" startLevels="3" startPriority="1" stopPriority="1"/>
  </rhq:deployment-unit>
</rhq:bundle>
</project>`)
	// R175: URL items, out-of-bundle and deploy-dir property files are not bundle
	// files; duplicates are listed once.
	require.Equal(t, []string{"conf/bundle.properties", "h.war", "init/s", "init/s.conf", "lib/a.zip", "top.properties", "z.txt"}, r.BundleFiles())
}
