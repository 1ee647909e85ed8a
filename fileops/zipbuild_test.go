package fileops_test

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"hash/crc32"
	"io/fs"
	"testing"
)

// zipEntry describes one entry for buildZip, which writes headers as given,
// so an entry can lie about anything a hostile archive could.
type zipEntry struct {
	name    string
	body    string
	deflate bool
	// mode, when not 0, is recorded as Unix attributes (symlinks, devices,
	// permissions).
	mode fs.FileMode
	// size, when not 0, is the declared uncompressed size instead of the real
	// one.
	size uint64
	// csize, when not 0, is the declared compressed size instead of the real
	// one.
	csize uint64
	// crc, when not 0, is the declared CRC-32 instead of the real one.
	crc uint32
	// flags and method, when not 0, replace the general purpose flags and the
	// compression method in the headers (the body is still stored or
	// deflated as deflate says).
	flags  uint16
	method uint16
}

// buildZip writes entries, in order, into a zip archive.
func buildZip(tb testing.TB, entries ...zipEntry) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		data := []byte(e.body)
		h := &zip.FileHeader{
			Name:               e.name,
			Method:             zip.Store,
			CRC32:              crc32.ChecksumIEEE(data),
			UncompressedSize64: uint64(len(data)),
			Flags:              e.flags,
		}
		if e.deflate {
			var c bytes.Buffer
			fw, err := flate.NewWriter(&c, flate.BestCompression)
			if err != nil {
				tb.Fatal(err)
			}
			fw.Write(data)
			if err := fw.Close(); err != nil {
				tb.Fatal(err)
			}
			data = c.Bytes()
			h.Method = zip.Deflate
		}
		h.CompressedSize64 = uint64(len(data))
		if e.mode != 0 {
			h.SetMode(e.mode)
		}
		if e.size != 0 {
			h.UncompressedSize64 = e.size
		}
		if e.csize != 0 {
			h.CompressedSize64 = e.csize
		}
		if e.crc != 0 {
			h.CRC32 = e.crc
		}
		if e.method != 0 {
			h.Method = e.method
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
