package ant

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/fileops"
	"github.com/bundlekit/bundlekit/internal/testtree"
	"github.com/bundlekit/bundlekit/recipe"
)

// targetEvents lists the targets that ran ("name") or were skipped ("-name").
func targetEvents(f *fixture) []string {
	var out []string
	for _, e := range f.eventsOf(EventTarget) {
		if e.Skipped {
			out = append(out, "-"+e.Target)
		} else {
			out = append(out, e.Target)
		}
	}
	return out
}

func TestDependsOrder(t *testing.T) {
	// Ant's order: depth first, left to right, each target once.
	targets := `
<target name="a"><echo>a</echo></target>
<target name="b" depends="a"><echo>b</echo></target>
<target name="c" depends="a, b"><echo>c</echo></target>
<target name="d" depends="c,b"><echo>d</echo></target>`
	f := newFixture(t)
	p := f.project(targets)
	require.NoError(t, p.RunTarget(context.Background(), "d"))
	require.Equal(t, []string{"a", "b", "c", "d"}, f.messages(EventEcho))
	// Each call orders its own dependencies again, as two ant invocations.
	require.NoError(t, p.RunTarget(context.Background(), "b"))
	require.Equal(t, []string{"a", "b", "c", "d", "a", "b"}, f.messages(EventEcho))
}

func TestIfUnless(t *testing.T) {
	targets := `
<target name="dep"><echo>dep</echo></target>
<target name="if" depends="dep" if="flag"><echo>if</echo></target>
<target name="unless" unless="flag"><echo>unless</echo></target>
<target name="iftrue" if="true"><echo>iftrue</echo></target>
<target name="ifexpr" if="${name}"><echo>ifexpr</echo></target>
<target name="all" depends="if,unless,iftrue,ifexpr"/>`
	tests := []struct {
		name    string
		props   map[string]string
		echoes  []string
		targets []string
	}{
		{"flag unset", nil, []string{"dep", "unless", "iftrue"}, []string{"dep", "-if", "unless", "iftrue", "-ifexpr", "all"}},
		// A property set to "false" is set: if= tests existence unless the
		// value itself is a boolean word (Ant 1.8).
		{"flag set to anything", map[string]string{"flag": "0"}, []string{"dep", "if", "iftrue"}, []string{"dep", "if", "-unless", "iftrue", "-ifexpr", "all"}},
		{"if names a property through ${}", map[string]string{"name": "other", "other": "x"}, []string{"dep", "unless", "iftrue", "ifexpr"}, nil},
		{"if expands to a boolean word", map[string]string{"name": "yes"}, []string{"dep", "unless", "iftrue", "ifexpr"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.env.Properties = tt.props
			require.NoError(t, f.project(targets).RunTarget(context.Background(), "all"))
			require.Equal(t, tt.echoes, f.messages(EventEcho))
			if tt.targets != nil {
				require.Equal(t, tt.targets, targetEvents(f))
			}
		})
	}
}

func TestPropertiesAcrossTargets(t *testing.T) {
	// R172: properties a target sets are visible to later targets and to the
	// caller; R157: the first definition wins everywhere.
	f := newFixture(t)
	f.env.Properties = map[string]string{"fixed": "caller"}
	p := f.project(`<target name="pre"><property name="done" value="pre"/><property name="fixed" value="pre"/></target>
<target name="post"><property name="done" value="post"/><echo>${done} ${fixed}</echo></target>`)
	require.NoError(t, p.RunTarget(context.Background(), "pre"))
	require.NoError(t, p.RunTarget(context.Background(), "post"))
	require.Equal(t, []string{"pre caller"}, f.messages(EventEcho))
	v, ok := p.Property("done")
	require.True(t, ok)
	require.Equal(t, "pre", v)
	props := p.Properties()
	require.Equal(t, "caller", props["fixed"])
	require.Equal(t, f.base, props["basedir"])
	require.Equal(t, f.deploy, props["rhq.deploy.dir"])
	require.Equal(t, filepath.Join(f.base, "deploy.xml"), props["ant.file"])
	require.Equal(t, "test", props["ant.project.name"])
}

func TestTopLevelTasksRunOnce(t *testing.T) {
	f := newFixture(t)
	r, err := recipe.Parse(strings.NewReader(`<project name="p" xmlns:rhq="antlib:org.rhq.bundle">
<property name="top" value="1"/>
<echo>top</echo>
<rhq:bundle name="b" version="1"><rhq:deployment-unit name="u"><rhq:file name="a"/></rhq:deployment-unit></rhq:bundle>
<target name="a"><echo>a ${top}</echo></target>
</project>`))
	require.NoError(t, err)
	p, err := New(r, f.env)
	require.NoError(t, err)
	defer p.Close()
	require.NoError(t, p.RunTarget(context.Background(), "a"))
	require.NoError(t, p.RunTarget(context.Background(), "a"))
	require.Equal(t, []string{"top", "a 1", "a 1"}, f.messages(EventEcho))
	// A top-level task's events name no target.
	require.Equal(t, "", f.eventsOf(EventEcho)[0].Target)
}

func TestRunTargetErrors(t *testing.T) {
	f := newFixture(t)
	p := f.project(`<target name="t"><echo>x</echo></target>`)
	err := p.RunTarget(context.Background(), "none")
	require.ErrorIs(t, err, ErrNoTarget)
	require.ErrorContains(t, err, `target "none" does not exist in deploy.xml`)

	err = f.run(`<echo>one</echo><fail message="boom"/><echo>never</echo>`)
	var te *TaskError
	require.True(t, errors.As(err, &te))
	require.Equal(t, recipe.Pos{File: "deploy.xml", Line: 5, Col: 34}, te.Pos)
	require.Equal(t, "<fail>", te.Task)
	require.Equal(t, `deploy.xml:5:34: <fail> in target "t": build failed: boom`, err.Error())

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.ErrorIs(t, f.project(`<target name="t"><echo>x</echo></target>`).RunTarget(ctx, "t"), context.Canceled)
}

func TestNew(t *testing.T) {
	r, err := recipe.Parse(strings.NewReader(header + "</project>"))
	require.NoError(t, err)
	abs := t.TempDir()
	tests := []struct {
		name string
		env  Env
		want string
	}{
		{"relative basedir", Env{Basedir: "base"}, `the base directory "base" is not an absolute path`},
		{"relative deploy dir", Env{Basedir: abs, DeployDir: "d"}, `the deploy directory "d" is not an absolute path`},
		{"disagreeing deploy dirs", Env{Basedir: abs, DeployDir: filepath.Join(abs, "a"), Properties: map[string]string{"rhq.deploy.dir": filepath.Join(abs, "b")}}, "differ"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(r, tt.env)
			require.ErrorContains(t, err, tt.want)
		})
	}
	t.Run("deploy dir from the property", func(t *testing.T) {
		p, err := New(r, Env{Basedir: abs, Properties: map[string]string{"rhq.deploy.dir": filepath.Join(abs, "d") + string(filepath.Separator)}})
		require.NoError(t, err)
		require.Equal(t, filepath.Join(abs, "d"), p.sh.env.DeployDir)
	})
	t.Run("caller's open deploy dir", func(t *testing.T) {
		d, err := fileops.CreateDir(filepath.Join(abs, "open"))
		require.NoError(t, err)
		defer d.Close()
		p, err := New(r, Env{Basedir: abs, Deploy: d})
		require.NoError(t, err)
		require.NoError(t, p.Close())
		_, err = d.Lstat("")
		require.NoError(t, err, "the caller's Dir stays open")
	})
	_, err = New(nil, Env{Basedir: abs})
	require.Error(t, err)
}

func TestEventJSON(t *testing.T) {
	data, err := json.Marshal(Event{Type: EventAudit, Target: "pre", Task: "rhq:audit", Pos: recipe.Pos{File: "deploy.xml", Line: 3, Col: 5},
		Audit: &Audit{Status: recipe.AuditWarn, Action: "a"}})
	require.NoError(t, err)
	want := `{"event":"audit","target":"pre","task":"rhq:audit","pos":{"file":"deploy.xml","line":3,"col":5},
		"audit":{"status":"WARN","action":"a","info":"","message":"","details":""}}`
	require.JSONEq(t, want, string(data))
	data, err = json.Marshal(Event{Type: EventEcho, Message: "hi", Level: LevelInfo})
	require.NoError(t, err)
	require.JSONEq(t, `{"event":"echo","level":"info","message":"hi"}`, string(data))
}

// TestPathRouting: paths below the deploy dir go through its os.Root, so a
// symbolic link inside it cannot lead a task out of it; other paths are
// reached where Ant would reach them.
func TestPathRouting(t *testing.T) {
	f := newFixture(t)
	f.files(map[string]string{"deploy/x": "", "ext/secret": "s", "base/a": "A"})
	if err := os.Symlink(f.path("ext"), f.path("deploy/out")); err != nil {
		t.Skip("symbolic links:", err)
	}
	err := f.run(`<copy file="a" todir="${rhq.deploy.dir}/out"/>`)
	require.ErrorIs(t, err, testtree.ErrEscapes(), "the link leads out of the deploy dir")
	require.False(t, f.exists("ext/a"))
	err = f.run(`<delete file="${rhq.deploy.dir}/out/secret"/>`)
	require.ErrorIs(t, err, testtree.ErrEscapes())
	require.True(t, f.exists("ext/secret"))
	err = f.run(`<echo file="${rhq.deploy.dir}/out/secret">overwritten</echo>`)
	require.ErrorIs(t, err, testtree.ErrEscapes())
	require.Equal(t, "s", f.read("ext/secret"))

	// Links inside a fileset: to a file in the tree, copied; to a directory,
	// or out of the tree, skipped with a warning.
	require.NoError(t, os.Symlink("x", f.path("deploy/to-x")))
	require.NoError(t, os.Mkdir(f.path("deploy/sub"), 0o755))
	require.NoError(t, os.Symlink("sub", f.path("deploy/to-sub")))
	f.events = nil
	require.NoError(t, f.run(`<copy todir="${basedir}/../copied"><fileset dir="${rhq.deploy.dir}"/></copy>`))
	require.True(t, f.exists("copied/x"))
	require.True(t, f.exists("copied/to-x"))
	require.False(t, f.exists("copied/out"))
	require.False(t, f.exists("copied/to-sub"))
	require.ElementsMatch(t, []string{
		"symbolic link " + f.path("deploy/out") + " is skipped: it leads nowhere or out of " + f.deploy,
		"symbolic link " + f.path("deploy/to-sub") + " to a directory is not followed",
	}, f.messages(EventLog)[:2])

	// A fileset dir that is a link is not walked.
	err = f.run(`<delete><fileset dir="${rhq.deploy.dir}/out"/></delete>`)
	require.ErrorContains(t, err, "is a symbolic link, which is not followed")
	require.True(t, f.exists("ext/secret"))

	// ".." that leaves the deploy dir lexically is simply another place, as
	// in Ant.
	require.NoError(t, f.run(`<copy file="a" todir="${rhq.deploy.dir}/../ext/new"/>`))
	require.Equal(t, "A", f.read("ext/new/a"))

	// A relative path that reaches into the deploy dir is routed to it.
	require.NoError(t, f.run(`<mkdir dir="../deploy/made"/>`))
	require.True(t, f.exists("deploy/made"))
}

func TestUnresolvedPath(t *testing.T) {
	runCases(t, []taskCase{
		{name: "a typo in a property name", tasks: `<mkdir dir="${rhq.deploy.dirr}/logs"/>`, wantIs: ErrUnresolved,
			wantErr: "refers to the property ${rhq.deploy.dirr}, which is not set", absent: []string{"base/${rhq.deploy.dirr}"}},
		{name: "a file name with a dollar is fine", tasks: `<touch file="a$b"/><touch file="$${x"/>`, want: map[string]string{"base/a$b": "", "base/${x": ""}},
	})
}

func TestRoutingPrefersTheDeeperRoot(t *testing.T) {
	// A deploy dir inside the basedir: paths below it go through its Dir.
	root := t.TempDir()
	base := filepath.Join(root, "b")
	require.NoError(t, os.MkdirAll(filepath.Join(base, "d"), 0o755))
	r, err := recipe.Parse(strings.NewReader(header + "</project>"))
	require.NoError(t, err)
	p, err := New(r, Env{Basedir: base, DeployDir: filepath.Join(base, "d")})
	require.NoError(t, err)
	defer p.Close()
	l, err := p.locate(filepath.Join(base, "d", "x"), false)
	require.NoError(t, err)
	require.Equal(t, filepath.Join(base, "d"), l.dir.Path())
	require.Equal(t, "x", l.name)
	l, err = p.locate(filepath.Join(base, "y"), false)
	require.NoError(t, err)
	require.Equal(t, base, l.dir.Path())
	l, err = p.locate(filepath.Join(root, "z", "w"), true)
	require.NoError(t, err)
	defer l.close()
	require.Equal(t, filepath.Join(root, "z"), l.dir.Path())
	require.Equal(t, "w", l.name)
	require.True(t, l.l.External, "opened for this path alone")
}
