package ant

import (
	"io/fs"
	"testing"
)

func TestPerm(t *testing.T) {
	tests := []struct {
		perm  string
		old   fs.FileMode
		isDir bool
		want  fs.FileMode
	}{
		{"755", 0o600, false, 0o755},
		{"0640", 0o777, false, 0o640},
		{"4755", 0o644, false, 0o755 | fs.ModeSetuid},
		{"3775", 0, true, 0o775 | fs.ModeSetgid | fs.ModeSticky},
		{"u+x", 0o644, false, 0o744},
		{"+x", 0o644, false, 0o755},
		{"go-rwx", 0o755, false, 0o700},
		{"a=r", 0o777, false, 0o444},
		{"u=rwx,g=rx,o=", 0o000, false, 0o750},
		{"ug+w-x", 0o755, false, 0o665},
		{"a+X", 0o644, false, 0o644},
		{"a+X", 0o744, false, 0o755},
		{"a+X", 0o644, true, 0o755},
		{"o-w", 0o666 | fs.ModeSetuid, false, 0o664 | fs.ModeSetuid},
	}
	for _, tt := range tests {
		p, err := parsePerm(tt.perm)
		if err != nil {
			t.Errorf("parsePerm(%q): %v", tt.perm, err)
			continue
		}
		if got := p.apply(tt.old, tt.isDir); got != tt.want {
			t.Errorf("parsePerm(%q).apply(%v, dir=%v) = %v, want %v", tt.perm, tt.old, tt.isDir, got, tt.want)
		}
	}
	for _, bad := range []string{"", "u", "u+s", "o+t", "8", "17777", "x+r", "u+r,", "u!r"} {
		if _, err := parsePerm(bad); err == nil {
			t.Errorf("parsePerm(%q) succeeded", bad)
		}
	}
}
