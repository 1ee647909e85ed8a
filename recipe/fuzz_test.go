package recipe_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/bundlekit/bundlekit/recipe"
)

func addSeeds(f *testing.F, pattern string) {
	files, err := filepath.Glob(pattern)
	if err != nil || len(files) == 0 {
		f.Fatalf("no seeds for %s: %v", pattern, err)
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}

// checkErrors fails unless err is made only of *recipe.Error values that each
// carry a file and a line: a recipe error must always say where.
func checkErrors(t *testing.T, err error, file string) {
	errs := recipe.Errors(err)
	if len(errs) == 0 {
		t.Fatalf("error without a position: %v", err)
	}
	for _, e := range errs {
		if e.Pos.File != file || e.Pos.Line < 1 || e.Pos.Col < 1 {
			t.Fatalf("error without a full position: %#v", e)
		}
		if e.Err == nil || !errors.Is(e, e.Err) {
			t.Fatalf("error without a reason: %#v", e)
		}
	}
}

func FuzzParse(f *testing.F) {
	addSeeds(f, "testdata/*.xml")
	f.Add([]byte(unit(`<rhq:archive name="a.zip" destinationDir="${d}" exploded="true"><rhq:replace><rhq:fileset dir="x" includes="**/*.y"/></rhq:replace></rhq:archive>`)))
	f.Add([]byte(project(`<target name="a" depends="b"/><target name="b" depends="a"/>`)))
	f.Add([]byte(requiresBundle(`bk:requires-os="linux/amd64,darwin" bk:requires-free-space="2GiB" bk:requires-paths="/usr/lib/jvm/ '/a b'" ` +
		`bk:requires-deployments="/opt/db:db:[1.2,2.0)" bk:requires-check="/bin/test -d ${d}" bk:requires-check-codes="0,3:5"`)))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := recipe.Parse(strings.NewReader(string(data)))
		if err != nil {
			checkErrors(t, err, "deploy.xml")
			return
		}
		if r.Bundle.Pos.Line < 1 || r.Bundle.Unit == nil || r.Bundle.Unit.Pos.Line < 1 {
			t.Fatalf("accepted recipe without a positioned bundle and unit: %+v", r.Bundle)
		}
		_ = r.BundleFiles()
		x, err := r.Expand(recipe.Env{Properties: map[string]string{"d": "dir", "a": "${a}", "rhq.deploy.dir": "/opt/x"}, Basedir: "/b", DeployDir: "/d"})
		if err != nil {
			checkErrors(t, err, "deploy.xml")
			return
		}
		if x.Bundle.Unit == nil {
			t.Fatal("expanded recipe lost its unit")
		}
	})
}

func FuzzParseServicePackage(f *testing.F) {
	f.Add([]byte(vendorExample))
	f.Add([]byte(strings.Replace(vendorExample, "successCodes=0/>", `successCodes="0"/>`, 1)))
	f.Fuzz(func(t *testing.T, data []byte) {
		sp, err := recipe.ParseServicePackage(strings.NewReader(string(data)))
		if err != nil {
			checkErrors(t, err, "deployment.xml")
			return
		}
		for _, c := range []*recipe.Commands{sp.Install, sp.Uninstall} {
			if c == nil {
				continue
			}
			for _, ot := range c.OSTypes {
				if ot.Name == "" || ot.StartCmd == "" || ot.Timeout <= 0 {
					t.Fatalf("accepted an incomplete osType: %+v", ot)
				}
			}
		}
	})
}

// FuzzParseBuildFile: a build file is accepted with a position on every
// target and task, or refused with positioned *recipe.Error values.
func FuzzParseBuildFile(f *testing.F) {
	f.Add([]byte(`<project default="a"><target name="a" depends="b"><echo>x</echo></target><target name="b"/></project>`))
	f.Add([]byte(`<project xmlns:r="antlib:org.rhq.bundle"><property name="a" value="1"/><target name="t"><r:audit status="WARN">d</r:audit>
<copy todir="x"><fileset dir="y" includes="**/*"><exclude name="z"/></fileset></copy></target></project>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		bf, err := recipe.ParseBuildFile(strings.NewReader(string(data)))
		if err != nil {
			checkErrors(t, err, "build.xml")
			return
		}
		var check func(ts []*recipe.Task)
		check = func(ts []*recipe.Task) {
			for _, tk := range ts {
				if tk.Pos.File != "build.xml" || tk.Pos.Line < 1 || tk.Pos.Col < 1 {
					t.Fatalf("task %s without a position: %v", tk.Name, tk.Pos)
				}
				check(tk.Children)
			}
		}
		check(bf.Tasks)
		for _, tg := range bf.Targets {
			if tg.Name == "" || tg.Pos.Line < 1 {
				t.Fatalf("accepted a target without a name or a position: %+v", tg)
			}
			check(tg.Tasks)
		}
	})
}

// FuzzSplitWords: what JoinWords writes, SplitWords reads back.
func FuzzSplitWords(f *testing.F) {
	for _, s := range []string{`/usr/bin/test -d '/var/lib/my db'`, `a "b 'c'" d"e f"g`, `C:\x "C:\Program Files\y"`, `'`, `''`, "a\tb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		words, err := recipe.SplitWords(s)
		if err != nil {
			return
		}
		back, err := recipe.SplitWords(recipe.JoinWords(words))
		if err != nil || !reflect.DeepEqual(words, back) {
			t.Fatalf("%q: words %q written as %q read back as %q, %v", s, words, recipe.JoinWords(words), back, err)
		}
	})
}

// FuzzParseConditions: the syntaxes of the bk:requires-* attributes and the
// deployer's flags; what is accepted is written back by String in a form
// that reads the same.
func FuzzParseConditions(f *testing.F) {
	for _, s := range []string{"linux/amd64,darwin", "2GiB", "1.5 MB", "/usr/lib/jvm/", `C:\`, "/opt/db:db:[1.2,2.0)", `C:\db:db:*`, "[1.2,)", "(,2.0]", "1.0-rc1", "*"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if c, err := recipe.ParseOS(s); err == nil {
			if again, err := recipe.ParseOS(c.String()); err != nil || !reflect.DeepEqual(c, again) {
				t.Fatalf("os %q: %q reads back as %v, %v", s, c.String(), again, err)
			}
		}
		if n, err := recipe.ParseSize(s); err == nil && n < 0 {
			t.Fatalf("size %q: %d", s, n)
		}
		if c, err := recipe.ParsePath(s); err == nil {
			if again, err := recipe.ParsePath(c.String()); err != nil || c != again {
				t.Fatalf("path %q: %q reads back as %v, %v", s, c.String(), again, err)
			}
		}
		if c, err := recipe.ParseDeployment(s); err == nil {
			if again, err := recipe.ParseDeployment(c.String()); err != nil || c != again {
				t.Fatalf("deployment %q: %q reads back as %v, %v", s, c.String(), again, err)
			}
		}
		if r, err := recipe.ParseVersionRange(s); err == nil {
			if again, err := recipe.ParseVersionRange(r.String()); err != nil || r != again {
				t.Fatalf("range %q: %q reads back as %v, %v", s, r.String(), again, err)
			}
			if r.Min != "" && r.Contains(r.Min) != r.MinIncluded || r.Max != "" && r.Contains(r.Max) != r.MaxIncluded {
				t.Fatalf("range %q: its ends are not as included as it says", s)
			}
		}
		if c := recipe.CompareVersions(s, s); c != 0 {
			t.Fatalf("version %q compares %d with itself", s, c)
		}
	})
}
