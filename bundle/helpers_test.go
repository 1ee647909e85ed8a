package bundle_test

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// writeTree creates files under dir from a map of relative path → content. A
// value "DIR" makes an empty directory; a path ending in ".zip" or ".jar" whose
// content starts with "ZIP:" becomes a zip archive of "name=content" lines
// separated by "|" (a name ending in "/" is a directory entry).
func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if content == "DIR" {
			require.NoError(t, os.MkdirAll(p, 0o755))
			continue
		}
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		data := []byte(content)
		if spec, ok := strings.CutPrefix(content, "ZIP:"); ok {
			data = buildZip(t, spec)
		}
		require.NoError(t, os.WriteFile(p, data, 0o644))
	}
}

func buildZip(t *testing.T, spec string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, item := range strings.Split(spec, "|") {
		name, content, _ := strings.Cut(item, "=")
		w, err := zw.Create(name)
		require.NoError(t, err)
		if !strings.HasSuffix(name, "/") {
			_, err = w.Write([]byte(content))
			require.NoError(t, err)
		}
	}
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

// readTree returns every file under dir (relative path → content), skipping
// .rhqdeployments.
func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".rhqdeployments" {
			return filepath.SkipDir
		}
		if d.Type().IsRegular() {
			rel, _ := filepath.Rel(dir, p)
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			out[filepath.ToSlash(rel)] = string(data)
		}
		return nil
	})
	require.NoError(t, err)
	return out
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	data, err := os.ReadFile(p)
	require.NoError(t, err)
	return string(data)
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }
