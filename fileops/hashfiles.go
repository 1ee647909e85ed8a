package fileops

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"strings"
)

// Digests chooses what HashFiles computes of a regular file's content.
type Digests uint8

// The digests HashFiles can compute, together in one read when both are
// asked for.
const (
	DigestMD5 Digests = 1 << iota
	DigestSHA256
)

// FileHash is what HashFiles finds of one name.
type FileHash struct {
	// MD5 and SHA256 of a regular file's content, in lowercase hex, as
	// asked for.
	MD5    string
	SHA256 string
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
// hash every file of a large tree, a directory at a time.
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

// hasher computes the digests asked for.
type hasher struct {
	md5, sha hash.Hash
	w        io.Writer
}

func newHasher(digests Digests) *hasher {
	h := &hasher{}
	var ws []io.Writer
	if digests&DigestMD5 != 0 {
		h.md5 = md5.New()
		ws = append(ws, h.md5)
	}
	if digests&DigestSHA256 != 0 {
		h.sha = sha256.New()
		ws = append(ws, h.sha)
	}
	h.w = io.MultiWriter(ws...)
	return h
}

func (h *hasher) result() FileHash {
	var r FileHash
	if h.md5 != nil {
		r.MD5 = hex.EncodeToString(h.md5.Sum(nil))
	}
	if h.sha != nil {
		r.SHA256 = hex.EncodeToString(h.sha.Sum(nil))
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
	h := newHasher(digests)
	buf := getBuffer()
	defer putBuffer(buf)
	if _, err := io.CopyBuffer(h.w, struct{ io.Reader }{f}, *buf); err != nil {
		return FileHash{Err: d.err("hash", name, err)}
	}
	return h.result()
}
