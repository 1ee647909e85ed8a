package fileops

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"strings"
)

// Digests chooses what HashFiles computes of a regular file's content.
type Digests uint8

// The digests HashFiles can compute: RHQ's MD5 (R49) and bundlekit's
// content digest (see the package documentation), together in one read
// when both are asked for.
const (
	DigestMD5 Digests = 1 << iota
	DigestContent
)

// FileHash is what HashFiles finds of one name.
type FileHash struct {
	// MD5 and ContentDigest (see the package documentation) of a regular
	// file's content, in lowercase hex, as asked for.
	MD5           string
	ContentDigest string
	// Link is the target of a symbolic link, which is not followed; MD5 is
	// then empty.
	Link string
	// Err: the name could not be read, or is neither a regular file nor a
	// symbolic link (ErrIrregular: a named pipe is never waited on).
	Err error
}

// HashFiles hashes files directly in d, never following a symbolic link. It
// reads them through one handle to d, so a file costs an open, a stat and its
// reads, with no walk from a root and no lookup of its parent: the way to
// hash every file of a large tree, a directory at a time. A file of more
// than 2*ContentChunkSize bytes whose content digest alone is asked for is
// hashed on every core (a whole-file MD5 cannot be); a file that changes
// size meanwhile is an error.
func (d *Dir) HashFiles(names []string, digests Digests) []FileHash {
	out := make([]FileHash, len(names))
	for i, name := range names {
		if name == "" || name == "." || name == ".." || strings.ContainsAny(name, `/\`) {
			out[i].Err = d.nameErr("hash", name, fmt.Errorf("%w: not a name in the directory", ErrUnsafePath))
		}
	}
	d.hashFiles(names, digests, out)
	return out
}

// hasher computes the digests asked for, in one sequential read.
type hasher struct {
	md5, content hash.Hash
	w            io.Writer
}

// parallelDigest reports whether a file of size bytes is hashed by
// digestAt, in parallel, for digests: a content digest alone, of more than
// two chunks (each goroutine then has a chunk to hash).
func parallelDigest(digests Digests, size int64) bool {
	return digests == DigestContent && size > 2*ContentChunkSize
}

// hashParallel returns the content digest of the size bytes of r, the file
// name in d, hashed by chunks on every core (see parallelDigest).
func (d *Dir) hashParallel(name string, r io.ReaderAt, size int64) FileHash {
	sum, err := digestAt(r, size, ContentChunkSize)
	if err != nil {
		return FileHash{Err: d.err("hash", name, err)}
	}
	return FileHash{ContentDigest: hex.EncodeToString(sum)}
}

func newHasher(digests Digests) *hasher {
	h := &hasher{}
	var ws []io.Writer
	if digests&DigestMD5 != 0 {
		h.md5 = md5.New()
		ws = append(ws, h.md5)
	}
	if digests&DigestContent != 0 {
		h.content = NewContentHash()
		ws = append(ws, h.content)
	}
	h.w = io.MultiWriter(ws...)
	return h
}

func (h *hasher) result() FileHash {
	var r FileHash
	if h.md5 != nil {
		r.MD5 = hex.EncodeToString(h.md5.Sum(nil))
	}
	if h.content != nil {
		r.ContentDigest = hex.EncodeToString(h.content.Sum(nil))
	}
	return r
}

// hashEach is HashFiles one name at a time, through the portable calls.
func (d *Dir) hashEach(names []string, digests Digests, out []FileHash) {
	for i, name := range names {
		if out[i].Err != nil {
			continue
		}
		out[i] = d.hashOne(name, digests)
	}
}

func (d *Dir) hashOne(name string, digests Digests) FileHash {
	fi, err := d.Lstat(name)
	switch {
	case err != nil:
		return FileHash{Err: err}
	case fi.Mode()&fs.ModeSymlink != 0:
		target, err := d.Readlink(name)
		return FileHash{Link: target, Err: err}
	case !fi.Mode().IsRegular():
		return FileHash{Err: d.nameErr("hash", name, fmt.Errorf("%w: %s", ErrIrregular, fi.Mode().Type()))}
	}
	f, err := d.openFile("hash", name)
	if err != nil {
		return FileHash{Err: err}
	}
	defer f.Close()
	if digests == DigestContent {
		// The size of the file opened, not of the name looked up before.
		if fi, err = f.Stat(); err != nil {
			return FileHash{Err: d.err("hash", name, err)}
		}
		if parallelDigest(digests, fi.Size()) {
			return d.hashParallel(name, f, fi.Size())
		}
	}
	h := newHasher(digests)
	buf := getBuffer()
	defer putBuffer(buf)
	if _, err := io.CopyBuffer(h.w, struct{ io.Reader }{f}, *buf); err != nil {
		return FileHash{Err: d.err("hash", name, err)}
	}
	return h.result()
}
