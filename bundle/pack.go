package bundle

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/bundlekit/bundlekit/fileops"
)

// Pack writes a bundle distribution of the directory dir to w: a zip archive with
// deploy.xml at its top, entries in sorted order, fixed timestamps and the files'
// Unix permission bits, so the same directory always gives the same bytes. The
// bundle is opened (and its recipe validated) first; symbolic links and other
// irregular files are refused, since a bundle must carry its content.
func Pack(dir string, w io.Writer) error {
	files, err := packFiles(dir)
	if err != nil {
		return err
	}
	return classify(fileops.WriteZip(w, files))
}

// packFiles opens the bundle dir and lists its files, sorted; its errors are
// the caller's (ErrInvalidInput).
func packFiles(dir string) ([]fileops.ZipFile, error) {
	b, err := Open(dir)
	if err != nil {
		return nil, err
	}
	b.Close()
	var files []fileops.ZipFile
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
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
				return os.Open(p)
			}})
		default:
			return fmt.Errorf("pack %s: %s is %w (%s)", dir, name, fileops.ErrIrregular, d.Type())
		}
		return nil
	})
	if err != nil {
		return nil, invalid(err)
	}
	slices.SortFunc(files, func(a, b fileops.ZipFile) int { return strings.Compare(a.Name, b.Name) })
	return files, nil
}
