package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
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
	// Two runs of deploy + revert: deployment 4 is current, with the port given.
	conf, err := os.ReadFile(filepath.Join(dest, "conf", "musicapp.conf"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"listen=0.0.0.0:7081", "deployment=4"} {
		if !strings.Contains(string(conf), want) {
			t.Errorf("conf/musicapp.conf lacks %q:\n%s", want, conf)
		}
	}
}
