package recipe_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/recipe"
)

// requiresBundle is a recipe whose rhq:bundle (on line 2) carries attrs.
func requiresBundle(attrs string) string {
	return "<project name=\"p\" default=\"main\" xmlns:rhq=\"antlib:org.rhq.bundle\" xmlns:bk=\"urn:bundlekit:1\">\n" +
		"<rhq:bundle name=\"b\" version=\"1\" " + attrs + ">\n<rhq:deployment-unit name=\"u\"><rhq:file name=\"a\"/></rhq:deployment-unit>\n</rhq:bundle>\n<target name=\"main\"/>\n</project>\n"
}

// TestRequires: rhq:bundle declares its installation conditions with
// bk:requires-* attributes, which RHQ ignores (attributes of a namespace it
// does not know), each in the syntax of the deployer's flag.
func TestRequires(t *testing.T) {
	r, err := recipe.Parse(strings.NewReader(requiresBundle(`
    bk:requires-os="linux/amd64, linux/arm64,darwin"
    bk:requires-free-space="2GiB"
    bk:requires-paths="/usr/lib/jvm/java-17/ '/opt/My Tools/bin/tool' C:\jdk\"
    bk:requires-deployments="/opt/db:db:[1.2,2.0) C:\db:db:*"
    bk:requires-check="/usr/bin/test -d '/var/lib/my db'"
    bk:requires-check-timeout="30s"
    bk:requires-check-codes="0,3:5"`)))
	require.NoError(t, err)
	want := []recipe.Condition{
		recipe.OSCondition{Platforms: []recipe.Platform{{OS: "linux", Arch: "amd64"}, {OS: "linux", Arch: "arm64"}, {OS: "darwin"}}},
		recipe.FreeSpaceCondition{Min: 2 << 30},
		recipe.PathCondition{Path: "/usr/lib/jvm/java-17", Dir: true},
		recipe.PathCondition{Path: "/opt/My Tools/bin/tool"},
		recipe.PathCondition{Path: `C:\jdk`, Dir: true},
		recipe.DeploymentCondition{Dest: "/opt/db", Bundle: "db", Versions: recipe.VersionRange{Min: "1.2", Max: "2.0", MinIncluded: true}},
		recipe.DeploymentCondition{Dest: `C:\db`, Bundle: "db"},
		recipe.CheckCondition{Args: []string{"/usr/bin/test", "-d", "/var/lib/my db"}, Timeout: 30 * time.Second,
			SuccessCodes: recipe.SuccessCodes{{Lo: 0, Hi: 0}, {Lo: 3, Hi: 5}}},
	}
	require.Empty(t, cmp.Diff(want, r.Bundle.Requires.Conditions))
	require.Empty(t, r.Bundle.Requires.Unexpanded)
	for _, c := range want {
		require.NotEmpty(t, c.Kind())
	}
	require.Equal(t, "linux/amd64,linux/arm64,darwin", want[0].String())
	require.Equal(t, "2 GiB", want[1].String())
	require.Equal(t, "/usr/lib/jvm/java-17/", want[2].String())
	require.Equal(t, "/opt/db:db:[1.2,2.0)", want[5].String())
	require.Equal(t, "db version [1.2,2.0) in /opt/db", want[5].(recipe.DeploymentCondition).Describe())
	require.Equal(t, "/usr/bin/test -d '/var/lib/my db'", want[7].String())

	// No attributes, no conditions; the check's defaults.
	r, err = recipe.Parse(strings.NewReader(requiresBundle(`bk:requires-check="true"`)))
	require.NoError(t, err)
	require.Equal(t, []recipe.Condition{recipe.CheckCondition{Args: []string{"true"}, Timeout: recipe.DefaultCheckTimeout,
		SuccessCodes: recipe.DefaultCheckCodes}}, r.Bundle.Requires.Conditions)
	r, err = recipe.Parse(strings.NewReader(requiresBundle("")))
	require.NoError(t, err)
	require.Empty(t, r.Bundle.Requires.Conditions)
}

func TestRequiresErrors(t *testing.T) {
	tests := []struct {
		name, attrs string
		kind        error
		text        string
	}{
		{"unknown OS", `bk:requires-os="linx"`, recipe.ErrInvalid, `bk:requires-os: unknown operating system "linx" (did you mean "linux"?)`},
		{"unknown arch", `bk:requires-os="linux/x86_64"`, recipe.ErrInvalid, `unknown architecture "x86_64"`},
		{"empty platform", `bk:requires-os="linux,"`, recipe.ErrInvalid, "empty platform"},
		{"empty", `bk:requires-os=""`, recipe.ErrMissing, "bk:requires-os must have a non-empty value"},
		{"size unit", `bk:requires-free-space="2G"`, recipe.ErrInvalid, `unknown unit "G"`},
		{"size number", `bk:requires-free-space="lots"`, recipe.ErrInvalid, "want a number of bytes"},
		{"relative path", `bk:requires-paths="/ok usr/lib"`, recipe.ErrInvalid, `path "usr/lib" is not absolute`},
		{"open quote", `bk:requires-paths="'/a b"`, recipe.ErrInvalid, "is not closed"},
		{"deployment without a range", `bk:requires-deployments="/opt/db:db"`, recipe.ErrInvalid, "want DEST:BUNDLE:RANGE"},
		{"deployment range", `bk:requires-deployments="/opt/db:db:[2.0,1.0]"`, recipe.ErrInvalid, "is empty: 2.0 is after 1.0"},
		{"deployment dest", `bk:requires-deployments="db:db:*"`, recipe.ErrInvalid, `destination "db" is not absolute`},
		{"check timeout", `bk:requires-check="true" bk:requires-check-timeout="30"`, recipe.ErrInvalid, "want a positive duration"},
		{"check codes", `bk:requires-check="true" bk:requires-check-codes="0-1"`, recipe.ErrInvalid, "check success codes"},
		{"timeout without a check", `bk:requires-check-timeout="30s"`, recipe.ErrMissing, "bk:requires-check-timeout needs bk:requires-check"},
		{"empty check", `bk:requires-check="  "`, recipe.ErrMissing, "must have a non-empty value"},
		{"misspelt", `bk:requires-path="/x"`, recipe.ErrUnknown, `unknown bundlekit attribute "bk:requires-path" (did you mean "bk:requires-paths"?)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := recipe.Parse(strings.NewReader(requiresBundle(tt.attrs)))
			got := recipe.Errors(err)
			require.Len(t, got, 1, "errors: %v", err)
			require.Equal(t, 2, got[0].Pos.Line)
			require.ErrorIs(t, got[0], tt.kind)
			require.Contains(t, got[0].Error(), tt.text)
		})
	}
	// On any other element: an error, not a silently ignored condition.
	_, err := recipe.Parse(strings.NewReader(bkUnit(`<rhq:file name="a" bk:requires-os="linux"/>`)))
	require.ErrorIs(t, err, recipe.ErrInvalid)
	require.ErrorContains(t, err, "bk:requires-os applies to rhq:bundle only")
}

// TestRequiresExpand: a condition that refers to a property is read when the
// recipe is expanded, with the property's value.
func TestRequiresExpand(t *testing.T) {
	r, err := recipe.Parse(strings.NewReader(requiresBundle(`bk:requires-os="linux" bk:requires-paths="${jdk.home}/" ` +
		`bk:requires-check="/bin/check" bk:requires-check-timeout="${check.timeout}"`)))
	require.NoError(t, err)
	require.Equal(t, []recipe.Condition{recipe.OSCondition{Platforms: []recipe.Platform{{OS: "linux"}}}}, r.Bundle.Requires.Conditions)
	require.Equal(t, []string{`bk:requires-paths="${jdk.home}/"`, `bk:requires-check="/bin/check"`,
		`bk:requires-check-timeout="${check.timeout}"`}, r.Bundle.Requires.Unexpanded)
	x, err := r.Expand(recipe.Env{Properties: map[string]string{"jdk.home": "/usr/lib/jvm/java-17", "check.timeout": "5s"}})
	require.NoError(t, err)
	require.Empty(t, x.Bundle.Requires.Unexpanded)
	require.Equal(t, []recipe.Condition{
		recipe.OSCondition{Platforms: []recipe.Platform{{OS: "linux"}}},
		recipe.PathCondition{Path: "/usr/lib/jvm/java-17", Dir: true},
		recipe.CheckCondition{Args: []string{"/bin/check"}, Timeout: 5 * time.Second, SuccessCodes: recipe.DefaultCheckCodes},
	}, x.Bundle.Requires.Conditions)
	_, err = r.Expand(recipe.Env{Properties: map[string]string{"check.timeout": "5s"}})
	require.ErrorIs(t, err, recipe.ErrInvalid)
	require.ErrorContains(t, err, `path "${jdk.home}/" is not absolute`)
}

func TestParseSize(t *testing.T) {
	tests := map[string]int64{
		"0": 0, "4096": 4096, "10B": 10, "1kB": 1000, "1KiB": 1024, "2GiB": 2 << 30, "2gib": 2 << 30,
		"1.5 GB": 1_500_000_000, "1.5MiB": 3 << 19, " 3 TiB ": 3 << 40, "0.1B": 1,
	}
	for in, want := range tests {
		got, err := recipe.ParseSize(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	for _, in := range []string{"", "GiB", "-1GiB", "1..5GB", "2G", "2 Gigs", "1e3", "9999999EiB", "99999999TiB"} {
		_, err := recipe.ParseSize(in)
		require.Error(t, err, in)
	}
	require.Equal(t, "2 GiB", recipe.FormatSize(2<<30))
	require.Equal(t, "1.5 MiB", recipe.FormatSize(3<<19))
	require.Equal(t, "512 B", recipe.FormatSize(512))
	require.Equal(t, "1.01 KiB", recipe.FormatSize(1034))
}

func TestParsePath(t *testing.T) {
	tests := []struct {
		in   string
		want recipe.PathCondition
	}{
		{"/usr/lib/jvm", recipe.PathCondition{Path: "/usr/lib/jvm"}},
		{"/usr/lib/jvm/", recipe.PathCondition{Path: "/usr/lib/jvm", Dir: true}},
		{"/usr/lib/jvm//", recipe.PathCondition{Path: "/usr/lib/jvm", Dir: true}},
		{"/", recipe.PathCondition{Path: "/", Dir: true}},
		{`C:\`, recipe.PathCondition{Path: `C:\`, Dir: true}},
		{`C:\Program Files\Java\`, recipe.PathCondition{Path: `C:\Program Files\Java`, Dir: true}},
		{`\\server\share\x`, recipe.PathCondition{Path: `\\server\share\x`}},
	}
	for _, tt := range tests {
		got, err := recipe.ParsePath(tt.in)
		require.NoError(t, err, tt.in)
		require.Equal(t, tt.want, got, tt.in)
		again, err := recipe.ParsePath(got.String())
		require.NoError(t, err)
		require.Equal(t, got, again)
	}
	for _, in := range []string{"", "usr/lib", "./x", "C:x", "~/x"} {
		_, err := recipe.ParsePath(in)
		require.Error(t, err, in)
	}
}

func TestSplitWords(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"  ", nil},
		{"/usr/bin/test -d /opt", []string{"/usr/bin/test", "-d", "/opt"}},
		{`a  'b c'	"d 'e'" f"g h"i ''`, []string{"a", "b c", "d 'e'", "fg hi", ""}},
		{`C:\Program\x.exe "C:\Program Files\y"`, []string{`C:\Program\x.exe`, `C:\Program Files\y`}},
	}
	for _, tt := range tests {
		got, err := recipe.SplitWords(tt.in)
		require.NoError(t, err, tt.in)
		require.Equal(t, tt.want, got, tt.in)
		back, err := recipe.SplitWords(recipe.JoinWords(got))
		require.NoError(t, err)
		require.Equal(t, tt.want, back)
	}
	_, err := recipe.SplitWords(`a "b`)
	require.ErrorContains(t, err, "the quote at offset 2 is not closed")
	words := []string{`it's "quoted"`, "", "plain"}
	back, err := recipe.SplitWords(recipe.JoinWords(words))
	require.NoError(t, err)
	require.Equal(t, words, back)
}

func TestCompareVersions(t *testing.T) {
	// Each is less than the next.
	ordered := []string{"0.9", "1.0-alpha", "1.0-beta", "1.0-RC1", "1.0-rc2", "1.0", "1.0.1", "1.1", "1.9", "1.10", "1.10.1", "2", "10.0", "99999999999999999999.0"}
	for i := range ordered {
		for j := range ordered {
			want := 0
			switch {
			case i < j:
				want = -1
			case i > j:
				want = 1
			}
			require.Equal(t, want, recipe.CompareVersions(ordered[i], ordered[j]), "%s vs %s", ordered[i], ordered[j])
		}
	}
	for _, eq := range [][2]string{{"1.0", "1.0.0"}, {"1.01", "1.1"}, {"1.0-RC1", "1.0.rc.1"}, {"1.0rc1", "1.0-rc-1"}, {"", ""}, {"1.0_a", "1.0-A"}} {
		require.Zero(t, recipe.CompareVersions(eq[0], eq[1]), "%s vs %s", eq[0], eq[1])
	}
}

func TestVersionRange(t *testing.T) {
	tests := []struct {
		in, canonical string
		in_, out      []string
	}{
		{"[1.2,2.0)", "[1.2,2.0)", []string{"1.2", "1.2.0", "1.9.9", "2.0-rc1"}, []string{"1.1", "1.2-rc1", "2.0", "2.0.1"}},
		{"(1.2,2.0]", "(1.2,2.0]", []string{"1.2.1", "2.0", "2.0.0"}, []string{"1.2", "2.0.1"}},
		{"[1.2,)", "1.2", []string{"1.2", "99"}, []string{"1.1"}},
		{"(,2.0)", "(,2.0)", []string{"0", "1.99"}, []string{"2.0"}},
		{"[1.2]", "[1.2]", []string{"1.2", "1.2.0"}, []string{"1.2.1", "1.1"}},
		{"1.2", "1.2", []string{"1.2", "3"}, []string{"1.1"}},
		{" [ 1.2 , 2.0 ) ", "[1.2,2.0)", []string{"1.5"}, nil},
		{"*", "*", []string{"", "0", "anything"}, nil},
	}
	for _, tt := range tests {
		r, err := recipe.ParseVersionRange(tt.in)
		require.NoError(t, err, tt.in)
		require.Equal(t, tt.canonical, r.String(), tt.in)
		again, err := recipe.ParseVersionRange(r.String())
		require.NoError(t, err)
		require.Equal(t, r, again)
		for _, v := range tt.in_ {
			require.True(t, r.Contains(v), "%s in %s", v, tt.in)
		}
		for _, v := range tt.out {
			require.False(t, r.Contains(v), "%s in %s", v, tt.in)
		}
	}
	for _, in := range []string{"", "[", "[1.2", "[1.2,2.0", "(1.2]", "[]", "(,)", "[,2.0)", "[1.2,]", "[2.0,1.0]", "(1.0,1.0)", "[1.0,2.0,3.0)", "1.2,2.0", "1 2"} {
		_, err := recipe.ParseVersionRange(in)
		require.Error(t, err, in)
	}
}
