// Package proc asks the system whether a process still runs: for a sweep of
// what dead processes left behind, and for tests that must know a killed
// process is gone.
package proc

import "time"

// Alive reports whether the process pid exists and has not exited. A process
// of another user counts as alive; a zombie (exited, not yet reaped by its
// parent) does not, where the system says so (Linux, through /proc).
func Alive(pid int) bool { return alive(pid) }

// WaitGone polls Alive until pid is gone or timeout has passed, and reports
// whether it is gone: a kill is asynchronous, so the caller that sent one
// waits for its effect.
func WaitGone(pid int, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for alive(pid) {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return true
}
