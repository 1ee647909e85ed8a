package rollout

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/stretchr/testify/require"
)

// full is a descriptor that uses every field.
const full = `{
  "$schema": "https://github.com/bundlekit/bundlekit/rollout/descriptor.schema.json",
  "name": "musicapp 1.0",
  "description": "the spring release",
  "bundle": "musicapp.zip",
  "sha256": "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08",
  "parallelism": 3,
  "sequence": "continue",
  "defaults": {
    "properties": {"listener.port": 8080, "debug": false, "name": "music"},
    "deploy_dir": "deploy/musicapp",
    "window": "FRI 22:00-23:59",
    "ip_range": "10.0.0.0/8",
    "not_before": "2026-01-01T00:00",
    "not_after": "2027-01-01T00:00:00Z",
    "time_zone": "Europe/Berlin",
    "requires": {"os": "linux,darwin", "free_space": "1GiB", "paths": ["/usr/"], "check_timeout": "10s"}
  },
  "targets": [
    {"name": "canary", "description": "the first", "dest": "srv/canary", "priority": 10, "groups": ["eu", "canary"],
     "properties": {"listener.port": "7081"}},
    {"name": "web1", "dest": {"base": "/opt/jboss/server/default"}, "groups": ["eu"],
     "window": "SAT 0:00-23:59", "ip_range": "192.168.0.0/16", "not_before": "2026-02-01T00:00",
     "not_after": "2026-12-01T00:00", "time_zone": "UTC",
     "requires": {"os": "linux", "paths": ["/usr/", "/etc/hosts"], "deployments": ["/opt/db:db:[1.2,2.0)"], "checks": ["/bin/true --x"]}},
    {"name": "web2", "dest": {"base": "/opt/jboss/server/other/", "deploy_dir": "apps/music"}, "priority": -1}
  ]
}`

func TestParseFull(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "prod.json")
	require.NoError(t, os.WriteFile(path, []byte(full), 0o644))
	d, err := Load(path)
	require.NoError(t, err)

	def := Constraints{Window: "FRI 22:00-23:59", IPRange: "10.0.0.0/8", NotBefore: "2026-01-01T00:00",
		NotAfter: "2027-01-01T00:00:00Z", TimeZone: "Europe/Berlin",
		Requires: &Requires{OS: "linux,darwin", FreeSpace: "1GiB", Paths: []string{"/usr/"}, CheckTimeout: "10s"}}
	want := &Descriptor{
		Schema: "https://github.com/bundlekit/bundlekit/rollout/descriptor.schema.json", Name: "musicapp 1.0",
		Description: "the spring release", Bundle: filepath.Join(dir, "musicapp.zip"),
		SHA256:      "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
		Parallelism: 3, Sequence: SequenceContinue,
		Defaults: Defaults{Properties: map[string]string{"listener.port": "8080", "debug": "false", "name": "music"},
			DeployDir: "deploy/musicapp", Constraints: def},
		Targets: []*Target{
			{Name: "canary", Description: "the first", Dest: Dest{Path: "srv/canary"}, Priority: 10, Groups: []string{"eu", "canary"},
				Properties: map[string]string{"listener.port": "7081"}, Index: 0, Line: 20},
			{Name: "web1", Dest: Dest{Base: "/opt/jboss/server/default"}, Groups: []string{"eu"}, Index: 1, Line: 22,
				Constraints: Constraints{Window: "SAT 0:00-23:59", IPRange: "192.168.0.0/16", NotBefore: "2026-02-01T00:00",
					NotAfter: "2026-12-01T00:00", TimeZone: "UTC", Requires: &Requires{OS: "linux", Paths: []string{"/usr/", "/etc/hosts"},
						Deployments: []string{"/opt/db:db:[1.2,2.0)"}, Checks: []string{"/bin/true --x"}}}},
			{Name: "web2", Dest: Dest{Base: "/opt/jboss/server/other/", DeployDir: "apps/music"}, Priority: -1, Index: 2, Line: 26},
		},
		File: path, Dir: dir,
	}
	require.Empty(t, cmp.Diff(want, d, cmpopts.IgnoreUnexported(Target{})))

	require.Equal(t, filepath.Join(dir, "srv/canary"), d.Targets[0].Dir())
	require.Equal(t, "/opt/jboss/server/default/deploy/musicapp", d.Targets[1].Dir())
	require.Equal(t, "/opt/jboss/server/other/apps/music", d.Targets[2].Dir())
	require.Equal(t, map[string]string{"listener.port": "7081", "debug": "false", "name": "music"}, d.Targets[0].EffectiveProperties())
	require.Equal(t, def, d.Targets[0].EffectiveConstraints())
	require.Equal(t, Constraints{Window: "SAT 0:00-23:59", IPRange: "192.168.0.0/16", NotBefore: "2026-02-01T00:00",
		NotAfter: "2026-12-01T00:00", TimeZone: "UTC", Requires: &Requires{OS: "linux", FreeSpace: "1GiB", Paths: []string{"/usr/", "/etc/hosts"},
			Deployments: []string{"/opt/db:db:[1.2,2.0)"}, Checks: []string{"/bin/true --x"}, CheckTimeout: "10s"}}, d.Targets[1].EffectiveConstraints())

	// Read: what the engine gets.
	berlin, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	set := d.Targets[0].ConstraintSet()
	require.Equal(t, "FRI 22:00-23:59", set.Windows.String())
	require.Equal(t, berlin, set.Location)
	require.Equal(t, time.Date(2026, 1, 1, 0, 0, 0, 0, berlin), set.NotBefore)
	require.Equal(t, time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), set.NotAfter.UTC())
	require.Len(t, d.Targets[0].Conditions(), 3)
	set = d.Targets[1].ConstraintSet()
	require.Equal(t, time.UTC, set.Location)
	require.Equal(t, time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), set.NotBefore)
	var kinds []string
	for _, c := range d.Targets[1].Conditions() {
		kinds = append(kinds, c.Kind())
	}
	require.Len(t, kinds, 6, "os, free space, two paths, a deployment, a check: %v", kinds)
	require.True(t, d.Targets[2].ConstraintSet().Windows.String() == "FRI 22:00-23:59")
}

func TestParseDefaults(t *testing.T) {
	d, err := Parse(strings.NewReader(`{"bundle": "/b", "targets": [{"name": "a", "dest": "/srv/a"}]}`))
	require.NoError(t, err)
	require.Equal(t, 1, d.Parallelism)
	require.Equal(t, SequenceAbort, d.Sequence)
	require.Equal(t, map[string]string{}, d.Targets[0].EffectiveProperties())
	require.Empty(t, d.File)
	wd, _ := os.Getwd()
	require.Equal(t, wd, d.Dir)
}

// TestParseErrors has one case per mistake Load and Parse report. schema
// says whether descriptor.schema.json rejects the input too.
func TestParseErrors(t *testing.T) {
	const ok = `"bundle": "/b", "targets": [{"name": "a", "dest": "/srv/a"}]`
	tests := []struct {
		name, in string
		path     string // the first error's JSON path
		line     int    // and line (column checked when col > 0)
		col      int
		msg      string
		schema   bool
	}{
		{"syntax", "{\n  \"bundle\": \"/b\",,\n}", "", 2, 17, "not valid JSON: invalid character ','", true},
		{"cut short", `{"bundle": "/b", "targets": [`, "", 1, 0, "cut short", true},
		{"trailing data", `{` + ok + `} {}`, "", 1, 0, "unexpected { after the descriptor", true},
		{"not an object", `[1]`, "", 1, 1, "must be an object, not an array", true},
		{"unknown field", "{" + ok + ",\n \"workers\": 2}", "workers", 2, 2, `unknown field (known: $schema, name, description, bundle, sha256, parallelism`, true},
		{"unknown field, other case", "{" + ok + `, "Bundle": "/c"}`, "Bundle", 1, 0, `unknown field (did you mean "bundle"?)`, true},
		{"unknown field, misspelt", "{" + ok + `, "paralelism": 2}`, "paralelism", 1, 0, `unknown field (did you mean "parallelism"?)`, true},
		{"unknown field, cut short", `{"bundle": "/b", "targets": [{"name": "a", "dest": "/srv/a", "prio": 1}]}`, "targets[0].prio", 1, 62, `unknown field (did you mean "priority"?)`, true},
		{"unknown field, another word", `{"bundle": "/b", "targets": [{"name": "a", "dest": "/srv/a", "hosts": 1}]}`, "targets[0].hosts", 1, 62, `unknown field (known: name, description, dest,`, true},
		{"repeated field", "{" + ok + `, "bundle": "/c"}`, "bundle", 1, 0, "given twice", false},
		{"no bundle", `{"targets": [{"name": "a", "dest": "/srv/a"}]}`, "bundle", 1, 1, "missing: the bundle", true},
		{"no targets", `{"bundle": "/b"}`, "targets", 1, 1, "missing: the list of targets", true},
		{"no target", `{"bundle": "/b", "targets": []}`, "targets", 1, 29, "at least one target", true},
		{"targets not a list", `{"bundle": "/b", "targets": {}}`, "targets", 1, 29, "must be an array, not an object", true},
		{"bundle empty", `{"bundle": "", "targets": [{"name": "a", "dest": "/srv/a"}]}`, "bundle", 1, 12, "must not be empty", true},
		{"bundle padded", `{"bundle": " /b", "targets": [{"name": "a", "dest": "/srv/a"}]}`, "bundle", 1, 12, "white space around it", true},
		{"bundle a number", `{"bundle": 1, "targets": [{"name": "a", "dest": "/srv/a"}]}`, "bundle", 1, 12, "must be a string, not a number", true},
		{"sha256 short", "{" + ok + `, "sha256": "abc"}`, "sha256", 1, 0, `must be 64 hex digits (a SHA-256), not "abc"`, true},
		{"parallelism 0", "{" + ok + `, "parallelism": 0}`, "parallelism", 1, 0, "from 1 to 65536, not 0", true},
		{"parallelism fraction", "{" + ok + `, "parallelism": 1.5}`, "parallelism", 1, 0, "whole number from 1 to 65536, not 1.5", true},
		{"parallelism a string", "{" + ok + `, "parallelism": "2"}`, "parallelism", 1, 0, "must be a number, not a string", true},
		{"parallelism huge", "{" + ok + `, "parallelism": 1e9}`, "parallelism", 1, 0, "not 1e9", true},
		{"sequence", "{" + ok + `, "sequence": "stop"}`, "sequence", 1, 0, `must be "abort" or "continue", not "stop"`, true},
		{"defaults unknown", "{" + ok + `, "defaults": {"dest": "/x"}}`, "defaults.dest", 1, 0, "unknown field", true},
		{"defaults not an object", "{" + ok + `, "defaults": []}`, "defaults", 1, 0, "must be an object, not an array", true},
		{"property value an object", "{" + ok + `, "defaults": {"properties": {"a": {}}}}`, "defaults.properties.a", 1, 0, "must be a string, a number or a boolean, not an object", true},
		{"property value null", "{" + ok + `, "defaults": {"properties": {"a.b": null}}}`, `defaults.properties["a.b"]`, 1, 0, "not null", true},
		{"property name empty", "{" + ok + `, "defaults": {"properties": {"": "x"}}}`, `defaults.properties[""]`, 1, 0, "must not be empty", true},
		{"property twice", "{" + ok + `, "defaults": {"properties": {"a": "x", "a": "y"}}}`, "defaults.properties.a", 1, 0, "given twice", false},
		{"deploy_dir empty", "{" + ok + `, "defaults": {"deploy_dir": ""}}`, "defaults.deploy_dir", 1, 0, "must not be empty", true},
		{"target not an object", `{"bundle": "/b", "targets": ["a"]}`, "targets[0]", 1, 30, "must be an object, not a string", true},
		{"target field unknown", `{"bundle": "/b", "targets": [{"name": "a", "dest": "/srv/a", "prio": 1}]}`, "targets[0].prio", 1, 62, "unknown field", true},
		{"target without name", `{"bundle": "/b", "targets": [{"dest": "/srv/a"}]}`, "targets[0].name", 1, 30, "missing: every target needs a name", true},
		{"target without dest", `{"bundle": "/b", "targets": [{"name": "a"}]}`, "targets[0].dest", 1, 30, "missing: every target needs a destination", true},
		{"name empty", `{"bundle": "/b", "targets": [{"name": " ", "dest": "/srv/a"}]}`, "targets[0].name", 1, 39, "must not be empty", true},
		{"name with a control character", `{"bundle": "/b", "targets": [{"name": "a\tb", "dest": "/srv/a"}]}`, "targets[0].name", 1, 39, "control characters", false},
		{"name twice", "{\"bundle\": \"/b\", \"targets\": [\n{\"name\": \"a\", \"dest\": \"/srv/a\"},\n{\"name\": \"a\", \"dest\": \"/srv/b\"}]}", "targets[1].name", 3, 10, `"a" is also the name of targets[0]`, false},
		{"dest a number", `{"bundle": "/b", "targets": [{"name": "a", "dest": 7}]}`, "targets[0].dest", 1, 52, "must be a directory (a string) or a base location and deploy dir", true},
		{"dest without base", `{"bundle": "/b", "targets": [{"name": "a", "dest": {"deploy_dir": "x"}}]}`, "targets[0].dest.base", 1, 52, "missing: the base location", true},
		{"dest field unknown", `{"bundle": "/b", "targets": [{"name": "a", "dest": {"base": "/x", "deploy_dir": "y", "dir": "y"}}]}`, "targets[0].dest.dir", 1, 0, "unknown field", true},
		{"dest base padded", `{"bundle": "/b", "targets": [{"name": "a", "dest": {"base": "x ", "deploy_dir": "y"}}]}`, "targets[0].dest.base", 1, 61, "white space around it", true},
		{"dest deploy_dir escapes", `{"bundle": "/b", "targets": [{"name": "a", "dest": {"base": "/x", "deploy_dir": "../y"}}]}`, "targets[0].dest.deploy_dir", 1, 0, "escapes the base location", false},
		{"dest deploy_dir absolute", `{"bundle": "/b", "targets": [{"name": "a", "dest": {"base": "/x", "deploy_dir": "/y"}}]}`, "targets[0].dest.deploy_dir", 1, 0, "must be relative", false},
		{"dest without deploy_dir", `{"bundle": "/b", "targets": [{"name": "a", "dest": {"base": "/x"}}]}`, "targets[0].dest.deploy_dir", 1, 52, "missing, and the defaults have no deploy_dir", false},
		{"dest the root", `{"bundle": "/b", "targets": [{"name": "a", "dest": "/"}]}`, "targets[0].dest", 1, 52, "no deploy dir", false},
		{"dest twice", "{\"bundle\": \"/b\", \"targets\": [{\"name\": \"a\", \"dest\": \"/srv/a\"},\n {\"name\": \"b\", \"dest\": \"/srv/x/../a/\"}]}", "targets[1].dest", 2, 24, `/srv/a is also the destination of targets[0] ("a")`, false},
		{"dest inside another", `{"bundle": "/b", "targets": [{"name": "a", "dest": "/srv/a"}, {"name": "b", "dest": "/srv/a/b"}]}`, "targets[1].dest", 1, 0, "one inside the other", false},
		{"dest around another", `{"bundle": "/b", "targets": [{"name": "a", "dest": "/srv/a/b"}, {"name": "b", "dest": {"base": "/srv", "deploy_dir": "a"}}]}`, "targets[1].dest", 1, 0, "one inside the other", false},
		{"groups not a list", `{"bundle": "/b", "targets": [{"name": "a", "dest": "/srv/a", "groups": "eu"}]}`, "targets[0].groups", 1, 72, "must be an array, not a string", true},
		{"group empty", `{"bundle": "/b", "targets": [{"name": "a", "dest": "/srv/a", "groups": ["eu", ""]}]}`, "targets[0].groups[1]", 1, 79, "must not be empty", true},
		{"group twice", `{"bundle": "/b", "targets": [{"name": "a", "dest": "/srv/a", "groups": ["eu", "eu"]}]}`, "targets[0].groups[1]", 1, 79, `group "eu" is listed twice`, true},
		{"group not a string", `{"bundle": "/b", "targets": [{"name": "a", "dest": "/srv/a", "groups": [1]}]}`, "targets[0].groups[0]", 1, 73, "must be a string, not a number", true},
		{"priority fraction", `{"bundle": "/b", "targets": [{"name": "a", "dest": "/srv/a", "priority": 0.5}]}`, "targets[0].priority", 1, 74, "whole number", true},
		{"priority too big", `{"bundle": "/b", "targets": [{"name": "a", "dest": "/srv/a", "priority": 2147483648}]}`, "targets[0].priority", 1, 74, "from -2147483648 to 2147483647", true},
		{"priority a boolean", `{"bundle": "/b", "targets": [{"name": "a", "dest": "/srv/a", "priority": true}]}`, "targets[0].priority", 1, 74, "must be a number, not a boolean", true},
		{"time zone unknown", "{" + ok + `, "defaults": {"time_zone": "Mars/Olympus"}}`, "defaults.time_zone", 1, 0, `unknown time zone "Mars/Olympus"`, false},
		{"time zone local", `{"bundle": "/b", "targets": [{"name": "a", "dest": "/srv/a", "time_zone": "Local"}]}`, "targets[0].time_zone", 1, 0, `unknown time zone "Local"`, false},
		{"not_before not a time", "{" + ok + `, "defaults": {"not_before": "tomorrow"}}`, "defaults.not_before", 1, 0, `date-time "tomorrow"`, true},
		{"not_after before not_before", `{"bundle": "/b", "targets": [{"name": "a", "dest": "/srv/a", "not_before": "2026-02-01T00:00", "not_after": "2026-01-01T00:00"}]}`, "targets[0].not_after", 1, 0, "is before not_before", false},
		{"not_after before the defaults' not_before", `{"bundle": "/b", "defaults": {"not_before": "2026-02-01T00:00:00Z"}, "targets": [{"name": "a", "dest": "/srv/a", "not_after": "2026-01-01T00:00"}]}`, "targets[0].not_after", 1, 0, "is before not_before", false},
		{"defaults' not_after before the target's not_before", `{"bundle": "/b", "defaults": {"not_after": "2026-01-01T00:00:00Z"}, "targets": [{"name": "a", "dest": "/srv/a", "not_before": "2026-02-01T00:00"}]}`, "targets[0].not_before", 1, 0, "is before not_before", false},
		{"defaults' dates out of order once read in the target's zone", `{"bundle": "/b", "defaults": {"time_zone": "UTC", "not_before": "2026-01-01T12:00", "not_after": "2026-01-01T13:30:00Z"},
 "targets": [{"name": "a", "dest": "/srv/a", "time_zone": "Asia/Tokyo"}, {"name": "b", "dest": "/srv/b", "time_zone": "America/New_York"}]}`, "targets[1].not_after", 2, 74, "is before not_before 2026-01-01T12:00 (with the defaults' constraints)", false},
		{"window empty", `{"bundle": "/b", "targets": [{"name": "a", "dest": "/srv/a", "window": ""}]}`, "targets[0].window", 1, 72, "must not be empty", true},
		{"window syntax", `{"bundle": "/b", "targets": [{"name": "a", "dest": "/srv/a", "window": "6:00-7:00,XYZ 1:00-2:00"}]}`, "targets[0].window", 1, 83, "window list", false},
		{"ip_range syntax", `{"bundle": "/b", "targets": [{"name": "a", "dest": "/srv/a", "ip_range": "10.0.0.0/33"}]}`, "targets[0].ip_range", 1, 0, "range list", false},
		{"requires not an object", `{"bundle": "/b", "targets": [{"name": "a", "dest": "/srv/a", "requires": ["x"]}]}`, "targets[0].requires", 1, 74, "must be an object, not an array", true},
		{"requires unknown", `{"bundle": "/b", "targets": [{"name": "a", "dest": "/srv/a", "requires": {"memory": "1G"}}]}`, "targets[0].requires.memory", 1, 75, "unknown field (known: os, free_space, paths, deployments, checks, check_timeout, check_codes)", true},
		{"requires os", "{" + ok + `, "defaults": {"requires": {"os": "Linux"}}}`, "defaults.requires.os", 1, 0, "Linux", false},
		{"requires free_space", "{" + ok + `, "defaults": {"requires": {"free_space": "lots"}}}`, "defaults.requires.free_space", 1, 0, "lots", false},
		{"requires path relative", "{" + ok + `, "defaults": {"requires": {"paths": ["/usr", "etc"]}}}`, "defaults.requires.paths[1]", 1, 0, "etc", false},
		{"requires path twice", "{" + ok + `, "defaults": {"requires": {"paths": ["/usr", "/usr"]}}}`, "defaults.requires.paths[1]", 1, 0, `path "/usr" is listed twice`, true},
		{"requires deployment", "{" + ok + `, "defaults": {"requires": {"deployments": ["/opt/db"]}}}`, "defaults.requires.deployments[0]", 1, 0, "/opt/db", false},
		{"requires check unbalanced", "{" + ok + `, "defaults": {"requires": {"checks": ["/bin/check 'x"]}}}`, "defaults.requires.checks[0]", 1, 0, "check command", false},
		{"requires check_timeout", "{" + ok + `, "defaults": {"requires": {"checks": ["/bin/true"], "check_timeout": "-1s"}}}`, "defaults.requires.check_timeout", 1, 0, "positive duration", false},
		{"requires check_codes", "{" + ok + `, "defaults": {"requires": {"checks": ["/bin/true"], "check_codes": "x"}}}`, "defaults.requires.check_codes", 1, 0, "success codes", false},
		{"requires check_timeout without a check", `{"bundle": "/b", "defaults": {"requires": {"check_timeout": "5s"}}, "targets": [{"name": "a", "dest": "/srv/a", "requires": {"check_timeout": "5s"}}]}`, "targets[0].requires.check_timeout", 1, 0, "applies to requires.checks: give one", false},
		{"requires check_codes without a check", `{"bundle": "/b", "targets": [{"name": "a", "dest": "/srv/a", "requires": {"check_codes": "0,1"}}]}`, "targets[0].requires.check_codes", 1, 0, "applies to requires.checks", false},
		{"too deep", "{" + ok + `, "defaults": {"properties": {"a": ` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}}}`, "", 1, 0, "nested more than 32 levels deep", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tt.in))
			require.Error(t, err)
			errs := Errors(err)
			require.NotEmpty(t, errs, "%v", err)
			e := errs[0]
			require.Equal(t, tt.path, e.Path, "%v", err)
			require.Equal(t, tt.line, e.Line, "%v", err)
			if tt.col > 0 {
				require.Equal(t, tt.col, e.Col, "%v", err)
			}
			require.Contains(t, e.Msg, tt.msg)
			require.Equal(t, tt.schema, schemaAccepts(t, tt.in) != nil, "the schema's verdict on %s", tt.in)
		})
	}
}

// Every mistake is reported, not just the first, each at its place.
func TestParseReportsEveryMistake(t *testing.T) {
	in := `{
  "bundle": "",
  "parallelism": 0,
  "targets": [
    {"name": "a", "dest": "/srv/a", "color": "red"},
    {"name": "a", "dest": "/srv/a"}
  ]
}`
	_, err := Parse(strings.NewReader(in))
	var got []string
	for _, e := range Errors(err) {
		got = append(got, e.Error())
	}
	require.Equal(t, []string{
		`descriptor:2:13: bundle: must not be empty`,
		`descriptor:3:18: parallelism: must be a whole number from 1 to 65536, not 0`,
		`descriptor:5:37: targets[0].color: unknown field (known: name, description, dest, properties, groups, priority, window, ip_range, not_before, not_after, time_zone, requires)`,
		`descriptor:6:14: targets[1].name: "a" is also the name of targets[0]`,
		`descriptor:6:27: targets[1].dest: /srv/a is also the destination of targets[0] ("a"): one directory holds one deployment`,
	}, got)
	var ve *ValidationError
	require.True(t, errors.As(err, &ve))
}

// Load resolves relative paths against the descriptor's directory, names the
// file in its errors, and refuses a destination that holds the descriptor.
func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "rollout.json")
	require.NoError(t, os.WriteFile(path, []byte(`{"bundle": "app", "targets": [
  {"name": "a", "dest": "/srv/a"},
  {"name": "b", "dest": "."}]}`), 0o644))
	_, err := Load(path)
	errs := Errors(err)
	require.Len(t, errs, 1)
	require.Equal(t, path+`:3:25: targets[1].dest: `+dir+` holds this descriptor (and its state file): a deployment there could move them away`, errs[0].Error())

	_, err = Load(filepath.Join(dir, "missing.json"))
	require.ErrorIs(t, err, os.ErrNotExist)
}

func TestJSONPath(t *testing.T) {
	for key, want := range map[string]string{"a": "x.a", "a_b$": "x.a_b$", "a.b": `x["a.b"]`, "1a": `x["1a"]`, "": `x[""]`, "é": "x.é"} {
		require.Equal(t, want, join("x", key))
	}
	require.Equal(t, "bundle", join("", "bundle"))
}

func FuzzParse(f *testing.F) {
	f.Add(full)
	f.Add(`{"bundle": "/b", "targets": [{"name": "a", "dest": "/srv/a"}]}`)
	f.Add(`{"bundle": "/b", "targets": [{"name": "a", "dest": {"base": "/x", "deploy_dir": "y"}, "priority": 3, "groups": ["g"]}]}`)
	f.Add(`{"a": [1, 2, {"b": null}], "c": "\u00e9"}`)
	f.Fuzz(func(t *testing.T, in string) {
		d, err := Parse(strings.NewReader(in))
		if err != nil {
			errs := Errors(err)
			if len(errs) == 0 {
				t.Fatalf("an error that is not a *ValidationError: %v", err)
			}
			for _, e := range errs {
				if e.Line < 1 || e.Col < 1 {
					t.Fatalf("no position: %v", e)
				}
			}
			return
		}
		if len(d.Targets) == 0 || d.Bundle == "" || d.Parallelism < 1 {
			t.Fatalf("a descriptor that is not valid was accepted: %+v", d)
		}
		for _, tg := range d.Targets {
			if tg.Name == "" || tg.Dir() == "" {
				t.Fatalf("a target without a name or a destination: %+v", tg)
			}
		}
	})
}
