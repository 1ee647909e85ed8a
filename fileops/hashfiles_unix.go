//go:build unix

package fileops

import (
	"errors"
	"io"

	"golang.org/x/sys/unix"
)

// hashFiles opens each name relative to d's descriptor with raw system
// calls: os.File's open costs several more (non-blocking mode, the poller)
// that a file read once from start to end does not need.
func (d *Dir) hashFiles(names []string, digests Digests, out []FileHash) {
	f, err := d.root.Open(".")
	if err != nil {
		d.hashEach(names, digests, out)
		return
	}
	defer f.Close()
	rc, err := f.SyscallConn()
	if err != nil {
		d.hashEach(names, digests, out)
		return
	}
	buf := getBuffer()
	defer putBuffer(buf)
	cerr := rc.Control(func(dirfd uintptr) {
		for i, name := range names {
			if out[i].Err == nil {
				out[i] = d.hashAt(int(dirfd), name, digests, *buf)
			}
		}
	})
	if cerr != nil {
		d.hashEach(names, digests, out)
	}
}

func (d *Dir) hashAt(dirfd int, name string, digests Digests, buf []byte) FileHash {
	// O_NONBLOCK: opening a named pipe must not wait for a writer; the
	// fstat below refuses it before anything is read.
	fd, err := retry(func() (int, error) {
		return unix.Openat(dirfd, name, unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_NOCTTY, 0)
	})
	if errors.Is(err, unix.ELOOP) || errors.Is(err, unix.EMLINK) {
		// O_NOFOLLOW met a symbolic link (ELOOP; EMLINK on FreeBSD).
		return d.hashOne(name, digests)
	}
	if err != nil {
		return FileHash{Err: d.err("hash", name, err)}
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return FileHash{Err: d.err("hash", name, err)}
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return d.hashOne(name, digests) // reports what it is
	}
	if parallelDigest(digests, st.Size) {
		return d.hashParallel(name, fdReaderAt(fd), st.Size)
	}
	h := newHasher(digests)
	for {
		n, err := retry(func() (int, error) { return unix.Read(fd, buf) })
		if err != nil {
			return FileHash{Err: d.err("hash", name, err)}
		}
		if n == 0 {
			break
		}
		h.w.Write(buf[:n])
	}
	return h.result()
}

// fdReaderAt reads a file descriptor with pread(2), which any number of
// goroutines may call at once.
type fdReaderAt int

func (fd fdReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n := 0
	for n < len(p) {
		k, err := retry(func() (int, error) { return unix.Pread(int(fd), p[n:], off+int64(n)) })
		switch {
		case err != nil:
			return n, err
		case k == 0:
			return n, io.EOF
		}
		n += k
	}
	return n, nil
}

// retry calls f again while it is interrupted by a signal.
func retry(f func() (int, error)) (int, error) {
	for {
		n, err := f()
		if !errors.Is(err, unix.EINTR) {
			return n, err
		}
	}
}
