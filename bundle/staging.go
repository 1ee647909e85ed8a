package bundle

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

// newStaging makes a plan's staging directory (0700) in the system's temporary
// directory, marked with this process's id. Staging can hold realized files —
// passwords included — so the directories of processes that died without
// cleaning up (killed, or the machine lost power) are removed first.
func newStaging() (string, error) {
	sweepStaging(os.TempDir())
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

// sweepStaging removes the staging directories under tmp whose owner process no
// longer runs. A directory without a readable owner (being created, or not ours)
// is left alone.
func sweepStaging(tmp string) {
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
