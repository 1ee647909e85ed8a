//go:build unix

package bundle_test

import (
	"archive/zip"
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/bundle"
)

// TestBundlePermissionSources (R101, durability issue 11.6): a file never
// arrives with bits wider than its bundle records. A .zip bundle made
// without Unix attributes (on Windows, by many tools) records none, where
// archive/zip reports 0666, so its files get 0644; one with Unix attributes
// gets exactly its bits; a download records none either (not the 0600 of the
// staging file), so it gets 0644 too.
func TestBundlePermissionSources(t *testing.T) {
	srv := urlServer(t, map[string]string{"/conf/remote.conf": "remote"})
	recipe := spec{Files: map[string]string{"plain.txt": "", "script.sh": ""},
		Extra: `      <rhq:url-file url="` + srv.URL + `/conf/remote.conf"/>` + "\n"}.tree()["deploy.xml"]

	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	add := func(name, body string, unixMode fs.FileMode) {
		h := &zip.FileHeader{Name: name, Method: zip.Deflate}
		if unixMode != 0 {
			h.SetMode(unixMode) // sets the Unix creator and attributes
		} else {
			h.CreatorVersion = 0 // MS-DOS: no Unix attributes
		}
		w, err := zw.CreateHeader(h)
		require.NoError(t, err)
		_, err = w.Write([]byte(body))
		require.NoError(t, err)
	}
	add("deploy.xml", recipe, 0)
	add("plain.txt", "plain", 0)
	add("script.sh", "#!/bin/sh\n", 0o755)
	require.NoError(t, zw.Close())
	zipPath := filepath.Join(t.TempDir(), "app-1.zip")
	require.NoError(t, os.WriteFile(zipPath, buf.Bytes(), 0o644))

	b, err := bundle.Open(context.Background(), zipPath)
	require.NoError(t, err)
	defer b.Close()
	dest := filepath.Join(t.TempDir(), "app")
	_, err = bundle.Deploy(context.Background(), b, bundle.Options{Dest: dest, ID: 1})
	require.NoError(t, err)
	require.Equal(t, fs.FileMode(0o644), modeOf(t, dest, "plain.txt"), "no Unix attributes: not 0666")
	require.Equal(t, fs.FileMode(0o755), modeOf(t, dest, "script.sh"), "Unix attributes applied exactly")
	require.Equal(t, fs.FileMode(0o644), modeOf(t, dest, "remote.conf"), "a download: not the staging file's 0600")
}
