//go:build unix && !linux

package command

import "syscall"

// dieWithParent: this system cannot tie a child's life to its parent's.
func dieWithParent(*syscall.SysProcAttr) {}
