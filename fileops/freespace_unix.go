//go:build linux || darwin || freebsd || dragonfly

package fileops

import "syscall"

func freeSpace(path string) (uint64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(path, &st); err != nil {
		return 0, err
	}
	// Bavail counts the blocks an unprivileged process may use.
	return uint64(st.Bavail) * uint64(st.Bsize), nil
}
