package main

import (
	"context"
	"path/filepath"
	"testing"
)

// TestRun runs the example end to end on a temporary destination, twice (an
// initial deployment, then upgrades of a managed one).
func TestRun(t *testing.T) {
	dest := filepath.Join(t.TempDir(), "demo")
	bundleDir := filepath.Join("..", "bundles", "musicapp-stable")
	for range 2 {
		if err := run(context.Background(), bundleDir, dest); err != nil {
			t.Fatal(err)
		}
	}
}
