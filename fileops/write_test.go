package fileops_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/bundlekit/bundlekit/fileops"
	"github.com/bundlekit/bundlekit/internal/testtree"
	"github.com/stretchr/testify/require"
)

func TestWriteFile(t *testing.T) {
	ctx := context.Background()
	d := openTemp(t)
	body := bytes.Repeat([]byte("0123456789abcdef"), 100_000) // several copy chunks
	sum := md5.Sum(body)

	w, err := d.WriteFile(ctx, "a/b/c.bin", bytes.NewReader(body), 0)
	require.NoError(t, err)
	require.Equal(t, hex.EncodeToString(sum[:]), w.Hash)
	require.Equal(t, int64(len(body)), w.Size)
	require.Equal(t, int64(len(body)), w.Info.Size(), "Info describes the file written")
	require.Equal(t, string(body), readFile(t, filepath.Join(d.Path(), "a", "b", "c.bin")))

	w, err = d.WriteFile(ctx, "a/b/c.bin", strings.NewReader("short"), 0)
	require.NoError(t, err)
	require.Equal(t, int64(5), w.Size)
	require.Equal(t, "short", readFile(t, filepath.Join(d.Path(), "a", "b", "c.bin")), "replaced, not overwritten in place")
	require.Empty(t, tempFiles(t, d.Path()))
}

// TestUnhashed: content marked Unhashed is written whole, by each way of
// writing a file, and its hashes are not computed.
func TestUnhashed(t *testing.T) {
	ctx := context.Background()
	d := openTemp(t)
	body := bytes.Repeat([]byte("metadata\n"), 100_000)
	for _, tc := range []struct {
		name  string
		write func(name string, src io.Reader) (fileops.Written, error)
	}{
		{"CreateFile", func(name string, src io.Reader) (fileops.Written, error) { return d.CreateFile(ctx, name, src, 0o644) }},
		{"WriteFile", func(name string, src io.Reader) (fileops.Written, error) { return d.WriteFile(ctx, name, src, 0) }},
		{"WriteFileBatch", func(name string, src io.Reader) (fileops.Written, error) { return d.WriteFileBatch(ctx, name, src, 0) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, err := tc.write(tc.name, fileops.Unhashed(bytes.NewReader(body)))
			require.NoError(t, err)
			require.Empty(t, w.Hash)
			require.Empty(t, w.ContentDigest)
			require.Equal(t, int64(len(body)), w.Size)
			require.Equal(t, string(body), readFile(t, filepath.Join(d.Path(), tc.name)))
		})
	}
}

// failAfter yields n bytes of x, then fails.
type failAfter struct {
	n   int
	err error
}

func (r *failAfter) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, r.err
	}
	n := min(len(p), r.n)
	for i := range n {
		p[i] = 'x'
	}
	r.n -= n
	return n, nil
}

// cancelAfter yields n bytes and then cancels, so the next chunk sees a
// cancelled context.
type cancelAfter struct {
	n      int
	cancel context.CancelFunc
}

func (r *cancelAfter) Read(p []byte) (int, error) {
	if r.n == 0 {
		r.cancel()
		return len(p), nil
	}
	n := min(len(p), r.n)
	r.n -= n
	return n, nil
}

// TestWriteFileFailure: whatever goes wrong, the old content is intact and no
// temporary file is left (never half-written, STYLE 5, 12).
func TestWriteFileFailure(t *testing.T) {
	readFailed := errors.New("source broke")
	tests := []struct {
		name string
		src  func(cancel context.CancelFunc) io.Reader
		pre  bool // cancel before the call
		want error
	}{
		{"reader fails at once", func(context.CancelFunc) io.Reader { return &failAfter{0, readFailed} }, false, readFailed},
		{"reader fails midway", func(context.CancelFunc) io.Reader { return &failAfter{3 << 20, readFailed} }, false, readFailed},
		{"cancelled before", func(context.CancelFunc) io.Reader { return strings.NewReader("new") }, true, context.Canceled},
		{"cancelled midway", func(cancel context.CancelFunc) io.Reader { return &cancelAfter{1 << 20, cancel} }, false, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, name := range []string{"existing", "new/file"} {
				d := openTemp(t)
				testtree.Write(t, d.Path(), "existing=old content")
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				if tt.pre {
					cancel()
				}
				_, err := d.WriteFile(ctx, name, tt.src(cancel), 0)
				require.ErrorIs(t, err, tt.want)
				var pe *fs.PathError
				require.ErrorAs(t, err, &pe)
				require.Equal(t, filepath.Join(d.Path(), filepath.FromSlash(name)), pe.Path)
				require.Equal(t, "old content", readFile(t, filepath.Join(d.Path(), "existing")))
				require.Empty(t, tempFiles(t, d.Path()))
				if name == "new/file" {
					_, err := d.Lstat(name)
					require.ErrorIs(t, err, fs.ErrNotExist)
				}
			}
		})
	}
}

func TestWriteFileOverDirectory(t *testing.T) {
	d := openTemp(t)
	testtree.Write(t, d.Path(), "dir/x=x", "file=f")
	_, err := d.WriteFile(context.Background(), "dir", strings.NewReader("x"), 0)
	require.Error(t, err)
	_, err = d.WriteFile(context.Background(), "file/x", strings.NewReader("x"), 0)
	require.Error(t, err, "a file cannot be a parent")
	require.Equal(t, []string{"dir/", "dir/x=x", "file=f"}, testtree.Lines(t, d.Path()))
}

// TestWriteFileReplacesLink: a link at the target is replaced by the file; its
// target is not written (R101 divergence, see the package documentation).
func TestWriteFileReplacesLink(t *testing.T) {
	d := openTemp(t)
	testtree.Write(t, d.Path(), "target=old", "link => target")
	_, err := d.WriteFile(context.Background(), "link", strings.NewReader("new"), 0)
	require.NoError(t, err)
	require.Equal(t, []string{"link=new", "target=old"}, testtree.Lines(t, d.Path()))
}

func TestWriteFileMode(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows has no permission bits")
	}
	tests := []struct {
		name     string
		existing fs.FileMode // 0: no file yet
		perm     fs.FileMode
		want     fs.FileMode
	}{
		{"new default", 0, 0, 0o644},
		{"new explicit", 0, 0o600, 0o600},
		{"new executable", 0, 0o755, 0o755},
		{"new group writable", 0, 0o664, 0o664},
		{"existing kept (R101)", 0o640, 0, 0o640},
		{"existing executable kept", 0o750, 0, 0o750},
		{"existing read-only kept", 0o444, 0, 0o444},
		{"existing, explicit wins", 0o640, 0o755, 0o755},
		{"special bits dropped", 0, fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky | 0o755, 0o755},
		{"only special bits", 0, fs.ModeSetuid, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := openTemp(t)
			if tt.existing != 0 {
				testtree.Write(t, d.Path(), "f=old")
				require.NoError(t, os.Chmod(filepath.Join(d.Path(), "f"), tt.existing))
			}
			_, err := d.WriteFile(context.Background(), "f", strings.NewReader("new"), tt.perm)
			require.NoError(t, err)
			fi, err := d.Lstat("f")
			require.NoError(t, err)
			require.Equal(t, tt.want.String(), fi.Mode().String())
		})
	}
}

func TestCopyKeepsModeOfSource(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows has no permission bits")
	}
	d := openTemp(t)
	testtree.Write(t, d.Path(), "src=s", "dst=d")
	require.NoError(t, os.Chmod(filepath.Join(d.Path(), "src"), 0o700))
	require.NoError(t, os.Chmod(filepath.Join(d.Path(), "dst"), 0o644))
	_, err := d.Copy(context.Background(), "src", "dst")
	require.NoError(t, err)
	fi, err := d.Lstat("dst")
	require.NoError(t, err)
	require.Equal(t, fs.FileMode(0o700), fi.Mode().Perm(), "the source's mode, not the replaced file's")
}
