package bundle

// EventType says what an Event reports.
type EventType string

// The kinds of events.
const (
	// EventPhase: a phase started or finished (Phase, Status).
	EventPhase EventType = "phase"
	// EventFile: a path was handled (Path, Action, Bytes for writes).
	EventFile EventType = "file"
	// EventBackup: a path was saved (Path, Backup).
	EventBackup EventType = "backup"
)

// Event reports progress, for progress bars and audit trails. The library never
// prints: a program renders events as it likes.
type Event struct {
	Type   EventType `json:"event"`
	Phase  string    `json:"phase,omitempty"`
	Status string    `json:"status,omitempty"`
	Path   string    `json:"path,omitempty"`
	Action Action    `json:"action,omitempty"`
	Backup string    `json:"backup,omitempty"`
	// Bytes written for this path; Done and Total count the files of the
	// phase, for progress displays.
	Bytes int64 `json:"bytes,omitempty"`
	Done  int   `json:"done,omitempty"`
	Total int   `json:"total,omitempty"`
}
