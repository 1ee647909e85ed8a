package rollout

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/bundlekit/bundlekit/bundle"
)

// Outcome is how one target of a rollout ended: exactly one of six.
type Outcome string

// The outcomes.
const (
	// OutcomeSucceeded: the operation completed on the target (in a dry run:
	// its plan was made, and the real run would change the target).
	OutcomeSucceeded Outcome = "succeeded"
	// OutcomeUnchanged: the target already holds this bundle, at this
	// version, and the plan changes nothing there: nothing was applied and
	// no new deployment was recorded (a purge: there was nothing to purge).
	OutcomeUnchanged Outcome = "unchanged"
	// OutcomeFailed: the operation was tried and failed — an invalid
	// property value, a recipe target that failed, a file that could not be
	// written, an installation condition that does not hold (bundle's
	// "refused") — or a step after the new deployment failed. TargetResult's
	// Operation says what became of the destination.
	OutcomeFailed Outcome = "failed"
	// OutcomeError: the deployer could not even try (OCO's -9999): the bundle
	// could not be read or downloaded, the destination could not be read or
	// written, another deployer holds its lock, or an earlier operation there
	// needs recovery. Nothing was changed.
	OutcomeError Outcome = "error"
	// OutcomeAborted: the target was not started (OCO's -8888): an earlier
	// target failed in sequence mode abort, or the rollout was stopped
	// (Reason says which). Nothing was changed; a rerun runs it.
	OutcomeAborted Outcome = "aborted"
	// OutcomeDeferred: the target is outside its time window, address range
	// or dates (issue 12): nothing was changed; a rerun once the window is
	// open runs it. Not a failure.
	OutcomeDeferred Outcome = "deferred"
)

// Outcomes lists the outcomes in the order summaries give them.
var Outcomes = []Outcome{OutcomeSucceeded, OutcomeUnchanged, OutcomeFailed, OutcomeError, OutcomeAborted, OutcomeDeferred}

// Bad reports whether the outcome makes the rollout fail: failed, error or
// aborted.
func (o Outcome) Bad() bool {
	return o == OutcomeFailed || o == OutcomeError || o == OutcomeAborted
}

// TargetResult is how one target of a rollout ended.
type TargetResult struct {
	Name        string   `json:"name"`
	Outcome     Outcome  `json:"outcome"`
	Destination string   `json:"destination"`
	Groups      []string `json:"groups,omitempty"`
	Priority    int      `json:"priority"`
	// DeploymentID is the deployment the operation recorded (the current
	// one for an unchanged target); nil when there is none.
	DeploymentID *int `json:"deploymentId,omitempty"`
	// Operation is what the engine's operation did to the destination
	// (bundle.Outcome: completed, rolled-back, not-started, needs-recovery,
	// deferred, refused); empty when none ran.
	Operation bundle.Outcome `json:"operationOutcome,omitempty"`
	// Bundle is the bundle the target holds after the operation, as planned.
	Bundle *bundle.Info `json:"bundle,omitempty"`
	// Plan says what the plan was (a dry run's or the real run's).
	Plan string `json:"plan,omitempty"`
	// Differences counts what changed (what would change, in a dry run,
	// and what an unchanged target's plan kept); nil when nothing was
	// applied.
	Differences *Summary `json:"differences,omitempty"`
	// Skipped: the target was not run because the state file says how it
	// ended in an earlier run of this rollout; Outcome is that run's.
	Skipped bool `json:"skipped,omitempty"`
	// Interrupted: an aborted target that the stop of the rollout kept from
	// starting, or a running one whose operation was cancelled and undone.
	Interrupted bool `json:"interrupted,omitempty"`
	// Reason says why a target was aborted, skipped, deferred or unchanged.
	Reason string `json:"reason,omitempty"`
	// Next is when a deferred target may run; zero when waiting will not
	// help (its not_after has passed, or no address is in its range).
	Next time.Time `json:"next,omitzero"`
	// Conditions are what the installation conditions found (every one of
	// them) when the engine refused the target.
	Conditions []bundle.ConditionResult `json:"conditions,omitempty"`
	// Err is why it failed (failed, error, deferred); Error its text.
	Err      error    `json:"-"`
	Error    string   `json:"error,omitempty"`
	Warnings []string `json:"warnings,omitempty"`
	// Recovered says what planning did with an unfinished operation it
	// found at the destination.
	Recovered bundle.Recovery `json:"recovered,omitempty"`
	// Start and End bound the target's run; both zero when it did not run.
	Start time.Time `json:"start,omitzero"`
	End   time.Time `json:"end,omitzero"`
}

// Duration is how long the target ran.
func (r *TargetResult) Duration() time.Duration { return r.End.Sub(r.Start) }

// Ran reports whether the target was run in this rollout.
func (r *TargetResult) Ran() bool { return !r.Start.IsZero() }

// MarshalJSON adds durationMs to the fields.
func (r *TargetResult) MarshalJSON() ([]byte, error) {
	type plain TargetResult
	return json.Marshal(struct {
		*plain
		DurationMs int64 `json:"durationMs"`
	}{(*plain)(r), r.Duration().Milliseconds()})
}

// Summary counts a plan's or a deployment's differences.
type Summary struct {
	Added    int `json:"added"`
	Changed  int `json:"changed"`
	Deleted  int `json:"deleted"`
	BackedUp int `json:"backedUp"`
	Kept     int `json:"kept"`
	Ignored  int `json:"ignored"`
	Restored int `json:"restored"`
	Errors   int `json:"errors"`
}

func summarize(d bundle.Differences, entries []*bundle.Entry) *Summary {
	s := &Summary{Added: len(d.Added), Changed: len(d.Changed), Deleted: len(d.Deleted), BackedUp: len(d.BackedUp),
		Ignored: len(d.Ignored), Restored: len(d.Restored), Errors: len(d.Errors)}
	for _, e := range entries {
		if e.Action == bundle.ActionKeep {
			s.Kept++
		}
	}
	return s
}

// String is the deployer's summary line: "1 added, 2 changed, 0 deleted".
func (s *Summary) String() string {
	parts := []string{fmt.Sprintf("%d added", s.Added), fmt.Sprintf("%d changed", s.Changed), fmt.Sprintf("%d deleted", s.Deleted)}
	for _, x := range []struct {
		n    int
		word string
	}{{s.BackedUp, "backed up"}, {s.Kept, "kept"}, {s.Ignored, "ignored"}, {s.Restored, "restored"}, {s.Errors, "errors"}} {
		if x.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", x.n, x.word))
		}
	}
	return strings.Join(parts, ", ")
}
