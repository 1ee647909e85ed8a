package fileops

import (
	"errors"
	"syscall"
)

// errorNotSameDevice is ERROR_NOT_SAME_DEVICE, what MoveFileEx reports for a
// move to another volume.
const errorNotSameDevice = syscall.Errno(17)

func isCrossDevice(err error) bool { return errors.Is(err, errorNotSameDevice) }
