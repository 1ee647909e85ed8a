//go:build !(linux || darwin || freebsd || dragonfly || openbsd || windows)

package fileops

import (
	"errors"
	"fmt"
	"runtime"
)

func freeSpace(string) (uint64, error) {
	return 0, fmt.Errorf("free space on %s: %w", runtime.GOOS, errors.ErrUnsupported)
}
