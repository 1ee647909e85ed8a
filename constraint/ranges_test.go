package constraint

import (
	"errors"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"
)

// The example (OCO's documentation).
const ocoRanges = "10.2.0.0/16,!192.168.2.3/32,192.168.2.0/24,CAFF:EECA:FFEE:0000::/64"

func TestParseRanges(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"", ""},
		{" ", ""},
		{ocoRanges, "10.2.0.0/16,!192.168.2.3/32,192.168.2.0/24,caff:eeca:ffee::/64"},
		{" 10.2.0.0/16 , ! 192.168.2.3/32,\t192.168.2.0/24 ", "10.2.0.0/16,!192.168.2.3/32,192.168.2.0/24"},
		{"192.168.2.3", "192.168.2.3/32"},
		{"fd00::1", "fd00::1/128"},
		{"0.0.0.0/0,::/0", "0.0.0.0/0,::/0"},
		// IPv4-mapped prefixes of /96 or longer are the IPv4 prefixes they map.
		{"::ffff:10.2.0.0/112", "10.2.0.0/16"},
		{"::ffff:10.2.3.4", "10.2.3.4/32"},
		{"::ffff:0.0.0.0/96", "0.0.0.0/0"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			r, err := ParseRanges(tt.in)
			require.NoError(t, err)
			require.Equal(t, tt.want, r.String())
			require.Equal(t, tt.want == "", r.IsZero())
			again, err := ParseRanges(r.String())
			require.NoError(t, err)
			require.Equal(t, r, again)
		})
	}
}

func TestParseRangesErrors(t *testing.T) {
	tests := []struct {
		in     string
		offset int
		msg    string
	}{
		{",10.0.0.0/8", 0, "empty range"},
		{"10.0.0.0/8,", 11, "empty range"},
		{"10.0.0.0/8, ,fd00::/8", 12, "empty range"},
		{"10.0.0.0/8,!", 12, "want an address or a prefix after '!'"},
		{"10.2.3.0/16", 0, "did you mean 10.2.0.0/16?"},
		{"10.0.0.0/8,192.168.2.3/24", 11, "did you mean 192.168.2.0/24?"},
		{"10.0.0.0/33", 0, "is not an address prefix"},
		{"10.0.0/8", 0, "is not an address prefix"},
		{"10.0.0.256", 0, "is not an address or an address prefix"},
		{"host.example.com", 0, "is not an address or an address prefix"},
		{"10.0.0.0 /8", 8, "unexpected blank"},
		{"10.0.0.0/8 fd00::/8", 10, "unexpected blank"},
		{"fe80::1%eth0", 0, "has a zone"},
		{"fe80::%eth0/64", 0, "has a zone"},
		{"!!10.0.0.0/8", 1, "is not an address"},
		{"!10.0.0.0/8", 0, "every range is negated"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := ParseRanges(tt.in)
			var se *SyntaxError
			require.True(t, errors.As(err, &se), "error %v", err)
			require.Equal(t, "range list", se.What)
			require.Equal(t, tt.offset, se.Offset, "error: %v", err)
			require.Contains(t, se.Msg, tt.msg)
		})
	}
}

func TestRangesAllows(t *testing.T) {
	oco := mustRanges(t, ocoRanges)
	tests := []struct {
		name  string
		r     Ranges
		addrs []string
		want  string // the address allowed, "" for none
	}{
		{"in the first range", oco, []string{"10.2.99.1"}, "10.2.99.1"},
		{"outside every range", oco, []string{"10.3.0.1"}, ""},
		{"the negated host", oco, []string{"192.168.2.3"}, ""},
		{"its neighbour", oco, []string{"192.168.2.4"}, "192.168.2.4"},
		{"IPv6, any case in the list", oco, []string{"caff:eeca:ffee::42"}, "caff:eeca:ffee::42"},
		{"IPv6 outside", oco, []string{"caff:eeca:ffef::42"}, ""},
		{"IPv4-mapped IPv6 address", oco, []string{"::ffff:10.2.3.4"}, "::ffff:10.2.3.4"},
		{"IPv4-mapped negated host", oco, []string{"::ffff:192.168.2.3"}, ""},
		{"a zone is ignored", mustRanges(t, "fe80::/10"), []string{"fe80::1%eth0"}, "fe80::1%eth0"},
		{"the first allowed of several", oco, []string{"192.168.2.3", "172.16.0.1", "10.2.0.7", "192.168.2.9"}, "10.2.0.7"},
		{"none", oco, nil, ""},
		{"IPv4 does not match ::/0", mustRanges(t, "::/0"), []string{"10.0.0.1"}, ""},
		{"mapped prefix matches IPv4", mustRanges(t, "::ffff:10.2.0.0/112"), []string{"10.2.200.1"}, "10.2.200.1"},
		{"overlapping negations", mustRanges(t, "!10.2.3.0/24,!10.2.0.0/20,10.0.0.0/8"), []string{"10.2.15.1"}, ""},
		{"after the negations", mustRanges(t, "!10.2.3.0/24,!10.2.0.0/20,10.0.0.0/8"), []string{"10.2.16.1"}, "10.2.16.1"},
		{"zero allows all", Ranges{}, []string{"10.0.0.1", "10.0.0.2"}, "10.0.0.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var addrs []netip.Addr
			for _, s := range tt.addrs {
				addrs = append(addrs, netip.MustParseAddr(s))
			}
			got, ok := tt.r.Allows(addrs)
			require.Equal(t, tt.want != "", ok)
			if ok {
				require.Equal(t, tt.want, got.String())
			}
		})
	}
	got, ok := Ranges{}.Allows(nil)
	require.True(t, ok)
	require.False(t, got.IsValid())
}

func TestHostAddrs(t *testing.T) {
	addrs, err := HostAddrs()
	require.NoError(t, err)
	for _, a := range addrs {
		require.False(t, a.IsLoopback(), "%s", a)
		require.False(t, a.Is4In6(), "%s", a)
	}
}

func mustRanges(t *testing.T, s string) Ranges {
	t.Helper()
	r, err := ParseRanges(s)
	require.NoError(t, err)
	return r
}
