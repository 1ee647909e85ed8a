//go:build !windows

package bundle_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/bundlekit/bundlekit/bundle"
)

func ExampleProbe() {
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
	// Version 2.0 reads a token nobody gives a value to.
	v2 := writeExampleBundle(root, "2.0", "port=@@listener.port@@\ndb=@@db.url@@\n")
	defer v2.Close()

	// Realize 2.0 in a scratch tree, check its configuration there, and plan
	// it against the real destination, which does not change.
	rep, err := bundle.Probe(ctx, v2, bundle.ProbeOptions{
		Options: bundle.Options{Dest: dest},
		Check:   "grep -q port=8080 conf/app.conf",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("ok:", rep.OK)
	for _, f := range rep.Findings {
		fmt.Printf("%s: %s\n", f.Severity, f.Message)
	}
	fmt.Println("check succeeded:", rep.Check.Success)
	fmt.Println("would change:", rep.Plan.Differences.Changed)
	// Output:
	// ok: true
	// warning: conf/app.conf:2: @@db.url@@ has no value: the token is left as written
	// check succeeded: true
	// would change: [conf/app.conf]
}
