package main

import (
	"bytes"
	"flag"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/fileops"
)

var updateArchives = flag.Bool("update-archives", false, "rebuild the example bundles' archives from examples/bundles/archives")

// exampleArchives maps each archive source directory under
// examples/bundles/archives to the archive it becomes in an example bundle. The
// sources are plain files so they read well in review; the archives are what a
// bundle carries.
var exampleArchives = map[string]string{
	"stable/MusicApp.jar": "musicapp-stable/MusicApp.jar",
	"stable/MyMusic.jar":  "musicapp-stable/clients/MyMusic.jar",
	"devel/MusicApp.jar":  "musicapp-devel/MusicApp.jar",
	"devel/MyMusic.jar":   "musicapp-devel/clients/MyMusic.jar",
	"simple/MyApp.zip":    "simple/MyApp.zip",
}

// buildArchive zips a source directory deterministically. Modes are normalised to
// 0755 for executables and 0644 otherwise, so a checkout's umask does not change
// the bytes.
func buildArchive(t *testing.T, src string) []byte {
	t.Helper()
	var files []fileops.ZipFile
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == src {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		info, err := d.Info()
		if err != nil {
			return err
		}
		mode := fs.FileMode(0o644)
		if d.IsDir() || info.Mode()&0o111 != 0 {
			mode = 0o755
		}
		f := fileops.ZipFile{Name: filepath.ToSlash(rel), Dir: d.IsDir(), Mode: mode}
		if !d.IsDir() {
			f.Open = func() (io.ReadCloser, error) { return os.Open(p) }
		}
		files = append(files, f)
		return nil
	})
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, fileops.WriteZip(&buf, files))
	return buf.Bytes()
}

func TestExampleArchivesUpToDate(t *testing.T) {
	for src, dst := range exampleArchives {
		want := buildArchive(t, filepath.Join("..", "bundles", "archives", filepath.FromSlash(src)))
		path := filepath.Join("..", "bundles", filepath.FromSlash(dst))
		if *updateArchives {
			require.NoError(t, os.WriteFile(path, want, 0o644))
		}
		got, err := os.ReadFile(path)
		require.NoError(t, err)
		require.True(t, bytes.Equal(want, got), "%s is out of date with examples/bundles/archives/%s: run go test ./examples/deployer -run TestExampleArchives -update-archives", dst, src)
	}
}
