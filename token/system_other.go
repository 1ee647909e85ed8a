//go:build !(linux || darwin || dragonfly || freebsd || netbsd || openbsd || windows)

package token

// osVersion returns "": bundlekit knows no way to ask this system.
func osVersion() string { return "" }

// userLocale returns "": the locale is taken from the environment only.
func userLocale() string { return "" }
