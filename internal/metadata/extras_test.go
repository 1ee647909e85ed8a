package metadata

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/stretchr/testify/require"
)

func TestExtrasRoundTrip(t *testing.T) {
	for name, e := range map[string]Extras{
		"empty":          {},
		"ids known":      {IDKnown: true},
		"ids unknown":    {Stored: map[string]string{"a": sha1}},
		"format one":     {Stored: map[string]string{"a": sha1}, StoredSHA256: true},
		"format two":     {Stored: map[string]string{"a": sha1}, IDAt: map[string][]int64{"a": {1}}, IDKnown: true, StoredSHA256: true},
		"format two, v3": {Stored: map[string]string{"a": sha1}, IDAt: map[string][]int64{"a": {1}}, IDKnown: true},
		"full": {
			Ignore:       []IgnoreSet{{Includes: []string{"logs/", "data/**"}}, {Dir: "var", Includes: []string{"*.tmp"}, Excludes: []string{"keep.tmp"}}},
			Dirs:         []string{"static/img", "var/empty"},
			BundleNeeded: []string{`the postinstall target "start"`},
			Stored:       map[string]string{"conf/app.conf": sha1, "/etc/app.conf": sha2, "ünï": sha1},
			IDAt:         map[string][]int64{"conf/app.conf": {0, 7, 7, 120}, "/etc/app.conf": {3}},
			IDKnown:      true,
		},
	} {
		t.Run(name, func(t *testing.T) {
			data, err := EncodeExtras(e)
			require.NoError(t, err)
			require.True(t, bytes.HasSuffix(data, []byte("}\n")))
			got, err := DecodeExtras(bytes.NewReader(data))
			require.NoError(t, err)
			if diff := cmp.Diff(&e, got, cmpopts.EquateEmpty()); diff != "" {
				t.Fatalf("round trip (-want +got):\n%s", diff)
			}
		})
	}
	data, err := EncodeExtras(Extras{Stored: map[string]string{"b": sha1, "a": sha2}})
	require.NoError(t, err)
	require.Equal(t, `{"v":3,"ignore":[],"stored":{"a":"`+sha2+`","b":"`+sha1+`"},"idUnknown":true}`+"\n", string(data), "keys in order")
	data, err = EncodeExtras(Extras{Stored: map[string]string{}, IDAt: map[string][]int64{"b": {5}, "a": {0, 9}}, IDKnown: true})
	require.NoError(t, err)
	require.Equal(t, `{"v":3,"ignore":[],"stored":{},"idAt":{"a":[0,9],"b":[5]}}`+"\n", string(data))
}

// TestExtrasOlderFormats: the records of older bundlekits read with their
// stored digests marked as whole-file SHA-256, and IDKnown as they say.
func TestExtrasOlderFormats(t *testing.T) {
	for name, tt := range map[string]struct {
		text string
		want Extras
	}{
		"format 1": {`{"v":1,"ignore":[],"stored":{"a":"` + sha1 + `"}}` + "\n",
			Extras{Stored: map[string]string{"a": sha1}, StoredSHA256: true}},
		"format 2": {`{"v":2,"ignore":[],"stored":{"a":"` + sha1 + `"},"idAt":{"a":[3]}}` + "\n",
			Extras{Stored: map[string]string{"a": sha1}, StoredSHA256: true, IDAt: map[string][]int64{"a": {3}}, IDKnown: true}},
		"format 3": {`{"v":3,"ignore":[],"stored":{"a":"` + sha1 + `"}}` + "\n",
			Extras{Stored: map[string]string{"a": sha1}, IDKnown: true}},
		"format 3, ids unknown": {`{"v":3,"ignore":[],"stored":{"a":"` + sha1 + `"},"idUnknown":true}` + "\n",
			Extras{Stored: map[string]string{"a": sha1}}},
	} {
		t.Run(name, func(t *testing.T) {
			got, err := DecodeExtras(strings.NewReader(tt.text))
			require.NoError(t, err)
			if diff := cmp.Diff(&tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Fatalf("(-want +got):\n%s", diff)
			}
			data, err := EncodeExtras(*got)
			require.NoError(t, err)
			require.Equal(t, tt.text, string(data), "written back in its format")
		})
	}
}

func TestExtrasRefused(t *testing.T) {
	for name, e := range map[string]Extras{
		"empty key":     {Stored: map[string]string{"": sha1}},
		"key with a LF": {Stored: map[string]string{"a\nb": sha1}},
		"not a digest":  {Stored: map[string]string{"a": "abc"}},
		"upper case":    {Stored: map[string]string{"a": strings.ToUpper(sha2)}},
		"empty pattern": {Ignore: []IgnoreSet{{Includes: []string{""}}}},
		"empty reason":  {BundleNeeded: []string{""}},
		"ids unknown":   {IDAt: map[string][]int64{"a": {1}}},
		"ids unordered": {IDAt: map[string][]int64{"a": {9, 1}}, IDKnown: true},
		"id negative":   {IDAt: map[string][]int64{"a": {-1}}, IDKnown: true},
		"no ids":        {IDAt: map[string][]int64{"a": {}}, IDKnown: true},
	} {
		t.Run("encode "+name, func(t *testing.T) {
			_, err := EncodeExtras(e)
			require.ErrorIs(t, err, ErrUnencodable)
		})
	}
	for name, text := range map[string]string{
		"empty":         "",
		"not JSON":      "v=1\n",
		"newer format":  `{"v":4,"ignore":[],"stored":{}}` + "\n",
		"format 0":      `{"v":0,"ignore":[],"stored":{}}` + "\n",
		"ids in v1":     `{"v":1,"ignore":[],"stored":{},"idAt":{"a":[1]}}` + "\n",
		"unknown in v2": `{"v":2,"ignore":[],"stored":{},"idUnknown":true}` + "\n",
		"ids unknown":   `{"v":3,"ignore":[],"stored":{},"idAt":{"a":[1]},"idUnknown":true}` + "\n",
		"ids unordered": `{"v":2,"ignore":[],"stored":{},"idAt":{"a":[2,1]}}` + "\n",
		"no format":     `{"ignore":[],"stored":{}}` + "\n",
		"unknown field": `{"v":1,"ignore":[],"stored":{},"x":1}` + "\n",
		"bad digest":    `{"v":1,"ignore":[],"stored":{"a":"md5"}}` + "\n",
		"two objects":   `{"v":1,"ignore":[],"stored":{}}{"v":1}` + "\n",
		"no line end":   `{"v":1,"ignore":[],"stored":{}}`,
		"trailing text": `{"v":1,"ignore":[],"stored":{}} x` + "\n",
		"empty pattern": `{"v":1,"ignore":[{"includes":[""]}],"stored":{}}` + "\n",
	} {
		t.Run("decode "+name, func(t *testing.T) {
			_, err := DecodeExtras(strings.NewReader(text))
			require.ErrorIs(t, err, ErrExtras)
		})
	}
}

func FuzzDecodeExtras(f *testing.F) {
	f.Add([]byte(`{"v":1,"ignore":[{"dir":"d","includes":["logs/"],"excludes":["x"]}],"dirs":["a/b"],"bundleNeeded":["r"],"stored":{"a":"` + sha1 + `"}}` + "\n"))
	f.Add([]byte(`{"v":1,"ignore":[],"stored":{}}` + "\n"))
	f.Add([]byte(`{"v":2,"ignore":[],"stored":{},"idAt":{"a":[0,9]}}` + "\n"))
	f.Add([]byte(`{"v":3,"ignore":[],"stored":{"a":"` + sha2 + `"},"idAt":{"a":[0,9]}}` + "\n"))
	f.Add([]byte(`{"v":3,"ignore":[],"stored":{},"idUnknown":true}` + "\n"))
	f.Add([]byte(`{"v":1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := DecodeExtras(bytes.NewReader(data))
		if err != nil {
			return
		}
		enc, err := EncodeExtras(*e)
		if err != nil {
			t.Fatalf("EncodeExtras of a decoded record: %v", err)
		}
		again, err := DecodeExtras(bytes.NewReader(enc))
		if err != nil {
			t.Fatalf("DecodeExtras of %q: %v", enc, err)
		}
		if diff := cmp.Diff(e, again, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("the record changed through EncodeExtras (-decoded +again):\n%s", diff)
		}
	})
}
