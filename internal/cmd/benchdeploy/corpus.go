package main

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bundlekit/bundlekit/internal/bytesize"
)

// corpusFormat names the generation of the corpus builders; change it whenever
// a builder's output changes, so that no cache built by the old code is used.
const corpusFormat = "v1"

// zipTime is every zip entry's modification time: fixed, so the zips are
// reproducible, and on an even second, so DOS time stores it exactly.
var zipTime = time.Date(2024, 1, 2, 3, 4, 6, 0, time.UTC)

// corpus is two versions of one bundle; v2 is the upgrade of v1.
type corpus struct {
	name    string
	desc    string // what it is, for the report
	archive string // the exploded zip's name inside each bundle
	dir     string // holds the bundles v1/ and v2/
}

func (c *corpus) bundle(version int) string {
	return filepath.Join(c.dir, "v"+strconv.Itoa(version))
}

func (c *corpus) zip(version int) string {
	return filepath.Join(c.bundle(version), c.archive)
}

// entry is one file of a bundle's zip.
type entry struct {
	name string      // slash-separated, relative
	perm fs.FileMode // permission bits
	// Exactly one of open and raw is set: raw is an entry of another zip,
	// copied with its compressed bytes.
	open func() (io.ReadCloser, error)
	raw  *zip.File
}

// loadCorpus returns the named corpus, building it into the cache first when
// the cache does not hold it yet.
func loadCorpus(ctx context.Context, name, cacheDir string, scale float64, progress io.Writer) (*corpus, error) {
	c := &corpus{name: name}
	var build func(ctx context.Context, c *corpus, tmp string) error
	switch name {
	case "real":
		c.desc = fmt.Sprintf("golang.org/x/tools %s → %s, repacked without the module prefix", realVersions[0], realVersions[1])
		c.archive = "tools.zip"
		c.dir = filepath.Join(cacheDir, corpusFormat, name)
		build = buildReal
	case "synthetic":
		c.desc = "generated files in nested directories; v2 changes 1 % of them, same sizes and mtimes"
		c.archive = "synthetic.zip"
		c.dir = filepath.Join(cacheDir, corpusFormat, name+"-"+strconv.FormatFloat(scale, 'g', -1, 64))
		build = func(_ context.Context, c *corpus, tmp string) error { return buildSynthetic(scale, tmp) }
	case "large":
		c.desc = fmt.Sprintf("one %s file and %d small files; v2 changes %d small files, same sizes", bytesize.Format(largeSize(scale)), len(largeSmall), len(largeChanged))
		c.archive = "large.zip"
		c.dir = filepath.Join(cacheDir, corpusFormat, name+"-"+strconv.FormatFloat(scale, 'g', -1, 64))
		build = func(_ context.Context, c *corpus, tmp string) error { return buildLarge(scale, tmp) }
	default:
		return nil, fmt.Errorf("unknown corpus %q", name)
	}
	if _, err := os.Stat(c.dir); err == nil {
		return c, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	fmt.Fprintf(progress, "building the %s corpus in %s\n", name, c.dir)
	if err := os.MkdirAll(filepath.Dir(c.dir), 0o755); err != nil {
		return nil, err
	}
	// Built next to its final name and renamed: a cached corpus is complete.
	tmp, err := os.MkdirTemp(filepath.Dir(c.dir), ".build-"+name+"-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	if err := build(ctx, c, tmp); err != nil {
		return nil, fmt.Errorf("building the %s corpus: %w", name, err)
	}
	if err := os.Rename(tmp, c.dir); err != nil {
		return nil, err
	}
	return c, nil
}

// writeBundle writes dir/deploy.xml, deploying archive exploded in full
// compliance, and dir/archive holding entries.
func writeBundle(dir, name, version, archive string, entries []entry) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	recipe := fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>
<project name="bench-%[1]s" default="main" xmlns:rhq="antlib:org.rhq.bundle">
    <rhq:bundle name="bench-%[1]s" version="%[2]s" description="benchdeploy corpus %[1]s">
        <rhq:deployment-unit name="%[1]s" compliance="full">
            <rhq:archive name="%[3]s" exploded="true"/>
        </rhq:deployment-unit>
    </rhq:bundle>
    <target name="main"/>
</project>
`, name, version, archive)
	if err := os.WriteFile(filepath.Join(dir, "deploy.xml"), []byte(recipe), 0o644); err != nil {
		return err
	}
	return writeZip(filepath.Join(dir, archive), entries)
}

// writeZip writes entries to a new zip at name, sorted by name, each
// directory with an entry of its own, every entry dated zipTime.
func writeZip(name string, entries []entry) (err error) {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	dirs := map[string]bool{}
	for _, e := range entries {
		for d := path.Dir(e.name); d != "."; d = path.Dir(d) {
			dirs[d+"/"] = true
		}
	}
	all := slices.Clone(entries)
	for d := range dirs {
		all = append(all, entry{name: d, perm: 0o755})
	}
	slices.SortFunc(all, func(a, b entry) int { return strings.Compare(a.name, b.name) })

	w := zip.NewWriter(f)
	// Pinned, so the zips do not change when Go's default level does.
	w.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(out, 6)
	})
	for _, e := range all {
		if err := writeEntry(w, e); err != nil {
			return fmt.Errorf("%s: %s: %w", name, e.name, err)
		}
	}
	return w.Close()
}

func writeEntry(w *zip.Writer, e entry) error {
	if e.raw != nil {
		return w.Copy(e.raw)
	}
	h := &zip.FileHeader{Name: e.name, Modified: zipTime}
	if strings.HasSuffix(e.name, "/") {
		h.SetMode(fs.ModeDir | e.perm)
		_, err := w.CreateHeader(h)
		return err
	}
	h.Method = zip.Deflate
	h.SetMode(e.perm)
	dst, err := w.CreateHeader(h)
	if err != nil {
		return err
	}
	src, err := e.open()
	if err != nil {
		return err
	}
	defer src.Close()
	_, err = io.Copy(dst, src)
	return err
}

// realVersions are the golang.org/x/tools versions of the real corpus.
var realVersions = [2]string{"v0.28.0", "v0.29.0"}

// buildReal fetches the module zips with go mod download and repacks each
// without its "golang.org/x/tools@vX/" prefix, so that v2 is an upgrade of the
// same tree.
func buildReal(ctx context.Context, c *corpus, tmp string) error {
	for i, v := range realVersions {
		zipPath, err := goModDownload(ctx, tmp, "golang.org/x/tools@"+v)
		if err != nil {
			return err
		}
		zr, err := zip.OpenReader(zipPath)
		if err != nil {
			return err
		}
		prefix := "golang.org/x/tools@" + v + "/"
		var entries []entry
		for _, f := range zr.File {
			name, ok := strings.CutPrefix(f.Name, prefix)
			if !ok || name == "" || strings.HasSuffix(name, "/") {
				zr.Close()
				return fmt.Errorf("%s: unexpected entry %q in a module zip", zipPath, f.Name)
			}
			entries = append(entries, entry{name: name, perm: 0o644, open: f.Open})
		}
		err = writeBundle(filepath.Join(tmp, "v"+strconv.Itoa(i+1)), "real", strings.TrimPrefix(v, "v"), c.archive, entries)
		zr.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// goModDownload runs go mod download -json for modVersion in dir and returns
// the module zip's path in the module cache.
func goModDownload(ctx context.Context, dir, modVersion string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "mod", "download", "-json", modVersion)
	cmd.Dir = dir // outside any module: nothing's go.mod or go.sum is touched
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var info struct{ Zip, Error string }
	if jerr := json.Unmarshal(out, &info); jerr == nil && info.Error != "" {
		return "", fmt.Errorf("go mod download %s: %s", modVersion, info.Error)
	}
	if err != nil {
		return "", fmt.Errorf("go mod download %s (needs the network or a module proxy): %w\n%s", modVersion, err, stderr.Bytes())
	}
	if info.Zip == "" {
		return "", fmt.Errorf("go mod download %s: no Zip in %s", modVersion, out)
	}
	return info.Zip, nil
}

// The synthetic corpus at scale 1.
const (
	synthFiles = 10_000
	synthBytes = 500 << 20
)

func synthSize(scale float64) (files int, total int64) {
	files = max(1, int(float64(synthFiles)*scale))
	return files, max(int64(files), int64(float64(synthBytes)*scale))
}

// synthFile is one file of the synthetic corpus.
type synthFile struct {
	name    string
	perm    fs.FileMode
	size    int64
	mutated bool // v2 has other content of the same size
}

// synthLayout lays the synthetic corpus out from a fixed seed: nested
// directories (each one's parent drawn from those before it), file sizes
// spread over 16 powers of two and scaled to the total, one file in 20
// executable, 1 % of the files mutated in v2. Only PCG's output is used (no
// floating point, no library sampling), so the layout is the same everywhere.
func synthLayout(scale float64) []synthFile {
	n, total := synthSize(scale)
	rng := rand.NewPCG(20240102, 30406)
	intn := func(k int) int { return int(rng.Uint64() % uint64(k)) }

	dirs := []string{""}
	for i := range max(1, n/25) {
		parent := dirs[intn(len(dirs))]
		dirs = append(dirs, path.Join(parent, fmt.Sprintf("d%03d", i)))
	}
	exts := []string{".txt", ".bin", ".class", ".xml", ".properties", ".json", ".so", ".html"}
	files := make([]synthFile, n)
	var sum int64
	for i := range files {
		f := &files[i]
		f.name = path.Join(dirs[intn(len(dirs))], fmt.Sprintf("f%05d%s", i, exts[intn(len(exts))]))
		f.perm = 0o644
		if intn(20) == 0 {
			f.perm = 0o755
		}
		base := int64(32) << intn(16)
		f.size = base + int64(intn(int(base)))
		sum += f.size
	}
	for i := range files {
		files[i].size = max(1, files[i].size*total/sum)
	}
	for k := range max(1, n/100) { // a partial Fisher-Yates shuffle picks the mutated files
		j := k + intn(n-k)
		files[k], files[j] = files[j], files[k]
		files[k].mutated = true
	}
	return files
}

func buildSynthetic(scale float64, tmp string) error {
	files := synthLayout(scale)
	v1 := make([]entry, len(files))
	for i, f := range files {
		v1[i] = entry{name: f.name, perm: f.perm, open: contentOpener("synthetic/"+f.name+"@1", f.size)}
	}
	if err := writeBundle(filepath.Join(tmp, "v1"), "synthetic", "1.0", "synthetic.zip", v1); err != nil {
		return err
	}
	changed := map[string]synthFile{}
	for _, f := range files {
		if f.mutated {
			changed[f.name] = f
		}
	}
	return writeV2(filepath.Join(tmp, "v1", "synthetic.zip"), filepath.Join(tmp, "v2"), "synthetic", "2.0", func(name string) (string, bool) {
		_, ok := changed[name]
		return "synthetic/" + name + "@2", ok
	})
}

// writeV2 writes the bundle dir from v1's zip: the entries for which change
// returns true get the content of the key it returns, at the same size; the
// others are copied as they are.
func writeV2(v1Zip, dir, name, version string, change func(name string) (key string, ok bool)) error {
	zr, err := zip.OpenReader(v1Zip)
	if err != nil {
		return err
	}
	defer zr.Close()
	var entries []entry
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, "/") {
			continue // writeZip adds the directories
		}
		e := entry{name: f.Name, perm: f.Mode().Perm(), raw: f}
		if key, ok := change(f.Name); ok {
			e.raw, e.open = nil, contentOpener(key, int64(f.UncompressedSize64))
		}
		entries = append(entries, e)
	}
	return writeBundle(dir, name, version, filepath.Base(v1Zip), entries)
}

// The large corpus: one big file (1 GiB at scale 1) among small ones.
const (
	largeBytes = 1 << 30
	largeName  = "data/blob.bin"
)

// largeSmall are the large corpus's small files and their sizes; their sizes
// do not scale.
var largeSmall = []struct {
	name string
	perm fs.FileMode
	size int64
}{
	{"README.txt", 0o644, 1200},
	{"bin/run.sh", 0o755, 600},
	{"conf/app.properties", 0o644, 2500},
	{"conf/logging.properties", 0o644, 3000},
	{"lib/plugins.xml", 0o644, 8000},
	{"lib/version.txt", 0o644, 64},
}

// largeChanged are the small files v2 changes.
var largeChanged = []string{"conf/app.properties", "lib/version.txt"}

func largeSize(scale float64) int64 {
	return max(1, int64(float64(largeBytes)*scale))
}

func buildLarge(scale float64, tmp string) error {
	v1 := []entry{{name: largeName, perm: 0o644, open: contentOpener("large/"+largeName+"@1", largeSize(scale))}}
	for _, s := range largeSmall {
		v1 = append(v1, entry{name: s.name, perm: s.perm, open: contentOpener("large/"+s.name+"@1", s.size)})
	}
	if err := writeBundle(filepath.Join(tmp, "v1"), "large", "1.0", "large.zip", v1); err != nil {
		return err
	}
	return writeV2(filepath.Join(tmp, "v1", "large.zip"), filepath.Join(tmp, "v2"), "large", "2.0", func(name string) (string, bool) {
		return "large/" + name + "@2", slices.Contains(largeChanged, name)
	})
}

func contentOpener(key string, size int64) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) { return io.NopCloser(newContent(key, size)), nil }
}

// words make the compressible half of the generated content.
var words = strings.Fields(`the of and to in is for on that with as by this be are from at or an
	it not which have has was all can will more one if new other its their may
	class public static void return import package func string int error value
	config server port host name version true false null data file path user`)

// content is size pseudo-random bytes determined by a key: 4 KiB blocks, about
// half of them random bytes, half words, so deflate shrinks the whole by
// somewhat more than a third. The blocks' kinds and words come from a PCG, the
// random bytes from a ChaCha8, both seeded from the key: their streams are
// specified, so the content is the same on every platform and Go release.
type content struct {
	pick  *rand.PCG
	bytes *rand.ChaCha8
	left  int64
	block [blockSize]byte
	off   int
}

const blockSize = 4096

func newContent(key string, size int64) *content {
	seed := sha256.Sum256([]byte(key))
	return &content{
		pick:  rand.NewPCG(binary.LittleEndian.Uint64(seed[:8]), binary.LittleEndian.Uint64(seed[8:16])),
		bytes: rand.NewChaCha8(seed),
		left:  size,
		off:   blockSize,
	}
}

func (c *content) Read(p []byte) (int, error) {
	if c.left == 0 {
		return 0, io.EOF
	}
	if c.off == blockSize {
		c.fill()
	}
	n := copy(p[:min(int64(len(p)), c.left)], c.block[c.off:])
	c.off += n
	c.left -= int64(n)
	return n, nil
}

func (c *content) fill() {
	c.off = 0
	if c.pick.Uint64()&1 == 0 {
		c.bytes.Read(c.block[:])
		return
	}
	for n := 0; n < blockSize; {
		n += copy(c.block[n:], words[c.pick.Uint64()%uint64(len(words))])
		if n < blockSize {
			c.block[n] = ' '
			n++
		}
	}
}
