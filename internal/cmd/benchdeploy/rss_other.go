//go:build !linux

package main

import "os"

// maxRSS is unknown (0) outside Linux, whose rusage unit this command knows.
func maxRSS(*os.ProcessState) int64 { return 0 }
