package recipe

import (
	"fmt"
	"math"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bundlekit/bundlekit/internal/winpath"
)

// Condition is an installation condition: something that must hold on the
// host or at the destination before a deployment may begin (JP1/Software
// Distribution's "installation conditions"). A recipe declares them with
// bk:requires-* attributes (see Requires); a caller adds its own. The
// condition types are OSCondition, FreeSpaceCondition, PathCondition,
// DeploymentCondition and CheckCondition; package bundle evaluates them.
type Condition interface {
	// Kind names the kind of condition: "os", "free-space", "path",
	// "deployment" or "check".
	Kind() string
	// String says what the condition wants, in the syntax of the attribute
	// and the flag that declare it.
	String() string
	condition()
}

// Platform is an operating system family and an architecture, with Go's
// names (GOOS and GOARCH: linux, windows, darwin; amd64, arm64). An empty
// Arch matches every architecture.
type Platform struct{ OS, Arch string }

func (p Platform) String() string {
	if p.Arch == "" {
		return p.OS
	}
	return p.OS + "/" + p.Arch
}

// OSCondition: the host is one of Platforms.
type OSCondition struct{ Platforms []Platform }

// Requires is what a recipe declares with the bk:requires-* attributes of
// its rhq:bundle (see the package documentation).
type Requires struct {
	// Conditions are the conditions, in the order of the attributes' kinds:
	// os, free space, paths, deployments, check.
	Conditions []Condition
	// Unexpanded lists, as written (bk:requires-paths="${jdk.home}/"), the
	// attributes whose values refer to properties: Expand reads them into
	// Conditions, and Parse cannot.
	Unexpanded []string
}

// FreeSpaceCondition: at least Min bytes are free at the destination (at
// its nearest existing ancestor when it does not exist yet).
type FreeSpaceCondition struct{ Min int64 }

// PathCondition: Path, an absolute path on the host, exists; with Dir, it
// is a directory (a symbolic link is followed).
type PathCondition struct {
	Path string
	Dir  bool
}

// DeploymentCondition: the destination Dest holds a deployment of the
// bundle Bundle whose version is in Versions ("particular software already
// installed").
type DeploymentCondition struct {
	Dest     string
	Bundle   string
	Versions VersionRange
}

// CheckCondition: the program Args[0], run with the arguments Args[1:] (no
// shell) in the destination directory (its nearest existing ancestor when
// it does not exist yet), exits within Timeout with one of SuccessCodes.
type CheckCondition struct {
	Args         []string
	Timeout      time.Duration
	SuccessCodes SuccessCodes
}

// DefaultCheckTimeout is how long a check command may run when no timeout
// is given.
const DefaultCheckTimeout = 60 * time.Second

// DefaultCheckCodes are the exit codes of a successful check command when
// none are given: 0 alone.
var DefaultCheckCodes = SuccessCodes{{Lo: 0, Hi: 0}}

// Kind returns "os", as each condition's Kind returns the name results and
// messages show it by ("free-space", "path", "deployment", "check").
func (OSCondition) Kind() string { return "os" }

// Kind returns "free-space".
func (FreeSpaceCondition) Kind() string { return "free-space" }

// Kind returns "path".
func (PathCondition) Kind() string { return "path" }

// Kind returns "deployment".
func (DeploymentCondition) Kind() string { return "deployment" }

// Kind returns "check".
func (CheckCondition) Kind() string { return "check" }

func (OSCondition) condition()         {}
func (FreeSpaceCondition) condition()  {}
func (PathCondition) condition()       {}
func (DeploymentCondition) condition() {}
func (CheckCondition) condition()      {}

func (c OSCondition) String() string {
	parts := make([]string, len(c.Platforms))
	for i, p := range c.Platforms {
		parts[i] = p.String()
	}
	return strings.Join(parts, ",")
}

func (c FreeSpaceCondition) String() string { return FormatSize(c.Min) }

func (c PathCondition) String() string {
	if c.Dir && !strings.HasSuffix(c.Path, "/") && !strings.HasSuffix(c.Path, `\`) {
		return c.Path + "/"
	}
	return c.Path
}

func (c DeploymentCondition) String() string {
	return c.Dest + ":" + c.Bundle + ":" + c.Versions.String()
}

// Describe says in words which deployment the condition wants, such as
// `db version [1.2,2.0) in /opt/db`.
func (c DeploymentCondition) Describe() string {
	return fmt.Sprintf("%s %s in %s", c.Bundle, c.Versions.describe(), c.Dest)
}

func (c CheckCondition) String() string { return JoinWords(c.Args) }

// The operating systems and architectures Go knows (go tool dist list): a
// platform naming another is a typo that would refuse every host.
var (
	knownOS   = []string{"aix", "android", "darwin", "dragonfly", "freebsd", "illumos", "ios", "js", "linux", "netbsd", "openbsd", "plan9", "solaris", "wasip1", "windows"}
	knownArch = []string{"386", "amd64", "arm", "arm64", "loong64", "mips", "mips64", "mips64le", "mipsle", "ppc64", "ppc64le", "riscv64", "s390x", "wasm"}
)

// ParseOS reads the platforms of an OS condition: OS[/ARCH] separated by
// commas, such as "linux/amd64,linux/arm64,darwin", with Go's names for
// systems and architectures, in lower case.
func ParseOS(s string) (OSCondition, error) {
	var c OSCondition
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		osName, arch, _ := strings.Cut(part, "/")
		switch {
		case part == "":
			return OSCondition{}, fmt.Errorf("empty platform in %q: want OS[/ARCH] separated by commas, such as linux/amd64", s)
		case !slices.Contains(knownOS, osName):
			return OSCondition{}, fmt.Errorf("unknown operating system %q%s (Go's names: %s)", osName, suggestion(osName, knownOS), strings.Join(knownOS, ", "))
		case strings.Contains(part, "/") && !slices.Contains(knownArch, arch):
			return OSCondition{}, fmt.Errorf("unknown architecture %q%s (Go's names: %s)", arch, suggestion(arch, knownArch), strings.Join(knownArch, ", "))
		}
		c.Platforms = append(c.Platforms, Platform{OS: osName, Arch: arch})
	}
	return c, nil
}

func suggestion(s string, candidates []string) string {
	if n := nearest(s, candidates); n != "" {
		return fmt.Sprintf(" (did you mean %q?)", n)
	}
	return ""
}

// sizeUnits are the units ParseSize reads, in lower case.
var sizeUnits = map[string]float64{
	"b": 1, "": 1,
	"kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12,
	"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40,
}

// ParseSize reads a number of bytes: a number, perhaps with a fraction,
// then a unit, any case: B, kB, MB, GB, TB (powers of 1000) or KiB, MiB,
// GiB, TiB (powers of 1024); no unit means bytes. "2GiB", "1.5 GB", "4096".
func ParseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := 0
	for i < len(t) && (isDigitByte(t[i]) || t[i] == '.') {
		i++
	}
	num, unit := t[:i], strings.ToLower(strings.TrimSpace(t[i:]))
	n, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, fmt.Errorf("size %q: want a number of bytes and a unit, such as 2GiB or 500MB", s)
	}
	mult, ok := sizeUnits[unit]
	if !ok {
		return 0, fmt.Errorf("size %q: unknown unit %q: want B, kB, MB, GB, TB, KiB, MiB, GiB or TiB", s, t[i:])
	}
	v := n * mult
	if v >= math.MaxInt64 {
		return 0, fmt.Errorf("size %q is too large", s)
	}
	return int64(math.Ceil(v)), nil
}

// FormatSize writes a number of bytes in the largest binary unit it fills
// (2 GiB, 1.5 MiB, 512 B).
func FormatSize(n int64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	v, u := float64(n), 0
	for v >= 1024 && u < len(units)-1 {
		v /= 1024
		u++
	}
	if u == 0 {
		return fmt.Sprintf("%d B", n)
	}
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.2f", v), "0"), ".") + " " + units[u]
}

// ParsePath reads a path condition: an absolute path, which must exist; a
// trailing / (or \) says it must be a directory.
func ParsePath(s string) (PathCondition, error) {
	if !absolute(s) {
		return PathCondition{}, fmt.Errorf("path %q is not absolute", s)
	}
	c := PathCondition{Path: s}
	if strings.HasSuffix(s, "/") || strings.HasSuffix(s, `\`) {
		c.Dir = true
		if t := strings.TrimRight(s, `/\`); absolute(t) {
			c.Path = t // but a root, / or C:\, stays as it is
		}
	}
	return c, nil
}

// absolute reports whether p is absolute on some system: /x, \x, C:\x, C:/x.
func absolute(p string) bool {
	p = slashes(p)
	return path.IsAbs(p) || winpath.Drive(p) != 0 && strings.HasPrefix(p[2:], "/")
}

// ParseDeployment reads a deployment condition: DEST:BUNDLE:RANGE, such as
// "/opt/db:db:[1.2,2.0)" (see VersionRange; "*" for any version). DEST is
// an absolute path and may itself hold colons (C:\db); BUNDLE may not.
func ParseDeployment(s string) (DeploymentCondition, error) {
	rest, rng, ok := cutLast(s, ":")
	if !ok {
		return DeploymentCondition{}, fmt.Errorf("deployment %q: want DEST:BUNDLE:RANGE, such as /opt/db:db:[1.2,2.0) or /opt/db:db:*", s)
	}
	dest, name, ok := cutLast(rest, ":")
	switch {
	case !ok || name == "":
		return DeploymentCondition{}, fmt.Errorf("deployment %q: want DEST:BUNDLE:RANGE, such as /opt/db:db:[1.2,2.0) or /opt/db:db:*", s)
	case !absolute(dest):
		return DeploymentCondition{}, fmt.Errorf("deployment %q: destination %q is not absolute", s, dest)
	}
	vr, err := ParseVersionRange(rng)
	if err != nil {
		return DeploymentCondition{}, fmt.Errorf("deployment %q: %w", s, err)
	}
	return DeploymentCondition{Dest: dest, Bundle: name, Versions: vr}, nil
}

func cutLast(s, sep string) (before, after string, found bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}

// ParseCheck reads a check command: its words (see SplitWords), its timeout
// (a Go duration such as 30s or 2m; "" means DefaultCheckTimeout) and its
// success codes (as deployment.xml's successCodes, "0,1" or "-1:10"; ""
// means DefaultCheckCodes).
func ParseCheck(words, timeout, codes string) (CheckCondition, error) {
	args, err := SplitWords(words)
	if err != nil {
		return CheckCondition{}, fmt.Errorf("check command: %w", err)
	}
	if len(args) == 0 {
		return CheckCondition{}, fmt.Errorf("check command: empty: want a program and its arguments")
	}
	c := CheckCondition{Args: args, Timeout: DefaultCheckTimeout, SuccessCodes: DefaultCheckCodes}
	if timeout != "" {
		d, err := time.ParseDuration(strings.TrimSpace(timeout))
		if err != nil || d <= 0 {
			return CheckCondition{}, fmt.Errorf("check timeout %q: want a positive duration such as 30s or 2m", timeout)
		}
		c.Timeout = d
	}
	if codes != "" {
		if c.SuccessCodes, err = ParseSuccessCodes(codes); err != nil {
			return CheckCondition{}, fmt.Errorf("check success codes: %w", err)
		}
	}
	return c, nil
}

// SplitWords splits a command line or a list of paths into words: blanks
// separate words, and a quoted part ('…' or "…") keeps its blanks and the
// other kind of quote; there are no escapes, so a backslash is an ordinary
// character (C:\Program Files needs quotes, not doubled backslashes).
// Quoted and unquoted parts next to each other make one word.
func SplitWords(s string) ([]string, error) {
	var out []string
	var word strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case ' ', '\t', '\n', '\r':
			if inWord {
				out = append(out, word.String())
				word.Reset()
				inWord = false
			}
		case '\'', '"':
			end := strings.IndexByte(s[i+1:], c)
			if end < 0 {
				return nil, fmt.Errorf("%q: the quote at offset %d is not closed", s, i)
			}
			word.WriteString(s[i+1 : i+1+end])
			inWord = true
			i += end + 1
		default:
			word.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		out = append(out, word.String())
	}
	return out, nil
}

// JoinWords writes words so that SplitWords reads them back: a word with a
// blank or a quote is quoted.
func JoinWords(words []string) string {
	parts := make([]string, len(words))
	for i, w := range words {
		switch {
		case w != "" && !strings.ContainsAny(w, " \t\n\r'\""):
			parts[i] = w
		case !strings.Contains(w, "'"):
			parts[i] = "'" + w + "'"
		case !strings.Contains(w, `"`):
			parts[i] = `"` + w + `"`
		default:
			// Both quotes: quote each run apart.
			var b strings.Builder
			for _, r := range strings.SplitAfter(w, "'") {
				body, q := strings.CutSuffix(r, "'")
				b.WriteString("'" + body + "'")
				if q {
					b.WriteString(`"'"`)
				}
			}
			parts[i] = b.String()
		}
	}
	return strings.Join(parts, " ")
}
