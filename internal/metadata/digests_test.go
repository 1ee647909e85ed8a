package metadata

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

var (
	sha1 = strings.Repeat("a", 64)
	sha2 = strings.Repeat("0123456789abcdef", 4)
)

func TestDigestsRoundTrip(t *testing.T) {
	d := Digests{"conf/app.conf": sha1, "/etc/myapp.conf": sha2, "ünï/cödé": sha1}
	data, err := EncodeDigests(d)
	require.NoError(t, err)
	require.Equal(t, "/etc/myapp.conf\t"+sha2+"\nconf/app.conf\t"+sha1+"\nünï/cödé\t"+sha1+"\n", string(data))
	got, err := DecodeDigests(bytes.NewReader(data))
	require.NoError(t, err)
	require.Equal(t, d, got)

	empty, err := EncodeDigests(Digests{})
	require.NoError(t, err)
	got, err = DecodeDigests(bytes.NewReader(empty))
	require.NoError(t, err)
	require.Empty(t, got)
}

func TestDigestsRefused(t *testing.T) {
	for name, d := range map[string]Digests{
		"empty key":      {"": sha1},
		"key with a TAB": {"a\tb": sha1},
		"short digest":   {"a": "abc"},
		"upper case":     {"a": strings.ToUpper(sha2)},
	} {
		t.Run("encode "+name, func(t *testing.T) {
			_, err := EncodeDigests(d)
			require.ErrorIs(t, err, ErrUnencodable)
		})
	}
	for name, text := range map[string]string{
		"no line end":   "a\t" + sha1,
		"out of order":  "b\t" + sha1 + "\na\t" + sha1 + "\n",
		"twice":         "a\t" + sha1 + "\na\t" + sha1 + "\n",
		"not a digest":  "a\tmd5\n",
		"no TAB":        "a " + sha1 + "\n",
		"CRLF":          "a\t" + sha1 + "\r\n",
		"empty line":    "\n",
		"trailing TABs": "a\t" + sha1 + "\t\n",
	} {
		t.Run("decode "+name, func(t *testing.T) {
			_, err := DecodeDigests(strings.NewReader(text))
			require.ErrorIs(t, err, errDigests)
		})
	}
}

func FuzzDecodeDigests(f *testing.F) {
	f.Add([]byte("a\t" + sha1 + "\nb\t" + sha2 + "\n"))
	f.Add([]byte(""))
	f.Add([]byte("a\t" + sha1))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := DecodeDigests(bytes.NewReader(data))
		if err != nil {
			return
		}
		enc, err := EncodeDigests(d)
		if err != nil {
			t.Fatalf("EncodeDigests of a decoded record: %v", err)
		}
		if !bytes.Equal(enc, data) {
			t.Fatalf("DecodeDigests accepted %q, which EncodeDigests writes as %q", data, enc)
		}
	})
}
