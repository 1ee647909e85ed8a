package token

import (
	"os"
	"strings"
)

// osVersion returns the kernel release, as uname -r prints it and as SIGAR
// reports it on Linux.
func osVersion() string {
	b, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// userLocale returns "": on Linux the locale lives in the environment only.
func userLocale() string { return "" }
