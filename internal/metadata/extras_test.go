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
		"empty":      {},
		"empty v2":   {IDKnown: true},
		"format one": {Stored: map[string]string{"a": sha1}},
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
	require.Equal(t, `{"v":1,"ignore":[],"stored":{"a":"`+sha2+`","b":"`+sha1+`"}}`+"\n", string(data), "keys in order")
	data, err = EncodeExtras(Extras{Stored: map[string]string{}, IDAt: map[string][]int64{"b": {5}, "a": {0, 9}}, IDKnown: true})
	require.NoError(t, err)
	require.Equal(t, `{"v":2,"ignore":[],"stored":{},"idAt":{"a":[0,9],"b":[5]}}`+"\n", string(data))
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
		"newer format":  `{"v":3,"ignore":[],"stored":{}}` + "\n",
		"ids in v1":     `{"v":1,"ignore":[],"stored":{},"idAt":{"a":[1]}}` + "\n",
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
