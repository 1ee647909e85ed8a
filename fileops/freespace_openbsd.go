package fileops

import "syscall"

func freeSpace(path string) (uint64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(path, &st); err != nil {
		return 0, err
	}
	return uint64(st.F_bavail) * uint64(st.F_bsize), nil
}
