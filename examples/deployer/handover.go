package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/bundlekit/bundlekit/bundle"
	"github.com/bundlekit/bundlekit/fileops"
)

// handoverToDir is the deployer's handover target: each handed-over item is
// written to dir/<action>/<name>, and its parameters, one name=value a line, to
// dir/<action>/<name>.params. Real targets (an application server's deployment
// API) implement bundle.Handover the same way.
func handoverToDir(dir string) bundle.Handover {
	return bundle.HandoverFunc(func(ctx context.Context, item bundle.HandoverItem) error {
		if err := fileops.CheckName(item.Action); err != nil || strings.Contains(item.Action, "/") {
			return fmt.Errorf("handover action %q cannot name a directory", item.Action)
		}
		d, err := fileops.CreateDir(filepath.Join(dir, item.Action))
		if err != nil {
			return err
		}
		defer d.Close()
		if _, err := d.WriteFile(ctx, item.Name, item.Content, 0o644); err != nil {
			return err
		}
		var params strings.Builder
		for _, p := range item.Params {
			fmt.Fprintf(&params, "%s=%s\n", p.Name, p.Value)
		}
		_, err = d.WriteFile(ctx, item.Name+".params", strings.NewReader(params.String()), 0o644)
		return err
	})
}
