package ant

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/recipe"
)

func TestAvailable(t *testing.T) {
	runCases(t, []taskCase{
		{name: "file exists", files: map[string]string{"base/a": ""}, tasks: `<available property="p" file="a"/><echo>${p}</echo>`, echo: []string{"true"}},
		{name: "missing", tasks: `<available property="p" file="a"/><echo>${p}</echo>`, echo: []string{"${p}"}},
		{name: "value", files: map[string]string{"deploy/a/": ""}, tasks: `<available property="p" value="yes" file="${rhq.deploy.dir}/a"/><echo>${p}</echo>`, echo: []string{"yes"}},
		{name: "type dir on a file", files: map[string]string{"base/a": ""}, tasks: `<available property="p" file="a" type="dir"/><echo>${p}</echo>`, echo: []string{"${p}"}},
		{name: "type file on a dir", files: map[string]string{"base/a/": ""}, tasks: `<available property="p" file="a" type="file"/><echo>${p}</echo>`, echo: []string{"${p}"}},
		{name: "type dir", files: map[string]string{"base/a/": ""}, tasks: `<available property="p" file="a" type="dir"/><echo>${p}</echo>`, echo: []string{"true"}},
		{name: "missing deploy dir", tasks: `<available property="p" file="${rhq.deploy.dir}/x"/><echo>${p}</echo>`, echo: []string{"${p}"}},
		{name: "property is immutable", files: map[string]string{"base/a": ""}, tasks: `<property name="p" value="set"/><available property="p" file="a"/><echo>${p}</echo>`, echo: []string{"set"}},
	})
}

func TestCondition(t *testing.T) {
	cond := func(c string) string {
		return `<condition property="p" else="no">` + c + `</condition><echo>${p}</echo>`
	}
	other := "windows"
	if runtime.GOOS == "windows" {
		other = "unix"
	}
	runCases(t, []taskCase{
		{name: "equals", tasks: cond(`<equals arg1="a" arg2="a"/>`), echo: []string{"true"}},
		{name: "equals is case sensitive", tasks: cond(`<equals arg1="a" arg2="A"/>`), echo: []string{"no"}},
		{name: "equals ignoring case", tasks: cond(`<equals arg1="a" arg2="A" casesensitive="false"/>`), echo: []string{"true"}},
		{name: "equals trimmed", tasks: cond(`<equals arg1=" a " arg2="a" trim="true"/>`), echo: []string{"true"}},
		{name: "equals an expanded property", props: map[string]string{"env": "prod"}, tasks: cond(`<equals arg1="${env}" arg2="prod"/>`), echo: []string{"true"}},
		{name: "equals empty strings", tasks: cond(`<equals arg1="" arg2=""/>`), echo: []string{"true"}},
		{name: "isset", props: map[string]string{"x": ""}, tasks: cond(`<isset property="x"/>`), echo: []string{"true"}},
		{name: "isset unset", tasks: cond(`<isset property="x"/>`), echo: []string{"no"}},
		{name: "not", tasks: cond(`<not><isset property="x"/></not>`), echo: []string{"true"}},
		{name: "and", props: map[string]string{"x": "1"}, tasks: cond(`<and><isset property="x"/><equals arg1="1" arg2="${x}"/></and>`), echo: []string{"true"}},
		{name: "and fails", tasks: cond(`<and><isset property="basedir"/><isset property="x"/></and>`), echo: []string{"no"}},
		{name: "empty and", tasks: cond(`<and/>`), echo: []string{"true"}},
		{name: "or", tasks: cond(`<or><isset property="x"/><isset property="basedir"/></or>`), echo: []string{"true"}},
		{name: "empty or", tasks: cond(`<or/>`), echo: []string{"no"}},
		{name: "istrue", tasks: cond(`<istrue value="Yes"/>`), echo: []string{"true"}},
		{name: "istrue of another word", tasks: cond(`<istrue value="1"/>`), echo: []string{"no"}},
		{name: "isfalse of another word", tasks: cond(`<isfalse value="1"/>`), echo: []string{"true"}},
		{name: "contains", tasks: cond(`<contains string="Hello" substring="ELL" casesensitive="false"/>`), echo: []string{"true"}},
		{name: "available", files: map[string]string{"base/a": ""}, tasks: cond(`<available file="a"/>`), echo: []string{"true"}},
		{name: "os family of this system", tasks: cond(`<os family="` + map[bool]string{true: "windows", false: "unix"}[runtime.GOOS == "windows"] + `"/>`), echo: []string{"true"}},
		{name: "os family of another system", tasks: cond(`<os family="` + other + `"/>`), echo: []string{"no"}},
		{name: "os arch in Java's name", tasks: cond(`<os arch="` + map[string]string{"amd64": "x86_64", "arm64": "aarch64", "386": "x86"}[runtime.GOARCH] + `"/>`), echo: []string{"true"}},
		{name: "value and no else", tasks: `<condition property="p" value="v"><isset property="x"/></condition><echo>${p}</echo>`, echo: []string{"${p}"}},
		{name: "immutable", props: map[string]string{"p": "caller"}, tasks: cond(`<and/>`), echo: []string{"caller"}},
	})
}

func TestOSFamilies(t *testing.T) {
	tests := []struct {
		goos, family string
		want         bool
	}{
		{"linux", "unix", true}, {"linux", "windows", false}, {"linux", "mac", false},
		{"darwin", "unix", true}, {"darwin", "mac", true}, {"darwin", "windows", false},
		{"windows", "windows", true}, {"windows", "dos", true}, {"windows", "winnt", true}, {"windows", "unix", false},
		{"windows", "win9x", false}, {"freebsd", "UNIX", true}, {"linux", "os/2", false},
	}
	for _, tt := range tests {
		got, err := osFamily(tt.goos, tt.family)
		require.NoError(t, err)
		require.Equal(t, tt.want, got, "%s %s", tt.goos, tt.family)
	}
	t.Run("Env.OS decides", func(t *testing.T) {
		f := newFixture(t)
		f.env.OS = "windows"
		require.NoError(t, f.run(`<condition property="w"><os family="windows"/></condition><echo>${w}</echo>`))
		require.Equal(t, []string{"true"}, f.messages(EventEcho))
	})
}

func TestFail(t *testing.T) {
	runCases(t, []taskCase{
		{name: "message", tasks: `<fail message="stop here"/><echo>not reached</echo>`, wantIs: ErrFail, wantErr: "build failed: stop here", echo: []string{}},
		{name: "text", tasks: `<fail>wrong ${basedir}</fail>`, wantIs: ErrFail, wantErr: "build failed: wrong "},
		{name: "no message", tasks: `<fail/>`, wantIs: ErrFail, wantErr: "No message"},
		{name: "if not set", tasks: `<fail if="x"/><echo>on</echo>`, echo: []string{"on"}},
		{name: "if set", props: map[string]string{"x": "false-ish"}, tasks: `<fail if="x"/>`, wantIs: ErrFail},
		{name: "if false", props: map[string]string{"x": "1"}, tasks: `<fail if="false"/><echo>on</echo>`, echo: []string{"on"}},
		{name: "unless set", props: map[string]string{"x": "1"}, tasks: `<fail unless="x"/><echo>on</echo>`, echo: []string{"on"}},
		{name: "unless not set", tasks: `<fail unless="x" message="x is required"/>`, wantIs: ErrFail, wantErr: "x is required"},
		{name: "condition true", props: map[string]string{"v": "bad"},
			tasks: `<fail message="v is bad"><condition><equals arg1="${v}" arg2="bad"/></condition></fail>`, wantIs: ErrFail},
		{name: "condition false", tasks: `<fail><condition><isset property="v"/></condition></fail><echo>on</echo>`, echo: []string{"on"}},
	})
}

func TestSleep(t *testing.T) {
	runCases(t, []taskCase{
		{name: "short", tasks: `<sleep milliseconds="1"/><echo>after</echo>`, echo: []string{"after"}},
		{name: "over the limit", tasks: `<sleep hours="1"/>`, wantErr: "a sleep of 1h0m0s is longer than the limit of 10m0s"},
		{name: "sum over the limit", tasks: `<sleep minutes="9" seconds="61"/>`, wantErr: "longer than the limit"},
	})
	t.Run("cancelled while sleeping", func(t *testing.T) {
		f := newFixture(t)
		p := f.project("")
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
		defer cancel()
		err := (&sleepTask{d: 5 * time.Minute}).run(ctx, &call{p: p, t: &recipe.Task{Name: "sleep"}})
		require.ErrorIs(t, err, context.DeadlineExceeded)
	})
}
