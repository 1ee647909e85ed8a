package antprop_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/internal/antprop"
)

var props = map[string]string{"a": "A", "dollar": "${a}", "empty": "", "": "nameless"}

func lookup(name string) (string, bool) {
	v, ok := props[name]
	return v, ok
}

// TestExpand: one row per form Ant gives a meaning (R157).
func TestExpand(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"", ""},
		{"plain", "plain"},
		{"${a}", "A"},
		{"x${a}y${a}", "xAyA"},
		{"${unknown}", "${unknown}"},
		{"$${a}", "${a}"},
		{"$$", "$"},
		{"$", "$"},
		{"$x", "$x"},
		{"end$", "end$"},
		{"${a}$", "A$"},
		{"${a", "${a"},
		{"${dollar}", "${a}"}, // values are not expanded again
		{"${empty}|", "|"},
		{"${}", "nameless"},
	} {
		require.Equal(t, tt.want, antprop.Expand(tt.in, lookup), tt.in)
	}
}

func FuzzExpand(f *testing.F) {
	for _, s := range []string{"${a}", "$$", "${a", "x$", "${dollar}${unknown}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := antprop.Expand(s, lookup)
		if !strings.Contains(s, "$") && got != s {
			t.Fatalf("%q without a $ became %q", s, got)
		}
		none := antprop.Expand(s, func(string) (string, bool) { return "", false })
		if len(none) > len(s) {
			t.Fatalf("%q grew to %q with no property defined", s, none)
		}
	})
}
