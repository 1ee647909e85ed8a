package token

import (
	"bytes"
	"crypto/md5"
	"errors"
	"io"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
)

// testValues is the value set of the table, split and fuzz tests. Its values
// hold what must never be interpreted (R144): "@@" and whole tokens, "$" and
// "\" (regexp replacement syntax), the empty string.
var testValues = Map{
	"a":              "A",
	"b":              "B",
	"a.b":            "AB",
	"a.":             "A-dot",
	"A":              "upper",
	"x_1":            "X1",
	"at":             "@@a@@",
	"dollar":         "$1${a}$$",
	"backslash":      `C:\x\\y\`,
	"empty":          "",
	"rhq.deploy.dir": "/opt/app",
}

// refToken is the token grammar of R140–R141 as a regular expression, with
// Java's \s spelled out: Go's \s lacks the vertical tab.
var refToken = regexp.MustCompile(`@@[ \t\n\v\f\r]*((?:[A-Za-z0-9_]+\.?)+)[ \t\n\v\f\r]*@@`)

// realizeRef is the reference the streaming reader is checked against: the
// whole input in memory, leftmost non-overlapping matches (R142), as RHQ
// does with java.util.regex. Like the reader, it leaves tokens longer than
// MaxTokenLen unchanged.
func realizeRef(in []byte, values Lookup) []byte {
	var out []byte
	last := 0
	for _, m := range refToken.FindAllSubmatchIndex(in, -1) {
		out = append(out, in[last:m[0]]...)
		last = m[1]
		if m[1]-m[0] <= MaxTokenLen && values != nil {
			if v, ok := values.Lookup(string(in[m[2]:m[3]])); ok {
				out = append(out, v...)
				continue
			}
		}
		out = append(out, in[m[0]:m[1]]...)
	}
	return append(out, in[last:]...)
}

func realizeString(t testing.TB, in string, values Lookup) string {
	t.Helper()
	var out bytes.Buffer
	n, err := Realize(&out, strings.NewReader(in), values)
	require.NoError(t, err)
	require.Equal(t, int64(out.Len()), n, "written count")
	return out.String()
}

var realizeTests = []struct {
	rule, name, in, want string
}{
	{"R140", "bare", "@@a@@", "A"},
	{"R140", "in text", "x=@@a@@;", "x=A;"},
	{"R140", "spaces", "@@ a @@", "A"},
	{"R140", "tabs", "@@\ta\t\t@@", "A"},
	{"R140", "spans lines LF", "port=@@\n a.b \n@@\n", "port=AB\n"},
	{"R140", "spans lines CRLF", "@@\r\na\r\n@@\r\n", "A\r\n"},
	{"R140", "vertical tab and form feed are whitespace", "@@\va\f@@", "A"},
	{"R140", "no-break space is not whitespace", "@@\u00a0a@@", "@@\u00a0a@@"},
	{"R140", "single @ delimiters", "@a@", "@a@"},
	{"R140", "unclosed", "@@a", "@@a"},
	{"R140", "unclosed, trailing @", "@@a@", "@@a@"},
	{"R140", "unclosed at end of line", "@@a\n@", "@@a\n@"},
	{"R141", "dotted key", "@@a.b@@", "AB"},
	{"R141", "key ending with a dot", "@@a.@@", "A-dot"},
	{"R141", "key ending with a dot, then space", "@@ a. @@", "A-dot"},
	{"R141", "key starting with a dot", "@@.a@@", "@@.a@@"},
	{"R141", "double dot", "@@a..b@@", "@@a..b@@"},
	{"R141", "underscore and digits", "@@x_1@@", "X1"},
	{"R141", "hyphen is not a key byte", "@@myapp.max-heap@@", "@@myapp.max-heap@@"},
	{"R141", "colon", "@@a:b@@", "@@a:b@@"},
	{"R141", "slash", "@@a/b@@", "@@a/b@@"},
	{"R141", "non-ASCII letter", "@@é@@", "@@é@@"},
	{"R141", "space inside the key", "@@a b@@", "@@a b@@"},
	{"R141", "empty key", "@@@@", "@@@@"},
	{"R141", "blank key", "@@ \t @@", "@@ \t @@"},
	{"R142", "adjacent tokens", "@@a@@@@b@@", "AB"},
	{"R142", "four @ then token", "@@@@a@@", "@@A"},
	{"R142", "three @ then token", "@@@a@@", "@A"},
	{"R142", "token then @", "@@a@@@", "A@"},
	{"R142", "closing @@ does not open", "@@a@@b@@", "Ab@@"},
	{"R142", "broken close", "@@a@b@@", "@@a@b@@"},
	{"R142", "whitespace then @@ opens", "@@ @@a@@", "@@ A"},
	{"R142", "failed key then token", "@@-@@a@@", "@@-A"},
	{"R142", "run of @", "@@@@@@@@@", "@@@@@@@@@"},
	{"R143", "case-sensitive", "@@A@@ @@a@@", "upper A"},
	{"R143", "unknown key", "@@nope@@", "@@nope@@"},
	{"R143", "unknown key keeps whitespace", "@@ \tnope\r\n @@", "@@ \tnope\r\n @@"},
	{"R143", "unknown key then known", "@@ nope @@@@a@@", "@@ nope @@A"},
	{"R143", "trimmed key", "@@   rhq.deploy.dir   @@/bin", "/opt/app/bin"},
	{"R144", "value with a token is not expanded", "@@at@@", "@@a@@"},
	{"R144", "value with $", "@@dollar@@", "$1${a}$$"},
	{"R144", "value with backslashes", "@@backslash@@", `C:\x\\y\`},
	{"R144", "empty value", "[@@empty@@]", "[]"},
	{"R145", "backslash does not escape", `\@@a@@`, `\A`},
	{"R145", "lone @@", "a@@b", "a@@b"},
	{"R146", "CRLF kept", "a\r\n@@a@@\r\n", "a\r\nA\r\n"},
	{"R146", "BOM kept", "\ufeff@@a@@", "\ufeffA"},
	{"R146", "invalid UTF-8 kept", "\xff\xfe@@a@@\x80", "\xff\xfeA\x80"},
	{"R146", "NUL bytes kept", "\x00@@a@@\x00", "\x00A\x00"},
	{"", "empty input", "", ""},
	{"", "no token", "plain text\n", "plain text\n"},
	{"", "e-mail address", "root@example.com", "root@example.com"},
}

func TestRealize(t *testing.T) {
	for _, tt := range realizeTests {
		t.Run(tt.rule+"/"+tt.name, func(t *testing.T) {
			got := realizeString(t, tt.in, testValues)
			require.Equal(t, tt.want, got)
			require.Equal(t, string(realizeRef([]byte(tt.in), testValues)), got, "reference")
		})
	}
}

// TestRealizeMaxTokenLen checks the bound on token length: a token whose
// whitespace makes it exactly MaxTokenLen bytes long is realized, one a byte
// longer is copied unchanged, and the text around it is realized as usual.
func TestRealizeMaxTokenLen(t *testing.T) {
	pad := func(n int) string { return strings.Repeat(" ", n) }
	// "@@" + pad + "a" + "@@" is len(pad)+5 bytes long.
	atLimit := "@@" + pad(MaxTokenLen-5) + "a@@"
	overLimit := "@@" + pad(MaxTokenLen-4) + "a@@"
	longKey := "@@" + strings.Repeat("k", MaxTokenLen) + "@@"
	tests := []struct {
		name, in, want string
	}{
		{"at the limit", atLimit, "A"},
		{"one over", overLimit, overLimit},
		{"over, then text", "x" + overLimit + "y", "x" + overLimit + "y"},
		{"over, closing @@ does not open a token", overLimit + "b@@", overLimit + "b@@"},
		{"over, then token", overLimit + "@@b@@", overLimit + "B"},
		{"over, broken close", "@@" + pad(MaxTokenLen) + "a@b@@b@@", "@@" + pad(MaxTokenLen) + "a@bB"},
		{"over, bad byte then token", "@@" + pad(MaxTokenLen) + "-@@a@@", "@@" + pad(MaxTokenLen) + "-A"},
		{"over, ends inside", "@@" + pad(MaxTokenLen+10), "@@" + pad(MaxTokenLen+10)},
		{"over, ends after @", "@@" + pad(MaxTokenLen) + "a@", "@@" + pad(MaxTokenLen) + "a@"},
		{"long key", longKey, longKey},
		{"twice the limit", "@@" + pad(3*MaxTokenLen) + "a" + pad(MaxTokenLen) + "@@", "@@" + pad(3*MaxTokenLen) + "a" + pad(MaxTokenLen) + "@@"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Len(t, atLimit, MaxTokenLen)
			got := realizeString(t, tt.in, testValues)
			require.True(t, got == tt.want, "got %d bytes, want %d", len(got), len(tt.want))
			require.True(t, got == string(realizeRef([]byte(tt.in), testValues)), "differs from the reference")
			for _, r := range chunkings(tt.in) {
				got := readAllString(t, r.r)
				require.True(t, got == tt.want, "%s: got %d bytes, want %d", r.name, len(got), len(tt.want))
			}
		})
	}
}

type namedReader struct {
	name string
	r    io.Reader
}

// chunkings returns readers that deliver in in pieces of varied sizes.
func chunkings(in string) []namedReader {
	return []namedReader{
		{"whole", strings.NewReader(in)},
		{"OneByteReader", iotest.OneByteReader(strings.NewReader(in))},
		{"HalfReader", iotest.HalfReader(strings.NewReader(in))},
		{"DataErrReader", iotest.DataErrReader(strings.NewReader(in))},
		{"chunks of 7", &chunkReader{data: []byte(in), sizes: []int{7}}},
		{"chunks of 1 2 3 5 8", &chunkReader{data: []byte(in), sizes: []int{1, 2, 3, 5, 8}}},
	}
}

// chunkReader returns data in pieces of the given sizes, cycling through them.
type chunkReader struct {
	data  []byte
	sizes []int
	i     int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := c.sizes[c.i%len(c.sizes)]
	c.i++
	n = min(n, len(p), len(c.data))
	copy(p, c.data[:n])
	c.data = c.data[n:]
	return n, nil
}

func readAllString(t testing.TB, src io.Reader) string {
	t.Helper()
	b, err := io.ReadAll(NewReader(src, testValues))
	require.NoError(t, err)
	return string(b)
}

// splitInputs are realized with every possible split of the input in two
// reads, and with one- and two-byte reads on both sides of the reader.
var splitInputs = []string{
	"@@a@@",
	"x @@ a.b @@ y @@nope@@ z",
	"@@@@a@@@@b@@",
	"@@\r\n\ta.\r\n@@\r\n@@\v b \f@@",
	"@@a@b@@ @@a..b@@ @@.a@@ @@-@@a@@ @",
	"@@ \t\n@@x_1@@@",
	"\xef\xbb\xbf\xff@@at@@\x00@@dollar@@@@backslash@@@@empty@@!",
}

func TestRealizeSplitAnywhere(t *testing.T) {
	inputs := splitInputs
	for _, tt := range realizeTests {
		inputs = append(inputs, tt.in)
	}
	for _, in := range inputs {
		want := string(realizeRef([]byte(in), testValues))
		for k := 0; k <= len(in); k++ {
			src := &chunkReader{data: []byte(in), sizes: []int{k, len(in)}}
			if k == 0 {
				src.sizes = []int{len(in) + 1}
			}
			got := readAllString(t, src)
			if got != want {
				t.Fatalf("input %q split at %d: got %q, want %q", in, k, got, want)
			}
		}
		for _, r := range chunkings(in) {
			if got := readAllString(t, r.r); got != want {
				t.Fatalf("input %q, %s: got %q, want %q", in, r.name, got, want)
			}
		}
		// Small reads from the realizing reader, which splits values too.
		for _, size := range []int{1, 2, 3} {
			r := NewReader(iotest.OneByteReader(strings.NewReader(in)), testValues)
			var got []byte
			buf := make([]byte, size)
			for {
				n, err := r.Read(buf)
				got = append(got, buf[:n]...)
				if err == io.EOF {
					break
				}
				require.NoError(t, err)
			}
			if string(got) != want {
				t.Fatalf("input %q, reads of %d: got %q, want %q", in, size, got, want)
			}
		}
	}
}

func TestReaderConformance(t *testing.T) {
	for _, in := range splitInputs {
		want := realizeRef([]byte(in), testValues)
		if err := iotest.TestReader(NewReader(strings.NewReader(in), testValues), want); err != nil {
			t.Errorf("input %q: %v", in, err)
		}
	}
}

// TestRealizeEmptyValuesIsIdentity checks, on pseudo-random inputs rich in
// token syntax, that realizing with no values changes nothing (R143, R146).
func TestRealizeEmptyValuesIsIdentity(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte("@@@@ a.b_\t\r\n\v-\xff\x00")
	for i := range 2000 {
		in := make([]byte, rng.IntN(200))
		for j := range in {
			in[j] = alphabet[rng.IntN(len(alphabet))]
		}
		for _, values := range []Lookup{nil, Map{}} {
			src := &chunkReader{data: in, sizes: []int{1 + rng.IntN(16), 1 + rng.IntN(16)}}
			got, err := io.ReadAll(NewReader(src, values))
			require.NoError(t, err)
			if !bytes.Equal(got, in) {
				t.Fatalf("case %d: realize(%q) = %q", i, in, got)
			}
		}
	}
}

func TestRealizeBinaryUnchanged(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	in := make([]byte, 1<<20)
	for i := range in {
		in[i] = byte(rng.Uint32())
	}
	var out bytes.Buffer
	_, err := Realize(&out, bytes.NewReader(in), Map{})
	require.NoError(t, err)
	require.True(t, bytes.Equal(in, out.Bytes()))
}

// TestRealizeHash shows how a realized file's hash (R6) is taken: over the
// realized bytes, in the same pass that writes them.
func TestRealizeHash(t *testing.T) {
	const in = "host=@@rhq.deploy.dir@@\r\n"
	var file bytes.Buffer
	h := md5.New()
	_, err := Realize(io.MultiWriter(&file, h), strings.NewReader(in), testValues)
	require.NoError(t, err)
	require.Equal(t, "host=/opt/app\r\n", file.String())
	want := md5.Sum([]byte("host=/opt/app\r\n"))
	require.Equal(t, want[:], h.Sum(nil))
}

var errSource = errors.New("disk on fire")

func TestReaderSourceError(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"after text", "text", "text"},
		{"inside a token", "x@@a", "x@@a"},
		{"after a token", "@@a@@", "A"},
		{"nothing read", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := io.MultiReader(strings.NewReader(tt.in), iotest.ErrReader(errSource))
			got, err := io.ReadAll(NewReader(src, testValues))
			require.ErrorIs(t, err, errSource)
			require.Equal(t, tt.want, string(got))

			var out bytes.Buffer
			src = io.MultiReader(strings.NewReader(tt.in), iotest.ErrReader(errSource))
			n, err := Realize(&out, src, testValues)
			require.ErrorIs(t, err, errSource)
			require.Equal(t, tt.want, out.String())
			require.Equal(t, int64(len(tt.want)), n)
		})
	}
}

func TestReaderErrorIsSticky(t *testing.T) {
	r := NewReader(iotest.TimeoutReader(strings.NewReader("@@a@@ and more")), testValues)
	buf := make([]byte, 64)
	_, err := r.Read(buf)
	require.NoError(t, err)
	for range 2 {
		n, err := r.Read(buf)
		require.ErrorIs(t, err, iotest.ErrTimeout)
		require.Zero(t, n)
	}
}

type stuckReader struct{}

func (stuckReader) Read([]byte) (int, error) { return 0, nil }

type lyingReader struct{}

func (lyingReader) Read(p []byte) (int, error) { return len(p) + 1, nil }

func TestReaderBrokenSource(t *testing.T) {
	_, err := io.ReadAll(NewReader(stuckReader{}, testValues))
	require.ErrorIs(t, err, io.ErrNoProgress)
	_, err = io.ReadAll(NewReader(lyingReader{}, testValues))
	require.ErrorIs(t, err, errBadCount)
}

type failWriter struct{ n int }

var errSink = errors.New("disk full")

func (w *failWriter) Write(p []byte) (int, error) {
	if len(p) <= w.n {
		w.n -= len(p)
		return len(p), nil
	}
	n := w.n
	w.n = 0
	return n, errSink
}

type shortWriter struct{}

func (shortWriter) Write(p []byte) (int, error) { return len(p) / 2, nil }

func TestRealizeWriteError(t *testing.T) {
	tests := []struct {
		in         string
		shortWrote int64 // half of the first write
	}{
		{"0123456789", 5},
		{"01234@@a@@", 3},
		{"@@dollar@@", 4},
	}
	for _, tt := range tests {
		n, err := Realize(&failWriter{n: 3}, strings.NewReader(tt.in), testValues)
		require.ErrorIs(t, err, errSink, tt.in)
		require.Equal(t, int64(3), n, tt.in)

		n, err = Realize(shortWriter{}, strings.NewReader(tt.in), testValues)
		require.ErrorIs(t, err, io.ErrShortWrite, tt.in)
		require.Equal(t, tt.shortWrote, n, tt.in)
	}
}

// TestReaderMixedCalls reads part of the output with Read and the rest with
// WriteTo (io.Copy), as a caller sniffing a header would.
func TestReaderMixedCalls(t *testing.T) {
	const in = "@@dollar@@ then @@a@@ and @@backslash@@"
	want := string(realizeRef([]byte(in), testValues))
	for k := 0; k <= len(want); k++ {
		r := NewReader(iotest.HalfReader(strings.NewReader(in)), testValues)
		head := make([]byte, k)
		_, err := io.ReadFull(r, head)
		require.NoError(t, err)
		var rest bytes.Buffer
		_, err = io.Copy(&rest, r)
		require.NoError(t, err)
		if diff := cmp.Diff(want, string(head)+rest.String()); diff != "" {
			t.Fatalf("split at %d (-want +got):\n%s", k, diff)
		}
		n, err := r.Read(make([]byte, 1))
		require.Equal(t, io.EOF, err)
		require.Zero(t, n)
	}
}

func TestMapLookup(t *testing.T) {
	v, ok := Map{"k": ""}.Lookup("k")
	require.True(t, ok)
	require.Empty(t, v)
	_, ok = Map{"k": "v"}.Lookup("K")
	require.False(t, ok)
	_, ok = Map(nil).Lookup("k")
	require.False(t, ok)
}

// addTokenSeeds seeds a fuzz target of (input, chunks) with the realize
// tests' inputs and the inputs split across reads.
func addTokenSeeds(f *testing.F) {
	for _, tt := range realizeTests {
		f.Add([]byte(tt.in), []byte{3, 1})
	}
	for _, in := range splitInputs {
		f.Add([]byte(in), []byte{1})
	}
}

// chunkSizes turns a fuzzer's chunks into read sizes for a chunkReader of in:
// each byte plus one, or in at once when there are none.
func chunkSizes(in, chunks []byte) []int {
	if len(chunks) == 0 {
		return []int{len(in) + 1}
	}
	sizes := make([]int, 0, len(chunks))
	for _, c := range chunks {
		sizes = append(sizes, int(c)+1)
	}
	return sizes
}

// FuzzRealize checks the streaming reader against the in-memory reference for
// any input and any chunking of the reads, and that realizing with no values
// is the identity.
func FuzzRealize(f *testing.F) {
	addTokenSeeds(f)
	f.Fuzz(func(t *testing.T, in, chunks []byte) {
		sizes := chunkSizes(in, chunks)
		want := realizeRef(in, testValues)
		got, err := io.ReadAll(NewReader(&chunkReader{data: in, sizes: sizes}, testValues))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("realize(%q) with reads of %v\n got %q\nwant %q", in, sizes, got, want)
		}
		var out bytes.Buffer
		if _, err := Realize(&out, &chunkReader{data: in, sizes: sizes}, testValues); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out.Bytes(), want) {
			t.Fatalf("Realize(%q) with reads of %v\n got %q\nwant %q", in, sizes, out.Bytes(), want)
		}
		got, err = io.ReadAll(NewReader(&chunkReader{data: in, sizes: sizes}, Map{}))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, in) {
			t.Fatalf("realize(%q) without values = %q", in, got)
		}
	})
}

// TestRealizeLargeValue covers values larger than WriteTo's gathering buffer,
// which are written directly.
func TestRealizeLargeValue(t *testing.T) {
	big := strings.Repeat("v", 3*writeBufSize)
	values := Map{"big": big}
	in := "a@@big@@b@@big@@"
	want := "a" + big + "b" + big
	require.True(t, realizeString(t, in, values) == want)

	n, err := Realize(&failWriter{n: 10}, strings.NewReader(in), values)
	require.ErrorIs(t, err, errSink)
	require.Equal(t, int64(10), n)
}

func TestNewWatchingReader(t *testing.T) {
	values := Map{"id": "123456789", "x": "xx", "empty": ""}
	tests := []struct {
		name, in string
		key      string
		want     []int64
	}{
		{"none", "no tokens here", "id", nil},
		{"other keys only", "@@x@@ and @@x@@", "id", nil},
		{"start and end", "@@id@@ mid @@id@@", "id", []int64{0, 14}},
		{"after other values", "@@x@@@@id@@-@@ id @@", "id", []int64{2, 12}},
		{"unknown key not reported", "@@nope@@ @@id@@", "nope", nil},
		{"empty value", "a@@empty@@b@@empty@@", "empty", []int64{1, 2}},
		{"not a token", "@@id @ @@id@", "id", nil},
		{"after a long token", "@@" + strings.Repeat("k", MaxTokenLen) + "@@ @@id@@", "id", []int64{MaxTokenLen + 5}},
	}
	for _, tt := range tests {
		for _, mode := range []string{"read", "writeTo"} {
			t.Run(tt.name+"/"+mode, func(t *testing.T) {
				var got []int64
				z := NewWatchingReader(iotest.OneByteReader(strings.NewReader(tt.in)), values, tt.key, func(off int64) { got = append(got, off) })
				var out []byte
				var err error
				if mode == "read" {
					out, err = io.ReadAll(struct{ io.Reader }{z})
				} else {
					var b bytes.Buffer
					_, err = z.(io.WriterTo).WriteTo(&b)
					out = b.Bytes()
				}
				require.NoError(t, err)
				want, err := io.ReadAll(NewReader(strings.NewReader(tt.in), values))
				require.NoError(t, err)
				require.Equal(t, string(want), string(out), "the same output as NewReader")
				require.Equal(t, tt.want, got)
				v, _ := values.Lookup(tt.key)
				for _, off := range got {
					require.Equal(t, v, string(out[off:off+int64(len(v))]))
				}
			})
		}
	}
}
