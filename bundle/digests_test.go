package bundle_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/bundle"
	"github.com/bundlekit/bundlekit/internal/metadata"
	"github.com/bundlekit/bundlekit/internal/testtree"
)

func sha256hex(content string) string {
	sum := sha256.Sum256([]byte(content))
	return hex.EncodeToString(sum[:])
}

func readDigests(t *testing.T, dest string, id int32) metadata.Digests {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dest, filepath.FromSlash(metadata.DigestsPath(id))))
	require.NoError(t, err)
	d, err := metadata.DecodeDigests(bytes.NewReader(data))
	require.NoError(t, err)
	return d
}

// TestDigestsRecord: each deployment records the content digest of the files
// of its map (performance issue: what a full verification proves files by;
// for these small files, their SHA-256) — of the
// files it writes, and, for the files it keeps, the previous record's digest
// or the one its rescan computed; never a digest of other content than the
// MD5 the map records.
func TestDigestsRecord(t *testing.T) {
	ctx := context.Background()
	dest := filepath.Join(t.TempDir(), "app")
	b, dir := spec{Files: map[string]string{"conf/app.conf": "port=1", "static/x.txt": "x"}}.openDir(t)
	_, err := bundle.Deploy(ctx, b, bundle.Options{Dest: dest, ID: 1})
	require.NoError(t, err)
	want := metadata.Digests{"conf/app.conf": sha256hex("port=1"), "static/x.txt": sha256hex("x")}
	require.Equal(t, want, readDigests(t, dest, 1), "written files")

	_, err = bundle.Deploy(ctx, b, bundle.Options{Dest: dest, ID: 2})
	require.NoError(t, err)
	require.Equal(t, want, readDigests(t, dest, 2), "a no-op carries the record over")

	// A local edit the upgrade keeps (the bundle did not change the file):
	// whatever MD5 the map records for it, the record holds the SHA-256 of
	// that same content.
	require.NoError(t, os.WriteFile(filepath.Join(dest, "conf/app.conf"), []byte("port=2"), 0o644))
	testtree.WriteFiles(t, dir, map[string]string{"static/x.txt": "y"})
	_, err = bundle.Deploy(ctx, b, bundle.Options{Dest: dest, ID: 3})
	require.NoError(t, err)
	d := readDigests(t, dest, 3)
	require.Equal(t, sha256hex("y"), d["static/x.txt"])
	data, err := os.ReadFile(filepath.Join(dest, filepath.FromSlash(metadata.HashesPath(3))))
	require.NoError(t, err)
	hashes, err := metadata.DecodeHashes(bytes.NewReader(data), "map")
	require.NoError(t, err)
	byMD5 := map[string]string{md5hex("port=1"): sha256hex("port=1"), md5hex("port=2"): sha256hex("port=2")}
	if sha, ok := d["conf/app.conf"]; ok {
		require.Equal(t, byMD5[hashes["conf/app.conf"]], sha, "the digest of what the map records")
	}
}

// TestVerifyWithDigests: a full verification proves unchanged files by their
// recorded content digest and still sees every change — an edit that keeps the
// size and the modification time, and a record that is damaged (then MD5
// decides alone).
func TestVerifyWithDigests(t *testing.T) {
	ctx := context.Background()
	dest := filepath.Join(t.TempDir(), "app")
	b := spec{Files: map[string]string{"a.txt": "AAAA", "b.txt": "BBBB"}}.open(t)
	_, err := bundle.Deploy(ctx, b, bundle.Options{Dest: dest, ID: 1})
	require.NoError(t, err)
	a := filepath.Join(dest, "a.txt")
	fi, err := os.Stat(a)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(a, []byte("aaaa"), 0o644))
	require.NoError(t, os.Chtimes(a, fi.ModTime(), fi.ModTime()))

	got := planEntries(t, b, bundle.Options{Dest: dest, ID: 2, Verify: true})
	require.Equal(t, md5hex("aaaa"), got["a.txt"].Current, "the edit is seen")
	require.Equal(t, md5hex("BBBB"), got["b.txt"].Current, "proved by its SHA-256")
	require.Equal(t, bundle.ActionUnchanged, got["b.txt"].Action)

	record := filepath.Join(dest, filepath.FromSlash(metadata.DigestsPath(1)))
	require.NoError(t, os.WriteFile(record, []byte("garbage"), 0o644))
	got = planEntries(t, b, bundle.Options{Dest: dest, ID: 2, Verify: true})
	require.Equal(t, md5hex("aaaa"), got["a.txt"].Current)
	require.Equal(t, md5hex("BBBB"), got["b.txt"].Current, "hashed with MD5 without a record")
}
