//go:build !linux

package fileops

// dropCache does nothing: only Linux is known to free a removed file's cached
// pages on one core, and to let another drop them first.
func dropCache(int, string) {}
