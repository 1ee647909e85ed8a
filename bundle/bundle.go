package bundle

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/bundlekit/bundlekit/recipe"
)

// RecipeFile is the name of the recipe at the top of every bundle (or of
// deployment.xml, for a service package).
const RecipeFile = "deploy.xml"

// ErrNoRecipe: the bundle has neither deploy.xml nor deployment.xml at its top
// level.
var ErrNoRecipe = errors.New("no " + RecipeFile + " at the top of the bundle")

// Bundle is an opened bundle: its recipe, parsed and validated, and its files.
type Bundle struct {
	// Source names where the bundle was opened from, for messages.
	Source string
	// Recipe is the parsed deploy.xml. It has not been expanded with any
	// deployment's properties.
	Recipe *recipe.Recipe
	// Files lists every regular file of the bundle, sorted, with / separators
	// (deploy.xml included).
	Files []string
	// Service is the bundle's deployment.xml, when it has one: commands run
	// after the content is in place (install) and before it is removed
	// (uninstall). A bundle with only a deployment.xml deploys every file as
	// it is, with full compliance.
	Service *recipe.ServicePackage

	fsys    fs.FS
	dirPath string // set when the bundle is a directory on disk
	closer  io.Closer
}

// Open opens the bundle at source: a directory or a .zip bundle distribution.
// deploy.xml must be at the top. The recipe is parsed and every file it refers to
// must exist in the bundle; all problems are reported at once. A .zip bundle
// is checked entry by entry first, with fileops.DefaultLimits (see OpenWith).
// ctx is checked while the bundle is listed and hashed: once it is done, Open
// returns an error wrapping ctx.Err().
func Open(ctx context.Context, source string) (*Bundle, error) {
	return OpenWith(ctx, source, OpenOptions{})
}

// openDir opens the bundle directory source.
func openDir(ctx context.Context, source string) (*Bundle, error) {
	b, err := openFS(ctx, os.DirFS(source), source)
	if err != nil {
		return nil, err
	}
	b.dirPath = source
	return b, nil
}

// OpenFS opens a bundle held in any fs.FS, as Open does; name is used in
// messages.
func OpenFS(ctx context.Context, fsys fs.FS, name string) (*Bundle, error) {
	b, err := openFS(ctx, fsys, name)
	if err != nil {
		return nil, invalid(err)
	}
	return b, nil
}

func openFS(ctx context.Context, fsys fs.FS, name string) (*Bundle, error) {
	b := &Bundle{Source: name, fsys: fsys}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.Type().IsRegular() {
			b.Files = append(b.Files, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("open bundle %s: %w", name, err)
	}
	if err := b.openServicePackage(); err != nil {
		return nil, err
	}
	f, err := fsys.Open(RecipeFile)
	switch {
	case errors.Is(err, fs.ErrNotExist) && b.Service != nil:
		if b.Recipe, err = servicePackageRecipe(ctx, b); err != nil {
			return nil, fmt.Errorf("open bundle %s: %w", name, err)
		}
		return b, nil
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("open bundle %s: %w%s", name, ErrNoRecipe, b.recipeHint())
	case err != nil:
		return nil, fmt.Errorf("open bundle %s: %w", name, err)
	}
	defer f.Close()
	r, err := recipe.Parse(f, recipe.WithFile(RecipeFile))
	if err != nil {
		return nil, err
	}
	b.Recipe = r
	if err := b.checkFiles(r); err != nil {
		return nil, err
	}
	return b, nil
}

// recipeHint points at a deploy.xml one level down, the usual packaging mistake.
func (b *Bundle) recipeHint() string {
	for _, f := range b.Files {
		if path.Base(f) == RecipeFile && strings.Count(f, "/") == 1 {
			return fmt.Sprintf(" (found %s: the bundle's top must be the directory that holds it)", f)
		}
	}
	return ""
}

// checkFiles reports every file the recipe r names that the bundle lacks, at
// the element that names it (R175): a *recipe.Error whose Err is a
// *MissingFileError. A name holding ${…} is checked once r is expanded.
func (b *Bundle) checkFiles(r *recipe.Recipe) error {
	u := r.Bundle.Unit
	var errs []error
	missing := func(name string, pos recipe.Pos, elem string) {
		if name == "" || strings.Contains(name, "${") || slices.Contains(b.Files, path.Clean(strings.ReplaceAll(name, `\`, "/"))) {
			return
		}
		errs = append(errs, &recipe.Error{Pos: pos, Element: fmt.Sprintf("<%s name=%q>", elem, name),
			Err: &MissingFileError{Name: name, Bundle: b.Source}})
	}
	for _, f := range u.Files {
		if f.URL == "" {
			missing(f.Name, f.Pos, "rhq:file")
		}
	}
	for _, a := range u.Archives {
		if a.URL == "" {
			missing(a.Name, a.Pos, "rhq:archive")
		}
	}
	if s := u.SystemService; s != nil {
		missing(s.ScriptFile, s.Pos, "rhq:system-service")
		missing(s.ConfigFile, s.Pos, "rhq:system-service")
	}
	return errors.Join(errs...)
}

// MissingFileError is a file the recipe names that is not in the bundle
// (R175). It wraps recipe.ErrMissing.
type MissingFileError struct {
	// Name is the file as the recipe names it.
	Name string
	// Bundle is the bundle's Source.
	Bundle string
}

func (e *MissingFileError) Error() string {
	return fmt.Sprintf("%v: %s is not in the bundle %s", recipe.ErrMissing, e.Name, e.Bundle)
}

func (e *MissingFileError) Unwrap() error { return recipe.ErrMissing }

// FS returns the bundle's files.
func (b *Bundle) FS() fs.FS { return b.fsys }

// Close releases the bundle (the open zip file of a .zip bundle).
func (b *Bundle) Close() error {
	if b.closer == nil {
		return nil
	}
	return b.closer.Close()
}
