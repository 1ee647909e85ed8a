package ant

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/bundlekit/bundlekit/internal/antglob"
	"github.com/bundlekit/bundlekit/recipe"
)

// defaultExcludes are Ant's default excludes (DirectoryScanner), applied to
// every fileset unless defaultexcludes="no": editor backups and version
// control metadata.
var defaultExcludes = []string{
	"**/*~", "**/#*#", "**/.#*", "**/%*%", "**/._*",
	"**/CVS", "**/CVS/**", "**/.cvsignore",
	"**/SCCS", "**/SCCS/**", "**/vssver.scc",
	"**/.svn", "**/.svn/**", "**/.DS_Store",
	"**/.git", "**/.git/**", "**/.gitattributes", "**/.gitignore", "**/.gitmodules",
	"**/.hg", "**/.hg/**", "**/.hgignore", "**/.hgsub", "**/.hgsubstate", "**/.hgtags",
	"**/.bzr", "**/.bzr/**", "**/.bzrignore",
}

// fileset is an Ant <fileset>, or the implicit fileset of a task with a dir
// attribute and include/exclude patterns (delete, chmod, replace, zip).
type fileset struct {
	pos             recipe.Pos
	dir             string
	includes        []string
	excludes        []string
	defaultExcludes bool
	caseSensitive   bool
	errorOnMissing  bool
}

// patternAttrs are the attributes every pattern-taking element supports.
var patternAttrs = []string{"includes", "excludes", "defaultexcludes", "casesensitive"}

// decodeFileset reads a nested <fileset>: dir (or file, a one-file set),
// includes, excludes, defaultexcludes, casesensitive, erroronmissingdir, and
// nested include, exclude and patternset.
func decodeFileset(d *decoder) *fileset {
	d.attrs(append([]string{"dir", "file", "erroronmissingdir"}, patternAttrs...)...)
	set := &fileset{pos: d.t.Pos, errorOnMissing: d.boolean("erroronmissingdir", true)}
	switch {
	case d.has("dir") && d.has("file"):
		d.errorf(recipe.ErrConflict, "give dir or file, not both")
	case d.has("file"):
		file := d.str("file")
		set.dir, set.includes = path.Dir(slashes(file)), []string{path.Base(slashes(file))}
	default:
		set.dir = d.required("dir")
	}
	d.patterns(set)
	return set
}

// implicitFileset reads the fileset a task forms from its dir attribute,
// pattern attributes and nested include, exclude and patternset elements
// (Ant's MatchingTask). Unless always is set, it returns nil when the task
// uses none of the pattern attributes or elements, so that the dir attribute
// keeps its plain meaning (<delete dir> deletes the whole directory).
func implicitFileset(d *decoder, dirAttr string, children []*decoder, always bool) *fileset {
	used := always
	for _, a := range patternAttrs {
		used = used || d.has(a)
	}
	for _, c := range children {
		switch c.name() {
		case "include", "exclude", "patternset":
			used = true
		}
	}
	if !used {
		return nil
	}
	set := &fileset{pos: d.t.Pos, dir: d.str(dirAttr), errorOnMissing: true}
	if !d.has(dirAttr) {
		d.errorf(recipe.ErrMissing, "include and exclude patterns need the %q attribute", dirAttr)
	}
	d.patternAttrs(set)
	for _, c := range children {
		c.patternChild(set)
	}
	return set
}

// patterns reads the pattern attributes and nested pattern elements of an
// element that only takes those (fileset, patternset).
func (d *decoder) patterns(set *fileset) {
	d.patternAttrs(set)
	for _, c := range d.children("include", "exclude", "patternset") {
		c.patternChild(set)
	}
}

func (d *decoder) patternAttrs(set *fileset) {
	set.includes = append(set.includes, d.patternList("includes")...)
	set.excludes = append(set.excludes, d.patternList("excludes")...)
	set.defaultExcludes = d.boolean("defaultexcludes", true)
	set.caseSensitive = d.boolean("casesensitive", true)
}

// patternChild reads a nested include, exclude or patternset into set; other
// children are the caller's.
func (d *decoder) patternChild(set *fileset) {
	switch d.name() {
	case "include", "exclude":
		d.attrs("name")
		p := d.required("name")
		d.checkPattern(p)
		if d.name() == "include" {
			set.includes = append(set.includes, p)
		} else {
			set.excludes = append(set.excludes, p)
		}
	case "patternset":
		d.attrs("includes", "excludes")
		set.includes = append(set.includes, d.patternList("includes")...)
		set.excludes = append(set.excludes, d.patternList("excludes")...)
		for _, c := range d.children("include", "exclude") {
			c.patternChild(set)
		}
	}
}

// patternList reads a comma- or space-separated list of patterns.
func (d *decoder) patternList(name string) []string {
	v, ok := d.value(name)
	if !ok {
		return nil
	}
	list := strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' })
	for _, p := range list {
		d.checkPattern(p)
	}
	return list
}

func (d *decoder) checkPattern(p string) {
	if d.deferred(p) {
		return
	}
	if _, err := antglob.Compile(p); err != nil {
		d.errorf(recipe.ErrInvalid, "pattern %q: %v", p, err)
	}
}

// scanned is what a fileset selected: paths relative to root, "/"-separated,
// in lexical order. dirs may hold "" for root itself.
type scanned struct {
	root  loc
	files []string
	dirs  []string
}

// scan walks the fileset's directory and selects its files and directories as
// Ant's DirectoryScanner does. Symbolic links are not followed: a link to a
// file in the same directory tree counts as a file; a link to a directory, or
// one that leads out of the tree or nowhere, is skipped with a warning
// (fileops walks never follow links, R78 GO); a fileset directory that is a
// link is an error. A missing directory is an error
// when erroronmissingdir is true, else it selects nothing. The caller closes
// the root.
func (c *call) scan(ctx context.Context, set *fileset) (scanned, error) {
	excludes := set.excludes
	if set.defaultExcludes {
		excludes = append(excludes[:len(excludes):len(excludes)], defaultExcludes...)
	}
	match, err := antglob.NewSet("", set.includes, excludes, antglob.CaseSensitive(set.caseSensitive))
	if err != nil {
		return scanned{}, err
	}
	abs := c.p.resolve(set.dir)
	root, err := c.p.locate(abs, false)
	if err == nil {
		var fi fs.FileInfo
		if fi, err = root.dir.Lstat(root.name); err == nil && !fi.IsDir() {
			root.close()
			if fi.Mode()&fs.ModeSymlink != 0 {
				return scanned{}, fmt.Errorf("fileset directory %s is a symbolic link, which is not followed; name the directory it points to", abs)
			}
			return scanned{}, fmt.Errorf("fileset directory %s is not a directory", abs)
		}
	}
	if err != nil {
		root.close()
		if notExist(err) && !set.errorOnMissing {
			return scanned{}, nil
		}
		if notExist(err) {
			return scanned{}, fmt.Errorf("fileset directory %s does not exist", abs)
		}
		return scanned{}, err
	}
	out := scanned{root: root}
	err = root.dir.Walk(root.name, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		rel := p
		if root.name != "" {
			rel = strings.TrimPrefix(strings.TrimPrefix(p, root.name), "/")
		}
		if rel == "." {
			rel = ""
		}
		isDir := e.IsDir()
		if e.Type()&fs.ModeSymlink != 0 {
			switch fi, err := root.join(rel).stat(); {
			case err != nil:
				c.logf(LevelWarning, "symbolic link %s is skipped: it leads nowhere or out of %s", root.join(rel).abs, root.dir.Path())
				return nil
			case fi.IsDir():
				c.logf(LevelWarning, "symbolic link %s to a directory is not followed", root.join(rel).abs)
				return nil
			}
		}
		if !match.Match(rel) {
			return nil
		}
		if isDir {
			out.dirs = append(out.dirs, rel)
		} else {
			out.files = append(out.files, rel)
		}
		return nil
	})
	if err != nil {
		root.close()
		return scanned{}, err
	}
	return out, nil
}

func slashes(s string) string { return strings.ReplaceAll(s, `\`, "/") }
