package token

import (
	"errors"
	"io/fs"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
)

// fakeEnv is a host environment that counts how often each group of facts is
// gathered.
type fakeEnv struct {
	env                        map[string]string
	files                      map[string]string
	links                      map[string]string
	base, ifaces, resolved     atomic.Int32
	hostnameErr, interfacesErr error
	addrs                      []string
}

func (f *fakeEnv) environment(goos string) environment {
	return environment{
		goos:   goos,
		goarch: "amd64",
		hostname: func() (string, error) {
			f.base.Add(1)
			return "app1.example.com", f.hostnameErr
		},
		osVersion: func() string { return "6.1.0-18-amd64" },
		numCPU:    func() int { return 8 },
		tempDir:   func() string { return "/var/tmp" },
		getenv:    func(k string) string { return f.env[k] },
		readFile: func(name string) ([]byte, error) {
			if s, ok := f.files[name]; ok {
				return []byte(s), nil
			}
			return nil, fs.ErrNotExist
		},
		readlink: func(name string) (string, error) {
			if s, ok := f.links[name]; ok {
				return s, nil
			}
			return "", fs.ErrNotExist
		},
		localZone:  func() string { return "CET" },
		userLocale: func() string { return "" },
		interfaces: func() ([]netInterface, error) {
			f.ifaces.Add(1)
			return testInterfaces(), f.interfacesErr
		},
		lookupHost: func(name string) ([]string, error) {
			f.resolved.Add(1)
			if f.addrs == nil {
				return nil, errors.New("no such host")
			}
			return f.addrs, nil
		},
	}
}

func ipNet(cidr string) *net.IPNet {
	ip, n, err := net.ParseCIDR(cidr)
	if err != nil {
		panic(err)
	}
	n.IP = ip
	return n
}

func testInterfaces() []netInterface {
	return []netInterface{
		{name: "lo", flags: net.FlagUp | net.FlagLoopback | net.FlagRunning,
			addrs: []net.Addr{ipNet("127.0.0.1/8"), ipNet("::1/128")}},
		{name: "eth0", mac: net.HardwareAddr{0x00, 0x0c, 0x29, 0xab, 0xcd, 0xef},
			flags: net.FlagUp | net.FlagBroadcast | net.FlagMulticast | net.FlagRunning,
			addrs: []net.Addr{ipNet("fe80::20c:29ff:feab:cdef/64"), ipNet("192.168.10.5/24"), ipNet("10.0.0.1/8")}},
		{name: "eth0:1", flags: net.FlagUp, addrs: []net.Addr{ipNet("192.168.10.6/24")}},
		{name: "tun0", flags: net.FlagUp | net.FlagPointToPoint, addrs: []net.Addr{&net.IPAddr{IP: net.ParseIP("10.8.0.2")}}},
		{name: "wg0", flags: net.FlagUp, addrs: []net.Addr{ipNet("fd00::2/64")}},
		{name: "down0", mac: net.HardwareAddr{1, 2, 3, 4, 5, 6, 7, 8}},
	}
}

func lookupAll(l Lookup, keys []string) map[string]string {
	got := make(map[string]string)
	for _, k := range keys {
		if v, ok := l.Lookup(k); ok {
			got[k] = v
		}
	}
	return got
}

var baseKeys = []string{
	"rhq.system.hostname", "rhq.system.os.name", "rhq.system.os.version", "rhq.system.os.type",
	"rhq.system.architecture", "rhq.system.cpu.count",
	"rhq.system.sysprop.java.io.tmpdir", "rhq.system.sysprop.file.separator",
	"rhq.system.sysprop.line.separator", "rhq.system.sysprop.path.separator",
	"rhq.system.sysprop.java.home", "rhq.system.sysprop.java.version",
	"rhq.system.sysprop.user.timezone", "rhq.system.sysprop.user.region",
	"rhq.system.sysprop.user.country", "rhq.system.sysprop.user.language",
}

// TestHostBase checks the R149 keys that need no network, on Linux and
// Windows.
func TestHostBase(t *testing.T) {
	f := &fakeEnv{
		env:   map[string]string{"LANG": "de_CH.UTF-8@euro", "JAVA_HOME": "/usr/lib/jvm/java-17"},
		files: map[string]string{"/etc/timezone": "Europe/Zurich\n"},
	}
	got := lookupAll(newHost(f.environment("linux")), baseKeys)
	want := map[string]string{
		"rhq.system.hostname":               "app1.example.com",
		"rhq.system.os.name":                "Linux",
		"rhq.system.os.version":             "6.1.0-18-amd64",
		"rhq.system.os.type":                "LINUX",
		"rhq.system.architecture":           "x86_64",
		"rhq.system.cpu.count":              "8",
		"rhq.system.sysprop.java.io.tmpdir": "/var/tmp",
		"rhq.system.sysprop.file.separator": "/",
		"rhq.system.sysprop.line.separator": "\n",
		"rhq.system.sysprop.path.separator": ":",
		"rhq.system.sysprop.java.home":      "/usr/lib/jvm/java-17",
		"rhq.system.sysprop.java.version":   "java.version",
		"rhq.system.sysprop.user.timezone":  "Europe/Zurich",
		"rhq.system.sysprop.user.region":    "user.region",
		"rhq.system.sysprop.user.country":   "CH",
		"rhq.system.sysprop.user.language":  "de",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("linux (-want +got):\n%s", diff)
	}

	f = &fakeEnv{hostnameErr: errors.New("no name")}
	env := f.environment("windows")
	env.numCPU = func() int { return 0 }
	env.osVersion = func() string { return "" }
	env.userLocale = func() string { return "fr-CA" }
	got = lookupAll(newHost(env), baseKeys)
	want = map[string]string{
		"rhq.system.os.name":                "Win32",
		"rhq.system.os.type":                "WINDOWS",
		"rhq.system.architecture":           "x86_64",
		"rhq.system.cpu.count":              "?",
		"rhq.system.sysprop.java.io.tmpdir": "/var/tmp",
		"rhq.system.sysprop.file.separator": `\`,
		"rhq.system.sysprop.line.separator": "\r\n",
		"rhq.system.sysprop.path.separator": ";",
		"rhq.system.sysprop.java.home":      "java.home",
		"rhq.system.sysprop.java.version":   "java.version",
		"rhq.system.sysprop.user.timezone":  "user.timezone",
		"rhq.system.sysprop.user.region":    "user.region",
		"rhq.system.sysprop.user.country":   "CA",
		"rhq.system.sysprop.user.language":  "fr",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("windows (-want +got):\n%s", diff)
	}
}

func TestHostOSNames(t *testing.T) {
	tests := []struct{ goos, name, typ string }{
		{"linux", "Linux", "LINUX"},
		{"windows", "Win32", "WINDOWS"},
		{"darwin", "MacOSX", "OSX"},
		{"freebsd", "FreeBSD", "BSD"},
		{"netbsd", "NetBSD", "JAVA"},
		{"openbsd", "OpenBSD", "JAVA"},
		{"solaris", "Solaris", "SOLARIS"},
		{"illumos", "Solaris", "SOLARIS"},
		{"aix", "AIX", "AIX"},
		{"plan9", "plan9", "JAVA"},
	}
	for _, tt := range tests {
		name, typ := osNames(tt.goos)
		require.Equal(t, tt.name, name, tt.goos)
		require.Equal(t, tt.typ, typ, tt.goos)
	}
	for goarch, want := range map[string]string{
		"amd64": "x86_64", "386": "i686", "arm64": "aarch64", "arm": "armv7l",
		"loong64": "loongarch64", "ppc64le": "ppc64le", "s390x": "s390x", "riscv64": "riscv64",
	} {
		require.Equal(t, want, architecture(goarch), goarch)
	}
}

func TestHostTimezone(t *testing.T) {
	tests := []struct {
		name         string
		env, files   map[string]string
		links        map[string]string
		zone, wantTZ string
	}{
		{name: "TZ", env: map[string]string{"TZ": "America/New_York"}, files: map[string]string{"/etc/timezone": "Europe/Paris"}, wantTZ: "America/New_York"},
		{name: "TZ with colon", env: map[string]string{"TZ": ":Asia/Tokyo"}, wantTZ: "Asia/Tokyo"},
		{name: "TZ as a path", env: map[string]string{"TZ": ":/usr/share/zoneinfo/Europe/Oslo"}, wantTZ: "Europe/Oslo"},
		{name: "/etc/timezone", files: map[string]string{"/etc/timezone": " Europe/Paris \n# comment\n"}, wantTZ: "Europe/Paris"},
		{name: "localtime link", links: map[string]string{"/etc/localtime": "/usr/share/zoneinfo/Australia/Perth"}, wantTZ: "Australia/Perth"},
		{name: "relative link", links: map[string]string{"/etc/localtime": "../usr/share/zoneinfo/UTC"}, wantTZ: "UTC"},
		{name: "link elsewhere", links: map[string]string{"/etc/localtime": "/opt/tz"}, zone: "CET", wantTZ: "user.timezone"},
		{name: "UTC zone", zone: "UTC", wantTZ: "UTC"},
		{name: "unknown", zone: "CET", wantTZ: "user.timezone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeEnv{env: tt.env, files: tt.files, links: tt.links}
			env := f.environment("linux")
			env.localZone = func() string { return tt.zone }
			got, ok := newHost(env).Lookup("rhq.system.sysprop.user.timezone")
			require.True(t, ok)
			require.Equal(t, tt.wantTZ, got)
		})
	}
}

func TestHostLocale(t *testing.T) {
	tests := []struct {
		env                    map[string]string
		platform               string
		wantLanguage, wantLand string
	}{
		{nil, "", "en", "US"},
		{map[string]string{"LANG": "C"}, "", "en", "US"},
		{map[string]string{"LANG": "POSIX"}, "", "en", "US"},
		{map[string]string{"LANG": "C.UTF-8"}, "", "en", "US"},
		{map[string]string{"LANG": "fr_FR.ISO-8859-1"}, "", "fr", "FR"},
		{map[string]string{"LANG": "ja"}, "", "ja", "user.country"},
		{map[string]string{"LANG": "sr_RS@latin"}, "", "sr", "RS"},
		{map[string]string{"LANG": "fr_FR", "LC_MESSAGES": "it_IT"}, "", "it", "IT"},
		{map[string]string{"LANG": "fr_FR", "LC_MESSAGES": "it_IT", "LC_ALL": "pt_BR.UTF-8"}, "", "pt", "BR"},
		{nil, "zh-Hant-TW", "zh", "TW"},
		{nil, "es-419", "es", "419"},
		{nil, "sr-Latn", "sr", "user.country"},
		{nil, "nb-NO", "nb", "NO"},
	}
	for _, tt := range tests {
		f := &fakeEnv{env: tt.env}
		env := f.environment("linux")
		env.userLocale = func() string { return tt.platform }
		got := lookupAll(newHost(env), []string{"rhq.system.sysprop.user.language", "rhq.system.sysprop.user.country"})
		want := map[string]string{"rhq.system.sysprop.user.language": tt.wantLanguage, "rhq.system.sysprop.user.country": tt.wantLand}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("env %v, platform %q (-want +got):\n%s", tt.env, tt.platform, diff)
		}
	}
}

func TestHostInterfaces(t *testing.T) {
	f := &fakeEnv{}
	h := newHost(f.environment("linux"))
	var keys []string
	for _, ifname := range []string{"lo", "eth0", "eth0:1", "tun0", "wg0", "down0", "nope"} {
		for _, fact := range []string{"mac", "type", "flags", "address", "multicast.address"} {
			keys = append(keys, "rhq.system.interfaces."+ifname+"."+fact)
		}
	}
	want := map[string]string{
		"rhq.system.interfaces.lo.mac":                 "00:00:00:00:00:00",
		"rhq.system.interfaces.lo.type":                "Local Loopback",
		"rhq.system.interfaces.lo.flags":               "UP LOOPBACK RUNNING",
		"rhq.system.interfaces.lo.address":             "127.0.0.1",
		"rhq.system.interfaces.eth0.mac":               "00:0C:29:AB:CD:EF",
		"rhq.system.interfaces.eth0.type":              "Ethernet",
		"rhq.system.interfaces.eth0.flags":             "UP BROADCAST RUNNING MULTICAST",
		"rhq.system.interfaces.eth0.address":           "192.168.10.5",
		"rhq.system.interfaces.eth0.multicast.address": "192.168.10.255",
		"rhq.system.interfaces.tun0.mac":               "00:00:00:00:00:00",
		"rhq.system.interfaces.tun0.type":              "Point-to-Point Protocol",
		"rhq.system.interfaces.tun0.flags":             "UP POINTOPOINT",
		"rhq.system.interfaces.tun0.address":           "10.8.0.2",
		"rhq.system.interfaces.wg0.mac":                "00:00:00:00:00:00",
		"rhq.system.interfaces.wg0.type":               "UNSPEC",
		"rhq.system.interfaces.wg0.flags":              "UP",
		"rhq.system.interfaces.wg0.address":            "fd00::2",
		"rhq.system.interfaces.down0.mac":              "01:02:03:04:05:06:07:08",
		"rhq.system.interfaces.down0.type":             "UNSPEC",
		"rhq.system.interfaces.down0.flags":            "[NO FLAGS]",
	}
	if diff := cmp.Diff(want, lookupAll(h, keys)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	require.EqualValues(t, 1, f.ifaces.Load(), "interfaces enumerated once")
	require.Zero(t, f.base.Load(), "interface keys need no base facts")
	require.Zero(t, f.resolved.Load(), "interface keys need no name resolution")

	f = &fakeEnv{interfacesErr: errors.New("netlink: permission denied")}
	_, ok := newHost(f.environment("linux")).Lookup("rhq.system.interfaces.eth0.mac")
	require.False(t, ok, "no interface keys when enumeration fails")
}

func TestHostJavaAddress(t *testing.T) {
	tests := []struct {
		name        string
		addrs       []string
		hostnameErr error
		want        string
	}{
		{"IPv4 preferred", []string{"2001:db8::5", "192.0.2.5", "192.0.2.6"}, nil, "192.0.2.5"},
		{"IPv6 only", []string{"2001:db8::5"}, nil, "2001:db8::5"},
		{"unresolvable", nil, nil, "127.0.0.1"},
		{"no host name", []string{"192.0.2.5"}, errors.New("no name"), "127.0.0.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeEnv{addrs: tt.addrs, hostnameErr: tt.hostnameErr}
			h := newHost(f.environment("linux"))
			got, ok := h.Lookup("rhq.system.interfaces.java.address")
			require.True(t, ok)
			require.Equal(t, tt.want, got)
			require.Zero(t, f.ifaces.Load(), "java.address enumerates no interfaces")
		})
	}
}

// TestHostLazy checks that facts are gathered only for the keys asked for,
// once each, even when asked concurrently.
func TestHostLazy(t *testing.T) {
	f := &fakeEnv{addrs: []string{"192.0.2.1"}}
	h := newHost(f.environment("linux"))

	for _, key := range []string{"rhq.deploy.dir", "rhq.systemx.hostname", "hostname", ""} {
		_, ok := h.Lookup(key)
		require.False(t, ok, key)
	}
	require.Zero(t, f.base.Load()+f.ifaces.Load()+f.resolved.Load(), "non-system keys gather nothing")

	_, ok := h.Lookup("rhq.system.no.such.key")
	require.False(t, ok)
	require.EqualValues(t, 1, f.base.Load())
	require.Zero(t, f.ifaces.Load()+f.resolved.Load(), "base keys enumerate no interfaces")

	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for _, k := range []string{"rhq.system.hostname", "rhq.system.interfaces.eth0.mac", "rhq.system.interfaces.java.address"} {
				h.Lookup(k)
			}
		})
	}
	wg.Wait()
	require.EqualValues(t, 1, f.base.Load())
	require.EqualValues(t, 1, f.ifaces.Load())
	require.EqualValues(t, 1, f.resolved.Load())
}

// TestHostReal gathers the facts of the machine running the test, except
// those needing the network; their values vary, so it checks only what holds
// everywhere.
func TestHostReal(t *testing.T) {
	h := Host()
	for _, key := range []string{"rhq.system.os.name", "rhq.system.os.type", "rhq.system.architecture", "rhq.system.cpu.count", "rhq.system.sysprop.file.separator"} {
		v, ok := h.Lookup(key)
		require.True(t, ok, key)
		require.NotEmpty(t, v, key)
	}
	if runtime.GOOS == "linux" {
		v, ok := h.Lookup("rhq.system.os.version")
		require.True(t, ok)
		require.NotEmpty(t, v)
	}
}
