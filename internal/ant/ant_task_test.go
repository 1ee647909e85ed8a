package ant

import (
	"context"
	"io/fs"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/recipe"
)

func TestAntTask(t *testing.T) {
	other := func(targets string) string {
		return `<?xml version="1.0"?>
<project name="other" default="def">
` + targets + `
</project>`
	}
	runCases(t, []taskCase{
		{name: "inherits every property by default", props: map[string]string{"caller": "c"},
			files: map[string]string{"base/o.xml": other(`<target name="x"><echo>${caller} ${mine} ${basedir}</echo></target>`)},
			tasks: `<property name="mine" value="m"/><ant antfile="o.xml" target="x"/>`,
			check: func(t *testing.T, f *fixture) { require.Equal(t, []string{"c m " + f.base}, f.messages(EventEcho)) }},
		{name: "inheritall=false passes the caller's properties only", props: map[string]string{"caller": "c"},
			files: map[string]string{"base/o.xml": other(`<target name="x"><echo>${caller} ${mine} ${p}</echo></target>`)},
			tasks: `<property name="mine" value="m"/><ant antfile="o.xml" target="x" inheritall="false"><property name="p" value="1"/></ant>`,
			echo:  []string{"c ${mine} 1"}},
		{name: "nested properties: the last wins, and win over the caller's", props: map[string]string{"p": "caller"},
			files: map[string]string{"base/o.xml": other(`<target name="x"><property name="p" value="child"/><echo>${p}</echo></target>`)},
			tasks: `<ant antfile="o.xml" target="x"><property name="p" value="1"/><property name="p" value="2"/></ant><echo>${p}</echo>`,
			echo:  []string{"2", "caller"}},
		{name: "the called project's properties do not come back",
			files: map[string]string{"base/o.xml": other(`<target name="x"><property name="back" value="1"/></target>`)},
			tasks: `<ant antfile="o.xml" target="x"/><echo>${back}</echo>`, echo: []string{"${back}"}},
		{name: "dir is the called project's basedir; default target; top-level tasks",
			files: map[string]string{"base/sub/build.xml": other(`<property name="top" value="t"/><target name="def"><echo>${top} ${basedir}</echo><mkdir dir="made"/></target>`)},
			tasks: `<ant dir="sub"/>`, want: map[string]string{"base/sub/made": dir},
			check: func(t *testing.T, f *fixture) {
				require.Equal(t, []string{"t " + f.path("base/sub")}, f.messages(EventEcho))
			}},
		{name: "depends in the called project",
			files: map[string]string{"base/o.xml": other(`<target name="a"><echo>a</echo></target><target name="b" depends="a"><echo>b</echo></target>`)},
			tasks: `<ant antfile="o.xml" target="b"/>`, echo: []string{"a", "b"}},
		{name: "missing build file", tasks: `<ant antfile="none.xml"/>`, wantIs: fs.ErrNotExist, wantErr: "build file"},
		{name: "missing target", files: map[string]string{"base/o.xml": other(`<target name="a"/>`)},
			tasks: `<ant antfile="o.xml" target="zz"/>`, wantIs: ErrNoTarget, wantErr: `target "zz" does not exist in o.xml`},
		{name: "no default target", files: map[string]string{"base/o.xml": `<project><target name="a"/></project>`},
			tasks: `<ant antfile="o.xml"/>`, wantIs: ErrNoTarget, wantErr: "o.xml has no default target"},
		{name: "a failure inside says where, from the outside in",
			files: map[string]string{"base/o.xml": other(`<target name="x">
  <fail message="inner"/>
</target>`)},
			tasks: `<ant antfile="o.xml" target="x"/>`, wantIs: ErrFail,
			wantErr: `deploy.xml:5:18: <ant> in target "t": o.xml:4:3: <fail> in target "x": build failed: inner`},
		{name: "the called project is validated before it runs",
			files: map[string]string{"base/o.xml": other(`<target name="x"><echo>never</echo><scp file="a"/></target>`)},
			tasks: `<ant antfile="o.xml" target="x"/>`, wantIs: recipe.ErrUnsupported, wantErr: "o.xml:3:36: <scp>: unsupported task <scp>", echo: []string{}},
		{name: "antcall in a called project is refused with the reason",
			files: map[string]string{"base/o.xml": other(`<target name="x"><antcall target="y"/></target>`)},
			tasks: `<ant antfile="o.xml" target="x"/>`, wantIs: recipe.ErrUnsupported, wantErr: "<antcall> cannot be used in a bundle recipe"},
		{name: "macrodef in a called project",
			files: map[string]string{"base/o.xml": other(`<macrodef name="m"/><target name="x"/>`)},
			tasks: `<ant antfile="o.xml" target="x"/>`, wantIs: recipe.ErrUnsupported, wantErr: "<macrodef> is not supported"},
		{name: "rhq:bundle in a called project",
			files: map[string]string{"base/o.xml": `<project xmlns:r="antlib:org.rhq.bundle"><r:bundle name="b" version="1"/><target name="x"/></project>`},
			tasks: `<ant antfile="o.xml" target="x"/>`, wantIs: recipe.ErrUnsupported, wantErr: "unsupported task <r:bundle>"},
		{name: "rhq tasks in a called project",
			files: map[string]string{"base/o.xml": `<project xmlns:r="antlib:org.rhq.bundle"><target name="x"><r:audit action="called"/><r:property name="q" value="v"/><echo>${q}</echo></target></project>`},
			tasks: `<ant antfile="o.xml" target="x"/>`, echo: []string{"v"},
			check: func(t *testing.T, f *fixture) { require.Equal(t, "called", f.eventsOf(EventAudit)[0].Audit.Action) }},
		{name: "a dependency cycle in a called project", files: map[string]string{"base/o.xml": other(`<target name="a" depends="b"/><target name="b" depends="a"/>`)},
			tasks: `<ant antfile="o.xml" target="a"/>`, wantErr: "circular dependency: a -> b -> a"},
		{name: "recursion is bounded", files: map[string]string{"base/self.xml": other(`<target name="x"><ant antfile="self.xml" target="x"/></target>`)},
			tasks: `<ant antfile="self.xml" target="x"/>`, wantIs: ErrDepth},
	})
}

func TestAntDepthLimit(t *testing.T) {
	f := newFixture(t)
	f.env.MaxAntDepth = 2
	f.files(map[string]string{
		"base/one.xml": `<project><target name="x"><echo>one</echo><ant antfile="two.xml" target="x"/></target></project>`,
		"base/two.xml": `<project><target name="x"><echo>two</echo><ant antfile="one.xml" target="x"/></target></project>`,
	})
	err := f.run(`<ant antfile="one.xml" target="x"/>`)
	require.ErrorIs(t, err, ErrDepth)
	require.ErrorContains(t, err, "more than 2 levels")
	require.Equal(t, []string{"one", "two"}, f.messages(EventEcho))
}

func TestAntPropertyFileInNested(t *testing.T) {
	f := newFixture(t)
	f.files(map[string]string{
		"base/p.properties": "k=v\n",
		"base/sub/o.xml":    `<project><target name="x"><echo>${k} ${loc}</echo></target></project>`,
	})
	require.NoError(t, f.project(`<target name="t"><ant antfile="sub/o.xml" target="x"><property file="p.properties"/><property name="loc" location="l"/></ant></target>`).RunTarget(context.Background(), "t"))
	require.Equal(t, []string{"v " + f.path("base/l")}, f.messages(EventEcho))
}
