package fileops

import (
	"crypto/md5"
	"encoding/hex"
	"io"
	"os"
	"sync"
)

// Hash returns the MD5 of everything r yields, as 32 lowercase hex digits
// (R49), and the number of bytes read. MD5 is what RHQ records in
// file-hashcodes.dat; it detects changes, it is not a security measure.
func Hash(r io.Reader) (sum string, n int64, err error) {
	h := md5.New()
	buf := getBuffer()
	defer putBuffer(buf)
	if f, ok := r.(*os.File); ok {
		// *os.File's WriteTo would copy through a fresh 32 KiB buffer of its
		// own for every file; hiding it keeps the pooled one in use.
		r = struct{ io.Reader }{f}
	}
	n, err = io.CopyBuffer(h, r, *buf)
	if err != nil {
		return "", n, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// copyBufferSize balances system calls against memory held per concurrent
// copy.
const copyBufferSize = 256 << 10

var buffers = sync.Pool{New: func() any {
	b := make([]byte, copyBufferSize)
	return &b
}}

func getBuffer() *[]byte  { return buffers.Get().(*[]byte) }
func putBuffer(b *[]byte) { buffers.Put(b) }
