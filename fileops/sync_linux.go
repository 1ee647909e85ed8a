package fileops

import (
	"os"

	"golang.org/x/sys/unix"
)

// HasSyncFS reports whether Dir.SyncFS syncs the file system (syncfs(2)).
const HasSyncFS = true

// SyncFS makes every write to the file system that holds d durable at once
// (syncfs(2)): cheaper than syncing many files one by one, but it also waits
// for whatever else is waiting to be written to that file system. It reports
// false where the system has no such call.
func (d *Dir) SyncFS() (bool, error) {
	f, err := d.root.Open(".")
	if err != nil {
		return true, d.err("syncfs", "", err)
	}
	defer f.Close()
	if err := d.fault("syncfs", ""); err != nil {
		return true, d.err("syncfs", "", err)
	}
	if err := unix.Syncfs(int(f.Fd())); err != nil {
		return true, d.err("syncfs", "", err)
	}
	return true, nil
}

func datasync(f *os.File) error { return unix.Fdatasync(int(f.Fd())) }

// startWritebackRange asks the kernel to start writing the n bytes of f at
// off to the disk now (sync_file_range(2) without waiting), so that a later
// sync has less left to wait for. It is advice: an error is ignored.
func startWritebackRange(f *os.File, off, n int64) {
	_ = unix.SyncFileRange(int(f.Fd()), off, n, unix.SYNC_FILE_RANGE_WRITE)
}
