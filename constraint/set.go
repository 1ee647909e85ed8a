package constraint

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// Set is every constraint of one operation; the zero Set allows everything.
type Set struct {
	// Windows is when the operation may run, read on the wall clock of
	// Location.
	Windows Windows
	// Ranges is the addresses the operation may run from.
	Ranges Ranges
	// NotBefore and NotAfter bound when the operation may run, both
	// included; the zero time sets no bound.
	NotBefore time.Time
	NotAfter  time.Time
	// Location is the time zone Windows are read in, and the times of a
	// Deferral shown; nil means time.Local.
	Location *time.Location
	// Addrs are the addresses Ranges is checked against; nil means the
	// host's own (HostAddrs).
	Addrs []netip.Addr
}

// IsZero reports whether the set constrains nothing.
func (s Set) IsZero() bool {
	return s.Windows.IsZero() && s.Ranges.IsZero() && s.NotBefore.IsZero() && s.NotAfter.IsZero()
}

// Deferral is an operation that its constraints do not allow now.
type Deferral struct {
	// Reason says which constraints refuse now, e.g. `outside the time
	// window "6:00-7:00" (now Sat 2026-12-05 14:03 CET)`; several are
	// separated by "; ".
	Reason string
	// Next is when the operation may run: the first instant every
	// constraint allows. It is the zero time when no later time will do
	// (the not-after date has passed, or passes before the windows open;
	// no address is in range).
	Next time.Time
}

func (d *Deferral) Error() string {
	if d.Next.IsZero() {
		return "deferred: " + d.Reason + "; waiting will not help"
	}
	return "deferred: " + d.Reason + "; it may run from " + formatTime(d.Next)
}

// Check returns nil when the set allows now, or a *Deferral saying why not
// and when the operation may run.
func (s Set) Check(now time.Time) error {
	if s.IsZero() {
		return nil
	}
	loc := s.Location
	if loc == nil {
		loc = time.Local
	}
	now = now.In(loc)
	var reasons []string
	never := false
	from := now // the earliest instant the dates allow
	if !s.NotBefore.IsZero() && !s.NotAfter.IsZero() && s.NotBefore.After(s.NotAfter) {
		reasons = append(reasons, fmt.Sprintf("its not-before date %s is after its not-after date %s, so no time will do",
			formatTime(s.NotBefore.In(loc)), formatTime(s.NotAfter.In(loc))))
		return &Deferral{Reason: strings.Join(reasons, "; ")}
	}
	if !s.NotAfter.IsZero() && now.After(s.NotAfter) {
		reasons = append(reasons, fmt.Sprintf("after its not-after date %s (now %s)", formatTime(s.NotAfter.In(loc)), formatTime(now)))
		never = true
	}
	if !s.NotBefore.IsZero() && now.Before(s.NotBefore) {
		reasons = append(reasons, fmt.Sprintf("before its not-before date %s (now %s)", formatTime(s.NotBefore.In(loc)), formatTime(now)))
		from = s.NotBefore.In(loc)
	}
	if !s.Ranges.IsZero() {
		if reason := s.checkAddrs(); reason != "" {
			reasons = append(reasons, reason)
			never = true
		}
	}
	if !s.Windows.Allows(now) {
		reasons = append(reasons, fmt.Sprintf("outside the time window %q (now %s)", s.Windows.String(), formatTime(now)))
	}
	if len(reasons) == 0 {
		return nil
	}
	d := &Deferral{Reason: strings.Join(reasons, "; ")}
	if never {
		return d
	}
	next, ok := s.Windows.Next(from)
	switch {
	case !ok:
		d.Reason += "; the windows allow no time at all"
	case !s.NotAfter.IsZero() && next.After(s.NotAfter):
		d.Reason += fmt.Sprintf("; the windows open next at %s, after its not-after date %s", formatTime(next), formatTime(s.NotAfter.In(loc)))
	default:
		d.Next = next
	}
	return d
}

// checkAddrs returns why no address is in Ranges, or "" when one is.
func (s Set) checkAddrs() string {
	addrs, whose := s.Addrs, "the address"
	if addrs == nil {
		var err error
		if addrs, err = HostAddrs(); err != nil {
			return fmt.Sprintf("no address of this host is known to be in the range list %q: %v", s.Ranges.String(), err)
		}
		whose = "this host's address"
	}
	if _, ok := s.Ranges.Allows(addrs); ok {
		return ""
	}
	if len(addrs) == 0 {
		return fmt.Sprintf("no address to check against the range list %q (this host has none but loopback)", s.Ranges.String())
	}
	shown := make([]string, len(addrs))
	for i, a := range addrs {
		shown[i] = a.String()
	}
	verb := "is"
	if len(addrs) > 1 {
		whose, verb = whose+"es", "are"
	}
	return fmt.Sprintf("%s %s %s not allowed by the range list %q", whose, strings.Join(shown, ", "), verb, s.Ranges.String())
}

// formatTime shows a time of a deferral: its weekday, date, minute (and
// second, when it is not 0) and zone.
func formatTime(t time.Time) string {
	if t.Second() != 0 {
		return t.Format("Mon 2006-01-02 15:04:05 MST")
	}
	return t.Format("Mon 2006-01-02 15:04 MST")
}

// The forms ParseTime reads: with a zone (RFC 3339, seconds optional), and
// on a wall clock.
var (
	zonedLayouts = []string{time.RFC3339, "2006-01-02T15:04Z07:00"}
	localLayouts = []string{"2006-01-02T15:04", "2006-01-02T15:04:05"}
)

// ParseTime reads RFC 3339 (2026-12-24T18:00:00+01:00, or Z for UTC; the
// seconds may be left out), or YYYY-MM-DDTHH:MM[:SS] on the wall clock of
// loc (nil means time.Local). Errors are *SyntaxError values.
func ParseTime(s string, loc *time.Location) (time.Time, error) {
	if loc == nil {
		loc = time.Local
	}
	for _, layout := range zonedLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	for _, layout := range localLayouts {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			// A wall-clock time that a change to daylight saving time skips
			// does not exist; Go would move it by an hour without a word.
			if t.Format(layout) != s {
				return time.Time{}, &SyntaxError{What: "date-time", Input: s, Offset: 0,
					Msg: fmt.Sprintf("%s does not occur in %s: the clock skips it (a change to daylight saving time); give a time outside the gap, or one with its offset (RFC 3339)", s, loc)}
			}
			return t, nil
		}
	}
	// Say where the text stops looking like a date-time: as far as the form
	// that reads most of it got.
	off, detail := 0, ""
	for _, layout := range append(zonedLayouts, localLayouts...) {
		_, err := time.ParseInLocation(layout, s, loc)
		var pe *time.ParseError
		if errors.As(err, &pe) && len(s)-len(pe.ValueElem) >= off {
			off, detail = len(s)-len(pe.ValueElem), strings.TrimPrefix(pe.Message, ": ")
		}
	}
	msg := "want RFC 3339 (2026-12-24T18:00:00+01:00) or YYYY-MM-DDTHH:MM[:SS] in the time zone given"
	if strings.HasSuffix(detail, "out of range") {
		msg = detail + ": " + msg
	}
	return time.Time{}, &SyntaxError{What: "date-time", Input: s, Offset: off, Msg: msg}
}
