package token

import (
	"strconv"
	"syscall"
	"unsafe"
)

// osVersion returns major.minor (10.0 on Windows 10 and 11), as the JVM and
// SIGAR report it. The registry holds the true version; GetVersion, the
// fallback, reports 6.2 to programs without a compatibility manifest.
func osVersion() string {
	if major, minor, ok := registryVersion(); ok {
		return strconv.FormatUint(uint64(major), 10) + "." + strconv.FormatUint(uint64(minor), 10)
	}
	v, err := syscall.GetVersion()
	if err != nil {
		return ""
	}
	return strconv.FormatUint(uint64(v&0xff), 10) + "." + strconv.FormatUint(uint64(v>>8&0xff), 10)
}

func registryVersion() (major, minor uint32, ok bool) {
	var k syscall.Handle
	path, _ := syscall.UTF16PtrFromString(`SOFTWARE\Microsoft\Windows NT\CurrentVersion`)
	if syscall.RegOpenKeyEx(syscall.HKEY_LOCAL_MACHINE, path, 0, syscall.KEY_READ, &k) != nil {
		return 0, 0, false
	}
	defer syscall.RegCloseKey(k)
	dword := func(name string) (uint32, bool) {
		p, _ := syscall.UTF16PtrFromString(name)
		var typ, v uint32
		n := uint32(unsafe.Sizeof(v))
		err := syscall.RegQueryValueEx(k, p, nil, &typ, (*byte)(unsafe.Pointer(&v)), &n)
		return v, err == nil && typ == syscall.REG_DWORD
	}
	major, ok1 := dword("CurrentMajorVersionNumber")
	minor, ok2 := dword("CurrentMinorVersionNumber")
	return major, minor, ok1 && ok2
}

var procGetUserDefaultLocaleName = syscall.NewLazyDLL("kernel32.dll").NewProc("GetUserDefaultLocaleName")

// userLocale returns the user's locale name, such as en-US.
func userLocale() string {
	const localeNameMaxLength = 85
	buf := make([]uint16, localeNameMaxLength)
	r, _, _ := procGetUserDefaultLocaleName.Call(uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)))
	if r == 0 {
		return ""
	}
	return syscall.UTF16ToString(buf)
}
