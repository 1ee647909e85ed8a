package gclimit

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestFollow: the limit stays at its floor while the live heap is small, and
// rises to ratio times the live heap once that is larger.
func TestFollow(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	const floor = 8 << 20
	Follow(floor, 1.5)
	require.Equal(t, int64(floor), debug.SetMemoryLimit(-1))

	runtime.GC()
	waitFinalizers()
	require.Equal(t, int64(floor), debug.SetMemoryLimit(-1), "a small live heap leaves the floor")

	live := make([][]byte, 32)
	for i := range live {
		live[i] = make([]byte, 1<<20)
	}
	var limit int64
	for range 50 {
		runtime.GC()
		waitFinalizers()
		if limit = debug.SetMemoryLimit(-1); limit > floor {
			break
		}
	}
	runtime.KeepAlive(live)
	require.GreaterOrEqual(t, limit, int64(32<<20*1.5), "the limit follows a live heap of 32 MiB")
	require.Less(t, limit, int64(64<<20), "to about 1.5 times it")
}

// waitFinalizers gives the finalizer goroutine the time to run.
func waitFinalizers() {
	for range 10 {
		runtime.Gosched()
		time.Sleep(time.Millisecond)
	}
}
