package hugeheap

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDisabled(t *testing.T) {
	tests := []struct {
		godebug string
		want    bool
	}{
		{"", false},
		{"disablethp=1", true},
		{"gctrace=1,disablethp=1", true},
		{"disablethp=0", false},
		{"madvdontneed=1", false},
	}
	for _, tt := range tests {
		t.Run(tt.godebug, func(t *testing.T) {
			t.Setenv("GODEBUG", tt.godebug)
			require.Equal(t, tt.want, disabled())
		})
	}
}

// Reserve is advice: whatever the system, it returns and the heap works.
func TestReserve(t *testing.T) {
	Reserve(4 << 20)
	Reserve(0)
	Reserve(-1)
	b := make([]byte, 1<<20)
	b[len(b)-1] = 1
	require.Equal(t, byte(1), b[len(b)-1])
}
