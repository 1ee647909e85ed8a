// Package faults is the seam through which tests make a file operation of the
// engine fail the way the operating system would (ENOSPC, EIO, EACCES, EROFS,
// …), or stop the process at a chosen operation.
//
// # Contract
//
// Every operation that changes a destination or makes it durable passes
// through Check just before the system call that does it: in package fileops
// (create, open for writing, chmod, write, close, rename, link, symlink,
// mkdir, remove, and the syncs: fsync, fdatasync, syncfs), and in package
// journal for its own file (the journal's writes and syncs, its truncation
// while Recover undoes, the lock file's holder record). Reads are not
// faulted. A fault is injected before the call, so the operation did not
// happen, and the caller wraps the error exactly as it wraps the system's own
// (a *fs.PathError naming the path).
//
// Production code never sets a hook: Check then costs one atomic load. Tests
// (and only tests) install one with Set.
package faults

import (
	"path/filepath"
	"sync/atomic"
)

// Op is one file operation: its kind ("write", "fdatasync", "rename", …) and
// the path it acts on.
type Op struct {
	Kind string
	Path string
}

func (o Op) String() string { return o.Kind + " " + o.Path }

// hook is the installed function, nil when none.
var hook atomic.Pointer[func(Op) error]

// Set installs f, which every Check then calls; nil removes it. f is called
// from many goroutines at once. Only tests call Set.
func Set(f func(Op) error) {
	if f == nil {
		hook.Store(nil)
		return
	}
	hook.Store(&f)
}

// Check returns the error the installed hook chooses for the operation kind on
// the file name in the directory dir (name "" is dir itself), or nil: the
// caller then makes the system call. With no hook installed it returns nil at
// once.
func Check(kind, dir, name string) error {
	h := hook.Load()
	if h == nil {
		return nil
	}
	p := dir
	if name != "" && name != "." {
		p = filepath.Join(dir, filepath.FromSlash(name))
	}
	return (*h)(Op{Kind: kind, Path: p})
}
