package constraint

import (
	"fmt"
	"strings"
	"time"
)

// Windows is an OCO time-window list, such as
// "6:00-7:00,FRI 18:00-23:00,!SAT 11:00-13:00,SAT 0:00-23:59" (see the
// package documentation). The zero Windows has no windows and allows every
// time.
type Windows struct{ list []window }

// window is one element of a list.
type window struct {
	deny bool
	// day is the weekday the window starts on, or -1 for every day.
	day time.Weekday
	// start and end are minutes since midnight, both included; end < start
	// runs over midnight.
	start, end int
}

// everyDay is window.day for a window without a day.
const everyDay time.Weekday = -1

var dayNames = [...]string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}

// ParseWindows reads a window list. An empty (or blank) list is the zero
// Windows. Errors are *SyntaxError values.
func ParseWindows(s string) (Windows, error) {
	if blank(s) {
		return Windows{}, nil
	}
	sc := &scanner{what: "window list", in: s}
	var w Windows
	allows := false
	for _, it := range sc.items() {
		win, err := sc.window(it)
		if err != nil {
			return Windows{}, err
		}
		allows = allows || !win.deny
		w.list = append(w.list, win)
	}
	if !allows {
		return Windows{}, sc.errorf(0, "every window is negated, so no time is allowed (the first window that matches decides, "+
			"and a time no window matches is refused): add one that allows, such as 0:00-23:59 at the end")
	}
	if !w.allowsSomeMinute() {
		return Windows{}, sc.errorf(0, "no minute of the week is allowed: the negated windows before each allowing one cover it "+
			"(the first window that matches decides), so an operation would wait for ever")
	}
	return w, nil
}

// allowsSomeMinute reports whether any minute of the week is allowed: a
// list that allows none defers every operation for ever, which is a mistake
// to report when the list is read, not a wait to schedule.
func (w Windows) allowsSomeMinute() bool {
	for day := time.Sunday; day <= time.Saturday; day++ {
		for minute := 0; minute < 24*60; minute++ {
			for _, win := range w.list {
				if win.matches(day, minute) {
					if !win.deny {
						return true
					}
					break
				}
			}
		}
	}
	return false
}

// window reads one window: [!][DAY ]H:MM-H:MM, blanks around it, its dash
// and the !.
func (sc *scanner) window(it item) (window, error) {
	t, off := it.text, it.off
	i := skipBlanks(t, 0)
	if i == len(t) {
		return window{}, sc.errorf(off+i, "empty window: want [!][DAY ]H:MM-H:MM between commas")
	}
	w := window{day: everyDay}
	if t[i] == '!' {
		w.deny = true
		i = skipBlanks(t, i+1)
	}
	if i < len(t) && isLetter(t[i]) {
		j := i
		for j < len(t) && isLetter(t[j]) {
			j++
		}
		day, ok := parseDay(t[i:j])
		if !ok {
			return window{}, sc.errorf(off+i, "unknown day %q: want MON, TUE, WED, THU, FRI, SAT or SUN", t[i:j])
		}
		w.day = day
		if j == len(t) || (t[j] != ' ' && t[j] != '\t') {
			return window{}, sc.errorf(off+j, "want a blank between the day and the time")
		}
		i = skipBlanks(t, j)
	}
	var err error
	if w.start, i, err = sc.clock(t, off, i); err != nil {
		return window{}, err
	}
	i = skipBlanks(t, i)
	if i == len(t) || t[i] != '-' {
		return window{}, sc.errorf(off+i, "want '-' and the end of the window after its start")
	}
	i = skipBlanks(t, i+1)
	if w.end, i, err = sc.clock(t, off, i); err != nil {
		return window{}, err
	}
	if i = skipBlanks(t, i); i < len(t) {
		return window{}, sc.errorf(off+i, "unexpected %q after the window (windows are separated by commas)", t[i:])
	}
	return w, nil
}

// clock reads H:MM or HH:MM at t[i:] and returns the minute of the day and
// the offset after it.
func (sc *scanner) clock(t string, off, i int) (int, int, error) {
	start := i
	h := 0
	for i < len(t) && isDigit(t[i]) && i-start < 2 {
		h = h*10 + int(t[i]-'0')
		i++
	}
	switch {
	case i == start:
		return 0, 0, sc.errorf(off+i, "want a time H:MM (such as 6:00 or 18:30)")
	case i < len(t) && isDigit(t[i]):
		return 0, 0, sc.errorf(off+start, "an hour has one or two digits")
	case h > 23:
		return 0, 0, sc.errorf(off+start, "hour %d is out of range: want 0 to 23", h)
	case i == len(t) || t[i] != ':':
		return 0, 0, sc.errorf(off+i, "want ':' and two digits of minutes after the hour")
	}
	i++
	if i+2 > len(t) || !isDigit(t[i]) || !isDigit(t[i+1]) || i+2 < len(t) && isDigit(t[i+2]) {
		return 0, 0, sc.errorf(off+i, "want two digits of minutes (00 to 59)")
	}
	m := int(t[i]-'0')*10 + int(t[i+1]-'0')
	if m > 59 {
		return 0, 0, sc.errorf(off+i, "minute %d is out of range: want 00 to 59", m)
	}
	return h*60 + m, i + 2, nil
}

func parseDay(s string) (time.Weekday, bool) {
	for d, name := range dayNames {
		if strings.EqualFold(s, name) {
			return time.Weekday(d), true
		}
	}
	return 0, false
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isDigit(c byte) bool  { return '0' <= c && c <= '9' }

// String writes the list back in its syntax: days in capitals, no blanks
// but the one after a day.
func (w Windows) String() string {
	parts := make([]string, len(w.list))
	for i, win := range w.list {
		parts[i] = win.String()
	}
	return strings.Join(parts, ",")
}

func (w window) String() string {
	var b strings.Builder
	if w.deny {
		b.WriteByte('!')
	}
	if w.day != everyDay {
		b.WriteString(dayNames[w.day])
		b.WriteByte(' ')
	}
	fmt.Fprintf(&b, "%d:%02d-%d:%02d", w.start/60, w.start%60, w.end/60, w.end%60)
	return b.String()
}

// IsZero reports whether the list has no windows, and so allows every time.
func (w Windows) IsZero() bool { return len(w.list) == 0 }

// Allows reports whether the list allows t, read on the wall clock of t's
// location: the first window that matches decides, and a time that no
// window matches is refused. The zero Windows allows every time.
func (w Windows) Allows(t time.Time) bool {
	if w.IsZero() {
		return true
	}
	day, minute := t.Weekday(), t.Hour()*60+t.Minute()
	for _, win := range w.list {
		if win.matches(day, minute) {
			return !win.deny
		}
	}
	return false
}

// matches reports whether the window holds the minute of the day on day.
func (w window) matches(day time.Weekday, minute int) bool {
	on := func(d time.Weekday) bool { return w.day == everyDay || w.day == d }
	if w.start <= w.end {
		return on(day) && w.start <= minute && minute <= w.end
	}
	// Over midnight: the evening of the window's day, the morning after.
	return minute >= w.start && on(day) || minute <= w.end && on((day+6)%7)
}

// searchSpan bounds Next's search. A weekly list repeats every week, but a
// window inside the hour a clock skips occurs only a week later.
const searchSpan = 15 * 24 * time.Hour

// Next returns the first instant at or after t that the list allows, in t's
// location, and true; or false when the list allows no time at all. The
// zero Windows returns t.
func (w Windows) Next(t time.Time) (time.Time, bool) {
	// What Allows decides changes only where a minute of the wall clock
	// begins, so those are the instants to try.
	for c := t; c.Sub(t) <= searchSpan; c = nextMinute(c) {
		if w.Allows(c) {
			return c, true
		}
	}
	return time.Time{}, false
}

// nextMinute returns the instant the next minute of t's wall clock begins.
func nextMinute(t time.Time) time.Time {
	return t.Add(time.Minute - time.Duration(t.Second())*time.Second - time.Duration(t.Nanosecond()))
}
