package antglob_test

import (
	"fmt"

	"github.com/bundlekit/bundlekit/internal/antglob"
)

func ExampleCompile() {
	p, err := antglob.Compile("**/*.properties")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, name := range []string{"app.properties", "conf/db.properties", "conf/db.properties.bak"} {
		fmt.Println(name, p.Match(name))
	}
	// Output:
	// app.properties true
	// conf/db.properties true
	// conf/db.properties.bak false
}

func ExampleCompile_caseInsensitive() {
	p, _ := antglob.Compile(`Logs\*.LOG`, antglob.CaseSensitive(false))
	fmt.Println(p.Match("logs/server.log"))
	// Output: true
}

func ExampleCompileIn() {
	// <rhq:fileset dir="conf"><include name="*.xml"/></rhq:fileset>
	p, err := antglob.CompileIn("conf", "*.xml")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p.Match("conf/server.xml"), p.Match("server.xml"), p.Match("conf/sub/server.xml"))

	_, err = antglob.CompileIn("../outside", "*.xml")
	fmt.Println(err)
	// Output:
	// true false false
	// antglob: directory "../outside": the directory climbs out of its base with ".."
}

func ExampleNewSet() {
	// <rhq:replace>
	//   <rhq:fileset dir="conf" includes="a,b">
	//     <include name="**/*.properties"/>
	//     <exclude name="x/**"/>
	//   </rhq:fileset>
	// </rhq:replace>
	s, err := antglob.NewSet("conf", []string{"a", "b", "**/*.properties"}, []string{"x/**"})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, name := range []string{"conf/a", "conf/b", "conf/y/db.properties", "conf/x/db.properties", "b"} {
		fmt.Println(name, s.Match(name))
	}
	// Output:
	// conf/a true
	// conf/b true
	// conf/y/db.properties true
	// conf/x/db.properties false
	// b false
}

func ExampleSet_MatchDir() {
	// <rhq:ignore><rhq:fileset>
	//   <include name="logs/"/>
	//   <include name="data/**"/>
	//   <exclude name="data/seed/**"/>
	// </rhq:fileset></rhq:ignore>
	s, _ := antglob.NewSet("", []string{"logs/", "data/**"}, []string{"data/seed/**"})

	fmt.Println(s.MatchDir("logs")) // ignore the whole directory, do not descend
	fmt.Println(s.MatchDir("data")) // an exclude reaches inside: descend
	fmt.Println(s.Match("data/cache.db"), s.MatchDir("data/seed"), s.Match("data/seed/init.sql"))
	// Output:
	// true
	// false
	// true false false
}
