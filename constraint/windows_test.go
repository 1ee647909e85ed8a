package constraint

import (
	"errors"
	"testing"
	"time"
	_ "time/tzdata" // Europe/Berlin on any test machine

	"github.com/stretchr/testify/require"
)

// The example (OCO's documentation).
const ocoWindows = "6:00-7:00,FRI 18:00-23:00,!SAT 11:00-13:00,SAT 0:00-23:59"

func berlin(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	return loc
}

// at is a wall-clock time in loc: "2026-12-05 14:03" (a Saturday), seconds
// optional.
func at(t *testing.T, loc *time.Location, s string) time.Time {
	t.Helper()
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02 15:04:05"} {
		if tm, err := time.ParseInLocation(layout, s, loc); err == nil {
			return tm
		}
	}
	t.Fatalf("bad test time %q", s)
	return time.Time{}
}

func TestParseWindows(t *testing.T) {
	tests := []struct {
		in   string
		want string // String() of the list; "" for the zero list
	}{
		{"", ""},
		{"  \t ", ""},
		{ocoWindows, ocoWindows},
		{"6:00-7:00", "6:00-7:00"},
		{"06:00-07:00", "6:00-7:00"},
		{"0:00-23:59", "0:00-23:59"},
		{"22:00-2:00", "22:00-2:00"},
		{"FRI 22:00-2:00", "FRI 22:00-2:00"},
		{"6:00-6:00", "6:00-6:00"},
		// Day names in any case; blanks around windows, dashes and the !.
		{"fri 18:00-23:00,Sat 0:00-23:59,sUn 1:00-2:00", "FRI 18:00-23:00,SAT 0:00-23:59,SUN 1:00-2:00"},
		{" 6:00 - 7:00 ,\tFRI\t18:00-23:00 , ! SAT 11:00-13:00, SAT  0:00-23:59 ", ocoWindows},
		{"MON 0:00-23:59,TUE 0:00-0:59,WED 9:05-9:06,THU 23:59-0:00", "MON 0:00-23:59,TUE 0:00-0:59,WED 9:05-9:06,THU 23:59-0:00"},
		// Overlapping negations: kept in order, first match decides.
		{"!SAT 11:00-13:00,!SAT 12:00-14:00,!12:30-12:45,SAT 0:00-23:59", "!SAT 11:00-13:00,!SAT 12:00-14:00,!12:30-12:45,SAT 0:00-23:59"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			w, err := ParseWindows(tt.in)
			require.NoError(t, err)
			require.Equal(t, tt.want, w.String())
			require.Equal(t, tt.want == "", w.IsZero())
			again, err := ParseWindows(w.String())
			require.NoError(t, err)
			require.Equal(t, w, again)
		})
	}
}

func TestParseWindowsErrors(t *testing.T) {
	tests := []struct {
		in     string
		offset int
		msg    string
	}{
		{",6:00-7:00", 0, "empty window"},
		{"6:00-7:00,", 10, "empty window"},
		{"6:00-7:00,,SAT 0:00-1:00", 10, "empty window"},
		{"6:00-7:00, ,SAT 0:00-1:00", 11, "empty window"},
		{"SATURDAY 0:00-1:00", 0, `unknown day "SATURDAY"`},
		{"MON-FRI 6:00-7:00", 3, "want a blank between the day and the time"},
		{"FRI18:00-23:00", 3, "want a blank between the day and the time"},
		{"FRI", 3, "want a blank between the day and the time"},
		{"6-7", 1, "want ':'"},
		{"6:0-7:00", 2, "two digits of minutes"},
		{"6:000-7:00", 2, "two digits of minutes"},
		{"6:60-7:00", 2, "minute 60 is out of range"},
		{"24:00-7:00", 0, "hour 24 is out of range"},
		{"123:00-7:00", 0, "one or two digits"},
		{"6:00", 4, "want '-'"},
		{"6:00-", 5, "want a time H:MM"},
		{"6:00 7:00", 5, "want '-'"},
		{"6:00-7:00 SAT", 10, `unexpected "SAT"`},
		{"6:00-7:00;8:00-9:00", 9, `unexpected ";8:00-9:00"`},
		{"!", 1, "want a time"},
		{"!!6:00-7:00", 1, "want a time"},
		{"6:00-7:00,!", 11, "want a time"},
		{"-6:00-7:00", 0, "want a time"},
		{"6:00-7:00,SAT 1:00-2:00 ,x", 25, `unknown day "x"`},
		{"６:00-7:00", 0, "want a time"},
		{"!SAT 0:00-23:59", 0, "every window is negated"},
		{"!SAT 0:00-23:59,!SUN 0:00-23:59", 0, "every window is negated"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := ParseWindows(tt.in)
			var se *SyntaxError
			require.True(t, errors.As(err, &se), "error %v", err)
			require.Equal(t, "window list", se.What)
			require.Equal(t, tt.in, se.Input)
			require.Equal(t, tt.offset, se.Offset, "error: %v", err)
			require.Contains(t, se.Msg, tt.msg)
			require.Contains(t, err.Error(), "at offset")
		})
	}
}

func TestWindowsAllows(t *testing.T) {
	loc := berlin(t)
	oco := mustWindows(t, ocoWindows)
	// 2026-12-04 is a Friday, 12-05 a Saturday, 12-06 a Sunday.
	tests := []struct {
		name  string
		w     Windows
		times map[string]bool
	}{
		{"oco example", oco, map[string]bool{
			"2026-12-03 05:59:59": false,
			"2026-12-03 06:00":    true, // every day 6:00-7:00
			"2026-12-03 07:00:59": true, // the end minute is included
			"2026-12-03 07:01":    false,
			"2026-12-04 18:00":    true, // Friday evening
			"2026-12-04 23:00:30": true,
			"2026-12-04 23:01":    false,
			"2026-12-03 18:30":    false, // not on Thursday
			"2026-12-05 00:00":    true,  // Saturday, all day...
			"2026-12-05 10:59:59": true,
			"2026-12-05 11:00":    false, // ...but not 11:00 to 13:00
			"2026-12-05 13:00:59": false,
			"2026-12-05 13:01":    true,
			"2026-12-05 23:59:59": true, // 0:00-23:59 covers the whole day
			"2026-12-06 06:30":    true, // Sunday: only 6:00-7:00
			"2026-12-06 12:00":    false,
		}},
		{"over midnight every day", mustWindows(t, "22:00-2:00"), map[string]bool{
			"2026-12-03 21:59": false,
			"2026-12-03 22:00": true,
			"2026-12-03 23:59": true,
			"2026-12-04 00:00": true,
			"2026-12-04 02:00": true,
			"2026-12-04 02:01": false,
		}},
		{"over midnight from Friday", mustWindows(t, "FRI 22:00-2:00"), map[string]bool{
			"2026-12-03 23:00": false, // Thursday night
			"2026-12-04 01:00": false, // Friday morning belongs to Thursday's night
			"2026-12-04 22:00": true,
			"2026-12-05 01:59": true, // Saturday morning belongs to Friday's night
			"2026-12-05 02:01": false,
			"2026-12-05 22:30": false,
		}},
		{"over midnight from Saturday to Sunday", mustWindows(t, "sat 23:00-0:30"), map[string]bool{
			"2026-12-05 23:30": true,
			"2026-12-06 00:30": true,
			"2026-12-06 00:31": false,
			"2026-12-06 23:30": false,
		}},
		{"one minute", mustWindows(t, "6:00-6:00"), map[string]bool{
			"2026-12-03 05:59:59": false,
			"2026-12-03 06:00:00": true,
			"2026-12-03 06:00:59": true,
			"2026-12-03 06:01:00": false,
		}},
		{"overlapping negations", mustWindows(t, "!SAT 11:00-13:00,!SAT 12:00-14:00,!12:30-12:45,0:00-23:59"), map[string]bool{
			"2026-12-05 10:59": true,
			"2026-12-05 12:00": false,
			"2026-12-05 13:30": false, // the second negation
			"2026-12-05 14:01": true,
			"2026-12-06 12:31": false, // the every-day negation
			"2026-12-06 12:46": true,
		}},
		{"an allow before a negation wins", mustWindows(t, "SAT 0:00-23:59,!SAT 11:00-13:00"), map[string]bool{
			"2026-12-05 12:00": true,
		}},
		{"zero", Windows{}, map[string]bool{
			"2026-12-05 12:00": true,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for s, want := range tt.times {
				require.Equal(t, want, tt.w.Allows(at(t, loc, s)), "%s at %s", tt.w, s)
			}
		})
	}
}

func TestWindowsNext(t *testing.T) {
	loc := berlin(t)
	tests := []struct {
		name, windows, from, want string
	}{
		{"allowed now", ocoWindows, "2026-12-03 06:30:17", "2026-12-03 06:30:17"},
		{"later the same day", ocoWindows, "2026-12-03 07:01", "2026-12-04 06:00"},
		{"Friday evening", ocoWindows, "2026-12-04 07:01", "2026-12-04 18:00"},
		{"after the Saturday negation", ocoWindows, "2026-12-05 11:30:45", "2026-12-05 13:01"},
		{"next week", "MON 9:00-9:30", "2026-12-08 09:31", "2026-12-14 09:00"},
		{"over midnight", "FRI 22:00-2:00", "2026-12-05 03:00", "2026-12-11 22:00"},
		{"mid-minute start of a window", "6:00-7:00", "2026-12-03 05:59:30", "2026-12-03 06:00"},
		// Sunday 2026-03-29: 2:00 becomes 3:00 in Berlin.
		{"a window in the skipped hour waits a week", "SUN 2:00-2:30", "2026-03-28 12:00", "2026-04-05 02:00"},
		{"a window over the skipped hour opens at 3:00", "SUN 2:30-3:30", "2026-03-29 00:00", "2026-03-29 03:00"},
		{"every day across the spring change", "6:00-7:00", "2026-03-28 08:00", "2026-03-29 06:00"},
		// Sunday 2026-10-25: 3:00 becomes 2:00 again.
		{"every day across the autumn change", "6:00-7:00", "2026-10-24 08:00", "2026-10-25 06:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := mustWindows(t, tt.windows)
			next, ok := w.Next(at(t, loc, tt.from))
			require.True(t, ok)
			want := at(t, loc, tt.want)
			require.True(t, want.Equal(next), "want %v, got %v", want, next)
			require.True(t, w.Allows(next))
			if next.After(at(t, loc, tt.from)) {
				require.False(t, w.Allows(next.Add(-time.Nanosecond)), "Next is not the first allowed instant")
			}
		})
	}
}

// TestWindowsNextAutumn checks the hour that occurs twice when the clock
// goes back: a window inside it opens at its first occurrence, and the
// second occurrence is allowed too.
func TestWindowsNextAutumn(t *testing.T) {
	loc := berlin(t)
	w := mustWindows(t, "SUN 2:15-2:20")
	first, ok := w.Next(at(t, loc, "2026-10-25 00:00"))
	require.True(t, ok)
	_, offset := first.Zone()
	require.Equal(t, 2*3600, offset, "the first 2:15 is still summer time (CEST)")
	require.Equal(t, "02:15", first.Format("15:04"))
	second, ok := w.Next(first.Add(10 * time.Minute))
	require.True(t, ok)
	require.Equal(t, time.Hour, second.Sub(first), "the second 2:15 is an hour later, in CET")
}

// TestWindowsNextNever: a list that allows no minute of the week is refused
// when it is read (an operation would wait for ever); Next of such a list,
// built here directly, says there is no time.
func TestWindowsNextNever(t *testing.T) {
	for _, s := range []string{"!0:00-23:59,6:00-7:00", "!6:00-7:00,!0:00-5:59,!7:00-23:59,6:30-6:40", "!MON 0:00-23:59,MON 6:00-7:00"} {
		_, err := ParseWindows(s)
		var se *SyntaxError
		require.ErrorAs(t, err, &se, "%q", s)
		require.Contains(t, se.Msg, "no minute of the week is allowed")
	}
	w := Windows{list: []window{{deny: true, day: everyDay, start: 0, end: 23*60 + 59}, {day: everyDay, start: 6 * 60, end: 7 * 60}}}
	_, ok := w.Next(time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC))
	require.False(t, ok)
	next, ok := Windows{}.Next(time.Date(2026, 12, 5, 12, 0, 0, 7, time.UTC))
	require.True(t, ok)
	require.Equal(t, time.Date(2026, 12, 5, 12, 0, 0, 7, time.UTC), next)
}

func mustWindows(t *testing.T, s string) Windows {
	t.Helper()
	w, err := ParseWindows(s)
	require.NoError(t, err)
	return w
}
