package recipe_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/recipe"
)

// project wraps body in an Ant project that binds the RHQ namespace. The first
// line of body is line 2 of the document.
func project(body string) string {
	return "<project name=\"p\" default=\"main\" xmlns:rhq=\"antlib:org.rhq.bundle\">\n" + body +
		"\n<target name=\"main\"/>\n<target name=\"pre\"/>\n</project>\n"
}

// bundle wraps body in an rhq:bundle; body starts on line 3.
func bundle(body string) string {
	return project("<rhq:bundle name=\"b\" version=\"1\">\n" + body + "\n</rhq:bundle>")
}

// unit wraps body in a deployment unit that already deploys one file; body starts
// on line 5.
func unit(body string) string {
	return bundle("<rhq:deployment-unit name=\"u\">\n<rhq:file name=\"ok.txt\"/>\n" + body + "\n</rhq:deployment-unit>")
}

type wantErr struct {
	line int
	kind error
	text string // a fragment of the message
}

func TestValidation(t *testing.T) {
	tests := []struct {
		name string
		xml  string
		opts []recipe.Option
		want []wantErr
	}{
		// Document structure (R153, R154).
		{"syntax/unclosed element", "<project>\n<rhq:bundle>\n</project>", nil,
			[]wantErr{{3, recipe.ErrSyntax, "element <bundle> closed by </project>"}}},
		{"syntax/unquoted attribute", "<project name=x/>", nil,
			[]wantErr{{1, recipe.ErrSyntax, "unquoted or missing attribute value"}}},
		{"syntax/empty document", "", nil, []wantErr{{1, recipe.ErrSyntax, "no root element"}}},
		{"syntax/text only", "hello", nil, []wantErr{{1, recipe.ErrSyntax, ""}}},
		{"syntax/undeclared rhq prefix", "<project>\n<rhq:bundle name=\"b\" version=\"1\"/>\n</project>", nil,
			[]wantErr{{2, recipe.ErrSyntax, `the namespace prefix "rhq" of <rhq:bundle> is not declared`}}},
		{"R153/root is not project", "<rhq:bundle xmlns:rhq=\"antlib:org.rhq.bundle\"/>", nil,
			[]wantErr{{1, recipe.ErrInvalid, "root element must be an Ant <project>"}}},
		{"R154/no bundle", project(""), nil,
			[]wantErr{{1, recipe.ErrMissing, "rhq:bundle task not found"}}},
		{"R154/two bundles", project(`<rhq:bundle name="a" version="1"><rhq:deployment-unit><rhq:file name="x"/></rhq:deployment-unit></rhq:bundle>
<rhq:bundle name="b" version="1"><rhq:deployment-unit><rhq:file name="x"/></rhq:deployment-unit></rhq:bundle>`), nil,
			[]wantErr{{3, recipe.ErrConflict, "more than one rhq:bundle task found"}}},
		{"R154/bundle inside target", project(`<rhq:bundle name="a" version="1"><rhq:deployment-unit><rhq:file name="x"/></rhq:deployment-unit></rhq:bundle>
<target name="t"><rhq:bundle name="b" version="1"/></target>`), nil,
			[]wantErr{{3, recipe.ErrInvalid, "rhq:bundle task found within [t] target"}}},
		{"R153/namespace matched by URI not prefix", strings.ReplaceAll(strings.ReplaceAll(unit(`<rhq:nonsense/>`), "rhq:", "b:"), "xmlns:rhq", "xmlns:b"), nil,
			[]wantErr{{5, recipe.ErrUnknown, "unknown RHQ element <b:nonsense>"}}},
		{"R153/rhq prefix bound to another namespace is not RHQ",
			`<project xmlns:rhq="urn:other"><rhq:bundle name="b" version="1"/></project>`, nil,
			[]wantErr{{1, recipe.ErrMissing, "rhq:bundle task not found"}}},
		// rhq:bundle (R155).
		{"R155/name missing", project(`<rhq:bundle version="1"><rhq:deployment-unit><rhq:file name="x"/></rhq:deployment-unit></rhq:bundle>`), nil,
			[]wantErr{{2, recipe.ErrMissing, `the "name" attribute is required`}}},
		{"R155/version empty", project(`<rhq:bundle name="a" version=" "><rhq:deployment-unit><rhq:file name="x"/></rhq:deployment-unit></rhq:bundle>`), nil,
			[]wantErr{{2, recipe.ErrMissing, `the "version" attribute must have a non-empty value`}}},
		{"R153/unknown bundle attribute suggests", project(`<rhq:bundle name="a" version="1" descripton="x"><rhq:deployment-unit><rhq:file name="x"/></rhq:deployment-unit></rhq:bundle>`), nil,
			[]wantErr{{2, recipe.ErrUnknown, `unknown attribute "descripton" (did you mean "description"?)`}}},
		{"R153/plain task inside bundle", bundle("<echo>hi</echo>\n<rhq:deployment-unit><rhq:file name=\"x\"/></rhq:deployment-unit>"), nil,
			[]wantErr{{3, recipe.ErrInvalid, "<echo> is not allowed inside <rhq:bundle>"}}},
		// Deployment unit count (R156).
		{"R156/no unit", bundle(""), nil,
			[]wantErr{{2, recipe.ErrMissing, "exactly one rhq:deployment-unit"}}},
		{"R156/two units rejected (GO)", bundle("<rhq:deployment-unit name=\"a\"><rhq:file name=\"x\"/></rhq:deployment-unit>\n<rhq:deployment-unit name=\"b\"><rhq:file name=\"y\"/></rhq:deployment-unit>"), nil,
			[]wantErr{{4, recipe.ErrConflict, "exactly one rhq:deployment-unit"}}},
		// Input properties (R158, R141).
		{"R158/name required", bundle("<rhq:input-property type=\"string\"/>\n<rhq:deployment-unit><rhq:file name=\"x\"/></rhq:deployment-unit>"), nil,
			[]wantErr{{3, recipe.ErrMissing, `the "name" attribute is required`}}},
		{"R158/type is case-sensitive", bundle("<rhq:input-property name=\"p\" type=\"Integer\"/>\n<rhq:deployment-unit><rhq:file name=\"x\"/></rhq:deployment-unit>"), nil,
			[]wantErr{{3, recipe.ErrInvalid, "illegal value for 'type' attribute: Integer"}}},
		{"R158/default checked against integer", bundle("<rhq:input-property name=\"p\" type=\"integer\" defaultValue=\"80a\"/>\n<rhq:deployment-unit><rhq:file name=\"x\"/></rhq:deployment-unit>"), nil,
			[]wantErr{{3, recipe.ErrInvalid, "default value '80a' is not valid according to 'type' attribute: integer"}}},
		{"R158/default checked against boolean", bundle("<rhq:input-property name=\"p\" type=\"boolean\" defaultValue=\"TRUE\"/>\n<rhq:deployment-unit><rhq:file name=\"x\"/></rhq:deployment-unit>"), nil,
			[]wantErr{{3, recipe.ErrInvalid, "not valid according to 'type' attribute: boolean"}}},
		{"R158/default out of int range", bundle("<rhq:input-property name=\"p\" type=\"integer\" defaultValue=\"2147483648\"/>\n<rhq:deployment-unit><rhq:file name=\"x\"/></rhq:deployment-unit>"), nil,
			[]wantErr{{3, recipe.ErrInvalid, "integer"}}},
		{"R158/required must be a boolean", bundle("<rhq:input-property name=\"p\" required=\"ture\"/>\n<rhq:deployment-unit><rhq:file name=\"x\"/></rhq:deployment-unit>"), nil,
			[]wantErr{{3, recipe.ErrInvalid, `required="ture" is not a boolean`}}},
		{"R141/input name must be a token key", bundle("<rhq:input-property name=\"max-heap\"/>\n<rhq:deployment-unit><rhq:file name=\"x\"/></rhq:deployment-unit>"), nil,
			[]wantErr{{3, recipe.ErrInvalid, `input property name "max-heap" may only contain`}}},
		{"R158/duplicate input", bundle("<rhq:input-property name=\"p\"/>\n<rhq:input-property name=\"p\"/>\n<rhq:deployment-unit><rhq:file name=\"x\"/></rhq:deployment-unit>"), nil,
			[]wantErr{{4, recipe.ErrConflict, `input property "p" is already declared at deploy.xml:3:1`}}},
		// Deployment unit (R160, R161, R162, R172).
		{"R160/compliance enum is exact", bundle("<rhq:deployment-unit compliance=\"Full\"><rhq:file name=\"x\"/></rhq:deployment-unit>"), nil,
			[]wantErr{{3, recipe.ErrInvalid, `compliance="Full" is not a compliance mode`}}},
		{"R160/manageRootDir must be boolean", bundle("<rhq:deployment-unit manageRootDir=\"yes\"><rhq:file name=\"x\"/></rhq:deployment-unit>"), nil,
			[]wantErr{{3, recipe.ErrInvalid, `"manageRootDir" attribute must be 'true' or 'false': yes`}}},
		{"R161/strict mode requires compliance", bundle("<rhq:deployment-unit><rhq:file name=\"x\"/></rhq:deployment-unit>"), []recipe.Option{recipe.RequireCompliance()},
			[]wantErr{{3, recipe.ErrMissing, "must specifically declare compliance mode"}}},
		{"R162/nothing to deploy", bundle("<rhq:deployment-unit name=\"u\"/>"), nil,
			[]wantErr{{3, recipe.ErrMissing, "nothing to deploy"}}},
		{"R162/two system services", unit(`<rhq:system-service name="a" scriptFile="a" startLevels="3" startPriority="1" stopPriority="1"/>
<rhq:system-service name="b" scriptFile="b" startLevels="3" startPriority="1" stopPriority="1"/>`), nil,
			[]wantErr{{6, recipe.ErrConflict, "can only have one rhq:system-service"}}},
		{"R172/preinstall target must exist", bundle("<rhq:deployment-unit preinstallTarget=\"nope\"><rhq:file name=\"x\"/></rhq:deployment-unit>"), nil,
			[]wantErr{{3, recipe.ErrMissing, "specified preinstall target (nope) does not exist"}}},
		{"R172/postinstall target must exist", bundle("<rhq:deployment-unit postinstallTarget=\"gone\"><rhq:file name=\"x\"/></rhq:deployment-unit>"), nil,
			[]wantErr{{3, recipe.ErrMissing, "specified postinstall target (gone) does not exist"}}},
		{"R153/unknown unit child", unit(`<rhq:archives name="a.zip"/>`), nil,
			[]wantErr{{5, recipe.ErrUnknown, "did you mean <rhq:archive>?"}}},
		{"R153/misplaced rhq element in unit", unit(`<rhq:fileset includes="x"/>`), nil,
			[]wantErr{{5, recipe.ErrInvalid, "<rhq:fileset> is not allowed inside <rhq:deployment-unit>"}}},
		// Files (R163).
		{"R163/name required", unit(`<rhq:file/>`), nil, []wantErr{{5, recipe.ErrMissing, `"name" attribute is required`}}},
		{"R163/destinationFile and destinationDir exclusive", unit(`<rhq:file name="a.conf" destinationFile="x" destinationDir="y"/>`), nil,
			[]wantErr{{5, recipe.ErrConflict, "only one or the other may be specified"}}},
		{"R163/absolute name", unit(`<rhq:file name="/etc/passwd"/>`), nil,
			[]wantErr{{5, recipe.ErrInvalid, "is not relative"}}},
		{"R163/windows absolute name", unit(`<rhq:file name="C:\boot.ini"/>`), nil,
			[]wantErr{{5, recipe.ErrInvalid, "is not relative"}}},
		{"R181/name escapes the bundle", unit(`<rhq:file name="conf/../../secret"/>`), nil,
			[]wantErr{{5, recipe.ErrInvalid, "climbs out of the bundle"}}},
		{"R163/replace must be boolean", unit(`<rhq:file name="a" replace="maybe"/>`), nil,
			[]wantErr{{5, recipe.ErrInvalid, `replace="maybe" is not a boolean`}}},
		// Archives (R164).
		{"R164/exploded must be true or false", unit(`<rhq:archive name="a.zip" exploded="yes"/>`), nil,
			[]wantErr{{5, recipe.ErrInvalid, `"exploded" attribute must be 'true' or 'false': yes`}}},
		{"R164/exploded true with destinationDir (after)", unit(`<rhq:archive name="a.zip" destinationDir="lib" exploded="true"/>`), nil,
			[]wantErr{{5, recipe.ErrConflict, "'exploded' attribute must be 'false' when setting 'destinationDir', which has been set to: lib"}}},
		{"R164/exploded true with destinationDir (before, QUIRK resolved)", unit(`<rhq:archive name="a.zip" exploded="TRUE" destinationDir="lib"/>`), nil,
			[]wantErr{{5, recipe.ErrConflict, "must be 'false' when setting 'destinationDir'"}}},
		{"R164/replace fileset needs a fileset", unit(`<rhq:archive name="a.zip"><rhq:replace/></rhq:archive>`), nil,
			[]wantErr{{5, recipe.ErrMissing, "needs at least one rhq:fileset"}}},
		// URL items (R165, R166).
		{"R165/url must parse", unit(`<rhq:url-file url="not a url"/>`), nil,
			[]wantErr{{5, recipe.ErrInvalid, "URL specified by 'url' attribute [not a url] is malformed"}}},
		{"R165/url needs a host", unit(`<rhq:url-file url="http:///x"/>`), nil,
			[]wantErr{{5, recipe.ErrInvalid, "is malformed"}}},
		{"R165/url scheme", unit(`<rhq:url-file url="gopher://h/x"/>`), nil,
			[]wantErr{{5, recipe.ErrInvalid, `unsupported scheme "gopher"`}}},
		{"R165/url-file destinations exclusive", unit(`<rhq:url-file url="http://h/x" destinationFile="a" destinationDir="b"/>`), nil,
			[]wantErr{{5, recipe.ErrConflict, "only one or the other"}}},
		{"R166/url-archive exploded with destinationDir", unit(`<rhq:url-archive url="http://h/a.zip" destinationDir="d" exploded="true"/>`), nil,
			[]wantErr{{5, recipe.ErrConflict, "must be 'false' when setting 'destinationDir'"}}},
		// Filesets (R167, R168).
		{"R168/ignore dir must be relative", unit(`<rhq:ignore><rhq:fileset dir="/var/log"/></rhq:ignore>`), nil,
			[]wantErr{{5, recipe.ErrInvalid, "the 'dir' attribute on the rhq:ignore type must be a relative path"}}},
		{"R167/fileset dir escaping", unit(`<rhq:ignore><rhq:fileset dir="../x" includes="*"/></rhq:ignore>`), nil,
			[]wantErr{{5, recipe.ErrInvalid, "climbs out of its root"}}},
		{"R167/include needs a name", unit(`<rhq:ignore><rhq:fileset><include/></rhq:fileset></rhq:ignore>`), nil,
			[]wantErr{{5, recipe.ErrMissing, `"name" attribute is required`}}},
		{"R167/unknown fileset child", unit(`<rhq:ignore><rhq:fileset><includes name="x"/></rhq:fileset></rhq:ignore>`), nil,
			[]wantErr{{5, recipe.ErrInvalid, "<includes> is not allowed inside <rhq:fileset>"}}},
		// Handover (R173).
		{"R173/two handovers", unit(`<rhq:file name="a"><rhq:handover action="x"/><rhq:handover action="y"/></rhq:file>`), nil,
			[]wantErr{{5, recipe.ErrConflict, "more than one 'handover' child node declared"}}},
		{"R173/handover with destination", unit(`<rhq:file name="a" destinationDir="d"><rhq:handover action="x"/></rhq:file>`), nil,
			[]wantErr{{5, recipe.ErrConflict, "configure either handover or destination"}}},
		{"R173/handover with exploded", unit(`<rhq:archive name="a.zip" exploded="false"><rhq:handover action="x"/></rhq:archive>`), nil,
			[]wantErr{{5, recipe.ErrConflict, "configure either handover or exploded"}}},
		{"R173/handover action required", unit(`<rhq:file name="a"><rhq:handover/></rhq:file>`), nil,
			[]wantErr{{5, recipe.ErrMissing, `"action" attribute is required`}}},
		{"R173/handover-param name required", unit(`<rhq:file name="a"><rhq:handover action="x"><rhq:handover-param value="1"/></rhq:handover></rhq:file>`), nil,
			[]wantErr{{5, recipe.ErrMissing, `"name" attribute is required`}}},
		// System service (R174).
		{"R174/scriptFile required", unit(`<rhq:system-service name="s" startLevels="3" startPriority="1" stopPriority="1"/>`), nil,
			[]wantErr{{5, recipe.ErrMissing, `the "scriptFile" attribute is required`}}},
		{"R174/run level out of range", unit(`<rhq:system-service name="s" scriptFile="s" startLevels="3,7" startPriority="1" stopPriority="1"/>`), nil,
			[]wantErr{{5, recipe.ErrInvalid, `invalid run level: "7"`}}},
		{"R174/duplicate run level", unit(`<rhq:system-service name="s" scriptFile="s" startLevels="3,3" startPriority="1" stopPriority="1"/>`), nil,
			[]wantErr{{5, recipe.ErrInvalid, "run level 3 is listed more than once"}}},
		{"R174/priority range", unit(`<rhq:system-service name="s" scriptFile="s" startLevels="3" startPriority="100" stopPriority="-1"/>`), nil,
			[]wantErr{
				{5, recipe.ErrInvalid, `the "startPriority" attribute must be >=0 and <=99`},
				{5, recipe.ErrInvalid, `the "stopPriority" attribute must be >=0 and <=99`},
			}},
		{"R174/startLevels required", unit(`<rhq:system-service name="s" scriptFile="s" startPriority="1" stopPriority="1"/>`), nil,
			[]wantErr{{5, recipe.ErrMissing, `the "startLevels" attribute is required`}}},
		{"R174/root must be absolute", unit(`<rhq:system-service name="s" scriptFile="s" startLevels="3" startPriority="1" stopPriority="1" root="sysroot"/>`), nil,
			[]wantErr{{5, recipe.ErrInvalid, "the 'root' attribute must be an absolute path"}}},
		{"R174/script must stay in the bundle", unit(`<rhq:system-service name="s" scriptFile="../s" startLevels="3" startPriority="1" stopPriority="1"/>`), nil,
			[]wantErr{{5, recipe.ErrInvalid, "climbs out of the bundle"}}},
		{"R174/name is a plain file name", unit(`<rhq:system-service name="../s" scriptFile="s" startLevels="3" startPriority="1" stopPriority="1"/>`), nil,
			[]wantErr{{5, recipe.ErrInvalid, "must be a plain file name"}}},
		// Properties (R177).
		{"R177/relativeToDeployDir needs file", bundle("<rhq:property name=\"a\" value=\"b\" relativeToDeployDir=\"true\"/>\n<rhq:deployment-unit><rhq:file name=\"x\"/></rhq:deployment-unit>"), nil,
			[]wantErr{{3, recipe.ErrInvalid, "relativeToDeployDir only applies with the file attribute"}}},
		{"R177/property needs a source", bundle("<property name=\"a\"/>\n<rhq:deployment-unit><rhq:file name=\"x\"/></rhq:deployment-unit>"), nil,
			[]wantErr{{3, recipe.ErrMissing, "a property needs one of value, location, file or environment"}}},
		{"R177/property sources exclusive", bundle("<property name=\"a\" value=\"1\" location=\"x\"/>\n<rhq:deployment-unit><rhq:file name=\"x\"/></rhq:deployment-unit>"), nil,
			[]wantErr{{3, recipe.ErrConflict, "exclude each other"}}},
		{"R177/unsupported property attribute", bundle("<property resource=\"x.properties\"/>\n<rhq:deployment-unit><rhq:file name=\"x\"/></rhq:deployment-unit>"), nil,
			[]wantErr{{3, recipe.ErrUnsupported, `the "resource" attribute of <property> is not supported`}}},
		// Audit (R178).
		{"R178/audit status", project(`<rhq:bundle name="a" version="1"><rhq:deployment-unit><rhq:file name="x"/></rhq:deployment-unit></rhq:bundle>
<target name="t"><rhq:audit status="OK"/></target>`), nil,
			[]wantErr{{3, recipe.ErrInvalid, "the 'status' attribute must be either 'SUCCESS', 'INFO', 'WARN' or 'FAILURE'"}}},
		// Unsupported Ant (seed §2.3.2.3.1).
		{"antcall rejected", project(`<rhq:bundle name="a" version="1"><rhq:deployment-unit><rhq:file name="x"/></rhq:deployment-unit></rhq:bundle>
<target name="t"><antcall target="main"/></target>`), nil,
			[]wantErr{{3, recipe.ErrUnsupported, "loops forever"}}},
		{"macrodef rejected, even nested", project(`<rhq:bundle name="a" version="1"><rhq:deployment-unit><rhq:file name="x"/></rhq:deployment-unit></rhq:bundle>
<target name="t"><sequential><macrodef name="m"/></sequential></target>`), nil,
			[]wantErr{{3, recipe.ErrUnsupported, "<macrodef> is not supported"}}},
		{"macrodef rejected at top level", project(`<macrodef name="m"/>
<rhq:bundle name="a" version="1"><rhq:deployment-unit><rhq:file name="x"/></rhq:deployment-unit></rhq:bundle>`), nil,
			[]wantErr{{2, recipe.ErrUnsupported, "<macrodef> is not supported"}}},
		{"R153/rhq structure element inside a target", project(`<rhq:bundle name="a" version="1"><rhq:deployment-unit><rhq:file name="x"/></rhq:deployment-unit></rhq:bundle>
<target name="t"><rhq:file name="x"/></target>`), nil,
			[]wantErr{{3, recipe.ErrInvalid, "belongs inside rhq:bundle, not in a target"}}},
		// Targets (Ant).
		{"Ant/duplicate target", project(`<rhq:bundle name="a" version="1"><rhq:deployment-unit><rhq:file name="x"/></rhq:deployment-unit></rhq:bundle>
<target name="main"/>`), nil,
			[]wantErr{{4, recipe.ErrConflict, `duplicate target "main" (first defined at deploy.xml:3:1)`}}},
		{"Ant/missing dependency", project(`<rhq:bundle name="a" version="1"><rhq:deployment-unit><rhq:file name="x"/></rhq:deployment-unit></rhq:bundle>
<target name="t" depends="main, nope"/>`), nil,
			[]wantErr{{3, recipe.ErrMissing, `target "nope" does not exist in this project`}}},
		{"Ant/dependency cycle", project(`<rhq:bundle name="a" version="1"><rhq:deployment-unit><rhq:file name="x"/></rhq:deployment-unit></rhq:bundle>
<target name="a" depends="b"/>
<target name="b" depends="a"/>`), nil,
			[]wantErr{{4, recipe.ErrInvalid, "circular dependency: a -> b -> a"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := recipe.Parse(strings.NewReader(tt.xml), tt.opts...)
			require.Error(t, err)
			got := recipe.Errors(err)
			require.Len(t, got, len(tt.want), "errors: %v", err)
			for i, w := range tt.want {
				e := got[i]
				require.Equal(t, "deploy.xml", e.Pos.File)
				require.Equal(t, w.line, e.Pos.Line, "line of %v", e)
				require.Positive(t, e.Pos.Col, "column of %v", e)
				require.ErrorIs(t, e, w.kind)
				require.Contains(t, e.Error(), w.text)
			}
		})
	}
}

// TestValidRecipes are the accepting side of the rules: forms RHQ accepts.
func TestValidRecipes(t *testing.T) {
	tests := []struct {
		name  string
		xml   string
		check func(t *testing.T, r *recipe.Recipe)
	}{
		{"R9/compliance defaults to full", unit(""), func(t *testing.T, r *recipe.Recipe) {
			mode, declared := r.Compliance()
			require.Equal(t, recipe.Full, mode)
			require.False(t, declared)
		}},
		{"R160/manageRootDir=false is filesAndDirectories, case-insensitive, warned", bundle(`<rhq:deployment-unit manageRootDir="FALSE"><rhq:file name="x"/></rhq:deployment-unit>`), func(t *testing.T, r *recipe.Recipe) {
			require.Equal(t, recipe.FilesAndDirectories, r.Bundle.Unit.Compliance)
			require.Equal(t, recipe.ComplianceManageRootDir, r.Bundle.Unit.ComplianceFrom)
			require.Equal(t, 3, r.Bundle.Unit.CompliancePos.Line)
			require.Len(t, r.Warnings, 1)
			require.Contains(t, r.Warnings[0].Error(), "manageRootDir is deprecated")
		}},
		{"R160/last of compliance and manageRootDir wins", bundle(`<rhq:deployment-unit compliance="filesAndDirectories" manageRootDir="true"><rhq:file name="x"/></rhq:deployment-unit>`), func(t *testing.T, r *recipe.Recipe) {
			require.Equal(t, recipe.Full, r.Bundle.Unit.Compliance)
		}},
		{"R160/last of manageRootDir and compliance wins", bundle(`<rhq:deployment-unit manageRootDir="true" compliance="filesAndDirectories"><rhq:file name="x"/></rhq:deployment-unit>`), func(t *testing.T, r *recipe.Recipe) {
			require.Equal(t, recipe.FilesAndDirectories, r.Bundle.Unit.Compliance)
			require.Equal(t, recipe.ComplianceAttribute, r.Bundle.Unit.ComplianceFrom)
		}},
		{"R161/manageRootDir satisfies strict mode", bundle(`<rhq:deployment-unit manageRootDir="true"><rhq:file name="x"/></rhq:deployment-unit>`), nil},
		{"R158/required defaults to true, type to string", bundle("<rhq:input-property name=\"p\"/>\n<rhq:deployment-unit><rhq:file name=\"x\"/></rhq:deployment-unit>"), func(t *testing.T, r *recipe.Recipe) {
			in := r.Inputs()[0]
			require.True(t, in.Required)
			require.Equal(t, "string", string(in.Type))
			require.False(t, in.HasDefault)
		}},
		{"R158/every type name", bundle(`<rhq:input-property name="a" type="string"/><rhq:input-property name="b" type="longString"/>
<rhq:input-property name="c" type="password"/><rhq:input-property name="d" type="boolean" defaultValue="false"/>
<rhq:input-property name="e" type="integer" defaultValue="-2147483648"/><rhq:input-property name="f" type="long" defaultValue="+9223372036854775807"/>
<rhq:input-property name="g" type="float" defaultValue="NaN"/><rhq:input-property name="h" type="double" defaultValue="-Infinity"/>
<rhq:input-property name="i" type="file"/><rhq:input-property name="j" type="directory"/>
<rhq:deployment-unit><rhq:file name="x"/></rhq:deployment-unit>`), func(t *testing.T, r *recipe.Recipe) {
			require.Len(t, r.Inputs(), 10)
		}},
		{"R162/a unit whose only content is a handover", bundle(`<rhq:deployment-unit><rhq:file name="a.war"><rhq:handover action="deploy"/></rhq:file></rhq:deployment-unit>`), func(t *testing.T, r *recipe.Recipe) {
			require.Empty(t, r.Bundle.Unit.Files[0].Destination())
		}},
		{"R162/last rhq:ignore wins, with a warning", unit(`<rhq:ignore><rhq:fileset includes="a"/></rhq:ignore><rhq:ignore><rhq:fileset includes="b"/></rhq:ignore>`), func(t *testing.T, r *recipe.Recipe) {
			require.Equal(t, "b", r.Bundle.Unit.Ignore.Filesets[0].Includes[0].Pattern)
			require.Len(t, r.Warnings, 1)
		}},
		{"R163/destinations", unit(`<rhq:file name="sub/test0.txt"/><rhq:file name="sub/a.txt" destinationDir="etc/"/><rhq:file name="b.txt" destinationFile="/opt/b.conf"/>`), func(t *testing.T, r *recipe.Recipe) {
			var got []string
			for _, f := range r.Bundle.Unit.Files {
				got = append(got, f.Destination())
			}
			require.Equal(t, []string{"ok.txt", "sub/test0.txt", "etc/a.txt", "/opt/b.conf"}, got)
		}},
		{"R98/where a compressed archive goes", unit(`<rhq:archive name="lib\a.zip" exploded="false"/><rhq:archive name="b.zip" destinationDir="/opt/lib/"/><rhq:url-archive url="http://h/c.zip" exploded="false"/>`), func(t *testing.T, r *recipe.Recipe) {
			a := r.Bundle.Unit.Archives
			require.Equal(t, "lib/a.zip", a[0].Destination())
			require.Equal(t, "/opt/lib/b.zip", a[1].Destination())
			require.Equal(t, "c.zip", a[2].Destination())
		}},
		{"R164/exploded defaults to true; destinationDir implies compressed", unit(`<rhq:archive name="a.zip"/><rhq:archive name="b.zip" destinationDir="lib"/><rhq:archive name="c.zip" destinationDir="lib" exploded="false"/>`), func(t *testing.T, r *recipe.Recipe) {
			a := r.Bundle.Unit.Archives
			require.True(t, a[0].Exploded)
			require.False(t, a[1].Exploded)
			require.False(t, a[2].Exploded)
		}},
		{"R165/url default destinations", unit(`<rhq:url-file url="http://h.example/files/a.conf?x=1"/><rhq:url-file url="https://h.example/"/><rhq:url-file url="http://h.example/d/" destinationDir="conf"/>`), func(t *testing.T, r *recipe.Recipe) {
			f := r.Bundle.Unit.Files
			require.Equal(t, "a.conf", f[1].Destination())
			require.Equal(t, "h.example", f[2].Destination())
			require.Equal(t, "conf/d", f[3].Destination())
		}},
		{"R167/fileset forms", unit(`<rhq:ignore><rhq:fileset dir="logs" includes="*.log, *.txt old/**" excludes="keep.log" file="one.bin"><include name="a"/><exclude name="b"/></rhq:fileset></rhq:ignore>`), func(t *testing.T, r *recipe.Recipe) {
			fs := r.Bundle.Unit.Ignore.Filesets[0]
			var inc, exc []string
			for _, p := range fs.Includes {
				inc = append(inc, p.Pattern)
			}
			for _, p := range fs.Excludes {
				exc = append(exc, p.Pattern)
			}
			require.Equal(t, "logs", fs.Dir)
			require.Equal(t, []string{"*.log", "*.txt", "old/**", "one.bin", "a"}, inc)
			require.Equal(t, []string{"keep.log", "b"}, exc)
		}},
		{"R173/handover defaults", unit(`<rhq:archive name="a.war"><rhq:handover action="deployment"><rhq:handover-param name="n" value="v"/></rhq:handover></rhq:archive>`), func(t *testing.T, r *recipe.Recipe) {
			h := r.Bundle.Unit.Archives[0].Handover
			require.True(t, h.FailOnError)
			require.Equal(t, []recipe.HandoverParam{{Name: "n", Value: "v", Pos: h.Params[0].Pos}}, h.Params)
		}},
		{"R174/system-service defaults", unit(`<rhq:system-service name="s" scriptFile="s.sh" startLevels="2, 3,5" startPriority="0" stopPriority="99"/>`), func(t *testing.T, r *recipe.Recipe) {
			s := r.Bundle.Unit.SystemService
			require.Equal(t, "/", s.Root)
			require.Equal(t, []int{2, 3, 5}, s.StartLevels)
			require.True(t, s.OverwriteScript && s.OverwriteConfig && s.OverwriteLinks)
		}},
		{"R178/audit defaults and case-insensitive status", project(`<rhq:bundle name="a" version="1"><rhq:deployment-unit><rhq:file name="x"/></rhq:deployment-unit></rhq:bundle>
<target name="t"><rhq:audit status="warn" message="m">some ${x} details</rhq:audit><rhq:audit/></target>`), func(t *testing.T, r *recipe.Recipe) {
			tasks := r.Target("t").Tasks
			require.Equal(t, &recipe.Audit{Status: recipe.AuditWarn, Message: "m", Details: "some ${x} details"}, tasks[0].Audit)
			require.Equal(t, recipe.AuditSuccess, tasks[1].Audit.Status)
		}},
		{"R157/values with ${} are not judged before Expand", bundle(`<rhq:input-property name="${n}" type="integer" defaultValue="${d}" required="${r}"/>
<rhq:deployment-unit compliance="${c}" preinstallTarget="${t}"><rhq:file name="${f}" replace="${r}"/><rhq:archive name="a.zip" exploded="${e}" destinationDir="${d}"/></rhq:deployment-unit>`), nil},
		{"targets keep their tasks in order with raw values", project(`<rhq:bundle name="a" version="1"><rhq:deployment-unit><rhq:file name="x"/></rhq:deployment-unit></rhq:bundle>
<target name="t" depends="main" if="a" unless="b"><echo message="${x}"/><mkdir dir="d"><nested/></mkdir></target>`), func(t *testing.T, r *recipe.Recipe) {
			tg := r.Target("t")
			require.Equal(t, []string{"main"}, tg.Depends)
			require.Equal(t, "a", tg.If)
			require.Equal(t, "b", tg.Unless)
			require.Len(t, tg.Tasks, 2)
			v, ok := tg.Tasks[0].Attr("message")
			require.True(t, ok)
			require.Equal(t, "${x}", v)
			require.Equal(t, "nested", tg.Tasks[1].Children[0].Name)
			require.Equal(t, 3, tg.Tasks[0].Pos.Line)
		}},
		{"ISO-8859-1 encoded recipe", "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n" + strings.Replace(unit(""), `name="b"`, "name=\"caf\xe9\"", 1), func(t *testing.T, r *recipe.Recipe) {
			require.Equal(t, "café", r.Bundle.Name)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := recipe.Parse(strings.NewReader(tt.xml), recipe.RequireCompliance())
			if err != nil && strings.Contains(err.Error(), "must specifically declare compliance") {
				r, err = recipe.Parse(strings.NewReader(tt.xml))
			}
			require.NoError(t, err)
			if tt.check != nil {
				tt.check(t, r)
			}
		})
	}
}

// TestAllErrorsReported checks that one broken recipe yields every mistake, in
// document order, each with its own position and usable with errors.As.
func TestAllErrorsReported(t *testing.T) {
	const broken = `<?xml version="1.0"?>
<project name="broken" default="main" xmlns:rhq="antlib:org.rhq.bundle">
    <rhq:bundle name="Broken" version="">
        <rhq:input-property name="listener.port" type="Integer" defaultValue="80"/>
        <rhq:input-property name="heap" type="integer" defaultValue="512m"/>
        <rhq:deployment-unit name="app" compliance="complete" preinstallTarget="setup">
            <rhq:file name="a.conf" destinationFile="conf/a.conf" destinationDir="conf"/>
            <rhq:archive name="../outside.zip" exploded="true" destinationDir="lib"/>
            <rhq:url-file url="::not-a-url"/>
            <rhq:ignore><rhq:fileset dir="/var/log"/></rhq:ignore>
            <rhq:system-servce name="x"/>
        </rhq:deployment-unit>
    </rhq:bundle>
    <target name="main"><antcall target="main"/></target>
</project>
`
	_, err := recipe.Parse(strings.NewReader(broken))
	require.Error(t, err)
	var first *recipe.Error
	require.True(t, errors.As(err, &first))
	var lines []string
	for _, e := range recipe.Errors(err) {
		lines = append(lines, fmt.Sprintf("%d:%d %s", e.Pos.Line, e.Pos.Col, e.Rule))
	}
	require.Equal(t, []string{
		"3:5 R155", "4:9 R158", "5:9 R158", "6:9 R160", "6:9 R172", "7:13 R163", "8:13 R164", "8:13 R164",
		"9:13 R165", "10:25 R168", "11:13 R153", "14:25 ",
	}, lines, "all errors:\n%v", err)
}
