package ant

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/bundlekit/bundlekit/internal/dirfile"
	"github.com/bundlekit/bundlekit/recipe"
)

// mkdirTask is <mkdir dir>: the directory and its missing parents.
type mkdirTask struct{ dir string }

func decodeMkdir(d *decoder) runner {
	d.attrs("dir")
	return &mkdirTask{dir: d.required("dir")}
}

func (m *mkdirTask) run(_ context.Context, c *call) error {
	l, err := c.p.locate(c.p.resolve(m.dir), true)
	if err != nil {
		return err
	}
	defer l.close()
	if fi, err := l.dir.Lstat(l.name); err == nil && fi.IsDir() {
		return nil
	}
	if err := l.dir.MkdirAll(l.name, 0o755); err != nil {
		return err
	}
	c.logf(LevelInfo, "Created dir: %s", l.abs)
	return nil
}

// touchTask is <touch file>: the file is created if missing (its directory
// too with mkdirs) and its modification time set to millis, datetime or now.
type touchTask struct {
	file   string
	when   time.Time
	mkdirs bool
}

// touchLayouts are the datetime formats Ant's touch accepts by default
// ("MM/dd/yyyy hh:mm a" and with seconds), read in local time.
var touchLayouts = []string{"1/2/2006 3:04 PM", "1/2/2006 3:04:05 PM"}

func decodeTouch(d *decoder) runner {
	d.attrs("file", "millis", "datetime", "mkdirs")
	d.exclusive("millis", "datetime")
	t := &touchTask{file: d.required("file"), mkdirs: d.boolean("mkdirs", false)}
	if d.has("millis") {
		t.when = time.UnixMilli(d.integer("millis", 0))
	}
	if v, ok := d.value("datetime"); ok && !d.deferred(v) {
		for _, layout := range touchLayouts {
			if when, err := time.ParseInLocation(layout, strings.TrimSpace(v), time.Local); err == nil {
				t.when = when
				break
			}
		}
		if t.when.IsZero() {
			d.errorf(recipe.ErrInvalid, "datetime=%q is not a date like 12/31/2024 11:59 PM", v)
		}
	}
	return t
}

func (t *touchTask) run(_ context.Context, c *call) error {
	abs := c.p.resolve(t.file)
	l, err := c.p.locate(abs, t.mkdirs)
	if notExist(err) {
		return fmt.Errorf("cannot create %s: its directory does not exist (mkdirs=\"true\" creates it)", abs)
	}
	if err != nil {
		return err
	}
	defer l.close()
	if _, err := l.dir.Lstat(l.name); notExist(err) {
		if parent := path.Dir(l.name); l.name != "" && parent != "." {
			if _, err := l.dir.Lstat(parent); notExist(err) && !t.mkdirs {
				return fmt.Errorf("cannot create %s: its directory does not exist (mkdirs=\"true\" creates it)", l.abs)
			}
			if err := l.dir.MkdirAll(parent, 0o755); err != nil {
				return err
			}
		}
		f, err := dirfile.OpenFile(l.dir, l.name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		c.logf(LevelInfo, "Creating %s", l.abs)
	}
	when := t.when
	if when.IsZero() {
		when = time.Now()
	}
	return setModTime(l, when)
}

// deleteTask is <delete>: a file, a directory with everything in it, or the
// files (and with includeemptydirs the emptied directories) of filesets.
type deleteTask struct {
	file         string
	dir          string
	filesets     []*fileset
	quiet        bool
	failOnError  bool
	includeEmpty bool
	verbose      bool
}

func decodeDelete(d *decoder) runner {
	d.attrs(append([]string{"file", "dir", "quiet", "failonerror", "includeemptydirs", "verbose"}, patternAttrs...)...)
	t := &deleteTask{
		file:         d.str("file"),
		quiet:        d.boolean("quiet", false),
		failOnError:  d.boolean("failonerror", true),
		includeEmpty: d.boolean("includeemptydirs", false),
		verbose:      d.boolean("verbose", false),
	}
	children := d.children("fileset", "include", "exclude", "patternset")
	if set := implicitFileset(d, "dir", children, false); set != nil {
		t.filesets = append(t.filesets, set)
	} else {
		t.dir = d.str("dir")
	}
	for _, c := range children {
		if c.name() == "fileset" {
			t.filesets = append(t.filesets, decodeFileset(c))
		}
	}
	if !d.has("file") && !d.has("dir") && len(t.filesets) == 0 {
		d.errorf(recipe.ErrMissing, "give the file or dir attribute, or a nested <fileset>")
	}
	// Ant: quiet means failures are not errors either.
	if t.quiet {
		t.failOnError = false
	}
	return t
}

func (t *deleteTask) fail(c *call, err error) error {
	if err == nil || t.failOnError {
		return err
	}
	if !t.quiet {
		c.logf(LevelWarning, "%v", err)
	}
	return nil
}

func (t *deleteTask) run(ctx context.Context, c *call) error {
	if t.file != "" {
		if err := t.fail(c, t.deletePath(c, c.p.resolve(t.file), false)); err != nil {
			return err
		}
	}
	if t.dir != "" {
		if err := t.fail(c, t.deletePath(c, c.p.resolve(t.dir), true)); err != nil {
			return err
		}
	}
	for _, set := range t.filesets {
		if err := t.fail(c, t.deleteSet(ctx, c, set)); err != nil {
			return err
		}
	}
	return nil
}

// deletePath deletes a file (dir false) or a directory tree (dir true). A
// missing path is not an error. A symbolic link is deleted, never followed.
func (t *deleteTask) deletePath(c *call, abs string, dir bool) error {
	if err := c.p.protect(abs); err != nil {
		return err
	}
	l, err := c.p.locate(abs, false)
	if notExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	defer l.close()
	fi, err := l.dir.Lstat(l.name)
	switch {
	case notExist(err):
		return nil
	case err != nil:
		return err
	case dir && fi.IsDir():
		c.logf(LevelInfo, "Deleting directory %s", abs)
		return l.dir.RemoveAll(l.name)
	case dir:
		if !t.quiet {
			c.logf(LevelWarning, "%s is not a directory; delete a file with file=", abs)
		}
		return nil
	case fi.IsDir():
		if !t.quiet {
			c.logf(LevelWarning, "Directory %s cannot be removed using the file attribute. Use dir instead.", abs)
		}
		return nil
	}
	c.logf(LevelInfo, "Deleting: %s", abs)
	return l.dir.Remove(l.name)
}

// deleteSet deletes a fileset's files, then with includeemptydirs its
// selected directories that are empty, deepest first.
func (t *deleteTask) deleteSet(ctx context.Context, c *call, set *fileset) error {
	sc, err := c.scan(ctx, set)
	if err != nil || sc.root.dir == nil {
		return err
	}
	defer sc.root.close()
	for _, rel := range sc.files {
		l := sc.root.join(rel)
		if t.verbose {
			c.logf(LevelInfo, "Deleting %s", l.abs)
		}
		if err := t.fail(c, l.dir.Remove(l.name)); err != nil {
			return err
		}
	}
	if len(sc.files) > 0 {
		c.logf(LevelInfo, "Deleting %d file%s from %s", len(sc.files), plural(len(sc.files)), sc.root.abs)
	}
	if !t.includeEmpty {
		return nil
	}
	dirs := slices.Clone(sc.dirs)
	slices.SortStableFunc(dirs, func(a, b string) int { return depth(b) - depth(a) })
	for _, rel := range dirs {
		l := sc.root.join(rel)
		if entries, err := l.dir.ReadDir(l.name); err != nil || len(entries) > 0 {
			continue
		}
		if err := c.p.protect(l.abs); err != nil {
			continue
		}
		if err := t.fail(c, l.dir.Remove(l.name)); err != nil {
			return err
		}
	}
	return nil
}

// depth is how many elements rel has; the root itself ("") has none.
func depth(rel string) int {
	if rel == "" {
		return 0
	}
	return strings.Count(rel, "/") + 1
}

// chmodTask is <chmod perm>: on a file or directory (file=), on the files of
// a directory (dir=, an implicit fileset) and on filesets; type says whether
// files, directories or both of the filesets change. Ant's chmod runs only on
// Unix; on Windows (Env.OS) the task does nothing.
type chmodTask struct {
	perm        perm
	file        string
	filesets    []*fileset
	typ         string
	failOnError bool
	verbose     bool
}

func decodeChmod(d *decoder) runner {
	d.attrs(append([]string{"perm", "file", "dir", "type", "failonerror", "verbose"}, patternAttrs...)...)
	t := &chmodTask{
		file:        d.str("file"),
		typ:         d.choice("type", "file", "file", "dir", "both"),
		failOnError: d.boolean("failonerror", false),
		verbose:     d.boolean("verbose", false),
	}
	if p := d.required("perm"); !d.deferred(p) && p != "" {
		var err error
		if t.perm, err = parsePerm(p); err != nil {
			d.errorf(recipe.ErrInvalid, "%v", err)
		}
	}
	children := d.children("fileset", "include", "exclude", "patternset")
	if set := implicitFileset(d, "dir", children, d.has("dir")); set != nil {
		t.filesets = append(t.filesets, set)
	}
	for _, c := range children {
		if c.name() == "fileset" {
			t.filesets = append(t.filesets, decodeFileset(c))
		}
	}
	if !d.has("file") && len(t.filesets) == 0 {
		d.errorf(recipe.ErrMissing, "give the file or dir attribute, or a nested <fileset>")
	}
	return t
}

func (t *chmodTask) run(ctx context.Context, c *call) error {
	if c.p.sh.env.OS == "windows" {
		c.logf(LevelVerbose, "chmod does nothing on Windows")
		return nil
	}
	fail := func(err error) error {
		if err == nil || t.failOnError {
			return err
		}
		c.logf(LevelWarning, "%v", err)
		return nil
	}
	n := 0
	if t.file != "" {
		abs := c.p.resolve(t.file)
		l, err := c.p.locate(abs, false)
		if err == nil {
			defer l.close()
			err = t.chmod(c, l)
		}
		if err == nil {
			n++
		}
		if err := fail(err); err != nil {
			return err
		}
	}
	for _, set := range t.filesets {
		sc, err := c.scan(ctx, set)
		if err != nil || sc.root.dir == nil {
			if err := fail(err); err != nil {
				return err
			}
			continue
		}
		defer sc.root.close()
		var rels []string
		if t.typ != "dir" {
			rels = append(rels, sc.files...)
		}
		if t.typ != "file" {
			rels = append(rels, sc.dirs...)
		}
		for _, rel := range rels {
			err := t.chmod(c, sc.root.join(rel))
			if err == nil {
				n++
			}
			if err := fail(err); err != nil {
				return err
			}
		}
	}
	if n > 0 {
		c.logf(LevelVerbose, "Changed the permissions of %d file%s", n, plural(n))
	}
	return nil
}

// chmod changes the mode of l through a descriptor opened in its Dir (a
// symbolic link inside the Dir is followed, as chmod(1) follows it).
func (t *chmodTask) chmod(c *call, l loc) error {
	f, err := l.dir.Open(l.name)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	mode := t.perm.apply(fi.Mode(), fi.IsDir())
	if t.verbose {
		c.logf(LevelInfo, "chmod %o %s", mode.Perm(), l.abs)
	}
	if err := f.Chmod(mode); err != nil {
		return fmt.Errorf("chmod %s: %w", l.abs, underlying(err))
	}
	return nil
}

// underlying strips the *fs.PathError an *os.File method wraps its error in,
// whose path is relative to the Dir and would mislead in a message.
func underlying(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
