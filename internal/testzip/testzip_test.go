package testzip_test

import (
	"archive/zip"
	"bytes"
	"io"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/internal/testzip"
)

func read(t *testing.T, data []byte) *zip.Reader {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	require.NoError(t, err)
	return zr
}

func TestBuildLies(t *testing.T) {
	zr := read(t, testzip.Build(t,
		testzip.Entry{Name: "honest.txt", Body: "hello", Deflate: true},
		testzip.Entry{Name: "../liar", Body: "0123456789", Size: 4, Mode: 0o755},
	))
	require.Len(t, zr.File, 2)
	rc, err := zr.File[0].Open()
	require.NoError(t, err)
	got, err := io.ReadAll(rc)
	require.NoError(t, err)
	require.Equal(t, "hello", string(got))
	liar := zr.File[1].FileHeader
	require.Equal(t, "../liar", liar.Name)
	require.Equal(t, uint64(4), liar.UncompressedSize64, "the declared size, not the body's")
	require.Equal(t, uint64(10), liar.CompressedSize64)
	require.Equal(t, "-rwxr-xr-x", liar.Mode().String())
}

func TestSpec(t *testing.T) {
	zr := read(t, testzip.Spec(t, "conf/|conf/a.txt=A|b=B"))
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	require.Equal(t, []string{"conf/", "conf/a.txt", "b"}, names)
}

func TestWriteZeros(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, testzip.WriteZeros(&buf, "zeros.bin", 1<<20))
	zr := read(t, buf.Bytes())
	require.Equal(t, uint64(1<<20), zr.File[0].UncompressedSize64)
	require.Less(t, buf.Len(), 1<<14, "deflated")
}
