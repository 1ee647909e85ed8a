package winpath_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/internal/winpath"
)

func TestDrive(t *testing.T) {
	for _, tt := range []struct {
		p          string
		drive, abs byte
	}{
		{"C:", 'C', 0},
		{"c:x", 'C', 0},
		{`c:\x`, 'C', 'C'},
		{"z:/", 'Z', 'Z'},
		{"C:/x", 'C', 'C'},
		{"", 0, 0},
		{"C", 0, 0},
		{"1:/x", 0, 0},
		{"é:/x", 0, 0},
		{"/x", 0, 0},
		{"ab:/x", 0, 0},
		{"x/c:/y", 0, 0},
	} {
		require.Equal(t, tt.drive, winpath.Drive(tt.p), "Drive(%q)", tt.p)
		require.Equal(t, tt.abs, winpath.AbsDrive(tt.p), "AbsDrive(%q)", tt.p)
	}
}
