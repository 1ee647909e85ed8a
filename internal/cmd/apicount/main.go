// Command apicount counts the exported identifiers of bundlekit's public
// packages, so a change to the API surface can be measured rather than guessed.
//
// Usage (from the repository):
//
//	go run ./internal/cmd/apicount [module-dir]
//
// module-dir defaults to the current directory; pointing it at another
// checkout (a git worktree of an older commit) compares two states with the
// same counter.
//
// The output is a Markdown table. A public package is one under the module root that is not internal, not a
// command and not under examples/. The files counted are those the go command
// would build for the current GOOS and GOARCH, tests excluded. Counted, each
// once: exported types, exported functions, exported methods whose receiver
// type is exported, exported package-level vars and consts, exported fields of
// exported struct types and exported methods of exported interface types.
package main

import (
	"errors"
	"fmt"
	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
)

// count is one package's tally, by kind of identifier.
type count struct {
	types, funcs, methods, vars, consts, fields int
}

func (c count) add(d count) count {
	return count{c.types + d.types, c.funcs + d.funcs, c.methods + d.methods,
		c.vars + d.vars, c.consts + d.consts, c.fields + d.fields}
}

func (c count) total() int {
	return c.types + c.funcs + c.methods + c.vars + c.consts + c.fields
}

func main() {
	root := "."
	if len(os.Args) > 1 {
		root = os.Args[1]
	}
	if err := run(root); err != nil {
		fmt.Fprintln(os.Stderr, "apicount:", err)
		os.Exit(1)
	}
}

func run(root string) error {
	dirs, err := publicDirs(root)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 1, ' ', tabwriter.Debug)
	fmt.Fprintln(w, "| package\t types\t funcs\t methods\t vars\t consts\t fields\t total\t")
	fmt.Fprintln(w, "|---\t---\t---\t---\t---\t---\t---\t---\t")
	var sum count
	for _, dir := range dirs {
		c, err := countDir(filepath.Join(root, dir))
		if err != nil {
			return err
		}
		name := dir
		if dir == "." {
			name = "(root)"
		}
		fmt.Fprintf(w, "| %s\t %d\t %d\t %d\t %d\t %d\t %d\t %d\t\n", name, c.types, c.funcs, c.methods, c.vars, c.consts, c.fields, c.total())
		sum = sum.add(c)
	}
	fmt.Fprintf(w, "| all\t %d\t %d\t %d\t %d\t %d\t %d\t %d\t\n", sum.types, sum.funcs, sum.methods, sum.vars, sum.consts, sum.fields, sum.total())
	return w.Flush()
}

// publicDirs lists, relative to root and sorted, the directories holding a
// package that is part of the API.
func publicDirs(root string) ([]string, error) {
	var dirs []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		base := d.Name()
		if rel != "." && (base == "internal" || base == "examples" || base == "testdata" ||
			strings.HasPrefix(base, ".") || strings.HasPrefix(base, "_")) {
			return filepath.SkipDir
		}
		pkg, err := build.ImportDir(path, 0)
		var noGo *build.NoGoError
		if errors.As(err, &noGo) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if pkg.Name != "main" {
			dirs = append(dirs, filepath.ToSlash(rel))
		}
		return nil
	})
	slices.Sort(dirs)
	return dirs, err
}

func countDir(dir string) (count, error) {
	pkg, err := build.ImportDir(dir, 0)
	if err != nil {
		return count{}, fmt.Errorf("%s: %w", dir, err)
	}
	var c count
	fset := token.NewFileSet()
	for _, name := range pkg.GoFiles {
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.SkipObjectResolution)
		if err != nil {
			return count{}, err
		}
		countFile(f, &c)
	}
	return c, nil
}

func countFile(f *ast.File, c *count) {
	for _, decl := range f.Decls {
		switch d := decl.(type) {
		case *ast.FuncDecl:
			if !d.Name.IsExported() {
				continue
			}
			if d.Recv == nil {
				c.funcs++
			} else if receiverExported(d.Recv.List[0].Type) {
				c.methods++
			}
		case *ast.GenDecl:
			for _, spec := range d.Specs {
				countSpec(d.Tok, spec, c)
			}
		}
	}
}

func countSpec(tok token.Token, spec ast.Spec, c *count) {
	switch s := spec.(type) {
	case *ast.TypeSpec:
		if !s.Name.IsExported() {
			return
		}
		c.types++
		switch t := s.Type.(type) {
		case *ast.StructType:
			c.fields += exportedNames(t.Fields)
		case *ast.InterfaceType:
			c.methods += exportedNames(t.Methods)
		}
	case *ast.ValueSpec:
		for _, n := range s.Names {
			if !n.IsExported() {
				continue
			}
			if tok == token.CONST {
				c.consts++
			} else {
				c.vars++
			}
		}
	}
}

// exportedNames counts the exported names in a field list; an embedded field
// or interface counts under the name of its type.
func exportedNames(fields *ast.FieldList) int {
	n := 0
	for _, f := range fields.List {
		if len(f.Names) == 0 {
			if receiverExported(f.Type) {
				n++
			}
			continue
		}
		for _, name := range f.Names {
			if name.IsExported() {
				n++
			}
		}
	}
	return n
}

// receiverExported reports whether a receiver or embedded type expression
// (T, *T, T[P], pkg.T) names an exported type.
func receiverExported(expr ast.Expr) bool {
	switch t := expr.(type) {
	case *ast.StarExpr:
		return receiverExported(t.X)
	case *ast.IndexExpr:
		return receiverExported(t.X)
	case *ast.IndexListExpr:
		return receiverExported(t.X)
	case *ast.SelectorExpr:
		return t.Sel.IsExported()
	case *ast.Ident:
		return t.IsExported()
	}
	return false
}
