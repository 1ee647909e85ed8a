package fileops

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// naiveDigest is the content digest by its definition (see the package
// documentation), with chunk size chunk: the reference the implementations
// are checked against.
func naiveDigest(b []byte, chunk int) []byte {
	if len(b) <= chunk {
		sum := sha256.Sum256(b)
		return sum[:]
	}
	root := sha512.New512_256()
	fmt.Fprintf(root, "bundlekit tree sha256 %d\n", chunk)
	binary.Write(root, binary.BigEndian, uint64(len(b)))
	for off := 0; off < len(b); off += chunk {
		leaf := sha256.Sum256(b[off:min(off+chunk, len(b))])
		root.Write(leaf[:])
	}
	return root.Sum(nil)
}

// streamDigest is the content digest of b written to the streaming hash in
// pieces of step bytes.
func streamDigest(b []byte, chunk int64, step int) []byte {
	h := newContentHash(chunk)
	for off := 0; off < len(b); off += step {
		h.Write(b[off:min(off+step, len(b))])
	}
	return h.Sum(nil)
}

func randomBytes(seed uint64, n int) []byte {
	rng := rand.New(rand.NewPCG(seed, seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

// TestContentDigestKnownAnswers: up to one chunk the digest is the plain
// SHA-256 (what sha256sum prints); past it, the values below were computed
// apart from this code (Python's hashlib, by the definition).
func TestContentDigestKnownAnswers(t *testing.T) {
	pattern := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(i * 7 % 251)
		}
		return string(b)
	}
	const c = ContentChunkSize
	for _, tt := range []struct {
		name, content, want string
	}{
		{"empty", "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"abc", "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{"one chunk of a", strings.Repeat("a", c), "299285fc41a44cdb038b9fdaf494c76ca9d0c866672b2b266c1a0c17dda60a05"},
		{"one chunk and a byte of a", strings.Repeat("a", c+1), "ee3d9fe25cc7b289570f57c1b92ca6cccee4eb4cf356899da0bdff4400cac9ae"},
		{"3C+5 of a", strings.Repeat("a", 3*c+5), "036e15482cc2f94725e66aaf25e5a42266e2211b8bacdd11bcf0dc50d7d044ae"},
		{"C+1 of a pattern", pattern(c + 1), "4ae6eec36eaacb4834c52f1a9b9517c78f1656593078fe0fb12614c2ba78716f"},
		{"2C of a pattern", pattern(2 * c), "95a0fe87fdc4e2332fc7571585fdb95eb9d2a4ee04de4e59a50ecf2aa0d34ead"},
		{"3C+5 of a pattern", pattern(3*c + 5), "26acbbdede2072257a405e5c8e16dc9cd71418a9e322ab0cd74e33b2b295d7ef"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, ContentDigest([]byte(tt.content)))
			require.Equal(t, tt.want, hex.EncodeToString(naiveDigest([]byte(tt.content), c)), "the test's reference")
			if len(tt.content) <= c {
				sum := sha256.Sum256([]byte(tt.content))
				require.Equal(t, hex.EncodeToString(sum[:]), tt.want, "plain SHA-256")
			}
		})
	}
}

// TestContentDigestSizes: the streaming hash, the parallel hasher and
// HashFiles (which chooses between them) agree with the definition at and
// around the chunk boundaries.
func TestContentDigestSizes(t *testing.T) {
	const c = ContentChunkSize
	dir := t.TempDir()
	d, err := OpenDir(dir)
	require.NoError(t, err)
	defer d.Close()
	for i, size := range []int{0, 1, c - 1, c, c + 1, 2 * c, 2*c + 1, 3*c + 5} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			data := randomBytes(uint64(i), size)
			want := hex.EncodeToString(naiveDigest(data, c))
			require.Equal(t, want, hex.EncodeToString(streamDigest(data, c, 100_003)), "streaming")
			require.Equal(t, want, ContentDigest(data))
			sum, err := digestAt(bytes.NewReader(data), int64(size), c)
			require.NoError(t, err)
			require.Equal(t, want, hex.EncodeToString(sum), "parallel")

			name := fmt.Sprintf("f%d", size)
			require.NoError(t, os.WriteFile(filepath.Join(dir, name), data, 0o644))
			m := md5.Sum(data)
			require.Equal(t, []FileHash{{ContentDigest: want}}, d.HashFiles([]string{name}, DigestContent))
			require.Equal(t, []FileHash{{MD5: hex.EncodeToString(m[:]), ContentDigest: want}}, d.HashFiles([]string{name}, DigestMD5|DigestContent))
			require.Equal(t, FileHash{ContentDigest: want}, d.hashOne(name, DigestContent), "the portable path")

			w, err := d.WriteFile(t.Context(), "w"+name, bytes.NewReader(data), 0)
			require.NoError(t, err)
			require.Equal(t, want, w.ContentDigest, "the write path")
		})
	}
}

// TestContentHashReset: a reset hash is a new one, and Sum does not change
// the state.
func TestContentHashReset(t *testing.T) {
	data := randomBytes(7, 100)
	h := newContentHash(8)
	h.Write(data)
	first := h.Sum(nil)
	require.Equal(t, first, h.Sum(nil))
	h.Write(data)
	require.Equal(t, naiveDigest(append(bytes.Clone(data), data...), 8), h.Sum(nil))
	h.Reset()
	h.Write(data)
	require.Equal(t, first, h.Sum(nil))
	require.Equal(t, naiveDigest(data, 8), first)
	require.Equal(t, ContentDigestSize, h.Size())
	require.Equal(t, []byte("x"), h.Sum([]byte("x"))[:1], "Sum appends")
}

// changingFile is a file that changes under the parallel hasher: change
// runs once, at the first read at or past at.
type changingFile struct {
	*os.File
	at     int64
	change func()
	once   sync.Once
}

func (f *changingFile) ReadAt(p []byte, off int64) (int, error) {
	if off >= f.at {
		f.once.Do(f.change)
	}
	return f.File.ReadAt(p, off)
}

// TestDigestAtSizeChanges: a file truncated or extended while it is hashed
// in parallel is an error, or a digest that is not its content's, never a
// panic.
func TestDigestAtSizeChanges(t *testing.T) {
	const chunk, size = 1 << 10, 10<<10 + 17
	data := randomBytes(3, size)
	for name, change := range map[string]func(f *os.File){
		"truncated":        func(f *os.File) { require.NoError(t, f.Truncate(size/2)) },
		"emptied":          func(f *os.File) { require.NoError(t, f.Truncate(0)) },
		"truncated by one": func(f *os.File) { require.NoError(t, f.Truncate(size-1)) },
		"extended":         func(f *os.File) { _, err := f.WriteAt([]byte("more"), size); require.NoError(t, err) },
	} {
		for _, at := range []int64{0, 3 * chunk, size - 1} {
			t.Run(fmt.Sprintf("%s at %d", name, at), func(t *testing.T) {
				p := filepath.Join(t.TempDir(), "f")
				require.NoError(t, os.WriteFile(p, data, 0o644))
				f, err := os.OpenFile(p, os.O_RDWR, 0)
				require.NoError(t, err)
				defer f.Close()
				sum, err := digestAt(&changingFile{File: f, at: at, change: func() { change(f) }}, size, chunk)
				if err == nil {
					// Truncated after the last chunk was read: the
					// digest is of what it held, not of what it holds.
					now, rerr := os.ReadFile(p)
					require.NoError(t, rerr)
					require.NotEqual(t, naiveDigest(now, chunk), sum)
					return
				}
				require.ErrorIs(t, err, errSizeChanged)
				require.Nil(t, sum)
			})
		}
	}
}

// TestDigestAtShrunk: a file that shrank between its stat and its reads is
// an error.
func TestDigestAtShrunk(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "big")
	require.NoError(t, os.WriteFile(p, randomBytes(5, 3*ContentChunkSize), 0o644))
	f, err := os.Open(p)
	require.NoError(t, err)
	defer f.Close()
	require.NoError(t, os.Truncate(p, ContentChunkSize))
	// The file shrank after its stat: digestAt is told the old size.
	_, err = digestAt(f, 3*ContentChunkSize, ContentChunkSize)
	require.ErrorIs(t, err, errSizeChanged)
}

// errorReaderAt fails every read past its good bytes.
type errorReaderAt struct {
	good int64
	err  error
}

func (r errorReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off+int64(len(p)) <= r.good {
		return len(p), nil
	}
	return max(0, int(r.good-off)), r.err
}

// TestDigestAtReadError: a read error is the parallel hasher's error.
func TestDigestAtReadError(t *testing.T) {
	failing := io.ErrClosedPipe
	for _, good := range []int64{0, 100, 5000} {
		_, err := digestAt(errorReaderAt{good: good, err: failing}, 8000, 1000)
		require.ErrorIs(t, err, failing)
	}
}

// FuzzContentDigest: the streaming hash (written in pieces of any size),
// the parallel hasher and the definition agree, on chunk sizes small enough
// for short inputs to span many chunks.
func FuzzContentDigest(f *testing.F) {
	f.Add([]byte(""), uint8(0), uint16(1))
	f.Add([]byte("abc"), uint8(2), uint16(1))
	f.Add([]byte("0123456789abcdef0123456789abcdef"), uint8(7), uint16(3))
	f.Add(bytes.Repeat([]byte{0}, 1000), uint8(63), uint16(64))
	f.Fuzz(func(t *testing.T, data []byte, c uint8, step uint16) {
		chunk := int(c%64) + 1
		want := naiveDigest(data, chunk)
		if got := streamDigest(data, int64(chunk), int(step)+1); !bytes.Equal(want, got) {
			t.Fatalf("streaming %x, want %x", got, want)
		}
		got, err := digestAt(bytes.NewReader(data), int64(len(data)), int64(chunk))
		if err != nil || !bytes.Equal(want, got) {
			t.Fatalf("parallel %x (%v), want %x", got, err, want)
		}
		if len(data) > 0 {
			if _, err := digestAt(bytes.NewReader(data), int64(len(data)-1), int64(chunk)); err == nil {
				t.Fatalf("parallel: a longer file than its size is no error")
			}
			if _, err := digestAt(bytes.NewReader(data), int64(len(data)+1), int64(chunk)); err == nil {
				t.Fatalf("parallel: a shorter file than its size is no error")
			}
		}
	})
}
