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
	// cleared: what remains once those files are moved away, and is removed
	// too: every top-level name but .rhqdeployments (full, R58), the
	// entries of the managed top-level directories (filesAndDirectories,
	// R61); with whether each is a directory.
	cleared map[string]bool
	next    map[string]string // N, files only
	dirs    set               // the ancestors of next's keys
	// current: hashes of the files already at N's paths that survive the wipe
	// (filesAndDirectories only), so identical files are not rewritten.
	current map[string]string
	// mkdirs are the directory entries of exploded archives (R97); present
	// are those that survive the wipe.
	mkdirs  []string
	present set
	backup  backupLoc
	content *content
}

// decideInitial applies R57–R66. Directories are never reported (R188); every
// file of the new map is "added" (R64), there are no changes, and the clean flag
// plays no part (R65).
func decideInitial(in initialDeploy) []*Entry {
	rule := "R58"
	if !in.full {
		rule = "R61"
	}
	entries := make(map[string]*Entry, len(in.next)+len(in.existing)+len(in.cleared))
	for _, k := range in.existing {
		to, shown := in.backup(k)
		e := &Entry{Path: k, Action: ActionDelete, Rule: rule, Backup: shown, report: reportDeleted}
		e.add(step{op: opStash, phase: phaseBackup, to: to})
		entries[k] = e
	}
	for k, dir := range in.cleared {
		if entries[k] == nil {
			e := &Entry{Path: k, Action: ActionDelete, Rule: rule, Dir: dir}
			if dir && in.dirs[k] {
				e.Action = ActionChange // removed, then made again by the bundle's files
			}
			e.add(step{op: opTrash, phase: phaseClear})
			entries[k] = e
		}
	}
	for k, nh := range in.next {
		e := &Entry{Path: k, New: nh, Action: ActionAdd, Rule: "R64", report: reportAdded}
		if prev, ok := entries[k]; ok {
			// Displaced by the wipe, then written anew.
			e.Backup, e.Action, e.report, e.steps = prev.Backup, ActionChange, prev.report|reportAdded, prev.steps
		}
		if c, ok := in.current[k]; ok {
			e.Current = c
			e.Action, e.Rule = ActionChange, "R63"
			if c == nh {
				e.Action = ActionUnchanged
			}
		}
		if e.Action != ActionUnchanged {
			e.add(writeStep(in.content, k))
		}
		entries[k] = e
	}
	for i, dir := range in.mkdirs {
		if in.dirs[dir] {
			continue // made by the files written below it; never reported (R188)
		}
		e := entries[dir]
		switch {
		case e == nil && in.present[dir]:
			entries[dir] = &Entry{Path: dir, Dir: true, Action: ActionUnchanged, Rule: "R97"}
		case e == nil:
			e = &Entry{Path: dir, Dir: true, Action: ActionAdd, Rule: "R97"}
			e.add(step{op: opMkdir, phase: phaseMkdir, seq: i})
			entries[dir] = e
		case e.Dir && !e.has(opMkdir):
			// Cleared by the wipe, then made again, empty.
			e.Action = ActionChange
			e.Rule = "R97"
			e.add(step{op: opMkdir, phase: phaseMkdir, seq: i})
		}
	}
	out := slices.Collect(maps.Values(entries))
	sortEntries(out)
	return out
}
