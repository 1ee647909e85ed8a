package fileops

import (
	"archive/zip"
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"io/fs"
	"math"
	"os"
	"sync"
	"sync/atomic"

	"github.com/klauspost/compress/flate"
)

// Limits bound what OpenZip accepts from an archive. A field that is 0 or
// negative takes its value from DefaultLimits, so the zero Limits are
// DefaultLimits.
type Limits struct {
	MaxEntries   int   // entries, directories included
	MaxEntrySize int64 // declared uncompressed size of one entry, in bytes
	MaxTotalSize int64 // sum of the declared uncompressed sizes, in bytes
	// MaxRatio bounds how many times content may expand: an entry larger
	// than RatioThreshold may hold at most MaxRatio bytes for each
	// compressed byte, and so may the archive as a whole (its declared
	// sizes against its own size) once they add up to more than
	// RatioThreshold. NoRatioLimit turns the check off.
	MaxRatio int
	// RatioThreshold is the uncompressed size, in bytes, up to which an
	// entry or an archive may expand without bound: small files of zeros
	// or of one repeated line are common and harmless.
	RatioThreshold int64
}

// NoRatioLimit as Limits.MaxRatio accepts any compression ratio.
const NoRatioLimit = math.MaxInt

// DefaultLimits are generous for deployments and still finite. The largest
// archives a bundle carries are application-server distributions and
// enterprise archives: tens of thousands of entries, well under a gigabyte in
// total. 100,000 entries keeps the central directory (which is held in
// memory) around tens of megabytes; 4 GiB per entry is the largest size a zip
// without Zip64 can declare; 16 GiB in total is more than any deployment
// should unpack without someone choosing a higher limit on purpose.
//
// Deflate expands at most about 1032 times, which a file of zeros reaches: a
// zip bomb's entries sit there. Real content stays far below: class files and
// jars 2 to 5 times, text, XML and logs 5 to 20, very repetitive generated
// text 50 to 150 (Apache POI, whose cap of 100 above 100 KiB is the best
// known precedent, draws reports of legitimate spreadsheets just over it).
// 200 above 1 MiB refuses every bomb with room to spare and lets any real
// distribution through; an archive of preallocated, zero-filled files needs
// a higher MaxRatio on purpose.
var DefaultLimits = Limits{
	MaxEntries:     100_000,
	MaxEntrySize:   4 << 30,
	MaxTotalSize:   16 << 30,
	MaxRatio:       200,
	RatioThreshold: 1 << 20,
}

func (l Limits) withDefaults() Limits {
	if l.MaxEntries <= 0 {
		l.MaxEntries = DefaultLimits.MaxEntries
	}
	if l.MaxEntrySize <= 0 {
		l.MaxEntrySize = DefaultLimits.MaxEntrySize
	}
	if l.MaxTotalSize <= 0 {
		l.MaxTotalSize = DefaultLimits.MaxTotalSize
	}
	if l.MaxRatio <= 0 {
		l.MaxRatio = DefaultLimits.MaxRatio
	}
	if l.RatioThreshold <= 0 {
		l.RatioThreshold = DefaultLimits.RatioThreshold
	}
	return l
}

// ratio checks that uncompressed bytes from compressed ones stay within the
// limits, and otherwise says by how much they do not in an error wrapping
// ErrRatio; from names the compressed bytes.
func (l Limits) ratio(uncompressed, compressed int64, from string) error {
	// Floats: MaxRatio × compressed overflows int64 for NoRatioLimit.
	if uncompressed <= l.RatioThreshold || float64(uncompressed) <= float64(l.MaxRatio)*float64(compressed) {
		return nil
	}
	got := "without bound"
	if compressed > 0 {
		got = fmt.Sprintf("%.0f times", float64(uncompressed)/float64(compressed))
	}
	return fmt.Errorf("%w: %d bytes from %d %s expand %s, the limit is %d times above %d bytes; "+
		"if the content is trusted, raise the cap (Limits.MaxRatio; the deployer's --max-ratio)",
		ErrRatio, uncompressed, compressed, from, got, l.MaxRatio, l.RatioThreshold)
}

// Archive is a zip archive whose entries have all been checked (see OpenZip).
type Archive struct {
	Name    string  // as given to OpenZip, for messages
	Entries []Entry // in stored order

	closer io.Closer
}

// Close closes the file that OpenZipFile opened; for an archive from OpenZip
// it does nothing.
func (a *Archive) Close() error {
	if a.closer == nil {
		return nil
	}
	return a.closer.Close()
}

// Entry is one file or directory of an Archive.
type Entry struct {
	Name string      // clean "/"-separated path, without a trailing "/"
	Dir  bool        // a directory entry
	Size int64       // declared uncompressed size; 0 for a directory
	Mode fs.FileMode // permission bits recorded as Unix attributes, 0 if none

	archive string
	file    *zip.File
	lim     Limits     // as OpenZip applied them
	whole   *wholeFile // from OpenZipFile, a small archive
}

// OpenZip reads the central directory of the zip archive in r (size bytes)
// and checks every entry before it returns; name only labels errors. One bad
// entry refuses the whole archive with an *ArchiveError wrapping
// ErrUnsafePath, ErrDuplicate, ErrCaseCollision, ErrFileAsDir, ErrIrregular,
// ErrUnsupportedEntry, ErrTooMany, ErrTooLarge or ErrRatio (see the package
// documentation), or the archive/zip error for a malformed archive. Memory use
// grows with the central directory, which lim.MaxEntries bounds.
func OpenZip(name string, r io.ReaderAt, size int64, lim Limits) (*Archive, error) {
	lim = lim.withDefaults()
	zr, err := zip.NewReader(r, size)
	// With GODEBUG=zipinsecurepath=0 archive/zip flags some unsafe names
	// itself; the checks below refuse them with a precise reason.
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, &ArchiveError{Archive: name, Err: err}
	}
	if len(zr.File) > lim.MaxEntries {
		return nil, &ArchiveError{Archive: name, Err: fmt.Errorf("%w: %d entries, the limit is %d", ErrTooMany, len(zr.File), lim.MaxEntries)}
	}
	a := &Archive{Name: name, Entries: make([]Entry, 0, len(zr.File))}
	names := make([]entryName, 0, len(zr.File))
	var total int64
	for _, f := range zr.File {
		e, err := checkEntry(f, lim)
		if err == nil && e.Size > lim.MaxTotalSize-total {
			err = fmt.Errorf("%w: the declared sizes add up to more than %d bytes", ErrTooLarge, lim.MaxTotalSize)
		}
		if err != nil {
			return nil, &ArchiveError{Archive: name, Entry: f.Name, Err: err}
		}
		e.archive, e.lim = name, lim
		total += e.Size
		a.Entries = append(a.Entries, e)
		names = append(names, entryName{e.Name, e.Dir})
	}
	// Entries whose compressed data overlap, or lie about its size, can
	// each pass the check above and still make a few bytes expand without
	// bound: the declared sizes against the archive's own size catch them.
	if err := lim.ratio(total, size, "bytes of archive"); err != nil {
		return nil, &ArchiveError{Archive: name, Err: fmt.Errorf("the entries together: %w", err)}
	}
	if i, err := checkNameSet(names); err != nil {
		return nil, &ArchiveError{Archive: name, Entry: zr.File[i].Name, Err: err}
	}
	return a, nil
}

// OpenZipFile opens the zip archive at path like OpenZip, naming it path. The
// caller closes the Archive.
func OpenZipFile(path string, lim Limits) (*Archive, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	var r io.ReaderAt = f
	var whole *wholeFile
	if fi.Size() <= wholeMax {
		whole = &wholeFile{f: f, size: fi.Size()}
		r = whole
	}
	a, err := OpenZip(path, r, fi.Size(), lim)
	if err != nil {
		f.Close()
		return nil, err
	}
	for i := range a.Entries {
		a.Entries[i].whole = whole
	}
	a.closer = f
	return a, nil
}

// wholeMax is the size up to which OpenZipFile reads an archive whole once
// an entry's content is read; a variable for the tests of both ways.
var wholeMax int64 = 8 << 20

// wholeFile is an archive file that is read where needed (the central
// directory: all a no-op reads) until load reads it whole, when the first
// entry's content is read. Reading each entry where it lies cost one pread
// each, two for the smallest: 3,000 system calls for the 1,468 files of a
// 3.2 MiB archive. A larger archive is always read where needed: most of it
// is read by the writers in parallel, and memory is bounded.
type wholeFile struct {
	f    *os.File
	size int64
	once sync.Once
	data atomic.Pointer[[]byte] // set once read whole
}

func (w *wholeFile) ReadAt(p []byte, off int64) (int, error) {
	if data := w.data.Load(); data != nil {
		return bytes.NewReader(*data).ReadAt(p, off)
	}
	return w.f.ReadAt(p, off)
}

// load reads the file whole, once. On failure it stays read where needed,
// which reports the error where it matters.
func (w *wholeFile) load() {
	w.once.Do(func() {
		data := make([]byte, w.size)
		if n, err := w.f.ReadAt(data, 0); err == nil || int64(n) == w.size {
			w.data.Store(&data)
		}
	})
}

// checkEntry validates everything about f except how its name relates to the
// other entries' names.
func checkEntry(f *zip.File, lim Limits) (Entry, error) {
	name, dir, err := checkEntryName(f.Name)
	if err != nil {
		return Entry{}, err
	}
	mode := f.Mode()
	switch {
	case dir && mode.Type() != fs.ModeDir:
		return Entry{}, fmt.Errorf("%w: directory name with mode %v", ErrIrregular, mode)
	case !dir && mode.Type() != 0:
		return Entry{}, fmt.Errorf("%w: mode %v", ErrIrregular, mode)
	case dir && (f.UncompressedSize64 != 0 || f.CompressedSize64 > 2):
		// An empty Deflate stream takes 2 bytes.
		return Entry{}, fmt.Errorf("%w: directory with content", ErrIrregular)
	case f.Flags&0x1 != 0:
		return Entry{}, fmt.Errorf("%w: encrypted", ErrUnsupportedEntry)
	case f.Method != zip.Store && f.Method != zip.Deflate:
		return Entry{}, fmt.Errorf("%w: compression method %d", ErrUnsupportedEntry, f.Method)
	case f.UncompressedSize64 > uint64(lim.MaxEntrySize):
		return Entry{}, fmt.Errorf("%w: declares %d bytes, the limit is %d", ErrTooLarge, f.UncompressedSize64, lim.MaxEntrySize)
	case f.CompressedSize64 > math.MaxInt64:
		return Entry{}, fmt.Errorf("%w: declares %d compressed bytes", ErrTooLarge, f.CompressedSize64)
	}
	if err := lim.ratio(int64(f.UncompressedSize64), int64(f.CompressedSize64), "compressed bytes"); err != nil {
		return Entry{}, err
	}
	e := Entry{Name: name, Dir: dir, Size: int64(f.UncompressedSize64), file: f}
	if creator := f.CreatorVersion >> 8; creator == creatorUnix || creator == creatorMacOSX {
		e.Mode = mode.Perm()
	}
	return e, nil
}

// ZipPerm returns the permission bits that fi, a file of a zip archive read
// as an fs.FS (archive/zip.Reader), records as Unix attributes: 0 when it
// records none, where archive/zip would report 0666. ok is false when fi is
// not such a file.
func ZipPerm(fi fs.FileInfo) (perm fs.FileMode, ok bool) {
	h, ok := fi.Sys().(*zip.FileHeader)
	if !ok {
		return 0, false
	}
	if creator := h.CreatorVersion >> 8; creator == creatorUnix || creator == creatorMacOSX {
		return h.Mode().Perm(), true
	}
	return 0, true
}

// The "version made by" systems whose external attributes hold a Unix mode.
const (
	creatorUnix   = 3
	creatorMacOSX = 19
)

// Open returns a reader of the entry's uncompressed content. Reading fails
// with ErrTooLarge as soon as the entry yields more bytes than it declares
// (no byte beyond the declared size is returned), with ErrRatio as soon as
// it yields more than the Limits' MaxRatio bytes for each compressed byte
// read (past RatioThreshold), with io.ErrUnexpectedEOF when it yields fewer
// and with zip.ErrChecksum when the CRC-32 does not match; every error is an
// *ArchiveError.
func (e *Entry) Open() (io.ReadCloser, error) {
	if e.Dir {
		return nil, e.error(fmt.Errorf("%w: cannot read a directory", ErrIrregular))
	}
	if e.whole != nil {
		e.whole.load()
	}
	raw, err := e.file.OpenRaw()
	if err != nil {
		return nil, e.error(err)
	}
	r := &entryReader{e: e, crc: crc32.NewIEEE()}
	r.raw = &countingReader{r: raw}
	if e.file.Method == zip.Deflate {
		r.inf = getInflater(r.raw)
		r.rc = r.inf.flate
	} else {
		r.rc = io.NopCloser(r.raw)
	}
	return r, nil
}

// An inflater decompresses Deflate data. Making one costs about 40 KiB of
// tables and window, so a bundle of thousands of small entries reuses them;
// klauspost/compress's decompressor, fed a *bufio.Reader, inflates about a
// quarter faster than compress/flate's, which is most of the time a large
// entry takes to extract (the reason for the dependency).
type inflater struct {
	buf   *bufio.Reader
	flate io.ReadCloser // also a flate.Resetter
}

var inflaters sync.Pool

// inflaterBuffer is the read-ahead of the compressed bytes: large enough that
// a large entry costs few reads of the archive.
const inflaterBuffer = 64 << 10

func getInflater(r io.Reader) *inflater {
	inf, ok := inflaters.Get().(*inflater)
	if !ok {
		buf := bufio.NewReaderSize(r, inflaterBuffer)
		return &inflater{buf: buf, flate: flate.NewReader(buf)}
	}
	inf.buf.Reset(r)
	// Reset never fails for a Reader made by NewReader without a dictionary.
	_ = inf.flate.(flate.Resetter).Reset(inf.buf, nil)
	return inf
}

// put returns inf to the pool, holding no reference to the archive.
func (inf *inflater) put() {
	inf.buf.Reset(nil)
	inflaters.Put(inf)
}

func (e *Entry) error(err error) error {
	return &ArchiveError{Archive: e.archive, Entry: e.file.Name, Err: err}
}

// entryReader is the reader of Entry.Open. It decompresses itself instead of
// using zip.File.Open, whose size check reports a generic zip.ErrFormat.
type entryReader struct {
	e   *Entry
	rc  io.ReadCloser
	inf *inflater       // of a Deflate entry until Close
	raw *countingReader // the compressed bytes under rc
	crc hash.Hash32
	n   int64 // bytes returned so far
	err error // sticky
}

func (r *entryReader) Read(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	// Ask for at most one byte more than remains, to see an excess
	// without reading much of it.
	if left := r.e.Size - r.n; left < math.MaxInt64 && int64(len(p)) > left+1 {
		p = p[:left+1]
	}
	n, err := r.rc.Read(p)
	if r.n+int64(n) > r.e.Size {
		n = int(r.e.Size - r.n)
		err = fmt.Errorf("%w: holds more than the %d bytes it declares", ErrTooLarge, r.e.Size)
	}
	// The compressed size the entry declares may be a lie (the check in
	// OpenZip trusts it): what the decompressor took is the measure, not
	// what was read ahead for it.
	if err == nil || err == io.EOF {
		if rerr := r.e.lim.ratio(r.n+int64(n), r.consumed(), "compressed bytes read"); rerr != nil {
			n, err = 0, rerr
		}
	}
	r.n += int64(n)
	r.crc.Write(p[:n])
	switch {
	case err == io.EOF && r.n < r.e.Size:
		err = fmt.Errorf("%w: %d of %d declared bytes", io.ErrUnexpectedEOF, r.n, r.e.Size)
	case err == io.EOF && r.crc.Sum32() != r.e.file.CRC32:
		err = zip.ErrChecksum
	}
	switch {
	case err == io.EOF:
		r.err = io.EOF
	case err != nil:
		r.err = r.e.error(err)
	}
	return n, r.err
}

// consumed returns how many compressed bytes the decompressor has taken.
func (r *entryReader) consumed() int64 {
	if r.inf == nil {
		return r.raw.n
	}
	return r.raw.n - int64(r.inf.buf.Buffered())
}

// Close releases the reader; reading after Close fails.
func (r *entryReader) Close() error {
	if r.rc == nil {
		return nil
	}
	err := r.rc.Close()
	r.rc = nil
	if r.err == nil {
		r.err = r.e.error(errClosed)
	}
	if r.inf != nil {
		r.inf.put()
		r.inf = nil
	}
	return err
}

// errClosed: a read of an entry after its Close.
var errClosed = errors.New("read after close")

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
