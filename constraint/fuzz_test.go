package constraint

import (
	"errors"
	"net/netip"
	"reflect"
	"testing"
	"time"
)

// checkSyntaxError fails unless err is a *SyntaxError of what, for in, with
// an offset inside it.
func checkSyntaxError(t *testing.T, err error, what, in string) {
	t.Helper()
	var se *SyntaxError
	if !errors.As(err, &se) {
		t.Fatalf("error %v (%T) is not a *SyntaxError", err, err)
	}
	if se.What != what || se.Input != in || se.Offset < 0 || se.Offset > len(in) || se.Msg == "" {
		t.Fatalf("bad error for %q: %+v", in, se)
	}
}

func FuzzParseWindows(f *testing.F) {
	for _, s := range []string{ocoWindows, "22:00-2:00", "FRI 22:00-2:00", "0:00-23:59", "!SAT 11:00-13:00,!12:00-14:00,sat 0:00-23:59",
		" 6:00 - 7:00 ,\tfri\t18:00-23:00", "6:00-7:00,,", "MON-FRI 6:00-7:00", "24:00-1:00", "6:0-7:00", "!", ""} {
		f.Add(s)
	}
	times := []time.Time{
		time.Date(2026, 12, 5, 14, 3, 0, 0, time.UTC),
		time.Date(2026, 3, 29, 1, 59, 59, 0, time.FixedZone("X", 3600)),
	}
	f.Fuzz(func(t *testing.T, s string) {
		w, err := ParseWindows(s)
		if err != nil {
			checkSyntaxError(t, err, "window list", s)
			return
		}
		again, err := ParseWindows(w.String())
		if err != nil || !reflect.DeepEqual(w, again) {
			t.Fatalf("%q: its String %q reads back as %v, %v", s, w.String(), again, err)
		}
		for _, tm := range times {
			if next, ok := w.Next(tm); ok && (!w.Allows(next) || next.Before(tm)) {
				t.Fatalf("%q: Next(%v) = %v, which it does not allow", s, tm, next)
			}
		}
	})
}

func FuzzParseRanges(f *testing.F) {
	for _, s := range []string{ocoRanges, "::ffff:10.2.0.0/112", "192.168.2.3", "fe80::1%eth0", "10.2.3.0/16", " ! 10.0.0.0/8 ,::/0", ",", "!"} {
		f.Add(s)
	}
	addrs := []netip.Addr{netip.MustParseAddr("10.2.3.4"), netip.MustParseAddr("::ffff:192.168.2.3"), netip.MustParseAddr("fe80::1%eth0")}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRanges(s)
		if err != nil {
			checkSyntaxError(t, err, "range list", s)
			return
		}
		again, err := ParseRanges(r.String())
		if err != nil || !reflect.DeepEqual(r, again) {
			t.Fatalf("%q: its String %q reads back as %v, %v", s, r.String(), again, err)
		}
		for _, a := range addrs {
			if got, ok := r.Allows([]netip.Addr{a}); ok && got != a {
				t.Fatalf("%q: allowed %v for %v", s, got, a)
			}
		}
	})
}

func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"2026-12-24T18:00:00+01:00", "2026-12-24T18:00", "2026-12-24T18:00:30", "2026-13-24T18:00", "2026-12-24 18:00", ""} {
		f.Add(s)
	}
	loc := time.FixedZone("X", 3600)
	f.Fuzz(func(t *testing.T, s string) {
		if _, err := ParseTime(s, loc); err != nil {
			checkSyntaxError(t, err, "date-time", s)
		}
	})
}
