package bundle_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/bundle"
	"github.com/bundlekit/bundlekit/internal/testtree"
)

// manyFiles returns a bundle tree of dirs directories of perDir files each,
// the recipe deploying them as one exploded-like set of raw files.
func manyFiles(dirs, perDir int) map[string]string {
	files := map[string]string{}
	for d := range dirs {
		for f := range perDir {
			files[sprintf("d%02d/f%03d.txt", d, f)] = sprintf("%d/%d", d, f)
		}
	}
	return spec{Files: files}.tree()
}

// cancelFS is a bundle directory read through os.DirFS that cancels a
// context when the walk lists its after-th directory: a cancellation in the
// middle of Open, at a point the test chooses.
type cancelFS struct {
	fs.FS
	after  int32
	listed atomic.Int32
	cancel context.CancelFunc
}

func (c *cancelFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if c.listed.Add(1) == c.after {
		c.cancel()
	}
	return fs.ReadDir(c.FS, name)
}

// TestOpenCancelled: Open stops while it lists a bundle of 2,000 files, in
// the directory it was listing when the context was cancelled, with an error
// wrapping context.Canceled that is not the caller's input's; a context done
// before Open starts stops it before it reads anything, a directory or a
// .zip bundle, whose hashing for OpenOptions.SHA256 checks it too.
func TestOpenCancelled(t *testing.T) {
	dir := t.TempDir()
	testtree.WriteFiles(t, dir, manyFiles(40, 50))

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfs := &cancelFS{FS: os.DirFS(dir), after: 3, cancel: cancel}
	_, err := bundle.OpenFS(ctx, cfs, dir)
	require.ErrorIs(t, err, context.Canceled)
	require.False(t, errors.Is(err, bundle.ErrInvalidInput))
	require.Equal(t, int32(3), cfs.listed.Load(), "the walk stops in the directory it was listing")

	b, err := bundle.OpenFS(context.Background(), os.DirFS(dir), dir)
	require.NoError(t, err, "the same bundle opens")
	require.Len(t, b.Files, 2001)

	zipPath := filepath.Join(t.TempDir(), "big.zip")
	f, err := os.Create(zipPath)
	require.NoError(t, err)
	require.NoError(t, bundle.Pack(context.Background(), dir, f))
	require.NoError(t, f.Close())
	done, cancel := context.WithCancel(context.Background())
	cancel()
	for _, open := range []func() error{
		func() error { _, err := bundle.Open(done, dir); return err },
		func() error { _, err := bundle.Open(done, zipPath); return err },
		func() error {
			_, err := bundle.OpenWith(done, zipPath, bundle.OpenOptions{SHA256: strings.Repeat("0", 64)})
			return err
		},
		func() error { _, err := bundle.NextID(done, t.TempDir()); return err },
	} {
		err := open()
		require.ErrorIs(t, err, context.Canceled)
		require.False(t, errors.Is(err, bundle.ErrInvalidInput))
	}
}

// cancelWriter cancels a context once it has received n bytes.
type cancelWriter struct {
	n       int
	written int
	cancel  context.CancelFunc
}

func (w *cancelWriter) Write(p []byte) (int, error) {
	w.written += len(p)
	if w.written >= w.n {
		w.cancel()
	}
	return len(p), nil
}

// TestPackCancelled: Pack stops writing soon after its context is cancelled,
// with an error wrapping context.Canceled, and writes nothing when it is
// cancelled before it starts.
func TestPackCancelled(t *testing.T) {
	dir := t.TempDir()
	testtree.WriteFiles(t, dir, manyFiles(20, 50))
	var full countWriter
	require.NoError(t, bundle.Pack(context.Background(), dir, &full))

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := &cancelWriter{n: 4096, cancel: cancel}
	err := bundle.Pack(ctx, dir, w)
	require.ErrorIs(t, err, context.Canceled)
	require.False(t, errors.Is(err, bundle.ErrInvalidInput))
	require.Less(t, w.written, full.n/2, "Pack stopped long before the end")

	var none countWriter
	require.ErrorIs(t, bundle.Pack(ctx, dir, &none), context.Canceled)
	require.Zero(t, none.n)
}

type countWriter struct{ n int }

func (w *countWriter) Write(p []byte) (int, error) {
	w.n += len(p)
	return len(p), nil
}

// TestPlanCancelled: with a context done before it starts, every Plan
// function fails with an error wrapping context.Canceled before it reads the
// destination, which stays as it was, and leaves no staging area; the next
// plan with a live context works. (scan_cancel_test.go stops a rescan in the
// middle.)
func TestPlanCancelled(t *testing.T) {
	staging := isolateStaging(t)
	ctx := context.Background()
	dest := filepath.Join(t.TempDir(), "app")
	b := spec{Files: map[string]string{"a.txt": "a"}}.open(t)
	_, err := bundle.Deploy(ctx, b, bundle.Options{Dest: dest})
	require.NoError(t, err)
	testtree.WriteFiles(t, dest, manyFiles(20, 20))
	before := testtree.Snapshot(t, dest)

	done, cancel := context.WithCancel(ctx)
	cancel()
	for name, plan := range map[string]func() (*bundle.Plan, error){
		"deploy": func() (*bundle.Plan, error) { return bundle.PlanDeploy(done, b, bundle.Options{Dest: dest}) },
		"revert": func() (*bundle.Plan, error) { return bundle.PlanRevert(done, b, bundle.Options{Dest: dest}) },
		"purge":  func() (*bundle.Plan, error) { return bundle.PlanPurge(done, dest, bundle.PurgeOptions{}) },
		"adopt":  func() (*bundle.Plan, error) { return bundle.PlanAdopt(done, dest, bundle.AdoptOptions{}) },
	} {
		_, err := plan()
		require.ErrorIs(t, err, context.Canceled, name)
		require.False(t, errors.Is(err, bundle.ErrInvalidInput), name)
		requireUnchanged(t, before, dest)
		requireEmptyDir(t, staging)
	}
	_, err = bundle.Status(done, dest)
	require.ErrorIs(t, err, context.Canceled)

	p, err := bundle.PlanDeploy(ctx, b, bundle.Options{Dest: dest})
	require.NoError(t, err)
	require.NoError(t, p.Close())
}
