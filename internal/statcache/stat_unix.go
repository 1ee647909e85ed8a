//go:build unix

package statcache

import (
	"io/fs"
	"syscall"
)

func sysStat(fi fs.FileInfo) (ino uint64, ctime int64, ok bool) {
	st, isStat := fi.Sys().(*syscall.Stat_t)
	if !isStat {
		return 0, 0, false
	}
	return uint64(st.Ino), ctimeOf(st), true
}
