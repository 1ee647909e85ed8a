// Package testzip builds zip archives for tests, hostile ones included: Build
// writes every header field as it is given, so an entry can lie about
// anything a hostile archive could (its name, mode, sizes, CRC, flags and
// compression method), and WriteZeros streams a zip bomb without holding its
// expanded size in memory.
package testzip

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"hash/crc32"
	"io"
	"io/fs"
	"strings"
	"testing"
)

// Entry is one entry of an archive Build writes. The zero value of every
// field but Name means "the truth": the real sizes and CRC of Body, stored.
type Entry struct {
	Name string
	Body string
	// Deflate compresses Body (at the best compression); otherwise it is
	// stored.
	Deflate bool
	// Mode, when not 0, is recorded as Unix attributes (symbolic links,
	// devices, permissions).
	Mode fs.FileMode
	// Size, when not 0, is the declared uncompressed size instead of the real
	// one; CSize likewise the compressed size, and CRC the CRC-32.
	Size  uint64
	CSize uint64
	CRC   uint32
	// Flags and Method, when not 0, replace the general purpose flags and the
	// compression method in the headers (Body is still stored or deflated as
	// Deflate says).
	Flags  uint16
	Method uint16
}

// Build writes entries, in order, into a zip archive. Nothing is checked.
func Build(tb testing.TB, entries ...Entry) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		data := []byte(e.Body)
		h := &zip.FileHeader{
			Name:               e.Name,
			Method:             zip.Store,
			CRC32:              crc32.ChecksumIEEE(data),
			UncompressedSize64: uint64(len(data)),
			Flags:              e.Flags,
		}
		if e.Deflate {
			var c bytes.Buffer
			fw, err := flate.NewWriter(&c, flate.BestCompression)
			if err != nil {
				tb.Fatal(err)
			}
			if _, err := fw.Write(data); err != nil {
				tb.Fatal(err)
			}
			if err := fw.Close(); err != nil {
				tb.Fatal(err)
			}
			data = c.Bytes()
			h.Method = zip.Deflate
		}
		h.CompressedSize64 = uint64(len(data))
		if e.Mode != 0 {
			h.SetMode(e.Mode)
		}
		if e.Size != 0 {
			h.UncompressedSize64 = e.Size
		}
		if e.CSize != 0 {
			h.CompressedSize64 = e.CSize
		}
		if e.CRC != 0 {
			h.CRC32 = e.CRC
		}
		if e.Method != 0 {
			h.Method = e.Method
		}
		w, err := zw.CreateRaw(h)
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := w.Write(data); err != nil {
			tb.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// Spec builds an honest archive from a short spec: "name=content" items
// separated by "|", in that order, deflated; a name ending in "/" is a
// directory entry ("conf/|conf/a.txt=A").
func Spec(tb testing.TB, spec string) []byte {
	tb.Helper()
	var entries []Entry
	for item := range strings.SplitSeq(spec, "|") {
		name, body, _ := strings.Cut(item, "=")
		entries = append(entries, Entry{Name: name, Body: body, Deflate: !strings.HasSuffix(name, "/")})
	}
	return Build(tb, entries...)
}

// WriteZeros writes to w a zip archive holding one entry, name, of size zero
// bytes, deflated as they are streamed: 512 MiB takes well under a second and
// no more memory than the compressed form.
func WriteZeros(w io.Writer, name string, size int64) error {
	zw := zip.NewWriter(w)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestSpeed)
	})
	ew, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate})
	if err != nil {
		return err
	}
	if _, err := io.CopyN(ew, zeros{}, size); err != nil {
		return err
	}
	return zw.Close()
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
