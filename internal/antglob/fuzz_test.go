package antglob

import (
	"errors"
	"testing"
)

// FuzzMatch compares CompileIn, Match and the prefix test behind MatchDir with
// the reference port of Ant's matcher (reference_test.go) for arbitrary
// directories, patterns and paths, both case-sensitive and not.
func FuzzMatch(f *testing.F) {
	for _, tc := range matchCases {
		f.Add(tc.dir, tc.pattern, tc.name, !tc.fold)
	}
	for _, tc := range setCases {
		for _, p := range append(tc.includes, tc.excludes...) {
			f.Add(tc.dir, p, tc.name, true)
		}
	}
	f.Fuzz(func(t *testing.T, dir, pattern, name string, caseSensitive bool) {
		p, err := CompileIn(dir, pattern, CaseSensitive(caseSensitive))
		ref, refErr := refCompile(dir, pattern, caseSensitive)
		if !errors.Is(err, refErr) || (err == nil) != (refErr == nil) {
			t.Fatalf("CompileIn(%q, %q): error %v, reference %v", dir, pattern, err, refErr)
		}
		if err != nil {
			return
		}
		if got, want := p.Match(name), ref.refMatchPath(name); got != want {
			t.Errorf("CompileIn(%q, %q, CaseSensitive(%v)).Match(%q) = %v, Ant says %v", dir, pattern, caseSensitive, name, got, want)
		}
		if got, want := p.matchStart(name), ref.refMatchPatternStart(name); got != want {
			t.Errorf("CompileIn(%q, %q, CaseSensitive(%v)).matchStart(%q) = %v, Ant says %v", dir, pattern, caseSensitive, name, got, want)
		}
	})
}
