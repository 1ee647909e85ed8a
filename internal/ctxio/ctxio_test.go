package ctxio_test

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/internal/ctxio"
)

func TestReader(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	r := ctxio.Reader(ctx, strings.NewReader("abcdef"))
	buf := make([]byte, 3)
	n, err := r.Read(buf)
	require.NoError(t, err)
	require.Equal(t, "abc", string(buf[:n]))

	cancel()
	_, err = io.ReadAll(r)
	require.ErrorIs(t, err, context.Canceled, "a cancelled copy stops at the next chunk")
}
