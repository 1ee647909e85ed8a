package fileops

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestDigester: the digests of a stream, and the bytes its writer gets, are
// the same whether it is written and hashed inline (small) or on the
// digester's goroutine (past parallelMin), for writes of any size, the
// buffer handed to Write reused at once as io.CopyBuffer does.
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
			var out bytes.Buffer
			d := newDigester(&out)
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
			sum, digest, err := d.sums()
			require.NoError(t, err)
			require.True(t, bytes.Equal(data, out.Bytes()), "the writer got the stream, in order")
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
	d := newDigester(nil)
	_, err := d.Write(make([]byte, parallelMin+copyBufferSize))
	require.NoError(t, err)
	require.NotNil(t, d.work)
	d.stop()
	require.Nil(t, d.work)
}

// failAfter accepts limit bytes, then fails every write.
type failAfter struct {
	limit, n int
	err      error
}

func (f *failAfter) Write(p []byte) (int, error) {
	if f.n+len(p) > f.limit {
		return 0, f.err
	}
	f.n += len(p)
	return len(p), nil
}

// TestDigesterWriteError: an error of the writer, inline or on the
// goroutine, stops the stream: a later Write or sums returns it, and no
// digest is given for what was not written.
func TestDigesterWriteError(t *testing.T) {
	full := errors.New("no space left on device")
	for _, limit := range []int{100, parallelMin + copyBufferSize, 3 * parallelMin} {
		out := &failAfter{limit: limit, err: full}
		d := newDigester(out)
		buf := make([]byte, copyBufferSize)
		var werr error
		for written := 0; written < 4*parallelMin && werr == nil; written += len(buf) {
			_, werr = d.Write(buf)
		}
		_, _, err := d.sums()
		if werr != nil {
			require.ErrorIs(t, werr, full, "limit %d", limit)
		}
		require.ErrorIs(t, err, full, "limit %d", limit)
		require.LessOrEqual(t, out.n, limit)
	}
}

func BenchmarkDigester(b *testing.B) {
	data := make([]byte, 64<<20)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		d := newDigester(nil)
		for off := 0; off < len(data); off += copyBufferSize {
			d.Write(data[off : off+copyBufferSize])
		}
		d.sums()
	}
}
