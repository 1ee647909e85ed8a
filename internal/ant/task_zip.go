package ant

import (
	"context"
	"errors"
	"io"
	"path"
	"slices"
	"strings"

	"github.com/bundlekit/bundlekit/fileops"
	"github.com/bundlekit/bundlekit/internal/antglob"
	"github.com/bundlekit/bundlekit/recipe"
)

// unzipTask is <unzip src dest>: the entries of a zip archive (those the
// nested patternsets select, or all) are extracted below dest. The archive
// is checked by fileops.OpenZip before anything is written, so an entry
// cannot leave dest (R181 GO). As in Ant, permissions are not restored;
// extracted files get the time of extraction.
type unzipTask struct {
	src, dest string
	overwrite bool
	patterns  *fileset
}

func decodeUnzip(d *decoder) runner {
	d.attrs("src", "dest", "overwrite")
	t := &unzipTask{src: d.required("src"), dest: d.required("dest"), overwrite: d.boolean("overwrite", true)}
	for _, c := range d.children("patternset") {
		if t.patterns == nil {
			t.patterns = &fileset{caseSensitive: true}
		}
		c.patternChild(t.patterns)
	}
	return t
}

func (t *unzipTask) run(ctx context.Context, c *call) error {
	var match *antglob.Set
	if t.patterns != nil {
		var err error
		if match, err = antglob.NewSet("", t.patterns.includes, t.patterns.excludes); err != nil {
			return err
		}
	}
	srcAbs := c.p.resolve(t.src)
	src, err := c.p.locate(srcAbs, false)
	if err != nil {
		return err
	}
	defer src.close()
	f, err := src.dir.Open(src.name)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	archive, err := fileops.OpenZip(srcAbs, f, fi.Size(), fileops.Limits{})
	if err != nil {
		return err
	}
	dest, err := c.p.locate(c.p.resolve(t.dest), true)
	if err != nil {
		return err
	}
	defer dest.close()
	c.logf(LevelInfo, "Expanding: %s into %s", srcAbs, dest.abs)
	for _, e := range archive.Entries {
		if err := ctx.Err(); err != nil {
			return err
		}
		if match != nil && !match.Match(e.Name) {
			continue
		}
		out := dest.join(e.Name)
		if e.Dir {
			if err := out.dir.MkdirAll(out.name, 0o755); err != nil {
				return err
			}
			continue
		}
		if !t.overwrite {
			if _, err := out.dir.Lstat(out.name); err == nil {
				continue
			}
		}
		if err := extract(ctx, &e, out); err != nil {
			return err
		}
	}
	return nil
}

func extract(ctx context.Context, e *fileops.Entry, out loc) error {
	rc, err := e.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	_, err = out.dir.WriteFile(ctx, out.name, rc, 0)
	return err
}

// zipTask is <zip destfile>: the files of basedir= (an implicit fileset) and
// of nested filesets, in one archive written by fileops.WriteZip
// (deterministic: sorted names, fixed timestamps, permission bits recorded)
// and replaced atomically. Directory entries are included unless filesonly;
// a name met twice keeps its first file. With no file to add, nothing is
// written and a warning is logged, as Ant's whenempty="skip" does.
type zipTask struct {
	destfile  string
	filesets  []*fileset
	filesOnly bool
}

func decodeZip(d *decoder) runner {
	d.attrs(append([]string{"destfile", "basedir", "filesonly"}, patternAttrs...)...)
	t := &zipTask{destfile: d.required("destfile"), filesOnly: d.boolean("filesonly", false)}
	children := d.children("fileset", "include", "exclude", "patternset")
	if set := implicitFileset(d, "basedir", children, d.has("basedir")); set != nil {
		t.filesets = append(t.filesets, set)
	}
	for _, c := range children {
		if c.name() == "fileset" {
			t.filesets = append(t.filesets, decodeFileset(c))
		}
	}
	if len(t.filesets) == 0 {
		d.errorf(recipe.ErrMissing, "give the basedir attribute or a nested <fileset>")
	}
	return t
}

func (t *zipTask) run(ctx context.Context, c *call) error {
	var files []fileops.ZipFile
	seen := map[string]bool{}
	add := func(f fileops.ZipFile) {
		if !seen[f.Name] {
			seen[f.Name] = true
			files = append(files, f)
		}
	}
	for _, set := range t.filesets {
		sc, err := c.scan(ctx, set)
		if err != nil {
			return err
		}
		if sc.root.dir == nil {
			continue
		}
		defer sc.root.close()
		if !t.filesOnly {
			for _, rel := range sc.dirs {
				if rel != "" {
					add(fileops.ZipFile{Name: rel, Dir: true})
				}
			}
		}
		for _, rel := range sc.files {
			l := sc.root.join(rel)
			fi, err := l.stat()
			if err != nil {
				return err
			}
			if !t.filesOnly {
				for dir := path.Dir(rel); dir != "."; dir = path.Dir(dir) {
					add(fileops.ZipFile{Name: dir, Dir: true})
				}
			}
			add(fileops.ZipFile{Name: rel, Mode: fi.Mode().Perm(), Open: func() (io.ReadCloser, error) { return l.dir.Open(l.name) }})
		}
	}
	destAbs := c.p.resolve(t.destfile)
	if !slices.ContainsFunc(files, func(f fileops.ZipFile) bool { return !f.Dir }) {
		c.logf(LevelWarning, "skipping zip archive %s because no files were included", destAbs)
		return nil
	}
	slices.SortFunc(files, func(a, b fileops.ZipFile) int { return strings.Compare(a.Name, b.Name) })
	dest, err := c.p.locate(destAbs, true)
	if err != nil {
		return err
	}
	defer dest.close()
	c.logf(LevelInfo, "Building zip: %s", destAbs)
	return writeZip(ctx, dest, files)
}

// errZipAbandoned stops the archive writer when the destination write failed.
var errZipAbandoned = errors.New("zip destination write abandoned")

// writeZip streams the archive through a pipe into the destination's atomic
// write, so neither the archive nor its content is held in memory.
func writeZip(ctx context.Context, dest loc, files []fileops.ZipFile) error {
	pr, pw := io.Pipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		// A failure here reaches WriteFile through the pipe.
		pw.CloseWithError(fileops.WriteZip(pw, files))
	}()
	_, err := dest.dir.WriteFile(ctx, dest.name, pr, 0)
	// Unblock the writer if WriteFile stopped reading, and wait for it, so no
	// source file is still open when the task returns.
	pr.CloseWithError(errZipAbandoned)
	<-done
	return err
}
