package bundle

// EventType says what an Event reports.
type EventType string

// The kinds of events.
const (
	// EventPhase: a phase started or finished (Phase, Status).
	EventPhase EventType = "phase"
	// EventFile: the steps of a plan entry whose action writes (see
	// Action.Writes) were executed: Path, Action and Rule are the entry's,
	// Bytes what was written, Error what went wrong without stopping the
	// operation (R122, R138). Each such entry has exactly one.
	EventFile EventType = "file"
	// EventBackup: a path was saved to its backup (Path, Backup).
	EventBackup EventType = "backup"
	// EventHook: a task of a pre- or post-install target reported something:
	// an <echo> (Message, Level), a line of an <exec> program's output
	// (Stream), an <exec> result (Command).
	EventHook EventType = "hook"
	// EventAudit: an rhq:audit task wrote an audit record (Audit).
	EventAudit EventType = "audit"
	// EventCommand: a deployment.xml install or uninstall command finished
	// (Command).
	EventCommand EventType = "command"
)

// Event reports progress, for progress bars and audit trails. The library never
// prints: a program renders events as it likes.
type Event struct {
	Type   EventType `json:"event"`
	Phase  string    `json:"phase,omitempty"`
	Status string    `json:"status,omitempty"`
	Path   string    `json:"path,omitempty"`
	Action Action    `json:"action,omitempty"`
	Rule   string    `json:"rule,omitempty"`
	Backup string    `json:"backup,omitempty"`
	Error  string    `json:"error,omitempty"`
	// Bytes and Hash (MD5) are what was written for this path; Done and
	// Total count the events of this type the operation emits, for progress
	// displays.
	Bytes int64  `json:"bytes,omitempty"`
	Hash  string `json:"hash,omitempty"`
	Done  int    `json:"done,omitempty"`
	Total int    `json:"total,omitempty"`
	// Target and Task name the Ant target and task of a hook event; Message,
	// Level and Stream are what it reported.
	Target  string         `json:"target,omitempty"`
	Task    string         `json:"task,omitempty"`
	Message string         `json:"message,omitempty"`
	Level   string         `json:"level,omitempty"`
	Stream  string         `json:"stream,omitempty"`
	Audit   *AuditRecord   `json:"audit,omitempty"`
	Command *CommandResult `json:"command,omitempty"`
}
