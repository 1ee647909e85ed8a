package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/bundlekit/bundlekit/internal/faults"
)

// envFaults lists the file operations that fail in a deployer a script runs
// (the seam of package internal/faults, test binary only): rules "KIND SUFFIX
// ERRNO [N]" separated by ";". The N-th operation (default the first) of that
// kind ("write", "fdatasync", "rename", "truncate", "remove", … as the
// package names them) whose path ends with SUFFIX fails with ERRNO (ENOSPC,
// EIO, EACCES or EROFS), once. ERRNO "-" fails nothing: the rule only marks
// the point after which a rule written "+KIND …" counts, which otherwise
// counts from the start.
const envFaults = "BUNDLEKIT_TEST_FAULTS"

// faultRule is one rule of envFaults.
type faultRule struct {
	kind, suffix string
	errno        syscall.Errno // 0: a mark
	nth, seen    int
	after        *faultRule // counts once after has matched
	matched      bool
}

// installTestFaults installs the rules of envFaults, if any.
func installTestFaults() {
	spec := os.Getenv(envFaults)
	if spec == "" {
		return
	}
	var rules []*faultRule
	for r := range strings.SplitSeq(spec, ";") {
		f := strings.Fields(r)
		if len(f) < 3 || len(f) > 4 {
			panic(fmt.Sprintf("%s: rule %q: want KIND SUFFIX ERRNO [N]", envFaults, r))
		}
		rule := &faultRule{kind: f[0], suffix: f[1], nth: 1}
		if k, ok := strings.CutPrefix(rule.kind, "+"); ok && len(rules) > 0 {
			rule.kind, rule.after = k, rules[len(rules)-1]
		}
		switch f[2] {
		case "-":
		case "ENOSPC":
			rule.errno = syscall.ENOSPC
		case "EIO":
			rule.errno = syscall.EIO
		case "EACCES":
			rule.errno = syscall.EACCES
		case "EROFS":
			rule.errno = syscall.EROFS
		default:
			panic(fmt.Sprintf("%s: unknown errno %q", envFaults, f[2]))
		}
		if len(f) == 4 {
			n, err := strconv.Atoi(f[3])
			if err != nil {
				panic(fmt.Sprintf("%s: rule %q: %v", envFaults, r, err))
			}
			rule.nth = n
		}
		rules = append(rules, rule)
	}
	var mu sync.Mutex
	faults.Set(func(op faults.Op) error {
		mu.Lock()
		defer mu.Unlock()
		for _, r := range rules {
			if op.Kind != r.kind || !strings.HasSuffix(op.Path, r.suffix) || r.after != nil && !r.after.matched {
				continue
			}
			r.seen++
			if r.seen == r.nth {
				r.matched = true
				if r.errno != 0 {
					return r.errno
				}
			}
		}
		return nil
	})
}
