//go:build !linux

package fileops

import "os"

// HasSyncFS reports whether Dir.SyncFS syncs the file system: not here.
const HasSyncFS = false

// SyncFS reports false: this system has no syncfs(2); sync each file
// (SyncFile) and directory (SyncDir) instead.
func (d *Dir) SyncFS() (bool, error) { return false, nil }

func datasync(f *os.File) error { return f.Sync() }

func startWritebackRange(*os.File, int64, int64) {}
