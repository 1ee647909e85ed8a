package fileops

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"hash"
)

// Past parallelMin bytes a digester hashes on a goroutine of its own, so that
// a large file's MD5 and SHA-256 (about 2.2 s of CPU per GiB here) overlap
// its inflation and writing on another core instead of adding to them. Below
// it, a goroutine and the copies it needs would cost more than they save.
const (
	parallelMin = 4 << 20
	// digestQueue bounds the chunks waiting to be hashed, and so the memory
	// a digester holds (digestQueue+1 copy buffers).
	digestQueue = 4
)

// digester computes the MD5 (RHQ's) and SHA-256 (bundlekit's) of the bytes
// written to it. Write never fails. sums returns them once writing is done;
// stop releases its goroutine on any path (sums calls it).
type digester struct {
	md5, sha hash.Hash
	n        int64
	work     chan *[]byte // chunks to hash, nil while hashing inline
	free     chan *[]byte // chunk buffers back from the hasher
	done     chan struct{}
}

func newDigester() *digester {
	return &digester{md5: md5.New(), sha: sha256.New()}
}

func (d *digester) Write(p []byte) (int, error) {
	written := len(p)
	if d.work == nil && d.n+int64(len(p)) <= parallelMin {
		d.n += int64(len(p))
		d.md5.Write(p)
		d.sha.Write(p)
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
			b = getBuffer()
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
	d.work = make(chan *[]byte, digestQueue)
	d.free = make(chan *[]byte, digestQueue+1)
	d.done = make(chan struct{})
	go func() {
		defer close(d.done)
		for b := range d.work {
			d.md5.Write(*b)
			d.sha.Write(*b)
			*b = (*b)[:cap(*b)]
			select {
			case d.free <- b:
			default:
				putBuffer(b)
			}
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
	for {
		select {
		case b := <-d.free:
			putBuffer(b)
		default:
			return
		}
	}
}

// sums returns the MD5 and SHA-256, in lowercase hex, of every byte written.
func (d *digester) sums() (md5Hex, sha256Hex string) {
	d.stop()
	return hex.EncodeToString(d.md5.Sum(nil)), hex.EncodeToString(d.sha.Sum(nil))
}
