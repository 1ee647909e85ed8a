package constraint

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
)

// Ranges is an OCO address-range list, such as
// "10.2.0.0/16,!192.168.2.3/32,192.168.2.0/24,CAFF:EECA:FFEE:0000::/64" (see
// the package documentation). The zero Ranges allows every address.
type Ranges struct{ list []addrRange }

// addrRange is one element of a list.
type addrRange struct {
	deny   bool
	prefix netip.Prefix
}

// ParseRanges reads a range list. An empty (or blank) list is the zero
// Ranges. Errors are *SyntaxError values.
func ParseRanges(s string) (Ranges, error) {
	if blank(s) {
		return Ranges{}, nil
	}
	sc := &scanner{what: "range list", in: s}
	var r Ranges
	allows := false
	for _, it := range sc.items() {
		ar, err := sc.addrRange(it)
		if err != nil {
			return Ranges{}, err
		}
		allows = allows || !ar.deny
		r.list = append(r.list, ar)
	}
	if !allows {
		return Ranges{}, sc.errorf(0, "every range is negated, so no address is allowed (the first range that contains an address decides, "+
			"and an address no range contains is refused): add one that allows, such as 0.0.0.0/0 or ::/0 at the end")
	}
	return r, nil
}

// addrRange reads one range: [!]PREFIX or [!]ADDRESS, blanks around it and
// after the !.
func (sc *scanner) addrRange(it item) (addrRange, error) {
	t, off := it.text, it.off
	i := skipBlanks(t, 0)
	if i == len(t) {
		return addrRange{}, sc.errorf(off+i, "empty range: want [!]ADDRESS/BITS between commas")
	}
	var ar addrRange
	if t[i] == '!' {
		ar.deny = true
		i = skipBlanks(t, i+1)
	}
	end := len(t)
	for end > i && (t[end-1] == ' ' || t[end-1] == '\t') {
		end--
	}
	text := t[i:end]
	if j := strings.IndexAny(text, " \t"); j >= 0 {
		return addrRange{}, sc.errorf(off+i+j, "unexpected blank inside the range (ranges are separated by commas)")
	}
	if text == "" {
		return addrRange{}, sc.errorf(off+i, "want an address or a prefix after '!'")
	}
	p, err := parsePrefix(text)
	if err != nil {
		return addrRange{}, sc.errorf(off+i, "%v", err)
	}
	ar.prefix = p
	return ar, nil
}

// parsePrefix reads a prefix or a single address, refusing zones and bits
// set past the prefix length, and turns an IPv4-mapped prefix of /96 or
// longer into the IPv4 prefix it maps.
func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "%") {
		return netip.Prefix{}, fmt.Errorf("%q has a zone: ranges are written without one", s)
	}
	var p netip.Prefix
	if strings.Contains(s, "/") {
		var err error
		if p, err = netip.ParsePrefix(s); err != nil {
			return netip.Prefix{}, fmt.Errorf("%q is not an address prefix such as 10.2.0.0/16 or fd00::/8", s)
		}
		if p != p.Masked() {
			return netip.Prefix{}, fmt.Errorf("%q has bits set past its length: did you mean %s?", s, p.Masked())
		}
	} else {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("%q is not an address or an address prefix such as 10.2.0.0/16", s)
		}
		p = netip.PrefixFrom(a, a.BitLen())
	}
	if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
		p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
	}
	return p, nil
}

// String writes the list back in its syntax, each range as a prefix in
// netip's form (IPv6 in lower case and shortest form).
func (r Ranges) String() string {
	parts := make([]string, len(r.list))
	for i, ar := range r.list {
		parts[i] = ar.prefix.String()
		if ar.deny {
			parts[i] = "!" + parts[i]
		}
	}
	return strings.Join(parts, ",")
}

// IsZero reports whether the list has no ranges, and so allows every
// address.
func (r Ranges) IsZero() bool { return len(r.list) == 0 }

// Allows returns the first of addrs that the list allows, and true; or
// false when it allows none of them. For each address the first range that
// contains it decides, and an address that no range contains is refused. An
// IPv4-mapped IPv6 address is taken for the IPv4 address it maps, and zones
// are ignored. The zero Ranges allows every address: it returns the first
// (the zero Addr when there is none) and true.
func (r Ranges) Allows(addrs []netip.Addr) (netip.Addr, bool) {
	if r.IsZero() {
		if len(addrs) == 0 {
			return netip.Addr{}, true
		}
		return addrs[0], true
	}
	for _, a := range addrs {
		if r.allows(a) {
			return a, true
		}
	}
	return netip.Addr{}, false
}

func (r Ranges) allows(a netip.Addr) bool {
	a = a.Unmap().WithZone("")
	for _, ar := range r.list {
		if ar.prefix.Contains(a) {
			return !ar.deny
		}
	}
	return false
}

// HostAddrs returns the addresses of this host's network interfaces, but
// loopback and unspecified ones: the addresses Set.Check checks Ranges
// against when Set.Addrs is nil.
func HostAddrs() ([]netip.Addr, error) {
	ifaddrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil, fmt.Errorf("read the host's addresses: %w", err)
	}
	var out []netip.Addr
	for _, ia := range ifaddrs {
		p, err := netip.ParsePrefix(ia.String())
		if err != nil {
			continue // not an IP address (a link-layer one, on some systems)
		}
		a := p.Addr().Unmap()
		if a.IsLoopback() || a.IsUnspecified() {
			continue
		}
		out = append(out, a)
	}
	return out, nil
}
