package metadata

import (
	"bytes"
	"errors"
	"io/fs"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
)

// modesFile is a record of permissions as EncodeModes writes it (issue 11.6).
const modesFile = "# bundlekit modes 1\n" +
	"4750 0 4294967295 /opt/ext/tool\n" +
	"0644 - - a dir/with spaces.txt\n" +
	"0755 0 0 bin/run.sh\n" +
	"0600 1000 1000 conf/secret.properties\n"

func TestModesRoundTrip(t *testing.T) {
	m := Modes{
		"conf/secret.properties": {Mode: 0o600, HasOwner: true, UID: 1000, GID: 1000},
		"bin/run.sh":             {Mode: 0o755, HasOwner: true},
		"a dir/with spaces.txt":  {Mode: 0o644},
		"/opt/ext/tool":          {Mode: 0o750 | fs.ModeSetuid, HasOwner: true, GID: 1<<32 - 1},
	}
	data, err := EncodeModes(m)
	require.NoError(t, err)
	require.Equal(t, modesFile, string(data))
	back, err := DecodeModes(bytes.NewReader(data))
	require.NoError(t, err)
	require.Equal(t, m, back)

	data, err = EncodeModes(Modes{})
	require.NoError(t, err)
	back, err = DecodeModes(bytes.NewReader(data))
	require.NoError(t, err)
	require.Empty(t, back)

	_, err = EncodeModes(Modes{"a\nb": {Mode: 0o644}})
	require.Error(t, err)
	_, err = EncodeModes(Modes{"": {Mode: 0o644}})
	require.Error(t, err)
}

// TestDecodeModesStrict: only what EncodeModes writes decodes; a record cut
// short, or one a person or another program changed, is no record.
func TestDecodeModesStrict(t *testing.T) {
	for name, data := range map[string]string{
		"empty":                     "",
		"another header":            "# bundlekit modes 2\n0644 - - a\n",
		"no header":                 "0644 - - a\n",
		"cut short":                 strings.TrimSuffix(modesFile, "\n"),
		"cut in a line":             modesFile[:len(modesFile)-12],
		"CRLF":                      strings.ReplaceAll(modesFile, "\n", "\r\n"),
		"three digits":              "# bundlekit modes 1\n644 - - a\n",
		"not octal":                 "# bundlekit modes 1\n0648 - - a\n",
		"a sign":                    "# bundlekit modes 1\n+644 - - a\n",
		"five digits":               "# bundlekit modes 1\n10644 - - a\n",
		"one id unknown":            "# bundlekit modes 1\n0644 - 0 a\n",
		"id with a leading zero":    "# bundlekit modes 1\n0644 01 0 a\n",
		"id too large":              "# bundlekit modes 1\n0644 4294967296 0 a\n",
		"negative id":               "# bundlekit modes 1\n0644 -1 0 a\n",
		"no key":                    "# bundlekit modes 1\n0644 - - \n",
		"missing field":             "# bundlekit modes 1\n0644 - a\n",
		"two spaces":                "# bundlekit modes 1\n0644  - - a\n",
		"unsorted":                  "# bundlekit modes 1\n0644 - - b\n0644 - - a\n",
		"duplicate":                 "# bundlekit modes 1\n0644 - - a\n0600 - - a\n",
		"NUL in a key":              "# bundlekit modes 1\n0644 - - a\x00b\n",
		"blank line":                "# bundlekit modes 1\n\n0644 - - a\n",
		"header without line break": "# bundlekit modes 1",
		"a line too long":           "# bundlekit modes 1\n0644 - - " + strings.Repeat("a", 64<<10) + "\n",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := DecodeModes(strings.NewReader(data))
			require.ErrorIs(t, err, ErrModes)
		})
	}
}

// TestBeforeCurrent: a record of bundlekit's (here the permissions) is
// written with the deployment's folder, before current-deployment.properties
// (R28).
func TestBeforeCurrent(t *testing.T) {
	writes, err := Record(nil, Properties{ID: 3, BundleName: "a", BundleVersion: "1", Compliance: Full}, Hashes{"a": "0cc175b9c0f1b6a831c399e269772661"}, rhqTime)
	require.NoError(t, err)
	data, err := EncodeModes(Modes{"a": {Mode: 0o644}})
	require.NoError(t, err)
	got := BeforeCurrent(writes, Write{Name: ModesPath(3), Data: data})
	var names []string
	for _, w := range got {
		names = append(names, w.Name)
	}
	require.Equal(t, []string{DeploymentPath(3), HashesPath(3), ModesPath(3), CurrentPath}, names)
	require.Equal(t, "# bundlekit modes 1\n0644 - - a\n", string(got[2].Data))
	require.Equal(t, ".rhqdeployments/3/.bundlekit-modes", ModesPath(3))
	require.Equal(t, []Write{{Name: "x"}}, BeforeCurrent(nil, Write{Name: "x"}), "no current file: at the end")
}

// FuzzDecodeModes: DecodeModes never panics, fails only with ErrModes, and
// what it decodes is exactly what EncodeModes writes (the format has one
// spelling).
func FuzzDecodeModes(f *testing.F) {
	f.Add([]byte(modesFile))
	for _, s := range []string{"", "# bundlekit modes 1\n", "# bundlekit modes 1\n0644 - - a\n0600 1 2 b c\n",
		"# bundlekit modes 1\n7777 4294967295 0 /x\n", "# bundlekit modes 1\n0644 - - \xff\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := DecodeModes(bytes.NewReader(data))
		if err != nil {
			if !errors.Is(err, ErrModes) {
				t.Fatalf("DecodeModes: unexpected error %v", err)
			}
			return
		}
		enc, err := EncodeModes(m)
		if err != nil {
			t.Fatalf("EncodeModes of decoded %v: %v", m, err)
		}
		if !bytes.Equal(data, enc) {
			t.Fatalf("decoded %q, which encodes as %q", data, enc)
		}
		back, err := DecodeModes(bytes.NewReader(enc))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(m, back); diff != "" {
			t.Fatalf("round trip (-want +got):\n%s", diff)
		}
	})
}
