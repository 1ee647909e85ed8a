package hugeheap

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

func reserve(n int) {
	b := make([]byte, n)
	_, _, _ = advise(b)
}

// advise advises huge pages for b's memory rounded out to whole huge pages,
// and returns the range advised. Memory around b in those pages belongs to
// the heap too: the runtime reserves the heap in arenas of 4 or 64 MiB
// aligned to their size, so no other mapping shares a huge page with it.
// Advice on a huge page already partly touched changes nothing there.
func advise(b []byte) (start, end uintptr, err error) {
	start, end = hugeRange(uintptr(unsafe.Pointer(unsafe.SliceData(b))), uintptr(len(b)))
	if _, _, e := unix.Syscall(unix.SYS_MADVISE, start, end-start, unix.MADV_HUGEPAGE); e != 0 {
		return start, end, e
	}
	return start, end, nil
}

// hugeRange rounds [p, p+n) out to whole huge pages.
func hugeRange(p, n uintptr) (start, end uintptr) {
	return p &^ (hugePage - 1), (p + n + hugePage - 1) &^ (hugePage - 1)
}
