package journal

import (
	"os"

	"golang.org/x/sys/unix"
)

// datasync makes f's data durable; an append's new size is part of it.
func datasync(f *os.File) error { return unix.Fdatasync(int(f.Fd())) }
