package destination

import (
	"fmt"
	"strings"
)

// Dir is an absolute deploy directory (D, R1) on a target platform, lexically
// normalised (R42). Resolve and ParseDir are the only ways to make one; the zero
// Dir is not a directory and every method reports it as such.
//
// Dir is comparable: two Dirs are equal when they have the same flavour and the
// same spelling.
type Dir struct {
	flavour Flavour
	vol     string // "", "C:" or "//server/share"
	rest    string // the components below vol joined with "/"; "" only for a root base directory
}

// ParseDir checks that s is an absolute path for flavour f and returns it as a
// Dir: "." and ".." are resolved lexically, symlinks are not (R42), Windows drive
// letters are upper-cased (R43). A file-system root is refused (ErrNoDeployDir):
// a deployment manages its whole directory, and managing "/" or "C:\" is never
// what an operator meant. A relative s must be made absolute by the caller first
// (R1), against whatever working directory applies on the target.
func ParseDir(f Flavour, s string) (Dir, error) {
	d, err := parseAbs(f, s)
	if err != nil {
		return Dir{}, &PathError{Path: s, Err: err}
	}
	if d.rest == "" {
		return Dir{}, &PathError{Path: s, Err: fmt.Errorf("%w: %s is a file-system root", ErrNoDeployDir, d)}
	}
	return d, nil
}

// parseAbs is ParseDir without the root check, for base directories such as a
// platform's "/".
func parseAbs(f Flavour, s string) (Dir, error) {
	if !f.valid() {
		return Dir{}, fmt.Errorf("%w: path flavour %v", ErrInvalidPlatform, f)
	}
	lp, err := split(f, s)
	if err != nil {
		return Dir{}, err
	}
	switch {
	case f == FlavourWindows && lp.rooted && lp.vol == "":
		return Dir{}, fmt.Errorf("%w: %w", ErrNotAbsolute, ErrNoDrive)
	case !lp.rooted && lp.vol != "":
		return Dir{}, fmt.Errorf("%w: drive-relative Windows path", ErrNotAbsolute)
	case !lp.rooted:
		return Dir{}, fmt.Errorf("%w: relative %v path", ErrNotAbsolute, f)
	}
	return Dir{flavour: f, vol: lp.vol, rest: strings.Join(lp.parts, "/")}, nil
}

// IsZero reports whether d is the zero Dir.
func (d Dir) IsZero() bool { return d == Dir{} }

// Flavour returns the path flavour d is spelled in.
func (d Dir) Flavour() Flavour { return d.flavour }

// String returns d in its platform's native spelling: "/opt/app",
// `C:\jboss\deploy\myApp`, `\\server\share\app`.
func (d Dir) String() string { return d.flavour.native(d.Slash()) }

// Slash returns d spelled with "/" separators, the form external keys use
// (R187): "/opt/app", "C:/jboss/deploy/myApp", "//server/share/app".
func (d Dir) Slash() string {
	if d.IsZero() {
		return ""
	}
	return d.vol + "/" + d.rest
}

// MarshalText returns d's native spelling (String), so a Dir in a plan or a
// report reads as the path it is.
func (d Dir) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText parses a native spelling written by MarshalText. The flavour
// follows from the spelling: a POSIX Dir starts with "/", a Windows Dir with a
// drive or "\\". Empty text is the zero Dir.
func (d *Dir) UnmarshalText(text []byte) error {
	s := string(text)
	if s == "" {
		*d = Dir{}
		return nil
	}
	f := FlavourWindows
	if strings.HasPrefix(s, "/") {
		f = FlavourPOSIX
	}
	parsed, err := ParseDir(f, s)
	if err != nil {
		return err
	}
	*d = parsed
	return nil
}

func (d Dir) parts() []string {
	if d.rest == "" {
		return nil
	}
	return strings.Split(d.rest, "/")
}

// join returns the Dir for the relative, clean components rel below d.
func (d Dir) join(rel []string) Dir {
	all := append(d.parts(), rel...)
	d.rest = strings.Join(all, "/")
	return d
}

// Path is a recipe destination after normalisation (R38–R43): either a path
// relative to the deploy dir (Rel) or an external absolute path (Abs, R8);
// exactly one is set. Path is comparable and is the key the deployment engine
// uses in its maps and reports (R86): String returns the key.
//
// Rel is clean and "/"-separated: no leading "/", no "", "." or ".." component;
// on Windows "\" has become "/" (R187). It is "." only for a directory
// destination that is the deploy dir itself (NormalizeDir).
//
// Abs is clean and "/"-separated too, whatever the platform (R187): "/etc/app.conf"
// on POSIX, "C:/Windows/app.ini" on Windows with the drive letter upper-cased
// (R43). Use Dir.Native for the target's own spelling.
type Path struct {
	Rel string `json:"rel,omitempty"`
	Abs string `json:"abs,omitempty"`
}

// External reports whether p is outside the deploy dir (R8).
func (p Path) External() bool { return p.Abs != "" }

// String returns p's key: Abs for an external path, Rel otherwise.
func (p Path) String() string {
	if p.External() {
		return p.Abs
	}
	return p.Rel
}

// NormalizeFile normalises the destination of a raw file, as written in the
// recipe, against d. See the package documentation for the rules. A file
// destination that is d itself is ErrIsDeployDir, and one that is a file-system
// root is ErrInvalidPath.
func (d Dir) NormalizeFile(dest string) (Path, error) { return d.normalize(dest, false) }

// NormalizeDir normalises a directory destination (an archive's destinationDir)
// against d, like NormalizeFile except that d itself is allowed and returned as
// Rel ".".
func (d Dir) NormalizeDir(dest string) (Path, error) { return d.normalize(dest, true) }

func (d Dir) normalize(dest string, isDir bool) (Path, error) {
	fail := func(err error) (Path, error) {
		return Path{}, &PathError{Dir: d.String(), Path: dest, Err: err}
	}
	if d.IsZero() {
		return fail(fmt.Errorf("%w: no deploy dir (zero Dir)", ErrNotAbsolute))
	}
	lp, err := split(d.flavour, dest)
	if err != nil {
		return fail(err)
	}
	vol, parts := lp.vol, lp.parts
	switch {
	case lp.rooted && lp.vol == "" && d.flavour == FlavourWindows:
		return fail(ErrNoDrive)
	case lp.rooted:
	case lp.vol != "" && !sameName(d.flavour, lp.vol, d.vol):
		return fail(fmt.Errorf("%w: %s is not on %s", ErrDriveMismatch, lp.vol, d.vol))
	default:
		dp := d.parts()
		up := 0
		for up < len(parts) && parts[up] == ".." {
			up++
		}
		if up > len(dp) {
			return fail(ErrAboveRoot)
		}
		vol = d.vol
		parts = append(dp[:len(dp)-up:len(dp)-up], parts[up:]...)
	}
	if rel, ok := d.within(vol, parts); ok {
		if rel != "" {
			return Path{Rel: rel}, nil
		}
		if !isDir {
			return fail(ErrIsDeployDir)
		}
		return Path{Rel: "."}, nil
	}
	if strings.HasPrefix(vol, "//") {
		return fail(ErrUNC)
	}
	if len(parts) == 0 && !isDir {
		return fail(fmt.Errorf("%w: a file cannot be a file-system root", ErrInvalidPath))
	}
	return Path{Abs: vol + "/" + strings.Join(parts, "/")}, nil
}

// within reports whether the absolute path vol+parts is d or below it, and if so
// returns the part below d ("" for d itself) spelled as given.
func (d Dir) within(vol string, parts []string) (string, bool) {
	dp := d.parts()
	if !sameName(d.flavour, vol, d.vol) || len(parts) < len(dp) {
		return "", false
	}
	for i, c := range dp {
		if !sameName(d.flavour, c, parts[i]) {
			return "", false
		}
	}
	return strings.Join(parts[len(dp):], "/"), true
}

// Native returns p as an absolute path in the target's own spelling: a relative
// p joined to d, an external one as is, with "\" separators on Windows. It
// returns "" for the zero Path or the zero Dir.
func (d Dir) Native(p Path) string {
	switch {
	case d.IsZero():
		return ""
	case p.External():
		return d.flavour.native(p.Abs)
	case p.Rel == ".":
		return d.String()
	case p.Rel != "":
		return d.flavour.native(d.Slash() + "/" + p.Rel)
	}
	return ""
}
