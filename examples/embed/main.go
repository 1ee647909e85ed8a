// Command embed shows the bundlekit library used directly, the way a Go program
// that provisions applications would: open a bundle, plan a deployment and print
// the plan, apply it, then revert it.
//
//	go run ./examples/embed -bundle examples/bundles/musicapp-stable -dest /tmp/embed-demo
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"

	"github.com/bundlekit/bundlekit/bundle"
	"github.com/bundlekit/bundlekit/token"
)

func main() {
	bundleDir := flag.String("bundle", "examples/bundles/musicapp-stable", "bundle directory or .zip")
	dest := flag.String("dest", os.TempDir()+"/embed-demo", "destination directory")
	flag.Parse()
	if err := run(context.Background(), *bundleDir, *dest); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, bundleDir, dest string) error {
	b, err := bundle.Open(bundleDir)
	if err != nil {
		return err // recipe errors carry deploy.xml:LINE:COL
	}
	defer b.Close()

	id, err := bundle.NextID(dest)
	if err != nil {
		return err
	}
	opts := bundle.Options{
		Dest:       dest,
		ID:         id,
		Properties: map[string]string{"listener.port": "7081"},
		Events: func(e bundle.Event) {
			if e.Type == bundle.EventPhase {
				fmt.Printf("[%s %s]\n", e.Phase, e.Status)
			}
		},
	}

	// Plan reads and decides; it writes nothing. This is the dry run.
	plan, err := bundle.PlanDeploy(ctx, b, opts)
	var inputErr *bundle.InputError
	var missing *token.MissingError
	if errors.As(err, &inputErr) && errors.As(err, &missing) {
		for _, in := range missing.Inputs {
			fmt.Printf("missing %s (%s): %s\n", in.Name, in.Type, in.Description)
		}
		return err
	}
	if err != nil {
		return err
	}
	for _, e := range plan.Entries {
		if e.Action != bundle.ActionUnchanged {
			fmt.Printf("%-9s %-40s %s\n", e.Action, e.Path, e.Rule)
		}
	}

	// Apply is the only writer; it is journaled, so a crash is recovered.
	res, err := bundle.Apply(ctx, plan)
	if err != nil {
		return err
	}
	fmt.Printf("deployed %s %s as deployment %d: %d added, %d changed\n",
		res.Bundle.Name, res.Bundle.Version, res.ID, len(res.Differences.Added), len(res.Differences.Changed))

	// Revert to the same content with the next id: the backups of the
	// deployment being replaced are restored.
	opts.ID++
	rev, err := bundle.Revert(ctx, b, opts)
	if err != nil {
		return err
	}
	fmt.Printf("reverted as deployment %d: %d restored\n", rev.ID, len(rev.Differences.Restored))

	st, err := bundle.Status(ctx, dest)
	if err != nil {
		return err
	}
	fmt.Printf("status: deployment %d, history %v, drift %d changed / %d removed / %d added\n",
		st.Current.ID, st.History, len(st.Drift.Changed), len(st.Drift.Deleted), len(st.Drift.Added))
	return nil
}
