// Package hugeheap asks the kernel to back the Go heap with transparent huge
// pages where it would not otherwise.
//
// Under Linux's default THP mode on Debian and Ubuntu ("madvise"), memory
// gets huge pages only where a program asks for them, and the Go runtime does
// not ask. Each 4 KiB page of heap is then one page fault on first use; on a
// virtual machine a fault can cost 11 µs, and a deployment of 1,500 files
// touches some 2,000 heap pages. Backed by 2 MiB pages, the same heap costs a
// handful of faults.
//
// Everything here is advice: it changes no result, any failure is ignored,
// and it does nothing where huge pages are off ("never"), already the default
// ("always"), turned off for Go (GODEBUG=disablethp=1), or not Linux.
package hugeheap

import (
	"os"
	"strings"
)

// hugePage is the size of an x86-64 and arm64 transparent huge page: the
// advice covers whole pages of this size.
const hugePage = 2 << 20

// Reserve grows the heap by about n bytes and advises the kernel to back the
// new memory, and any untouched huge page it begins or ends in, with huge
// pages. The memory is not kept: the next collection frees it, and the heap
// then allocates from it like any other. Call it once, early in main.
func Reserve(n int) {
	if n <= 0 || disabled() {
		return
	}
	reserve(n)
}

// disabled reports whether GODEBUG turns huge pages off for the runtime;
// the advice would override that choice.
func disabled() bool {
	for _, s := range strings.Split(os.Getenv("GODEBUG"), ",") {
		if strings.TrimSpace(s) == "disablethp=1" {
			return true
		}
	}
	return false
}
