package main

import (
	"os"
	"syscall"
)

// maxRSS is the peak resident set size of the exited process, in bytes:
// Linux's rusage counts kibibytes.
func maxRSS(ps *os.ProcessState) int64 {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return ru.Maxrss * 1024
	}
	return 0
}
