package destination

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
)

var (
	linux   = PlatformOf("linux")
	windows = PlatformOf("windows")
)

// jbossLocations are the base locations of a JBoss AS server type.
var jbossLocations = []BaseLocation{
	{Name: "Install Directory", ValueContext: PluginConfiguration, ValueName: "homeDir"},
	{Name: "Profile Directory", ValueContext: PluginConfiguration, ValueName: "serverHomeDir"},
	{Name: "Deploy Directory", ValueContext: ResourceConfiguration, ValueName: "deployDirectory"},
	{Name: "Data Directory", ValueContext: MeasurementTrait, ValueName: "dataDir"},
}

var rootFileSystem = []BaseLocation{{Name: "Root File System", ValueContext: FileSystem, ValueName: "/"}}

func jboss(name string, p Platform, profile string) Target {
	return Target{
		Name:          name,
		Platform:      p,
		BaseLocations: jbossLocations,
		Values:        Values{PluginConfiguration: {"serverHomeDir": profile}},
	}
}

func TestResolve(t *testing.T) {
	tests := []struct {
		name   string
		spec   Spec
		target Target
		want   string // native
	}{
		// The seed's example (guide §2.1.2): one profile directory, two platforms.
		{name: "seed Linux profile dir", spec: Spec{"Profile Directory", "deploy/myApp/"}, target: jboss("eap-linux", linux, "/opt/jbossas/default/server/"), want: "/opt/jbossas/default/server/deploy/myApp"},
		// The guide prints C:\jbossas\default\server\deploy\myApp here, a "default"
		// that is in neither input; the join of its inputs is what a deployer must do.
		{name: "seed Windows profile dir", spec: Spec{"Profile Directory", "deploy/myApp/"}, target: jboss("eap-windows", windows, `C:\jbossas\server\`), want: `C:\jbossas\server\deploy\myApp`},
		{name: "R43 Windows drive upper-cased", spec: Spec{"Profile Directory", "deploy/myApp"}, target: jboss("eap", windows, `c:\jbossas\server`), want: `C:\jbossas\server\deploy\myApp`},
		{name: "Windows deploy dir with backslashes", spec: Spec{"Profile Directory", `deploy\myApp\`}, target: jboss("eap", windows, `C:\jbossas\server`), want: `C:\jbossas\server\deploy\myApp`},
		{name: "Windows base with forward slashes", spec: Spec{"Profile Directory", "deploy"}, target: jboss("eap", windows, "C:/jbossas/server"), want: `C:\jbossas\server\deploy`},
		{name: "Windows UNC base", spec: Spec{"Profile Directory", "deploy"}, target: jboss("eap", windows, `\\nas\jboss\server`), want: `\\nas\jboss\server\deploy`},
		{name: "POSIX backslash is part of the name", spec: Spec{"Profile Directory", `deploy\myApp`}, target: jboss("eap", linux, "/opt/server"), want: `/opt/server/deploy\myApp`},
		{name: "R40 deploy dir cleaned", spec: Spec{"Profile Directory", "./deploy//x/../myApp/"}, target: jboss("eap", linux, "/opt/server"), want: "/opt/server/deploy/myApp"},
		{name: "R42 base cleaned lexically", spec: Spec{"Profile Directory", "deploy"}, target: jboss("eap", linux, "/opt/jboss/../eap/./server/"), want: "/opt/eap/server/deploy"},
		{name: "platform root file system", spec: Spec{"Root File System", "opt/myapp"}, target: Target{Name: "web-1", Platform: linux, BaseLocations: rootFileSystem}, want: "/opt/myapp"},
		{
			name: "fileSystem drive on Windows",
			spec: Spec{"System Drive", `apps\myapp`},
			target: Target{Name: "win-1", Platform: windows, BaseLocations: []BaseLocation{
				{Name: "System Drive", ValueContext: FileSystem, ValueName: `C:\`},
			}},
			want: `C:\apps\myapp`,
		},
		{
			name: "resource configuration",
			spec: Spec{"Deploy Directory", "myApp.war"},
			target: Target{Name: "eap", Platform: linux, BaseLocations: jbossLocations, Values: Values{
				ResourceConfiguration: {"deployDirectory": "/srv/jboss/deploy"},
			}},
			want: "/srv/jboss/deploy/myApp.war",
		},
		{
			name: "measurement trait",
			spec: Spec{"Data Directory", "myApp"},
			target: Target{Name: "eap", Platform: linux, BaseLocations: jbossLocations, Values: Values{
				MeasurementTrait: {"dataDir": "/var/lib/jboss"},
			}},
			want: "/var/lib/jboss/myApp",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Resolve(tt.spec, tt.target)
			require.NoError(t, err)
			require.Equal(t, tt.want, d.String())
			require.Equal(t, tt.target.Platform.Flavour, d.Flavour())
			// A resolved Dir is a valid deploy dir in its own right.
			again, err := ParseDir(d.Flavour(), d.String())
			require.NoError(t, err)
			require.Equal(t, d, again)
		})
	}
}

func TestResolveErrors(t *testing.T) {
	noValues := Target{Name: "eap", Platform: linux, BaseLocations: jbossLocations}
	otherContext := Target{Name: "eap", Platform: linux, BaseLocations: jbossLocations, Values: Values{
		ResourceConfiguration: {"serverHomeDir": "/opt/server"},
	}}
	tests := []struct {
		name   string
		spec   Spec
		target Target
		want   error
		also   error
		text   string
	}{
		{name: "unknown base location", spec: Spec{"Lib Directory", "x"}, target: jboss("eap", linux, "/opt"), want: ErrUnknownBaseLocation, text: `declares "Install Directory", "Profile Directory", "Deploy Directory", "Data Directory"`},
		{name: "base location names are case-sensitive", spec: Spec{"profile directory", "x"}, target: jboss("eap", linux, "/opt"), want: ErrUnknownBaseLocation},
		{name: "no base locations", spec: Spec{"Root File System", "x"}, target: Target{Name: "svc", Platform: linux}, want: ErrUnknownBaseLocation, text: "declares no base locations"},
		{name: "missing value", spec: Spec{"Profile Directory", "x"}, target: noValues, want: ErrValueNotSet, text: `the target has no plugin configuration property "serverHomeDir"`},
		{name: "value in another context only", spec: Spec{"Profile Directory", "x"}, target: otherContext, want: ErrValueNotSet},
		{name: "empty value", spec: Spec{"Profile Directory", "x"}, target: jboss("eap", linux, " "), want: ErrValueNotSet, text: "is empty"},
		{name: "missing resource configuration property", spec: Spec{"Deploy Directory", "x"}, target: noValues, want: ErrValueNotSet, text: `resource configuration property "deployDirectory"`},
		{name: "missing trait", spec: Spec{"Data Directory", "x"}, target: noValues, want: ErrValueNotSet, text: `measurement trait "dataDir"`},
		{name: "relative base", spec: Spec{"Profile Directory", "x"}, target: jboss("eap", linux, "jboss/server"), want: ErrNotAbsolute, text: `base directory "jboss/server" (plugin configuration property "serverHomeDir")`},
		{name: "Windows base on a POSIX target", spec: Spec{"Profile Directory", "x"}, target: jboss("eap", linux, `C:\jboss`), want: ErrNotAbsolute},
		{name: "POSIX base on a Windows target", spec: Spec{"Profile Directory", "x"}, target: jboss("eap", windows, "/opt/jboss"), want: ErrNotAbsolute, also: ErrNoDrive},
		{name: "platform root on Windows", spec: Spec{"Root File System", "x"}, target: Target{Name: "win-1", Platform: windows, BaseLocations: rootFileSystem}, want: ErrNotAbsolute, text: `base directory "/" (fileSystem value name)`},
		{name: "Windows drive-relative base", spec: Spec{"Profile Directory", "x"}, target: jboss("eap", windows, `C:jboss`), want: ErrNotAbsolute},
		{name: "R41 base above root", spec: Spec{"Profile Directory", "x"}, target: jboss("eap", linux, "/../x"), want: ErrAboveRoot},
		{name: "absolute deploy dir", spec: Spec{"Profile Directory", "/opt/app"}, target: jboss("eap", linux, "/opt"), want: ErrNotRelative},
		{name: "absolute deploy dir on the root file system", spec: Spec{"Root File System", "/opt/app"}, target: Target{Name: "web-1", Platform: linux, BaseLocations: rootFileSystem}, want: ErrNotRelative},
		{name: "Windows absolute deploy dir", spec: Spec{"Profile Directory", `C:\app`}, target: jboss("eap", windows, `C:\jboss`), want: ErrNotRelative},
		{name: "Windows drive-relative deploy dir", spec: Spec{"Profile Directory", `C:app`}, target: jboss("eap", windows, `C:\jboss`), want: ErrNotRelative},
		{name: "Windows rooted deploy dir", spec: Spec{"Profile Directory", `\app`}, target: jboss("eap", windows, `C:\jboss`), want: ErrNotRelative},
		{name: "Windows UNC deploy dir", spec: Spec{"Profile Directory", `\\srv\share\app`}, target: jboss("eap", windows, `C:\jboss`), want: ErrNotRelative},
		{name: "escaping deploy dir", spec: Spec{"Profile Directory", "../app"}, target: jboss("eap", linux, "/opt/jboss"), want: ErrEscapes},
		{name: "escaping deploy dir after a detour", spec: Spec{"Profile Directory", "deploy/../../app"}, target: jboss("eap", linux, "/opt/jboss"), want: ErrEscapes},
		{name: "escaping and coming back", spec: Spec{"Profile Directory", "../jboss/deploy"}, target: jboss("eap", linux, "/opt/jboss"), want: ErrEscapes},
		{name: "Windows escaping deploy dir", spec: Spec{"Profile Directory", `..\app`}, target: jboss("eap", windows, `C:\jboss`), want: ErrEscapes},
		{name: "empty deploy dir", spec: Spec{"Profile Directory", ""}, target: jboss("eap", linux, "/opt/jboss"), want: ErrNoDeployDir},
		{name: "blank deploy dir", spec: Spec{"Profile Directory", "  "}, target: jboss("eap", linux, "/opt/jboss"), want: ErrNoDeployDir},
		{name: "dot deploy dir", spec: Spec{"Profile Directory", "."}, target: jboss("eap", linux, "/opt/jboss"), want: ErrNoDeployDir},
		{name: "deploy dir back to the base", spec: Spec{"Profile Directory", "deploy/.."}, target: jboss("eap", linux, "/opt/jboss"), want: ErrNoDeployDir},
		{name: "root file system without a deploy dir", spec: Spec{"Root File System", "/"}, target: Target{Name: "web-1", Platform: linux, BaseLocations: rootFileSystem}, want: ErrNotRelative},
		{name: "space around the deploy dir", spec: Spec{"Profile Directory", " deploy/myApp"}, target: jboss("eap", linux, "/opt/jboss"), want: ErrInvalidPath},
		{name: "space after the base", spec: Spec{"Profile Directory", "deploy"}, target: jboss("eap", linux, "/opt/jboss "), want: ErrInvalidPath, text: `base directory "/opt/jboss "`},
		{name: "newline after the base", spec: Spec{"Profile Directory", "deploy"}, target: jboss("eap", linux, "/opt/jboss\n"), want: ErrInvalidPath},
		{name: "NUL in deploy dir", spec: Spec{"Profile Directory", "deploy\x00"}, target: jboss("eap", linux, "/opt/jboss"), want: ErrInvalidPath},
		{name: "NUL in base", spec: Spec{"Profile Directory", "deploy"}, target: jboss("eap", linux, "/opt/\x00"), want: ErrInvalidPath},
		{name: "Windows device name in deploy dir", spec: Spec{"Profile Directory", `deploy\con`}, target: jboss("eap", windows, `C:\jboss`), want: ErrInvalidPath},
		{name: "no platform", spec: Spec{"Profile Directory", "deploy"}, target: jboss("eap", Platform{}, "/opt/jboss"), want: ErrInvalidPlatform},
		{name: "no path flavour", spec: Spec{"Profile Directory", "deploy"}, target: jboss("eap", Platform{Family: FamilyUnix}, "/opt/jboss"), want: ErrInvalidPlatform},
		{
			name: "invalid base location",
			spec: Spec{"Odd", "x"},
			target: Target{Name: "eap", Platform: linux, BaseLocations: []BaseLocation{
				{Name: "Odd", ValueContext: "pluginconfiguration", ValueName: "x"},
			}},
			want: ErrUnknownValueContext,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Resolve(tt.spec, tt.target)
			require.True(t, d.IsZero())
			require.ErrorIs(t, err, tt.want)
			if tt.also != nil {
				require.ErrorIs(t, err, tt.also)
			}
			var re *Error
			require.ErrorAs(t, err, &re)
			require.Equal(t, tt.target.Name, re.Target)
			require.Equal(t, tt.spec.BaseLocation, re.BaseLocation)
			require.Equal(t, tt.spec.DeployDir, re.DeployDir)
			require.Contains(t, err.Error(), tt.text)
		})
	}
}

func TestResolveErrorMessage(t *testing.T) {
	_, err := Resolve(Spec{"Profile Directory", "deploy/myApp"}, Target{Name: "eap-7", Platform: linux, BaseLocations: jbossLocations})
	require.EqualError(t, err, `target "eap-7", base location "Profile Directory", deploy dir "deploy/myApp": `+
		`base directory value not set: the target has no plugin configuration property "serverHomeDir"`)
}

func TestCheckGroup(t *testing.T) {
	winPOSIX := Platform{Family: FamilyWindows, Flavour: FlavourPOSIX}
	l1, l2, l3 := jboss("l1", linux, "/a"), jboss("l2", linux, "/b"), jboss("l3", linux, "/c")
	w1, w2 := jboss("w1", windows, `C:\a`), jboss("w2", windows, `C:\b`)
	tests := []struct {
		name  string
		group []Target
		want  *GroupError
	}{
		{name: "one target", group: []Target{l1}},
		{name: "one platform", group: []Target{l1, l2, l3}},
		{name: "all Windows", group: []Target{w1, w2}},
		{name: "one Windows among Linux", group: []Target{l1, w1, l2}, want: &GroupError{Platform: linux, Odd: []Target{w1}}},
		{name: "Linux minority", group: []Target{w1, l1, w2}, want: &GroupError{Platform: windows, Odd: []Target{l1}}},
		{name: "tie goes to the earliest", group: []Target{w1, l1, l2, w2}, want: &GroupError{Platform: windows, Odd: []Target{l1, l2}}},
		{name: "family differs, flavour same", group: []Target{l1, l2, {Name: "cygwin", Platform: winPOSIX}}, want: &GroupError{Platform: linux, Odd: []Target{{Name: "cygwin", Platform: winPOSIX}}}},
		{name: "unset platform", group: []Target{l1, {Name: "new"}}, want: &GroupError{Platform: linux, Odd: []Target{{Name: "new"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckGroup(tt.group)
			if tt.want == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrMixedPlatforms)
			var ge *GroupError
			require.ErrorAs(t, err, &ge)
			if diff := cmp.Diff(tt.want, ge); diff != "" {
				t.Fatalf("GroupError mismatch (-want +got):\n%s", diff)
			}
		})
	}
	require.ErrorIs(t, CheckGroup(nil), ErrEmptyGroup)
}

func TestGroupErrorMessage(t *testing.T) {
	err := CheckGroup([]Target{jboss("l1", linux, "/a"), jboss("w1", windows, `C:\a`), jboss("l2", linux, "/b"), jboss("w2", windows, `C:\b`), jboss("l3", linux, "/c")})
	require.EqualError(t, err, `group mixes platforms (most targets are Unix-like with POSIX paths): "w1" is Windows with Windows paths, "w2" is Windows with Windows paths`)
}

// ResolveGroup does not stop at the first member that fails: every member gets
// its Dir or its error, in group order.
func TestResolveGroup(t *testing.T) {
	group := []Target{
		jboss("eap-1", linux, "/opt/jboss/eap-1"),
		{Name: "eap-2", Platform: linux, BaseLocations: jbossLocations},
		jboss("eap-3", linux, "/srv/eap-3/"),
		jboss("eap-4", linux, "relative/eap-4"),
	}
	results, err := ResolveGroup(Spec{"Profile Directory", "deploy/myApp"}, group)
	require.Len(t, results, len(group))
	require.ErrorIs(t, err, ErrValueNotSet)
	require.ErrorIs(t, err, ErrNotAbsolute)

	want := []struct {
		target, dir string
		err         error
	}{
		{target: "eap-1", dir: "/opt/jboss/eap-1/deploy/myApp"},
		{target: "eap-2", err: ErrValueNotSet},
		{target: "eap-3", dir: "/srv/eap-3/deploy/myApp"},
		{target: "eap-4", err: ErrNotAbsolute},
	}
	for i, w := range want {
		r := results[i]
		require.Equal(t, w.target, r.Target, "result %d", i)
		require.Equal(t, w.dir, r.Dir.String(), "result %d", i)
		if w.err == nil {
			require.NoError(t, r.Err, "result %d", i)
			continue
		}
		require.ErrorIs(t, r.Err, w.err, "result %d", i)
		require.ErrorIs(t, err, r.Err, "result %d's error is in the joined error", i)
		var re *Error
		require.ErrorAs(t, r.Err, &re)
		require.Equal(t, w.target, re.Target)
	}
}

func TestResolveGroupRejectsMixedPlatforms(t *testing.T) {
	results, err := ResolveGroup(Spec{"Profile Directory", "deploy/myApp"}, []Target{
		jboss("eap-linux", linux, "/opt/jbossas/default/server/"),
		jboss("eap-windows", windows, `C:\jbossas\server\`),
	})
	require.Nil(t, results)
	var ge *GroupError
	require.ErrorAs(t, err, &ge)
	require.Equal(t, []string{"eap-windows"}, []string{ge.Odd[0].Name})

	results, err = ResolveGroup(Spec{"Profile Directory", "x"}, nil)
	require.Nil(t, results)
	require.ErrorIs(t, err, ErrEmptyGroup)
}

func TestResolveGroupAllResolved(t *testing.T) {
	results, err := ResolveGroup(Spec{"Profile Directory", `deploy\myApp`}, []Target{
		jboss("w1", windows, `C:\jboss`),
		jboss("w2", windows, `d:\jboss`),
	})
	require.NoError(t, err)
	require.Equal(t, `C:\jboss\deploy\myApp`, results[0].Dir.String())
	require.Equal(t, `D:\jboss\deploy\myApp`, results[1].Dir.String())
	require.NoError(t, results[0].Err)
	require.NoError(t, results[1].Err)
}

func TestPlatform(t *testing.T) {
	require.Equal(t, Platform{Family: FamilyWindows, Flavour: FlavourWindows}, PlatformOf("windows"))
	for _, goos := range []string{"linux", "darwin", "freebsd", "aix", "solaris"} {
		require.Equal(t, Platform{Family: FamilyUnix, Flavour: FlavourPOSIX}, PlatformOf(goos), goos)
	}
	require.NoError(t, linux.Validate())
	require.NoError(t, windows.Validate())
	require.ErrorIs(t, Platform{Family: 9, Flavour: FlavourPOSIX}.Validate(), ErrInvalidPlatform)
	require.ErrorIs(t, Platform{Family: FamilyUnix, Flavour: 9}.Validate(), ErrInvalidPlatform)
	require.Equal(t, "Unix-like with POSIX paths", linux.String())
	require.Equal(t, "Family(9) with Flavour(0) paths", Platform{Family: 9}.String())
}
