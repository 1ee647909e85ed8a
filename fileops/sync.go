package fileops

import (
	"os"
	"runtime"
)

// SyncFile makes the file name durable: its data, and what it takes to read
// it back (fdatasync(2) on Linux, fsync elsewhere). With WriteFileBatch, it is
// how a caller makes one file of a batch survive a power cut; SyncDir makes
// its name durable.
func (d *Dir) SyncFile(name string) error {
	local, err := localize(name)
	if err != nil {
		return d.nameErr("sync", name, err)
	}
	flag := os.O_RDONLY
	if runtime.GOOS == "windows" {
		flag = os.O_RDWR // FlushFileBuffers needs a handle that may write
	}
	f, err := d.root.OpenFile(local, flag, 0)
	if err != nil {
		return d.err("sync", name, err)
	}
	defer f.Close()
	if err := d.fault("fdatasync", name); err != nil {
		return d.err("sync", name, err)
	}
	if err := datasync(f); err != nil {
		return d.err("sync", name, err)
	}
	return nil
}

// SyncDir makes the entries of the directory d durable: the names of files
// created, renamed into it or removed. Windows cannot sync a directory (NTFS
// journals its entries itself): there it does nothing.
func (d *Dir) SyncDir() error {
	if runtime.GOOS == "windows" {
		return nil
	}
	f, err := d.root.Open(".")
	if err != nil {
		return d.err("sync", "", err)
	}
	defer f.Close()
	if err := d.fault("fsync", ""); err != nil {
		return d.err("sync", "", err)
	}
	if err := f.Sync(); err != nil {
		return d.err("sync", "", err)
	}
	return nil
}
