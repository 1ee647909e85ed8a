package bundle

import (
	"encoding/json"
)

// Differences is what a deployment changed (or, from a dry run, would change), in
// the categories of RHQ's DeployDifferences (R12). Paths are relative to the
// destination with / separators, or absolute for external files (R86). Lists are
// sorted; in JSON, empty lists and maps are written as [] and {}.
type Differences struct {
	// Added: files (and, on upgrades, directories — R188) that did not exist
	// and were written.
	Added []string `json:"added"`
	// Deleted: files and directories removed (moved to backup or deleted).
	Deleted []string `json:"deleted"`
	// Changed: files overwritten with new content.
	Changed []string `json:"changed"`
	// Ignored: top-most paths matched by rhq:ignore, left alone (R83, R120).
	Ignored []string `json:"ignored"`
	// BackedUp maps a path to the absolute path of its backup copy.
	BackedUp map[string]string `json:"backedUp"`
	// Restored maps a path to the absolute path of the backup it was restored
	// from by a revert (R131).
	Restored map[string]string `json:"restored"`
	// Realized lists the files and archive entries whose @@tokens@@ were
	// realized. RHQ also reports the realized text; bundlekit does not, because
	// it may be large or hold passwords (divergence from R93).
	Realized []string `json:"realized"`
	// Errors maps a path to what went wrong with it (e.g. a directory that
	// could not be deleted because unmanaged files remain in it, R122).
	Errors map[string]string `json:"errors"`
	// Modes maps a file whose permission bits change, or whose bits on disk
	// are kept over the bundle's because the operator changed them, to what
	// happens to them (issue 11.6; bundlekit's, not RHQ's).
	Modes map[string]ModeChange `json:"modes"`
	// Cleaned is true when the destination was purged before writing (R92).
	Cleaned bool `json:"cleaned"`
}

// MarshalJSON writes empty categories as [] and {} rather than null, so scripts
// can index them without checking.
func (d Differences) MarshalJSON() ([]byte, error) {
	type plain Differences
	p := plain(d)
	for _, s := range []*[]string{&p.Added, &p.Deleted, &p.Changed, &p.Ignored, &p.Realized} {
		if *s == nil {
			*s = []string{}
		}
	}
	for _, m := range []*map[string]string{&p.BackedUp, &p.Restored, &p.Errors} {
		if *m == nil {
			*m = map[string]string{}
		}
	}
	if p.Modes == nil {
		p.Modes = map[string]ModeChange{}
	}
	return json.Marshal(p)
}

// Empty reports whether nothing changed; permission bits kept are no change.
func (d Differences) Empty() bool {
	for _, m := range d.Modes {
		if !m.Kept {
			return false
		}
	}
	return len(d.Added)+len(d.Deleted)+len(d.Changed)+len(d.BackedUp)+len(d.Restored)+len(d.Errors) == 0 && !d.Cleaned
}
