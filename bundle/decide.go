package bundle

import (
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/bundlekit/bundlekit/internal/metadata"
)

// Hash markers of RHQ's hashcode maps (R19, R54, R56, R70).
const (
	markDir         = metadata.MarkDirectory
	markDeleted     = metadata.MarkDeleted
	markUnknownFile = metadata.MarkUnknownFile
)

// Action is what a deployment does with one path.
type Action string

// The actions of a plan. Backups are not an action of their own: an Entry whose
// Backup is set is copied (or, when deleted, moved) to Backup first.
const (
	// ActionAdd writes a path that does not exist (R111, R112, R114, R110,
	// R120, R123).
	ActionAdd Action = "add"
	// ActionChange overwrites a path with new content (R103, R105, R107, R108,
	// R113).
	ActionChange Action = "change"
	// ActionUnchanged: the path already holds the new content; bundlekit does
	// not rewrite it (R102, R106, R109, R121; an improvement over RHQ, which
	// rewrites the same bytes).
	ActionUnchanged Action = "unchanged"
	// ActionKeep keeps a file edited by hand whose bundle content did not
	// change (R104).
	ActionKeep Action = "keep"
	// ActionDelete removes a path (R115, R116, R117, R122, R124).
	ActionDelete Action = "delete"
	// ActionIgnore leaves a path matched by rhq:ignore alone (R120).
	ActionIgnore Action = "ignore"
	// ActionSkip leaves an unrelated top-level entry alone
	// (filesAndDirectories, R75, R118).
	ActionSkip Action = "skip"
	// ActionNone: a path of the previous deployment that is gone and not in the
	// new bundle (R119).
	ActionNone Action = "none"
	// ActionRestore copies a backup of the previous deployment back (R131).
	ActionRestore Action = "restore"
)

// Entry is the plan for one path: its three hashes, what will happen to it and
// the spec rule that decides it.
type Entry struct {
	// Path is relative with / separators, or absolute for an external file.
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
	// Backup is the absolute path the current content is saved to first.
	Backup string `json:"backup,omitempty"`
	// Dir is true for directories.
	Dir bool `json:"dir,omitempty"`
}

// set is a set of paths.
type set map[string]bool

// rescan is C: what the destination holds compared with the previous deployment
// (R70–R78), as found by the I/O side of Plan.
type rescan struct {
	// hashes: every key of O that is not ignored, with its current hash,
	// markDir or markDeleted, plus every addition.
	hashes map[string]string
	// changes: keys of O whose current hash differs (deletions excluded).
	changes set
	// deletions: keys of O missing on disk.
	deletions set
	// additions: paths on disk that O does not know (files; directories only
	// in full compliance).
	additions set
	// ignored: top-most paths matched by rhq:ignore.
	ignored set
	// skipped: unrelated top-level names (filesAndDirectories).
	skipped set
	// extExists: external keys of N that O does not know and that exist on
	// disk (R85).
	extExists set
}

// update is the input of an upgrade decision (§6).
type update struct {
	orig  map[string]string // O, with directories (R69)
	scan  rescan
	next  map[string]string // N, with directories (R82)
	clean bool
	// backupPath maps a key to the absolute path of its backup (R125, R126).
	backupPath func(key string) string
}

// backupOp saves a path before it is changed or deleted (R92 step 1).
type backupOp struct {
	path, to string
	move     bool // move (the path is deleted) or copy
	dir      bool
}

// decisions is what Apply executes for an upgrade, in this order: backups, deletes,
// purge (clean), then writes of N (archives before raw files), mkdirs, and the
// metadata (R92, R96).
type decisions struct {
	entries []*Entry
	backups []backupOp // descending path order: children before parents
	deletes []string   // descending path order
	purge   bool
	// write: files of N to write (those already holding their new bytes are
	// not); keep: L, the local edits kept (R88).
	write set
	keep  set
	// final is the map recorded for the new deployment: N's files minus L,
	// plus L with their original hashes (R30, R96).
	final map[string]string
	diff  *diffBuilder
}

func isExternal(key string) bool { return metadata.IsExternal(key) }

func topName(key string) string {
	name, _, _ := strings.Cut(key, "/")
	return name
}

// decideUpdate applies R83–R96 and the decision table R102–R124b. It is pure: the
// maps it is given describe the previous deployment, the disk and the bundle.
func decideUpdate(u update) *decisions {
	d := &decisions{write: set{}, keep: set{}, final: map[string]string{}, diff: newDiffBuilder()}
	c, o, n := u.scan.hashes, u.orig, u.next
	for k := range u.scan.ignored {
		d.diff.ignored[k] = true // R83
	}
	// R84: the diff.
	for k, ch := range c {
		nh, inN := n[k]
		switch {
		case ch == markDeleted:
			if inN {
				d.diff.added[k] = true
			}
		case !inN:
			d.diff.deleted[k] = true
		case nh != ch && nh != o[k]:
			d.diff.changed[k] = true
		}
	}
	for k := range n {
		if _, inC := c[k]; !inC {
			d.diff.added[k] = true
		}
	}
	// R85: an external file the new bundle writes over is changed, and saved.
	backup := set{}
	for k := range u.scan.extExists {
		if d.diff.added[k] {
			delete(d.diff.added, k)
			d.diff.changed[k] = true
			backup[k] = true
		}
	}
	// R88: local edits whose bundle content did not change are left alone.
	leave := func(k string) bool {
		return !u.clean && u.scan.changes[k] && n[k] != "" && n[k] == o[k]
	}
	// R87: the backup set.
	for k := range u.scan.additions {
		backup[k] = true
	}
	for k := range u.scan.changes {
		nh, inN := n[k]
		if !inN || (nh != c[k] && !leave(k)) {
			backup[k] = true
		}
	}
	// R91: the delete set.
	del := set{}
	for k := range c {
		if _, inN := n[k]; !inN && !u.scan.deletions[k] {
			del[k] = true
		}
	}
	// R92 step 1, in descending order so children go before their parents. A
	// directory whose children are backed up gets no operation of its own: their
	// backups make its backup folder (an operation on it would displace them),
	// and when it is deleted it goes, emptied, with the deletes.
	parents := set{}
	for k := range backup {
		for dir := path.Dir(k); !isExternal(k) && dir != "."; dir = path.Dir(dir) {
			parents[dir] = true
		}
	}
	for _, k := range slices.Backward(slices.Sorted(maps.Keys(backup))) {
		d.diff.backedUp[k] = u.backupPath(k)
		op := backupOp{path: k, to: u.backupPath(k), dir: c[k] == markDir, move: del[k]}
		if op.dir && parents[k] {
			continue
		}
		if op.move {
			delete(del, k)
		}
		d.backups = append(d.backups, op)
	}
	for _, k := range slices.Backward(slices.Sorted(maps.Keys(del))) {
		d.deletes = append(d.deletes, k)
	}
	d.purge = u.clean
	d.diff.cleaned = u.clean
	// Write phase (R96): N's files, except the local edits kept. A file that
	// already holds the new bytes is not rewritten (R90, R102, R106, R109: RHQ
	// rewrites the same bytes; bundlekit saves the I/O), unless a purge
	// removes it first.
	for k, nh := range n {
		if nh == markDir {
			continue
		}
		switch {
		case leave(k):
			d.keep[k] = true
			d.final[k] = o[k] // R30
			continue
		case u.clean || c[k] != nh:
			d.write[k] = true
		}
		d.final[k] = nh
	}
	d.entries = updateEntries(u, d, leave, backup)
	return d
}

// updateEntries describes every path of O, C and N with its action and rule.
func updateEntries(u update, d *decisions, leave func(string) bool, backup set) []*Entry {
	paths := set{}
	for _, m := range []map[string]string{u.orig, u.scan.hashes, u.next} {
		for k := range m {
			paths[k] = true
		}
	}
	for k := range u.scan.ignored {
		paths[k] = true
	}
	var out []*Entry
	for _, k := range slices.Sorted(maps.Keys(paths)) {
		o, oOK := u.orig[k]
		c, cOK := u.scan.hashes[k]
		n, nOK := u.next[k]
		e := &Entry{Path: k, Previous: o, Current: c, New: n, Dir: o == markDir || c == markDir || n == markDir}
		if backup[k] {
			e.Backup = u.backupPath(k)
		}
		switch {
		case u.scan.ignored[k] && !nOK && u.clean:
			// Ignored paths are not spared by a clean purge (R95).
			e.Action, e.Rule = ActionDelete, "R95"
		case u.scan.ignored[k] && !nOK:
			e.Action, e.Rule = ActionIgnore, "R120"
		case u.scan.ignored[k] || (oOK && !cOK && nOK):
			// An ignored path the bundle writes is written anyway (R120).
			e.Action, e.Rule = ActionAdd, "R120"
		case !cOK && nOK:
			e.Action, e.Rule = addRule(u, k, e.Dir)
		case cOK && c == markDeleted:
			if nOK {
				e.Action, e.Rule = ActionAdd, "R111"
			} else {
				e.Action, e.Rule = ActionNone, "R119"
			}
		case cOK && !nOK:
			e.Action, e.Rule = ActionDelete, deleteRule(oOK, o, c, e.Dir)
		default:
			e.Action, e.Rule = bothRule(u, k, oOK, o, c, n, leave(k))
		}
		out = append(out, e)
	}
	for _, name := range slices.Sorted(maps.Keys(u.scan.skipped)) {
		if _, written := u.next[name]; !written {
			out = append(out, &Entry{Path: name, Action: ActionSkip, Rule: "R118"})
		}
	}
	return out
}

func addRule(u update, k string, dir bool) (Action, string) {
	switch {
	case u.scan.extExists[k]:
		return ActionChange, "R113"
	case isExternal(k):
		return ActionAdd, "R114"
	case u.scan.skipped[topName(k)]:
		return ActionAdd, "R110"
	case dir:
		return ActionAdd, "R123"
	}
	return ActionAdd, "R112"
}

func deleteRule(oOK bool, o, c string, dir bool) string {
	switch {
	case dir && oOK:
		return "R122"
	case dir:
		return "R124"
	case !oOK:
		return "R117"
	case o == c:
		return "R115"
	}
	return "R116"
}

// bothRule decides a path that is on disk and in the new bundle.
func bothRule(u update, k string, oOK bool, o, c, n string, leave bool) (Action, string) {
	switch {
	case c == markDir && n == markDir && oOK:
		return ActionUnchanged, "R121"
	case c == markDir && n == markDir:
		return ActionUnchanged, "R124a"
	case !oOK && n == c:
		return ActionUnchanged, "R109"
	case !oOK:
		return ActionChange, "R108"
	case c == o && n == o:
		return ActionUnchanged, "R102"
	case c == o:
		return ActionChange, "R103"
	case n == o && leave:
		return ActionKeep, "R104"
	case n == o:
		return ActionChange, "R105"
	case n == c:
		return ActionUnchanged, "R106"
	}
	return ActionChange, "R107"
}

// withDirs returns m plus every ancestor directory of every relative key, with
// markDir (R69, R82). Absolute keys get no ancestors.
func withDirs(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
		if isExternal(k) {
			continue
		}
		for dir := path.Dir(k); dir != "." && dir != "/"; dir = path.Dir(dir) {
			out[dir] = markDir
		}
	}
	return out
}
