package bundle

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/bundlekit/bundlekit/fileops"
	"github.com/bundlekit/bundlekit/internal/ctxio"
)

// Pack writes a bundle distribution of the directory dir to w: a zip archive with
// deploy.xml at its top, entries in sorted order, fixed timestamps and the files'
// Unix permission bits, so the same directory always gives the same bytes. The
// bundle is opened (and its recipe validated) first; symbolic links and other
// irregular files are refused, since a bundle must carry its content. ctx is
// checked between files and while they are read: once it is done, Pack stops
// writing to w and returns an error wrapping ctx.Err().
func Pack(ctx context.Context, dir string, w io.Writer) error {
	files, err := packFiles(ctx, dir)
	if err != nil {
		return err
	}
	return classify(fileops.WriteZip(w, files))
}

// packFiles opens the bundle dir and lists its files, sorted, each read
// under ctx; its errors are the caller's (ErrInvalidInput).
func packFiles(ctx context.Context, dir string) ([]fileops.ZipFile, error) {
	b, err := Open(ctx, dir)
	if err != nil {
		return nil, err
	}
	b.Close()
	var files []fileops.ZipFile
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil || rel == "." {
			return err
		}
		name := filepath.ToSlash(rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			files = append(files, fileops.ZipFile{Name: name, Dir: true, Mode: info.Mode().Perm()})
		case d.Type().IsRegular():
			files = append(files, fileops.ZipFile{Name: name, Mode: info.Mode().Perm(), Open: func() (io.ReadCloser, error) {
				f, err := os.Open(p)
				if err != nil {
					return nil, err
				}
				return ctxReadCloser{ctxio.Reader(ctx, f), f}, nil
			}})
		default:
			return fmt.Errorf("%s is %w (%s)", name, fileops.ErrIrregular, d.Type())
		}
		return nil
	})
	if err != nil {
		return nil, invalid(fmt.Errorf("pack %s: %w", dir, err))
	}
	slices.SortFunc(files, func(a, b fileops.ZipFile) int { return strings.Compare(a.Name, b.Name) })
	return files, nil
}

// ctxReadCloser reads a file through a reader that checks a context, and
// closes the file.
type ctxReadCloser struct {
	io.Reader
	io.Closer
}
