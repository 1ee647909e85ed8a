// Package winpath recognises Windows drive letters, whatever system runs the
// code: a bundle made on Unix may name Windows paths, and a key written on
// Windows may be read on Unix (R34, R187; rule numbers refer to
// docs/behavior.md).
package winpath

// Drive returns the drive letter p starts with, upper-cased ("c:x" → 'C'),
// or 0 when p does not start with an ASCII letter and a colon.
func Drive(p string) byte {
	if len(p) < 2 || p[1] != ':' {
		return 0
	}
	switch c := p[0]; {
	case 'A' <= c && c <= 'Z':
		return c
	case 'a' <= c && c <= 'z':
		return c - 'a' + 'A'
	}
	return 0
}

// AbsDrive returns the drive letter of a Windows absolute path, one whose
// drive is followed by a separator ("c:/x", `C:\x`), upper-cased; or 0 for
// any other path, a drive-relative "C:x" included.
func AbsDrive(p string) byte {
	if len(p) < 3 || p[2] != '/' && p[2] != '\\' {
		return 0
	}
	return Drive(p)
}
