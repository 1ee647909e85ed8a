package main

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCountDir(t *testing.T) {
	got, err := countDir("testdata/sample")
	require.NoError(t, err)
	// T's embedded io.Reader counts as a field under its type's name.
	require.Equal(t, count{types: 2, funcs: 1, methods: 2, vars: 1, consts: 2, fields: 3}, got)
}
