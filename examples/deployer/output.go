package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/bundlekit/bundlekit/bundle"
	"github.com/bundlekit/bundlekit/constraint"
	"github.com/bundlekit/bundlekit/recipe"
	"github.com/bundlekit/bundlekit/token"
)

// cli is one run of a command: where output goes and the result to report.
type cli struct {
	stdout, stderr io.Writer
	cmd            *command
	o              *options
	res            result
	mu             sync.Mutex // events may come from the library's workers
	progress       *progress
	rollout        *rolloutRun // what the rollout command leaves for its finish
}

// result is the one final JSON object of --json output.
type result struct {
	Type         string             `json:"type"`
	Operation    string             `json:"operation"`
	OK           bool               `json:"ok"`
	Bundle       *bundle.Info       `json:"bundle"`
	Destination  string             `json:"destination"`
	DeploymentID *int               `json:"deploymentId"`
	DryRun       bool               `json:"dryRun"`
	Differences  bundle.Differences `json:"differences"`
	Error        string             `json:"error"`
	Warnings     []string           `json:"warnings,omitempty"`
	SideEffects  []string           `json:"sideEffects,omitempty"`
	Recovered    string             `json:"recovered,omitempty"`
	// Outcome is what the command did to the destination (commands that
	// change one, not in a dry run; status when its recovery failed).
	Outcome bundle.Outcome `json:"outcome,omitempty"`
	// Next is when a deferred operation may run (RFC 3339); absent when
	// waiting will not help.
	Next string `json:"next,omitempty"`
	// Conditions are the installation conditions checked, each with what
	// it found (ok or not): all of them when the operation was refused.
	Conditions []bundle.ConditionResult `json:"conditions,omitempty"`
	// Requires are the installation conditions a recipe declares (validate).
	Requires []requirement          `json:"requires,omitempty"`
	Status   *bundle.StatusReport   `json:"status,omitempty"`
	Inputs   []inputInfo            `json:"inputs,omitempty"`
	Problems []*recipe.Error        `json:"problems,omitempty"`
	Audit    []bundle.AuditRecord   `json:"audit,omitempty"`
	Commands []bundle.CommandResult `json:"commands,omitempty"`
	Output   string                 `json:"output,omitempty"`
	// Probe is probe's report.
	Probe *bundle.ProbeReport `json:"probe,omitempty"`
	// Prune is what prune removed, or what deploy and revert --keep pruned.
	Prune *bundle.PruneReport `json:"prune,omitempty"`
}

// requirement is an installation condition a recipe declares, for validate:
// its kind and its value in the flag's syntax, or, for a value that refers to
// properties, the attribute as written (kind "unexpanded").
type requirement struct {
	Kind  string `json:"kind"`
	Value string `json:"value"`
}

// inputInfo describes an input property for validate.
type inputInfo struct {
	Name        string `json:"name"`
	Type        string `json:"type"`
	Required    bool   `json:"required"`
	Default     string `json:"default,omitempty"`
	HasDefault  bool   `json:"hasDefault"`
	Description string `json:"description,omitempty"`
	Value       string `json:"value,omitempty"`
	Pos         string `json:"pos"`
}

// usageError and inputError are exit code 2: nothing was changed.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usageErrorf(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

type inputError struct{ err error }

func (e *inputError) Error() string { return e.err.Error() }
func (e *inputError) Unwrap() error { return e.err }

func inputErrorf(format string, args ...any) error {
	return &inputError{err: fmt.Errorf(format, args...)}
}

// exitCode classifies an error by the command's exit-code contract.
func exitCode(err error) int {
	var (
		ue *usageError
		ie *inputError
		le *bundle.LockedError
		oe *bundle.OperationError
		pf *probeFailed
	)
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &pf):
		return pf.exitCode()
	case errors.As(err, &oe) && oe.Outcome == bundle.OutcomeNeedsRecovery:
		return exitRecover
	case errors.As(err, &oe) && oe.Outcome == bundle.OutcomeCompleted:
		return exitDeployed
	case errors.As(err, &oe) && oe.Outcome == bundle.OutcomeDeferred:
		return exitDeferred
	case errors.As(err, &le):
		return exitLocked
	case errors.As(err, &ue), errors.As(err, &ie), errors.Is(err, bundle.ErrInvalidInput), errors.Is(err, flag.ErrHelp):
		return exitUsage
	}
	return exitFailed
}

// human reports whether human-readable output goes anywhere, and where.
func (c *cli) human() io.Writer {
	switch {
	case c.o != nil && c.o.quiet:
		return io.Discard
	case c.o != nil && c.o.json:
		return c.stderr
	}
	return c.stdout
}

func (c *cli) jsonLine(v any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	data, err := json.Marshal(v)
	if err != nil {
		fmt.Fprintf(c.stderr, "deployer: encode JSON: %v\n", err)
		return
	}
	c.stdout.Write(append(data, '\n'))
}

// entryLines writes, with --json, one line per entry of the plan, before
// anything runs: {"type":"entry","path":…,"action":…,"rule":…,…}.
func (c *cli) entryLines(p *bundle.Plan) {
	if !c.o.json {
		return
	}
	for _, e := range p.Entries {
		c.jsonLine(struct {
			Type string `json:"type"`
			*bundle.Entry
		}{"entry", e})
	}
}

// event receives the library's events: JSON lines with --json, a progress line on
// a terminal, nothing otherwise.
func (c *cli) event(e bundle.Event) {
	if c.o.json {
		c.jsonLine(struct {
			Type string `json:"type"`
			bundle.Event
		}{"event", e})
		return
	}
	switch e.Type {
	case bundle.EventHook:
		if e.Task == "echo" && e.Message != "" {
			c.hookLine(fmt.Sprintf("[%s] %s", e.Target, e.Message))
		}
		if e.Stream != "" && e.Message != "" {
			c.hookLine(fmt.Sprintf("[%s] %s: %s", e.Target, e.Stream, e.Message))
		}
	case bundle.EventAudit:
		a := e.Audit
		c.hookLine(fmt.Sprintf("[%s] audit %s: %s (%s) %s %s", e.Target, a.Status, a.Action, a.Info, a.Message, strings.Join(strings.Fields(a.Details), " ")))
	case bundle.EventCommand:
		r := e.Command
		if r.TimedOut {
			c.hookLine(fmt.Sprintf("%s command %q: timed out and killed after %s", r.Phase, r.Command, r.Duration.Round(time.Millisecond)))
			break
		}
		c.hookLine(fmt.Sprintf("%s command %q: exit %d, success %t, %s", r.Phase, r.Command, r.ExitCode, r.Success, r.Duration.Round(time.Millisecond)))
	}
	if c.progress != nil {
		c.progress.update(e)
	}
}

// hookLine prints what a recipe's targets and commands report, between the
// deployer's own lines.
func (c *cli) hookLine(s string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.progress != nil {
		c.progress.done()
	}
	fmt.Fprintln(c.human(), s)
}

// finish writes the final result (exactly one JSON object with --json) or the
// error, and returns the exit code.
func (c *cli) finish(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		commandUsage(c.stdout, c.cmd)
		return exitOK
	}
	if c.progress != nil {
		c.progress.done()
	}
	code := exitCode(err)
	c.res.Type, c.res.Operation, c.res.OK = "result", c.cmd.name, err == nil
	if err != nil {
		c.res.Error = err.Error()
		c.res.Problems = recipe.Errors(err)
	}
	// A command that reads (status) reports an outcome only when its
	// recovery of an unfinished operation failed; a dry run, when it was
	// deferred or refused, as the real run would be.
	var oe *bundle.OperationError
	hasOutcome := errors.As(err, &oe) && (c.cmd.writes || oe.Outcome == bundle.OutcomeNeedsRecovery ||
		oe.Outcome == bundle.OutcomeDeferred || oe.Outcome == bundle.OutcomeRefused)
	var d *constraint.Deferral
	if errors.As(err, &d) && !d.Next.IsZero() {
		c.res.Next = d.Next.Format(time.RFC3339)
	}
	var re *bundle.RefusedError
	if errors.As(err, &re) {
		c.res.Conditions = re.Results
	}
	switch {
	case c.cmd.writes && !c.res.DryRun:
		c.res.Outcome = bundle.OutcomeOf(err)
	case hasOutcome:
		c.res.Outcome = oe.Outcome
	}
	if c.o != nil && c.o.json {
		c.jsonLine(c.res)
	}
	if err != nil {
		c.printError(err)
		if hasOutcome {
			fmt.Fprintf(c.stderr, "outcome: %s\n", outcomeWords(oe))
		}
	}
	return code
}

// outcomeWords says in plain words what a failed operation did.
func outcomeWords(e *bundle.OperationError) string {
	switch e.Outcome {
	case bundle.OutcomeNotStarted:
		return "not started: nothing was changed"
	case bundle.OutcomeRolledBack:
		return "rolled back: the partial changes were undone, and nothing was changed"
	case bundle.OutcomeCompleted:
		return "completed: the new deployment is in place, but what is said above failed after it"
	case bundle.OutcomeRefused:
		return "refused: an installation condition does not hold; nothing was changed"
	case bundle.OutcomeDeferred:
		var d *constraint.Deferral
		if errors.As(e.Err, &d) && !d.Next.IsZero() {
			return "deferred: nothing was changed; run it again from " + d.Next.Format(time.RFC3339)
		}
		return "deferred: nothing was changed, and waiting will not help (see above)"
	}
	if e.Recovery == "" {
		return "needs recovery: the destination holds an unfinished operation, which cannot be recovered as it is (see above)"
	}
	return "needs recovery: the destination holds an unfinished operation; run " + e.Recovery
}

// printError explains a failure on stderr: what is wrong, where, and the fix.
func (c *cli) printError(err error) {
	w := c.stderr
	var missing *token.MissingError
	var invalid *token.InvalidError
	var ue *usageError
	var re *bundle.RefusedError
	switch {
	case errors.As(err, &re):
		printRefused(w, c.cmd.name, re)
		return
	case len(recipe.Errors(err)) > 0:
		fmt.Fprintf(w, "deployer: the recipe has %d error(s):\n", len(recipe.Errors(err)))
		for _, e := range recipe.Errors(err) {
			fmt.Fprintf(w, "  %s\n", c.withBundlePath(e))
		}
		return
	case errors.As(err, &missing) || errors.As(err, &invalid):
		if errors.As(err, &missing) {
			fmt.Fprintln(w, "deployer: required input properties have no value:")
			for _, in := range missing.Inputs {
				desc := ""
				if in.Description != "" {
					desc = ": " + in.Description
				}
				fmt.Fprintf(w, "  %s (%s)%s\n      pass -p %s=VALUE\n", in.Name, in.Type, desc, in.Name)
			}
		}
		for _, e := range joined(err) {
			if errors.As(e, &invalid) {
				fmt.Fprintf(w, "deployer: %v\n      pass a valid -p %s=VALUE\n", invalid, invalid.Name)
			}
		}
		return
	case errors.As(err, &ue):
		fmt.Fprintf(w, "deployer %s: %v\nRun 'deployer help %s' for usage.\n", c.cmd.name, err, c.cmd.name)
		return
	}
	fmt.Fprintf(w, "deployer %s: %v\n", c.cmd.name, err)
}

// printRefused lists each installation condition that does not hold, with
// what it wanted and found, and the end of a failed check command's output.
func printRefused(w io.Writer, cmd string, re *bundle.RefusedError) {
	what := "an installation condition does not hold"
	if len(re.Failed) > 1 {
		what = fmt.Sprintf("%d installation conditions do not hold", len(re.Failed))
	}
	fmt.Fprintf(w, "deployer %s: refused: %s at %s:\n", cmd, what, re.Dest)
	for _, r := range re.Failed {
		fmt.Fprintf(w, "  %s: wanted %s, observed %s\n", r.Name, r.Wanted, r.Observed)
		if r.Detail != "" {
			fmt.Fprintf(w, "      %s\n", r.Detail)
		}
		if r.Command != nil {
			for _, tail := range []struct{ name, text string }{{"stdout", r.Command.StdoutTail}, {"stderr", r.Command.StderrTail}} {
				if t := lastLines(tail.text, 3); t != "" {
					fmt.Fprintf(w, "      %s: %s\n", tail.name, strings.ReplaceAll(t, "\n", "\n        "))
				}
			}
		}
	}
}

// lastLines returns the last n lines of s, without the final newline.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func joined(err error) []error {
	var out []error
	var walk func(error)
	walk = func(e error) {
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, x := range j.Unwrap() {
				walk(x)
			}
			return
		}
		if u := errors.Unwrap(e); u != nil {
			if _, isJoin := u.(interface{ Unwrap() []error }); isJoin {
				walk(u)
				return
			}
		}
		out = append(out, e)
	}
	walk(err)
	return out
}

// withBundlePath prefixes a recipe position with the bundle's location, so a
// terminal or an editor can open it.
func (c *cli) withBundlePath(e *recipe.Error) string {
	s := e.Error()
	if c.o == nil || c.o.bundle == "" || strings.HasSuffix(c.o.bundle, ".zip") {
		return s
	}
	return strings.TrimSuffix(filepathToSlash(c.o.bundle), "/") + "/" + s
}

func filepathToSlash(p string) string { return strings.ReplaceAll(p, string(os.PathSeparator), "/") }

// markers of the per-path lines.
func marker(e *bundle.Entry) string {
	switch e.Action {
	case bundle.ActionAdd:
		return "+"
	case bundle.ActionChange:
		if e.Backup != "" {
			return "!"
		}
		return "~"
	case bundle.ActionDelete:
		if e.Backup != "" {
			return "!"
		}
		return "-"
	case bundle.ActionMode:
		return "~"
	case bundle.ActionKeep:
		return "="
	case bundle.ActionIgnore:
		return "i"
	case bundle.ActionRestore:
		return "<"
	case bundle.ActionHandover:
		return ">"
	case bundle.ActionUnchanged:
		if e.Backup != "" {
			return "!"
		}
		if e.Mode != nil && e.Mode.Kept {
			return "="
		}
	}
	return ""
}

// listLimit is about a screenful: a listing of more lines is grouped by
// top-level directory with --verbose and collapsed by directory without it.
const listLimit = 40

// printEntries lists the paths a plan changes, sorted, one line each with its
// marker. A listing longer than listLimit is collapsed by directory unless
// verbose is set: see collapse.
func printEntries(w io.Writer, entries []*bundle.Entry, verbose bool) {
	var lines []*bundle.Entry
	for _, e := range entries {
		if marker(e) != "" {
			lines = append(lines, e)
		}
	}
	slices.SortFunc(lines, func(a, b *bundle.Entry) int { return strings.Compare(a.Path, b.Path) })
	switch {
	case len(lines) <= listLimit:
		for _, e := range lines {
			fmt.Fprintf(w, "%s %s\n", marker(e), describe(e))
		}
	case verbose:
		printGrouped(w, lines)
	default:
		// One line of the screenful is the hint.
		out := collapse(lines, listLimit-1)
		for _, l := range out {
			fmt.Fprintln(w, l)
		}
		fmt.Fprintf(w, "(%d paths in %s; --verbose lists every path)\n", len(lines), plural(len(out), "line"))
	}
}

// describe is an entry's line without its marker.
func describe(e *bundle.Entry) string {
	s := e.Path
	if e.Dir {
		s += "/"
	}
	var notes []string
	switch {
	case e.Action == bundle.ActionKeep:
		notes = append(notes, "local edit kept")
	case e.Backup != "" && e.Action == bundle.ActionDelete:
		notes = append(notes, "moved to backup "+e.Backup)
	case e.Backup != "":
		notes = append(notes, "backed up to "+e.Backup)
	}
	if e.Mode != nil {
		notes = append(notes, "mode "+e.Mode.String())
	}
	if len(notes) > 0 {
		s += "  (" + strings.Join(notes, "; ") + ")"
	}
	return s
}

// printGrouped lists every entry under a header per top-level directory.
func printGrouped(w io.Writer, lines []*bundle.Entry) {
	group := ""
	for _, e := range lines {
		top, _, nested := strings.Cut(e.Path, "/")
		if !nested || strings.HasPrefix(e.Path, "/") {
			top = ""
		}
		if top != group {
			group = top
			if top != "" {
				fmt.Fprintf(w, "%s/\n", top)
			}
		}
		indent := ""
		if top != "" {
			indent = "  "
		}
		fmt.Fprintf(w, "%s%s %s\n", indent, marker(e), describe(e))
	}
}

// individual reports whether an entry is always listed on its own line, never
// folded into a directory's count: what an operator must see by name (a
// local edit kept or backed up, an unknown file moved away, an error, an
// ignored, restored or handed-over path) and a path outside the destination.
func individual(e *bundle.Entry) bool {
	switch e.Action {
	case bundle.ActionKeep, bundle.ActionIgnore, bundle.ActionRestore, bundle.ActionHandover:
		return true
	}
	return e.Backup != "" || e.Error != "" || e.Mode != nil && e.Mode.Kept || !filepath.IsLocal(filepath.FromSlash(e.Path))
}

// collapse folds sorted entries into at most limit lines where it can: the
// individual entries keep their own lines, the others are counted per marker
// and directory, the directory being the path's first depth directories. The
// depth is the largest whose listing fits in limit lines (deeper listings
// are never shorter, since each directory splits into its subdirectories);
// when not even depth 1 fits, everything is counted under "./". A count line
// comes just before the paths listed in its directory; a directory with a
// single path lists the path itself. Entries carry no sizes, so a count line
// gives numbers of files and directories, not bytes.
func collapse(lines []*bundle.Entry, limit int) []*countLine {
	deepest := 0
	for _, e := range lines {
		deepest = max(deepest, len(dirsOf(e)))
	}
	depth := 0
	for d := 1; d <= deepest && len(groupLines(lines, d)) <= limit; d++ {
		depth = d
	}
	return groupLines(lines, depth)
}

// dirsOf is the directories an entry's path is in, or, for a directory, the
// directory itself and those it is in.
func dirsOf(e *bundle.Entry) []string {
	parts := strings.Split(e.Path, "/")
	if e.Dir {
		return parts
	}
	return parts[:len(parts)-1]
}

// countLine is one line of a collapsed listing: one marker, one directory,
// and the entries it stands for; or, with no marker of its own, one
// individual entry.
type countLine struct {
	marker, dir string
	entries     []*bundle.Entry
}

// sortKey places a line among the others: a count line just before the
// paths in its directory.
func (g *countLine) sortKey() string {
	switch {
	case g.marker == "":
		return g.entries[0].Path
	case g.dir == "":
		return ""
	}
	return g.dir + "/"
}

// String is the line: "+ mod38/  250 files", or, when the directory itself
// is among the entries (made or removed with what is in it),
// "- mod38/  with 250 files, 4 directories".
func (g *countLine) String() string {
	if len(g.entries) == 1 {
		e := g.entries[0]
		return marker(e) + " " + describe(e)
	}
	files, dirs, self := 0, 0, false
	for _, e := range g.entries {
		switch {
		case !e.Dir:
			files++
		case e.Path == g.dir:
			self = true
		default:
			dirs++
		}
	}
	var n []string
	if files > 0 {
		n = append(n, plural(files, "file"))
	}
	if dirs > 0 {
		n = append(n, plural(dirs, "directory"))
	}
	with := ""
	if self {
		with = "with "
	}
	shown := "./"
	if g.dir != "" {
		shown = g.dir + "/"
	}
	return fmt.Sprintf("%s %s  %s%s", g.marker, shown, with, strings.Join(n, ", "))
}

func plural(n int, noun string) string {
	switch {
	case n == 1:
		return "1 " + noun
	case strings.HasSuffix(noun, "y"):
		return fmt.Sprintf("%d %sies", n, strings.TrimSuffix(noun, "y"))
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// groupLines is the collapsed listing of sorted lines at one depth.
func groupLines(lines []*bundle.Entry, depth int) []*countLine {
	var out []*countLine
	groups := map[[2]string]*countLine{}
	for _, e := range lines {
		if individual(e) {
			out = append(out, &countLine{entries: []*bundle.Entry{e}})
			continue
		}
		dirs := dirsOf(e)
		dir := strings.Join(dirs[:min(depth, len(dirs))], "/")
		key := [2]string{marker(e), dir}
		g := groups[key]
		if g == nil {
			g = &countLine{marker: key[0], dir: dir}
			groups[key] = g
			out = append(out, g)
		}
		g.entries = append(g.entries, e)
	}
	slices.SortStableFunc(out, func(a, b *countLine) int { return strings.Compare(a.sortKey(), b.sortKey()) })
	return out
}

// summary is the one-line count of a plan's changes.
func summary(entries []*bundle.Entry, d bundle.Differences) string {
	var kept int
	for _, e := range entries {
		if e.Action == bundle.ActionKeep {
			kept++
		}
	}
	parts := []string{
		fmt.Sprintf("%d added", len(d.Added)),
		fmt.Sprintf("%d changed", len(d.Changed)),
		fmt.Sprintf("%d deleted", len(d.Deleted)),
		fmt.Sprintf("%d backed up", len(d.BackedUp)),
		fmt.Sprintf("%d kept", kept),
		fmt.Sprintf("%d ignored", len(d.Ignored)),
	}
	if len(d.Restored) > 0 {
		parts = append(parts, fmt.Sprintf("%d restored", len(d.Restored)))
	}
	modes, modesKept := 0, 0
	for _, m := range d.Modes {
		if m.Kept {
			modesKept++
		} else {
			modes++
		}
	}
	if modes > 0 {
		parts = append(parts, fmt.Sprintf("%d modes changed", modes))
	}
	if modesKept > 0 {
		parts = append(parts, fmt.Sprintf("%d modes kept", modesKept))
	}
	if len(d.Errors) > 0 {
		parts = append(parts, fmt.Sprintf("%d errors", len(d.Errors)))
	}
	if d.Cleaned {
		parts = append(parts, "cleaned")
	}
	return strings.Join(parts, ", ")
}

// isTerminal reports whether f is a character device (a terminal), without a
// dependency: that is all the progress display needs to know.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&fs.ModeCharDevice != 0
}

// progress renders file events as one self-overwriting line: files, bytes, rate
// and ETA.
type progress struct {
	w     io.Writer
	start time.Time
	last  time.Time
	bytes int64
	shown bool
}

func newProgress(w io.Writer) *progress { return &progress{w: w, start: time.Now()} }

func (p *progress) update(e bundle.Event) {
	if e.Type != bundle.EventFile && e.Type != bundle.EventBackup {
		return
	}
	p.bytes += e.Bytes
	now := time.Now()
	if now.Sub(p.last) < 100*time.Millisecond && e.Done != e.Total {
		return
	}
	p.last = now
	elapsed := now.Sub(p.start).Seconds()
	rate := float64(p.bytes) / max(elapsed, 0.001)
	eta := "-"
	if e.Done > 0 && e.Total > e.Done {
		eta = time.Duration(elapsed / float64(e.Done) * float64(e.Total-e.Done) * float64(time.Second)).Round(time.Second).String()
	}
	fmt.Fprintf(p.w, "\r\033[K%d/%d files  %s  %s/s  ETA %s", e.Done, e.Total, humanBytes(p.bytes), humanBytes(int64(rate)), eta)
	p.shown = true
}

func (p *progress) done() {
	if p.shown {
		fmt.Fprint(p.w, "\r\033[K")
		p.shown = false
	}
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// warn says something the operator should know, on the human output and in
// the result's warnings.
func (c *cli) warn(w string) {
	fmt.Fprintf(c.human(), "warning: %s\n", w)
	c.res.Warnings = append(c.res.Warnings, w)
}
