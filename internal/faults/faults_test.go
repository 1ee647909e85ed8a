package faults

import (
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCheck(t *testing.T) {
	require.NoError(t, Check("write", "/d", "a/b"), "no hook: nothing fails")

	var seen []Op
	Set(func(op Op) error {
		seen = append(seen, op)
		if op.Kind == "fsync" {
			return syscall.EIO
		}
		return nil
	})
	defer Set(nil)
	require.NoError(t, Check("write", "/d", "a/b"))
	require.ErrorIs(t, Check("fsync", "/d", ""), syscall.EIO)
	require.NoError(t, Check("mkdir", "/d", "."))
	require.Equal(t, []Op{
		{Kind: "write", Path: filepath.Join("/d", "a", "b")},
		{Kind: "fsync", Path: "/d"},
		{Kind: "mkdir", Path: "/d"},
	}, seen)
	require.Equal(t, "fsync /d", seen[1].String())

	Set(nil)
	require.NoError(t, Check("fsync", "/d", ""), "removed")
}
