package hugeheap

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestHugeRange(t *testing.T) {
	const mib = 1 << 20
	tests := []struct {
		name       string
		p, n       uintptr
		start, end uintptr
	}{
		{"aligned", 4 * mib, 2 * mib, 4 * mib, 6 * mib},
		{"inside one page", 4*mib + 4096, 8192, 4 * mib, 6 * mib},
		{"crosses a boundary", 5 * mib, 2 * mib, 4 * mib, 8 * mib},
		{"ends on a boundary", 3 * mib, 3 * mib, 2 * mib, 6 * mib},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start, end := hugeRange(tt.p, tt.n)
			require.Equal(t, [2]uintptr{tt.start, tt.end}, [2]uintptr{start, end})
		})
	}
}

// TestAdvise checks with the kernel's own account that the advised memory
// may be backed by huge pages: every mapping in the range is "THPeligible".
func TestAdvise(t *testing.T) {
	mode, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
	if err != nil || strings.Contains(string(mode), "[never]") {
		t.Skipf("transparent huge pages are off here (%q, %v)", mode, err)
	}
	b := make([]byte, 8<<20)
	start, end, err := advise(b)
	require.NoError(t, err)
	require.Positive(t, end-start)

	eligible := smapsEligible(t, start, end)
	require.NotEmpty(t, eligible, "no mapping covers %#x-%#x", start, end)
	for vma, ok := range eligible {
		require.True(t, ok, "mapping %s in the advised range is not THPeligible", vma)
	}
}

// smapsEligible returns, for each of this process's mappings that overlaps
// [start, end), whether smaps calls it THPeligible.
func smapsEligible(t *testing.T, start, end uintptr) map[string]bool {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	require.NoError(t, err)
	defer f.Close()
	got := map[string]bool{}
	var current string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		var lo, hi uintptr
		if n, _ := fmt.Sscanf(line, "%x-%x ", &lo, &hi); n == 2 && strings.Contains(line, " ") {
			current = ""
			if lo < end && hi > start {
				current = fmt.Sprintf("%#x-%#x", lo, hi)
			}
			continue
		}
		if v, ok := strings.CutPrefix(line, "THPeligible:"); ok && current != "" {
			got[current] = strings.TrimSpace(v) == "1"
		}
	}
	require.NoError(t, sc.Err())
	return got
}
