package recipe_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/recipe"
)

// The vendor's own example, verbatim: its successCodes=0 is unquoted, which is not
// XML.
const vendorExample = `<Deployment>
    <install>
        <osTypes>
            <osType name="NTX86" startCmd="setup" timeout="600" successCodes="0,1,2"/>
           <osType name="LINUX86" startCmd="install" timeout="100" successCodes="-1:10"/>
        </osTypes>
    </install>
    <uninstall>
        <osTypes>
            <osType name="NTX86" startCmd="setup -u" timeout="30" successCodes=0/>
            <osType name="LINUX86" startCmd="uninstall" timeout="34" successCodes="0"/>
        </osTypes>
    </uninstall>
</Deployment>`

func TestServicePackageVendorExampleIsMalformed(t *testing.T) {
	_, err := recipe.ParseServicePackage(strings.NewReader(vendorExample))
	require.ErrorIs(t, err, recipe.ErrSyntax)
	errs := recipe.Errors(err)
	require.Len(t, errs, 1)
	require.Equal(t, recipe.Pos{File: "deployment.xml", Line: 10, Col: 81}, errs[0].Pos)
	require.ErrorContains(t, err, "unquoted or missing attribute value")
}

func TestServicePackage(t *testing.T) {
	fixed := strings.Replace(vendorExample, "successCodes=0/>", `successCodes="0"/>`, 1)
	sp, err := recipe.ParseServicePackage(strings.NewReader(fixed))
	require.NoError(t, err)
	pos := func(line, col int) recipe.Pos { return recipe.Pos{File: "deployment.xml", Line: line, Col: col} }
	want := &recipe.ServicePackage{
		File: "deployment.xml",
		Pos:  pos(1, 1),
		Install: &recipe.Commands{Pos: pos(2, 5), OSTypes: []*recipe.OSType{
			{Name: "NTX86", StartCmd: "setup", Timeout: 600 * time.Second, SuccessCodes: recipe.SuccessCodes{{0, 0}, {1, 1}, {2, 2}}, Pos: pos(4, 13)},
			{Name: "LINUX86", StartCmd: "install", Timeout: 100 * time.Second, SuccessCodes: recipe.SuccessCodes{{-1, 10}}, Pos: pos(5, 12)},
		}},
		Uninstall: &recipe.Commands{Pos: pos(8, 5), OSTypes: []*recipe.OSType{
			{Name: "NTX86", StartCmd: "setup -u", Timeout: 30 * time.Second, SuccessCodes: recipe.SuccessCodes{{0, 0}}, Pos: pos(10, 13)},
			{Name: "LINUX86", StartCmd: "uninstall", Timeout: 34 * time.Second, SuccessCodes: recipe.SuccessCodes{{0, 0}}, Pos: pos(11, 13)},
		}},
	}
	if diff := cmp.Diff(want, sp); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	require.Equal(t, "install", sp.Install.For(recipe.OSTypeFor("linux")).StartCmd)
	require.Equal(t, "setup -u", sp.Uninstall.For(recipe.OSTypeFor("windows")).StartCmd)
	require.Nil(t, sp.Install.For("linux86"), "OS type names are case-sensitive")
	require.Nil(t, (*recipe.Commands)(nil).For("LINUX86"))
}

func TestServicePackageDefaults(t *testing.T) {
	sp, err := recipe.ParseServicePackage(strings.NewReader(`<Deployment><install><osTypes><osType name="LINUX86" startCmd="./install.sh"/></osTypes></install></Deployment>`))
	require.NoError(t, err)
	ot := sp.Install.For(recipe.OSTypeLinux)
	require.Equal(t, recipe.DefaultTimeout, ot.Timeout)
	require.Nil(t, ot.SuccessCodes, "absent successCodes: every exit code succeeds")
	require.True(t, ot.SuccessCodes.Success(-7))
	require.Nil(t, sp.Uninstall)
}

func TestServicePackageErrors(t *testing.T) {
	tests := []struct {
		name, xml string
		want      []string
	}{
		{"root is case-sensitive", `<deployment/>`, []string{"1:1 the root element must be <Deployment>"}},
		{"unknown section", `<Deployment><Install/></Deployment>`, []string{"1:13 unknown element <Install>"}},
		{"repeated section", `<Deployment><install/><install/></Deployment>`, []string{"1:23 <install> may appear only once"}},
		{"required attributes", `<Deployment><install><osTypes><osType timeout="5"/></osTypes></install></Deployment>`,
			[]string{`1:31 the "name" attribute is required`, `1:31 the "startCmd" attribute is required`}},
		{"attribute names are case-sensitive", `<Deployment><install><osTypes><osType name="X" startcmd="y"/></osTypes></install></Deployment>`,
			[]string{`1:31 unknown attribute "startcmd" (did you mean "startCmd"?)`, `1:31 the "startCmd" attribute is required`}},
		{"bad timeout", `<Deployment><install><osTypes><osType name="X" startCmd="y" timeout="-5"/></osTypes></install></Deployment>`,
			[]string{`1:31 timeout="-5" is not a positive number of seconds`}},
		{"bad success codes", `<Deployment><install><osTypes><osType name="X" startCmd="y" successCodes="0,a"/></osTypes></install></Deployment>`,
			[]string{`1:31 successCodes: "a" is not an exit code`}},
		{"duplicate os type", `<Deployment><install><osTypes><osType name="X" startCmd="a"/><osType name="X" startCmd="b"/></osTypes></install></Deployment>`,
			[]string{`1:62 OS type "X" is listed more than once in <install>`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := recipe.ParseServicePackage(strings.NewReader(tt.xml))
			var got []string
			for _, e := range recipe.Errors(err) {
				got = append(got, strings.Replace(e.Error(), "deployment.xml:", "", 1))
			}
			require.Len(t, got, len(tt.want), "%v", err)
			for i := range got {
				require.Contains(t, got[i], strings.SplitN(tt.want[i], " ", 2)[0]+":")
				require.Contains(t, got[i], strings.SplitN(tt.want[i], " ", 2)[1])
			}
		})
	}
}

func TestSuccessCodes(t *testing.T) {
	tests := []struct {
		in      string
		success []int
		failure []int
		err     string
	}{
		{in: "0,1,2", success: []int{0, 1, 2}, failure: []int{-1, 3}},
		{in: "0:10", success: []int{0, 5, 10}, failure: []int{-1, 11}},
		{in: "-1:10", success: []int{-1, 0, 10}, failure: []int{-2, 11}},
		{in: "-10:-5, 0, 3:4", success: []int{-10, -5, 0, 3, 4}, failure: []int{-4, 1, 2, 5}},
		{in: "7", success: []int{7}, failure: []int{0}},
		{in: "", err: "empty successCodes"},
		{in: "5:1", err: "its start is greater than its end"},
		{in: "1,,2", err: `"" is not an exit code`},
		{in: "1:2:3", err: "is not an exit code"},
		{in: "0x1", err: "is not an exit code"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			codes, err := recipe.ParseSuccessCodes(tt.in)
			if tt.err != "" {
				require.ErrorContains(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			for _, c := range tt.success {
				require.True(t, codes.Success(c), "code %d", c)
			}
			for _, c := range tt.failure {
				require.False(t, codes.Success(c), "code %d", c)
			}
			again, err := recipe.ParseSuccessCodes(codes.String())
			require.NoError(t, err)
			require.Equal(t, codes, again)
		})
	}
}

func TestOSTypeFor(t *testing.T) {
	require.Equal(t, "LINUX86", recipe.OSTypeFor("linux"))
	require.Equal(t, "NTX86", recipe.OSTypeFor("windows"))
	require.Empty(t, recipe.OSTypeFor("darwin"))
}
