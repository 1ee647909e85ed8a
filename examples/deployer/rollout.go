package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"time"

	"github.com/bundlekit/bundlekit/bundle"
	"github.com/bundlekit/bundlekit/rollout"
)

// rolloutFlags are the flags of the rollout command.
type rolloutFlags struct {
	descriptor      string
	groups, targets listFlag
	retryFailed     bool
	revert, purge   bool
	parallelism     int
	sequence        string
	schema          bool
}

var rolloutCmd = &command{
	name:    "rollout",
	summary: "roll a bundle out to many destinations from a deployment descriptor (priority, parallelism, sequence mode; resumable)",
	usage: "--descriptor FILE [--dry-run] [--group G]... [--target T]... [--retry-failed] [--revert | --purge] " +
		"[--parallelism N] [--sequence abort|continue] [--wait DURATION] [--json]",
	writes: true,
	examples: `  deployer rollout --descriptor prod.json --dry-run         # plan every target, change nothing
  deployer rollout --descriptor prod.json                   # deploy; rerun it to resume
  deployer rollout --descriptor prod.json --group eu --target canary
  deployer rollout --descriptor prod.json --retry-failed    # run again what failed last time
  deployer rollout --descriptor prod-1.0.json --revert      # fall back to 1.0 everywhere
  deployer rollout --descriptor prod.json --json | jq -c 'select(.type=="target") | [.name, .outcome]'
  deployer rollout --schema > descriptor.schema.json        # the descriptor's JSON Schema, for editors

A descriptor (JSON; see --schema and README "Rolling out to a fleet"):
  {"bundle": "app-2.0.zip", "sha256": "…", "parallelism": 2, "sequence": "abort",
   "defaults": {"properties": {"listener.port": 8080}},
   "targets": [{"name": "canary", "dest": "/srv/canary/app", "priority": 10},
               {"name": "web1", "dest": {"base": "/opt/jboss/server/default", "deploy_dir": "deploy/app"},
                "groups": ["web"], "properties": {"listener.port": 8081}}]}

Targets start by priority (higher first; a lower priority starts once every
higher one has ended), ties in file order, at most --parallelism at once. Each
ends in one outcome: succeeded, unchanged (already holds this bundle and
version, and the plan changes nothing: not applied), failed (the operation
failed; a refused installation condition too), error (could not even try:
bundle unreadable, destination unreachable or locked), aborted (not started:
an earlier target failed in sequence mode abort, or the rollout was stopped)
or deferred (outside its window or dates). The state file FILE.state.json,
rewritten after each target, makes a rerun skip what succeeded and run what
did not start; --retry-failed also runs what failed. Ctrl-C stops starting
targets (running ones finish; a second Ctrl-C cancels them, and the engine
undoes them).

JSON output (--json), one object per line:
  {"type":"target","name":N,"outcome":O,"destination":D,"deploymentId":I,
   "differences":{"added":…},"durationMs":M,"error":E,…}   one per target, as it ends
  {"type":"result","operation":"rollout","ok":B,"counts":{…},
   "totalRuntimeMs":T,"effectiveRuntimeMs":E,…}            exactly one, last
`,
	flags: func(o *options) flagSet {
		f := newFlags("rollout", o)
		r := &f.o.rollout
		f.StringVar(&r.descriptor, "descriptor", "", "the deployment descriptor `FILE` (JSON); its state is kept in FILE.state.json")
		f.Var(&r.groups, "group", "roll out only to the targets in group `NAME` (repeatable; with --target, either selects)")
		f.Var(&r.targets, "target", "roll out only to the target `NAME` (repeatable)")
		f.BoolVar(&f.o.dryRun, "dry-run", false, "plan every target and change nothing (no lock, no recipe target, the state file is not written)")
		f.BoolVar(&r.retryFailed, "retry-failed", false, "run again the targets that failed or errored in an earlier run of this rollout (the state file says which)")
		f.BoolVar(&r.revert, "revert", false, "revert every target to the descriptor's bundle, the version to go back to (as deployer revert)")
		f.BoolVar(&r.purge, "purge", false, "purge every target's deployment (as deployer purge); the bundle is not read")
		f.IntVar(&r.parallelism, "parallelism", 0, "run at most `N` targets at once (default: the descriptor's)")
		f.StringVar(&r.sequence, "sequence", "", "the sequence `MODE`: abort (after a failure, start no new target) or continue (default: the descriptor's)")
		f.BoolVar(&r.schema, "schema", false, "print the descriptor's JSON Schema and exit")
		f.BoolVar(&f.o.verify, "verify", false, "re-read every byte of each destination instead of trusting the stat cache (as deploy --verify)")
		f.BoolVar(&f.o.json, "json", false, "write JSON Lines to stdout: one {\"type\":\"target\"} object per target as it ends, then exactly one result object; the human output goes to stderr")
		f.BoolVar(&f.o.quiet, "quiet", false, "print only errors")
		f.BoolVar(&f.o.quiet, "q", false, "same as --quiet")
		return f.wait()
	},
	run:    runRollout,
	finish: finishRollout,
	exits: "Exit codes: 0 every target succeeded or was unchanged, 1 a target failed, errored or was aborted " +
		"(or the state file cannot be used), 2 usage error or invalid descriptor, 4 no target failed but some were deferred.\n",
}

// rolloutRun is what runRollout leaves for finishRollout.
type rolloutRun struct {
	res   *rollout.Result
	d     *rollout.Descriptor
	state string
}

func runRollout(ctx context.Context, c *cli, args []string) error {
	o, err := c.setup(args)
	if err != nil {
		return err
	}
	r := &o.rollout
	if r.schema {
		_, err := c.stdout.Write(rollout.Schema())
		return err
	}
	if r.descriptor == "" {
		return usageErrorf("--descriptor is required")
	}
	op := rollout.OpDeploy
	switch {
	case r.revert && r.purge:
		return usageErrorf("--revert and --purge exclude each other")
	case r.revert:
		op = rollout.OpRevert
	case r.purge:
		op = rollout.OpPurge
	}
	if r.parallelism < 0 {
		return usageErrorf("--parallelism %d: want 1 or more", r.parallelism)
	}
	d, err := rollout.Load(r.descriptor)
	if err != nil {
		return &inputError{err: err}
	}
	run := &rolloutRun{d: d, state: rollout.StateFile(r.descriptor)}
	c.rollout = run

	// The first Ctrl-C (or a done ctx) stops starting targets; the second
	// cancels the running ones, which the engine undoes.
	stop, hard := make(chan struct{}), context.WithoutCancel(ctx)
	hard, cancel := context.WithCancel(hard)
	defer cancel()
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt)
	defer signal.Stop(sigs)
	done := make(chan struct{})
	defer close(done)
	go func() {
		interrupts, ctxDone := 0, ctx.Done()
		for {
			select {
			case <-done:
				return
			case <-ctxDone:
				// main's context ends with the first Ctrl-C, which sigs
				// counts too.
				ctxDone = nil
				c.stopping(stop)
			case <-sigs:
				interrupts++
				if interrupts == 1 {
					c.stopping(stop)
				} else {
					fmt.Fprintln(c.stderr, "deployer rollout: interrupted again: cancelling the running targets")
					cancel()
				}
			}
		}
	}()

	view := newRolloutView(c, d, op, o)
	res, err := rollout.Run(hard, d, rollout.Options{
		Operation: op, DryRun: o.dryRun, Groups: r.groups, Targets: r.targets,
		Parallelism: r.parallelism, Sequence: rollout.Sequence(r.sequence),
		StateFile: run.state, RetryFailed: r.retryFailed, LockWait: o.wait, Verify: o.verify, Stop: stop,
		Started: view.started, Events: view.event, Ended: view.ended,
	})
	view.close()
	if err != nil {
		if errors.Is(err, bundle.ErrInvalidInput) {
			return usageErrorf("%v", err)
		}
		return err
	}
	run.res = res
	return nil
}

// stopping closes stop once and says what happens now.
func (c *cli) stopping(stop chan struct{}) {
	select {
	case <-stop:
		return
	default:
	}
	close(stop)
	fmt.Fprintln(c.stderr, "deployer rollout: interrupted: no new target starts; the running ones finish (Ctrl-C again cancels them)")
}

// finishRollout prints the rollout's result and returns its exit code.
func finishRollout(c *cli, err error) int {
	run := c.rollout
	switch {
	case errors.Is(err, flag.ErrHelp):
		return c.finish(err)
	case err == nil && (run == nil || run.res == nil):
		return exitOK // --schema
	case err != nil:
		if c.o != nil && c.o.json {
			c.jsonLine(rolloutResultLine(c, nil, err))
			c.o.json = false // finish's own result object is not a rollout's
		}
		if errs := rollout.Errors(err); len(errs) > 0 {
			fmt.Fprintf(c.stderr, "deployer rollout: the descriptor has %d error(s):\n", len(errs))
			for _, e := range errs {
				fmt.Fprintf(c.stderr, "  %s\n", e)
			}
			return exitUsage
		}
		return c.finish(err)
	}
	res := run.res
	if c.o.json {
		c.jsonLine(rolloutResultLine(c, run, nil))
	}
	w := c.human()
	fmt.Fprintln(w, rolloutSummary(res))
	if res.Err != nil {
		fmt.Fprintf(c.stderr, "deployer rollout: %v\n", res.Err)
	}
	for _, warn := range res.Warnings {
		fmt.Fprintf(c.stderr, "warning: %s\n", warn)
	}
	switch {
	case res.DryRun:
		fmt.Fprintln(w, "dry run: nothing was changed")
	case !res.OK():
		fmt.Fprintf(w, "state: %s (rerun to resume; --retry-failed also runs the targets that failed)\n", run.state)
	}
	switch {
	case !res.OK():
		return exitFailed
	case res.Count(rollout.OutcomeDeferred) > 0:
		return exitDeferred
	}
	return exitOK
}

// rolloutSummary is the last line: the counts and OCO's runtimes.
func rolloutSummary(res *rollout.Result) string {
	var counts []string
	for _, o := range rollout.Outcomes {
		if n := res.Count(o); n > 0 {
			counts = append(counts, fmt.Sprintf("%d %s", n, o))
		}
	}
	approx := ""
	if res.Unfinished {
		approx = "~"
	}
	what := "rollout"
	if res.Bundle != nil {
		what += fmt.Sprintf(" of %s %s", res.Bundle.Name, res.Bundle.Version)
	}
	if res.Operation != rollout.OpDeploy {
		what = fmt.Sprintf("%s (%s)", what, res.Operation)
	}
	return fmt.Sprintf("%s: %s: %s; total runtime %s%s, effective runtime %s", what, plural(len(res.Targets), "target"),
		strings.Join(counts, ", "), approx, seconds(res.TotalRuntime), seconds(res.EffectiveRuntime))
}

func seconds(d time.Duration) string {
	if d < time.Millisecond {
		return d.Round(time.Microsecond).String()
	}
	if d < time.Second {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(10 * time.Millisecond).String()
}

// rolloutResultLine is the final JSON object.
func rolloutResultLine(c *cli, run *rolloutRun, err error) any {
	line := struct {
		Type               string                     `json:"type"`
		Operation          string                     `json:"operation"`
		Action             rollout.Operation          `json:"action,omitempty"`
		OK                 bool                       `json:"ok"`
		Descriptor         string                     `json:"descriptor"`
		Name               string                     `json:"name,omitempty"`
		StateFile          string                     `json:"stateFile,omitempty"`
		Bundle             *bundle.Info               `json:"bundle"`
		BundleID           string                     `json:"bundleId,omitempty"`
		DryRun             bool                       `json:"dryRun"`
		Targets            int                        `json:"targets"`
		Counts             map[rollout.Outcome]int    `json:"counts"`
		TotalRuntimeMs     int64                      `json:"totalRuntimeMs"`
		EffectiveRuntimeMs int64                      `json:"effectiveRuntimeMs"`
		Unfinished         bool                       `json:"unfinished"`
		Start              *time.Time                 `json:"start,omitempty"`
		End                *time.Time                 `json:"end,omitempty"`
		Error              string                     `json:"error"`
		Problems           []*rollout.ValidationError `json:"problems,omitempty"`
		Warnings           []string                   `json:"warnings,omitempty"`
	}{Type: "result", Operation: "rollout", Counts: map[rollout.Outcome]int{}}
	for _, o := range rollout.Outcomes {
		line.Counts[o] = 0
	}
	if c.o != nil {
		line.Descriptor, line.DryRun = c.o.rollout.descriptor, c.o.dryRun
	}
	if err != nil {
		line.Error, line.Problems = err.Error(), rollout.Errors(err)
		return line
	}
	res := run.res
	line.Name = run.d.Name
	line.Action, line.OK, line.StateFile = res.Operation, res.OK(), run.state
	line.Bundle, line.BundleID, line.Targets = res.Bundle, res.BundleID, len(res.Targets)
	for _, t := range res.Targets {
		line.Counts[t.Outcome]++
	}
	line.TotalRuntimeMs, line.EffectiveRuntimeMs, line.Unfinished = res.TotalRuntime.Milliseconds(), res.EffectiveRuntime.Milliseconds(), res.Unfinished
	line.Start, line.End = &res.Start, &res.End
	if res.Err != nil {
		line.Error = res.Err.Error()
	}
	line.Warnings = res.Warnings
	return line
}

// targetLine is a target's JSON object: {"type":"target", …TargetResult}.
func targetLine(r *rollout.TargetResult) json.RawMessage {
	data, err := json.Marshal(r)
	if err != nil {
		return json.RawMessage(fmt.Sprintf(`{"type":"target","name":%q,"error":%q}`, r.Name, err))
	}
	return append([]byte(`{"type":"target",`), data[1:]...)
}

// rolloutView shows the targets as they run: a live table on a terminal,
// one line per target as it ends otherwise, JSON lines with --json.
type rolloutView struct {
	c      *cli
	mu     sync.Mutex
	w      io.Writer
	table  *liveTable
	width  int
	dryRun bool
}

func newRolloutView(c *cli, d *rollout.Descriptor, op rollout.Operation, o *options) *rolloutView {
	v := &rolloutView{c: c, w: c.human(), dryRun: o.dryRun}
	for _, t := range d.Targets {
		v.width = max(v.width, len(t.Name))
	}
	targets, err := rollout.Select(d, o.rollout.groups, o.rollout.targets)
	if err != nil {
		return v
	}
	what := string(op)
	if o.dryRun {
		what = "plan (" + what + ")"
	}
	if op != rollout.OpPurge {
		what += " " + d.Bundle + " to"
	}
	name := "rollout"
	if d.Name != "" {
		name = fmt.Sprintf("rollout %q", d.Name)
	}
	fmt.Fprintf(v.w, "%s: %s %s (parallelism %d, sequence %s)\n", name, what, plural(len(targets), "target"),
		pick(o.rollout.parallelism, d.Parallelism), pickSeq(o.rollout.sequence, d.Sequence))
	if !o.json && !o.quiet && isTerminal(c.stdout) && len(targets) <= maxTableRows {
		v.table = newLiveTable(c.stdout, targets, v.width)
	}
	return v
}

func pick(flag, def int) int {
	if flag > 0 {
		return flag
	}
	return def
}

func pickSeq(flag string, def rollout.Sequence) rollout.Sequence {
	if flag != "" {
		return rollout.Sequence(flag)
	}
	return def
}

func (v *rolloutView) started(t *rollout.Target) {
	if v.table != nil {
		v.table.set(t.Name, "running", "")
	}
}

// event shows what a running target does: its phase in the table, or its
// recipe's messages, prefixed with its name, in plain output.
func (v *rolloutView) event(t *rollout.Target, e bundle.Event) {
	if v.table != nil {
		switch e.Type {
		case bundle.EventPhase:
			if e.Status == "started" {
				v.table.set(t.Name, e.Phase+"…", "")
			}
		case bundle.EventFile:
			v.table.set(t.Name, fmt.Sprintf("apply %d/%d", e.Done, e.Total), "")
		}
		return
	}
	if v.c.o.json || e.Type != bundle.EventHook || e.Message == "" || (e.Task != "echo" && e.Stream == "") {
		return
	}
	msg := e.Message
	if e.Stream != "" {
		msg = e.Stream + ": " + msg
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	fmt.Fprintf(v.w, "  [%s] [%s] %s\n", t.Name, e.Target, msg)
}

// ended shows a target's outcome: a JSON line, a row of the table, or a line.
func (v *rolloutView) ended(r *rollout.TargetResult) {
	if v.c.o.json {
		v.c.jsonLine(targetLine(r))
	}
	line, detail := outcomeLine(r, v.dryRun)
	if v.table != nil {
		v.table.set(r.Name, string(r.Outcome), line)
		if detail != "" {
			v.table.note(r.Name, detail)
		}
		return
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	fmt.Fprintf(v.w, "%-9s %-*s  %s\n", r.Outcome, v.width, r.Name, line)
	if detail != "" {
		fmt.Fprintf(v.w, "          %s\n", detail)
	}
}

func (v *rolloutView) close() {
	if v.table != nil {
		v.table.close()
	}
}

// outcomeLine says what became of a target after its outcome and name, and
// a second line with its error or the reason it did not run.
func outcomeLine(r *rollout.TargetResult, dryRun bool) (line, detail string) {
	var parts []string
	if r.DeploymentID != nil {
		parts = append(parts, fmt.Sprintf("deployment %d", *r.DeploymentID))
	}
	if r.Differences != nil && r.Outcome != rollout.OutcomeUnchanged {
		parts = append(parts, r.Differences.String())
	}
	if r.Ran() {
		parts = append(parts, seconds(r.Duration()))
	}
	parts = append(parts, r.Destination)
	line = strings.Join(parts, "  ")
	switch {
	case r.Skipped || r.Outcome == rollout.OutcomeAborted || r.Outcome == rollout.OutcomeUnchanged:
		detail = r.Reason
		if r.Skipped && r.Error != "" {
			detail += ": " + r.Error
		}
	case r.Error != "":
		detail = r.Error
		if r.Operation != "" && r.Operation != bundle.OutcomeNotStarted && r.Operation != bundle.OutcomeDeferred {
			detail += " [" + string(r.Operation) + "]"
		}
	case dryRun:
		detail = r.Plan
	case r.Recovered != "":
		detail = "recovered an unfinished operation there first: " + string(r.Recovered)
	}
	return line, detail
}

// maxTableRows is about a screenful: a rollout of more targets prints one
// line per target as it ends, even on a terminal.
const maxTableRows = 40

// liveTable is the terminal's view of a rollout: one row per target, its
// status updated in place, redrawn at most five times a second.
type liveTable struct {
	mu    sync.Mutex
	w     io.Writer
	names []string
	rows  map[string]*tableRow
	width int
	drawn int // the lines drawn last, to move back over
	dirty bool
	stop  chan struct{}
	done  chan struct{}
}

type tableRow struct {
	status, line, note string
	start              time.Time
}

func newLiveTable(w io.Writer, targets []*rollout.Target, width int) *liveTable {
	t := &liveTable{w: w, rows: map[string]*tableRow{}, width: width, dirty: true, stop: make(chan struct{}), done: make(chan struct{})}
	for _, x := range targets {
		t.names = append(t.names, x.Name)
		t.rows[x.Name] = &tableRow{status: "waiting", line: x.Dir()}
	}
	t.draw()
	go func() {
		defer close(t.done)
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-t.stop:
				return
			case <-tick.C:
				t.mu.Lock()
				t.draw()
				t.mu.Unlock()
			}
		}
	}()
	return t
}

// set changes a target's status, and its line when line is not empty.
func (t *liveTable) set(name, status, line string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	r := t.rows[name]
	if r == nil {
		return
	}
	if r.status == "waiting" {
		r.start = time.Now()
	}
	r.status = status
	if line != "" {
		r.line = line
	}
	t.dirty = true
}

// note keeps a target's error or reason, printed under the table at the end.
func (t *liveTable) note(name, note string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if r := t.rows[name]; r != nil {
		r.note = note
	}
}

// draw rewrites the table over its last drawing; running rows show how long
// they have run. The caller holds mu.
func (t *liveTable) draw() {
	running := false
	for _, r := range t.rows {
		running = running || r.status != "waiting" && !done(r.status)
	}
	if !t.dirty && !running {
		return
	}
	var b strings.Builder
	if t.drawn > 0 {
		fmt.Fprintf(&b, "\033[%dA", t.drawn)
	}
	for _, name := range t.names {
		r := t.rows[name]
		line := r.line
		if !done(r.status) && r.status != "waiting" {
			line = seconds(time.Since(r.start).Truncate(100*time.Millisecond)) + "  " + line
		}
		fmt.Fprintf(&b, "\r\033[K%-*s  %-12s %s\n", t.width, name, r.status, line)
	}
	io.WriteString(t.w, b.String())
	t.drawn, t.dirty = len(t.names), false
}

// done reports whether a status is an outcome.
func done(status string) bool {
	for _, o := range rollout.Outcomes {
		if status == string(o) {
			return true
		}
	}
	return false
}

// close draws the table a last time, then the notes of the targets.
func (t *liveTable) close() {
	close(t.stop)
	<-t.done
	t.mu.Lock()
	defer t.mu.Unlock()
	t.dirty = true
	t.draw()
	for _, name := range t.names {
		if n := t.rows[name].note; n != "" {
			fmt.Fprintf(t.w, "%s: %s\n", name, n)
		}
	}
}
