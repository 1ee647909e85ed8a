package fileops

import (
	"io/fs"
	"os"
	"testing"
)

func TestIsCrossDevice(t *testing.T) {
	if !isCrossDevice(&os.LinkError{Op: "rename", Old: "a", New: "b", Err: errorNotSameDevice}) {
		t.Error("ERROR_NOT_SAME_DEVICE is a rename across volumes")
	}
	if isCrossDevice(&os.LinkError{Op: "rename", Old: "a", New: "b", Err: fs.ErrNotExist}) {
		t.Error("a missing file is not")
	}
}
