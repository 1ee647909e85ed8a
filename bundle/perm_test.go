//go:build unix

package bundle_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/bundle"
	"github.com/bundlekit/bundlekit/internal/testtree"
	"github.com/bundlekit/bundlekit/internal/testzip"
)

// TestPermissions is bundlekit's R101 divergence: the permission bits a zip entry
// or a bundle file records are applied exactly, whatever the umask, and setuid,
// setgid and sticky never are; a new file without recorded bits gets 0644.
func TestPermissions(t *testing.T) {
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)

	dir := t.TempDir()
	testtree.WriteFiles(t, dir, spec{Files: map[string]string{"bin/tool": "#!/bin/sh\n", "conf/secret.conf": "s"},
		Extra: `      <rhq:archive name="app.zip"/>` + "\n"}.tree())
	require.NoError(t, os.Chmod(filepath.Join(dir, "bin/tool"), 0o750))
	require.NoError(t, os.Chmod(filepath.Join(dir, "conf/secret.conf"), 0o600))
	writeBytes(t, dir, "app.zip", testzip.Build(t,
		testzip.Entry{Name: "app/run.sh", Body: "#!/bin/sh\n", Mode: 0o755},
		testzip.Entry{Name: "app/suid", Body: "x", Mode: fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky | 0o755},
		testzip.Entry{Name: "app/private", Body: "x", Mode: 0o600},
		testzip.Entry{Name: "app/plain.txt", Body: "no mode recorded"},
	))
	b, err := bundle.Open(dir)
	require.NoError(t, err)
	defer b.Close()

	dest := filepath.Join(t.TempDir(), "app")
	_, err = bundle.Deploy(context.Background(), b, bundle.Options{Dest: dest, ID: 1})
	require.NoError(t, err)
	modes := map[string]fs.FileMode{}
	for _, name := range []string{"app/run.sh", "app/suid", "app/private", "app/plain.txt", "bin/tool", "conf/secret.conf"} {
		fi, err := os.Stat(filepath.Join(dest, name))
		require.NoError(t, err)
		modes[name] = fi.Mode()
	}
	require.Equal(t, map[string]fs.FileMode{
		"app/run.sh":       0o755,
		"app/suid":         0o755,
		"app/private":      0o600,
		"app/plain.txt":    0o644,
		"bin/tool":         0o750,
		"conf/secret.conf": 0o600,
	}, modes)
}

// TestPermissionsKeptOnReplace is the other half of the R101 divergence: the
// operator restricts a deployed file; v2 replaces it with content that records no
// permission bits: the operator's mode stays.
func TestPermissionsKeptOnReplace(t *testing.T) {
	dir := t.TempDir()
	testtree.WriteFiles(t, dir, spec{Extra: `      <rhq:archive name="app.zip"/>` + "\n"}.tree())
	writeBytes(t, dir, "app.zip", testzip.Build(t, testzip.Entry{Name: "app/plain.txt", Body: "v1"}))
	b, err := bundle.Open(dir)
	require.NoError(t, err)
	defer b.Close()
	dest := filepath.Join(t.TempDir(), "app")
	_, err = bundle.Deploy(context.Background(), b, bundle.Options{Dest: dest, ID: 1})
	require.NoError(t, err)

	require.NoError(t, os.Chmod(filepath.Join(dest, "app/plain.txt"), 0o640))
	writeBytes(t, dir, "app.zip", testzip.Build(t, testzip.Entry{Name: "app/plain.txt", Body: "v2"}))
	_, err = bundle.Deploy(context.Background(), b, bundle.Options{Dest: dest, ID: 2})
	require.NoError(t, err)
	fi, err := os.Stat(filepath.Join(dest, "app/plain.txt"))
	require.NoError(t, err)
	require.Equal(t, "v2", readFile(t, filepath.Join(dest, "app/plain.txt")))
	require.Equal(t, fs.FileMode(0o640), fi.Mode())
}
