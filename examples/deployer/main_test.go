package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"deployer": func() {
			installTestFaults()
			os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
		},
	})
}

// TestScript runs testdata/script/*.txtar: each is a session with the real
// deployer binary on real files. $BUNDLES is examples/bundles.
func TestScript(t *testing.T) {
	bundles, err := filepath.Abs(filepath.Join("..", "bundles"))
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir: filepath.Join("testdata", "script"),
		Setup: func(env *testscript.Env) error {
			env.Setenv("BUNDLES", bundles)
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"jsonl":     cmdJSONL,
			"exits":     cmdExits,
			"waitfile":  cmdWaitFile,
			"mkbundle":  cmdMkBundle,
			"zeros":     cmdZeros,
			"sha256env": cmdSHA256Env,
			"snapshot":  cmdSnapshot,
		},
	})
}

// cmdJSONL checks JSON Lines output: "jsonl FILE PATH WANT" finds the one result
// object in FILE (and fails unless there is exactly one, and every other line is
// an entry or an event object), then compares the value at PATH with WANT, a
// JSON value. PATH is dotted (differences.added) or, for keys that hold dots, a
// JSON array of keys. "jsonl FILE events TYPE" checks that at least one event of
// that type was written; "jsonl FILE entry PATH ACTION" that the plan had an
// entry for PATH with that action; "jsonl FILE entries N" that it had N entry
// lines, each for a different path.
//
// Every call also checks the contract between entries and file events: a
// dry run writes no file event; a successful real run writes exactly one file
// event for each entry whose action writes (add, change, delete, restore,
// handover), with the same path, action and rule, and no other.
func cmdJSONL(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 && !(len(args) == 4 && args[1] == "entry") {
		ts.Fatalf("usage: jsonl FILE PATH WANT")
	}
	var results []map[string]any
	events := map[string]int{}
	writing := map[string]bool{"add": true, "change": true, "delete": true, "restore": true, "handover": true}
	entries, planned, fileEvents := map[string]bool{}, map[string]int{}, map[string]int{}
	entryLines, entryPaths := 0, map[string]bool{}
	line := func(obj map[string]any) string {
		return fmt.Sprintf("%v %v %v", obj["path"], obj["action"], obj["rule"])
	}
	sc := bufio.NewScanner(strings.NewReader(ts.ReadFile(args[0])))
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var obj map[string]any
		if err := json.Unmarshal(sc.Bytes(), &obj); err != nil {
			ts.Fatalf("not a JSON line: %q: %v", sc.Text(), err)
		}
		switch obj["type"] {
		case "result":
			results = append(results, obj)
		case "event":
			if e, ok := obj["event"].(string); ok {
				events[e]++
			}
			if obj["event"] == "file" {
				fileEvents[line(obj)]++
			}
		case "entry":
			entries[fmt.Sprintf("%v %v", obj["path"], obj["action"])] = true
			entryLines++
			entryPaths[fmt.Sprint(obj["path"])] = true
			if a, _ := obj["action"].(string); writing[a] {
				planned[line(obj)]++
			}
		default:
			ts.Fatalf("a JSON line without type result, entry or event: %s", sc.Text())
		}
	}
	if len(results) != 1 {
		ts.Fatalf("%d result objects, want exactly 1", len(results))
	}
	res := results[0]
	switch {
	case res["dryRun"] == true && len(fileEvents) > 0:
		ts.Fatalf("a dry run wrote file events: %v", fileEvents)
	case res["dryRun"] == false && res["ok"] == true && len(entries) > 0 && !reflect.DeepEqual(planned, fileEvents):
		ts.Fatalf("the file events do not match the entries that write:\nentries: %v\nevents:  %v", planned, fileEvents)
	}
	if args[1] == "entry" {
		if entries[args[2]+" "+args[3]] == neg {
			ts.Fatalf("entry %s %s: %t", args[2], args[3], !neg)
		}
		return
	}
	if args[1] == "entries" {
		if len(entryPaths) != entryLines {
			ts.Fatalf("%d entry lines for %d paths", entryLines, len(entryPaths))
		}
		if (strconv.Itoa(entryLines) == args[2]) == neg {
			ts.Fatalf("%d entry lines, want %s%s", entryLines, map[bool]string{true: "anything but ", false: ""}[neg], args[2])
		}
		return
	}
	if args[1] == "events" {
		if (events[args[2]] > 0) == neg {
			ts.Fatalf("events of type %s: %d", args[2], events[args[2]])
		}
		return
	}
	keys := strings.Split(args[1], ".")
	if strings.HasPrefix(args[1], "[") {
		if err := json.Unmarshal([]byte(args[1]), &keys); err != nil {
			ts.Fatalf("PATH %s: %v", args[1], err)
		}
	}
	var got any = results[0]
	for _, key := range keys {
		switch v := got.(type) {
		case map[string]any:
			var ok bool
			if got, ok = v[key]; !ok {
				ts.Fatalf("%s: no field %s in %v", args[1], key, v)
			}
		case []any:
			i, err := strconv.Atoi(key)
			if err != nil || i < 0 || i >= len(v) {
				ts.Fatalf("%s: no element %s in a list of %d", args[1], key, len(v))
			}
			got = v[i]
		default:
			ts.Fatalf("%s: %s is not in an object or a list", args[1], key)
		}
	}
	var want any
	if err := json.Unmarshal([]byte(args[2]), &want); err != nil {
		ts.Fatalf("WANT %q is not JSON: %v", args[2], err)
	}
	if reflect.DeepEqual(got, want) == neg {
		g, _ := json.Marshal(got)
		ts.Fatalf("%s = %s, want %s%s", args[1], g, map[bool]string{true: "anything but ", false: ""}[neg], args[2])
	}
}

// cmdExits runs a program and checks its exact exit code: "exits 2 deployer
// deploy …". Its output is the script's stdout and stderr, as with exec.
func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits CODE PROGRAM [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exit code %q: %v", args[0], err)
	}
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("run %s: %v", args[1], err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("%s exited with %d, want %d", args[1], got, want)
	}
}

// cmdMkBundle writes a bundle of many small files, for the listing of large
// plans: "mkbundle DIR VERSION" makes DIR/deploy.xml (bundle "Big" at VERSION,
// full compliance, logs/** ignored) and 3,000 files, modNN/pkgM/fileKK.txt for
// 30 modules of 4 packages of 25 files. Versions differ in the files of
// mod00 to mod09 only.
func cmdMkBundle(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: mkbundle DIR VERSION")
	}
	dir, version := ts.MkAbs(args[0]), args[1]
	var recipe strings.Builder
	fmt.Fprintf(&recipe, `<project xmlns:rhq="antlib:org.rhq.bundle">
  <rhq:bundle name="Big" version=%q>
    <rhq:deployment-unit name="big" compliance="full">
`, version)
	for m := range 30 {
		for p := range 4 {
			for f := range 25 {
				name := fmt.Sprintf("mod%02d/pkg%d/file%02d.txt", m, p, f)
				content := name + "\n"
				if m < 10 {
					content = name + " " + version + "\n"
				}
				file := filepath.Join(dir, filepath.FromSlash(name))
				ts.Check(os.MkdirAll(filepath.Dir(file), 0o755))
				ts.Check(os.WriteFile(file, []byte(content), 0o644))
				fmt.Fprintf(&recipe, "      <rhq:file name=%q/>\n", name)
			}
		}
	}
	recipe.WriteString(`      <rhq:ignore><rhq:fileset><include name="logs/**"/></rhq:fileset></rhq:ignore>
    </rhq:deployment-unit>
  </rhq:bundle>
</project>
`)
	ts.Check(os.WriteFile(filepath.Join(dir, "deploy.xml"), []byte(recipe.String()), 0o644))
}

// cmdWaitFile waits (up to a minute) for a file to exist: "waitfile PATH", for
// a command started in the background to reach a point.
func cmdWaitFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: waitfile PATH")
	}
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if _, err := os.Stat(ts.MkAbs(args[0])); err == nil {
			return
		}
	}
	ts.Fatalf("%s did not appear within a minute", args[0])
}
