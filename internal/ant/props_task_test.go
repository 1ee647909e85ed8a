package ant

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestEcho(t *testing.T) {
	runCases(t, []taskCase{
		{name: "message attribute", tasks: `<echo message="hello"/>`, echo: []string{"hello"}},
		{name: "text with a property", tasks: `<echo>to ${rhq.deploy.dir}</echo>`,
			check: func(t *testing.T, f *fixture) { require.Equal(t, []string{"to " + f.deploy}, f.messages(EventEcho)) }},
		{name: "text is appended to the message", tasks: `<echo message="a">b</echo>`, echo: []string{"ab"}},
		{name: "unknown property stays, $$ is $", tasks: `<echo>${nope} $${x} $5</echo>`, echo: []string{"${nope} ${x} $5"}},
		{name: "level", tasks: `<echo level="WARNING">careful</echo>`,
			check: func(t *testing.T, f *fixture) { require.Equal(t, LevelWarning, f.eventsOf(EventEcho)[0].Level) }},
		{name: "to a file in the deploy dir", tasks: `<echo file="${rhq.deploy.dir}/out.txt">one</echo>`,
			want: map[string]string{"deploy/out.txt": "one"}, echo: []string{}},
		{name: "appended to a file", files: map[string]string{"base/log.txt": "a\n"},
			tasks: `<echo file="log.txt" append="true">b</echo><echo file="new.txt" append="yes">c</echo>`,
			want:  map[string]string{"base/log.txt": "a\nb", "base/new.txt": "c"}},
		{name: "replacing a file", files: map[string]string{"base/log.txt": "old"},
			tasks: `<echo file="log.txt">new</echo>`, want: map[string]string{"base/log.txt": "new"}},
	})
}

func TestProperty(t *testing.T) {
	runCases(t, []taskCase{
		{name: "name and value", tasks: `<property name="a" value="1"/><echo>${a}</echo>`, echo: []string{"1"}},
		{name: "R157 first definition wins", tasks: `<property name="a" value="1"/><property name="a" value="2"/><echo>${a}</echo>`, echo: []string{"1"}},
		{name: "R157 caller properties are immutable", props: map[string]string{"a": "caller"},
			tasks: `<property name="a" value="recipe"/><echo>${a}</echo>`, echo: []string{"caller"}},
		{name: "value is expanded when the task runs", tasks: `<property name="a" value="1"/><property name="b" value="${a}+${a}"/><echo>${b}</echo>`, echo: []string{"1+1"}},
		{name: "nested text", tasks: `<property name="a">text ${basedir}</property><echo>${a}</echo>`,
			check: func(t *testing.T, f *fixture) { require.Equal(t, []string{"text " + f.base}, f.messages(EventEcho)) }},
		{name: "location is resolved against the basedir", tasks: `<property name="l" location="conf\..\x/y"/><echo>${l}</echo>`,
			check: func(t *testing.T, f *fixture) { require.Equal(t, []string{f.path("base/x/y")}, f.messages(EventEcho)) }},
		{name: "file with references, in file order",
			files: map[string]string{"base/p.properties": "a=1\nb=${a}2\nc=${caller}\n# comment\nd = \\u00e9\n"},
			props: map[string]string{"caller": "C"},
			tasks: `<property file="p.properties"/><echo>${a} ${b} ${c} ${d}</echo>`, echo: []string{"1 12 C é"}},
		{name: "file with a prefix",
			files: map[string]string{"base/p.properties": "a=1\nb=${a}\n"},
			tasks: `<property file="p.properties" prefix="p."/><echo>${p.a} ${p.b} ${a}</echo>`, echo: []string{"1 1 ${a}"}},
		{name: "a project property wins inside a file", props: map[string]string{"a": "X"},
			files: map[string]string{"base/p.properties": "a=1\nb=${a}\n"},
			tasks: `<property file="p.properties"/><echo>${a} ${b}</echo>`, echo: []string{"X X"}},
		{name: "circular file", files: map[string]string{"base/p.properties": "a=${b}\nb=${a}\n"},
			tasks: `<property file="p.properties"/>`, wantErr: "property a was circularly defined: a -> b -> a"},
		{name: "missing file defines nothing", tasks: `<property file="none.properties"/><echo>${a}</echo>`, echo: []string{"${a}"},
			check: func(t *testing.T, f *fixture) {
				require.Equal(t, []string{"property file " + f.path("base/none.properties") + " not found; it defines nothing"}, f.messages(EventLog))
			}},
		{name: "environment", tasks: `<property environment="env"/><echo>${env.BK_VAR}</echo>`, echo: []string{"from env"}},
		{name: "R177 rhq:property relativeToDeployDir",
			files: map[string]string{"base/conf/d.properties": "x=bundle\n", "deploy/conf/d.properties": "x=deployed\n", "sibling/s.properties": "y=beside\n"},
			tasks: `<rhq:property file="conf/d.properties" relativeToDeployDir="true"/><rhq:property file="../sibling/s.properties" relativeToDeployDir="true"/><echo>${x} ${y}</echo>`,
			echo:  []string{"deployed beside"}},
		{name: "rhq:property without relativeToDeployDir reads the bundle",
			files: map[string]string{"base/conf/d.properties": "x=bundle\n", "deploy/conf/d.properties": "x=deployed\n"},
			tasks: `<rhq:property file="conf/d.properties"/><echo>${x}</echo>`, echo: []string{"bundle"}},
	})
}

func TestAudit(t *testing.T) {
	runCases(t, []taskCase{
		{name: "R178 defaults", tasks: `<rhq:audit/>`, check: func(t *testing.T, f *fixture) {
			ev := f.eventsOf(EventAudit)
			require.Len(t, ev, 1)
			require.Equal(t, Audit{Status: "SUCCESS", Action: "Audit Message", Info: "Timestamp: Mon May 06 07:08:09 UTC 2024"}, *ev[0].Audit)
			require.Equal(t, "RHQ_AUDIT_MESSAGE___SUCCESS___Audit Message___Timestamp: Mon May 06 07:08:09 UTC 2024______", ev[0].Audit.String())
		}},
		{name: "R178 all attributes, expanded, status in any case", props: map[string]string{"s": "warn", "who": "me"},
			tasks: `<rhq:audit status="${s}" action="Act ${who}" info="" message="msg">details ${who}</rhq:audit>`,
			check: func(t *testing.T, f *fixture) {
				require.Equal(t, Audit{Status: "WARN", Action: "Act me", Info: "", Message: "msg", Details: "details me"}, *f.eventsOf(EventAudit)[0].Audit)
			}},
	})
}
