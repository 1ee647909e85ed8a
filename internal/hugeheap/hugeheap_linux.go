package hugeheap

import (
	"syscall"
	"unsafe"
)

// madvHugepage is MADV_HUGEPAGE; the syscall package does not name it.
const madvHugepage = 14

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
	if _, _, e := syscall.Syscall(syscall.SYS_MADVISE, start, end-start, madvHugepage); e != 0 {
		return start, end, e
	}
	return start, end, nil
}

// hugeRange rounds [p, p+n) out to whole huge pages.
func hugeRange(p, n uintptr) (start, end uintptr) {
	return p &^ (hugePage - 1), (p + n + hugePage - 1) &^ (hugePage - 1)
}
