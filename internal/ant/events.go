package ant

import (
	"github.com/bundlekit/bundlekit/internal/command"
	"github.com/bundlekit/bundlekit/recipe"
)

// EventType says what an Event reports.
type EventType string

// The kinds of events.
const (
	// EventTarget: a target starts, or is skipped (Skipped, with the reason
	// in Message).
	EventTarget EventType = "target"
	// EventEcho: an <echo> without file= printed Message at Level.
	EventEcho EventType = "echo"
	// EventAudit: an <rhq:audit> task recorded Audit (R178).
	EventAudit EventType = "audit"
	// EventLog: what a task did or noticed, as Ant logs it ("Copying 2 files
	// to …", "property file … not found"), at Level info or warning.
	EventLog EventType = "log"
	// EventOutput: one line (Message, without its line ending) that an
	// <exec> program wrote to Stream ("stdout" or "stderr"), as it arrives.
	EventOutput EventType = "output"
	// EventExec: an <exec> program finished; Exec is its result.
	EventExec EventType = "exec"
)

// Level is the importance of an echo or log event, with Ant's names.
type Level string

// The levels.
const (
	LevelError   Level = "error"
	LevelWarning Level = "warning"
	LevelInfo    Level = "info"
	LevelVerbose Level = "verbose"
	LevelDebug   Level = "debug"
)

// Event reports what the interpreter does, for display and audit trails. The
// interpreter never prints.
type Event struct {
	Type EventType `json:"event"`
	// Target is the running target; empty for a top-level task.
	Target string `json:"target,omitempty"`
	// Task is the task's name ("echo", "rhq:audit"); empty for target events.
	Task string `json:"task,omitempty"`
	// Pos is where the task (or target) is written.
	Pos     recipe.Pos      `json:"pos,omitzero"`
	Level   Level           `json:"level,omitempty"`
	Message string          `json:"message,omitempty"`
	Skipped bool            `json:"skipped,omitempty"`
	Stream  string          `json:"stream,omitempty"`
	Audit   *Audit          `json:"audit,omitempty"`
	Exec    *command.Result `json:"exec,omitempty"`
}

// Audit is a custom audit record of an <rhq:audit> task (R178), with ${…}
// expanded and RHQ's defaults applied.
type Audit struct {
	Status  recipe.AuditStatus `json:"status"`
	Action  string             `json:"action"`
	Info    string             `json:"info"`
	Message string             `json:"message"`
	// Details is the element's text, as written (whitespace included).
	Details string `json:"details"`
}

// String is RHQ's log line for the record:
// RHQ_AUDIT_MESSAGE___<status>___<action>___<info>___<message>___<details>.
func (a Audit) String() string {
	return "RHQ_AUDIT_MESSAGE___" + string(a.Status) + "___" + a.Action + "___" + a.Info + "___" + a.Message + "___" + a.Details
}
