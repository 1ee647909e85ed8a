package command

import (
	"sync"
	"unicode/utf8"
)

// Tail keeps the last bytes written to it, up to a limit, and counts all of
// them. It is safe for concurrent use, so two streams may share one.
type Tail struct {
	mu    sync.Mutex
	max   int
	buf   []byte
	total int64
}

// NewTail returns a Tail that keeps the last max bytes (DefaultTailSize when
// max is 0 or less).
func NewTail(max int) *Tail {
	if max <= 0 {
		max = DefaultTailSize
	}
	return &Tail{max: max}
}

// Write keeps the end of p and never fails. The buffer grows to twice the
// limit before it is compacted, so each byte is copied a bounded number of
// times.
func (t *Tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.total += int64(len(p))
	if len(p) >= t.max {
		t.buf = append(t.buf[:0], p[len(p)-t.max:]...)
		return len(p), nil
	}
	t.buf = append(t.buf, p...)
	if len(t.buf) > 2*t.max {
		n := copy(t.buf, t.buf[len(t.buf)-t.max:])
		t.buf = t.buf[:n]
	}
	return len(p), nil
}

// String returns the kept bytes. When bytes were dropped, it starts at the
// first character boundary, so a multi-byte character is never cut in half.
func (t *Tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.buf
	if len(b) > t.max {
		b = b[len(b)-t.max:]
	}
	if int64(len(b)) < t.total {
		for i := 0; i < utf8.UTFMax-1 && len(b) > 0 && !utf8.RuneStart(b[0]); i++ {
			b = b[1:]
		}
	}
	return string(b)
}

// Total returns how many bytes were written in all.
func (t *Tail) Total() int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.total
}
