package bundle_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/bundle"
	"github.com/bundlekit/bundlekit/internal/statcache"
	"github.com/bundlekit/bundlekit/internal/testtree"
)

const cachePath = ".rhqdeployments/.bundlekit-cache"

// planEntries plans b into dest and returns its entries by path.
func planEntries(t *testing.T, b *bundle.Bundle, opts bundle.Options) map[string]*bundle.Entry {
	t.Helper()
	p, err := bundle.PlanDeploy(context.Background(), b, opts)
	require.NoError(t, err)
	require.NoError(t, p.Close())
	out := map[string]*bundle.Entry{}
	for _, e := range p.Entries {
		out[e.Path] = e
	}
	return out
}

// waitPastMargin lets the stat cache's racy window pass, so that files written
// before now are trusted.
func waitPastMargin() { time.Sleep(2 * statcache.Margin) }

// TestStatCacheSeesEveryChange: the stat cache spares a redeployment the
// reading of unchanged files, but never hides a change: a file rewritten by
// hand with its size and modification time put back, and a bundle entry whose
// bytes changed with its size and timestamp kept, are both seen (performance
// issue). Deleting the cache changes no decision.
func TestStatCacheSeesEveryChange(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no inode or change time: nothing is trusted")
	}
	ctx := context.Background()
	dest := filepath.Join(t.TempDir(), "app")
	dir := t.TempDir()
	app := func(conf, entry string) {
		testtree.WriteFiles(t, dir, spec{Files: map[string]string{"conf/app.conf": conf, "static/x.txt": "x"},
			Extra: `      <rhq:archive name="web.zip"/>` + "\n"}.tree())
		testtree.WriteFiles(t, dir, map[string]string{"web.zip": "ZIP:index.html=" + entry})
	}
	app("port=1", "<h1>one</h1>")
	b, err := bundle.Open(context.Background(), dir)
	require.NoError(t, err)
	defer b.Close()
	_, err = bundle.Deploy(ctx, b, bundle.Options{Dest: dest, ID: 1})
	require.NoError(t, err)
	require.FileExists(t, filepath.Join(dest, cachePath))
	waitPastMargin()

	// Unchanged: everything unchanged, with or without the cache.
	for id, e := range planEntries(t, b, bundle.Options{Dest: dest, ID: 2}) {
		require.Equal(t, bundle.ActionUnchanged, e.Action, id)
	}

	// A hand edit of the same size, its modification time put back.
	conf := filepath.Join(dest, "conf", "app.conf")
	fi, err := os.Stat(conf)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(conf, []byte("port=9"), 0o644))
	require.NoError(t, os.Chtimes(conf, fi.ModTime(), fi.ModTime()))
	waitPastMargin()
	e := planEntries(t, b, bundle.Options{Dest: dest, ID: 2})["conf/app.conf"]
	require.Equal(t, bundle.ActionKeep, e.Action, "R104: the edit is seen")
	require.Equal(t, md5hex("port=9"), e.Current)

	// A bundle entry changed with its size and time kept.
	zipPath := filepath.Join(dir, "web.zip")
	zfi, err := os.Stat(zipPath)
	require.NoError(t, err)
	app("port=1", "<h1>two</h1>")
	require.NoError(t, os.Chtimes(zipPath, zfi.ModTime(), zfi.ModTime()))
	b2, err := bundle.Open(context.Background(), dir)
	require.NoError(t, err)
	defer b2.Close()
	withCache := planEntries(t, b2, bundle.Options{Dest: dest, ID: 2})
	require.Equal(t, bundle.ActionChange, withCache["index.html"].Action, "R103: the new entry is seen")
	require.Equal(t, md5hex("<h1>two</h1>"), withCache["index.html"].New)

	// Without the cache, the same decisions.
	require.NoError(t, os.Remove(filepath.Join(dest, cachePath)))
	without := planEntries(t, b2, bundle.Options{Dest: dest, ID: 2})
	if diff := cmp.Diff(without, withCache, cmpopts.IgnoreUnexported(bundle.Entry{})); diff != "" {
		t.Fatalf("the cache changed a decision (-without +with):\n%s", diff)
	}
}

// TestStatCacheIgnoredWhenNotOurs: a cache recorded for another map, or
// damaged, is not used; Verify re-reads every file whatever the cache says.
func TestStatCacheIgnoredWhenNotOurs(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no inode or change time: nothing is trusted")
	}
	ctx := context.Background()
	dest := filepath.Join(t.TempDir(), "app")
	b := spec{Files: map[string]string{"a.txt": "A"}}.open(t)
	_, err := bundle.Deploy(ctx, b, bundle.Options{Dest: dest, ID: 1})
	require.NoError(t, err)
	waitPastMargin()
	cacheFile := filepath.Join(dest, cachePath)
	data, err := os.ReadFile(cacheFile)
	require.NoError(t, err)
	c, err := statcache.Decode(bytes.NewReader(data))
	require.NoError(t, err)

	// A cache that lies about a.txt's content: trusted as it stands, which
	// shows that a plan reads it ...
	lie := *c
	lie.Written = time.Now().UnixNano() // past a.txt's racy window
	f := lie.Files["a.txt"]
	f.MD5 = md5hex("not what is there")
	lie.Files = map[string]statcache.File{"a.txt": f}
	write := func(c statcache.Cache) {
		var buf bytes.Buffer
		require.NoError(t, c.Encode(&buf))
		require.NoError(t, os.WriteFile(cacheFile, buf.Bytes(), 0o644))
	}
	write(lie)
	require.Equal(t, md5hex("not what is there"), planEntries(t, b, bundle.Options{Dest: dest, ID: 2})["a.txt"].Current)
	// ... but not with Verify,
	require.Equal(t, md5hex("A"), planEntries(t, b, bundle.Options{Dest: dest, ID: 2, Verify: true})["a.txt"].Current)
	// nor when it was recorded for another map (RHQ deployed since, or the
	// metadata changed),
	other := lie
	other.Digest = "0"
	write(other)
	require.Equal(t, md5hex("A"), planEntries(t, b, bundle.Options{Dest: dest, ID: 2})["a.txt"].Current)
	// or cannot be read.
	require.NoError(t, os.WriteFile(cacheFile, []byte("garbage"), 0o644))
	require.Equal(t, md5hex("A"), planEntries(t, b, bundle.Options{Dest: dest, ID: 2})["a.txt"].Current)
}

// TestStatCacheKeptByNoOp: a redeployment that changes nothing leaves the
// stat cache as it is (its records still hold, and writing it again would
// cost a no-op most of its time); one that changes a file, or finds the cache
// gone, writes it.
func TestStatCacheKeptByNoOp(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no inode or change time: nothing is trusted")
	}
	ctx := context.Background()
	dest := filepath.Join(t.TempDir(), "app")
	b, dir := spec{Files: map[string]string{"conf/app.conf": "port=1", "static/x.txt": "x"}}.openDir(t)
	_, err := bundle.Deploy(ctx, b, bundle.Options{Dest: dest, ID: 1})
	require.NoError(t, err)
	waitPastMargin()
	cache := filepath.Join(dest, cachePath)
	before, err := os.ReadFile(cache)
	require.NoError(t, err)
	fi, err := os.Stat(cache)
	require.NoError(t, err)

	_, err = bundle.Deploy(ctx, b, bundle.Options{Dest: dest, ID: 2})
	require.NoError(t, err)
	after, err := os.ReadFile(cache)
	require.NoError(t, err)
	require.Equal(t, string(before), string(after), "a no-op keeps the cache")
	fi2, err := os.Stat(cache)
	require.NoError(t, err)
	require.True(t, os.SameFile(fi, fi2), "not even written again")

	require.NoError(t, os.WriteFile(filepath.Join(dir, "static/x.txt"), []byte("y"), 0o644))
	_, err = bundle.Deploy(ctx, b, bundle.Options{Dest: dest, ID: 3})
	require.NoError(t, err)
	changed, err := os.ReadFile(cache)
	require.NoError(t, err)
	require.NotEqual(t, string(before), string(changed), "a deployment that writes a file records it")

	require.NoError(t, os.Remove(cache))
	_, err = bundle.Deploy(ctx, b, bundle.Options{Dest: dest, ID: 4})
	require.NoError(t, err)
	require.FileExists(t, cache, "a no-op without a cache makes one")
}

// TestStatCacheTrustsLargeFileWrittenLast: the large file a deployment
// finishes just before it records the stat cache is not left racily clean
// (the next no-op would hash all of it again): the deployment waits out the
// margin first (performance issue: the 1 GiB case).
func TestStatCacheTrustsLargeFileWrittenLast(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no inode or change time: nothing is trusted")
	}
	ctx := context.Background()
	dest := filepath.Join(t.TempDir(), "app")
	big := string(bytes.Repeat([]byte("0123456789abcdef"), 2<<20)) // 32 MiB
	b := spec{Files: map[string]string{"data/blob.bin": big, "a.txt": "A"}}.open(t)
	_, err := bundle.Deploy(ctx, b, bundle.Options{Dest: dest, ID: 1})
	require.NoError(t, err)

	data, err := os.ReadFile(filepath.Join(dest, cachePath))
	require.NoError(t, err)
	c, err := statcache.Decode(bytes.NewReader(data))
	require.NoError(t, err)
	fi, err := os.Stat(filepath.Join(dest, "data/blob.bin"))
	require.NoError(t, err)
	st, ok := statcache.Of(fi)
	_, trusted := c.File("data/blob.bin", st, ok)
	require.True(t, trusted, "the large file is trusted by the next run without waiting")
	require.Equal(t, md5hex(big), planEntries(t, b, bundle.Options{Dest: dest, ID: 2})["data/blob.bin"].Current)
}
