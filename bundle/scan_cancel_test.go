package bundle

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/fileops"
	"github.com/bundlekit/bundlekit/internal/testtree"
)

// cancelDisk is a real destination whose listing cancels a context when it
// lists its after-th directory: a cancellation in the middle of a rescan, at
// a point the test chooses rather than at a time.
type cancelDisk struct {
	fsDisk
	after  int64
	listed atomic.Int64 // a walk lists on several goroutines
	cancel context.CancelFunc
}

func (c *cancelDisk) readDir(dir string) ([]dirEntry, error) {
	if c.listed.Add(1) == c.after {
		c.cancel()
	}
	return c.fsDisk.readDir(dir)
}

// TestRescanCancelled: the rescan of a destination of 30 directories (an
// upgrade's, Status's, a first deployment's or an adoption's listing) stops
// at the next directory once its context is cancelled, with an error wrapping
// context.Canceled; hashing stops at the next group of files.
func TestRescanCancelled(t *testing.T) {
	dest := t.TempDir()
	files := map[string]string{}
	orig := map[string]string{}
	for d := range 30 {
		for f := range 20 {
			k := fmt.Sprintf("d%02d/f%02d.txt", d, f)
			files[k] = k
			orig[k] = "0123456789abcdef0123456789abcdef"
		}
	}
	testtree.WriteFiles(t, dest, files)
	onDisk, closeDisk, err := openDisk(dest)
	require.NoError(t, err)
	defer closeDisk()

	for name, scan := range map[string]func(context.Context, disk) error{
		"walk": func(ctx context.Context, d disk) error {
			_, err := walkDest(ctx, d, withDirs(orig), nil, true)
			return err
		},
		"scan": func(ctx context.Context, d disk) error {
			_, err := scanUpdate(ctx, d, withDirs(orig), nil, true, nil, nil)
			return err
		},
		"list": func(ctx context.Context, d disk) error {
			_, err := listFiles(ctx, d, "")
			return err
		},
	} {
		ctx, cancel := context.WithCancel(context.Background())
		d := &cancelDisk{fsDisk: onDisk, after: 4, cancel: cancel}
		err := scan(ctx, d)
		cancel()
		require.ErrorIs(t, err, context.Canceled, name)
		// A walk lists on several goroutines: the others may each have
		// started one more listing before the cancellation.
		require.GreaterOrEqual(t, d.listed.Load(), int64(4), name)
		require.LessOrEqual(t, d.listed.Load(), int64(4+maxWalkers-1), "%s: stopped at the next directory", name)

		d = &cancelDisk{fsDisk: onDisk, cancel: func() {}}
		require.NoError(t, scan(context.Background(), d), name)
		require.Equal(t, int64(31), d.listed.Load(), name)
	}

	done, cancel := context.WithCancel(context.Background())
	cancel()
	keys := make([]string, 0, len(files))
	for k := range files {
		keys = append(keys, k)
	}
	for _, h := range onDisk.hashFiles(done, keys, fileops.DigestMD5) {
		require.ErrorIs(t, h.Err, context.Canceled)
	}
}
