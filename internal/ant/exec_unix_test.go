//go:build unix

package ant

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bundlekit/bundlekit/internal/proc"
	"github.com/stretchr/testify/require"
)

func TestExec(t *testing.T) {
	sh := func(script string, attrs string) string {
		return `<exec executable="/bin/sh" ` + attrs + `><arg value="-c"/><arg value="` + xmlAttr(script) + `"/></exec>`
	}
	runCases(t, []taskCase{
		{name: "output lines are events, the result too",
			tasks: sh("echo one; echo two >&2; printf three", `resultproperty="rc"`) + `<echo>${rc}</echo>`,
			echo:  []string{"0"},
			check: func(t *testing.T, f *fixture) {
				var lines []string
				for _, e := range f.eventsOf(EventOutput) {
					lines = append(lines, e.Stream+":"+e.Message)
				}
				require.ElementsMatch(t, []string{"stdout:one", "stderr:two", "stdout:three"}, lines)
				ex := f.eventsOf(EventExec)
				require.Len(t, ex, 1)
				require.Equal(t, "/bin/sh", ex[0].Message, "only the program is named")
				require.Equal(t, 0, ex[0].Exec.ExitCode)
				require.True(t, ex[0].Exec.Success)
				require.Equal(t, "one\nthree", ex[0].Exec.StdoutTail)
				require.Equal(t, "two\n", ex[0].Exec.StderrTail)
			}},
		{name: "outputproperty has both streams without errorproperty",
			tasks: sh("echo out; echo err >&2", `outputproperty="o"`) + `<echo>[${o}]</echo>`,
			check: func(t *testing.T, f *fixture) {
				got := f.messages(EventEcho)[0]
				require.True(t, got == "[out\nerr]" || got == "[err\nout]", got)
			}},
		{name: "errorproperty separates stderr",
			tasks: sh("echo out; echo err >&2", `outputproperty="o" errorproperty="e"`) + `<echo>[${o}][${e}]</echo>`,
			echo:  []string{"[out][err]"}},
		{name: "a failure without failonerror goes on", tasks: sh("exit 3", `resultproperty="rc"`) + `<echo>after ${rc}</echo>`,
			echo:  []string{"after 3"},
			check: func(t *testing.T, f *fixture) { require.Equal(t, []string{"Result: 3"}, f.messages(EventLog)) }},
		{name: "a failure with failonerror stops", tasks: sh("exit 3", `failonerror="true"`) + `<echo>never</echo>`,
			wantIs: ErrExitCode, wantErr: "/bin/sh returned 3", echo: []string{}},
		{name: "a program that cannot start", tasks: `<exec executable="bundlekit-no-such-program"/>`, wantErr: "executable file not found"},
		{name: "a program that cannot start, allowed", tasks: `<exec executable="bundlekit-no-such-program" failifexecutionfails="false"/><echo>on</echo>`,
			echo: []string{"on"}},
		{name: "dir, and a relative program is relative to it",
			files: map[string]string{"deploy/bin/run.sh": "#!/bin/sh\npwd\n"},
			tasks: `<chmod file="${rhq.deploy.dir}/bin/run.sh" perm="755"/><exec executable="bin/run.sh" dir="${rhq.deploy.dir}" outputproperty="o"/><echo>${o}</echo>`,
			check: func(t *testing.T, f *fixture) { require.Equal(t, []string{f.deploy}, f.messages(EventEcho)) }},
		{name: "resolveexecutable tries the basedir first",
			files: map[string]string{"base/bin/run.sh": "#!/bin/sh\necho from base\n", "deploy/bin/run.sh": "#!/bin/sh\necho from deploy\n"},
			tasks: `<chmod perm="755"><fileset dir="${basedir}/.." includes="*/bin/run.sh"/></chmod>
				<exec executable="bin/run.sh" dir="${rhq.deploy.dir}" resolveexecutable="true" outputproperty="o"/><echo>${o}</echo>`,
			echo: []string{"from base"}},
		{name: "missing dir", tasks: `<exec executable="/bin/true" dir="none"/>`, wantErr: "does not exist or is not a directory"},
		{name: "arguments: line split Ant's way, file resolved", files: map[string]string{"base/f": ""},
			tasks: `<exec executable="/bin/sh" outputproperty="o"><arg line="-c 'printf %s,%s,%s &quot;$0&quot; &quot;$1&quot; &quot;$2&quot;' 'a b'"/><arg file="f"/></exec><echo>${o}</echo>`,
			check: func(t *testing.T, f *fixture) {
				require.Equal(t, []string{"a b," + f.path("base/f") + ","}, f.messages(EventEcho))
			}},
		{name: "environment: inherited, set, and new",
			tasks: sh(`printf %s:%s "$BK_VAR" "$BK_NEW"`, `outputproperty="o"`) + `<echo>${o}</echo>` +
				`<exec executable="/bin/sh" outputproperty="o2" newenvironment="true"><arg value="-c"/><arg value="` +
				xmlAttr(`printf %s:%s "$BK_VAR" "$BK_NEW"`) + `"/><env key="BK_NEW" value="new"/></exec><echo>${o2}</echo>`,
			echo: []string{"from env:", ":new"}},
		{name: "osfamily that does not match is skipped", tasks: `<exec executable="bundlekit-no-such-program" osfamily="windows"/><echo>on</echo>`,
			echo: []string{"on"}},
	})
}

// TestExecTimeout: at the deadline the program and the processes it started
// are killed; the failure is reported as failonerror says.
func TestExecTimeout(t *testing.T) {
	script := xmlAttr(`sleep 30 & echo $! > child.pid; wait`)
	tasks := `<exec executable="/bin/sh" timeout="300" resultproperty="rc"><arg value="-c"/><arg value="` + script + `"/></exec><echo>after ${rc}</echo>`
	f := newFixture(t)
	require.NoError(t, f.run(tasks))
	require.Equal(t, []string{"after -1"}, f.messages(EventEcho))
	logs := f.messages(EventLog)
	require.Len(t, logs, 1)
	require.True(t, strings.HasPrefix(logs[0], "Timeout: killed /bin/sh and the processes it started after 300ms"), logs[0])
	ex := f.eventsOf(EventExec)[0].Exec
	require.True(t, ex.TimedOut)
	require.False(t, ex.Success)
	requireKilled(t, f.path("base/child.pid"))

	f = newFixture(t)
	err := f.run(`<exec executable="/bin/sh" timeout="300" failonerror="true"><arg value="-c"/><arg value="` + script + `"/></exec><echo>never</echo>`)
	require.ErrorIs(t, err, ErrTimeout)
	require.ErrorContains(t, err, "/bin/sh was killed, with the processes it started, after 300ms")
	require.Empty(t, f.messages(EventEcho))
	requireKilled(t, f.path("base/child.pid"))

	// Without a timeout attribute, Env.ExecTimeout applies.
	f = newFixture(t)
	f.env.ExecTimeout = 300 * time.Millisecond
	require.ErrorIs(t, f.run(`<exec executable="/bin/sh" failonerror="true"><arg value="-c"/><arg value="sleep 30"/></exec>`), ErrTimeout)
}

// requireKilled reads a pid and waits until that process is gone (or a zombie
// awaiting its reaper): the kill was sent before the task returned.
func requireKilled(t *testing.T, pidFile string) {
	t.Helper()
	data, err := os.ReadFile(pidFile)
	require.NoError(t, err)
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	require.NoError(t, err)
	require.True(t, proc.WaitGone(pid, 10*time.Second), "process %d outlived the timeout", pid)
}

func xmlAttr(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}

func TestExecLongLinesAreSplit(t *testing.T) {
	f := newFixture(t)
	require.NoError(t, f.run(`<exec executable="/bin/sh"><arg value="-c"/><arg value="head -c 10000 /dev/zero | tr '\0' a"/></exec>`))
	var total int
	for _, m := range f.messages(EventOutput) {
		require.LessOrEqual(t, len(m), maxLine)
		total += len(m)
	}
	require.Equal(t, 10000, total)
}
