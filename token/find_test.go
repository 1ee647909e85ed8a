package token

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
)

// findRef is the reference Find is checked against: the tokens of the
// in-memory grammar (refToken), with their offsets and lines, leaving out
// those longer than MaxTokenLen as the Reader does.
func findRef(in []byte) []Found {
	var out []Found
	for _, m := range refToken.FindAllSubmatchIndex(in, -1) {
		if m[1]-m[0] > MaxTokenLen {
			continue
		}
		out = append(out, Found{Key: string(in[m[2]:m[3]]), Offset: int64(m[0]), Line: 1 + bytes.Count(in[:m[0]], []byte{'\n'})})
	}
	return out
}

func findAll(t testing.TB, src []byte, sizes []int) []Found {
	t.Helper()
	var got []Found
	err := Find(&chunkReader{data: src, sizes: sizes}, func(f Found) error {
		got = append(got, f)
		return nil
	})
	require.NoError(t, err)
	return got
}

func TestFind(t *testing.T) {
	tests := []struct {
		rule, name, in string
		want           []Found
	}{
		{"R140", "none", "no tokens here\n", nil},
		{"R140", "one per line", "a=@@a@@\nb=@@ b.c @@\n", []Found{{"a", 2, 1}, {"b.c", 10, 2}}},
		{"R140", "spanning lines is found on its first", "x\n@@\n key \n@@ @@y@@", []Found{{"key", 2, 2}, {"y", 14, 4}}},
		{"R142", "leftmost, not overlapping", "@@@@a@@@@b@@", []Found{{"a", 2, 1}, {"b", 7, 1}}},
		{"R141", "not keys", "@@a..b@@ @@.a@@ @@max-heap@@ @a@", nil},
		{"R145", "unterminated", "x @@a", nil},
		{"R140", "CRLF lines", "\r\n\r\n@@k@@", []Found{{"k", 4, 3}}},
	}
	for _, tt := range tests {
		t.Run(tt.rule+"/"+tt.name, func(t *testing.T) {
			for _, size := range []int{1, 2, 3, len(tt.in) + 1} {
				got := findAll(t, []byte(tt.in), []int{size})
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Fatalf("Find(%q) with reads of %d (-want +got):\n%s", tt.in, size, diff)
				}
			}
		})
	}
}

func TestFindLongToken(t *testing.T) {
	long := "@@" + strings.Repeat(" ", MaxTokenLen) + "k@@"
	got := findAll(t, []byte("@@a@@\n"+long+"\n@@b@@"), []int{4096})
	require.Equal(t, []Found{{"a", 0, 1}, {"b", int64(6 + len(long) + 1), 3}}, got, "a token longer than MaxTokenLen is not found")
}

func TestFindErrors(t *testing.T) {
	stop := errors.New("stop")
	calls := 0
	err := Find(strings.NewReader("@@a@@ @@b@@"), func(Found) error { calls++; return stop })
	require.ErrorIs(t, err, stop)
	require.Equal(t, 1, calls, "Find stops at the first error of fn")

	broken := errors.New("broken")
	err = Find(iotest.ErrReader(broken), func(Found) error { return nil })
	require.ErrorIs(t, err, broken)
}

// FuzzFind checks Find against the in-memory grammar for any input and any
// chunking of the reads, and that it finds exactly the keys a Reader looks
// up.
func FuzzFind(f *testing.F) {
	addTokenSeeds(f)
	f.Fuzz(func(t *testing.T, in, chunks []byte) {
		sizes := chunkSizes(in, chunks)
		got := findAll(t, in, sizes)
		if diff := cmp.Diff(findRef(in), got); diff != "" {
			t.Fatalf("Find(%q) with reads of %v (-want +got):\n%s", in, sizes, diff)
		}
		var looked []string
		lookup := lookupFunc(func(key string) (string, bool) {
			looked = append(looked, key)
			return "", false
		})
		_, err := Realize(new(bytes.Buffer), &chunkReader{data: in, sizes: sizes}, lookup)
		require.NoError(t, err)
		var keys []string
		for _, f := range got {
			keys = append(keys, f.Key)
		}
		if diff := cmp.Diff(looked, keys); diff != "" {
			t.Fatalf("Find(%q) and a Reader disagree on the tokens (-looked up +found):\n%s", in, diff)
		}
	})
}

type lookupFunc func(string) (string, bool)

func (f lookupFunc) Lookup(key string) (string, bool) { return f(key) }
