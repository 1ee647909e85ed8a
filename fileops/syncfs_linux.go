package fileops

import "golang.org/x/sys/unix"

// canSyncFS: Linux has syncfs(2), which makes a whole file system's writes
// durable in one call.
const canSyncFS = true

// SyncFS makes every write to the file system that holds d durable: data,
// and the directory entries of renamed and created files (syncfs(2)). It is
// what makes a batch written with WriteFileBatch survive a power cut.
func (d *Dir) SyncFS() error {
	f, err := d.root.Open(".")
	if err != nil {
		return d.err("syncfs", "", err)
	}
	defer f.Close()
	if err := unix.Syncfs(int(f.Fd())); err != nil {
		return d.err("syncfs", "", err)
	}
	return nil
}
