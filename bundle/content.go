package bundle

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/bundlekit/bundlekit/destination"
	"github.com/bundlekit/bundlekit/fileops"
	"github.com/bundlekit/bundlekit/internal/ctxio"
	"github.com/bundlekit/bundlekit/internal/staging"
	"github.com/bundlekit/bundlekit/internal/statcache"
	"github.com/bundlekit/bundlekit/recipe"
	"github.com/bundlekit/bundlekit/token"
)

// sourceKind says where the bytes of a path of the new map come from.
type sourceKind int

const (
	fromFile    sourceKind = iota // a file of the bundle (or a staged download)
	fromEntry                     // an entry of an exploded archive
	fromStaging                   // a file prepared in the staging area (a rebuilt archive)
	fromStore                     // an object of the store of deployed content (a revert without the bundle)
)

// source is one path of the new map (N): where its bytes come from, whether they
// are realized, and what they hash to.
type source struct {
	key  string // map key: relative with /, or absolute (external)
	kind sourceKind
	// file: a path in the bundle (fromFile) or in the staging directory
	// (fromStaging, and fromFile for downloads: staged is true); the key of
	// the object in the destination (fromStore, "" when the store cannot
	// name it), whose content digest (fileops.ContentDigest) is digest.
	file    string
	digest  string
	staged  bool
	archive *fileops.Archive
	entry   *fileops.Entry
	realize bool
	// hash is the MD5 of the bytes the source writes (realized), "" until
	// something needs it: the planner hashes a source only when a decision
	// compares it (see hashSources); Apply hashes what it writes anyway.
	hash string
	size int64
	// mode: permission bits recorded in the bundle; 0 when unknown (keep the
	// existing file's mode, or 0644 for a new one).
	mode fs.FileMode
	// origin: the recipe element that put this path in the bundle, for errors.
	origin recipe.Pos
	// modTime is a bundle file's modification time when it was planned; with
	// size, it tells Apply that the file changed since (ErrStale).
	modTime time.Time
	// cacheKey names the source in the stat cache (a bundle file's path, or
	// an archive entry's statcache.EntryKey); st identifies a bundle file.
	cacheKey string
	st       statcache.Stat
	stOK     bool
	idState
}

// unchanged checks, for a file of the bundle, that the file f opened to
// write it still has the size and time it had when the plan was made.
func (s *source) unchanged(f io.Reader) error {
	st, ok := f.(interface{ Stat() (fs.FileInfo, error) })
	if s.kind != fromFile || s.staged || !ok || s.modTime.IsZero() {
		return nil
	}
	fi, err := st.Stat()
	if err != nil {
		return err
	}
	if fi.Size() != s.size || !fi.ModTime().Equal(s.modTime) {
		return fmt.Errorf("%w (%s changed: %d bytes at %s when planned, %d at %s now)", ErrStale, s.file,
			s.size, s.modTime.Format(time.RFC3339Nano), fi.Size(), fi.ModTime().Format(time.RFC3339Nano))
	}
	return nil
}

// content is N: the new map with its sources, in write order (archives first, then
// raw files, R96), the empty directories of exploded archives, and what the
// deployment realized.
type content struct {
	sources  map[string]*source
	order    []string       // keys in write order (last writer wins, R45)
	seq      map[string]int // a key's place in order
	mkdirs   []string       // directory entries of exploded archives (R97)
	realized set            // R93: realized files by key, realized entries by entry name
	// estimate is R47's estimated disk usage.
	estimate int64
	// managedDirs are the top-level directories the bundle writes into (R61):
	// first components of raw-file destinations with a parent and of exploded
	// archives' entry names.
	managedDirs set
	archives    []*fileops.Archive
}

func (c *content) add(s *source) {
	if _, dup := c.sources[s.key]; !dup {
		c.seq[s.key] = len(c.order)
		c.order = append(c.order, s.key)
	}
	c.sources[s.key] = s // R45: a later item wins; archives come first
}

// unhashed stands in N for the hash of a source nothing has compared yet: it
// equals no hash, on disk or recorded.
const unhashed = "?UNHASHED?"

// next returns N as a hash map, with directories (R82); a source not hashed
// yet has the hash unhashed.
func (c *content) next() map[string]string {
	m := c.filesIn(make(map[string]string, withDirsSize(len(c.sources))))
	for _, k := range c.order {
		addDirsOf(m, k, markDir)
	}
	return m
}

// files returns N's files as a new hash map; a source not hashed yet has the
// hash unhashed.
func (c *content) files() map[string]string {
	return c.filesIn(make(map[string]string, len(c.sources)))
}

// filesIn adds N's files to m, and returns it.
func (c *content) filesIn(m map[string]string) map[string]string {
	for k, s := range c.sources {
		if s.hash == "" {
			m[k] = unhashed
		} else {
			m[k] = s.hash
		}
	}
	return m
}

// contentBuilder computes N without writing to the destination (R79).
type contentBuilder struct {
	ctx     context.Context
	fsys    fs.FS  // the bundle
	dirPath string // the bundle's directory on disk, when it is one
	dir     destination.Dir
	unit    *recipe.DeploymentUnit
	values  token.Lookup
	staging *staging.Area // outside the destination
	limits  fileops.Limits
	fetch   func(ctx context.Context, url, to, sha256 string) error
	events  func(Event)
	c       *content
}

func (b *contentBuilder) build() (*content, error) {
	b.c = &content{sources: map[string]*source{}, seq: map[string]int{}, realized: set{}, managedDirs: set{}}
	for _, a := range b.unit.Archives {
		if a.Handover != nil {
			continue // handed over, not deployed (R173)
		}
		if err := b.archive(a); err != nil {
			return nil, err
		}
	}
	for _, f := range b.unit.Files {
		if f.Handover != nil {
			continue
		}
		if err := b.file(f); err != nil {
			return nil, err
		}
	}
	return b.c, nil
}

// ErrMetadataDestination: a recipe destination inside .rhqdeployments, which
// belongs to the deployer (R13, R31).
var ErrMetadataDestination = errors.New("the destination is inside " + metadataDir + ", which belongs to the deployer")

func (b *contentBuilder) normalizeFile(dest string, pos recipe.Pos) (string, error) {
	p, err := b.dir.NormalizeFile(dest)
	if err != nil {
		return "", fmt.Errorf("%s: destination %q: %w", pos, dest, err)
	}
	if !p.External() && topName(p.Rel) == metadataDir {
		return "", fmt.Errorf("%s: destination %q: %w", pos, dest, ErrMetadataDestination)
	}
	return p.String(), nil
}

// file adds a raw file (R82, R100): its normalised destination, hashed as realized
// when replace is set (R50, R51).
func (b *contentBuilder) file(f *recipe.File) error {
	key, err := b.normalizeFile(f.Destination(), f.Pos)
	if err != nil {
		return err
	}
	s := &source{key: key, kind: fromFile, file: bundlePath(f.Name), realize: f.Replace, origin: f.Pos}
	if f.URL != "" {
		s.file, s.staged = b.staging.Path("url", f.BaseName()), true
		if err := b.fetch(b.ctx, f.URL, s.file, f.SHA256); err != nil {
			return fmt.Errorf("%s: <rhq:url-file url=%q>: %w", f.Pos, f.URL, err)
		}
	}
	rc, info, err := b.open(s)
	if err != nil {
		return err
	}
	rc.Close()
	s.mode, s.size, s.modTime = bundlePerm(info, s.staged), info.Size(), info.ModTime()
	if !s.staged {
		s.cacheKey = s.file
		s.st, s.stOK = statcache.Of(info)
	}
	b.c.estimate += info.Size()
	if s.realize {
		b.c.realized[key] = true
	}
	if !isExternal(key) && path.Dir(key) != "." {
		b.c.managedDirs[topName(key)] = true // R61(a)
	}
	b.c.add(s)
	return nil
}

// open opens a raw file's bytes: from the bundle, or from the staging area.
func (b *contentBuilder) open(s *source) (io.ReadCloser, fs.FileInfo, error) {
	var f fs.File
	var err error
	if s.staged || s.kind == fromStaging {
		f, err = os.Open(s.file)
	} else {
		f, err = b.fsys.Open(s.file)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("%s: open %s: %w", s.origin, s.file, err)
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("%s: stat %s: %w", s.origin, s.file, err)
	}
	return f, info, nil
}

// bundlePerm is the permission bits a bundle file records (R101): those of
// a file of a bundle directory; for a .zip bundle, those its Unix attributes
// hold, none when it has none (archive/zip would say 0666, world-writable);
// none for a download, whose bits are the staging file's.
func bundlePerm(info fs.FileInfo, staged bool) fs.FileMode {
	if staged {
		return 0
	}
	if perm, ok := fileops.ZipPerm(info); ok {
		return perm
	}
	return info.Mode().Perm()
}

// archive adds an archive (R80, R81 GO, R97–R99): an exploded archive by its
// entries, a compressed one by its own path, rebuilt in the staging area when
// entries are realized.
func (b *contentBuilder) archive(a *recipe.Archive) error {
	name := bundlePath(a.Name)
	local := ""
	if a.URL != "" {
		local = b.staging.Path("url", a.BaseName())
		if err := b.fetch(b.ctx, a.URL, local, a.SHA256); err != nil {
			return fmt.Errorf("%s: <rhq:url-archive url=%q>: %w", a.Pos, a.URL, err)
		}
		name = a.BaseName()
	}
	arc, err := b.openArchive(name, local, a.Pos)
	if err != nil {
		return err
	}
	b.c.archives = append(b.c.archives, arc)
	replace, err := a.Replace.Matcher()
	if err != nil {
		return err
	}
	for i := range arc.Entries {
		if !arc.Entries[i].Dir {
			b.c.estimate += arc.Entries[i].Size // R47
		}
	}
	if !a.Exploded {
		return b.compressed(a, name, local, arc, replace)
	}
	for i := range arc.Entries {
		e := &arc.Entries[i]
		if dir, _, ok := strings.Cut(e.Name, "/"); ok {
			b.c.managedDirs[dir] = true // R61(b)
		}
		if e.Dir {
			b.c.mkdirs = append(b.c.mkdirs, path.Clean(e.Name))
			continue
		}
		s := &source{key: e.Name, kind: fromEntry, archive: arc, entry: e, realize: replace.Match(e.Name), mode: e.Mode,
			size: e.Size, origin: a.Pos, cacheKey: statcache.EntryKey(name, e.Name)}
		if s.realize {
			b.c.realized[e.Name] = true
		}
		b.c.add(s)
	}
	return nil
}

// compressed adds a compressed archive as one file (R98). Without destinationDir
// it keeps its path in the bundle; with one it goes to that directory. When
// entries are realized the archive is rebuilt in the staging area, with its
// entries in their order and a fixed timestamp, so the same inputs always give
// the same bytes (GO of R99).
func (b *contentBuilder) compressed(a *recipe.Archive, name, local string, arc *fileops.Archive, replace *recipe.Matcher) error {
	key, err := b.normalizeFile(a.Destination(), a.Pos)
	if err != nil {
		return err
	}
	s := &source{key: key, kind: fromFile, file: name, origin: a.Pos}
	if local != "" {
		s.file, s.staged = local, true
	}
	rc, info, err := b.open(s)
	if err != nil {
		return err
	}
	rc.Close()
	s.mode, s.size, s.modTime = bundlePerm(info, s.staged), info.Size(), info.ModTime()
	if !s.staged {
		s.cacheKey = s.file
		s.st, s.stOK = statcache.Of(info)
	}
	realize := false
	for i := range arc.Entries {
		if !arc.Entries[i].Dir && replace.Match(arc.Entries[i].Name) {
			realize = true
			b.c.realized[arc.Entries[i].Name] = true // R93: by entry name
		}
	}
	if !realize {
		b.c.add(s)
		return nil
	}
	rebuilt := b.staging.Path("rebuilt", path.Base(name))
	if s.hash, s.size, s.idInZip, err = b.rebuild(arc, rebuilt, replace); err != nil {
		return fmt.Errorf("%s: rebuild %s with realized entries: %w", a.Pos, name, err)
	}
	s.kind, s.file, s.staged = fromStaging, rebuilt, true
	b.c.add(s)
	return nil
}

// rebuild writes a copy of arc to path with the entries that replace selects
// realized, and returns the MD5 and size of what it wrote (hashed while writing,
// not read back), and whether a realized entry holds the deployment's id.
func (b *contentBuilder) rebuild(arc *fileops.Archive, to string, replace *recipe.Matcher) (string, int64, bool, error) {
	var at []int64 // the entries are read one after the other
	files := make([]fileops.ZipFile, len(arc.Entries))
	for i := range arc.Entries {
		e := &arc.Entries[i]
		realize := !e.Dir && replace.Match(e.Name)
		files[i] = fileops.ZipFile{Name: e.Name, Dir: e.Dir, Mode: e.Mode, Open: func() (io.ReadCloser, error) {
			rc, err := e.Open()
			if err != nil || !realize {
				return rc, err
			}
			return readCloser{Reader: watchID(rc, b.values, &at), Closer: rc}, nil
		}}
	}
	f, err := b.staging.Create(to)
	if err != nil {
		return "", 0, false, err
	}
	h, n := md5.New(), &countWriter{}
	if err := fileops.WriteZip(io.MultiWriter(f, h, n), files); err != nil {
		f.Close()
		return "", 0, false, err
	}
	if err := f.Close(); err != nil {
		return "", 0, false, err
	}
	return hex.EncodeToString(h.Sum(nil)), n.n, len(at) > 0, nil
}

// countWriter counts the bytes written to it.
type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}

type readCloser struct {
	io.Reader
	io.Closer
}

// bundlePath cleans a recipe name into a path of the bundle's fs.FS.
func bundlePath(name string) string {
	return path.Clean(strings.ReplaceAll(name, `\`, "/"))
}

// openArchive opens and validates an archive of the bundle (or a downloaded one):
// every entry is checked before anything is read (GO of R181). An archive inside
// a zip bundle is first copied to the staging area, since reading a zip needs
// random access.
func (b *contentBuilder) openArchive(name, local string, pos recipe.Pos) (*fileops.Archive, error) {
	switch {
	case local != "":
	case b.dirPath != "":
		local = filepath.Join(b.dirPath, filepath.FromSlash(name))
	default:
		f, err := b.fsys.Open(name)
		if err != nil {
			return nil, fmt.Errorf("%s: open archive %s: %w", pos, name, err)
		}
		local = b.staging.Path("archives", path.Base(name))
		err = b.staging.Save(f, local)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: stage archive %s: %w", pos, name, err)
		}
	}
	arc, err := fileops.OpenZipFile(local, b.limits)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", pos, err)
	}
	return arc, nil
}

// hashSources hashes those of sources that are not hashed yet, in parallel
// (each read once, realized when the recipe says so: R50–R52), because a
// decision compares them with what is recorded or on disk.
func (p *Plan) hashSources(ctx context.Context, sources []*source) error {
	var todo []*source
	for _, s := range sources {
		if s.hash == "" {
			if s.hash = p.cachedHash(s); s.hash == "" {
				todo = append(todo, s)
			}
		}
	}
	errs := make([]error, len(todo))
	forEach(len(todo), func(i int) {
		s := todo[i]
		rc, err := p.open(s)
		if err != nil {
			errs[i] = fmt.Errorf("%s: open %s: %w", s.origin, s.key, err)
			return
		}
		defer rc.Close()
		var r io.Reader = ctxio.Reader(ctx, rc)
		var at []int64
		if s.realize {
			r = watchID(r, p.values, &at)
		}
		if s.hash, _, err = fileops.Hash(r); err != nil {
			errs[i] = fmt.Errorf("%s: hash %s: %w", s.origin, s.key, err)
			return
		}
		if s.realize {
			s.seen(at, s.hash)
		}
	})
	return errors.Join(errs...)
}

// cachedHash returns the hash the stat cache proves for a source that is not
// realized, or "": an archive entry with the same CRC-32, sizes and method as
// recorded; a bundle file with the same stat (not in verify mode).
func (p *Plan) cachedHash(s *source) string {
	c := p.cache
	if c == nil || s.realize || s.cacheKey == "" {
		return ""
	}
	if s.kind == fromEntry {
		e, ok := c.Entries[s.cacheKey]
		crc, comp, size, method := s.entry.Identity()
		if ok && e.CRC32 == crc && e.Compressed == comp && e.Size == size && e.Method == method {
			return e.MD5
		}
		return ""
	}
	if f, ok := c.Bundle[s.cacheKey]; ok && !p.verify && c.Trusted(f, s.st, s.stOK) {
		return f.MD5
	}
	return ""
}

// cacheRecord gives sink the record of the cache the deployment writes
// that proves the source hashes to hash, if there is one.
func (s *source) cacheRecord(sink cacheSink, hash string) {
	if s.realize || s.cacheKey == "" || hash == "" {
		return
	}
	if s.kind == fromEntry {
		crc, comp, size, method := s.entry.Identity()
		sink.entry(s.cacheKey, statcache.Entry{CRC32: crc, Size: size, Compressed: comp, Method: method, MD5: hash})
		return
	}
	if s.stOK {
		sink.bundleFile(s.cacheKey, statcache.File{Stat: s.st, MD5: hash})
	}
}
