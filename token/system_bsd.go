//go:build darwin || dragonfly || freebsd || netbsd || openbsd

package token

import (
	"runtime"
	"syscall"
)

// osVersion returns the macOS product version (such as 14.5), or the kernel
// release on the other BSDs.
func osVersion() string {
	if runtime.GOOS == "darwin" {
		if v, err := syscall.Sysctl("kern.osproductversion"); err == nil && v != "" {
			return v
		}
	}
	v, err := syscall.Sysctl("kern.osrelease")
	if err != nil {
		return ""
	}
	return v
}

// userLocale returns "": the locale is taken from the environment only.
func userLocale() string { return "" }
