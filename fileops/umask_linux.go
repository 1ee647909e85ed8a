package fileops

import (
	"bytes"
	"os"
	"strconv"
	"sync"
)

// processUmask returns the process's umask and true, read once from
// /proc/self/status (Linux 4.7 and later); false when it cannot be read.
// Reading it there, rather than setting and restoring it with umask(2), never
// lets another goroutine create a file under the wrong mask.
var processUmask = sync.OnceValues(func() (os.FileMode, bool) {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	_, rest, ok := bytes.Cut(status, []byte("\nUmask:"))
	if !ok {
		return 0, false
	}
	line, _, _ := bytes.Cut(rest, []byte("\n"))
	mask, err := strconv.ParseUint(string(bytes.TrimSpace(line)), 8, 32)
	if err != nil || mask > 0o777 {
		return 0, false
	}
	return os.FileMode(mask), true
})
