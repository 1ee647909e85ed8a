package bundle_test

import (
	"archive/zip"
	"compress/flate"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/bundle"
	"github.com/bundlekit/bundlekit/fileops"
)

const verifyRecipe = `<project xmlns:rhq="antlib:org.rhq.bundle">
  <rhq:bundle name="Verified" version="1">
    <rhq:deployment-unit name="app" compliance="filesAndDirectories">
      <rhq:file name="data/zeros.bin"/>
    </rhq:deployment-unit>
  </rhq:bundle>
</project>
`

// verifyZip writes a .zip bundle whose data/zeros.bin holds size zero bytes,
// and returns its path and SHA-256.
func verifyZip(t *testing.T, size int64) (string, string) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "app-1.zip")
	f, err := os.Create(p)
	require.NoError(t, err)
	defer f.Close()
	h := sha256.New()
	zw := zip.NewWriter(io.MultiWriter(f, h))
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestSpeed)
	})
	w, err := zw.Create("deploy.xml")
	require.NoError(t, err)
	_, err = io.WriteString(w, verifyRecipe)
	require.NoError(t, err)
	w, err = zw.Create("data/zeros.bin")
	require.NoError(t, err)
	_, err = w.Write(make([]byte, size))
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return p, hex.EncodeToString(h.Sum(nil))
}

// TestOpenWithSHA256: a .zip bundle is checked against its published digest
// before it is read; a mismatch names the file and both digests.
func TestOpenWithSHA256(t *testing.T) {
	zipPath, sum := verifyZip(t, 10)
	b, err := bundle.OpenWith(context.Background(), zipPath, bundle.OpenOptions{SHA256: strings.ToUpper(sum)})
	require.NoError(t, err)
	require.Equal(t, "Verified", b.Recipe.Bundle.Name)
	require.Contains(t, b.Files, "data/zeros.bin")
	require.NoError(t, b.Close())

	other := strings.Repeat("0", 64)
	_, err = bundle.OpenWith(context.Background(), zipPath, bundle.OpenOptions{SHA256: other})
	var de *fileops.DigestError
	require.ErrorAs(t, err, &de)
	require.ErrorIs(t, err, fileops.ErrDigestMismatch)
	require.Equal(t, fileops.DigestError{Name: zipPath, Want: other, Got: sum}, *de)

	_, err = bundle.OpenWith(context.Background(), zipPath, bundle.OpenOptions{SHA256: "abc"})
	require.ErrorContains(t, err, "64 hex digits")

	dir := filepath.Join(t.TempDir(), "app")
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "data"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "deploy.xml"), []byte(verifyRecipe), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "data", "zeros.bin"), nil, 0o644))
	_, err = bundle.OpenWith(context.Background(), dir, bundle.OpenOptions{SHA256: sum})
	require.ErrorIs(t, err, bundle.ErrDirectoryDigest)
	b, err = bundle.OpenWith(context.Background(), dir, bundle.OpenOptions{})
	require.NoError(t, err, "a directory without a digest opens as with Open")
	require.NoError(t, b.Close())
}

// TestOpenWithLimits: a .zip bundle holding a file that expands more than the
// compression-ratio cap is refused by default, as a zip bomb would be, and
// opens when the caller raises the cap on purpose.
func TestOpenWithLimits(t *testing.T) {
	zipPath, _ := verifyZip(t, 8<<20)
	_, err := bundle.Open(context.Background(), zipPath)
	require.ErrorIs(t, err, fileops.ErrRatio)
	_, err = bundle.OpenWith(context.Background(), zipPath, bundle.OpenOptions{})
	require.ErrorIs(t, err, fileops.ErrRatio)
	var ae *fileops.ArchiveError
	require.ErrorAs(t, err, &ae)
	require.Equal(t, "data/zeros.bin", ae.Entry)

	b, err := bundle.OpenWith(context.Background(), zipPath, bundle.OpenOptions{Limits: fileops.Limits{MaxRatio: fileops.NoRatioLimit}})
	require.NoError(t, err)
	require.NoError(t, b.Close())
}
