package readall

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/require"
)

func TestString(t *testing.T) {
	name := filepath.Join(t.TempDir(), "f")
	want := strings.Repeat("line\tof\ttext\n", 10000)
	require.NoError(t, os.WriteFile(name, []byte(want), 0o644))
	f, err := os.Open(name)
	require.NoError(t, err)
	defer f.Close()
	got, err := String(f)
	require.NoError(t, err)
	require.Equal(t, want, got)

	for _, want := range []string{"", "a reader without Stat"} {
		got, err := String(iotest.OneByteReader(strings.NewReader(want)))
		require.NoError(t, err)
		require.Equal(t, want, got)
	}

	boom := errors.New("boom")
	_, err = String(iotest.ErrReader(boom))
	require.ErrorIs(t, err, boom)
}

// TestStringAllocations: a file of any size costs the same few allocations
// (its FileInfo, the string, io.Copy's buffer), never a buffer that doubles.
func TestStringAllocations(t *testing.T) {
	name := filepath.Join(t.TempDir(), "f")
	require.NoError(t, os.WriteFile(name, []byte(strings.Repeat("x", 1<<20)), 0o644))
	f, err := os.Open(name)
	require.NoError(t, err)
	defer f.Close()
	allocs := testing.AllocsPerRun(10, func() {
		if _, err := f.Seek(0, 0); err != nil {
			t.Fatal(err)
		}
		if _, err := String(f); err != nil {
			t.Fatal(err)
		}
	})
	require.LessOrEqual(t, allocs, 4.0)
}
