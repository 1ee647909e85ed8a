package constraint

import (
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestSetCheck(t *testing.T) {
	loc := berlin(t)
	addrs := []netip.Addr{netip.MustParseAddr("192.168.2.3")}
	tests := []struct {
		name   string
		set    Set
		now    string
		next   string // "" when the set allows now; "never" for a zero Next
		reason []string
	}{
		{name: "zero", now: "2026-12-05 14:03"},
		{name: "in the window", set: Set{Windows: mustWindows(t, ocoWindows), Location: loc}, now: "2026-12-05 14:03"},
		{name: "outside the window", set: Set{Windows: mustWindows(t, "6:00-7:00"), Location: loc}, now: "2026-12-05 14:03",
			next: "2026-12-06 06:00", reason: []string{`outside the time window "6:00-7:00" (now Sat 2026-12-05 14:03 CET)`}},
		{name: "before not-before", set: Set{NotBefore: at(t, loc, "2026-12-24 18:00"), Location: loc}, now: "2026-12-05 14:03",
			next: "2026-12-24 18:00", reason: []string{"before its not-before date Thu 2026-12-24 18:00 CET"}},
		{name: "not-before then the window", set: Set{NotBefore: at(t, loc, "2026-12-24 18:00"), Windows: mustWindows(t, "6:00-7:00"), Location: loc},
			now: "2026-12-05 06:30", next: "2026-12-25 06:00", reason: []string{"before its not-before date"}},
		{name: "bounds are included", set: Set{NotBefore: at(t, loc, "2026-12-05 14:03"), NotAfter: at(t, loc, "2026-12-05 14:03"), Location: loc},
			now: "2026-12-05 14:03"},
		{name: "after not-after", set: Set{NotAfter: at(t, loc, "2026-12-01 00:00"), Location: loc}, now: "2026-12-05 14:03:09",
			next: "never", reason: []string{"after its not-after date Tue 2026-12-01 00:00 CET (now Sat 2026-12-05 14:03:09 CET)"}},
		{name: "the window opens after not-after", set: Set{Windows: mustWindows(t, "6:00-7:00"), NotAfter: at(t, loc, "2026-12-05 23:00"), Location: loc},
			now: "2026-12-05 14:03", next: "never", reason: []string{"the windows open next at Sun 2026-12-06 06:00 CET, after its not-after date Sat 2026-12-05 23:00 CET"}},
		{name: "address in range", set: Set{Ranges: mustRanges(t, "192.168.2.0/24"), Addrs: addrs}, now: "2026-12-05 14:03"},
		{name: "address refused", set: Set{Ranges: mustRanges(t, ocoRanges), Addrs: addrs}, now: "2026-12-05 14:03", next: "never",
			reason: []string{`the address 192.168.2.3 is not allowed by the range list "10.2.0.0/16,!192.168.2.3/32,192.168.2.0/24,caff:eeca:ffee::/64"`}},
		{name: "several addresses", set: Set{Ranges: mustRanges(t, "10.0.0.0/8"), Addrs: append(addrs, netip.MustParseAddr("fd00::1"))},
			now: "2026-12-05 14:03", next: "never", reason: []string{"the addresses 192.168.2.3, fd00::1 are not allowed"}},
		{name: "no address", set: Set{Ranges: mustRanges(t, "10.0.0.0/8"), Addrs: []netip.Addr{}}, now: "2026-12-05 14:03", next: "never",
			reason: []string{"no address to check"}},
		{name: "every reason at once", set: Set{Windows: mustWindows(t, "6:00-7:00"), Ranges: mustRanges(t, "10.0.0.0/8"), Addrs: addrs,
			NotBefore: at(t, loc, "2026-12-24 18:00"), Location: loc}, now: "2026-12-05 14:03", next: "never",
			reason: []string{"before its not-before date", "is not allowed by the range list", "outside the time window"}},
		{name: "not-before after not-after", set: Set{NotBefore: at(t, loc, "2026-12-10 07:30"), NotAfter: at(t, loc, "2026-12-10 06:30"), Location: loc},
			now: "2026-12-01 12:00", next: "never",
			reason: []string{"its not-before date Thu 2026-12-10 07:30 CET is after its not-after date Thu 2026-12-10 06:30 CET, so no time will do"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.set.Check(at(t, loc, tt.now))
			if tt.next == "" {
				require.NoError(t, err)
				return
			}
			var d *Deferral
			require.True(t, errors.As(err, &d), "error %v", err)
			for _, r := range tt.reason {
				require.Contains(t, d.Reason, r)
			}
			if tt.next == "never" {
				require.True(t, d.Next.IsZero(), "next %v", d.Next)
				require.Contains(t, d.Error(), "waiting will not help")
				return
			}
			require.True(t, at(t, loc, tt.next).Equal(d.Next), "next %v", d.Next)
			require.Equal(t, loc, d.Next.Location())
			require.Contains(t, d.Error(), "it may run from "+formatTime(d.Next))
		})
	}
}

func TestSetCheckLocation(t *testing.T) {
	// 5:30 UTC is 6:30 in Berlin in winter: inside 6:00-7:00 there only.
	now := time.Date(2026, 12, 5, 5, 30, 0, 0, time.UTC)
	w := mustWindows(t, "6:00-7:00")
	require.NoError(t, Set{Windows: w, Location: berlin(t)}.Check(now))
	err := Set{Windows: w, Location: time.UTC}.Check(now)
	var d *Deferral
	require.True(t, errors.As(err, &d))
	require.Equal(t, time.Date(2026, 12, 5, 6, 0, 0, 0, time.UTC), d.Next)
}

func TestParseTime(t *testing.T) {
	loc := berlin(t)
	tests := []struct {
		in   string
		want time.Time
	}{
		{"2026-12-24T18:00:00+01:00", time.Date(2026, 12, 24, 17, 0, 0, 0, time.UTC)},
		{"2026-12-24T17:00:00Z", time.Date(2026, 12, 24, 17, 0, 0, 0, time.UTC)},
		{"2026-12-24T17:00Z", time.Date(2026, 12, 24, 17, 0, 0, 0, time.UTC)},
		{"2026-12-24T18:00+01:00", time.Date(2026, 12, 24, 17, 0, 0, 0, time.UTC)},
		{"2026-12-24T18:00:00.5+01:00", time.Date(2026, 12, 24, 17, 0, 0, 5e8, time.UTC)},
		{"2026-12-24T18:00", time.Date(2026, 12, 24, 18, 0, 0, 0, loc)},
		{"2026-12-24T18:00:30", time.Date(2026, 12, 24, 18, 0, 30, 0, loc)},
		{"2026-07-01T18:00", time.Date(2026, 7, 1, 18, 0, 0, 0, loc)}, // summer time
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseTime(tt.in, loc)
			require.NoError(t, err)
			require.True(t, tt.want.Equal(got), "want %v, got %v", tt.want, got)
		})
	}
	got, err := ParseTime("2026-12-24T18:00", nil)
	require.NoError(t, err)
	require.Equal(t, time.Local, got.Location())
}

func TestParseTimeErrors(t *testing.T) {
	tests := []struct {
		in     string
		offset int
		msg    string
	}{
		{"", 0, "want RFC 3339"},
		{"2026-12-24 18:00", 10, "want RFC 3339"},
		{"2026-12-24", 10, "want RFC 3339"},
		{"2026-13-24T18:00", 7, "month out of range"},
		{"2026-12-24T18:00+01", 16, "want RFC 3339"},
		{"tomorrow", 0, "want RFC 3339"},
		{"2026-12-24T18:00:00+01:00 ", 25, "want RFC 3339"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := ParseTime(tt.in, time.UTC)
			var se *SyntaxError
			require.True(t, errors.As(err, &se), "error %v", err)
			require.Equal(t, "date-time", se.What)
			require.Equal(t, tt.offset, se.Offset, "error: %v", err)
			require.Contains(t, se.Msg, tt.msg)
		})
	}
}

// TestParseTimeSkipped: a wall-clock time that the change to summer time
// skips (2:30 on 2026-03-29 in Berlin) does not exist: an error, not a time
// moved by an hour; the hour that repeats in October is read, as its first
// occurrence.
func TestParseTimeSkipped(t *testing.T) {
	loc := berlin(t)
	_, err := ParseTime("2026-03-29T02:30", loc)
	var se *SyntaxError
	require.ErrorAs(t, err, &se)
	require.Contains(t, se.Msg, "does not occur in Europe/Berlin: the clock skips it")
	got, err := ParseTime("2026-10-25T02:30", loc)
	require.NoError(t, err)
	require.Equal(t, "02:30", got.Format("15:04"))
}
