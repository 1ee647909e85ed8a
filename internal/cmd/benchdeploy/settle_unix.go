//go:build unix

package main

import "syscall"

// settle writes back everything the page cache holds before a timed command
// (sync(2), not timed), so that no command pays for writing back what the one
// before it left dirty, and both tools of a scenario find the destination in
// the same state: on disk. The deployer makes what it writes durable before
// it returns; unzip and rsync leave theirs in the page cache, and deleting a
// tree that never reached the disk (rm -rf after unzip) costs a tenth of
// deleting one that did.
func settle() { syscall.Sync() }
