package recipe_test

import (
	"errors"
	"os"
	"path/filepath"
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
