package bundle

import (
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"sync"
	"time"

	"github.com/bundlekit/bundlekit/internal/ant"
	"github.com/bundlekit/bundlekit/internal/command"
	"github.com/bundlekit/bundlekit/internal/staging"
	"github.com/bundlekit/bundlekit/recipe"
)

// AuditRecord is a custom audit record written by an rhq:audit task (R178).
type AuditRecord struct {
	Status  string `json:"status"`
	Action  string `json:"action"`
	Info    string `json:"info"`
	Message string `json:"message"`
	Details string `json:"details"`
	// Target is the Ant target that wrote it.
	Target string `json:"target,omitempty"`
}

// String is RHQ's log line for the record (R178).
func (a AuditRecord) String() string {
	return "RHQ_AUDIT_MESSAGE___" + a.Status + "___" + a.Action + "___" + a.Info + "___" + a.Message + "___" + a.Details
}

// CommandResult is the outcome of a program a deployment ran: an <exec> task, or a
// deployment.xml install or uninstall command.
type CommandResult struct {
	// Phase is "install" or "uninstall" for deployment.xml commands, "exec"
	// for an <exec> task.
	Phase   string `json:"phase"`
	Command string `json:"command"`
	// OSType is the deployment.xml OS type the command was chosen for.
	OSType   string        `json:"osType,omitempty"`
	ExitCode int           `json:"exitCode"`
	Success  bool          `json:"success"`
	TimedOut bool          `json:"timedOut"`
	Signal   string        `json:"signal,omitempty"`
	Duration time.Duration `json:"duration"`
	// StdoutTail and StderrTail are the last 64 KiB of each output stream.
	StdoutTail string `json:"stdoutTail"`
	StderrTail string `json:"stderrTail"`
}

func commandResult(phase, cmd, osType string, r command.Result) CommandResult {
	return CommandResult{Phase: phase, Command: cmd, OSType: osType, ExitCode: r.ExitCode, Success: r.Success,
		TimedOut: r.TimedOut, Signal: r.Signal, Duration: r.Duration, StdoutTail: r.StdoutTail, StderrTail: r.StderrTail}
}

// HookError is a failed pre- or post-install target (R172). A failed preinstall
// target stops the deployment before any file changes (the *OperationError
// around it says that the deployment was undone); a failed postinstall target
// fails the operation after the files were deployed.
type HookError struct {
	Phase  string // "preinstall" or "postinstall"
	Target string
	// Deployed is the id of the deployment whose files are in place (postinstall
	// only), for the operator who wants to revert.
	Deployed *int
	Err      error
}

func (e *HookError) Error() string {
	if e.Deployed != nil {
		return fmt.Sprintf("the %s target %q failed: %v; the files were deployed as deployment %d (deploy or revert the previous bundle to go back)",
			e.Phase, e.Target, e.Err, *e.Deployed)
	}
	return fmt.Sprintf("the %s target %q failed: %v", e.Phase, e.Target, e.Err)
}

func (e *HookError) Unwrap() error { return e.Err }

// hooks is the recipe's Ant project for one deployment: its targets, the
// properties they set (visible to later targets, never tokens, R148), and what
// they reported.
type hooks struct {
	project *ant.Project
	unit    *recipe.DeploymentUnit
	emit    func(Event)
	mu      sync.Mutex
	audits  []AuditRecord
	execs   []CommandResult
	// basedir is ${basedir}: the bundle directory, or the copy of a zip
	// bundle extracted for the targets.
	basedir string
}

// newHooks prepares the recipe's targets: every task of every target is checked
// before anything runs (an unsupported task is an error here, never skipped).
func newHooks(b *Bundle, r *recipe.Recipe, dest string, props map[string]string, staging *staging.Area, emit func(Event)) (*hooks, error) {
	basedir, err := b.basedir(staging)
	if err != nil {
		return nil, err
	}
	h := &hooks{unit: r.Bundle.Unit, emit: emit, basedir: basedir}
	env := ant.Env{Basedir: basedir, DeployDir: dest, Properties: maps.Clone(props), Events: h.event}
	p, err := ant.New(r, env)
	if err != nil {
		return nil, err
	}
	if err := p.Validate(); err != nil {
		p.Close()
		return nil, err
	}
	h.project = p
	return h, nil
}

// basedir is the directory the recipe's targets see as ${basedir}: the bundle
// directory, or the bundle extracted into the staging area when it is a zip.
func (b *Bundle) basedir(area *staging.Area) (string, error) {
	if b.dirPath != "" {
		return filepath.Abs(b.dirPath)
	}
	dir, err := area.Extract(b.fsys, "bundle")
	if err != nil {
		return "", fmt.Errorf("extract the bundle for its Ant targets: %w", err)
	}
	return dir, nil
}

func (h *hooks) event(e ant.Event) {
	out := Event{Type: EventHook, Target: e.Target, Task: e.Task, Message: e.Message, Level: string(e.Level), Stream: e.Stream}
	switch {
	case e.Audit != nil:
		rec := AuditRecord{Status: string(e.Audit.Status), Action: e.Audit.Action, Info: e.Audit.Info,
			Message: e.Audit.Message, Details: e.Audit.Details, Target: e.Target}
		h.mu.Lock()
		h.audits = append(h.audits, rec)
		h.mu.Unlock()
		out.Type, out.Audit = EventAudit, &rec
	case e.Exec != nil:
		r := commandResult("exec", e.Message, "", *e.Exec)
		h.mu.Lock()
		h.execs = append(h.execs, r)
		h.mu.Unlock()
		out.Command = &r
	}
	if h.emit != nil {
		h.emit(out)
	}
}

// run runs one of the unit's targets, if the recipe names one.
func (h *hooks) run(ctx context.Context, phase, target string) error {
	if h == nil || target == "" {
		return nil
	}
	if err := h.project.RunTarget(ctx, target); err != nil {
		return &HookError{Phase: phase, Target: target, Err: err}
	}
	return nil
}

func (h *hooks) close() {
	if h != nil && h.project != nil {
		h.project.Close()
	}
}

// records returns the audit records and commands the targets produced so far.
func (h *hooks) records() ([]AuditRecord, []CommandResult) {
	if h == nil {
		return nil, nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]AuditRecord(nil), h.audits...), append([]CommandResult(nil), h.execs...)
}
