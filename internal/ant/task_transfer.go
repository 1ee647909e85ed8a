package ant

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"runtime"
	"time"

	"github.com/bundlekit/bundlekit/recipe"
)

// transfer is <copy> and <move>: one file (file=) or filesets, to one file
// (tofile=) or into a directory (todir=).
type transfer struct {
	move         bool
	file         string
	tofile       string
	todir        string
	filesets     []*fileset
	overwrite    bool
	preserve     bool
	flatten      bool
	includeEmpty bool
	failOnError  bool
	verbose      bool
	quiet        bool
}

func decodeCopy(d *decoder) runner { return decodeTransfer(d, false) }

func decodeMove(d *decoder) runner { return decodeTransfer(d, true) }

func decodeTransfer(d *decoder, move bool) runner {
	d.attrs("file", "tofile", "todir", "overwrite", "preservelastmodified", "flatten",
		"includeemptydirs", "failonerror", "verbose", "quiet")
	t := &transfer{
		move:   move,
		file:   d.str("file"),
		tofile: d.str("tofile"),
		todir:  d.str("todir"),
		// Ant: a copy replaces only older files, a move replaces any.
		overwrite:    d.boolean("overwrite", move),
		preserve:     d.boolean("preservelastmodified", false),
		flatten:      d.boolean("flatten", false),
		includeEmpty: d.boolean("includeemptydirs", true),
		failOnError:  d.boolean("failonerror", true),
		verbose:      d.boolean("verbose", false),
		quiet:        d.boolean("quiet", false),
	}
	for _, c := range d.children("fileset") {
		t.filesets = append(t.filesets, decodeFileset(c))
	}
	switch {
	case !d.has("file") && len(t.filesets) == 0:
		d.errorf(recipe.ErrMissing, "give a source: the file attribute or a nested <fileset>")
	case d.has("tofile") && d.has("todir"):
		d.errorf(recipe.ErrConflict, "give tofile or todir, not both")
	case !d.has("tofile") && !d.has("todir"):
		d.errorf(recipe.ErrMissing, "give a destination: the tofile or the todir attribute")
	}
	return t
}

func (t *transfer) verb() string {
	if t.move {
		return "move"
	}
	return "copy"
}

// item is one file to copy or move.
type item struct {
	src, dst loc
	info     fs.FileInfo
}

// transferPlan is what a copy or move will do, found before anything is
// written. open holds the locs to close when the task ends.
type transferPlan struct {
	// rename is a whole directory moved by one rename.
	rename *item
	items  []item
	// dirs are directories to create (includeemptydirs).
	dirs []loc
	// cleanup are source directories a move may leave empty.
	cleanup []loc
	open    []loc
}

func (pl *transferPlan) keep(l loc) { pl.open = append(pl.open, l) }

func (pl *transferPlan) close() {
	for _, l := range pl.open {
		l.close()
	}
}

// mtimeGranularity is how much newer a source must be than an existing
// destination for a copy without overwrite to replace it, as in Ant (FAT
// keeps times to 2 seconds).
func mtimeGranularity() time.Duration {
	if runtime.GOOS == "windows" {
		return 2 * time.Second
	}
	return time.Second
}

func (t *transfer) run(ctx context.Context, c *call) error {
	var pl transferPlan
	defer pl.close()
	to, err := t.plan(ctx, c, &pl)
	if err != nil {
		return err
	}
	if r := pl.rename; r != nil {
		return r.src.dir.Rename(r.src.name, r.dst.name)
	}
	done := 0
	for _, it := range pl.items {
		if err := ctx.Err(); err != nil {
			return err
		}
		ok, err := t.one(ctx, c, it)
		if err := t.fail(c, err); err != nil {
			return err
		}
		if ok {
			done++
		}
	}
	for _, d := range pl.dirs {
		if err := t.fail(c, d.dir.MkdirAll(d.name, 0o755)); err != nil {
			return err
		}
	}
	for _, root := range pl.cleanup {
		if err := t.fail(c, c.removeIfNoFiles(root)); err != nil {
			return err
		}
	}
	if done > 0 {
		verb := map[bool]string{false: "Copying", true: "Moving"}[t.move]
		c.logf(LevelInfo, "%s %d file%s to %s", verb, done, plural(done), to.abs)
	}
	return nil
}

// plan finds the files to copy or move and where each goes, and returns the
// destination (tofile, or todir).
func (t *transfer) plan(ctx context.Context, c *call, pl *transferPlan) (loc, error) {
	dstAbs := c.p.resolve(t.todir)
	if t.tofile != "" {
		dstAbs = c.p.resolve(t.tofile)
	}
	to, err := c.p.locate(dstAbs, true)
	if err != nil {
		return loc{}, err
	}
	pl.keep(to)
	dest := func(rel string) loc {
		switch {
		case t.tofile != "":
			return to
		case t.flatten:
			return to.join(path.Base(rel))
		}
		return to.join(rel)
	}
	if t.file != "" {
		if err := t.planFile(ctx, c, pl, dest); err != nil {
			return loc{}, err
		}
	}
	for _, set := range t.filesets {
		sc, err := c.scan(ctx, set)
		if err != nil || sc.root.dir == nil {
			if err := t.fail(c, err); err != nil {
				return loc{}, err
			}
			continue
		}
		pl.keep(sc.root)
		for _, rel := range sc.files {
			pl.items = append(pl.items, item{src: sc.root.join(rel), dst: dest(rel)})
		}
		if t.includeEmpty && !t.flatten && t.tofile == "" {
			for _, rel := range sc.dirs {
				pl.dirs = append(pl.dirs, to.join(rel))
			}
		}
		if t.move {
			pl.cleanup = append(pl.cleanup, sc.root)
		}
	}
	if t.tofile != "" && len(pl.items) > 1 {
		return loc{}, fmt.Errorf("cannot %s %d files into the one file %s", t.verb(), len(pl.items), to.abs)
	}
	return to, nil
}

// planFile plans the file attribute: a file, or for a move a directory with
// everything in it.
func (t *transfer) planFile(ctx context.Context, c *call, pl *transferPlan, dest func(string) loc) error {
	srcAbs := c.p.resolve(t.file)
	src, err := c.p.locate(srcAbs, false)
	var fi fs.FileInfo
	if err == nil {
		pl.keep(src)
		fi, err = src.stat()
	}
	switch {
	case notExist(err):
		return t.fail(c, fmt.Errorf("cannot find %s to %s", srcAbs, t.verb()))
	case err != nil:
		return err
	case !fi.IsDir():
		pl.items = append(pl.items, item{src: src, dst: dest(path.Base(src.name)), info: fi})
		return nil
	case !t.move:
		return fmt.Errorf("%s is a directory: copy directories with a nested <fileset>", srcAbs)
	}
	if err := c.p.protect(srcAbs); err != nil {
		return err
	}
	dst := dest(path.Base(src.name))
	if _, err := dst.dir.Lstat(dst.name); notExist(err) && src.dir == dst.dir {
		pl.rename = &item{src: src, dst: dst}
		return nil
	}
	sc, err := c.scan(ctx, &fileset{dir: srcAbs, includes: []string{"**"}, caseSensitive: true, errorOnMissing: true})
	if err != nil {
		return err
	}
	pl.keep(sc.root)
	for _, rel := range sc.files {
		pl.items = append(pl.items, item{src: sc.root.join(rel), dst: dst.join(rel)})
	}
	for _, rel := range sc.dirs {
		pl.dirs = append(pl.dirs, dst.join(rel))
	}
	pl.cleanup = append(pl.cleanup, sc.root)
	return nil
}

// fail handles a failure of one file: with failonerror it stops the task;
// otherwise it is logged (unless quiet) and the task goes on.
func (t *transfer) fail(c *call, err error) error {
	if err == nil || t.failOnError {
		return err
	}
	if !t.quiet {
		c.logf(LevelWarning, "%v", err)
	}
	return nil
}

// one copies or moves one file and reports whether it did; a destination at
// least as new as the source is kept unless overwrite is set.
func (t *transfer) one(ctx context.Context, c *call, it item) (bool, error) {
	if it.src.abs == it.dst.abs {
		return false, nil
	}
	info := it.info
	if info == nil {
		var err error
		if info, err = it.src.stat(); err != nil {
			return false, err
		}
	}
	if !t.overwrite {
		if dfi, err := it.dst.dir.Lstat(it.dst.name); err == nil && !info.ModTime().After(dfi.ModTime().Add(mtimeGranularity())) {
			return false, nil
		}
	}
	if t.verbose {
		c.logf(LevelInfo, "%s %s to %s", map[bool]string{false: "Copying", true: "Moving"}[t.move], it.src.abs, it.dst.abs)
	}
	if t.move && it.src.dir == it.dst.dir {
		return true, it.src.dir.Rename(it.src.name, it.dst.name)
	}
	if err := copyFile(ctx, it.src, it.dst); err != nil {
		return false, err
	}
	if t.preserve {
		if err := setModTime(it.dst, info.ModTime()); err != nil {
			return true, err
		}
	}
	if t.move {
		return true, it.src.dir.Remove(it.src.name)
	}
	return true, nil
}

// copyFile streams src into dst, atomically (fileops.Dir.WriteFile). As in
// Ant, permissions are not copied: a new file gets 0o644, a replaced one keeps
// its own.
func copyFile(ctx context.Context, src, dst loc) error {
	f, err := src.dir.Open(src.name)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	switch {
	case err != nil:
		return err
	case !fi.Mode().IsRegular():
		return fmt.Errorf("%s is not a regular file", src.abs)
	}
	_, err = dst.dir.WriteFile(ctx, dst.name, f, 0)
	return err
}

// removeIfNoFiles removes the directory root when nothing but directories is
// left below it, as Ant's move does with the directories it emptied. A
// protected directory keeps itself and loses only its empty subdirectories.
func (c *call) removeIfNoFiles(root loc) error {
	hasFile := false
	err := root.dir.Walk(root.name, func(_ string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !e.IsDir() {
			hasFile = true
			return fs.SkipAll
		}
		return nil
	})
	if err != nil || hasFile {
		return err
	}
	if c.p.protect(root.abs) == nil {
		return root.dir.RemoveAll(root.name)
	}
	entries, err := root.dir.ReadDir(root.name)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := root.dir.RemoveAll(root.join(e.Name()).name); err != nil {
			return err
		}
	}
	return nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
