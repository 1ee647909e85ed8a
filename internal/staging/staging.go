// Package staging makes the private working directories of deployment
// plans: downloads, rebuilt archives, handover copies and a zip bundle
// extracted for its Ant targets live there, outside the destination.
//
// A staging directory is created 0700 in the system's temporary directory
// and marked with its owner's process id. It can hold realized files —
// passwords included — so New first removes the directories of processes
// that no longer run (killed, or the machine lost power).
package staging

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

const (
	stagingPrefix = "bundlekit-staging-"
	stagingOwner  = ".owner"
)

// New makes a plan's staging directory (0700) in the system's temporary
// directory, marked with this process's id. Staging can hold realized files —
// passwords included — so the directories of processes that died without
// cleaning up (killed, or the machine lost power) are removed first.
func New() (string, error) {
	Sweep(os.TempDir())
	dir, err := os.MkdirTemp("", stagingPrefix)
	if err != nil {
		return "", fmt.Errorf("create staging directory: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, stagingOwner), []byte(strconv.Itoa(os.Getpid())), 0o600); err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("create staging directory: %w", err)
	}
	return dir, nil
}

// Sweep removes the staging directories under tmp whose owner process no
// longer runs. A directory without a readable owner (being created, or not ours)
// is left alone.
func Sweep(tmp string) {
	entries, err := os.ReadDir(tmp)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), stagingPrefix) {
			continue
		}
		dir := filepath.Join(tmp, e.Name())
		data, err := os.ReadFile(filepath.Join(dir, stagingOwner))
		if err != nil {
			continue
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
		if err != nil || pid <= 0 || pid == os.Getpid() || processAlive(pid) {
			continue
		}
		os.RemoveAll(dir)
	}
}
