//go:build !unix

package main

// settle: see settle_unix.go; this system has no sync(2) to call.
func settle() {}
