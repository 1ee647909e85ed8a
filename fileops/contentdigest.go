package fileops

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
)

// ContentChunkSize is the chunk size C of the content digest (see the
// package documentation): content of at most C bytes has its plain SHA-256
// as digest, larger content a digest of the SHA-256 of each C-byte chunk.
const ContentChunkSize = 4 << 20

// ContentDigestSize is the length in bytes of a content digest (64 hex
// digits).
const ContentDigestSize = sha256.Size

// NewContentHash returns a hash.Hash computing the content digest (see the
// package documentation) of the bytes written to it, on the caller's
// goroutine. Besides the hash states it keeps 32 bytes per 4 MiB chunk
// written, 8 KiB per GiB, because the root begins with the length, known
// only at the end.
func NewContentHash() hash.Hash { return newContentHash(ContentChunkSize) }

// ContentDigest returns the content digest of b in lowercase hex.
func ContentDigest(b []byte) string {
	h := NewContentHash()
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
}

// contentHash implements NewContentHash for any chunk size, so that tests
// can cross chunk boundaries with small content.
type contentHash struct {
	chunk  int64
	leaf   hash.Hash // SHA-256 of the chunk being written
	inLeaf int64     // bytes of it written
	size   int64     // bytes written in all
	leaves []byte    // the SHA-256 of each chunk before it
}

func newContentHash(chunk int64) *contentHash {
	return &contentHash{chunk: chunk, leaf: sha256.New()}
}

func (h *contentHash) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		// A full chunk is closed only when more bytes follow, so that
		// content of exactly one chunk keeps its plain SHA-256.
		if h.inLeaf == h.chunk {
			h.leaves = h.leaf.Sum(h.leaves)
			h.leaf.Reset()
			h.inLeaf = 0
		}
		k := min(int64(len(p)), h.chunk-h.inLeaf)
		h.leaf.Write(p[:k])
		h.inLeaf += k
		h.size += k
		p = p[k:]
	}
	return n, nil
}

func (h *contentHash) Sum(b []byte) []byte {
	if h.size <= h.chunk {
		return h.leaf.Sum(b)
	}
	root := newRoot(h.chunk, h.size)
	root.Write(h.leaves)
	root.Write(h.leaf.Sum(nil))
	return root.Sum(b)
}

func (h *contentHash) Reset() {
	h.leaf.Reset()
	h.inLeaf, h.size, h.leaves = 0, 0, h.leaves[:0]
}

func (h *contentHash) Size() int      { return ContentDigestSize }
func (h *contentHash) BlockSize() int { return sha256.BlockSize }

// newRoot returns the hash of the root of content of size bytes (more than
// chunk), with its prefix and length written: the leaves follow.
//
// The root is SHA-512/256, not SHA-256, on purpose: its initial values
// differ, so no content of at most one chunk, whose digest is its plain
// SHA-256, can have the digest of larger content short of breaking one of
// the two, and the store, which names objects by digest, never takes one
// content for another.
func newRoot(chunk, size int64) hash.Hash {
	root := sha512.New512_256()
	fmt.Fprintf(root, "bundlekit tree sha256 %d\n", chunk)
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(size))
	root.Write(n[:])
	return root
}

// errSizeChanged: a file's size changed while it was hashed in parallel, so
// no digest of its content can be told.
var errSizeChanged = errors.New("the file changed size while it was hashed")

// digestAt returns the content digest, with chunk size chunk, of the size
// bytes r holds, hashing the chunks on min(GOMAXPROCS, chunks) goroutines,
// each reading with ReadAt into one pooled copy buffer: memory does not
// grow with size, but for the 32 bytes of each chunk's SHA-256. Bytes
// missing below size, or present at size, are errSizeChanged: a digest
// returned is that of the content between two reads of its length that
// agree.
func digestAt(r io.ReaderAt, size, chunk int64) ([]byte, error) {
	if size <= chunk {
		buf := getBuffer()
		defer putBuffer(buf)
		h := sha256.New()
		if err := hashRange(r, h, 0, size, buf); err != nil {
			return nil, err
		}
		return h.Sum(nil), checkEnd(r, size)
	}
	n := (size + chunk - 1) / chunk
	leaves := make([]byte, n*sha256.Size)
	var (
		next   atomic.Int64
		failed atomic.Bool
		once   sync.Once
		first  error
		wg     sync.WaitGroup
	)
	for range min(int64(runtime.GOMAXPROCS(0)), n) {
		wg.Go(func() {
			buf := getBuffer()
			defer putBuffer(buf)
			h := sha256.New()
			for i := next.Add(1) - 1; i < n && !failed.Load(); i = next.Add(1) - 1 {
				off := i * chunk
				h.Reset()
				if err := hashRange(r, h, off, min(off+chunk, size), buf); err != nil {
					once.Do(func() { first = err })
					failed.Store(true)
					return
				}
				h.Sum(leaves[i*sha256.Size : i*sha256.Size])
			}
		})
	}
	wg.Wait()
	if first != nil {
		return nil, first
	}
	if err := checkEnd(r, size); err != nil {
		return nil, err
	}
	root := newRoot(chunk, size)
	root.Write(leaves)
	return root.Sum(nil), nil
}

// hashRange writes the bytes of r from off to end to h, through buf.
func hashRange(r io.ReaderAt, h hash.Hash, off, end int64, buf *[]byte) error {
	for off < end {
		b := (*buf)[:min(int64(len(*buf)), end-off)]
		k, err := r.ReadAt(b, off)
		h.Write(b[:k])
		off += int64(k)
		switch {
		case k == len(b):
		case errors.Is(err, io.EOF):
			return errSizeChanged
		case err != nil:
			return err
		default:
			return io.ErrNoProgress // ReadAt broke its contract
		}
	}
	return nil
}

// checkEnd checks that r holds no byte at size.
func checkEnd(r io.ReaderAt, size int64) error {
	var b [1]byte
	k, err := r.ReadAt(b[:], size)
	switch {
	case k > 0:
		return errSizeChanged
	case err != nil && !errors.Is(err, io.EOF):
		return err
	}
	return nil
}
