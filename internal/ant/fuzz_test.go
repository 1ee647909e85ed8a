package ant

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/bundlekit/bundlekit/recipe"
)

// FuzzParseBuildFile feeds arbitrary documents to recipe.ParseBuildFile, as
// the <ant> task does, and validates what it accepts: neither may panic,
// every element has a position, and every mistake is a *recipe.Error.
func FuzzParseBuildFile(f *testing.F) {
	f.Add([]byte(`<project default="a"><target name="a" depends="b"><echo>x</echo></target><target name="b"/></project>`))
	f.Add([]byte(`<project xmlns:r="antlib:org.rhq.bundle"><property name="a" value="1"/><target name="t"><r:audit status="WARN">d</r:audit>
<copy todir="x"><fileset dir="y" includes="**/*"><exclude name="z"/></fileset></copy><condition property="p"><and><os family="unix"/></and></condition>
<exec executable="sh"><arg line="-c 'a b'"/><env key="k" value="v"/></exec><ant antfile="o.xml"><property name="p" value="1"/></ant></target></project>`))
	f.Add([]byte(`<project><target name="t"><replace file="a"><replacetoken><![CDATA[x]]></replacetoken></replace><chmod perm="u+x" dir="."/></target></project>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		bf, err := recipe.ParseBuildFile(bytes.NewReader(data), recipe.WithFile("f.xml"))
		if err != nil {
			if len(recipe.Errors(err)) == 0 {
				t.Fatalf("error without *recipe.Error: %v", err)
			}
			return
		}
		var check func(ts []*recipe.Task)
		check = func(ts []*recipe.Task) {
			for _, tk := range ts {
				if tk.Pos.Line < 1 || tk.Pos.Col < 1 {
					t.Fatalf("task %s without position: %v", tk.Name, tk.Pos)
				}
				check(tk.Children)
			}
		}
		check(bf.Tasks)
		for _, tg := range bf.Targets {
			check(tg.Tasks)
		}
		p := &Project{file: bf.File, tasks: bf.Tasks, targets: bf.Targets, props: newProps()}
		if err := p.Validate(); err != nil {
			var all interface{ Unwrap() []error }
			if !errors.As(err, &all) {
				t.Fatalf("Validate error is not a list: %v", err)
			}
			for _, e := range all.Unwrap() {
				var re *recipe.Error
				if !errors.As(e, &re) {
					t.Fatalf("Validate error %v is not a *recipe.Error", e)
				}
			}
		}
	})
}

// FuzzReplacer compares the streaming replacer with bytes.ReplaceAll, reading
// the input in small and odd-sized pieces.
func FuzzReplacer(f *testing.F) {
	f.Add([]byte("aaa"), []byte("a"), []byte("b"))
	f.Add([]byte("abababa"), []byte("aba"), []byte("x"))
	f.Add([]byte("@@port@@ and @@port@@"), []byte("@@port@@"), []byte("8080"))
	f.Fuzz(func(t *testing.T, in, old, new []byte) {
		if len(old) == 0 {
			return
		}
		for _, r := range []io.Reader{bytes.NewReader(in), iotest.OneByteReader(bytes.NewReader(in)), iotest.HalfReader(bytes.NewReader(in))} {
			rp := &replacer{r: r, old: old, new: new}
			got, err := io.ReadAll(iotest.HalfReader(rp))
			if err != nil {
				t.Fatal(err)
			}
			if want := bytes.ReplaceAll(in, old, new); !bytes.Equal(got, want) {
				t.Fatalf("replace %q with %q in %q: got %q, want %q", old, new, in, got, want)
			}
			if want := bytes.Count(in, old); rp.n != want {
				t.Fatalf("counted %d replacements, want %d", rp.n, want)
			}
		}
	})
}

// FuzzSplitCommandLine: without quotes a line splits at spaces; with them it
// never panics, and balanced input never fails.
func FuzzSplitCommandLine(f *testing.F) {
	f.Add("-c 'a b' \"c d\" e")
	f.Add("a  b")
	f.Add("''")
	f.Fuzz(func(t *testing.T, s string) {
		got, err := splitCommandLine(s)
		if !strings.ContainsAny(s, `'"`) {
			want := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' })
			if err != nil || strings.Join(got, "\x00") != strings.Join(want, "\x00") || len(got) != len(want) {
				t.Fatalf("splitCommandLine(%q) = %q, %v; want %q", s, got, err, want)
			}
		}
	})
}

// FuzzParsePerm: a mode that parses applies without setting bits outside the
// permission and special bits.
func FuzzParsePerm(f *testing.F) {
	for _, s := range []string{"755", "4755", "u+x,go-w", "a=rX", "+x", "ug=rw-x+X"} {
		f.Add(s, uint32(0o644), false)
	}
	f.Fuzz(func(t *testing.T, s string, old uint32, isDir bool) {
		p, err := parsePerm(s)
		if err != nil {
			return
		}
		mode := p.apply(fs.FileMode(old), isDir)
		if mode&^(0o777|specialBits) != 0 {
			t.Fatalf("parsePerm(%q).apply(%o) = %v", s, old, mode)
		}
	})
}
