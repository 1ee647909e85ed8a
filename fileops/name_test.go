package fileops_test

import (
	"context"
	"io/fs"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/fileops"
	"github.com/bundlekit/bundlekit/internal/testtree"
)

// nameTests: which names a Dir accepts. unix and windows say whether the name
// is valid there.
var nameTests = []struct {
	name           string
	unix, windows  bool
	dirItselfValid bool // "" and ".": valid where an operation may name the directory itself
}{
	{name: "a", unix: true, windows: true},
	{name: "a/b/c.txt", unix: true, windows: true},
	{name: ".hidden", unix: true, windows: true},
	{name: "a..b/..c", unix: true, windows: true},
	{name: "with space", unix: true, windows: true},
	{name: "ünïcödé", unix: true, windows: true},
	{name: `back\slash`, unix: true}, // an ordinary character on Unix
	{name: "ab:c", unix: true},       // an alternate data stream on Windows
	{name: "a:b"},                    // a drive letter
	{name: "NUL", unix: true},
	{name: "", dirItselfValid: true},
	{name: ".", dirItselfValid: true},
	{name: ".."},
	{name: "../x"},
	{name: "a/../../b"},
	{name: "a/../b"},
	{name: "a/.."},
	{name: "/abs"},
	{name: "/"},
	{name: "a\x00b"},
	{name: "C:x"},
	{name: "c:/Windows"},
	{name: "a//b"},
	{name: "./a"},
	{name: "a/."},
	{name: "a/"},
	{name: `..\x`, unix: true}, // one odd file name on Unix, an escape on Windows
}

func validHere(valid struct{ unix, windows bool }) bool {
	if runtime.GOOS == "windows" {
		return valid.windows
	}
	return valid.unix
}

func TestCheckName(t *testing.T) {
	for _, tt := range nameTests {
		t.Run(tt.name, func(t *testing.T) {
			err := fileops.CheckName(tt.name)
			if validHere(struct{ unix, windows bool }{tt.unix, tt.windows}) {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, fileops.ErrUnsafePath)
			var pe *fs.PathError
			require.ErrorAs(t, err, &pe)
			require.Equal(t, tt.name, pe.Path)
		})
	}
}

// TestDirRefusesNames runs every Dir operation on every name: an invalid name
// fails with ErrUnsafePath and touches nothing, inside or outside the
// directory.
func TestDirRefusesNames(t *testing.T) {
	ctx := context.Background()
	ops := []struct {
		op       string
		dirValid bool // accepts "" and "." for the directory itself
		run      func(d *fileops.Dir, name string) error
	}{
		{"Lstat", true, func(d *fileops.Dir, name string) error { _, err := d.Lstat(name); return err }},
		{"Open", true, func(d *fileops.Dir, name string) error {
			f, err := d.Open(name)
			if err == nil {
				f.Close()
			}
			return err
		}},
		{"HashFile", false, func(d *fileops.Dir, name string) error { _, err := d.HashFile(name); return err }},
		{"ReadDir", true, func(d *fileops.Dir, name string) error { _, err := d.ReadDir(name); return err }},
		{"MkdirAll", true, func(d *fileops.Dir, name string) error { return d.MkdirAll(name, 0o755) }},
		{"WriteFile", false, func(d *fileops.Dir, name string) error {
			_, err := d.WriteFile(ctx, name, strings.NewReader("x"), 0)
			return err
		}},
		{"Copy from", false, func(d *fileops.Dir, name string) error { _, err := d.Copy(ctx, name, "copy"); return err }},
		{"Copy to", false, func(d *fileops.Dir, name string) error { _, err := d.Copy(ctx, "src", name); return err }},
		{"Rename from", false, func(d *fileops.Dir, name string) error { return d.Rename(name, "renamed") }},
		{"Rename to", false, func(d *fileops.Dir, name string) error { return d.Rename("src", name) }},
		{"Remove", false, func(d *fileops.Dir, name string) error { return d.Remove(name) }},
		{"RemoveAll", false, func(d *fileops.Dir, name string) error { return d.RemoveAll(name) }},
		{"Walk", true, func(d *fileops.Dir, name string) error {
			return d.Walk(name, func(string, fs.DirEntry, error) error { return nil })
		}},
	}
	for _, tt := range nameTests {
		if validHere(struct{ unix, windows bool }{tt.unix, tt.windows}) {
			continue
		}
		for _, op := range ops {
			if tt.dirItselfValid && op.dirValid {
				continue
			}
			t.Run(op.op+"/"+tt.name, func(t *testing.T) {
				top := t.TempDir()
				testtree.Write(t, top, "outside/x=secret", "d/src=source", "d/a/b=inner")
				d, err := fileops.OpenDir(filepath.Join(top, "d"))
				require.NoError(t, err)
				defer d.Close()

				before := testtree.Lines(t, top)
				err = op.run(d, tt.name)
				require.ErrorIs(t, err, fileops.ErrUnsafePath)
				var pe *fs.PathError
				require.ErrorAs(t, err, &pe)
				require.True(t, strings.HasPrefix(pe.Path, d.Path()), "error path %q names the directory", pe.Path)

				require.Equal(t, before, testtree.Lines(t, top), "nothing created, changed or removed")
			})
		}
	}
}
