package metadata

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/internal/javaprops"
)

// rhqTime is the instant of the golden files, as Java printed it:
// "Mon Jul 11 09:17:09 CEST 2022".
var rhqTime = time.Date(2022, 7, 11, 9, 17, 9, 0, time.FixedZone("CEST", 2*3600))

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(name)
	require.NoError(t, err)
	return data
}

// fields has the fields of Properties but not its Equal method, so that cmp
// compares field by field.
type fields Properties

func TestDecodePropertiesRHQFiles(t *testing.T) {
	tests := []struct {
		name string
		file string
		want Properties
	}{
		{
			name: "R24 legacy manage.root.dir=false without compliance is full",
			file: "testdata/rhq/dest/.rhqdeployments/-3/deployment.properties",
			want: Properties{ID: -3, BundleName: "myapp", BundleVersion: "1.0",
				Description: "Initial release", HasDescription: true, Compliance: Full,
				Extra: map[string]string{KeyManageRootDir: "false"}},
		},
		{
			name: "R21 filesAndDirectories",
			file: "testdata/rhq/dest/.rhqdeployments/1/deployment.properties",
			want: Properties{ID: 1, BundleName: "myapp", BundleVersion: "1.1",
				Description: "First upgrade", HasDescription: true, Compliance: FilesAndDirectories},
		},
		{
			name: "R20 CRLF, escapes and R35 unknown key",
			file: "testdata/rhq/dest/.rhqdeployments/2/deployment.properties",
			want: Properties{ID: 2, BundleName: "myapp", BundleVersion: "2.0",
				Description: "Line one\nLine two: ünïcode €", HasDescription: true, Compliance: Full,
				Extra: map[string]string{"custom.note": "kept = as is"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeProperties(bytes.NewReader(readFile(t, tt.file)))
			require.NoError(t, err)
			if diff := cmp.Diff(fields(tt.want), fields(got)); diff != "" {
				t.Errorf("DecodeProperties (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodePropertiesValidation(t *testing.T) {
	const (
		name    = "bundle.name=app\n"
		version = "bundle.version=1\n"
	)
	tests := []struct {
		name    string
		in      string
		want    Properties
		wantErr error  // errors.Is target
		msg     string // the exact message, RHQ's (R22)
	}{
		{name: "R22 minimal", in: "deployment.id=7\n" + name + version + "bundle.destination.compliance=full",
			want: Properties{ID: 7, BundleName: "app", BundleVersion: "1", Compliance: Full}},
		{name: "R22 empty name and version accepted", in: "deployment.id=0\nbundle.name=\nbundle.version",
			want: Properties{ID: 0, Compliance: Full}},
		{name: "R2 negative id", in: "deployment.id=-3\n" + name + version,
			want: Properties{ID: -3, BundleName: "app", BundleVersion: "1", Compliance: Full}},
		{name: "R2 int32 limits", in: "deployment.id=-2147483648\n" + name + version,
			want: Properties{ID: -2147483648, BundleName: "app", BundleVersion: "1", Compliance: Full}},
		{name: "Integer.parseInt takes a plus sign", in: "deployment.id=+5\n" + name + version,
			want: Properties{ID: 5, BundleName: "app", BundleVersion: "1", Compliance: Full}},
		{name: "R20 leading blanks of a value are syntax", in: "deployment.id =  12\n" + name + version,
			want: Properties{ID: 12, BundleName: "app", BundleVersion: "1", Compliance: Full}},
		{name: "R20 colon and whitespace separators, comments", in: "! c\n# c\ndeployment.id:3\nbundle.name app\nbundle.version=1",
			want: Properties{ID: 3, BundleName: "app", BundleVersion: "1", Compliance: Full}},
		{name: "R20 later key wins", in: "deployment.id=3\ndeployment.id=4\n" + name + version,
			want: Properties{ID: 4, BundleName: "app", BundleVersion: "1", Compliance: Full}},
		{name: "R21 empty description is present", in: "deployment.id=1\n" + name + version + "bundle.description=",
			want: Properties{ID: 1, BundleName: "app", BundleVersion: "1", HasDescription: true, Compliance: Full}},

		{name: "R22 no id", in: name + version, wantErr: ErrNoID,
			msg: "Deployment properties are invalid: There is no deployment ID"},
		{name: "R22 id not a number", in: "deployment.id=abc\n" + name + version, wantErr: ErrInvalidID,
			msg: "Deployment properties are invalid: Invalid deployment ID: abc"},
		{name: "R22 trailing blank in id", in: "deployment.id=5 \n" + name + version, wantErr: ErrInvalidID,
			msg: "Deployment properties are invalid: Invalid deployment ID: 5 "},
		{name: "R22 empty id", in: "deployment.id=\n" + name + version, wantErr: ErrInvalidID,
			msg: "Deployment properties are invalid: Invalid deployment ID: "},
		{name: "R22 id beyond int32", in: "deployment.id=2147483648\n" + name + version, wantErr: ErrInvalidID,
			msg: "Deployment properties are invalid: Invalid deployment ID: 2147483648"},
		{name: "R22 id with underscore", in: "deployment.id=1_0\n" + name + version, wantErr: ErrInvalidID,
			msg: "Deployment properties are invalid: Invalid deployment ID: 1_0"},
		{name: "R22 no name", in: "deployment.id=1\n" + version, wantErr: ErrNoBundleName,
			msg: "Deployment properties are invalid: There is no bundle name"},
		{name: "R22 no version", in: "deployment.id=1\n" + name, wantErr: ErrNoBundleVersion,
			msg: "Deployment properties are invalid: There is no bundle version"},
		{name: "R22 order: id is checked first", in: "bundle.destination.compliance=x", wantErr: ErrNoID,
			msg: "Deployment properties are invalid: There is no deployment ID"},
		{name: "R21 compliance is case-sensitive", in: "deployment.id=1\n" + name + version + "bundle.destination.compliance=FULL",
			wantErr: ErrInvalidCompliance,
			msg:     "Deployment properties are invalid: No enum constant org.rhq.core.util.updater.DestinationComplianceMode.FULL"},
		{name: "R24 only a missing compliance defaults, not an empty one", in: "deployment.id=1\n" + name + version + "bundle.destination.compliance=",
			wantErr: ErrInvalidCompliance,
			msg:     "Deployment properties are invalid: No enum constant org.rhq.core.util.updater.DestinationComplianceMode."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeProperties(strings.NewReader(tt.in))
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				var invalid *InvalidPropertiesError
				require.ErrorAs(t, err, &invalid)
				require.EqualError(t, err, tt.msg)
				return
			}
			require.NoError(t, err)
			if !tt.want.Equal(got) {
				t.Errorf("DecodeProperties = %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestDecodePropertiesSyntaxError(t *testing.T) {
	_, err := DecodeProperties(strings.NewReader("deployment.id=\\u12"))
	var syntax *javaprops.SyntaxError
	require.ErrorAs(t, err, &syntax)
	require.ErrorIs(t, err, javaprops.ErrMalformedEscape)
}

func TestDecodePropertiesReadError(t *testing.T) {
	boom := errors.New("boom")
	_, err := DecodeProperties(errReader{boom})
	require.ErrorIs(t, err, boom)
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

func TestEncodePropertiesGolden(t *testing.T) {
	tests := []struct {
		golden string
		p      Properties
	}{
		{"testdata/encode/full.properties", Properties{ID: 2, BundleName: "myapp", BundleVersion: "2.0",
			Description: "Line one\nLine two: ünïcode €", HasDescription: true, Compliance: Full,
			Extra: map[string]string{"custom.note": "kept = as is"}}},
		{"testdata/encode/minimal.properties", Properties{ID: -2147483648, BundleVersion: " 1.0 #!:=\t\\",
			Compliance: FilesAndDirectories}},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			got, err := EncodeProperties(tt.p, rhqTime)
			require.NoError(t, err)
			if diff := cmp.Diff(string(readFile(t, tt.golden)), string(got)); diff != "" {
				t.Errorf("EncodeProperties differs from Java's Properties.store (-java +go):\n%s", diff)
			}
		})
	}
}

func TestEncodePropertiesInvalid(t *testing.T) {
	valid := Properties{ID: 1, BundleName: "a", BundleVersion: "1", Compliance: Full}
	tests := []struct {
		name    string
		edit    func(*Properties)
		wantErr error
		msg     string
	}{
		{name: "R22 R23 no compliance", edit: func(p *Properties) { p.Compliance = "" }, wantErr: ErrNoCompliance,
			msg: "Deployment properties are invalid: Destination compliance not specified"},
		{name: "R21 unknown compliance", edit: func(p *Properties) { p.Compliance = "files" }, wantErr: ErrInvalidCompliance,
			msg: "Deployment properties are invalid: No enum constant org.rhq.core.util.updater.DestinationComplianceMode.files"},
		{name: "Extra repeats a field", edit: func(p *Properties) { p.Extra = map[string]string{KeyID: "9"} },
			msg: `encode deployment properties: Extra holds "deployment.id", which is a field of Properties`},
		{name: "invalid UTF-8", edit: func(p *Properties) { p.BundleName = "\xff" }, wantErr: javaprops.ErrInvalidUTF8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := valid
			tt.edit(&p)
			got, err := EncodeProperties(p, rhqTime)
			require.Error(t, err)
			require.Nil(t, got, "R23: no bytes for invalid properties")
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
			}
			if tt.msg != "" {
				require.EqualError(t, err, tt.msg)
			}
		})
	}
}

func TestPropertiesRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		p    Properties
	}{
		{"R25 multi-line description", Properties{ID: 1, BundleName: "n", BundleVersion: "v",
			Description: "a\nb", HasDescription: true, Compliance: Full}},
		{"R21 absent description", Properties{ID: 1, BundleName: "n", BundleVersion: "v", Compliance: Full}},
		{"R21 empty description", Properties{ID: 1, BundleName: "n", BundleVersion: "v", HasDescription: true,
			Compliance: FilesAndDirectories}},
		{"R20 characters to escape", Properties{ID: -3, BundleName: " #!=:\\\t\r\n\f", BundleVersion: "😀 \u0100\x7f",
			Compliance: Full, Extra: map[string]string{"k e=y": " v", "": "empty key", KeyManageRootDir: "false"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := EncodeProperties(tt.p, rhqTime)
			require.NoError(t, err)
			got, err := DecodeProperties(bytes.NewReader(data))
			require.NoError(t, err)
			if diff := cmp.Diff(tt.p.Map(), got.Map()); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
			require.True(t, tt.p.Equal(got))
			require.Equal(t, tt.p.HasDescription || tt.p.Description != "", got.HasDescription)
		})
	}
}

func TestPropertiesEqual(t *testing.T) {
	base := Properties{ID: 1, BundleName: "n", BundleVersion: "v", Compliance: Full}
	tests := []struct {
		name string
		edit func(*Properties)
		want bool
	}{
		{"same", func(*Properties) {}, true},
		{"R25 nil and empty Extra are the same map", func(p *Properties) { p.Extra = map[string]string{} }, true},
		{"R21 absent and empty description differ", func(p *Properties) { p.HasDescription = true }, false},
		{"a non-empty description is present", func(p *Properties) { p.Description = "d" }, false},
		{"id", func(p *Properties) { p.ID = 2 }, false},
		{"compliance", func(p *Properties) { p.Compliance = FilesAndDirectories }, false},
		{"R35 extra key", func(p *Properties) { p.Extra = map[string]string{"x": ""} }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := base
			tt.edit(&p)
			require.Equal(t, tt.want, base.Equal(p))
			require.Equal(t, tt.want, p.Equal(base))
		})
	}
	withFlag := Properties{Description: "d", HasDescription: true}
	require.True(t, withFlag.Equal(Properties{Description: "d"}), "HasDescription is implied by a non-empty Description")
}

func TestManageRootDir(t *testing.T) {
	tests := []struct {
		name string
		p    Properties
		want bool
	}{
		{"R24 compliance full", Properties{Compliance: Full}, true},
		{"R24 compliance wins over manage.root.dir", Properties{Compliance: Full,
			Extra: map[string]string{KeyManageRootDir: "false"}}, true},
		{"R24 filesAndDirectories", Properties{Compliance: FilesAndDirectories,
			Extra: map[string]string{KeyManageRootDir: "true"}}, false},
		{"R24 no compliance: legacy false", Properties{Extra: map[string]string{KeyManageRootDir: "false"}}, false},
		{"R24 no compliance: legacy TRUE, any case", Properties{Extra: map[string]string{KeyManageRootDir: "TRUE"}}, true},
		{"R24 no compliance: Boolean.parseBoolean of other text", Properties{Extra: map[string]string{KeyManageRootDir: "yes"}}, false},
		{"R24 neither: default true", Properties{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, tt.p.ManageRootDir())
		})
	}
}

func TestManageRootDirLegacyFileQuirk(t *testing.T) {
	// R24 QUIRK: compliance is defaulted before manage.root.dir is looked at.
	p, err := DecodeProperties(strings.NewReader("deployment.id=1\nbundle.name=a\nbundle.version=1\nmanage.root.dir=false\n"))
	require.NoError(t, err)
	require.Equal(t, Full, p.Compliance)
	require.True(t, p.ManageRootDir())
	require.Equal(t, "false", p.Extra[KeyManageRootDir], "the legacy key is kept")
}
