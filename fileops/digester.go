package fileops

import (
	"crypto/md5"
	"encoding/hex"
	"hash"
)

// Past parallelMin bytes a digester hashes on a goroutine of its own, so that
// a large file's MD5 and content digest (about 2.2 s of CPU per GiB here) overlap
// its inflation and writing on another core instead of adding to them. Below
// it, a goroutine and the copies it needs would cost more than they save.
const (
	parallelMin = 4 << 20
	// digestBuffers bounds the copy buffers a digester holds (chunks being
	// filled, waiting, or hashed): 768 KiB at most.
	digestBuffers = 3
)

// digester computes the MD5 (RHQ's) and the content digest (bundlekit's, see
// NewContentHash) of the bytes written to it. Write never fails. sums returns
// them once writing is done; stop releases its goroutine on any path (sums
// calls it).
type digester struct {
	md5, content hash.Hash
	n            int64
	work         chan *[]byte // chunks to hash, nil while hashing inline
	free         chan *[]byte // chunk buffers back from the hasher
	bufs         int          // buffers taken, at most digestBuffers
	done         chan struct{}
}

func newDigester() *digester {
	return &digester{md5: md5.New(), content: NewContentHash()}
}

func (d *digester) Write(p []byte) (int, error) {
	written := len(p)
	if d.work == nil && d.n+int64(len(p)) <= parallelMin {
		d.n += int64(len(p))
		d.md5.Write(p)
		d.content.Write(p)
		return len(p), nil
	}
	if d.work == nil {
		d.start()
	}
	d.n += int64(len(p))
	for len(p) > 0 {
		var b *[]byte
		select {
		case b = <-d.free:
		default:
			if d.bufs < digestBuffers {
				d.bufs++
				b = getBuffer()
			} else {
				b = <-d.free // wait for the hasher
			}
		}
		n := copy(*b, p)
		*b = (*b)[:n]
		p = p[n:]
		d.work <- b
	}
	return written, nil
}

// start hands the hashing to a goroutine.
func (d *digester) start() {
	d.work = make(chan *[]byte, digestBuffers)
	d.free = make(chan *[]byte, digestBuffers)
	d.done = make(chan struct{})
	go func() {
		defer close(d.done)
		for b := range d.work {
			d.md5.Write(*b)
			d.content.Write(*b)
			*b = (*b)[:cap(*b)]
			d.free <- b // room for every buffer taken: never blocks
		}
	}()
}

// stop waits for the chunks written so far to be hashed and ends the
// goroutine; it may be called more than once.
func (d *digester) stop() {
	if d.work == nil {
		return
	}
	close(d.work)
	<-d.done
	d.work = nil
	for ; d.bufs > 0; d.bufs-- {
		putBuffer(<-d.free)
	}
}

// sums returns the MD5 and the content digest, in lowercase hex, of every
// byte written.
func (d *digester) sums() (md5Hex, contentHex string) {
	d.stop()
	return hex.EncodeToString(d.md5.Sum(nil)), hex.EncodeToString(d.content.Sum(nil))
}
