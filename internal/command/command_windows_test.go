package command

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/recipe"
)

// TestRunWindowsExitCodes: cmd.exe exit codes are 32-bit and read as signed,
// so the seed's successCodes="-1:10" matches exit /b -1.
func TestRunWindowsExitCodes(t *testing.T) {
	tests := []struct {
		line    string
		code    int
		success bool
	}{
		{"exit /b 3", 3, true},
		{"exit /b -1", -1, true},
		{"exit /b 11", 11, false},
	}
	for _, tt := range tests {
		got, err := Exec(context.Background(), Spec{Shell: tt.line, Dir: t.TempDir(), Timeout: time.Minute, Success: recipe.SuccessCodes{{Lo: -1, Hi: 10}}.Success}, Options{})
		require.NoError(t, err)
		require.Equal(t, tt.code, got.ExitCode, tt.line)
		require.Equal(t, tt.success, got.Success, tt.line)
	}
}

func TestRunWindowsTimeout(t *testing.T) {
	got, err := Exec(context.Background(), Spec{Shell: "ping -n 30 127.0.0.1 >NUL", Dir: t.TempDir(), Timeout: 500 * time.Millisecond}, Options{})
	require.NoError(t, err)
	require.True(t, got.TimedOut)
	require.False(t, got.Success)
}
