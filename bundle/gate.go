package bundle

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/bundlekit/bundlekit/constraint"
	"github.com/bundlekit/bundlekit/fileops"
	"github.com/bundlekit/bundlekit/internal/command"
	"github.com/bundlekit/bundlekit/internal/journal"
	"github.com/bundlekit/bundlekit/internal/metadata"
	"github.com/bundlekit/bundlekit/recipe"
)

// Condition is an installation condition (see recipe.Condition): a value,
// not a pointer, of recipe.OSCondition, recipe.FreeSpaceCondition,
// recipe.PathCondition, recipe.DeploymentCondition or
// recipe.CheckCondition; anything else makes the plan fail with
// ErrInvalidInput. Options.Conditions adds the caller's to those the recipe
// declares.
type Condition = recipe.Condition

// ConditionResult is what one installation condition found.
type ConditionResult struct {
	// Name names the condition: its kind, and for a path, a deployment or a
	// check command what it is about ("path /usr/lib/jvm/java-17",
	// "deployment /opt/db", "check /usr/local/bin/check-db"). The
	// deployment's own disk-space check (R47), always made, is "space".
	Name string `json:"name"`
	// Wanted and Observed say what the condition wants and what was found,
	// in words.
	Wanted   string `json:"wanted"`
	Observed string `json:"observed"`
	OK       bool   `json:"ok"`
	// Source is "recipe" (bk:requires-*), "caller" (Options.Conditions) or
	// "bundlekit" (the space check).
	Source string `json:"source"`
	// Detail says more about what was observed, when there is more: why
	// there is no deployment, why a path cannot be read.
	Detail string `json:"detail,omitempty"`
	// Command is the check command's run (Phase "check").
	Command *CommandResult `json:"command,omitempty"`

	err error // a reason for errors.Is (ErrInsufficientSpace)
}

// RefusedError is an operation refused because installation conditions do
// not hold; an *OperationError with OutcomeRefused carries it. Nothing was
// changed.
type RefusedError struct {
	// Dest is the destination the operation was refused for.
	Dest string
	// Failed lists every condition that does not hold, in the order they
	// were checked.
	Failed []ConditionResult
	// Results lists every condition checked, those that hold included.
	Results []ConditionResult
}

func (e *RefusedError) Error() string {
	parts := make([]string, len(e.Failed))
	for i, r := range e.Failed {
		parts[i] = fmt.Sprintf("%s: wanted %s, observed %s", r.Name, r.Wanted, r.Observed)
		if r.Detail != "" {
			parts[i] += " (" + r.Detail + ")"
		}
	}
	what := "an installation condition does not hold"
	if len(e.Failed) > 1 {
		what = fmt.Sprintf("%d installation conditions do not hold", len(e.Failed))
	}
	return fmt.Sprintf("refused: %s at %s: %s", what, e.Dest, strings.Join(parts, "; "))
}

// Unwrap returns the reasons of the failed conditions that have one (a full
// disk: ErrInsufficientSpace).
func (e *RefusedError) Unwrap() []error {
	var out []error
	for _, r := range e.Failed {
		if r.err != nil {
			out = append(out, r.err)
		}
	}
	return out
}

// CheckConstraints returns nil when s allows an operation on dest at now,
// or the error the operation would fail with: an *OperationError with
// OutcomeDeferred whose Err is the *constraint.Deferral. It reads nothing
// but the clock and, for address ranges, the host's addresses. Deploy,
// Revert, Purge, Adopt and the Plan functions call it first; a program that
// does something of its own before them (recovering the destination, say)
// calls it before that.
func CheckConstraints(dest string, s constraint.Set, now time.Time) error {
	if err := s.Check(now); err != nil {
		return &OperationError{Dest: dest, Outcome: OutcomeDeferred, Err: err}
	}
	return nil
}

// checkConstraints is CheckConstraints at the time of the clock now (nil
// means time.Now), announced to events.
func checkConstraints(dest string, s constraint.Set, now func() time.Time, events func(Event)) error {
	if s.IsZero() {
		return nil
	}
	if now == nil {
		now = time.Now
	}
	err := CheckConstraints(dest, s, now())
	if err != nil && events != nil {
		events(Event{Type: EventPhase, Phase: "plan", Status: string(OutcomeDeferred), Error: err.Error()})
	}
	return err
}

// gate evaluates an operation's installation conditions — every one, none
// skipped because another failed — and records them in the plan. It
// returns an *OperationError with OutcomeRefused listing each failed
// condition, or nil. estimate < 0 skips the space check (a purge writes
// nothing).
func (p *Plan) gate(ctx context.Context, fromRecipe, fromCaller []Condition, estimate int64) error {
	var results []ConditionResult
	if estimate >= 0 {
		results = append(results, p.checkSpace(estimate))
	}
	for _, src := range []struct {
		name  string
		conds []Condition
	}{{"recipe", fromRecipe}, {"caller", fromCaller}} {
		for _, c := range src.conds {
			r, err := p.evaluate(ctx, c)
			if err != nil {
				return err
			}
			r.Source = src.name
			results = append(results, r)
		}
	}
	p.Conditions = results
	var failed []ConditionResult
	for _, r := range results {
		if !r.OK {
			failed = append(failed, r)
		}
	}
	if len(failed) == 0 {
		return nil
	}
	err := &OperationError{Dest: p.Dest, Outcome: OutcomeRefused, Err: &RefusedError{Dest: p.Dest, Failed: failed, Results: results}}
	p.emit(Event{Type: EventPhase, Phase: "plan", Status: string(OutcomeRefused), Error: err.Error()})
	return err
}

// freeSpace measures the usable space for the space conditions; tests
// replace it.
var freeSpace = fileops.FreeSpace

// checkSpace is R47: the estimated usage must fit in the usable space of
// the destination or of its nearest existing ancestor. When the space cannot
// be measured, the deployment proceeds, as in RHQ.
func (p *Plan) checkSpace(estimate int64) ConditionResult {
	r := ConditionResult{Name: "space", Source: "bundlekit", Wanted: fmt.Sprintf("room for the deployment's estimated %d bytes (R47)", estimate), OK: true}
	free, err := freeSpace(p.Dest)
	switch {
	case err != nil || free == 0:
		r.Observed = "free space unknown: the deployment proceeds"
		if err != nil {
			r.Detail = err.Error()
		}
	case uint64(estimate) > free:
		r.OK = false
		r.Observed = fmt.Sprintf("%d bytes free", free)
		r.err = fmt.Errorf("%w: its estimated disk usage [%d] is larger than the estimated amount of usable disk space [%d]", ErrInsufficientSpace, estimate, free)
		r.Detail = r.err.Error()
	default:
		r.Observed = fmt.Sprintf("%d bytes free", free)
	}
	return r
}

// evaluate checks one condition. It fails only when ctx is done.
func (p *Plan) evaluate(ctx context.Context, c Condition) (ConditionResult, error) {
	if c == nil {
		return ConditionResult{}, invalid(errors.New("a nil installation condition"))
	}
	r := ConditionResult{Name: c.Kind()}
	switch c := c.(type) {
	case recipe.OSCondition:
		r.Wanted = strings.ReplaceAll(c.String(), ",", " or ")
		r.Observed = runtime.GOOS + "/" + runtime.GOARCH
		for _, pl := range c.Platforms {
			r.OK = r.OK || pl.OS == runtime.GOOS && (pl.Arch == "" || pl.Arch == runtime.GOARCH)
		}
	case recipe.FreeSpaceCondition:
		r.Wanted = "at least " + recipe.FormatSize(c.Min) + " free"
		free, err := freeSpace(p.Dest)
		if err != nil {
			r.Observed, r.Detail = "unknown", err.Error()
			break
		}
		r.Observed = recipe.FormatSize(int64(min(free, 1<<62))) + " free"
		r.OK = free >= uint64(c.Min)
	case recipe.PathCondition:
		r.Name += " " + c.Path
		r.OK, r.Wanted, r.Observed, r.Detail = checkPath(c)
	case recipe.DeploymentCondition:
		r.Name += " " + c.Dest
		r.Wanted = c.Bundle + " " + versionWords(c.Versions)
		r.OK, r.Observed, r.Detail = checkDeployment(c)
	case recipe.CheckCondition:
		if len(c.Args) == 0 {
			return ConditionResult{}, invalid(errors.New("a check condition without a command"))
		}
		r.Name += " " + c.Args[0]
		return p.runCheck(ctx, c, r)
	default:
		return ConditionResult{}, invalid(fmt.Errorf("unknown installation condition %T", c))
	}
	return r, nil
}

func versionWords(v recipe.VersionRange) string {
	if v == (recipe.VersionRange{}) {
		return "(any version)"
	}
	return v.String()
}

// checkPath says whether the path a condition names exists (as a directory,
// when it must be one), following symbolic links.
func checkPath(c recipe.PathCondition) (ok bool, wanted, observed, detail string) {
	wanted = "to exist"
	if c.Dir {
		wanted = "a directory"
	}
	if !filepath.IsAbs(c.Path) {
		return false, wanted, "not an absolute path on this system", ""
	}
	fi, err := os.Stat(c.Path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return false, wanted, "does not exist", ""
	case err != nil:
		return false, wanted, "cannot be read", err.Error()
	case fi.IsDir():
		return true, wanted, "a directory", ""
	case fi.Mode().IsRegular():
		return !c.Dir, wanted, "a file", ""
	}
	return !c.Dir, wanted, fi.Mode().Type().String(), ""
}

// checkDeployment reads, without changing anything, the current deployment
// of the destination a condition names.
func checkDeployment(c recipe.DeploymentCondition) (ok bool, observed, detail string) {
	const none = "no deployment"
	if !filepath.IsAbs(c.Dest) {
		return false, none, "not an absolute path on this system"
	}
	if journal.PendingAt(c.Dest) {
		return false, "an unfinished operation", "it needs recovery: " + RecoverCommand(c.Dest)
	}
	d, err := fileops.OpenDir(c.Dest)
	if err != nil {
		return false, none, err.Error()
	}
	defer d.Close()
	st, err := metadata.LoadCurrent(d.FS(), d.Path())
	switch {
	case err != nil:
		return false, none, err.Error()
	case !st.Managed:
		return false, none, fmt.Sprint(st.Reason)
	}
	cur := st.Current
	observed = fmt.Sprintf("%s %s (deployment %d)", cur.BundleName, cur.BundleVersion, cur.ID)
	return cur.BundleName == c.Bundle && c.Versions.Contains(cur.BundleVersion), observed, ""
}

// runCheck runs a check command in the destination (its nearest existing
// ancestor when it does not exist yet), with BUNDLEKIT_DEST,
// BUNDLEKIT_BUNDLE and BUNDLEKIT_VERSION in its environment.
func (p *Plan) runCheck(ctx context.Context, c recipe.CheckCondition, r ConditionResult) (ConditionResult, error) {
	codes := c.SuccessCodes
	if codes == nil {
		codes = recipe.DefaultCheckCodes
	}
	r.Wanted = fmt.Sprintf("exit code %s within %s", codes, c.Timeout)
	spec := command.Spec{Args: c.Args, Dir: existingAncestor(p.Dest), Timeout: c.Timeout, Success: codes.Success}
	env := append(os.Environ(), "BUNDLEKIT_DEST="+p.Dest, "BUNDLEKIT_BUNDLE="+p.Bundle.Name, "BUNDLEKIT_VERSION="+p.Bundle.Version)
	res, err := command.Exec(ctx, spec, command.Options{Env: env})
	if err != nil {
		if ctx.Err() != nil {
			return ConditionResult{}, err
		}
		r.Observed, r.Detail = "could not be started", err.Error()
		return r, nil
	}
	cr := commandResult("check", recipe.JoinWords(c.Args), "", res)
	r.Command = &cr
	p.emit(Event{Type: EventCommand, Command: &cr})
	r.OK = res.Success
	switch {
	case res.TimedOut:
		r.Observed = fmt.Sprintf("still running after %s: killed", c.Timeout)
	case res.Signal != "":
		r.Observed = "ended by " + res.Signal
	default:
		r.Observed = fmt.Sprintf("exit code %d", res.ExitCode)
	}
	return r, nil
}

// existingAncestor returns dir when it is an existing directory, else its
// nearest ancestor that is.
func existingAncestor(dir string) string {
	for {
		if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return dir
		}
		dir = parent
	}
}
