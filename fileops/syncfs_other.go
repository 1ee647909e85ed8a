//go:build !linux

package fileops

// canSyncFS: this system has no syncfs(2); WriteFileBatch syncs each file.
const canSyncFS = false

// SyncFS makes the directory d's own entries durable where the system can
// sync a directory (renamed and created files were synced one by one by
// WriteFileBatch); on Windows, which cannot sync a directory, it does nothing.
func (d *Dir) SyncFS() error { return d.syncDir() }
