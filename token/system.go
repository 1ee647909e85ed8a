package token

import (
	"context"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Host returns the system tokens of the machine the program runs on (R149);
// the package documentation lists them with their sources. Nothing is gathered
// until an rhq.system.* key is looked up, and the network interfaces are
// enumerated, or the host name resolved, only when a key needing them is; each
// fact is then kept, so a deployment sees one consistent set. Call Host once
// per deployment and share the result: it is safe for concurrent use.
func Host() Lookup {
	return newHost(hostEnvironment())
}

// javaAddressTimeout bounds the resolution of the host name for
// rhq.system.interfaces.java.address, so a dead DNS server delays a
// deployment instead of hanging it.
const javaAddressTimeout = 5 * time.Second

// environment is where a host's facts come from; tests replace it.
type environment struct {
	goos, goarch string
	hostname     func() (string, error)
	osVersion    func() string
	numCPU       func() int
	tempDir      func() string
	getenv       func(string) string
	readFile     func(string) ([]byte, error)
	readlink     func(string) (string, error)
	localZone    func() string // abbreviation of the local time zone
	userLocale   func() string // the platform's locale name, "" where it has none
	interfaces   func() ([]netInterface, error)
	lookupHost   func(string) ([]string, error)
}

// netInterface is what the system tokens need from a net.Interface.
type netInterface struct {
	name  string
	mac   net.HardwareAddr
	flags net.Flags
	addrs []net.Addr
}

func hostEnvironment() environment {
	return environment{
		goos:     runtime.GOOS,
		goarch:   runtime.GOARCH,
		hostname: os.Hostname,
		// The platform files define osVersion and userLocale.
		osVersion: osVersion,
		numCPU:    runtime.NumCPU,
		tempDir:   os.TempDir,
		getenv:    os.Getenv,
		readFile:  os.ReadFile,
		readlink:  os.Readlink,
		localZone: func() string {
			name, _ := time.Now().Zone()
			return name
		},
		userLocale: userLocale,
		interfaces: hostInterfaces,
		lookupHost: func(name string) ([]string, error) {
			ctx, cancel := context.WithTimeout(context.Background(), javaAddressTimeout)
			defer cancel()
			return net.DefaultResolver.LookupHost(ctx, name)
		},
	}
}

func hostInterfaces() ([]netInterface, error) {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil, err
	}
	out := make([]netInterface, 0, len(ifs))
	for _, ifi := range ifs {
		addrs, err := ifi.Addrs()
		if err != nil {
			addrs = nil // the interface is still listed, without address keys
		}
		out = append(out, netInterface{name: ifi.Name, mac: ifi.HardwareAddr, flags: ifi.Flags, addrs: addrs})
	}
	return out, nil
}

// host is the Lookup that Host returns. Each group of facts is gathered once,
// on first use.
type host struct {
	env environment

	baseOnce sync.Once
	base     map[string]string // keys without the "rhq.system." prefix

	netOnce sync.Once
	nets    map[string]string // keys "interfaces.<name>.<fact>"

	javaOnce sync.Once
	javaAddr string
}

func newHost(env environment) *host {
	return &host{env: env}
}

const javaAddressKey = "interfaces.java.address"

func (h *host) Lookup(key string) (string, bool) {
	name, ok := strings.CutPrefix(key, SystemPrefix)
	if !ok {
		return "", false
	}
	var m map[string]string
	switch {
	case name == javaAddressKey:
		// Like RHQ, this key wins over an interface named "java".
		h.javaOnce.Do(h.loadJavaAddress)
		return h.javaAddr, true
	case strings.HasPrefix(name, "interfaces."):
		h.netOnce.Do(h.loadInterfaces)
		m = h.nets
	default:
		h.baseOnce.Do(h.loadBase)
		m = h.base
	}
	v, ok := m[name]
	return v, ok
}

func (h *host) loadBase() {
	e := h.env
	m := make(map[string]string)
	if name, err := e.hostname(); err == nil && name != "" {
		m["hostname"] = name
	}
	osName, osType := osNames(e.goos)
	m["os.name"] = osName
	m["os.type"] = osType
	if v := e.osVersion(); v != "" {
		m["os.version"] = v
	}
	m["architecture"] = architecture(e.goarch)
	m["cpu.count"] = "?"
	if n := e.numCPU(); n > 0 {
		m["cpu.count"] = strconv.Itoa(n)
	}

	sysprop := func(p, v string) {
		if v == "" {
			v = p // RHQ's value for a property that is not set
		}
		m["sysprop."+p] = v
	}
	fileSep, lineSep, pathSep := "/", "\n", ":"
	if e.goos == "windows" {
		fileSep, lineSep, pathSep = `\`, "\r\n", ";"
	}
	sysprop("java.io.tmpdir", e.tempDir())
	sysprop("file.separator", fileSep)
	sysprop("line.separator", lineSep)
	sysprop("path.separator", pathSep)
	sysprop("java.home", e.getenv("JAVA_HOME"))
	sysprop("java.version", "")
	sysprop("user.timezone", h.timezone())
	sysprop("user.region", "")
	lang, country := h.locale()
	sysprop("user.language", lang)
	sysprop("user.country", country)
	h.base = m
}

// osNames returns the operating system's name and type as RHQ's native layer
// (SIGAR) reports them; JAVA is RHQ's type for a system SIGAR does not know.
func osNames(goos string) (name, typ string) {
	switch goos {
	case "linux", "android":
		return "Linux", "LINUX"
	case "windows":
		return "Win32", "WINDOWS"
	case "darwin":
		return "MacOSX", "OSX"
	case "freebsd":
		return "FreeBSD", "BSD"
	case "netbsd":
		return "NetBSD", "JAVA"
	case "openbsd":
		return "OpenBSD", "JAVA"
	case "solaris", "illumos":
		return "Solaris", "SOLARIS"
	case "aix":
		return "AIX", "AIX"
	}
	return goos, "JAVA"
}

// architecture returns the machine name uname -m prints for goarch, as
// SIGAR reports it.
func architecture(goarch string) string {
	switch goarch {
	case "amd64":
		return "x86_64"
	case "386":
		return "i686"
	case "arm64":
		return "aarch64"
	case "arm":
		return "armv7l"
	case "loong64":
		return "loongarch64"
	}
	return goarch
}

// timezone returns the local time zone's name the way the JVM finds it on a
// Unix system: $TZ, then /etc/timezone, then the target of the /etc/localtime
// link. It falls back to "UTC" when the local zone is UTC, and to "" (unknown).
func (h *host) timezone() string {
	e := h.env
	if tz := strings.TrimPrefix(e.getenv("TZ"), ":"); tz != "" {
		return zoneFromPath(tz)
	}
	if b, err := e.readFile("/etc/timezone"); err == nil {
		if tz, _, _ := strings.Cut(strings.TrimSpace(string(b)), "\n"); tz != "" {
			return strings.TrimSpace(tz)
		}
	}
	if target, err := e.readlink("/etc/localtime"); err == nil {
		if _, zone, ok := strings.Cut(target, "zoneinfo/"); ok && zone != "" {
			return zone
		}
	}
	if z := e.localZone(); z == "UTC" {
		return z
	}
	return ""
}

// zoneFromPath turns TZ=/usr/share/zoneinfo/Europe/Paris into Europe/Paris.
func zoneFromPath(tz string) string {
	if _, zone, ok := strings.Cut(tz, "zoneinfo/"); ok && zone != "" {
		return zone
	}
	return tz
}

// locale returns the user's language and country as the JVM derives them: from
// $LC_ALL, $LC_MESSAGES or $LANG (the first set), else from the platform, with
// the C and POSIX locales read as en_US. Either may be "" (unknown).
func (h *host) locale() (language, country string) {
	e := h.env
	name := ""
	for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if name = e.getenv(v); name != "" {
			break
		}
	}
	if name == "" {
		name = e.userLocale()
	}
	name, _, _ = strings.Cut(name, ".") // codeset
	name, _, _ = strings.Cut(name, "@") // modifier
	if name == "" || name == "C" || name == "POSIX" {
		return "en", "US"
	}
	parts := strings.Split(strings.ReplaceAll(name, "-", "_"), "_")
	language = parts[0]
	for _, p := range parts[1:] {
		// The country follows the language and an optional four-letter
		// script (zh-Hant-TW); it is two letters or three digits (es-419).
		if len(p) == 2 || len(p) == 3 && strings.Trim(p, "0123456789") == "" {
			return language, p
		}
	}
	return language, ""
}

func (h *host) loadInterfaces() {
	m := make(map[string]string)
	ifs, err := h.env.interfaces()
	if err != nil {
		h.nets = m
		return
	}
	for _, ifi := range ifs {
		if strings.Contains(ifi.name, ":") {
			continue // an alias (a virtual IP), which RHQ skips too
		}
		p := "interfaces." + ifi.name + "."
		m[p+"mac"] = macString(ifi.mac)
		m[p+"type"] = interfaceType(ifi)
		m[p+"flags"] = flagsString(ifi.flags)
		ip, bcast := interfaceAddresses(ifi)
		if ip != "" {
			m[p+"address"] = ip
		}
		if bcast != "" {
			m[p+"multicast.address"] = bcast
		}
	}
	h.nets = m
}

// macString formats a hardware address as SIGAR does: upper-case hexadecimal,
// and all zeros for an interface without one (such as the loopback).
func macString(mac net.HardwareAddr) string {
	if len(mac) == 0 {
		mac = make(net.HardwareAddr, 6)
	}
	return strings.ToUpper(mac.String())
}

// interfaceType approximates the link type SIGAR reports; Go does not expose
// the link layer, so it is guessed from the flags and the address length.
func interfaceType(ifi netInterface) string {
	switch {
	case ifi.flags&net.FlagLoopback != 0:
		return "Local Loopback"
	case ifi.flags&net.FlagPointToPoint != 0:
		return "Point-to-Point Protocol"
	case len(ifi.mac) == 6:
		return "Ethernet"
	}
	return "UNSPEC"
}

// flagsString lists the flags with SIGAR's names, in SIGAR's order.
func flagsString(f net.Flags) string {
	names := []struct {
		flag net.Flags
		name string
	}{
		{net.FlagUp, "UP"},
		{net.FlagBroadcast, "BROADCAST"},
		{net.FlagLoopback, "LOOPBACK"},
		{net.FlagPointToPoint, "POINTOPOINT"},
		{net.FlagRunning, "RUNNING"},
		{net.FlagMulticast, "MULTICAST"},
	}
	var out []string
	for _, n := range names {
		if f&n.flag != 0 {
			out = append(out, n.name)
		}
	}
	if len(out) == 0 {
		return "[NO FLAGS]"
	}
	return strings.Join(out, " ")
}

// interfaceAddresses returns the interface's first IPv4 address (else its
// first IPv6 one) and, for a broadcast interface with an IPv4 address, the
// broadcast address of that address's network, which is what RHQ calls the
// multicast address.
func interfaceAddresses(ifi netInterface) (ip, broadcast string) {
	var v6 string
	for _, a := range ifi.addrs {
		var addr net.IP
		var mask net.IPMask
		switch a := a.(type) {
		case *net.IPNet:
			addr, mask = a.IP, a.Mask
		case *net.IPAddr:
			addr = a.IP
		default:
			continue
		}
		v4 := addr.To4()
		if v4 == nil {
			if v6 == "" {
				v6 = addr.String()
			}
			continue
		}
		if ifi.flags&net.FlagBroadcast != 0 && len(mask) >= net.IPv4len {
			mask = mask[len(mask)-net.IPv4len:]
			b := make(net.IP, net.IPv4len)
			for i := range b {
				b[i] = v4[i] | ^mask[i]
			}
			broadcast = b.String()
		}
		return v4.String(), broadcast
	}
	return v6, ""
}

// loadJavaAddress resolves the host name as Java's
// InetAddress.getByName(hostname) would, preferring an IPv4 address as the JVM
// does by default, and falls back to the loopback address.
func (h *host) loadJavaAddress() {
	h.javaAddr = "127.0.0.1"
	h.baseOnce.Do(h.loadBase)
	name := h.base["hostname"]
	if name == "" {
		return
	}
	addrs, err := h.env.lookupHost(name)
	if err != nil || len(addrs) == 0 {
		return
	}
	h.javaAddr = addrs[0]
	for _, a := range addrs {
		if ip := net.ParseIP(a); ip != nil && ip.To4() != nil {
			h.javaAddr = a
			return
		}
	}
}
