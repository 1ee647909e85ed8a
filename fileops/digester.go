package fileops

import (
	"crypto/md5"
	"encoding/hex"
	"hash"
	"io"
	"sync/atomic"
)

// Past parallelMin bytes a digester writes and hashes on a goroutine of its
// own, so that a large file's writing (the copy into the page cache, a
// second of system time per GiB here), its MD5 and its content digest (about
// 2.2 s of CPU per GiB) overlap its inflation on another core instead of
// adding to it. Below it, a goroutine and the copies it needs would cost more
// than they save.
const (
	parallelMin = 4 << 20
	// digestBuffers bounds the copy buffers a digester holds (chunks being
	// filled, waiting, or written and hashed): 768 KiB at most.
	digestBuffers = 3
)

// digester writes the bytes written to it to out (when not nil), and
// computes their MD5 (RHQ's) and content digest (bundlekit's, see
// NewContentHash). Past parallelMin bytes out sees them on the digester's
// goroutine, in order; an error of out is returned by a later Write, or by
// sums. sums returns the digests once writing is done; stop releases the
// goroutine on any path (sums calls it).
type digester struct {
	out          io.Writer
	md5, content hash.Hash
	n            int64
	work         chan *[]byte // chunks to write and hash, nil while inline
	free         chan *[]byte // chunk buffers back from the goroutine
	bufs         int          // buffers taken, at most digestBuffers
	done         chan struct{}
	// failed is set once out failed, with err (on the goroutine past
	// parallelMin); err is read only after failed is seen set.
	failed atomic.Bool
	err    error
}

func newDigester(out io.Writer) *digester {
	return &digester{out: out, md5: md5.New(), content: NewContentHash()}
}

func (d *digester) Write(p []byte) (int, error) {
	written := len(p)
	if d.failed.Load() {
		return 0, d.err
	}
	if d.work == nil && d.n+int64(len(p)) <= parallelMin {
		if d.out != nil {
			if n, err := d.out.Write(p); err != nil {
				d.err = err
				d.failed.Store(true)
				return n, err
			}
		}
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
				b = <-d.free // wait for the goroutine
			}
		}
		n := copy(*b, p)
		*b = (*b)[:n]
		p = p[n:]
		d.work <- b
	}
	return written, nil
}

// start hands the writing and the hashing to a goroutine.
func (d *digester) start() {
	d.work = make(chan *[]byte, digestBuffers)
	d.free = make(chan *[]byte, digestBuffers)
	d.done = make(chan struct{})
	go func() {
		defer close(d.done)
		for b := range d.work {
			if !d.failed.Load() {
				d.write(*b)
			}
			*b = (*b)[:cap(*b)]
			d.free <- b // room for every buffer taken: never blocks
		}
	}()
}

// write writes and hashes one chunk, on the goroutine.
func (d *digester) write(p []byte) {
	if d.out != nil {
		if _, err := d.out.Write(p); err != nil {
			d.err = err
			d.failed.Store(true)
			return
		}
	}
	d.md5.Write(p)
	d.content.Write(p)
}

// stop waits for the chunks written so far to be written and hashed and ends
// the goroutine; it may be called more than once.
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
// byte written, or the error out returned.
func (d *digester) sums() (md5Hex, contentHex string, err error) {
	d.stop()
	if d.failed.Load() {
		return "", "", d.err
	}
	return hex.EncodeToString(d.md5.Sum(nil)), hex.EncodeToString(d.content.Sum(nil)), nil
}
