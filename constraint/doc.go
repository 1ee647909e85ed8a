// Package constraint says when and where an operation may run: OCO's time
// windows and address ranges, and a not-before / not-after pair of dates.
// An operation outside them is not a failure: it is deferred, and a
// *Deferral says why and when it may run.
//
// # Time windows
//
// A window list is OCO's "time frame constraint":
//
//	6:00-7:00,FRI 18:00-23:00,!SAT 11:00-13:00,SAT 0:00-23:59
//
// Windows are separated by commas and read in order; the first window that
// matches a time decides: a window allows it, a window written with a
// leading ! refuses it, and a time that no window matches is refused. So
// the list above allows every day from 6:00 to 7:00, Fridays from 18:00 to
// 23:00, and Saturdays except from 11:00 to 13:00. A list whose windows
// are all negated would allow nothing, and is an error.
//
// A window is [!][DAY ]H:MM-H:MM. DAY is MON, TUE, WED, THU, FRI, SAT or
// SUN, in any case; without it the window is every day. Hours are 0 to 23
// (one or two digits), minutes two digits. Both ends are whole minutes and
// both are included: 6:00-7:00 allows 7:00:59, and 0:00-23:59 is the whole
// day. A window whose end is before its start runs over midnight, and its
// day is the day it starts: FRI 22:00-2:00 is Friday 22:00 to Saturday
// 2:00:59. Blanks may surround a window, its dash and the ! (not inside a
// time), and at least one separates the day from the time.
//
// Windows are read on the wall clock of a time zone (Set.Location, the
// local one by default): on the day a clock goes forward, a window inside
// the skipped hour does not occur; on the day it goes back, a window inside
// the repeated hour occurs twice.
//
// # Address ranges
//
// A range list is OCO's "agent IP range constraint":
//
//	10.2.0.0/16,!192.168.2.3/32,192.168.2.0/24,CAFF:EECA:FFEE:0000::/64
//
// Ranges are separated by commas and read in order; for each address the
// first range that contains it decides (a ! range refuses it), and an
// address no range contains is refused. An operation may run when one of
// the host's addresses is allowed (Set.Addrs names others to check
// instead). A range is a prefix in CIDR notation, IPv4 or IPv6, or a single
// address (a /32 or /128); a prefix with bits set past its length
// (10.2.3.0/16) is an error, since what it means is unclear. An IPv4-mapped
// IPv6 address (::ffff:10.2.3.4) is the IPv4 address it maps, and so is a
// mapped prefix of /96 or longer (::ffff:10.2.0.0/112 is 10.2.0.0/16).
// Zones (fe80::1%eth0) are ignored when matching and refused in ranges.
//
// # Dates
//
// Set.NotBefore and Set.NotAfter bound when the operation may run, both
// included. ParseTime reads them as RFC 3339 (2026-12-24T18:00:00+01:00;
// the seconds may be left out) or as YYYY-MM-DDTHH:MM[:SS] on the wall clock
// of a time zone.
//
// # Errors
//
// Parsing is strict: every error is a *SyntaxError naming the input, the
// byte offset of the problem and what was expected. Set.Check returns nil
// or a *Deferral; Deferral.Next is when the operation may run (the first
// instant that every constraint allows), or the zero time when no later time
// will do: the not-after date has passed or passes first, or no address of
// the host is allowed.
package constraint
