package token_test

import (
	"errors"
	"fmt"
	"io"
	"log"
	"maps"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/token"
)

func TestReadProperties(t *testing.T) {
	tests := []struct {
		name string
		in   string
		enc  token.Encoding
		want token.Map
	}{
		{"empty", "", token.Latin1, token.Map{}},
		{"java syntax", "# c\n! c\na=1\nb : 2\nc 3\nd\ne=x\\\n   y\nf=\\u00e9\\t\n", token.Latin1,
			token.Map{"a": "1", "b": "2", "c": "3", "d": "", "e": "xy", "f": "é\t"}},
		{"last duplicate wins", "a=1\na=2\n", token.Latin1, token.Map{"a": "2"}},
		{"latin1 byte", "a=caf\xe9", token.Latin1, token.Map{"a": "café"}},
		{"latin1 reads UTF-8 as two characters", "a=caf\xc3\xa9", token.Latin1, token.Map{"a": "cafÃ©"}},
		{"utf8", "a=caf\xc3\xa9", token.UTF8, token.Map{"a": "café"}},
		{"utf8 BOM", "\xef\xbb\xbfa=b", token.UTF8, token.Map{"a": "b"}},
		{"backslashes are escapes", `dir=C:\\opt\\app`, token.Latin1, token.Map{"dir": `C:\opt\app`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := token.ReadProperties(strings.NewReader(tt.in), tt.enc)
			require.NoError(t, err)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ReadProperties (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadPropertiesErrors(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name string
		r    io.Reader
		enc  token.Encoding
		want string
	}{
		{"malformed escape", strings.NewReader("a=1\npassword=s3cr3t\\u12"), token.Latin1,
			`read properties: line 2, column 16: malformed \uxxxx escape`},
		{"invalid UTF-8", strings.NewReader("a=caf\xe9"), token.UTF8,
			"read properties: line 1, column 6: invalid UTF-8"},
		{"unknown encoding", strings.NewReader("a=1"), token.Encoding(9),
			"read properties: unknown encoding 9"},
		{"read error", iotest.ErrReader(boom), token.Latin1,
			"read properties: line 1: boom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := token.ReadProperties(tt.r, tt.enc)
			require.EqualError(t, err, tt.want)
			require.Nil(t, got)
		})
	}
}

func ExampleReadProperties() {
	const file = `# Caller values for the staging deployment
listener.port = 8080
app.title=Caf\u00e9 \
          Central
install.dir : C:\\opt\\app
`
	values, err := token.ReadProperties(strings.NewReader(file), token.Latin1)
	if err != nil {
		log.Fatal(err)
	}
	for _, k := range slices.Sorted(maps.Keys(values)) {
		fmt.Printf("%s=%s\n", k, values[k])
	}
	// Output:
	// app.title=Café Central
	// install.dir=C:\opt\app
	// listener.port=8080
}
