package javaprops

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
)

// R20: the header comment RHQ writes into its deployment metadata.
const rhqComment = "This file is auto-generated - DO NOT MODIFY!!!"

// storeDate is R20's example timestamp. A fixed zone keeps the test
// independent of the machine's time zone database.
var storeDate = time.Date(2022, time.July, 11, 9, 17, 9, 0, time.FixedZone("CEST", 2*60*60))

// goldenMap exercises every escaping rule of saveConvert.
var goldenMap = map[string]string{
	"deployment.id":                 "42",
	"bundle.name":                   "My Bundle",
	"bundle.version":                "1.0.0",
	"bundle.description":            "a\nb",
	"bundle.destination.compliance": "full",
	"key with spaces":               " leading and trailing ",
	"sep=:#!":                       "x=1:2#3!4",
	"tab\tkey":                      "a\tb",
	"crlf":                          "line1\r\nline2\fend",
	"path":                          `C:\opt\app\`,
	"latin1":                        "café ÿ",
	"unicode":                       "日本 €",
	"emoji":                         "😀",
	"ctrl":                          "\x00\x1f\x7f",
	"empty":                         "",
	"":                              "empty key",
	"größe":                         "äöü",
	"specials":                      "\"$%&'()*+,-./;<>?@[]^_{|}~`",
	"zz\U0001F600":                  "supplementary",
	"zz\uE000":                      "private use",
}

// TestStoreGolden compares Store with testdata/store.golden, derived by hand
// from Java's Properties.store (R20) and identical to what JDK 25 writes for
// goldenMap at storeDate in Europe/Berlin.
func TestStoreGolden(t *testing.T) {
	want, err := os.ReadFile(filepath.Join("testdata", "store.golden"))
	require.NoError(t, err)
	var got bytes.Buffer
	require.NoError(t, Store(&got, goldenMap, storeDate, StoreOptions{Comments: rhqComment}))
	if diff := cmp.Diff(string(want), got.String()); diff != "" {
		t.Errorf("Store output (-want +got):\n%s", diff)
	}
}

func TestStoreCRLF(t *testing.T) {
	var lf, crlf bytes.Buffer
	require.NoError(t, Store(&lf, goldenMap, storeDate, StoreOptions{Comments: "one\ntwo"}))
	require.NoError(t, Store(&crlf, goldenMap, storeDate, StoreOptions{Comments: "one\ntwo", CRLF: true}))
	// Escaping leaves no raw line break in keys or values, so the only
	// difference is the separator.
	require.Equal(t, string(bytes.ReplaceAll(lf.Bytes(), []byte("\n"), []byte("\r\n"))), crlf.String())
}

func TestStoreNoComments(t *testing.T) {
	var got bytes.Buffer
	require.NoError(t, Store(&got, map[string]string{"a": "b"}, storeDate, StoreOptions{}))
	require.Equal(t, "#Mon Jul 11 09:17:09 CEST 2022\na=b\n", got.String())
}

func TestStoreInvalidUTF8(t *testing.T) {
	tests := []struct {
		name string
		m    map[string]string
		opts StoreOptions
	}{
		{"key", map[string]string{"a\xff": "b"}, StoreOptions{}},
		{"value", map[string]string{"a": "b\xff", "c": "d"}, StoreOptions{}},
		{"comments", map[string]string{"a": "b"}, StoreOptions{Comments: "\xff"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got bytes.Buffer
			err := Store(&got, tt.m, storeDate, tt.opts)
			require.ErrorIs(t, err, ErrInvalidUTF8)
			require.Zero(t, got.Len(), "R23: nothing is written when Store fails")
		})
	}
}

func TestStoreValueErrorHidesValue(t *testing.T) {
	err := Store(&bytes.Buffer{}, map[string]string{"password": "s3cr3t\xff"}, storeDate, StoreOptions{})
	require.EqualError(t, err, `store properties: value of key "password": invalid UTF-8`)
}

type failWriter struct{ err error }

func (w failWriter) Write([]byte) (int, error) { return 0, w.err }

func TestStoreWriteError(t *testing.T) {
	boom := errors.New("boom")
	require.ErrorIs(t, Store(failWriter{boom}, goldenMap, storeDate, StoreOptions{}), boom)
}

// TestWriteEscaped follows Java's saveConvert character by character.
func TestWriteEscaped(t *testing.T) {
	tests := []struct {
		in, key, value string
	}{
		{"plain", "plain", "plain"},
		{"a b", `a\ b`, "a b"},
		{" a ", `\ a\ `, `\ a `},
		{"  ", `\ \ `, `\  `},
		{"=:#!", `\=\:\#\!`, `\=\:\#\!`},
		{"\\", `\\`, `\\`},
		{"\t\n\r\f", `\t\n\r\f`, `\t\n\r\f`},
		{"\x00\x01\x1f", `\u0000\u0001\u001F`, `\u0000\u0001\u001F`},
		{"~\x7f", `~\u007F`, `~\u007F`},
		{"\u0080\u00ff\u0100", `\u0080\u00FF\u0100`, `\u0080\u00FF\u0100`},
		{"\uabcd\uffff", `\uABCD\uFFFF`, `\uABCD\uFFFF`},
		{"\U0010FFFF", `\uDBFF\uDFFF`, `\uDBFF\uDFFF`},
		{"\"$%&'()*+,-./0-9;<>?@A-Z[]^_`a-z{|}", "\"$%&'()*+,-./0-9;<>?@A-Z[]^_`a-z{|}", "\"$%&'()*+,-./0-9;<>?@A-Z[]^_`a-z{|}"},
	}
	for _, tt := range tests {
		var key, value bytes.Buffer
		writeEscaped(&key, tt.in, true)
		writeEscaped(&value, tt.in, false)
		require.Equal(t, tt.key, key.String(), "key %q", tt.in)
		require.Equal(t, tt.value, value.String(), "value %q", tt.in)
	}
}

// TestWriteComments follows Java's Properties.writeComments.
func TestWriteComments(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"hello", "#hello\n"},
		{rhqComment, "#" + rhqComment + "\n"},
		{"a\nb", "#a\n#b\n"},
		{"a\r\nb", "#a\n#b\n"},
		{"a\rb", "#a\n#b\n"},
		{"a\n\rb", "#a\n#\n#b\n"},
		{"a\n#b", "#a\n#b\n"},
		{"a\n!b", "#a\n!b\n"},
		{"a\n", "#a\n#\n"},
		{"a\n\nb", "#a\n#\n#b\n"},
		{"\n", "#\n#\n"},
		{"a\n x=y", "#a\n# x=y\n"},
		{"café\tÿ", "#caf\xe9\t\xff\n"},
		{"€\u0100", `#\u20AC\u0100` + "\n"},
		{"😀", `#\uD83D\uDE00` + "\n"},
		{`back\slash`, `#back\slash` + "\n"},
	}
	for _, tt := range tests {
		var got bytes.Buffer
		writeComments(&got, tt.in, "\n")
		require.Equal(t, tt.want, got.String(), "comments %q", tt.in)
	}
	var got bytes.Buffer
	writeComments(&got, "a\r\nb", "\r\n")
	require.Equal(t, "#a\r\n#b\r\n", got.String())
}

// TestJavaDate checks the "EEE MMM dd HH:mm:ss zzz yyyy" of Date.toString.
func TestJavaDate(t *testing.T) {
	tests := []struct {
		t    time.Time
		want string
	}{
		{storeDate, "Mon Jul 11 09:17:09 CEST 2022"},
		{time.Date(2023, time.November, 14, 22, 13, 20, 0, time.UTC), "Tue Nov 14 22:13:20 UTC 2023"},
		{time.Date(2024, time.January, 7, 5, 4, 3, 999, time.UTC), "Sun Jan 07 05:04:03 UTC 2024"},
		{time.Date(2024, time.February, 29, 0, 0, 0, 0, time.FixedZone("EST", -5*60*60)), "Thu Feb 29 00:00:00 EST 2024"},
		{time.Date(2024, time.March, 1, 12, 0, 0, 0, time.FixedZone("", 4*60*60)), "Fri Mar 01 12:00:00 GMT+04:00 2024"},
		{time.Date(2024, time.March, 1, 12, 0, 0, 0, time.FixedZone("+04", 4*60*60)), "Fri Mar 01 12:00:00 GMT+04:00 2024"},
		{time.Date(2024, time.March, 1, 12, 0, 0, 0, time.FixedZone("-0330", -(3*60+30)*60)), "Fri Mar 01 12:00:00 GMT-03:30 2024"},
		{time.Date(2024, time.March, 1, 12, 0, 0, 0, time.FixedZone("", 0)), "Fri Mar 01 12:00:00 GMT 2024"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, javaDate(tt.t))
	}
}

func TestCompareJava(t *testing.T) {
	// Sorted as Java's String.compareTo sorts them.
	want := []string{"", "A", "B", "a", "a\x00", "ab", "é", "\uD7FF", "😀", "😁", "\uE000", "\uFFFD", "\uFFFF"}
	got := slices.Clone(want)
	slices.Reverse(got)
	slices.SortFunc(got, compareJava)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
	require.Zero(t, compareJava("😀x", "😀x"))
}

// TestRoundTrip is R25: a map written by Store reads back equal.
func TestRoundTrip(t *testing.T) {
	maps := []map[string]string{
		{},
		{"bundle.description": "a\nb"},
		{"": ""},
		{" ": " "},
		{"#": "!", "!": "#"},
		{"a\\": "\\", "\\\\": "\\\\\\"},
		{"k": "\r\n\\\n  trailing  "},
		goldenMap,
	}
	for _, m := range maps {
		for _, opts := range []StoreOptions{{}, {Comments: "a\nb=c\r!d", CRLF: true}} {
			var b bytes.Buffer
			require.NoError(t, Store(&b, m, storeDate, opts))
			p, err := Decode(&b, Latin1)
			require.NoError(t, err)
			if diff := cmp.Diff(m, p.Map()); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
		}
	}
}
