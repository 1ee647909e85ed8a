package bundlekit_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/bundlekit/bundlekit/bundle"
)

// The typical program: open a bundle, plan its deployment (a dry run would
// stop there and print the plan), then apply the plan.
func Example() {
	work, err := os.MkdirTemp("", "bundlekit-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(work)

	// A tiny bundle: a recipe and one configuration template.
	src := filepath.Join(work, "bundle")
	files := map[string]string{
		"deploy.xml": `<project name="hello" default="main" xmlns:rhq="antlib:org.rhq.bundle">
  <rhq:bundle name="hello" version="1.0">
    <rhq:input-property name="greeting" defaultValue="hello"/>
    <rhq:deployment-unit name="app">
      <rhq:file name="hello.conf" replace="true"/>
    </rhq:deployment-unit>
  </rhq:bundle>
  <target name="main"/>
</project>`,
		"hello.conf": "greeting=@@greeting@@\n",
	}
	if err := os.MkdirAll(src, 0o755); err != nil {
		log.Fatal(err)
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(src, name), []byte(content), 0o644); err != nil {
			log.Fatal(err)
		}
	}

	b, err := bundle.Open(src)
	if err != nil {
		log.Fatal(err) // a recipe error says file:line:col and the rule
	}
	defer b.Close()

	ctx := context.Background()
	dest := filepath.Join(work, "opt", "hello")
	plan, err := bundle.PlanDeploy(ctx, b, bundle.Options{
		Dest:       dest,
		ID:         1,
		Properties: map[string]string{"greeting": "bonjour"},
	})
	if err != nil {
		log.Fatal(err) // nothing was written
	}
	defer plan.Close()
	for _, e := range plan.Entries {
		fmt.Println("plan:", e.Action, e.Path, e.Rule)
	}

	res, err := bundle.Apply(ctx, plan)
	if err != nil {
		log.Fatal(err) // the destination was left as it was
	}
	fmt.Println("added:", res.Differences.Added)
	conf, err := os.ReadFile(filepath.Join(dest, "hello.conf"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(string(conf))
	// Output:
	// plan: add hello.conf R64
	// added: [hello.conf]
	// greeting=bonjour
}
