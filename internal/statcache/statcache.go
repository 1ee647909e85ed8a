// Package statcache remembers what the files of a deployment looked like when
// bundlekit last read or wrote them, with the MD5 of their content, so that a
// later operation need not read an unchanged file again.
//
// # Contract
//
// A destination file is identified by its size, modification time, inode and
// mode; a bundle file likewise; an archive entry by the archive's own CRC-32,
// sizes and method. The cache is trusted for a file only when all of that is
// equal and neither its modification time nor its change time (ctime) is
// later than the cache itself, less a margin of clock ticks (Git's rule for
// "racily clean" files): a file rewritten by hand, even with its size and
// modification time put back, has a new change time and is read again. On
// systems that give no inode or change time (Windows) nothing is trusted.
//
// The cache is an optimisation only: a cache that is missing, damaged, or
// recorded for another deployment is ignored, and deleting it changes no
// result.
package statcache

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bundlekit/bundlekit/internal/readall"
)

// Margin is how close to the cache's own time a file's times may be before it
// is read again: coarse file-system clocks tick every few milliseconds.
const Margin = 20 * time.Millisecond

// Stat is what identifies a file between two reads.
type Stat struct {
	Size    int64
	ModTime int64 // Unix nanoseconds
	Ino     uint64
	Mode    uint32
	// Ctime is the change time, Unix nanoseconds; it is compared with the
	// cache's time, never recorded as part of the identity: writing the file
	// and renaming it into place change it.
	Ctime int64
}

// Of returns a file's Stat, and false where the system gives no inode or
// change time: such a file is never trusted.
func Of(fi fs.FileInfo) (Stat, bool) {
	st := Stat{Size: fi.Size(), ModTime: fi.ModTime().UnixNano(), Mode: uint32(fi.Mode())}
	ino, ctime, ok := sysStat(fi)
	st.Ino, st.Ctime = ino, ctime
	return st, ok
}

// File is a file's Stat and the MD5 of its content.
type File struct {
	Stat
	MD5 string
}

// Entry identifies an archive entry by what its archive records about it, and
// gives the MD5 of its content.
type Entry struct {
	CRC32      uint32
	Size       uint64
	Compressed uint64
	Method     uint16
	MD5        string
}

// Cache is what one deployment recorded.
type Cache struct {
	// ID is the deployment that wrote the cache; Digest the hex SHA-256 of
	// the file-hashcodes.dat it is valid for: a cache whose map is not the
	// current deployment's is not used.
	ID     int32
	Digest string
	// Written is when the cache was made, Unix nanoseconds.
	Written int64
	// Files are destination files by key; Bundle the bundle's own files by
	// path; Entries archive entries by EntryKey.
	Files   map[string]File
	Bundle  map[string]File
	Entries map[string]Entry
}

// New returns an empty cache with room for files destination files and
// entries archive entries.
func New(files, entries int) *Cache {
	return &Cache{Files: make(map[string]File, files), Bundle: map[string]File{}, Entries: make(map[string]Entry, entries)}
}

// EntryKey names an entry of the archive at path (in the bundle).
func EntryKey(archive, entry string) string { return archive + "!" + entry }

// File returns the record of the destination file key when it proves the
// file's content: its Stat is now st (ok as Of returned it). A nil cache
// proves nothing.
func (c *Cache) File(key string, st Stat, ok bool) (File, bool) {
	if c == nil {
		return File{}, false
	}
	if f, found := c.Files[key]; found && c.Trusted(f, st, ok) {
		return f, true
	}
	return File{}, false
}

// Same reports whether f records what o records, but for the change time:
// a deployment that would record f where o is need not write the cache.
func (f File) Same(o File) bool {
	f.Ctime, o.Ctime = 0, 0
	return f == o
}

// Trusted reports whether f, recorded by this cache, still describes a file
// whose Stat is now st.
func (c *Cache) Trusted(f File, st Stat, ok bool) bool {
	if c == nil || !ok || f.MD5 == "" || st.Ctime == 0 {
		return false
	}
	limit := c.Written - int64(Margin)
	return f.Size == st.Size && f.ModTime == st.ModTime && f.Ino == st.Ino && f.Mode == st.Mode &&
		st.ModTime < limit && st.Ctime < limit
}

// Settle returns how long to wait, from now (Unix nanoseconds), before taking
// a cache's Written time so that none of files is racily clean — provided the
// racy ones hold at least minBytes: a racily clean file is read again by the
// next run, which for a large file costs more than waiting out the margin. The
// wait is never longer than Margin and a nanosecond.
//
// Waiting trusts a file no more than one recorded earlier in the same run: a
// change that lands in the clock tick of the file's last write goes unseen
// either way, a change in any later tick is seen.
func Settle(files iter.Seq[File], now, minBytes int64) time.Duration {
	var racy, newest int64
	for f := range files {
		if t := max(f.ModTime, f.Ctime); t >= now-int64(Margin) {
			racy += f.Size
			newest = max(newest, t)
		}
	}
	if racy < minBytes {
		return 0
	}
	return time.Duration(max(0, newest+int64(Margin)+1-now))
}

// The file format: a header line, then one line per record, fields separated
// by tabs (keys and paths never hold tabs or line ends: R18).
const magic = "bundlekit-statcache\t1"

// ErrFormat: a cache file that cannot be read. Callers ignore the cache.
var ErrFormat = errors.New("not a bundlekit stat cache")

// Encode writes the cache.
func (c *Cache) Encode(w io.Writer) error {
	_, err := w.Write(c.Append(nil))
	return err
}

// maxLine is the most bytes a record takes besides its key and MD5: its
// kind, four tab-led decimal numbers of up to 20 characters each (a sign
// included), the tabs before the key and the MD5, and a line break.
const maxLine = 1 + 4*21 + 2 + 1

// Append appends the cache as Encode writes it to b: into one buffer sized
// for it at once, since growing it as it fills copies it over and over and
// touches twice the memory.
func (c *Cache) Append(b []byte) []byte {
	size := len(magic) + 3*21 + len(c.Digest)
	for k, f := range c.Files {
		size += len(k) + len(f.MD5) + maxLine
	}
	for k, f := range c.Bundle {
		size += len(k) + len(f.MD5) + maxLine
	}
	for k, e := range c.Entries {
		size += len(k) + len(e.MD5) + maxLine
	}
	b = slices.Grow(b, size)
	b = append(b, magic...)
	b = append(b, '\t')
	b = strconv.AppendInt(b, int64(c.ID), 10)
	b = append(b, '\t')
	b = append(b, c.Digest...)
	b = append(b, '\t')
	b = strconv.AppendInt(b, c.Written, 10)
	// Each record: its kind, key and MD5, then its numbers, tab-separated.
	record := func(kind byte, k, md5 string) {
		b = append(b, '\n', kind, '\t')
		b = append(b, k...)
		b = append(b, '\t')
		b = append(b, md5...)
	}
	signed := func(n int64) {
		b = append(b, '\t')
		b = strconv.AppendInt(b, n, 10)
	}
	unsigned := func(n uint64) {
		b = append(b, '\t')
		b = strconv.AppendUint(b, n, 10)
	}
	file := func(kind byte, k string, f File) {
		record(kind, k, f.MD5)
		signed(f.Size)
		signed(f.ModTime)
		unsigned(f.Ino)
		unsigned(uint64(f.Mode))
	}
	for _, k := range slices.Sorted(maps.Keys(c.Files)) {
		file('f', k, c.Files[k])
	}
	for _, k := range slices.Sorted(maps.Keys(c.Bundle)) {
		file('b', k, c.Bundle[k])
	}
	for _, k := range slices.Sorted(maps.Keys(c.Entries)) {
		e := c.Entries[k]
		record('e', k, e.MD5)
		unsigned(uint64(e.CRC32))
		unsigned(e.Size)
		unsigned(e.Compressed)
		unsigned(uint64(e.Method))
	}
	return append(b, '\n')
}

// Decode reads a cache written by Encode. Anything unexpected is ErrFormat.
func Decode(r io.Reader) (*Cache, error) {
	// One string for the whole file: keys and MD5s are slices of it, so a
	// cache of 10,000 files costs a handful of allocations, not 30,000.
	text, err := readall.String(r)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	head, text, _ := strings.Cut(text, "\n")
	var hf [5]string
	if split(head, hf[:]) != 5 || hf[0]+"\t"+hf[1] != magic {
		return nil, fmt.Errorf("%w: header %q", ErrFormat, head)
	}
	// The records of a kind, to size the maps: counted in place, as
	// joining a newline to the text would copy all of it.
	count := func(kind string) int {
		n := strings.Count(text, "\n"+kind+"\t")
		if strings.HasPrefix(text, kind+"\t") {
			n++
		}
		return n
	}
	c := &Cache{Files: make(map[string]File, count("f")), Bundle: make(map[string]File, count("b")),
		Entries: make(map[string]Entry, count("e"))}
	id, err1 := strconv.ParseInt(hf[2], 10, 32)
	written, err2 := strconv.ParseInt(hf[4], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return nil, fmt.Errorf("%w: header: %v", ErrFormat, err)
	}
	c.ID, c.Digest, c.Written = int32(id), hf[3], written
	var f [7]string
	for n := 2; text != ""; n++ {
		var line string
		var ok bool
		if line, text, ok = strings.Cut(text, "\n"); !ok {
			return nil, fmt.Errorf("%w: line %d: truncated", ErrFormat, n)
		}
		var err error
		switch fields := split(line, f[:]); {
		case fields == 7 && (f[0] == "f" || f[0] == "b"):
			var rec File
			rec.MD5 = f[2]
			var mode uint64
			var errs [4]error
			rec.Size, errs[0] = strconv.ParseInt(f[3], 10, 64)
			rec.ModTime, errs[1] = strconv.ParseInt(f[4], 10, 64)
			rec.Ino, errs[2] = strconv.ParseUint(f[5], 10, 64)
			mode, errs[3] = strconv.ParseUint(f[6], 10, 32)
			rec.Mode = uint32(mode)
			err = errors.Join(errs[:]...)
			if f[0] == "f" {
				c.Files[f[1]] = rec
			} else {
				c.Bundle[f[1]] = rec
			}
		case fields == 7 && f[0] == "e":
			var e Entry
			e.MD5 = f[2]
			var crc, size, comp, method uint64
			var errs [4]error
			crc, errs[0] = strconv.ParseUint(f[3], 10, 32)
			size, errs[1] = strconv.ParseUint(f[4], 10, 64)
			comp, errs[2] = strconv.ParseUint(f[5], 10, 64)
			method, errs[3] = strconv.ParseUint(f[6], 10, 16)
			e.CRC32, e.Size, e.Compressed, e.Method = uint32(crc), size, comp, uint16(method)
			err = errors.Join(errs[:]...)
			c.Entries[f[1]] = e
		default:
			err = errors.New("unknown record")
		}
		if err != nil {
			return nil, fmt.Errorf("%w: line %d: %v", ErrFormat, n, err)
		}
	}
	return c, nil
}

// split cuts line at tabs into out and returns how many fields it has; when
// that is more than len(out), the extra ones are not stored.
func split(line string, out []string) int {
	n := 0
	for {
		field, rest, more := strings.Cut(line, "\t")
		if n < len(out) {
			out[n] = field
		}
		n++
		if !more {
			return n
		}
		line = rest
	}
}
