package fileops_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/fileops"
)

func TestParseSHA256(t *testing.T) {
	const hex = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	tests := []struct {
		in, want string
	}{
		{hex, hex},
		{strings.ToUpper(hex), hex},
		{"", ""},
		{hex[:63], ""},
		{hex + "0", ""},
		{"z" + hex[1:], ""},
		{" " + hex[1:], ""},
	}
	for _, tt := range tests {
		got, err := fileops.ParseSHA256(tt.in)
		if tt.want == "" {
			require.ErrorContains(t, err, "64 hex digits", tt.in)
			continue
		}
		require.NoError(t, err)
		require.Equal(t, tt.want, got)
	}
}

func TestDigestErrorMessage(t *testing.T) {
	err := &fileops.DigestError{Name: "app.zip", Want: "aa", Got: "bb"}
	require.EqualError(t, err, "app.zip: SHA-256 does not match: expected aa, got bb")
	require.ErrorIs(t, err, fileops.ErrDigestMismatch)
	require.EqualError(t, &fileops.DigestError{Want: "aa", Got: "bb"}, "SHA-256 does not match: expected aa, got bb")
}
