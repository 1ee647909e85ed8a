package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/bundlekit/bundlekit/bundle"
	"github.com/bundlekit/bundlekit/recipe"
)

var probeCmd = &command{
	bigHeap: true,
	name:    "probe",
	summary: "realize a deployment in a scratch tree and report what would go wrong, and what it would change; the destination is not touched",
	usage: "--bundle B --dest D [-p KEY=VALUE]... [--properties FILE]... [--check CMD] [--check-timeout DURATION] " +
		"[--check-codes CODES] [--strict] [--scratch DIR] [--keep-scratch] [--verbose] [--json]",
	details: `The whole deployment — raw files, archives, templates, handover items, the
system service — is realized as deploy would realize it, into a scratch tree
outside D, which is never changed:
  SCRATCH/dest           the deployed files (rhq.deploy.dir is this directory)
  SCRATCH/service-root   the rhq:system-service (etc/init.d/…)
  SCRATCH/handover       handed-over items: handover/<action>/<name>[.params]
No recipe target, no deployment.xml command runs, and no file outside the
destination is written: the probe lists them under "not run". Then it reports
  - every @@token@@ left as written in a realized file, with its line
    (a warning; an error with --strict),
  - every input property without a value, every file the recipe names that
    the bundle lacks (errors; an optional property without a value is a
    warning),
  - the --check command's result: it runs by the system shell in
    SCRATCH/dest, with BUNDLEKIT_PROBE_DEST (SCRATCH/dest) and
    BUNDLEKIT_PROBE_ROOT (SCRATCH) set, and is killed with its process
    group after --check-timeout,
and plans the deployment against D (as "deployer plan" does) for what it
would change. The scratch tree is removed unless --keep-scratch is given.

With --json the result object has the report under "probe": ok, scratch,
findings, unresolvedTokens, missingProperties, missingFiles, notRun, check,
plan, planError, outcome.
`,
	exits: `Exit codes: 0 nothing found that makes the deployment fail (warnings allowed);
1 a finding that does (a missing property or file, a failed check, an
unresolved token with --strict, a plan refused or impossible); 2 usage, or a
bundle or recipe that cannot be read; 3 the destination is locked by another
deployer, so it cannot be planned (see --wait); 4 the deployment is deferred
(outside its time window, address range or dates).
`,
	examples: `  deployer probe --bundle app-2.0.zip --dest /opt/app --properties prod.properties
  deployer probe --bundle app/ --dest /opt/app -p port=8080 --strict --check './bin/app --check-config'
  # Start the product with its new configuration, grep its log, stop it (as JS7 does):
  deployer probe --bundle app/ --dest /opt/app --check-timeout 2m --keep-scratch \
      --check 'bin/start.sh && sleep 10; grep -q "started" logs/app.log; rc=$?; bin/stop.sh; exit $rc'
`,
	flags: func(o *options) flagSet { return newFlags("probe", o).probeFlags() },
	plans: true,
	run:   runProbe,
}

func runProbe(ctx context.Context, c *cli, args []string) error {
	o, err := c.setup(args, "bundle", "dest")
	if err != nil {
		return err
	}
	c.res.DryRun = true // the destination is not touched
	dest, err := absDest(o.dest)
	if err != nil {
		return err
	}
	c.res.Destination = dest
	props, err := o.propertyValues()
	if err != nil {
		return err
	}
	b, err := openBundle(ctx, o)
	if err != nil {
		if missingFilesOnly(err) {
			return &probeFailed{err: err}
		}
		return err
	}
	defer b.Close()
	c.res.Bundle = &bundle.Info{Name: b.Recipe.Bundle.Name, Version: b.Recipe.Bundle.Version}
	constraints, conditions, err := o.gateOptions()
	if err != nil {
		return err
	}
	opts := bundle.ProbeOptions{
		Options: bundle.Options{Dest: dest, ID: o.id, ExactID: o.idSet, Properties: props, Clean: o.clean, Events: c.event,
			ServiceRoot: o.serviceRoot, LockWait: o.wait, Verify: o.verify, Limits: o.limits(), Constraints: constraints, Conditions: conditions},
		Scratch: o.scratch, Keep: o.keepScratch, Check: o.check, CheckTimeout: o.checkTimeout, CheckCodes: o.checkCodes, Strict: o.strict,
	}
	if o.handoverDir != "" {
		dir, err := filepath.Abs(o.handoverDir)
		if err != nil {
			return inputErrorf("--handover-dir: %v", err)
		}
		opts.Handover = handoverToDir(dir) // only what the plan against D shows
	}
	rep, err := bundle.Probe(ctx, b, opts)
	if err != nil {
		return err
	}
	c.res.Probe, c.res.DeploymentID, c.res.Outcome = rep, &rep.ID, rep.Outcome
	c.describeProbe(rep)
	if !rep.OK {
		return &probeFailed{rep: rep}
	}
	return nil
}

// describeProbe prints the report: what was realized where, what did not
// run, the findings, the check, the plan and a last line that sums up.
func (c *cli) describeProbe(rep *bundle.ProbeReport) {
	w := c.human()
	where := "removed"
	if rep.Kept {
		where = "kept"
	}
	what := "realized"
	if !rep.Realized {
		what = "could not be realized"
	}
	fmt.Fprintf(w, "probe of %s %s for %s (deployment %d): %s in %s (%s)\n", rep.Bundle.Name, rep.Bundle.Version, rep.Dest, rep.ID, what, rep.Scratch, where)
	if rep.Realized {
		fmt.Fprintf(w, "%s scanned for tokens\n", plural(rep.Templates, "realized file"))
	}
	for _, n := range rep.NotRun {
		fmt.Fprintf(w, "not run: %s\n", n)
	}
	errs, warns, missing := 0, 0, rep.MissingProperties
	for _, f := range rep.Findings {
		fmt.Fprintf(w, "%s: %s\n", f.Severity, f.Message)
		if f.Kind == bundle.FindingMissingProperty && len(missing) > 0 {
			// The properties are listed in the order of their findings.
			if missing[0].Required {
				fmt.Fprintf(w, "      pass -p %s=VALUE\n", missing[0].Name)
			}
			missing = missing[1:]
		}
		if f.Severity == bundle.SeverityError {
			errs++
		} else {
			warns++
			c.res.Warnings = append(c.res.Warnings, f.Message)
		}
	}
	if r := rep.Check; r != nil {
		verdict := "success"
		if !r.Success {
			verdict = "failure"
		}
		fmt.Fprintf(w, "check %q: exit %d, %s, %s\n", r.Command, r.ExitCode, verdict, r.Duration.Round(time.Millisecond))
		if !r.Success {
			printTail(w, "stdout", r.StdoutTail)
			printTail(w, "stderr", r.StderrTail)
		}
	}
	if p := rep.Plan; p != nil {
		c.res.Differences = p.Differences
		c.describePlan(p)
	} else if !slices.ContainsFunc(rep.Findings, func(f bundle.Finding) bool { return f.Kind == bundle.FindingPlan }) {
		fmt.Fprintf(w, "not planned against %s: %s\n", rep.Dest, rep.PlanError)
	}
	switch {
	case rep.OK && warns == 0:
		fmt.Fprintln(w, "probe: OK; nothing was changed")
	case rep.OK:
		fmt.Fprintf(w, "probe: OK, with %s; nothing was changed\n", plural(warns, "warning"))
	default:
		fmt.Fprintf(w, "probe: %s, %s: the deployment would not work; nothing was changed\n", plural(errs, "error"), plural(warns, "warning"))
	}
}

// tailLines is how many lines of a failed check's output the human report
// shows (the JSON result has the last 64 KiB).
const tailLines = 10

func printTail(w interface{ Write([]byte) (int, error) }, name, tail string) {
	tail = strings.TrimRight(tail, "\n")
	if tail == "" {
		return
	}
	lines := strings.Split(tail, "\n")
	if len(lines) > tailLines {
		fmt.Fprintf(w, "  %s (last %d lines):\n", name, tailLines)
		lines = lines[len(lines)-tailLines:]
	} else {
		fmt.Fprintf(w, "  %s:\n", name)
	}
	for _, l := range lines {
		fmt.Fprintf(w, "    %s\n", l)
	}
}

// missingFilesOnly reports whether the bundle could not be opened only
// because files its recipe names are missing: a finding of the probe.
func missingFilesOnly(err error) bool {
	problems := recipe.Errors(err)
	for _, p := range problems {
		var mf *bundle.MissingFileError
		if !errors.As(p, &mf) {
			return false
		}
	}
	return len(problems) > 0
}

// probeFailed is a probe that found what makes the deployment fail (exit 1),
// or that it is deferred (exit 4): the report says what; err is the bundle's
// when it could not even be opened for its missing files.
type probeFailed struct {
	rep *bundle.ProbeReport
	err error
}

func (e *probeFailed) Error() string {
	switch {
	case e.err != nil:
		return e.err.Error()
	case e.rep.Outcome == bundle.OutcomeDeferred:
		return "the deployment is deferred: " + e.rep.PlanError
	}
	n := 0
	for _, f := range e.rep.Findings {
		if f.Severity == bundle.SeverityError {
			n++
		}
	}
	return fmt.Sprintf("the probe found %s: the deployment would not work", plural(n, "error"))
}

func (e *probeFailed) Unwrap() error { return e.err }

func (e *probeFailed) exitCode() int {
	var le *bundle.LockedError
	switch {
	case e.rep == nil:
	case e.rep.Outcome == bundle.OutcomeDeferred:
		return exitDeferred
	case errors.As(e.rep.PlanErr(), &le):
		return exitLocked
	}
	return exitFailed
}
