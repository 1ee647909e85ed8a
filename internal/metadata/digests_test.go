package metadata

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/fileops"
)

var (
	sha1 = strings.Repeat("a", 64)
	sha2 = strings.Repeat("0123456789abcdef", 4)
)

func TestDigestsRoundTrip(t *testing.T) {
	d := Digests{"conf/app.conf": sha1, "/etc/myapp.conf": sha2, "ünï/cödé": sha1}
	data, err := EncodeDigests(d)
	require.NoError(t, err)
	require.Equal(t, "bundlekit-digests 2 tree-sha256 4194304\n/etc/myapp.conf\t"+sha2+"\nconf/app.conf\t"+sha1+"\nünï/cödé\t"+sha1+"\n", string(data))
	got, err := DecodeDigests(bytes.NewReader(data))
	require.NoError(t, err)
	require.Equal(t, d, got)

	empty, err := EncodeDigests(Digests{})
	require.NoError(t, err)
	require.Equal(t, digestsHeader, string(empty))
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
		"no line end":        "a\t" + sha1,
		"out of order":       "b\t" + sha1 + "\na\t" + sha1 + "\n",
		"twice":              "a\t" + sha1 + "\na\t" + sha1 + "\n",
		"not a digest":       "a\tmd5\n",
		"no TAB":             "a " + sha1 + "\n",
		"CRLF":               "a\t" + sha1 + "\r\n",
		"empty line":         "\n",
		"trailing TABs":      "a\t" + sha1 + "\t\n",
		"header twice":       digestsHeader,
		"header without end": strings.TrimSuffix(digestsHeader, "\n"),
	} {
		t.Run("decode "+name, func(t *testing.T) {
			_, err := DecodeDigests(strings.NewReader(digestsHeader + text))
			require.ErrorIs(t, err, errDigests)
		})
	}
	_, err := DecodeDigests(strings.NewReader("garbage"))
	require.ErrorIs(t, err, errDigests)
	require.NotErrorIs(t, err, ErrDigestsFormat)
}

// TestDigestsOtherFormat: a record of format 1 (an older bundlekit's, no
// header, whole-file SHA-256 that differ from content digests past 4 MiB)
// or of a newer format is ErrDigestsFormat: the caller does without it.
func TestDigestsOtherFormat(t *testing.T) {
	for name, text := range map[string]string{
		"format 1":       "a\t" + sha1 + "\nb\t" + sha2 + "\n",
		"format 1 empty": "",
		"format 1, bad":  "b\t" + sha1 + "\na\t" + sha1 + "\n",
		"newer":          "bundlekit-digests 3 tree-sha256 4194304\na\t" + sha1 + "\n",
		"other chunks":   "bundlekit-digests 2 tree-sha256 1048576\n",
		"CRLF header":    "bundlekit-digests 2 tree-sha256 4194304\r\n",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := DecodeDigests(strings.NewReader(text))
			require.ErrorIs(t, err, ErrDigestsFormat)
		})
	}
}

// TestDigestsHeaderChunk: the header names the chunk size of the content
// digests the record holds.
func TestDigestsHeaderChunk(t *testing.T) {
	require.Equal(t, fmt.Sprintf("bundlekit-digests 2 tree-sha256 %d\n", fileops.ContentChunkSize), digestsHeader)
}

func FuzzDecodeDigests(f *testing.F) {
	f.Add([]byte("a\t" + sha1 + "\nb\t" + sha2 + "\n"))
	f.Add([]byte(""))
	f.Add([]byte("a\t" + sha1))
	f.Add([]byte(digestsHeader))
	f.Add([]byte(digestsHeader + "a\t" + sha1 + "\nb\t" + sha2 + "\n"))
	f.Add([]byte(digestsHeader + "b\t" + sha1 + "\na\t" + sha2 + "\n"))
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
