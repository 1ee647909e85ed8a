package fileops_test

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/fileops"
)

func md5hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

func sha256hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// TestHashFiles: regular files by content (small, empty, larger than the copy
// buffer), symbolic links by target and never followed, anything else and
// any name that is not directly in the directory refused.
func TestHashFiles(t *testing.T) {
	root := t.TempDir()
	big := strings.Repeat("0123456789abcdef", 64<<10) // 1 MiB: several reads
	files := map[string]string{"a.txt": "A", "empty": "", "big.bin": big}
	for name, content := range files {
		require.NoError(t, os.WriteFile(filepath.Join(root, name), []byte(content), 0o644))
	}
	require.NoError(t, os.Mkdir(filepath.Join(root, "sub"), 0o755))
	links := runtime.GOOS != "windows"
	if links {
		require.NoError(t, os.Symlink("/etc/passwd", filepath.Join(root, "out")))
		require.NoError(t, os.Symlink("missing", filepath.Join(root, "dangling")))
	}
	d, err := fileops.OpenDir(root)
	require.NoError(t, err)
	defer d.Close()

	got := d.HashFiles([]string{"a.txt", "empty", "big.bin", "sub", "nope", "../x", "sub/a", "", "."}, fileops.DigestMD5)
	require.Equal(t, fileops.FileHash{MD5: md5hex("A")}, got[0])
	require.Equal(t, fileops.FileHash{MD5: md5hex("")}, got[1])
	require.Equal(t, fileops.FileHash{MD5: md5hex(big)}, got[2])
	// Up to 4 MiB the content digest is the plain SHA-256.
	both := d.HashFiles([]string{"a.txt", "big.bin"}, fileops.DigestMD5|fileops.DigestContent)
	require.Equal(t, []fileops.FileHash{{MD5: md5hex("A"), ContentDigest: sha256hex("A")}, {MD5: md5hex(big), ContentDigest: sha256hex(big)}}, both)
	require.Equal(t, []fileops.FileHash{{ContentDigest: sha256hex(big)}}, d.HashFiles([]string{"big.bin"}, fileops.DigestContent))
	require.ErrorIs(t, got[3].Err, fileops.ErrIrregular, "a directory")
	require.ErrorIs(t, got[4].Err, fs.ErrNotExist)
	require.Contains(t, got[4].Err.Error(), filepath.Join(root, "nope"), "the error names the file")
	for _, h := range got[5:] {
		require.ErrorIs(t, h.Err, fileops.ErrUnsafePath)
	}
	if links {
		got = d.HashFiles([]string{"out", "dangling"}, fileops.DigestMD5)
		require.Equal(t, []fileops.FileHash{{Link: "/etc/passwd"}, {Link: "missing"}}, got)
	}
}
