package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/bundlekit/bundlekit/bundle"
	"github.com/bundlekit/bundlekit/constraint"
	"github.com/bundlekit/bundlekit/fileops"
	"github.com/bundlekit/bundlekit/internal/bytesize"
	"github.com/bundlekit/bundlekit/recipe"
)

// deployCommand builds deploy, plan and revert: the same flags, run as a
// deployment of kind, with a dry run forced for plan.
func deployCommand(name, summary, usage, examples string, dryRun bool, kind bundle.Kind) *command {
	return &command{
		name: name, summary: summary, usage: usage, examples: examples,
		flags:   func(o *options) flagSet { return newFlags(name, o).deployFlags() },
		plans:   true,
		writes:  !dryRun,
		bigHeap: true,
		run: func(ctx context.Context, c *cli, args []string) error {
			return runDeploy(ctx, c, args, dryRun, kind)
		},
	}
}

const deployUsage = "--bundle B --dest D [--id N] [-p KEY=VALUE]... [--properties FILE]... [--clean] [--dry-run] [--verbose] [--json]"

var deployCmd = deployCommand("deploy",
	"deploy a bundle to a destination, or upgrade the deployment there", deployUsage,
	`  deployer deploy --bundle examples/bundles/musicapp-stable --dest /tmp/musicapp -p listener.port=7081
  deployer deploy --bundle app-2.0.zip --dest /opt/app --properties prod.properties --clean
  deployer deploy --bundle app/ -Drhq.deploy.dir=/opt/exampleApp -Dlistener.port=7081   # rhq-ant style
`, false, bundle.KindDeploy)

var planCmd = deployCommand("plan",
	"show what deploy would do, changing nothing and running no recipe target (exactly deploy --dry-run)",
	"--bundle B --dest D [--id N] [-p KEY=VALUE]... [--properties FILE]... [--clean] [--run-preinstall] [--verbose] [--json]",
	"  deployer plan --bundle examples/bundles/musicapp-stable --dest /tmp/musicapp -p listener.port=7081\n",
	true, bundle.KindDeploy)

var revertCmd = deployCommand("revert",
	"go back to the previous version: rebuild it (from what the destination keeps, or from its bundle) and restore the backups of the current deployment",
	"[--bundle B] --dest D [--id N] [-p KEY=VALUE]... [--properties FILE]... [--clean] [--keep N] [--dry-run] [--verbose] [--json]",
	`  # Without --bundle, the previous deployment is rebuilt from the destination's
  # store of deployed content: no bundle, no property values.
  deployer revert --dest /tmp/musicapp
  # B is the bundle of the version to go back to, as in RHQ.
  deployer revert --bundle examples/bundles/musicapp-stable --dest /tmp/musicapp -p listener.port=7081
`, false, bundle.KindRevert)

func runDeploy(ctx context.Context, c *cli, args []string, dryRun bool, kind bundle.Kind) error {
	required := []string{"bundle", "dest"}
	if kind == bundle.KindRevert {
		required = required[1:] // without a bundle, from the store
	}
	o, err := c.setup(args, required...)
	if err != nil {
		return err
	}
	stored := o.bundle == ""
	if stored && o.bundleSHA256 != "" {
		return usageErrorf("--bundle-sha256 checks a bundle: give --bundle too")
	}
	o.dryRun = o.dryRun || dryRun
	c.res.DryRun = o.dryRun
	dest, err := absDest(o.dest)
	if err != nil {
		return err
	}
	c.res.Destination = dest
	props, err := o.propertyValues()
	if err != nil {
		return err
	}
	set, conds, err := o.gateOptions()
	if err != nil {
		return err
	}
	var b *bundle.Bundle
	if stored {
		if len(props) > 0 {
			c.warn("property values are not used by a revert without --bundle: the store holds the files as they were realized")
		}
	} else {
		if b, err = openBundle(ctx, o); err != nil {
			return err
		}
		defer b.Close()
		c.res.Bundle = &bundle.Info{Name: b.Recipe.Bundle.Name, Version: b.Recipe.Bundle.Version}
	}
	if !o.json && !o.quiet && isTerminal(c.stderr) && !o.dryRun {
		c.progress = newProgress(c.stderr)
	}
	opts := bundle.Options{Dest: dest, Properties: props, Clean: o.clean, Events: c.event, ServiceRoot: o.serviceRoot, LockWait: o.wait, HoldLock: !o.dryRun,
		Verify: o.verify, Limits: o.limits(), Constraints: set, Conditions: conds, Keep: o.keep}
	if o.handoverDir != "" {
		dir, err := filepath.Abs(o.handoverDir)
		if err != nil {
			return inputErrorf("--handover-dir: %v", err)
		}
		opts.Handover = handoverToDir(dir)
	}
	if !o.dryRun {
		// A deferred operation does not even recover the destination.
		if err := bundle.CheckConstraints(dest, set, time.Now()); err != nil {
			return err
		}
		if err := c.recoverFirst(ctx, dest, o); err != nil {
			return err
		}
	}
	var res *bundle.Result
	for attempt := 1; ; attempt++ {
		// Without --id the plan takes the next id, read under the lock it
		// holds: two deployers waiting on one destination never take the
		// same id.
		opts.ID, opts.ExactID = o.id, o.idSet
		if o.idSet {
			c.res.DeploymentID = &o.id
		}
		var p *bundle.Plan
		switch {
		case stored:
			p, err = bundle.PlanRevertStored(ctx, opts)
		case kind == bundle.KindRevert:
			p, err = bundle.PlanRevert(ctx, b, opts)
		default:
			p, err = bundle.PlanDeploy(ctx, b, opts)
		}
		if err != nil {
			return err
		}
		c.res.DeploymentID = &p.ID
		c.res.Conditions = p.Conditions
		if stored {
			c.res.Bundle = &p.Bundle
		}
		c.recovered(dest, p.Recovered)
		if o.dryRun && o.runPreinstall {
			if err := p.RunPreinstall(ctx); err != nil {
				p.Close()
				return err
			}
		}
		warnings := len(c.res.Warnings)
		c.describePlan(p)
		if o.dryRun {
			p.Close()
			c.res.Differences = p.Differences
			if len(p.SideEffects) > 0 {
				fmt.Fprintf(c.human(), "dry run: no file was changed (but the plan %s)\n", strings.Join(p.SideEffects, "; "))
				return nil
			}
			fmt.Fprintf(c.human(), "dry run: nothing was changed\n")
			return nil
		}
		res, err = bundle.Apply(ctx, p)
		if !c.replan(err, attempt) {
			break
		}
		c.res.Warnings = c.res.Warnings[:warnings]
	}
	var ce *bundle.CommandError
	if errors.As(err, &ce) {
		c.res.Commands = append(c.res.Commands, ce.Result)
		if ce.Uninstall != nil {
			c.res.Commands = append(c.res.Commands, *ce.Uninstall)
		}
	}
	if res == nil {
		return err
	}
	c.res.Differences, c.res.Audit, c.res.Commands = res.Differences, res.Audit, res.Commands
	for path, msg := range res.Differences.Errors {
		fmt.Fprintf(c.human(), "warning: %s: %s\n", path, msg)
	}
	for _, w := range res.Warnings {
		fmt.Fprintf(c.human(), "warning: %s\n", w)
	}
	c.res.Warnings = append(c.res.Warnings, res.Warnings...)
	if err != nil {
		return err // the files are deployed; the error says what failed after them
	}
	if res.Pruned != nil {
		c.res.Prune = res.Pruned
		c.pruneSummary(res.Pruned)
	}
	if kind == bundle.KindRevert {
		fmt.Fprintf(c.human(), "reverted %s to %s %s as deployment %d (%d file(s) restored)\n", res.Dest, res.Bundle.Name, res.Bundle.Version, res.ID, len(res.Differences.Restored))
		return nil
	}
	fmt.Fprintf(c.human(), "deployed %s %s to %s as deployment %d\n", res.Bundle.Name, res.Bundle.Version, res.Dest, res.ID)
	return nil
}

// describePlan prints the header, warnings, one line per changed path and the
// summary; the warnings (a full-compliance wipe, unknown files removed) come
// before the operation runs.
func (c *cli) describePlan(p *bundle.Plan) {
	w := c.human()
	c.res.Warnings = append(c.res.Warnings, p.Warnings...)
	c.res.SideEffects = p.SideEffects
	c.entryLines(p)
	kind := "upgrade"
	switch {
	case p.FromStore:
		kind = "revert (from the store)"
	case p.Kind == bundle.KindRevert:
		kind = "revert"
	case p.Initial:
		kind = "initial deployment"
	}
	from := ""
	if p.Previous != nil {
		from = fmt.Sprintf(", replacing deployment %d", *p.Previous)
	}
	fmt.Fprintf(w, "%s of %s %s to %s (deployment %d%s, compliance %s)\n", kind, p.Bundle.Name, p.Bundle.Version, p.Dest, p.ID, from, p.Compliance)
	for _, warn := range p.Warnings {
		fmt.Fprintf(w, "warning: %s\n", warn)
	}
	if p.Compliance == recipe.Full && !p.Initial {
		n := 0
		for _, e := range p.Entries {
			if e.RemovesUnknown() {
				n++
			}
		}
		if n > 0 {
			fmt.Fprintf(w, "compliance is full: %d file(s) and folder(s) the bundle does not know are moved to the backup and removed\n", n)
		}
	}
	printConditions(w, p.Conditions)
	if !c.o.quiet { // grouping thousands of paths for no one costs milliseconds
		printEntries(w, p.Entries, c.o.verbose)
	}
	fmt.Fprintf(w, "summary: %s\n", summary(p.Entries, p.Differences))
}

// printConditions says which installation conditions were checked and held
// (the disk-space check, always made, is not one an operator declared).
func printConditions(w io.Writer, results []bundle.ConditionResult) {
	var names []string
	for _, r := range results {
		if r.Source != "bundlekit" {
			names = append(names, r.Name)
		}
	}
	if len(names) > 0 {
		fmt.Fprintf(w, "installation conditions hold: %s\n", strings.Join(names, ", "))
	}
}

// gateOptions returns the constraints and installation conditions of the
// flags.
func (o *options) gateOptions() (constraint.Set, []bundle.Condition, error) {
	set, err := o.constraintSet()
	if err != nil {
		return constraint.Set{}, nil, err
	}
	conds, err := o.conditionList()
	return set, conds, err
}

// openBundle opens --bundle after the checks of --bundle-sha256 and
// --max-ratio; a bundle that cannot be opened is invalid input
// (bundle.ErrInvalidInput).
func openBundle(ctx context.Context, o *options) (*bundle.Bundle, error) {
	return bundle.OpenWith(ctx, o.bundle, bundle.OpenOptions{Limits: o.limits(), SHA256: o.bundleSHA256})
}

var purgeCmd = &command{
	plans:   true,
	writes:  true,
	name:    "purge",
	summary: "remove the deployment from a destination (and the destination itself in full compliance)",
	usage:   "--dest D [--force] [--dry-run] [--verbose] [--json]",
	examples: `  deployer purge --dest /tmp/musicapp
  deployer purge --dest /tmp/not-a-deployment --force   # removes everything in it
`,
	flags: func(o *options) flagSet {
		f := newFlags("purge", o).dest()
		f.BoolVar(&f.o.force, "force", false, "purge even a destination that holds no deployment (removes everything in it)")
		f.BoolVar(&f.o.dryRun, "dry-run", false, "report what would be removed and change nothing")
		return f.wait().gate().verbose().output()
	},
	run: func(ctx context.Context, c *cli, args []string) error {
		o, dest, err := c.setupDest(args)
		if err != nil {
			return err
		}
		c.res.DryRun = o.dryRun
		set, conds, err := o.gateOptions()
		if err != nil {
			return err
		}
		if !o.dryRun {
			if err := bundle.CheckConstraints(dest, set, time.Now()); err != nil {
				return err
			}
			if err := c.recoverFirst(ctx, dest, o); err != nil {
				return err
			}
		}
		w := c.human()
		var res *bundle.Result
		for attempt := 1; ; attempt++ {
			var p *bundle.Plan
			p, err = bundle.PlanPurge(ctx, dest, bundle.PurgeOptions{Force: o.force, Events: c.event, LockWait: o.wait, HoldLock: !o.dryRun,
				Constraints: set, Conditions: conds})
			if err != nil {
				return err
			}
			c.recovered(dest, p.Recovered)
			c.res.Conditions = p.Conditions
			if p.Bundle.Name != "" {
				c.res.Bundle = &p.Bundle
				c.res.DeploymentID = &p.ID
			}
			c.entryLines(p)
			fmt.Fprintf(w, "purge of %s (compliance %s)\n", dest, p.Compliance)
			for _, warn := range p.Warnings {
				fmt.Fprintf(w, "warning: %s\n", warn)
			}
			printConditions(w, p.Conditions)
			if !o.quiet {
				printEntries(w, p.Entries, o.verbose)
			}
			if o.dryRun {
				p.Close()
				c.res.Differences = p.Differences
				fmt.Fprintln(w, "dry run: nothing was changed")
				return nil
			}
			res, err = bundle.Apply(ctx, p)
			if !c.replan(err, attempt) {
				break
			}
		}
		if res == nil {
			return err
		}
		c.res.Differences, c.res.Commands = res.Differences, res.Commands
		for path, msg := range res.Differences.Errors {
			fmt.Fprintf(w, "warning: %s: %s\n", path, msg)
		}
		for _, warn := range res.Warnings {
			fmt.Fprintf(w, "warning: %s\n", warn)
		}
		c.res.Warnings = append(c.res.Warnings, res.Warnings...)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "purged %s\n", dest)
		return nil
	},
}

var statusCmd = &command{
	name:    "status",
	summary: "show the current deployment, the history of ids, what changed on disk since, and the disk the metadata takes",
	usage:   "--dest D [--disk] [--json]",
	examples: "  deployer status --dest /tmp/musicapp\n  deployer status --dest /tmp/musicapp --disk\n" +
		"  deployer status --dest /tmp/musicapp --json | jq .status.driftFiles\n",
	flags: func(o *options) flagSet {
		f := newFlags("status", o).dest()
		f.BoolVar(&f.o.disk, "disk", false, "show, per deployment, the bytes its metadata, backups and stored content take (--json always has them)")
		return f.output()
	},
	run: func(ctx context.Context, c *cli, args []string) error {
		o, dest, err := c.setupDest(args)
		if err != nil {
			return err
		}
		st, err := bundle.Status(ctx, dest)
		if err != nil {
			return err
		}
		c.res.Status = st
		c.res.Recovered = string(st.Recovered)
		w := c.human()
		if st.Recovered != "" {
			fmt.Fprintf(w, "recovered an unfinished operation: %s\n", st.Recovered)
		}
		if !st.Managed {
			fmt.Fprintf(w, "%s holds no deployment (%s)\n", dest, st.Reason)
			return nil
		}
		cur := st.Current
		c.res.Bundle, c.res.DeploymentID = &cur.Bundle, &cur.ID
		fmt.Fprintf(w, "%s: deployment %d, %s %s (compliance %s)\n", dest, cur.ID, cur.Bundle.Name, cur.Bundle.Version, cur.Compliance)
		fmt.Fprintf(w, "history: %v\n", st.History)
		d := st.Drift
		fmt.Fprintf(w, "drift since deployment %d: %d changed, %d removed, %d added\n", cur.ID, len(d.Changed), len(d.Deleted), len(d.Added))
		if !st.IgnoreKnown {
			fmt.Fprintf(w, "(deployment %d recorded no rhq:ignore: RHQ or an older deployer made it, so files its recipe ignores count as added)\n", cur.ID)
		}
		for _, p := range d.Changed {
			fmt.Fprintf(w, "~ %s\n", p)
		}
		for _, p := range d.Deleted {
			fmt.Fprintf(w, "- %s\n", p)
		}
		for _, p := range d.Added {
			fmt.Fprintf(w, "+ %s\n", p)
		}
		if o.disk && st.Disk != nil {
			printDisk(w, st.Disk)
		}
		return nil
	},
}

// printDisk prints the disk the metadata folder takes, a line per
// deployment.
func printDisk(w io.Writer, d *bundle.DiskUsage) {
	fmt.Fprintf(w, "disk: %s in .rhqdeployments\n", bytesize.Format(d.Total))
	fmt.Fprintf(w, "  %10s %10s %10s %10s %10s %10s\n", "deployment", "metadata", "backup", "ext-backup", "stored", "total")
	for _, dd := range d.Deployments {
		fmt.Fprintf(w, "  %10d %10s %10s %10s %10s %10s\n", dd.ID, bytesize.Format(dd.Metadata), bytesize.Format(dd.Backup),
			bytesize.Format(dd.ExtBackup), bytesize.Format(dd.Stored), bytesize.Format(dd.Total))
	}
	fmt.Fprintf(w, "  store: %s (%s named by no deployment); other: %s\n", bytesize.Format(d.Store), bytesize.Format(d.Unattributed), bytesize.Format(d.Other))
}

var pruneCmd = &command{
	name:   "prune",
	writes: true,
	summary: "remove old deployments' metadata, backups and stored content, keeping the newest N " +
		"and what a revert needs",
	usage: "--dest D --keep N [--dry-run] [--wait DURATION] [--json]",
	examples: `  deployer prune --dest /opt/app --keep 3
  deployer prune --dest /opt/app --keep 1 --dry-run   # what would go, and the bytes freed
`,
	flags: func(o *options) flagSet {
		f := newFlags("prune", o).dest()
		f.IntVar(&f.o.keep, "keep", 0, "how many deployments to keep, the current one included (1 or more); "+
			"the record of the one a revert goes back to always stays")
		f.BoolVar(&f.o.dryRun, "dry-run", false, "report what would be removed and change nothing")
		return f.wait().output()
	},
	run: func(ctx context.Context, c *cli, args []string) error {
		o, dest, err := c.setupDest(args)
		if err != nil {
			return err
		}
		if o.keep < 1 {
			return usageErrorf("--keep N is required: the number of deployments to keep, 1 or more")
		}
		c.res.DryRun = o.dryRun
		rep, err := bundle.Prune(ctx, dest, bundle.PruneOptions{Keep: o.keep, DryRun: o.dryRun, LockWait: o.wait})
		if err != nil {
			return err
		}
		c.res.Prune = rep
		c.recovered(dest, rep.Recovered)
		w := c.human()
		kept := fmt.Sprint(rep.Kept)
		fmt.Fprintf(w, "prune of %s: keeping deployment(s) %s\n", dest, strings.Trim(kept, "[]"))
		if rep.KeptForRevert != nil {
			fmt.Fprintf(w, "the record of deployment %d stays, for revert; its backups go\n", *rep.KeptForRevert)
		}
		for _, f := range rep.Removed {
			fmt.Fprintf(w, "- %s  (%s)\n", f.Path, bytesize.Format(f.Bytes))
		}
		var objects int64
		for _, ob := range rep.Objects {
			objects += ob.Bytes
		}
		if len(rep.Objects) > 0 {
			fmt.Fprintf(w, "- %d stored object(s)  (%s)\n", len(rep.Objects), bytesize.Format(objects))
		}
		for _, warn := range rep.Warnings {
			c.warn(warn)
		}
		if o.dryRun {
			fmt.Fprintf(w, "dry run: nothing was changed (%s would be freed)\n", bytesize.Format(rep.Bytes))
			return nil
		}
		fmt.Fprintf(w, "pruned %s: %s freed\n", dest, bytesize.Format(rep.Bytes))
		return nil
	},
}

// pruneSummary says what the prune after a deployment (--keep) removed.
func (c *cli) pruneSummary(rep *bundle.PruneReport) {
	if len(rep.Removed) == 0 && len(rep.Objects) == 0 {
		return
	}
	fmt.Fprintf(c.human(), "pruned: %d folder(s) and %d stored object(s) removed, %s freed\n", len(rep.Removed), len(rep.Objects), bytesize.Format(rep.Bytes))
}

var validateCmd = &command{
	name:    "validate",
	summary: "check a bundle's recipe and the property values given for it; change nothing",
	usage:   "--bundle B [-p KEY=VALUE]... [--properties FILE]... [--json]",
	examples: `  deployer validate --bundle examples/bundles/musicapp-stable
  deployer validate --bundle app.zip --properties prod.properties --json
`,
	flags: func(o *options) flagSet { return newFlags("validate", o).bundle().properties().integrity().output() },
	run: func(ctx context.Context, c *cli, args []string) error {
		o, err := c.setup(args, "bundle")
		if err != nil {
			return err
		}
		props, err := o.propertyValues()
		if err != nil {
			return err
		}
		b, err := openBundle(ctx, o)
		if err != nil {
			return err
		}
		defer b.Close()
		r := b.Recipe
		c.res.Bundle = &bundle.Info{Name: r.Bundle.Name, Version: r.Bundle.Version}
		w := c.human()
		mode, declared := r.Compliance()
		how := "declared"
		if !declared {
			how = "default"
		}
		fmt.Fprintf(w, "%s %s: recipe OK (compliance %s, %s)\n", r.Bundle.Name, r.Bundle.Version, mode, how)
		for _, warn := range r.Warnings {
			fmt.Fprintf(w, "warning: %s\n", c.withBundlePath(warn))
			c.res.Warnings = append(c.res.Warnings, warn.Error())
		}
		fmt.Fprintf(w, "input properties:\n")
		for _, in := range r.Inputs() {
			info := inputInfo{Name: in.Name, Type: string(in.Type), Required: in.Required, Default: in.Default,
				HasDefault: in.HasDefault, Description: in.Description, Pos: in.Pos.String()}
			if v, ok := props[in.Name]; ok {
				info.Value = v
			}
			if in.Type.Secret() {
				info.Default, info.Value = redact(info.Default), redact(info.Value)
			}
			c.res.Inputs = append(c.res.Inputs, info)
			req := "optional"
			if in.Required {
				req = "required"
			}
			def := ""
			if info.HasDefault {
				def = fmt.Sprintf(", default %q", info.Default)
			}
			fmt.Fprintf(w, "  %-24s %-10s %s%s  %s\n", in.Name, in.Type, req, def, in.Description)
		}
		describeRequires(w, r.Bundle.Requires, &c.res)
		if _, err := b.Recipe.ResolveInputs(props); err != nil {
			return &inputError{err: err}
		}
		fmt.Fprintln(w, "property values OK")
		return nil
	},
}

// describeRequires lists the installation conditions a recipe declares.
func describeRequires(w io.Writer, rq recipe.Requires, res *result) {
	if len(rq.Conditions) == 0 && len(rq.Unexpanded) == 0 {
		fmt.Fprintln(w, "installation conditions: none")
		return
	}
	fmt.Fprintln(w, "installation conditions:")
	for _, cond := range rq.Conditions {
		value := cond.String()
		if ch, ok := cond.(recipe.CheckCondition); ok {
			value += fmt.Sprintf("  (timeout %s, success codes %s)", ch.Timeout, ch.SuccessCodes)
		}
		res.Requires = append(res.Requires, requirement{Kind: cond.Kind(), Value: cond.String()})
		fmt.Fprintf(w, "  %-12s %s\n", cond.Kind(), value)
	}
	for _, u := range rq.Unexpanded {
		res.Requires = append(res.Requires, requirement{Kind: "unexpanded", Value: u})
		fmt.Fprintf(w, "  %s  (refers to properties: read when deploying)\n", u)
	}
}

func redact(v string) string {
	if v == "" {
		return ""
	}
	return "********"
}

var adoptCmd = &command{
	plans:   true,
	writes:  true,
	bigHeap: true,
	name:    "adopt",
	summary: "record an existing directory as the current deployment, so the next deploy is an upgrade",
	usage:   "--dest D --name NAME --version V [--id N] [--compliance full|filesAndDirectories] [--verbose] [--json]",
	examples: `  deployer adopt --dest /opt/legacy-app --name MusicApp --version 0.9
`,
	flags: func(o *options) flagSet {
		f := newFlags("adopt", o).dest().id("the deployment `id` to record (default: the current id + 1, or 1)")
		f.StringVar(&f.o.name, "name", "", "the bundle name to record")
		f.StringVar(&f.o.version, "version", "", "the bundle version to record")
		f.StringVar(&f.o.description, "description", "", "a description to record")
		f.StringVar(&f.o.compliance, "compliance", "full", "the compliance to record: full or filesAndDirectories")
		return f.wait().gate().verbose().output()
	},
	run: func(ctx context.Context, c *cli, args []string) error {
		o, err := c.setup(args, "dest", "name", "version")
		if err != nil {
			return err
		}
		mode := recipe.Compliance(o.compliance)
		if mode != recipe.Full && mode != recipe.FilesAndDirectories {
			return usageErrorf("--compliance %q: use full or filesAndDirectories", o.compliance)
		}
		dest, err := absDest(o.dest)
		if err != nil {
			return err
		}
		if fi, err := os.Stat(dest); err != nil || !fi.IsDir() {
			return inputErrorf("--dest %s: not an existing directory", dest)
		}
		c.res.Destination = dest
		set, conds, err := o.gateOptions()
		if err != nil {
			return err
		}
		if err := bundle.CheckConstraints(dest, set, time.Now()); err != nil {
			return err
		}
		if !o.idSet {
			if o.id, err = bundle.NextID(ctx, dest); err != nil {
				return err
			}
		}
		c.res.DeploymentID = &o.id
		if err := c.recoverFirst(ctx, dest, o); err != nil {
			return err
		}
		p, err := bundle.PlanAdopt(ctx, dest, bundle.AdoptOptions{ID: o.id, ExactID: true, Name: o.name, Version: o.version,
			Description: o.description, Compliance: mode, Events: c.event, LockWait: o.wait, Constraints: set, Conditions: conds})
		if err != nil {
			return err
		}
		c.res.Conditions = p.Conditions
		printConditions(c.human(), p.Conditions)
		c.entryLines(p)
		res, err := bundle.Apply(ctx, p)
		if res == nil {
			return err
		}
		c.res.Bundle, c.res.Differences = &res.Bundle, res.Differences
		for _, warn := range res.Warnings {
			fmt.Fprintf(c.human(), "warning: %s\n", warn)
		}
		c.res.Warnings = append(c.res.Warnings, res.Warnings...)
		if err != nil {
			return err
		}
		if o.verbose {
			// Adopting writes no file; the paths it records are what to list.
			for _, p := range res.Differences.Added {
				fmt.Fprintf(c.human(), "recorded %s\n", p)
			}
		}
		fmt.Fprintf(c.human(), "adopted %s as deployment %d of %s %s (%s recorded)\n", dest, res.ID, o.name, o.version, plural(len(res.Differences.Added), "file"))
		return nil
	},
}

var recoverCmd = &command{
	name:   "recover",
	writes: true,
	summary: "complete or undo an operation on a destination that did not finish (the deployer was killed, " +
		"or undoing a failed operation failed too: exit code 6)",
	usage: "--dest D [--wait DURATION] [--json]",
	examples: `  deployer recover --dest /opt/app
  deployer recover --dest /opt/app --json | jq -r .recovered   # nothing, rolled back or completed
`,
	flags: func(o *options) flagSet { return newFlags("recover", o).dest().wait().output() },
	run: func(ctx context.Context, c *cli, args []string) error {
		o, dest, err := c.setupDest(args)
		if err != nil {
			return err
		}
		rec, err := bundle.Recover(ctx, dest, bundle.RecoverOptions{LockWait: o.wait})
		if err != nil {
			return err
		}
		c.res.Recovered = string(rec)
		w := c.human()
		switch rec {
		case bundle.RecoveredNothing:
			fmt.Fprintf(w, "%s: nothing to recover: no operation is unfinished there\n", dest)
		case bundle.RecoveredRolledBack:
			fmt.Fprintf(w, "%s: the unfinished operation was rolled back: the destination is as it was before it\n", dest)
		case bundle.RecoveredCompleted:
			fmt.Fprintf(w, "%s: the unfinished operation had committed and was completed: the destination is as it left it\n", dest)
		}
		return nil
	},
}

// maxPlans is how many times a command plans when another deployer keeps
// changing the destination while this one waits for its lock.
const maxPlans = 3

// replan reports whether to plan again after Apply failed with err: another
// deployer changed the destination between the plan and the lock, so nothing
// was changed and the plan no longer holds. It says so: on stderr, and with
// --json in an event line, after which the entry lines of the new plan
// follow.
func (c *cli) replan(err error, attempt int) bool {
	var oe *bundle.OperationError
	if attempt >= maxPlans || !errors.Is(err, bundle.ErrStale) || !errors.As(err, &oe) || oe.Outcome != bundle.OutcomeNotStarted {
		return false
	}
	fmt.Fprintf(c.human(), "%s changed while this deployer waited for its lock (another deployer ran); nothing was changed, planning again\n", oe.Dest)
	if c.o.json {
		c.jsonLine(struct {
			Type  string `json:"type"`
			Event string `json:"event"`
			Error string `json:"error"`
		}{"event", "replan", err.Error()})
	}
	return true
}

// recoverFirst recovers an unfinished operation on dest before a command
// plans its own, and says so.
func (c *cli) recoverFirst(ctx context.Context, dest string, o *options) error {
	outcome, err := bundle.Recover(ctx, dest, bundle.RecoverOptions{LockWait: o.wait})
	if err != nil {
		return err
	}
	c.recovered(dest, outcome)
	return nil
}

// recovered says that an unfinished operation on dest was recovered, if one
// was.
func (c *cli) recovered(dest string, outcome bundle.Recovery) {
	if outcome != bundle.RecoveredNothing && outcome != "" {
		c.res.Recovered = string(outcome)
		fmt.Fprintf(c.human(), "recovered an unfinished operation on %s: %s\n", dest, outcome)
	}
}

var packCmd = &command{
	bigHeap:  true,
	name:     "pack",
	summary:  "build a bundle distribution (.zip) from a directory: recipe validated, deterministic bytes",
	usage:    "--dir DIR --out FILE.zip [--json]",
	examples: "  deployer pack --dir examples/bundles/musicapp-stable --out /tmp/musicapp-1.0.zip\n",
	flags: func(o *options) flagSet {
		f := newFlags("pack", o)
		f.StringVar(&f.o.dir, "dir", "", "the bundle directory (deploy.xml at its top)")
		f.StringVar(&f.o.out, "out", "", "the .zip file to write")
		return f.packFlags().output()
	},
	run: func(ctx context.Context, c *cli, args []string) error {
		o, err := c.setup(args, "dir", "out")
		if err != nil {
			return err
		}
		o.bundle = o.dir
		if fi, err := os.Stat(o.dir); err != nil || !fi.IsDir() {
			return inputErrorf("--dir %s: not an existing directory", o.dir)
		}
		out, err := filepath.Abs(o.out)
		if err != nil {
			return inputErrorf("--out: %v", err)
		}
		sum, err := writePack(ctx, o.dir, out, o)
		if err != nil {
			return err
		}
		c.res.Output = o.out
		fmt.Fprintf(c.human(), "packed %s into %s\n%s  %s\n", o.dir, o.out, sum, o.out)
		return nil
	},
}

// writePack packs dir into the file out, atomically, and returns its SHA-256:
// the zip is streamed through a pipe into a file beside out (written by
// fileops, never half-written), checked as a deployer would check it (and
// against --bundle-sha256), and only then renamed over out, so out holds the
// old archive or the new one, and nothing is left behind on failure.
func writePack(ctx context.Context, dir, out string, o *options) (string, error) {
	parent, base, err := fileops.OpenParent(out, false)
	if err != nil {
		return "", inputErrorf("--out: %v", err)
	}
	defer parent.Close()
	// Packed under a temporary name, checked, then renamed over out: a bundle
	// that fails the checks replaces nothing.
	tmp := ".pack-" + base
	pr, pw := io.Pipe()
	packed := make(chan error, 1)
	go func() {
		err := bundle.Pack(ctx, dir, pw)
		pw.CloseWithError(err)
		packed <- err
	}()
	// The published digest is the plain SHA-256 of the whole .zip, which
	// the write's content digest is not beyond 4 MiB.
	sha := sha256.New()
	written, werr := parent.WriteFile(ctx, tmp, io.TeeReader(pr, sha), 0)
	pr.CloseWithError(werr) // a write that failed early stops Pack too
	perr := <-packed
	switch {
	case perr != nil && !errors.Is(perr, werr):
		// Pack failed first: the write only saw its error.
		return "", errors.Join(perr, parent.RemoveAll(tmp))
	case werr != nil:
		return "", errors.Join(werr, parent.RemoveAll(tmp))
	}
	sum := hex.EncodeToString(sha.Sum(nil))
	if err := checkPacked(parent, tmp, out, sum, written.Size, o); err != nil {
		return "", errors.Join(err, parent.Remove(tmp))
	}
	if err := parent.Rename(tmp, base); err != nil {
		return "", errors.Join(err, parent.Remove(tmp))
	}
	return sum, nil
}

// setup parses a command's flags (RHQ-style -D arguments included) and checks
// the required ones.
// setupDest is setup for the commands that take only --dest as required: it
// also makes the destination absolute and records it in the result.
func (c *cli) setupDest(args []string) (*options, string, error) {
	o, err := c.setup(args, "dest")
	if err != nil {
		return nil, "", err
	}
	dest, err := absDest(o.dest)
	if err != nil {
		return nil, "", err
	}
	c.res.Destination = dest
	return o, dest, nil
}

func (c *cli) setup(args []string, required ...string) (*options, error) {
	o := &options{}
	c.o = o
	f := c.cmd.flags(o)
	if err := f.parse(args); err != nil {
		return nil, err
	}
	return o, f.require(required...)
}

// absDest makes --dest absolute (R1) and refuses one that is not a directory.
func absDest(dest string) (string, error) {
	abs, err := filepath.Abs(dest)
	if err != nil {
		return "", inputErrorf("--dest: %v", err)
	}
	if fi, err := os.Stat(abs); err == nil && !fi.IsDir() {
		return "", inputErrorf("--dest %s is a file, not a directory", abs)
	}
	return abs, nil
}
