package bundle_test

import (
	"context"
	"errors"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/bundle"
	"github.com/bundlekit/bundlekit/fileops"
	"github.com/bundlekit/bundlekit/internal/metadata"
	"github.com/bundlekit/bundlekit/internal/testtree"
)

// The content digest (fileops.ContentDigest, issue 10) of files larger than
// one 4 MiB chunk, and the records of older bundlekits, whose digests were
// whole-file SHA-256.

// bigContent returns size pseudo-random bytes.
func bigContent(seed uint64, size int) string {
	rng := rand.New(rand.NewPCG(seed, 0))
	b := make([]byte, size)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return string(b)
}

// bigSize is past two chunks: --verify hashes such a file on every core.
const bigSize = 2*fileops.ContentChunkSize + 12345

// writeOldDigests replaces deployment id's digests record with the one a
// bundlekit of format 1 wrote: no header, the whole-file SHA-256 of each
// file's content.
func writeOldDigests(t *testing.T, dest string, id int32, files map[string]string) {
	t.Helper()
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(files)) {
		b.WriteString(k + "\t" + sha256hex(files[k]) + "\n")
	}
	p := filepath.Join(dest, filepath.FromSlash(metadata.DigestsPath(id)))
	require.NoError(t, os.WriteFile(p, []byte(b.String()), 0o644))
	_, err := metadata.ParseDigests(b.String())
	require.ErrorIs(t, err, metadata.ErrDigestsFormat)
}

// editInPlace changes content at offset off of file p keeping its size and
// modification time: only reading it tells.
func editInPlace(t *testing.T, p string, off int64) {
	t.Helper()
	fi, err := os.Stat(p)
	require.NoError(t, err)
	f, err := os.OpenFile(p, os.O_RDWR, 0)
	require.NoError(t, err)
	var b [1]byte
	_, err = f.ReadAt(b[:], off)
	require.NoError(t, err)
	b[0] ^= 0xff
	_, err = f.WriteAt(b[:], off)
	require.NoError(t, err)
	require.NoError(t, f.Close())
	require.NoError(t, os.Chtimes(p, fi.ModTime(), fi.ModTime()))
}

// TestDigestsOfLargeFiles: the record holds content digests — a small
// file's plain SHA-256, a large file's chunked digest — and a full
// verification proves an unchanged large file by it, and sees an edit that
// keeps its size and modification time.
func TestDigestsOfLargeFiles(t *testing.T) {
	ctx := context.Background()
	dest := filepath.Join(t.TempDir(), "app")
	big := bigContent(1, bigSize)
	files := map[string]string{"small.txt": "small", "lib/big.bin": big}
	b := spec{Files: files}.open(t)
	_, err := bundle.Deploy(ctx, b, bundle.Options{Dest: dest, ID: 1})
	require.NoError(t, err)
	d := readDigests(t, dest, 1)
	require.Equal(t, metadata.Digests{"small.txt": sha256hex("small"), "lib/big.bin": fileops.ContentDigest([]byte(big))}, d)
	require.NotEqual(t, sha256hex(big), d["lib/big.bin"])

	got := planEntries(t, b, bundle.Options{Dest: dest, ID: 2, Verify: true})
	require.Equal(t, bundle.ActionUnchanged, got["lib/big.bin"].Action)
	require.Equal(t, md5hex(big), got["lib/big.bin"].Current)

	editInPlace(t, filepath.Join(dest, "lib", "big.bin"), fileops.ContentChunkSize+7)
	got = planEntries(t, b, bundle.Options{Dest: dest, ID: 2, Verify: true})
	require.NotEqual(t, md5hex(big), got["lib/big.bin"].Current, "the edit is seen")
	require.NotEqual(t, bundle.ActionUnchanged, got["lib/big.bin"].Action)
}

// TestDigestsOfOlderBundlekit: a digests record without the header, as an
// older bundlekit wrote it (whole-file SHA-256), is taken for missing: a
// full verification hashes with MD5, calls no correct file modified, still
// sees an edit, and the next deployment records content digests, not the
// old record's values.
func TestDigestsOfOlderBundlekit(t *testing.T) {
	ctx := context.Background()
	dest := filepath.Join(t.TempDir(), "app")
	big := bigContent(2, bigSize)
	files := map[string]string{"small.txt": "small", "edited.txt": "EDIT ME", "lib/big.bin": big}
	b := spec{Files: files}.open(t)
	_, err := bundle.Deploy(ctx, b, bundle.Options{Dest: dest, ID: 1})
	require.NoError(t, err)
	writeOldDigests(t, dest, 1, files)
	editInPlace(t, filepath.Join(dest, "edited.txt"), 0)

	got := planEntries(t, b, bundle.Options{Dest: dest, ID: 2, Verify: true})
	for _, k := range []string{"small.txt", "lib/big.bin"} {
		require.Equal(t, bundle.ActionUnchanged, got[k].Action, k)
		require.Equal(t, md5hex(files[k]), got[k].Current, k)
	}
	require.NotEqual(t, md5hex("EDIT ME"), got["edited.txt"].Current, "the edit is seen")

	_, err = bundle.Deploy(ctx, b, bundle.Options{Dest: dest, ID: 2, Verify: true})
	require.NoError(t, err)
	d := readDigests(t, dest, 2)
	require.Equal(t, fileops.ContentDigest([]byte(big)), d["lib/big.bin"], "not the old record's whole-file SHA-256")
	require.Equal(t, sha256hex("small"), d["small.txt"])
	for _, k := range []string{"small.txt", "lib/big.bin"} {
		require.Equal(t, files[k], readFile(t, filepath.Join(dest, k)), k)
	}
}

// TestRevertStoredLargeFile: a file of more than one chunk is kept in the
// store under its content digest and comes back from it, checked.
func TestRevertStoredLargeFile(t *testing.T) {
	dest := filepath.Join(t.TempDir(), "app")
	big1, big2 := bigContent(3, bigSize), bigContent(4, bigSize+1)
	deploySpec(t, spec{Version: "1", Files: map[string]string{"big.bin": big1, "a": "a"}}, dest, 1, nil)
	deploySpec(t, spec{Version: "2", Files: map[string]string{"big.bin": big2, "a": "a"}}, dest, 2, nil)
	require.Equal(t, map[string]string{fileops.ContentDigest([]byte(big1)): big1}, storeObjects(t, dest))
	require.Equal(t, map[string]string{"big.bin": fileops.ContentDigest([]byte(big1))}, readExtras(t, dest, 2).Stored)

	revertStored(t, dest, 3)
	require.Equal(t, map[string]string{"big.bin": big1, "a": "a"}, readTree(t, dest))
}

// TestRevertStoredOlderBundlekit: a store an older bundlekit kept names
// objects by whole-file SHA-256, in records of format 2 (and digests
// records of format 1). A revert uses those objects only where that is
// their content digest too, up to 4 MiB; one that needs a larger object
// is refused, naming the file, and changes nothing.
func TestRevertStoredOlderBundlekit(t *testing.T) {
	big1, big2 := bigContent(5, bigSize), bigContent(6, bigSize)
	for _, tc := range []struct {
		name   string
		v2     map[string]string
		refuse []string
	}{
		{"only small files replaced", map[string]string{"big.bin": big1, "small.txt": "s2"}, nil},
		{"a large file replaced", map[string]string{"big.bin": big2, "small.txt": "s2"}, []string{"big.bin"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			dest := filepath.Join(t.TempDir(), "app")
			v1 := map[string]string{"big.bin": big1, "small.txt": "s1"}
			deploySpec(t, spec{Version: "1", Files: v1}, dest, 1, nil)
			deploySpec(t, spec{Version: "2", Files: tc.v2}, dest, 2, nil)

			// What an older bundlekit would have left: its records, and
			// its objects named by whole-file SHA-256.
			writeOldDigests(t, dest, 1, v1)
			writeOldDigests(t, dest, 2, tc.v2)
			e := readExtras(t, dest, 2)
			for k := range e.Stored {
				old := filepath.Join(dest, filepath.FromSlash(objectsDir), e.Stored[k][:2], e.Stored[k])
				sha := sha256hex(v1[k])
				e.Stored[k] = sha
				renamed := filepath.Join(dest, filepath.FromSlash(objectsDir), sha[:2], sha)
				require.NoError(t, os.MkdirAll(filepath.Dir(renamed), 0o700))
				require.NoError(t, os.Rename(old, renamed))
			}
			e.StoredSHA256 = true
			data, err := metadata.EncodeExtras(*e)
			require.NoError(t, err)
			require.Contains(t, string(data), `"v":2`)
			require.NoError(t, os.WriteFile(filepath.Join(dest, filepath.FromSlash(metadata.ExtrasPath(2))), data, 0o644))

			if tc.refuse == nil {
				revertStored(t, dest, 3)
				require.Equal(t, v1, readTree(t, dest))
				return
			}
			before := testtree.Snapshot(t, dest)
			_, err = bundle.RevertStored(ctx, bundle.Options{Dest: dest, ID: 3})
			var need *bundle.BundleNeededError
			require.True(t, errors.As(err, &need), "%v", err)
			require.Equal(t, tc.refuse, need.Paths)
			require.Contains(t, need.Reason, "the store does not hold the bytes")
			requireUnchanged(t, before, dest)
		})
	}
}
