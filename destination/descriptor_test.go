package destination

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
)

func parseFile(t *testing.T, name string) ([]BaseLocation, error) {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	require.NoError(t, err)
	defer f.Close()
	return ParseBundleTarget(f)
}

func TestParseBundleTarget(t *testing.T) {
	tests := []struct {
		file string
		want []BaseLocation
	}{
		{
			file: "seed-2.5.1.xml",
			want: []BaseLocation{
				{Name: "Library Directory", Description: "Where the jar libraries are", ValueContext: PluginConfiguration, ValueName: "lib.dir"},
				{Name: "Deploy Directory", Description: "Where the deployments are", ValueContext: PluginConfiguration, ValueName: "deploy.dir"},
			},
		},
		{
			file: "platform.xml",
			want: []BaseLocation{
				{Name: "Root File System", Description: "The top root directory on the platform (/)", ValueContext: FileSystem, ValueName: "/"},
			},
		},
		{
			file: "jboss-as.xml",
			want: []BaseLocation{
				{Name: "Install Directory", Description: "The top directory where the JBossAS installation is found", ValueContext: PluginConfiguration, ValueName: "homeDir"},
				{Name: "Profile Directory", Description: "The profile configuration directory", ValueContext: PluginConfiguration, ValueName: "serverHomeDir"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := parseFile(t, tt.file)
			require.NoError(t, err)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Fatalf("base locations mismatch (-want +got):\n%s", diff)
			}
			for _, loc := range got {
				require.NoError(t, loc.Validate())
			}
		})
	}
}

// parseErrors lists the *ParseError values inside err, in order.
func parseErrors(t *testing.T, err error) []*ParseError {
	t.Helper()
	require.Error(t, err)
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	out := make([]*ParseError, len(errs))
	for i, e := range errs {
		require.ErrorAs(t, e, &out[i])
	}
	return out
}

type wantParseError struct {
	line    int
	element string
	reason  error
	text    string // a fragment the message must contain
}

func checkParseErrors(t *testing.T, err error, want []wantParseError) {
	t.Helper()
	got := parseErrors(t, err)
	require.Len(t, got, len(want), "errors: %v", err)
	for i, w := range want {
		g := got[i]
		require.Equal(t, w.line, g.Line, "error %d: %v", i, g)
		require.Equal(t, w.element, g.Element, "error %d: %v", i, g)
		require.ErrorIs(t, g, w.reason, "error %d", i)
		require.Contains(t, g.Error(), w.text, "error %d", i)
	}
}

// Every mistake of a descriptor is reported at once, each with its line, the
// element and (where one is at fault) the attribute.
func TestParseBundleTargetMistakes(t *testing.T) {
	_, err := parseFile(t, "mistakes.xml")
	checkParseErrors(t, err, []wantParseError{
		{2, `<destination-base-dir>`, ErrMissing, `attribute "name"`},
		{7, `<value-context>`, ErrUnknownValueContext, `"pluginconfiguration" (want one of fileSystem, pluginConfiguration, resourceConfiguration, measurementTrait)`},
		{10, `<destination-base-dir name="Attributes">`, ErrUnexpected, `attribute "valueContext": write it as a child element <value-context>`},
		{10, `<destination-base-dir name="Attributes">`, ErrUnexpected, `attribute "valueName": write it as a child element <value-name>`},
		{10, `<destination-base-dir name="Attributes">`, ErrMissing, `element <value-context>`},
		{10, `<destination-base-dir name="Attributes">`, ErrMissing, `element <value-name>`},
		{15, `<value-name>`, ErrDuplicate, `may appear once`},
		{19, `<value-name>`, ErrMissing, `value name is empty`},
		{23, `<path>`, ErrUnexpected, `<value-name> holds text only`},
		{29, `<destination-base-dir name="Good">`, ErrDuplicate, `"Good" is declared more than once`},
		{33, `<drift-definition name="not here">`, ErrUnexpected, `<bundle-target> holds`},
	})
	require.Contains(t, parseErrors(t, err)[1].Error(), "line 7, column 7: <value-context>: unknown value context")
}

func TestParseBundleTargetInvalid(t *testing.T) {
	deep := strings.Repeat("<a>", 40) + strings.Repeat("</a>", 40)
	tests := []struct {
		name string
		in   string
		want []wantParseError
	}{
		{name: "empty input", in: "", want: []wantParseError{{0, "", ErrSyntax, "no root element"}}},
		{name: "not XML", in: "bundle-target", want: []wantParseError{{0, "", ErrSyntax, "no root element"}}},
		{name: "unclosed", in: "<bundle-target>\n  <destination-base-dir name=\"x\">\n</bundle-target>", want: []wantParseError{{3, "", ErrSyntax, "line 3"}}},
		{name: "too deep", in: deep, want: []wantParseError{{1, "", ErrSyntax, "deeper than 32"}}},
		{name: "too large", in: "<bundle-target>" + strings.Repeat(" ", maxDescriptorSize) + "</bundle-target>", want: []wantParseError{{0, "", ErrSyntax, "larger than"}}},
		{name: "other root", in: "<server name=\"JBossAS\"><bundle-target/></server>", want: []wantParseError{{1, `<server name="JBossAS">`, ErrUnexpected, "the root element must be <bundle-target>"}}},
		{name: "foreign namespace", in: `<bundle-target xmlns="urn:other"/>`, want: []wantParseError{{1, "<bundle-target>", ErrUnexpected, `namespace "urn:other"`}}},
		{name: "no base dirs", in: "<bundle-target>\n</bundle-target>", want: []wantParseError{{1, "<bundle-target>", ErrMissing, "at least one base location"}}},
		{name: "only a destination definition", in: `<bundle-target><destination-definition name="api"/></bundle-target>`, want: []wantParseError{{1, "<bundle-target>", ErrMissing, "at least one"}}},
		{name: "attribute on bundle-target", in: `<bundle-target kind="x"><destination-base-dir name="a"><value-context>fileSystem</value-context><value-name>/</value-name></destination-base-dir></bundle-target>`, want: []wantParseError{{1, "<bundle-target>", ErrUnexpected, `attribute "kind"`}}},
		{name: "unknown attribute", in: `<bundle-target><destination-base-dir name="a" dir="/"><value-context>fileSystem</value-context><value-name>/</value-name></destination-base-dir></bundle-target>`, want: []wantParseError{{1, `<destination-base-dir name="a">`, ErrUnexpected, `attribute "dir"`}}},
		{name: "blank name", in: `<bundle-target><destination-base-dir name=" "><value-context>fileSystem</value-context><value-name>/</value-name></destination-base-dir></bundle-target>`, want: []wantParseError{{1, `<destination-base-dir name=" ">`, ErrMissing, `attribute "name"`}}},
		{name: "duplicate value-context", in: "<bundle-target><destination-base-dir name=\"a\">\n<value-context>fileSystem</value-context>\n<value-context>fileSystem</value-context><value-name>/</value-name></destination-base-dir></bundle-target>", want: []wantParseError{{3, "<value-context>", ErrDuplicate, "may appear once"}}},
		{name: "unknown child", in: `<bundle-target><destination-base-dir name="a"><value-context>fileSystem</value-context><value-name>/</value-name><value>x</value></destination-base-dir></bundle-target>`, want: []wantParseError{{1, "<value>", ErrUnexpected, "holds <value-context>"}}},
		{name: "attribute on value-name", in: `<bundle-target><destination-base-dir name="a"><value-context>fileSystem</value-context><value-name trim="no">/</value-name></destination-base-dir></bundle-target>`, want: []wantParseError{{1, "<value-name>", ErrUnexpected, `attribute "trim"`}}},
		{name: "child in foreign namespace", in: `<bundle-target xmlns:x="urn:x"><destination-base-dir name="a"><x:value-context>fileSystem</x:value-context><value-name>/</value-name></destination-base-dir></bundle-target>`, want: []wantParseError{
			{1, "<x:value-context>", ErrUnexpected, "holds <value-context>"},
			{1, `<destination-base-dir name="a">`, ErrMissing, "element <value-context>"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			locs, err := ParseBundleTarget(strings.NewReader(tt.in))
			require.Nil(t, locs)
			checkParseErrors(t, err, tt.want)
		})
	}
}

// Foreign attributes and namespace declarations are not the descriptor's
// business; a schemaLocation must not make a valid snippet fail.
func TestParseBundleTargetForeignAttributes(t *testing.T) {
	in := `<bundle-target xmlns="urn:xmlns:rhq-plugin" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="urn:xmlns:rhq-plugin rhq-plugin.xsd">
  <destination-base-dir name="Root" xsi:type="x"><value-context>fileSystem</value-context><value-name>/</value-name></destination-base-dir>
</bundle-target>`
	got, err := ParseBundleTarget(strings.NewReader(in))
	require.NoError(t, err)
	require.Equal(t, []BaseLocation{{Name: "Root", ValueContext: FileSystem, ValueName: "/"}}, got)
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

func TestParseBundleTargetReadError(t *testing.T) {
	_, err := ParseBundleTarget(failingReader{})
	require.ErrorContains(t, err, "disk on fire")
}

func TestBaseLocationValidate(t *testing.T) {
	tests := []struct {
		name string
		loc  BaseLocation
		want error
	}{
		{name: "valid", loc: BaseLocation{Name: "Root", ValueContext: FileSystem, ValueName: "/"}},
		{name: "no name", loc: BaseLocation{ValueContext: FileSystem, ValueName: "/"}, want: ErrMissing},
		{name: "unknown context", loc: BaseLocation{Name: "Root", ValueContext: "filesystem", ValueName: "/"}, want: ErrUnknownValueContext},
		{name: "zero context", loc: BaseLocation{Name: "Root", ValueName: "/"}, want: ErrUnknownValueContext},
		{name: "no value name", loc: BaseLocation{Name: "Root", ValueContext: MeasurementTrait, ValueName: " "}, want: ErrMissing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.loc.Validate()
			if tt.want == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tt.want)
		})
	}
}
