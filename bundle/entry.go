package bundle

import (
	"cmp"
	"io/fs"
	"slices"
	"strings"

	"github.com/bundlekit/bundlekit/recipe"
)

// Action is what an operation does with one path. The same words name the
// entries of a plan and the file events of the run that executes it.
type Action string

// The actions. The first six change the destination (or, for handover, hand
// content over): Apply executes their steps and reports each such entry with
// exactly one file event. The others change nothing and have no event.
const (
	// ActionAdd writes a path that does not exist (R64, R110–R112, R114,
	// R120, R123), or installs a system-service file that is not there yet
	// (R174).
	ActionAdd Action = "add"
	// ActionChange replaces what is at a path with new content (R63, R103,
	// R105, R107, R108, R113, R174).
	ActionChange Action = "change"
	// ActionDelete removes a path (R58, R61, R95, R115–R117, R122, R124,
	// R138).
	ActionDelete Action = "delete"
	// ActionRestore copies a backup of the reverted deployment back (R131).
	ActionRestore Action = "restore"
	// ActionHandover hands a file or archive to the Handover receiver instead
	// of deploying it (R173).
	ActionHandover Action = "handover"
	// ActionMode changes the permission bits of a file that already holds
	// the new bytes to the bundle's (R101, issue 11.6); Entry.Mode says how.
	ActionMode Action = "mode"

	// ActionUnchanged: the path already holds the new content; bundlekit does
	// not rewrite it (R102, R106, R109, R121, R124a, R136; RHQ rewrites the
	// same bytes).
	ActionUnchanged Action = "unchanged"
	// ActionKeep keeps a file edited by hand whose bundle content did not
	// change (R104), or a system-service file the recipe does not overwrite
	// (R174).
	ActionKeep Action = "keep"
	// ActionIgnore leaves a path matched by rhq:ignore alone (R120).
	ActionIgnore Action = "ignore"
	// ActionSkip leaves an unrelated top-level entry alone
	// (filesAndDirectories, R75, R118).
	ActionSkip Action = "skip"
	// ActionNone: a path of the previous deployment that is gone and not in
	// the new bundle (R119).
	ActionNone Action = "none"
)

// Writes reports whether entries with this action are executed: Apply runs
// their steps and reports each with one file event.
func (a Action) Writes() bool {
	switch a {
	case ActionAdd, ActionChange, ActionDelete, ActionRestore, ActionHandover, ActionMode:
		return true
	}
	return false
}

// Entry is the plan for one path: what the three sides hold, what happens to it
// and the spec rule that decides it. Apply executes the entry's steps (backup,
// write, delete, …) and nothing else.
type Entry struct {
	// Path is relative with / separators, or absolute for an external file
	// or a system-service file. A handover entry's path is the item's name
	// in the bundle.
	Path string `json:"path"`
	// Previous, Current and New are the hashes recorded by the previous
	// deployment (O), found on disk (C) and of the new bundle (N); "" when
	// absent, "?DIRECTORY?" for directories (R4–R6).
	Previous string `json:"previous,omitempty"`
	Current  string `json:"current,omitempty"`
	New      string `json:"new,omitempty"`
	Action   Action `json:"action"`
	// Rule is the spec rule of the decision, e.g. "R107".
	Rule string `json:"rule"`
	// Backup is the absolute path the current content is saved to first (a
	// copy, or a move when the path is deleted).
	Backup string `json:"backup,omitempty"`
	// Dir is true for directories.
	Dir bool `json:"dir,omitempty"`
	// Error is what the plan already knows will go wrong with this path: a
	// directory that will still hold unmanaged files when it is deleted
	// (R92 step 2, R122). The operation goes on.
	Error string `json:"error,omitempty"`
	// Mode is set when the permission bits of the file change (with its
	// content, or alone: ActionMode), or when the bits on disk are kept
	// although the bundle's differ (see ModeChange).
	Mode *ModeChange `json:"mode,omitempty"`

	report report
	steps  []step
	// outside: the path is not part of the deployment's map (a system-service
	// file, R174, or a handover, R173).
	outside bool
}

// report is the set of Differences categories an entry is reported in (RHQ's
// DeployDifferences, R84); backups, restores and errors come from the entry's
// own fields.
type report uint8

const (
	reportAdded report = 1 << iota
	reportDeleted
	reportChanged
	reportIgnored
)

// phase orders the steps of an operation. Steps run phase by phase; within a
// phase, in the order the phase defines.
type phase uint8

const (
	// phasePreinstall runs the recipe's preinstall target (R172 step 3).
	phasePreinstall phase = iota
	// phaseUninstall runs a service package's uninstall command before its
	// files are removed (purge).
	phaseUninstall
	// phaseStore keeps in the store of deployed content, by a hard link, the
	// files of the current deployment that later phases replace or remove
	// while they hold their recorded bytes (issue 14).
	phaseStore
	// phaseBackup saves paths, children before parents (R92 step 1).
	phaseBackup
	// phaseDelete deletes paths, children before parents (R92 step 2).
	phaseDelete
	// phaseClear removes what a wipe, a clean or a purge removes wholesale
	// (R58, R61, R95, R138), children before parents.
	phaseClear
	// phaseMkdir makes the new directories: those of N that are not on disk
	// (R123) and the directory entries of exploded archives (R97).
	phaseMkdir
	// phaseWrite writes the new content in bundle order: archives, then raw
	// files (R96).
	phaseWrite
	// phaseMode changes the permission bits of files whose bytes stay
	// (issue 11.6).
	phaseMode
	// phaseRestore copies the reverted deployment's backups back (R131).
	phaseRestore
	// phaseInstall runs a service package's install command.
	phaseInstall
	// phaseRecord writes (or, for a purge, removes) the metadata (R28); the
	// operation commits after it.
	phaseRecord
	// phaseHandover hands items over, after the commit (R172 step 7).
	phaseHandover
	// phaseService installs the system service (R172 step 8).
	phaseService
	// phasePostinstall runs the postinstall target (R172 step 9).
	phasePostinstall
)

// committed reports whether a phase runs after the operation has committed:
// its failure no longer undoes the deployment.
func (p phase) committed() bool { return p > phaseRecord }

// stepOp is what one step does.
type stepOp uint8

const (
	opBackup        stepOp = iota // copy the path to its backup (a directory: make it empty there, R127)
	opStash                       // move the path to its backup, merging into a directory already there (R92 step 1)
	opTrash                       // remove the path and everything below it
	opDeleteDir                   // remove the directory if empty; otherwise report it (R92 step 2, R122)
	opTrashOrReport               // remove an external file; a failure is reported, not fatal (R138)
	opWrite                       // write the entry's new content from its source
	opChmod                       // set the file's permission bits to perm (issue 11.6)
	opMkdir                       // make the directory
	opRestore                     // copy a backup back (R131)
	opLink                        // make the path a symbolic link to target (R174)
	opHandover                    // hand the item over (R173)
	opTarget                      // run a recipe target (operation-wide)
	opCommand                     // run a service package command (operation-wide)
	opRecord                      // write the metadata (operation-wide)
	opForget                      // remove the metadata (purge; operation-wide)
	opEmpty                       // remove what else the destination holds (full purge; operation-wide)
	opStore                       // keep the path's bytes in the store, at to (issue 14)
)

// step is one thing Apply does. Steps of entries belong to their entry;
// operation-wide steps (targets, commands, metadata) have none.
type step struct {
	op    stepOp
	phase phase
	// seq orders steps within phases that keep bundle or declaration order.
	seq int
	// src: where opWrite reads the new content.
	src *source
	// perm: with permSet, the bits opWrite gives the file (0 keeps the
	// existing file's, or gives a new one 0644, R101) instead of the
	// source's: the mode decision (issue 11.6); the bits opChmod sets.
	perm    fs.FileMode
	permSet bool
	// from and to are keys: the backup an opRestore copies, the backup an
	// opBackup or opStash makes, the stored object an opStore makes. shown is the backup as reported (an
	// absolute, native path). target is what an opLink points to; name is
	// the target or command an operation-wide step runs.
	from, to, shown, target, name string
	// item: the staged handover of an opHandover; pkg: the service package
	// whose command an opCommand runs.
	item *handoverItem
	pkg  *recipe.ServicePackage
	// entry is set by schedule for steps of entries.
	entry *Entry
}

// descending phases run children before their parents.
func (p phase) descending() bool {
	return p == phaseBackup || p == phaseDelete || p == phaseClear
}

// schedule puts the steps of every entry and the operation-wide steps in
// execution order. Each entry's last step is the one after which Apply
// reports it.
func schedule(entries []*Entry, global []step) []*step {
	var out []*step
	for _, e := range entries {
		for i := range e.steps {
			s := &e.steps[i]
			s.entry = e
			out = append(out, s)
		}
	}
	for i := range global {
		out = append(out, &global[i])
	}
	slices.SortStableFunc(out, func(a, b *step) int {
		if c := cmp.Compare(a.phase, b.phase); c != 0 {
			return c
		}
		if a.phase.descending() && a.entry != nil && b.entry != nil {
			return strings.Compare(b.entry.Path, a.entry.Path)
		}
		return cmp.Compare(a.seq, b.seq)
	})
	return out
}

// add appends a step to the entry.
func (e *Entry) add(s step) { e.steps = append(e.steps, s) }

// has reports whether the entry has a step doing op.
func (e *Entry) has(op stepOp) bool {
	return slices.ContainsFunc(e.steps, func(s step) bool { return s.op == op })
}

// sortEntries orders entries by path.
func sortEntries(entries []*Entry) {
	slices.SortFunc(entries, func(a, b *Entry) int { return strings.Compare(a.Path, b.Path) })
}

// differences is the report view of a plan's entries (R12): the categories
// each entry is reported in, its backup, its restore and its predicted error.
func differences(entries []*Entry, realized []string, cleaned bool) Differences {
	d := Differences{BackedUp: map[string]string{}, Restored: map[string]string{}, Errors: map[string]string{},
		Modes: map[string]ModeChange{}, Cleaned: cleaned}
	for _, e := range entries {
		if e.report&reportAdded != 0 {
			d.Added = append(d.Added, e.Path)
		}
		if e.report&reportDeleted != 0 {
			d.Deleted = append(d.Deleted, e.Path)
		}
		if e.report&reportChanged != 0 {
			d.Changed = append(d.Changed, e.Path)
		}
		if e.report&reportIgnored != 0 {
			d.Ignored = append(d.Ignored, e.Path)
		}
		if e.Backup != "" {
			d.BackedUp[e.Path] = e.Backup
		}
		if e.Error != "" {
			d.Errors[e.Path] = e.Error
		}
		if e.Mode != nil {
			d.Modes[e.Path] = *e.Mode
		}
		for _, s := range e.steps {
			if s.op == opRestore {
				d.Restored[e.Path] = s.shown
			}
		}
	}
	for _, l := range []*[]string{&d.Added, &d.Deleted, &d.Changed, &d.Ignored} {
		slices.Sort(*l)
	}
	d.Realized = slices.Sorted(slices.Values(realized))
	return d
}

// recorded is the map the operation records for the new deployment: every
// file entry's new hash (for a kept edit, N equals O, R30), restored hashes
// included (R131).
func recorded(entries []*Entry) map[string]string {
	out := map[string]string{}
	for _, e := range entries {
		if e.New != "" && !e.Dir && !e.outside {
			out[e.Path] = e.New
		}
	}
	return out
}

// byPath indexes entries by path.
func byPath(entries []*Entry) map[string]*Entry {
	m := make(map[string]*Entry, len(entries))
	for _, e := range entries {
		m[e.Path] = e
	}
	return m
}
