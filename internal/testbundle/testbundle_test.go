package testbundle_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/bundle"
	"github.com/bundlekit/bundlekit/internal/testbundle"
)

// TestApp deploys App: its file is filled with the port, and fail.me makes
// the preinstall target fail before anything is written.
func TestApp(t *testing.T) {
	dir := testbundle.App(t, filepath.Join(t.TempDir(), "app"), "2.5", "")
	ctx := context.Background()
	b, err := bundle.Open(ctx, dir)
	require.NoError(t, err)
	defer b.Close()
	require.Equal(t, "2.5", b.Recipe.Bundle.Version)

	dest := filepath.Join(t.TempDir(), "dest")
	_, err = bundle.Deploy(ctx, b, bundle.Options{Dest: dest, Properties: map[string]string{"port": "8080"}})
	require.NoError(t, err)
	conf, err := os.ReadFile(filepath.Join(dest, "app.conf"))
	require.NoError(t, err)
	require.Equal(t, "version 2.5\nport 8080\n", string(conf))

	failing := filepath.Join(t.TempDir(), "dest")
	_, err = bundle.Deploy(ctx, b, bundle.Options{Dest: failing, Properties: map[string]string{"port": "1", "fail.me": "yes"}})
	require.ErrorContains(t, err, "told to fail")
	require.NoFileExists(t, filepath.Join(failing, "app.conf"))
}
