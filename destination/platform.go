package destination

import (
	"fmt"
	"strings"
)

// Family is an operating-system family.
type Family uint8

// The OS families a target can belong to.
const (
	FamilyUnix    Family = iota + 1 // Linux and the other Unix-like systems
	FamilyWindows                   // Microsoft Windows
)

func (f Family) String() string {
	switch f {
	case FamilyUnix:
		return "Unix-like"
	case FamilyWindows:
		return "Windows"
	}
	return fmt.Sprintf("Family(%d)", uint8(f))
}

// Flavour is how a platform spells paths.
type Flavour uint8

// The path flavours.
const (
	// FlavourPOSIX: "/" separates components and starts absolute paths; every
	// other byte but NUL, "\" included, is part of a file name.
	FlavourPOSIX Flavour = iota + 1
	// FlavourWindows: "\" and "/" both separate components; absolute paths start
	// with a drive ("C:\") or a UNC share ("\\server\share\").
	FlavourWindows
)

func (f Flavour) String() string {
	switch f {
	case FlavourPOSIX:
		return "POSIX"
	case FlavourWindows:
		return "Windows"
	}
	return fmt.Sprintf("Flavour(%d)", uint8(f))
}

// native turns a slash-separated path into the flavour's own spelling.
func (f Flavour) native(slash string) string {
	if f == FlavourWindows {
		return strings.ReplaceAll(slash, "/", `\`)
	}
	return slash
}

// Platform is what a target's paths depend on: its OS family and its path
// flavour. The two normally go together (see PlatformOf); they are separate so a
// group check can name either difference.
type Platform struct {
	Family  Family
	Flavour Flavour
}

// PlatformOf returns the platform of a Go GOOS name: Windows with Windows paths
// for "windows", Unix-like with POSIX paths for everything else. Pass
// runtime.GOOS to describe the machine the program runs on.
func PlatformOf(goos string) Platform {
	if goos == "windows" {
		return Platform{Family: FamilyWindows, Flavour: FlavourWindows}
	}
	return Platform{Family: FamilyUnix, Flavour: FlavourPOSIX}
}

func (p Platform) String() string {
	return fmt.Sprintf("%v with %v paths", p.Family, p.Flavour)
}

// Validate reports whether p names a known family and flavour.
func (p Platform) Validate() error {
	if p.Family != FamilyUnix && p.Family != FamilyWindows {
		return fmt.Errorf("%w: OS family %v", ErrInvalidPlatform, p.Family)
	}
	if !p.Flavour.valid() {
		return fmt.Errorf("%w: path flavour %v", ErrInvalidPlatform, p.Flavour)
	}
	return nil
}

func (f Flavour) valid() bool { return f == FlavourPOSIX || f == FlavourWindows }
