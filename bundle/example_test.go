package bundle_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"

	"github.com/bundlekit/bundlekit/bundle"
)

// exampleRecipe is a bundle with one realized configuration file and one script.
const exampleRecipe = `<project name="app" default="main" xmlns:rhq="antlib:org.rhq.bundle">
  <rhq:bundle name="app" version="%s">
    <rhq:input-property name="listener.port" type="integer" defaultValue="8080"/>
    <rhq:deployment-unit name="app" compliance="filesAndDirectories">
      <rhq:file name="conf/app.conf" replace="true"/>
      <rhq:file name="bin/run.sh"/>
    </rhq:deployment-unit>
  </rhq:bundle>
  <target name="main"/>
</project>`

// writeExampleBundle writes a bundle of version with the given app.conf into a new
// directory under root and opens it.
func writeExampleBundle(root, version, conf string) *bundle.Bundle {
	dir := filepath.Join(root, "bundle-"+version)
	files := map[string]string{
		"deploy.xml":    fmt.Sprintf(exampleRecipe, version),
		"conf/app.conf": conf,
		"bin/run.sh":    "#!/bin/sh\nexec app\n",
	}
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			log.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			log.Fatal(err)
		}
	}
	b, err := bundle.Open(dir)
	if err != nil {
		log.Fatal(err)
	}
	return b
}

func ExampleDeploy() {
	root, err := os.MkdirTemp("", "example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(root)
	b := writeExampleBundle(root, "1.0", "port=@@listener.port@@\n")
	defer b.Close()

	dest := filepath.Join(root, "opt", "app")
	res, err := bundle.Deploy(context.Background(), b, bundle.Options{
		Dest:       dest,
		ID:         1,
		Properties: map[string]string{"listener.port": "7080"},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("added:", res.Differences.Added)
	fmt.Println("realized:", res.Differences.Realized)
	conf, _ := os.ReadFile(filepath.Join(dest, "conf", "app.conf"))
	fmt.Print("conf/app.conf: ", string(conf))
	// Output:
	// added: [bin/run.sh conf/app.conf]
	// realized: [conf/app.conf]
	// conf/app.conf: port=7080
}

func ExamplePlanDeploy() {
	root, err := os.MkdirTemp("", "example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(root)
	ctx := context.Background()
	dest := filepath.Join(root, "app")
	v1 := writeExampleBundle(root, "1.0", "port=@@listener.port@@\n")
	defer v1.Close()
	if _, err := bundle.Deploy(ctx, v1, bundle.Options{Dest: dest, ID: 1}); err != nil {
		log.Fatal(err)
	}
	// The operator edits the configuration; version 2.0 changes it too.
	if err := os.WriteFile(filepath.Join(dest, "conf", "app.conf"), []byte("port=9999\n"), 0o644); err != nil {
		log.Fatal(err)
	}
	v2 := writeExampleBundle(root, "2.0", "port=@@listener.port@@\ntls=on\n")
	defer v2.Close()

	// A dry run: the plan says what would happen and changes nothing.
	plan, err := bundle.PlanDeploy(ctx, v2, bundle.Options{Dest: dest, ID: 2})
	if err != nil {
		log.Fatal(err)
	}
	defer plan.Close()
	for _, e := range plan.Entries {
		backup := ""
		if e.Backup != "" {
			backup = " backup " + strings.TrimPrefix(filepath.ToSlash(e.Backup), filepath.ToSlash(dest)+"/")
		}
		fmt.Printf("%-14s %-9s %s%s\n", e.Path, e.Action, e.Rule, backup)
	}
	conf, _ := os.ReadFile(filepath.Join(dest, "conf", "app.conf"))
	fmt.Print("still: ", string(conf))
	// Output:
	// bin            unchanged R121
	// bin/run.sh     unchanged R102
	// conf           unchanged R121
	// conf/app.conf  change    R107 backup .rhqdeployments/2/backup/conf/app.conf
	// still: port=9999
}

func ExampleRevert() {
	root, err := os.MkdirTemp("", "example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(root)
	ctx := context.Background()
	dest := filepath.Join(root, "app")
	conf := filepath.Join(dest, "conf", "app.conf")
	v1 := writeExampleBundle(root, "1.0", "port=@@listener.port@@\n")
	defer v1.Close()
	v2 := writeExampleBundle(root, "2.0", "port=@@listener.port@@\ntls=on\n")
	defer v2.Close()
	if _, err := bundle.Deploy(ctx, v1, bundle.Options{Dest: dest, ID: 1}); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(conf, []byte("port=9999\n"), 0o644); err != nil {
		log.Fatal(err)
	}
	// Version 2.0 backs the edit up and overwrites it.
	if _, err := bundle.Deploy(ctx, v2, bundle.Options{Dest: dest, ID: 2}); err != nil {
		log.Fatal(err)
	}
	// Going back to 1.0 with a new id restores what 2.0 backed up.
	res, err := bundle.Revert(ctx, v1, bundle.Options{Dest: dest, ID: 3})
	if err != nil {
		log.Fatal(err)
	}
	for path, from := range res.Differences.Restored {
		fmt.Println("restored", path, "from", strings.TrimPrefix(filepath.ToSlash(from), filepath.ToSlash(dest)+"/"))
	}
	data, _ := os.ReadFile(conf)
	fmt.Print("conf/app.conf: ", string(data))
	// Output:
	// restored conf/app.conf from .rhqdeployments/2/backup/conf/app.conf
	// conf/app.conf: port=9999
}

func ExamplePurge() {
	root, err := os.MkdirTemp("", "example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(root)
	ctx := context.Background()
	dest := filepath.Join(root, "app")
	b := writeExampleBundle(root, "1.0", "port=@@listener.port@@\n")
	defer b.Close()
	if _, err := bundle.Deploy(ctx, b, bundle.Options{Dest: dest, ID: 1}); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dest, "notes.txt"), []byte("mine"), 0o644); err != nil {
		log.Fatal(err)
	}
	res, err := bundle.Purge(ctx, dest, bundle.PurgeOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("deleted:", res.Differences.Deleted)
	entries, _ := os.ReadDir(dest)
	for _, e := range entries {
		fmt.Println("left:", e.Name())
	}
	// Output:
	// deleted: [bin conf]
	// left: notes.txt
}

// Plan, look at the plan, then apply exactly that plan: a caller can refuse
// an upgrade that would take away files nobody deployed.
func ExampleApply() {
	root, err := os.MkdirTemp("", "example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(root)
	ctx := context.Background()
	dest := filepath.Join(root, "app")
	v1 := writeExampleBundle(root, "1.0", "port=@@listener.port@@\n")
	defer v1.Close()
	if _, err := bundle.Deploy(ctx, v1, bundle.Options{Dest: dest, ID: 1}); err != nil {
		log.Fatal(err)
	}
	v2 := writeExampleBundle(root, "2.0", "port=@@listener.port@@\ntls=on\n")
	defer v2.Close()

	plan, err := bundle.PlanDeploy(ctx, v2, bundle.Options{Dest: dest, ID: 2})
	if err != nil {
		log.Fatal(err)
	}
	defer plan.Close()
	for _, e := range plan.Entries {
		if e.RemovesUnknown() {
			log.Fatalf("%s would be removed; not upgrading", e.Path)
		}
	}
	res, err := bundle.Apply(ctx, plan)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("deployment", res.ID, res.Bundle.Version)
	fmt.Println("changed:", res.Differences.Changed)
	// Output:
	// deployment 2 2.0
	// changed: [conf/app.conf]
}

func ExampleStatus() {
	root, err := os.MkdirTemp("", "example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(root)
	ctx := context.Background()
	dest := filepath.Join(root, "app")
	b := writeExampleBundle(root, "1.0", "port=@@listener.port@@\n")
	defer b.Close()
	if _, err := bundle.Deploy(ctx, b, bundle.Options{Dest: dest, ID: 1}); err != nil {
		log.Fatal(err)
	}
	// Someone edits the configuration and deletes the script.
	if err := os.WriteFile(filepath.Join(dest, "conf", "app.conf"), []byte("port=1\n"), 0o644); err != nil {
		log.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dest, "bin", "run.sh")); err != nil {
		log.Fatal(err)
	}

	st, err := bundle.Status(ctx, dest)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("deployment", st.Current.ID, st.Current.Bundle.Name, st.Current.Bundle.Version)
	fmt.Println("changed:", st.Drift.Changed)
	fmt.Println("deleted:", st.Drift.Deleted)
	// Output:
	// deployment 1 app 1.0
	// changed: [conf/app.conf]
	// deleted: [bin/run.sh]
}
