package destination

import (
	"bytes"
	"errors"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
)

var pathSentinels = []error{ErrInvalidPath, ErrAboveRoot, ErrIsDeployDir, ErrDriveMismatch, ErrNoDrive, ErrUNC}

// FuzzNormalize checks the normalisation rules on arbitrary deploy dirs and
// destinations of both flavours: no panic; a result is either a clean relative
// key without ".." or an absolute key outside D; normalising a result again, or
// its native spelling, gives the same result; every failure is a *PathError with
// one of the sentinels.
func FuzzNormalize(f *testing.F) {
	seeds := []struct {
		windows bool
		dir     string
		dest    string
	}{
		{false, "/opt/app", "dir-does-not-existA/../rawA.txt"},
		{false, "/opt/app", "dir-does-not-existA/../../rawA.txt"},
		{false, "/opt/app", "./x"},
		{false, "/opt/app", "a//b"},
		{false, "/opt/app", "/opt/app/conf/x"},
		{false, "/opt/app", "../../../x"},
		{false, "/opt/app", `..\..\x`},
		{false, "/opt/app", "x/.."},
		{false, "/opt/app", "/"},
		{true, `C:\app`, `conf\x.txt`},
		{true, `C:\app`, `..\APP\x`},
		{true, `C:\app`, `D:foo`},
		{true, `C:\app`, `C:`},
		{true, `C:\app`, `\\server\share\x`},
		{true, `C:\app`, `\x`},
		{true, `C:\app`, `x.txt:stream`},
		{true, `C:\app`, `con.txt`},
		{true, `\\srv\share\app`, `..\x`},
		{true, `\\srv\share\app`, `\\SRV\SHARE\app\x`},
	}
	for _, s := range seeds {
		f.Add(s.windows, s.dir, s.dest, false)
		f.Add(s.windows, s.dir, s.dest, true)
	}
	f.Fuzz(func(t *testing.T, windows bool, dir, dest string, isDir bool) {
		fl := FlavourPOSIX
		if windows {
			fl = FlavourWindows
		}
		d, err := ParseDir(fl, dir)
		if err != nil {
			return
		}
		normalize := d.NormalizeFile
		if isDir {
			normalize = d.NormalizeDir
		}
		p, err := normalize(dest)
		if err != nil {
			var pe *PathError
			if !errors.As(err, &pe) || !isOneOf(err, pathSentinels) {
				t.Fatalf("normalize(%q) under %s: error %v is not a *PathError with a sentinel", dest, d, err)
			}
			return
		}
		checkPath(t, d, p, isDir)
		for _, again := range []string{p.String(), d.Native(p)} {
			q, err := normalize(again)
			if err != nil || q != p {
				t.Fatalf("normalize(%q) under %s = %+v; normalizing %q again = %+v, %v", dest, d, p, again, q, err)
			}
		}
	})
}

func isOneOf(err error, sentinels []error) bool {
	for _, s := range sentinels {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

// checkPath checks the shape of a normalised Path.
func checkPath(t *testing.T, d Dir, p Path, isDir bool) {
	t.Helper()
	if (p.Rel == "") == (p.Abs == "") {
		t.Fatalf("Path %+v: exactly one of Rel and Abs must be set", p)
	}
	windows := d.Flavour() == FlavourWindows
	if p.Rel != "" {
		if p.Rel == "." {
			if !isDir {
				t.Fatalf("Rel %q for a file destination", p.Rel)
			}
			return
		}
		if path.Clean(p.Rel) != p.Rel || p.Rel == ".." || strings.HasPrefix(p.Rel, "/") || strings.HasPrefix(p.Rel, "../") {
			t.Fatalf("Rel %q is not a clean relative path without ..", p.Rel)
		}
		if windows && strings.ContainsAny(p.Rel, `\:`) {
			t.Fatalf("Windows Rel %q contains \\ or :", p.Rel)
		}
		return
	}
	abs := p.Abs
	if windows {
		if len(abs) < 3 || abs[1] != ':' || abs[0] < 'A' || abs[0] > 'Z' || strings.ContainsRune(abs, '\\') {
			t.Fatalf("Windows Abs %q is not an upper-case drive path with / separators", abs)
		}
		abs = abs[2:]
	}
	if !strings.HasPrefix(abs, "/") || path.Clean(abs) != abs {
		t.Fatalf("Abs %q is not a clean absolute path", p.Abs)
	}
	if !isDir && abs == "/" {
		t.Fatalf("Abs %q is a root for a file destination", p.Abs)
	}
	key, prefix := p.Abs+"/", d.Slash()+"/"
	inside := strings.HasPrefix(key, prefix)
	if windows {
		inside = len(key) >= len(prefix) && strings.EqualFold(key[:len(prefix)], prefix)
	}
	if inside {
		t.Fatalf("Abs %q is inside the deploy dir %s", p.Abs, d)
	}
}

// FuzzResolve checks that Resolve either fails with an *Error or returns a valid
// deploy dir strictly below the base directory.
func FuzzResolve(f *testing.F) {
	f.Add(false, "/opt/jbossas/default/server/", "deploy/myApp/")
	f.Add(true, `C:\jbossas\server\`, "deploy/myApp/")
	f.Add(false, "/", "opt/app")
	f.Add(true, "/", "x")
	f.Add(false, "/opt", "../x")
	f.Add(true, `\\srv\share`, `a\..\b`)
	f.Add(false, "/opt", "")
	f.Fuzz(func(t *testing.T, windows bool, base, deployDir string) {
		p := PlatformOf("linux")
		if windows {
			p = PlatformOf("windows")
		}
		target := Target{Name: "t", Platform: p, BaseLocations: []BaseLocation{{Name: "b", ValueContext: PluginConfiguration, ValueName: "dir"}},
			Values: Values{PluginConfiguration: {"dir": base}}}
		d, err := Resolve(Spec{BaseLocation: "b", DeployDir: deployDir}, target)
		if err != nil {
			var re *Error
			if !errors.As(err, &re) {
				t.Fatalf("Resolve error %v is not an *Error", err)
			}
			return
		}
		again, err := ParseDir(p.Flavour, d.String())
		if err != nil || again != d {
			t.Fatalf("Resolve(%q, %q) = %s, which does not parse back: %v", base, deployDir, d, err)
		}
		b, err := parseAbs(p.Flavour, base)
		if err != nil {
			t.Fatalf("Resolve accepted base %q that does not parse: %v", base, err)
		}
		if rel, ok := b.within(d.vol, d.parts()); !ok || rel == "" {
			t.Fatalf("Resolve(%q, %q) = %s, not strictly below the base %s", base, deployDir, d, b.Slash())
		}
	})
}

// FuzzParseBundleTarget checks that the descriptor parser never panics, reports
// failures as *ParseError values, and only returns complete, uniquely named base
// locations.
func FuzzParseBundleTarget(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.xml"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		locs, err := ParseBundleTarget(bytes.NewReader(data))
		if err != nil {
			if locs != nil {
				t.Fatalf("base locations returned with an error: %v", err)
			}
			errs := []error{err}
			if j, ok := err.(interface{ Unwrap() []error }); ok {
				errs = j.Unwrap()
			}
			for _, e := range errs {
				var pe *ParseError
				if !errors.As(e, &pe) {
					t.Fatalf("error %v is not a *ParseError", e)
				}
			}
			return
		}
		if len(locs) == 0 {
			t.Fatal("no base locations and no error")
		}
		seen := map[string]bool{}
		for _, l := range locs {
			if err := l.Validate(); err != nil {
				t.Fatalf("invalid base location returned: %v", err)
			}
			if seen[l.Name] {
				t.Fatalf("base location %q returned twice", l.Name)
			}
			seen[l.Name] = true
		}
	})
}
