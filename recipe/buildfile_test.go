package recipe_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/recipe"
)

func TestParseBuildFile(t *testing.T) {
	tests := []struct {
		name, xml string
		want      string
		kind      error
	}{
		{"not XML", "<project><target name='x'></project>", "build.xml:1:", recipe.ErrSyntax},
		{"empty", "", "no root element", recipe.ErrSyntax},
		{"two roots", "<project/><project/>", "a second root element", recipe.ErrSyntax},
		{"unknown entity", "<project>&ent;</project>", "build.xml:1:", recipe.ErrSyntax},
		{"not a project", "<build/>", "the root element must be an Ant <project>, not <build>", recipe.ErrInvalid},
		{"unknown project attribute", `<project foo="1"/>`, `unknown attribute "foo" of <project>`, recipe.ErrInvalid},
		{"unknown target attribute", `<project><target name="a" extensionOf="b"/></project>`, `unknown attribute "extensionOf" of <target>`, recipe.ErrInvalid},
		{"target without a name", `<project><target/></project>`, `the "name" attribute is required`, recipe.ErrInvalid},
		{"nested target", `<project><target name="a"><target name="b"/></target></project>`, "build.xml:1:27: <target>: targets cannot be nested", recipe.ErrInvalid},
		{"too deep", "<project>" + strings.Repeat("<a>", recipe.DefaultMaxDepth) + strings.Repeat("</a>", recipe.DefaultMaxDepth) + "</project>", "nested deeper than", recipe.ErrSyntax},
		{"too large", "<project>" + strings.Repeat(" ", recipe.DefaultMaxSize) + "</project>", "larger than", recipe.ErrSyntax},
		{"undeclared prefix", "<project>\n<target name=\"t\"><foo:echo/></target></project>", `build.xml:2:18: malformed XML: the namespace prefix "foo" of <foo:echo> is not declared`, recipe.ErrSyntax},
		{"text outside the project", "<project/>\nx", "build.xml:1:11: malformed XML: text outside the root element", recipe.ErrSyntax},
		{"errors in document order", `<project><target foo="1"/></project>`,
			"build.xml:1:10: <target>: unknown attribute \"foo\" of <target> (supported: name, depends, if, unless, description)\n" +
				"build.xml:1:10: <target>: the \"name\" attribute is required", recipe.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := recipe.ParseBuildFile(strings.NewReader(tt.xml))
			require.ErrorContains(t, err, tt.want)
			require.ErrorIs(t, err, tt.kind)
			var re *recipe.Error
			require.True(t, errors.As(err, &re))
		})
	}
}

func TestParseBuildFileTree(t *testing.T) {
	bf, err := recipe.ParseBuildFile(strings.NewReader(`<?xml version="1.0"?>
<project name="p" default="b" basedir="ignored" xmlns:x="antlib:org.rhq.bundle">
  <property name="a" value="1"/>
  <target name="b" depends="c, d" if="i" unless="u" description="desc">
    <echo>text <!-- comment --> more<![CDATA[ <cdata> ]]></echo>
    <copy todir="t"><fileset dir="f"><include name="*"/></fileset></copy>
    <x:audit status="INFO" x:extra="1">details</x:audit>
  </target>
</project>`), recipe.WithFile("o.xml"))
	require.NoError(t, err)
	require.Equal(t, "o.xml", bf.File)
	require.Equal(t, recipe.Project{Name: "p", Default: "b", Basedir: "ignored", Pos: recipe.Pos{File: "o.xml", Line: 2, Col: 1}}, bf.Project)
	require.Len(t, bf.Tasks, 1)
	require.Equal(t, recipe.Pos{File: "o.xml", Line: 3, Col: 3}, bf.Tasks[0].Pos)
	require.Len(t, bf.Targets, 1)
	tg := bf.Targets[0]
	require.Equal(t, []string{"c", "d"}, tg.Depends)
	require.Equal(t, "i", tg.If)
	require.Equal(t, "u", tg.Unless)
	require.Len(t, tg.Tasks, 3)
	require.Equal(t, "text  more <cdata> ", tg.Tasks[0].Text)
	fileset := tg.Tasks[1].Children[0]
	require.Equal(t, "fileset", fileset.Name)
	require.Equal(t, recipe.Pos{File: "o.xml", Line: 6, Col: 21}, fileset.Pos)
	require.Equal(t, "include", fileset.Children[0].Name)
	audit := tg.Tasks[2]
	require.True(t, audit.IsRHQ())
	require.Equal(t, "x", audit.Prefix)
	require.Equal(t, []recipe.Attr{{Name: "status", Value: "INFO"}, {Name: "x:extra", Value: "1"}}, audit.Attrs)
	require.Equal(t, "details", audit.Text)
}

// Build files are often ISO-8859-1, as Ant's own examples are; they are read
// like a deploy.xml in that encoding.
func TestParseBuildFileLatin1(t *testing.T) {
	bf, err := recipe.ParseBuildFile(strings.NewReader("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<project><target name=\"t\"><echo>caf\xe9</echo></target></project>"))
	require.NoError(t, err)
	require.Equal(t, "café", bf.Targets[0].Tasks[0].Text)
	require.Equal(t, recipe.Pos{File: "build.xml", Line: 2, Col: 10}, bf.Targets[0].Pos)
}
