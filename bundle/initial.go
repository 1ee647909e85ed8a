package bundle

import (
	"maps"
	"slices"
)

// initialDeploy is the input of a first deployment into an unmanaged destination
// (§5).
type initialDeploy struct {
	full bool
	// existing: the files the first deployment displaces: every file of the
	// destination in full compliance (R58), the files under the managed
	// top-level directories in filesAndDirectories (R61).
	existing []string
	// top: the top-level names of the destination (full compliance wipes all
	// of them but .rhqdeployments, R58).
	top []string
	// managedDirs: the existing top-level directories the bundle writes into,
	// emptied in filesAndDirectories (R61).
	managedDirs []string
	next        map[string]string // N, files only
	// current: hashes of the files already at N's paths that survive the wipe
	// (filesAndDirectories only), so identical files are not rewritten.
	current    map[string]string
	backupPath func(key string) string
}

// initialDecisions extends decisions with the first deployment's wipe.
type initialDecisions struct {
	*decisions
	// wipe: top-level names removed entirely (full, R58); empty: directories
	// whose contents are removed (filesAndDirectories, R61).
	wipe  []string
	empty []string
}

// decideInitial applies R57–R66. Directories are never reported (R188); every
// file of the new map is "added" (R64), there are no changes, and the clean flag
// plays no part (R65).
func decideInitial(in initialDeploy) *initialDecisions {
	d := &decisions{write: set{}, keep: set{}, final: map[string]string{}, diff: newDiffBuilder()}
	entries := map[string]*Entry{}
	for _, k := range slices.Backward(slices.Sorted(slices.Values(in.existing))) {
		op := backupOp{path: k, to: in.backupPath(k), move: true}
		d.backups = append(d.backups, op)
		d.diff.backedUp[k] = op.to
		d.diff.deleted[k] = true
		rule := "R58"
		if !in.full {
			rule = "R61"
		}
		entries[k] = &Entry{Path: k, Action: ActionDelete, Rule: rule, Backup: op.to}
	}
	for k, nh := range in.next {
		d.final[k] = nh
		d.diff.added[k] = true
		e := &Entry{Path: k, New: nh, Action: ActionAdd, Rule: "R64"}
		if prev, ok := entries[k]; ok {
			// Displaced to backup by the wipe, then written anew.
			e.Backup, e.Action = prev.Backup, ActionChange
		}
		if c, ok := in.current[k]; ok {
			e.Current = c
			if c == nh {
				e.Action, e.Rule = ActionUnchanged, "R63"
			} else {
				e.Action, e.Rule = ActionChange, "R63"
			}
		}
		if e.Action != ActionUnchanged {
			d.write[k] = true
		}
		entries[k] = e
	}
	for _, k := range slices.Sorted(maps.Keys(entries)) {
		d.entries = append(d.entries, entries[k])
	}
	out := &initialDecisions{decisions: d}
	if in.full {
		for _, name := range in.top {
			if name != metadataDir {
				out.wipe = append(out.wipe, name)
			}
		}
	} else {
		out.empty = slices.Clone(in.managedDirs)
	}
	return out
}
