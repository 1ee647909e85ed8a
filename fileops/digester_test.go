package fileops

import (
	"crypto/md5"
	"encoding/hex"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestDigester: the digests of a stream are the same whether it is hashed
// inline (small) or on the digester's goroutine (past parallelMin), for
// writes of any size, the buffer handed to Write reused at once as
// io.CopyBuffer does.
func TestDigester(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	tests := []struct {
		name  string
		size  int
		chunk int
	}{
		{"empty", 0, 1},
		{"small", 1000, 7},
		{"at the threshold", parallelMin, copyBufferSize},
		{"one past it", parallelMin + 1, copyBufferSize},
		{"large, copy-sized writes", 3*parallelMin + 12345, copyBufferSize},
		{"large, odd writes", 2*parallelMin + 999, 100_003},
		{"writes larger than a buffer", 2*parallelMin + 5, 3*copyBufferSize + 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := make([]byte, tt.size)
			for i := range data {
				data[i] = byte(rng.Uint32())
			}
			d := newDigester()
			scratch := make([]byte, tt.chunk)
			for off := 0; off < len(data); off += tt.chunk {
				n := copy(scratch, data[off:])
				w, err := d.Write(scratch[:n])
				require.NoError(t, err)
				require.Equal(t, n, w)
				for i := range scratch {
					scratch[i] = 0xAA // the caller reuses its buffer
				}
			}
			sum, digest := d.sums()
			m := md5.Sum(data)
			require.Equal(t, hex.EncodeToString(m[:]), sum)
			require.Equal(t, hex.EncodeToString(naiveDigest(data, ContentChunkSize)), digest)
			d.stop() // again: harmless
		})
	}
}

// TestDigesterStopped: a digester abandoned mid-stream (a failed copy) ends
// its goroutine on stop.
func TestDigesterStopped(t *testing.T) {
	d := newDigester()
	_, err := d.Write(make([]byte, parallelMin+copyBufferSize))
	require.NoError(t, err)
	require.NotNil(t, d.work)
	d.stop()
	require.Nil(t, d.work)
}

func BenchmarkDigester(b *testing.B) {
	data := make([]byte, 64<<20)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		d := newDigester()
		for off := 0; off < len(data); off += copyBufferSize {
			d.Write(data[off : off+copyBufferSize])
		}
		d.sums()
	}
}
