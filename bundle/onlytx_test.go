package bundle_test

import (
	"bufio"
	"bytes"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Calls that change a file system. Package bundle may make none of them: every
// change to a destination goes through journal.Tx, which records it first, and
// the staging area has its own package (ARCHITECTURE: "the engine gets no other
// handle that can write").
var (
	writingFuncs = map[string]map[string]bool{
		"os": set("Create", "CreateTemp", "WriteFile", "Mkdir", "MkdirAll", "MkdirTemp", "Remove", "RemoveAll",
			"Rename", "Symlink", "Link", "Chmod", "Chown", "Lchown", "Chtimes", "Truncate", "OpenFile", "OpenRoot"),
		"github.com/bundlekit/bundlekit/fileops": set("CreateDir"),
	}
	writingMethods = map[string]map[string]bool{
		"github.com/bundlekit/bundlekit/fileops.Dir": set("WriteFile", "Copy", "MkdirAll", "Remove", "RemoveAll", "Rename",
			"MoveByCopy", "Symlink", "Link", "OpenFile", "Chmod"),
		"os.Root": set("Create", "WriteFile", "Mkdir", "MkdirAll", "Remove", "RemoveAll", "Rename", "Symlink", "Link",
			"Chmod", "Chown", "Lchown", "Chtimes", "OpenFile", "OpenRoot"),
		"os.File": set("Write", "WriteString", "WriteAt", "ReadFrom", "Truncate", "Chmod", "Chown"),
	}
)

func set(names ...string) map[string]bool {
	m := map[string]bool{}
	for _, n := range names {
		m[n] = true
	}
	return m
}

// TestOnlyTheTransactionWrites type-checks the package's own (non-test) files
// and fails on any call that writes to a file system.
func TestOnlyTheTransactionWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	exports := exportData(t)
	fset := token.NewFileSet()
	names, err := filepath.Glob("*.go")
	require.NoError(t, err)
	var files []*ast.File
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		require.NoError(t, err)
		files = append(files, f)
	}
	conf := types.Config{Importer: importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
		return os.Open(exports[path])
	})}
	info := &types.Info{Uses: map[*ast.Ident]types.Object{}}
	_, err = conf.Check("github.com/bundlekit/bundlekit/bundle", fset, files, info)
	require.NoError(t, err)
	calls := 0
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			fn, ok := info.Uses[sel.Sel].(*types.Func)
			if !ok || fn.Pkg() == nil {
				return true
			}
			calls++
			where := fset.Position(call.Pos())
			recv := fn.Signature().Recv()
			if recv == nil {
				if writingFuncs[fn.Pkg().Path()][fn.Name()] {
					t.Errorf("%s: %s.%s writes to a file system outside journal.Tx", where, fn.Pkg().Name(), fn.Name())
				}
				return true
			}
			typ := recv.Type()
			if p, ok := typ.(*types.Pointer); ok {
				typ = p.Elem()
			}
			if named, ok := typ.(*types.Named); ok && named.Obj().Pkg() != nil {
				key := named.Obj().Pkg().Path() + "." + named.Obj().Name()
				if writingMethods[key][fn.Name()] {
					t.Errorf("%s: (%s).%s writes to a file system outside journal.Tx", where, key, fn.Name())
				}
			}
			return true
		})
	}
	require.Greater(t, calls, 100, "the check saw the package's calls")
}

// exportData maps the import path of every dependency of the package to its
// compiled export data, which go list builds (or finds in the build cache).
func exportData(t *testing.T) map[string]string {
	t.Helper()
	cmd := exec.Command("go", "list", "-export", "-deps", "-f", "{{.ImportPath}}\t{{.Export}}", ".")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "go list: %s", stderr.String())
	exports := map[string]string{}
	lines := bufio.NewScanner(bytes.NewReader(out))
	for lines.Scan() {
		path, file, _ := strings.Cut(lines.Text(), "\t")
		exports[path] = file
	}
	return exports
}
