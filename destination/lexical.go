package destination

import (
	"fmt"
	"strings"
)

// lexPath is a path taken apart for lexical work, independent of the OS the
// program runs on (path/filepath would apply the local OS's rules).
type lexPath struct {
	// vol is the volume: "" on POSIX and for volume-less Windows paths, an
	// upper-case drive "C:", or a UNC share "//server/share" (spelled with "/").
	vol string
	// rooted: the path starts at the root of vol ("/x", "C:\x", every UNC path).
	// A Windows path with a drive but not rooted ("C:x") is drive-relative.
	rooted bool
	// parts are the components with "" and "." removed and ".." resolved; ".."
	// remains only at the start of a path that is not rooted.
	parts []string
}

// split parses p by the rules of flavour f. It fails on an empty path, a NUL
// byte, a rooted path whose ".." climb above the root (R41), and (Windows) names
// Windows does not allow.
func split(f Flavour, p string) (lexPath, error) {
	if p == "" {
		return lexPath{}, fmt.Errorf("%w: empty", ErrInvalidPath)
	}
	if strings.IndexByte(p, 0) >= 0 {
		return lexPath{}, fmt.Errorf("%w: contains a NUL byte", ErrInvalidPath)
	}
	if f == FlavourPOSIX {
		rooted := p[0] == '/'
		parts, err := clean(p, rooted, nil)
		return lexPath{rooted: rooted, parts: parts}, err
	}
	return splitWindows(p)
}

// splitWindows parses a Windows path. Both separators are accepted and the
// result uses "/" (R187); drive letters are upper-cased (R43).
func splitWindows(p string) (lexPath, error) {
	s := strings.ReplaceAll(p, `\`, "/")
	var lp lexPath
	switch {
	case strings.HasPrefix(s, "//"):
		vol, rest, err := uncVolume(s)
		if err != nil {
			return lexPath{}, err
		}
		lp.vol, lp.rooted, s = vol, true, rest
	case len(s) >= 2 && s[1] == ':' && isASCIILetter(s[0]):
		lp.vol = strings.ToUpper(s[:2])
		s = s[2:]
		lp.rooted = strings.HasPrefix(s, "/")
	default:
		lp.rooted = strings.HasPrefix(s, "/")
	}
	parts, err := clean(s, lp.rooted, validWindowsName)
	lp.parts = parts
	return lp, err
}

// uncVolume splits "//server/share/rest" into "//server/share" and "rest".
// Win32 device and verbatim paths ("\\.\", "\\?\") are refused: they bypass the
// normalisation every other path gets.
func uncVolume(s string) (vol, rest string, err error) {
	server, after, _ := strings.Cut(s[2:], "/")
	if server == "." || server == "?" {
		return "", "", fmt.Errorf(`%w: Win32 device or verbatim path (\\%s\) is not supported`, ErrInvalidPath, server)
	}
	share, rest, _ := strings.Cut(after, "/")
	if server == "" || share == "" {
		return "", "", fmt.Errorf(`%w: a UNC path needs \\server\share`, ErrInvalidPath)
	}
	for _, name := range []string{server, share} {
		if err := validWindowsName(name); err != nil {
			return "", "", err
		}
	}
	return "//" + server + "/" + share, rest, nil
}

// clean splits s at "/" and resolves "." and "..". Every component is checked by
// valid (when not nil) before resolution, so a bad name cannot hide behind a
// "..". In a rooted path a ".." at the root is ErrAboveRoot rather than being
// dropped as path.Clean does.
func clean(s string, rooted bool, valid func(string) error) ([]string, error) {
	var out []string
	for c := range strings.SplitSeq(s, "/") {
		switch c {
		case "", ".":
			continue
		case "..":
			if len(out) > 0 && out[len(out)-1] != ".." {
				out = out[:len(out)-1]
				continue
			}
			if rooted {
				return nil, ErrAboveRoot
			}
			out = append(out, c)
			continue
		}
		if valid != nil {
			if err := valid(c); err != nil {
				return nil, err
			}
		}
		out = append(out, c)
	}
	return out, nil
}

// validWindowsName refuses what Win32 does not allow in a file name, or
// silently rewrites: reserved characters, control characters, a trailing dot or
// space (stripped by Win32, so "conf." would alias "conf"), and device names.
// Device names are refused with any extension ("NUL.txt"): Windows 11 accepts
// some of those, earlier versions open the device.
func validWindowsName(name string) error {
	if i := strings.IndexFunc(name, func(r rune) bool { return r < 0x20 || strings.ContainsRune(`<>:"|?*`, r) }); i >= 0 {
		return fmt.Errorf("%w: %q is not allowed in a Windows file name (%q)", ErrInvalidPath, name[i], name)
	}
	if last := name[len(name)-1]; last == '.' || last == ' ' {
		return fmt.Errorf("%w: Windows strips the trailing dot or space of %q", ErrInvalidPath, name)
	}
	base, _, _ := strings.Cut(name, ".")
	base = strings.TrimRight(base, " ")
	if isWindowsDevice(base) {
		return fmt.Errorf("%w: %q is a Windows device name", ErrInvalidPath, name)
	}
	return nil
}

func isWindowsDevice(base string) bool {
	switch strings.ToUpper(base) {
	case "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$":
		return true
	}
	if len(base) < 4 {
		return false
	}
	prefix := strings.ToUpper(base[:3])
	if prefix != "COM" && prefix != "LPT" {
		return false
	}
	switch digit := base[3:]; digit {
	case "1", "2", "3", "4", "5", "6", "7", "8", "9", "\u00b9", "\u00b2", "\u00b3":
		return true
	}
	return false
}

func isASCIILetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// sameName compares two components (or volumes) the way the flavour's file
// systems usually do: exactly on POSIX, case-insensitively on Windows.
func sameName(f Flavour, a, b string) bool {
	if f == FlavourWindows {
		return strings.EqualFold(a, b)
	}
	return a == b
}
