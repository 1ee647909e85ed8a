package ant

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/recipe"
)

// TestValidate has, for every supported task, the attribute and nesting
// mistakes Validate reports before anything runs.
func TestValidate(t *testing.T) {
	tests := []struct {
		name  string
		tasks string
		want  string // substring of the one error
		kind  error
	}{
		{"unsupported task lists the supported ones", `<get src="http://x" dest="y"/>`, "unsupported task <get>; the tasks bundlekit runs are: ant, available, chmod", recipe.ErrUnsupported},
		{"unsupported task in another namespace", `<x:foo xmlns:x="urn:x"/>`, "unsupported task <x:foo>", recipe.ErrUnsupported},
		{"text where none is taken", `<mkdir dir="a">hello</mkdir>`, "<mkdir> does not take text", recipe.ErrInvalid},
		{"attribute given twice in two cases", `<mkdir dir="a" DIR="b"/>`, `the "DIR" attribute is given twice`, recipe.ErrConflict},

		{"echo: bad level", `<echo level="loud">x</echo>`, `level="loud" is not one of error, warning, info, verbose, debug`, recipe.ErrInvalid},
		{"echo: unknown attribute", `<echo msg="x"/>`, `<echo> does not support the "msg" attribute (supported: message, file, append, level)`, recipe.ErrUnsupported},
		{"echo: bad boolean", `<echo file="x" append="maybe"/>`, `append="maybe" is not a boolean`, recipe.ErrInvalid},
		{"echo: nested element", `<echo><fileset dir="."/></echo>`, "<fileset> cannot be nested in <echo>, which takes no nested elements", recipe.ErrUnsupported},

		{"property: name without value", `<property name="x"/>`, "a property with a name needs value, location or nested text", recipe.ErrMissing},
		{"property: value without name", `<property value="x"/>`, `value, location and nested text need the "name" attribute`, recipe.ErrMissing},
		{"property: value and location", `<property name="x" value="1" location="y"/>`, "give only one of value, location and nested text", recipe.ErrConflict},
		{"property: value and text", `<property name="x" value="1">two</property>`, "give only one of value, location and nested text", recipe.ErrConflict},
		{"property: name and file", `<property name="x" value="1" file="f"/>`, "file and environment define many properties", recipe.ErrConflict},
		{"property: nothing", `<property/>`, "give name with value or location, or file, or environment", recipe.ErrMissing},
		{"property: prefix without file", `<property environment="env" prefix="p"/>`, "prefix applies to properties loaded from a file", recipe.ErrConflict},
		{"property: relativeToDeployDir is RHQ's", `<property file="f" relativeToDeployDir="true"/>`, `does not support the "relativeToDeployDir" attribute`, recipe.ErrUnsupported},
		{"property: refid", `<property name="x" refid="y"/>`, `does not support the "refid" attribute`, recipe.ErrUnsupported},

		{"mkdir: no dir", `<mkdir/>`, `the "dir" attribute is required`, recipe.ErrMissing},
		{"mkdir: blank dir", `<mkdir dir=" "/>`, `the "dir" attribute is required`, recipe.ErrMissing},

		{"touch: no file", `<touch/>`, `the "file" attribute is required`, recipe.ErrMissing},
		{"touch: negative millis", `<touch file="a" millis="-1"/>`, `millis="-1" is not a whole number`, recipe.ErrInvalid},
		{"touch: bad datetime", `<touch file="a" datetime="tomorrow"/>`, `datetime="tomorrow" is not a date`, recipe.ErrInvalid},
		{"touch: millis and datetime", `<touch file="a" millis="1" datetime="01/02/2024 10:00 AM"/>`, "the attributes millis and datetime exclude each other", recipe.ErrConflict},
		{"touch: fileset", `<touch file="a"><fileset dir="."/></touch>`, "<fileset> cannot be nested in <touch>", recipe.ErrUnsupported},

		{"copy: no source", `<copy todir="x"/>`, "give a source", recipe.ErrMissing},
		{"copy: no destination", `<copy file="a"/>`, "give a destination", recipe.ErrMissing},
		{"copy: tofile and todir", `<copy file="a" tofile="b" todir="c"/>`, "give tofile or todir, not both", recipe.ErrConflict},
		{"copy: filtering", `<copy file="a" todir="b" filtering="true"/>`, `does not support the "filtering" attribute`, recipe.ErrUnsupported},
		{"copy: mapper", `<copy todir="b"><mapper type="flatten"/></copy>`, "<mapper> cannot be nested in <copy> (supported: fileset)", recipe.ErrUnsupported},
		{"copy: fileset without dir", `<copy todir="b"><fileset includes="*"/></copy>`, `the "dir" attribute is required`, recipe.ErrMissing},
		{"copy: fileset with dir and file", `<copy todir="b"><fileset dir="." file="a"/></copy>`, "give dir or file, not both", recipe.ErrConflict},
		{"copy: pattern climbing out", `<copy todir="b"><fileset dir="." includes="../x"/></copy>`, `pattern "../x"`, recipe.ErrInvalid},
		{"copy: nested include without name", `<copy todir="b"><fileset dir="."><include/></fileset></copy>`, `the "name" attribute is required`, recipe.ErrMissing},
		{"copy: includesfile", `<copy todir="b"><fileset dir="." includesfile="x"/></copy>`, `does not support the "includesfile" attribute`, recipe.ErrUnsupported},
		{"move: no destination", `<move file="a"/>`, "give a destination", recipe.ErrMissing},

		{"delete: nothing", `<delete/>`, "give the file or dir attribute, or a nested <fileset>", recipe.ErrMissing},
		{"delete: patterns without dir", `<delete includes="*.tmp"/>`, `include and exclude patterns need the "dir" attribute`, recipe.ErrMissing},
		{"delete: bad boolean", `<delete file="a" quiet="sure"/>`, `quiet="sure" is not a boolean`, recipe.ErrInvalid},

		{"chmod: no perm", `<chmod file="a"/>`, `the "perm" attribute is required`, recipe.ErrMissing},
		{"chmod: setuid symbolic", `<chmod file="a" perm="u+s"/>`, `is not one of r, w, x, X`, recipe.ErrInvalid},
		{"chmod: not a mode", `<chmod file="a" perm="99999"/>`, `perm="99999"`, recipe.ErrInvalid},
		{"chmod: octal too large", `<chmod file="a" perm="17777"/>`, `is not a file mode`, recipe.ErrInvalid},
		{"chmod: nothing to change", `<chmod perm="755"/>`, "give the file or dir attribute", recipe.ErrMissing},
		{"chmod: bad type", `<chmod dir="a" perm="755" type="link"/>`, `type="link" is not one of file, dir, both`, recipe.ErrInvalid},

		{"replace: no token", `<replace file="a"/>`, "give the token attribute, a <replacetoken> or a nested <replacefilter>", recipe.ErrMissing},
		{"replace: empty token", `<replace file="a" token=""/>`, "the token must not be empty", recipe.ErrInvalid},
		{"replace: no file", `<replace token="a"/>`, "give the file or dir attribute, or a nested <fileset>", recipe.ErrMissing},
		{"replace: token twice", `<replace file="a" token="x"><replacetoken>y</replacetoken></replace>`, "the token is given twice", recipe.ErrConflict},
		{"replace: value twice", `<replace file="a" token="x" value="1"><replacevalue>2</replacevalue></replace>`, "the value is given twice", recipe.ErrConflict},
		{"replace: filter without token", `<replace file="a"><replacefilter value="v"/></replace>`, `the "token" attribute is required`, recipe.ErrMissing},
		{"replace: encoding", `<replace file="a" token="x" encoding="UTF-16"/>`, `does not support the "encoding" attribute`, recipe.ErrUnsupported},

		{"unzip: no dest", `<unzip src="a.zip"/>`, `the "dest" attribute is required`, recipe.ErrMissing},
		{"unzip: fileset", `<unzip src="a.zip" dest="b"><fileset dir="."/></unzip>`, "<fileset> cannot be nested in <unzip> (supported: patternset)", recipe.ErrUnsupported},
		{"zip: no source", `<zip destfile="a.zip"/>`, "give the basedir attribute or a nested <fileset>", recipe.ErrMissing},
		{"zip: no destfile", `<zip basedir="."/>`, `the "destfile" attribute is required`, recipe.ErrMissing},
		{"zip: update", `<zip destfile="a.zip" basedir="." update="true"/>`, `does not support the "update" attribute`, recipe.ErrUnsupported},

		{"available: no property", `<available file="a"/>`, `the "property" attribute is required`, recipe.ErrMissing},
		{"available: no file", `<available property="p"/>`, `the "file" attribute is required`, recipe.ErrMissing},
		{"available: classname", `<available property="p" classname="x.Y"/>`, `does not support the "classname" attribute`, recipe.ErrUnsupported},
		{"available: bad type", `<available property="p" file="a" type="link"/>`, `type="link" is not one of file, dir`, recipe.ErrInvalid},

		{"condition: none", `<condition property="p"/>`, "<condition> takes exactly one nested condition, not 0", recipe.ErrInvalid},
		{"condition: two", `<condition property="p"><isset property="a"/><isset property="b"/></condition>`, "takes exactly one nested condition, not 2", recipe.ErrInvalid},
		{"condition: unknown condition", `<condition property="p"><matches string="a" pattern="b"/></condition>`, "<matches> cannot be nested in <condition> (supported: and, available, contains, equals", recipe.ErrUnsupported},
		{"condition: no property", `<condition><isset property="a"/></condition>`, `the "property" attribute is required`, recipe.ErrMissing},
		{"condition: unknown os family", `<condition property="p"><os family="beos"/></condition>`, `unknown os family "beos"`, recipe.ErrInvalid},
		{"condition: equals without arg2", `<condition property="p"><equals arg1="a"/></condition>`, `the "arg2" attribute is required`, recipe.ErrMissing},
		{"condition: empty not", `<condition property="p"><not/></condition>`, "<not> takes exactly one nested condition, not 0", recipe.ErrInvalid},
		{"condition: isset without property", `<condition property="p"><isset/></condition>`, `the "property" attribute is required`, recipe.ErrMissing},
		{"condition: istrue without value", `<condition property="p"><istrue/></condition>`, `the "value" attribute is required`, recipe.ErrMissing},
		{"condition: deep mistake", `<condition property="p"><and><or><equals arg1="a" arg2="b" trim="perhaps"/></or></and></condition>`, `trim="perhaps" is not a boolean`, recipe.ErrInvalid},

		{"fail: status", `<fail status="2"/>`, `does not support the "status" attribute`, recipe.ErrUnsupported},
		{"fail: two conditions", `<fail><condition><isset property="a"/><isset property="b"/></condition></fail>`, "<condition> takes exactly one nested condition, not 2", recipe.ErrInvalid},

		{"sleep: not a number", `<sleep seconds="soon"/>`, `seconds="soon" is not a whole number`, recipe.ErrInvalid},
		{"sleep: unknown unit", `<sleep time="1"/>`, `does not support the "time" attribute`, recipe.ErrUnsupported},
		{"sleep: absurd", `<sleep hours="100000"/>`, `hours=100000 is too long`, recipe.ErrInvalid},

		{"exec: no executable", `<exec/>`, `the "executable" attribute is required`, recipe.ErrMissing},
		{"exec: spawn", `<exec executable="x" spawn="true"/>`, `does not support the "spawn" attribute`, recipe.ErrUnsupported},
		{"exec: arg without value", `<exec executable="x"><arg/></exec>`, "give exactly one of the attributes value, file, path, line", recipe.ErrMissing},
		{"exec: arg with two values", `<exec executable="x"><arg value="a" line="b"/></exec>`, "give exactly one of the attributes", recipe.ErrMissing},
		{"exec: unbalanced quotes", `<exec executable="x"><arg line="'a b"/></exec>`, "unbalanced quotes", recipe.ErrInvalid},
		{"exec: zero timeout", `<exec executable="x" timeout="0"/>`, `timeout="0" would kill the program at once`, recipe.ErrInvalid},
		{"exec: unknown osfamily", `<exec executable="x" osfamily="beos"/>`, `unknown os family "beos"`, recipe.ErrInvalid},
		{"exec: env without key", `<exec executable="x"><env value="v"/></exec>`, `the "key" attribute is required`, recipe.ErrMissing},
		{"exec: env line", `<exec executable="x"><env key="k" line="v"/></exec>`, `does not support the "line" attribute`, recipe.ErrUnsupported},

		{"ant: output", `<ant antfile="a.xml" output="log.txt"/>`, `does not support the "output" attribute`, recipe.ErrUnsupported},
		{"ant: nested property mistake", `<ant antfile="a.xml"><property name="x"/></ant>`, "a property with a name needs value", recipe.ErrMissing},
		{"ant: nested target", `<ant antfile="a.xml"><target name="x"/></ant>`, "<target> cannot be nested in <ant> (supported: property)", recipe.ErrUnsupported},

		{"rhq:audit: nested element", `<rhq:audit><echo/></rhq:audit>`, "<echo> cannot be nested in <rhq:audit>", recipe.ErrUnsupported},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := validationErrors(t, tt.tasks)
			i := slices.IndexFunc(errs, func(e *recipe.Error) bool { return strings.Contains(e.Error(), tt.want) })
			require.GreaterOrEqual(t, i, 0, "no error says %q: %v", tt.want, errs)
			require.ErrorIs(t, errs[i], tt.kind)
		})
	}
}

// TestValidateValid: deferred values and well-formed tasks pass.
func TestValidateValid(t *testing.T) {
	tasks := `
	<echo message="${m}" level="${lvl}" append="${a}" file="x"/>
	<property name="a" value="1"/><property name="b" location="x"/><property file="f" prefix="p"/>
	<property environment="env"/><property name="c">text</property>
	<rhq:property file="f" relativeToDeployDir="true"/>
	<mkdir dir="a"/><touch file="a" millis="1000"/><touch file="a" datetime="12/31/2024 11:59 PM"/>
	<copy todir="b" overwrite="${o}" preserveLastModified="true" includeEmptyDirs="no" failOnError="off" flatten="false" verbose="true">
		<fileset dir="src" includes="**/*.xml,*.txt" excludes="a b" defaultexcludes="no" casesensitive="false" erroronmissingdir="false">
			<include name="x"/><exclude name="y"/><patternset includes="z"><exclude name="w"/></patternset>
		</fileset>
		<FileSet file="a/b.txt"/>
	</copy>
	<move file="a" tofile="b"/>
	<delete dir="d" includes="*.tmp" includeemptydirs="true"/><delete file="f" quiet="true"/><delete><fileset dir="x"/></delete>
	<chmod dir="bin" perm="ugo+rx" includes="*.sh"/><chmod file="a" perm="0755" type="both"/>
	<replace dir="conf" token="@x@" value="y" summary="true"><include name="*.xml"/><replacefilter token="a" value="b"/></replace>
	<replace file="a"><replacetoken>t</replacetoken><replacevalue>v</replacevalue></replace>
	<unzip src="a.zip" dest="x" overwrite="false"><patternset><include name="**/*.txt"/></patternset></unzip>
	<zip destfile="a.zip" basedir="x" excludes="*.log" filesonly="true"><fileset dir="y"/></zip>
	<available property="p" file="a" type="dir"/>
	<condition property="p" value="v" else="e"><and><or><os family="unix"/><os family="windows" arch="amd64"/></or>
		<not><equals arg1="" arg2="${x}" trim="true" casesensitive="false"/></not><isset property="x"/><istrue value="${y}"/>
		<isfalse value="no"/><contains string="abc" substring="B" casesensitive="false"/><available file="a"/></and></condition>
	<fail message="m" if="x" unless="y"><condition><isset property="z"/></condition></fail><fail>text</fail>
	<sleep milliseconds="1" seconds="0" minutes="0" hours="0"/>
	<exec executable="sh" dir="." failonerror="true" resultproperty="r" outputproperty="o" errorproperty="e" timeout="1000"
		osfamily="unix" newenvironment="false" resolveexecutable="true" searchpath="true">
		<arg value="-c"/><arg line="'a b' c"/><arg file="f"/><arg path="a:b"/><env key="K" value="v"/><env key="P" path="a;b"/><env key="F" file="f"/>
	</exec>
	<ant antfile="other.xml" dir="." target="t" inheritall="false"><property name="x" value="1"/></ant><ant/>
	<rhq:audit status="${s}" action="a" info="i" message="m">details</rhq:audit>
	<description>does nothing</description>`
	require.Empty(t, validationErrors(t, tasks))
}

// TestValidateAllMistakes: every mistake is reported, in document order, with
// the task's position.
func TestValidateAllMistakes(t *testing.T) {
	errs := validationErrors(t, "<mkdir/>\n<get/><echo level=\"x\"/>")
	require.Len(t, errs, 3)
	// The targets start on line 5; <target name="t"> is 17 bytes long.
	require.Equal(t, recipe.Pos{File: "deploy.xml", Line: 5, Col: 18}, errs[0].Pos)
	require.Equal(t, "<mkdir>", errs[0].Element)
	require.Equal(t, recipe.Pos{File: "deploy.xml", Line: 6, Col: 1}, errs[1].Pos)
	require.Equal(t, recipe.Pos{File: "deploy.xml", Line: 6, Col: 7}, errs[2].Pos)
	require.Contains(t, errs[0].Error(), "deploy.xml:5:18: <mkdir>: the \"dir\" attribute is required")
}

// TestValidateBeforeRun: an unsupported task anywhere stops the run before
// any task, even in another target or at the top level.
func TestValidateBeforeRun(t *testing.T) {
	f := newFixture(t)
	p := f.project(`<target name="t"><echo>first</echo><mkdir dir="${rhq.deploy.dir}/made"/></target>
<target name="other"><sql src="x.sql"/></target>`)
	err := p.RunTarget(context.Background(), "t")
	require.ErrorIs(t, err, recipe.ErrUnsupported)
	require.ErrorContains(t, err, "deploy.xml:6:22: <sql>: unsupported task <sql>")
	require.False(t, isTaskError(err), "nothing ran, so no task failed")
	require.Empty(t, f.events, "nothing ran")
	require.False(t, f.exists("deploy/made"))
	require.False(t, f.exists("deploy"), "the deploy directory is not even created")
}

func TestSupportedTasks(t *testing.T) {
	want := "ant available chmod condition copy delete description echo exec fail mkdir move property replace rhq:audit rhq:property sleep touch unzip zip"
	require.Equal(t, want, strings.Join(SupportedTasks(), " "))
}

func TestRunTimeDecodeErrors(t *testing.T) {
	// A value known only at run time is checked then, with the task's
	// position.
	f := newFixture(t)
	f.env.Properties = map[string]string{"flag": "maybe", "s": "LOUD"}
	err := f.run(`<echo file="x" append="${flag}"/>`)
	var te *TaskError
	require.True(t, errors.As(err, &te))
	require.Equal(t, "t", te.Target)
	require.Equal(t, "<echo>", te.Task)
	require.ErrorContains(t, err, `deploy.xml:5:18: <echo> in target "t": append="maybe" is not a boolean`)

	err = f.run(`<rhq:audit status="${s}"/>`)
	require.ErrorContains(t, err, "the 'status' attribute must be either 'SUCCESS', 'INFO', 'WARN' or 'FAILURE': LOUD")
}
