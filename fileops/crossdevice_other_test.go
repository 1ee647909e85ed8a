//go:build !windows && !plan9

package fileops

import (
	"io/fs"
	"os"
	"syscall"
	"testing"
)

func TestIsCrossDevice(t *testing.T) {
	if !isCrossDevice(&os.LinkError{Op: "rename", Old: "a", New: "b", Err: syscall.EXDEV}) {
		t.Error("EXDEV is a rename across file systems")
	}
	if isCrossDevice(&os.LinkError{Op: "rename", Old: "a", New: "b", Err: fs.ErrNotExist}) {
		t.Error("ENOENT is not")
	}
}
