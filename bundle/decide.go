package bundle

import (
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/bundlekit/bundlekit/internal/statcache"

	"github.com/bundlekit/bundlekit/internal/metadata"
)

// Hash markers of RHQ's hashcode maps (R19, R54, R56, R70).
const (
	markDir         = metadata.MarkDirectory
	markDeleted     = metadata.MarkDeleted
	markUnknownFile = metadata.MarkUnknownFile
)

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
	// files: the stat and hash of each file hashed, for the stat cache;
	// digests the content digests (fileops.ContentDigest) of those that
	// were read, for the digests record.
	files   map[string]statcache.File
	digests map[string]string
}

// backupLoc names where the deployment being planned saves a path (R125,
// R126): its key inside the destination, and its absolute path as reported.
type backupLoc func(key string) (to, shown string)

// update is the input of an upgrade decision (§6).
type update struct {
	orig  map[string]string // O, with directories (R69)
	scan  rescan
	next  map[string]string // N, with directories (R82)
	clean bool
	// mkdirs are the directory entries of exploded archives (R97), made
	// whether or not N records them; present are those of them that exist on
	// disk as directories.
	mkdirs  []string
	present set
	backup  backupLoc
	// content gives the write steps their sources; nil in tests of the
	// decision alone.
	content *content
}

func isExternal(key string) bool { return metadata.IsExternal(key) }

func topName(key string) string {
	name, _, _ := strings.Cut(key, "/")
	return name
}

// decideUpdate applies R83–R97 and the decision table R102–R124b. It is pure:
// the maps it is given describe the previous deployment, the disk and the
// bundle. It returns one entry per path of O, C and N (and the ignored and
// skipped names), sorted by path, each with the steps that realize it.
func decideUpdate(u update) []*Entry {
	c, o, n := u.scan.hashes, u.orig, u.next
	entries := map[string]*Entry{}
	entry := func(k string) *Entry {
		e := entries[k]
		if e == nil {
			e = &Entry{Path: k}
			entries[k] = e
		}
		return e
	}
	for _, m := range []map[string]string{o, c, n} {
		for k := range m {
			entry(k)
		}
	}
	for k := range u.scan.ignored {
		entry(k).report |= reportIgnored // R83
	}
	// R84: the diff.
	for k, ch := range c {
		nh, inN := n[k]
		switch {
		case ch == markDeleted:
			if inN {
				entry(k).report |= reportAdded
			}
		case !inN:
			entry(k).report |= reportDeleted
		case nh != ch && nh != o[k]:
			entry(k).report |= reportChanged
		}
	}
	for k := range n {
		if _, inC := c[k]; !inC {
			entry(k).report |= reportAdded
		}
	}
	// R85: an external file the new bundle writes over is changed, and saved.
	backup := set{}
	for k := range u.scan.extExists {
		if e := entry(k); e.report&reportAdded != 0 {
			e.report = e.report&^reportAdded | reportChanged
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
	// R92 step 1: a backed-up path that is deleted is moved, otherwise copied.
	// A directory whose children are backed up gets no step of its own: their
	// backups make its backup folder (a step on it would displace them), and
	// when it is deleted it goes, emptied, with the deletes.
	parents := set{}
	for k := range backup {
		for dir := path.Dir(k); !isExternal(k) && dir != "."; dir = path.Dir(dir) {
			parents[dir] = true
		}
	}
	for k := range backup {
		e := entry(k)
		to, shown := u.backup(k)
		e.Backup = shown
		dir := c[k] == markDir
		switch {
		case dir && parents[k]:
		case del[k]:
			e.add(step{op: opStash, phase: phaseBackup, to: to})
			delete(del, k)
		default:
			e.add(step{op: opBackup, phase: phaseBackup, to: to})
		}
	}
	// R92 step 2: deletes; a directory goes only once empty (R122).
	for k := range del {
		op := opTrash
		if c[k] == markDir {
			op = opDeleteDir
		}
		entry(k).add(step{op: op, phase: phaseDelete})
	}
	// R95: a clean purge removes the ignored paths the bundle does not write.
	// (What else it removes, the planner finds on disk: see clearTargets.)
	if u.clean {
		for k := range u.scan.ignored {
			if _, inN := n[k]; !inN {
				entry(k).add(step{op: opTrash, phase: phaseClear})
			}
		}
	}
	// R96: the write phase writes N's files, except the local edits kept; a
	// file that already holds the new bytes is not rewritten (GO of R90,
	// R102, R106, R109). A directory of N that is not on disk is made (R123).
	for k, nh := range n {
		switch {
		case nh == markDir:
			if (c[k] == "" || c[k] == markDeleted || del[k]) && !u.scan.ignored[k] {
				entry(k).add(step{op: opMkdir, phase: phaseMkdir})
			}
		case leave(k):
		case c[k] != nh:
			entry(k).add(writeStep(u.content, k))
		}
	}
	// R97: the directory entries of exploded archives are made, recorded or
	// not.
	archiveDirs := set{}
	for i, dir := range u.mkdirs {
		archiveDirs[dir] = true
		e := entry(dir)
		gone := e.has(opStash) || e.has(opDeleteDir) || e.has(opTrash)
		if !e.has(opMkdir) && (gone || !u.present[dir] && (c[dir] == "" || c[dir] == markDeleted)) {
			e.add(step{op: opMkdir, phase: phaseMkdir, seq: i})
		}
	}
	out := slices.Collect(maps.Values(entries))
	for _, e := range out {
		k := e.Path
		o, oOK := u.orig[k]
		c, cOK := u.scan.hashes[k]
		n, nOK := u.next[k]
		e.Previous, e.Current, e.New = o, c, n
		e.Dir = o == markDir || c == markDir || n == markDir || archiveDirs[k]
		switch {
		case !oOK && !cOK && !nOK && !u.scan.ignored[k]:
			// Only an archive's directory entry, not recorded (R97).
			e.Action, e.Rule = ActionUnchanged, "R97"
			if e.has(opMkdir) {
				e.Action = ActionAdd
			}
		default:
			e.Action, e.Rule = updateRule(u, k, oOK, cOK, nOK, o, c, n, leave(k), e.Dir)
			// A directory deleted as unknown (R124), or gone by hand (R119),
			// that an archive's directory entry makes again (R97).
			switch {
			case e.has(opMkdir) && e.Action == ActionDelete:
				e.Action, e.Rule = ActionChange, "R97"
			case e.has(opMkdir) && e.Action == ActionNone:
				e.Action, e.Rule = ActionAdd, "R97"
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(u.scan.skipped)) {
		if _, written := u.next[name]; !written {
			out = append(out, &Entry{Path: name, Action: ActionSkip, Rule: "R118"})
		}
	}
	sortEntries(out)
	return out
}

// writeStep writes the new content of k from its source (R96); c is nil in
// tests of the decisions alone.
func writeStep(c *content, k string) step {
	s := step{op: opWrite, phase: phaseWrite}
	if c != nil {
		s.src, s.seq = c.sources[k], c.seq[k]
	}
	return s
}

// updateRule is the decision table (§7): the action and rule of one path.
func updateRule(u update, k string, oOK, cOK, nOK bool, o, c, n string, leave, dir bool) (Action, string) {
	switch {
	case u.scan.ignored[k] && !nOK && u.clean:
		// Ignored paths are not spared by a clean purge (R95).
		return ActionDelete, "R95"
	case u.scan.ignored[k] && !nOK:
		return ActionIgnore, "R120"
	case u.scan.ignored[k] && n == markDir:
		// An ignored directory the bundle writes into stays (R120).
		return ActionUnchanged, "R120"
	case u.scan.ignored[k] || (oOK && !cOK && nOK):
		// An ignored path the bundle writes is written anyway (R120).
		return ActionAdd, "R120"
	case !cOK && nOK:
		return addRule(u, k, dir)
	case cOK && c == markDeleted:
		if nOK {
			return ActionAdd, "R111"
		}
		return ActionNone, "R119"
	case cOK && !nOK:
		return ActionDelete, deleteRule(oOK, o, c, dir)
	}
	return bothRule(oOK, o, c, n, leave)
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
func bothRule(oOK bool, o, c, n string, leave bool) (Action, string) {
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

// ancestors returns every ancestor directory of every relative key of m
// (absolute keys have none).
func ancestors(m map[string]string) set {
	dirs := set{}
	addAncestors(dirs, m, true)
	return dirs
}

// withDirs returns m plus every ancestor directory of every relative key, with
// markDir (R69, R82). Absolute keys get no ancestors.
func withDirs(m map[string]string) map[string]string {
	// Room for a directory per two keys: trees of small files have that many.
	out := make(map[string]string, len(m)+len(m)/2)
	maps.Copy(out, m)
	addAncestors(out, m, markDir)
	return out
}

// addAncestors sets every ancestor directory of every relative key of m to v
// in dirs (a key of m that is also a directory included).
func addAncestors[V comparable](dirs map[string]V, m map[string]string, v V) {
	for k := range m {
		if isExternal(k) {
			continue
		}
		// From the nearest up; once one is known, so are the rest.
		for i := strings.LastIndexByte(k, '/'); i > 0; i = strings.LastIndexByte(k[:i], '/') {
			dir := k[:i]
			if got, ok := dirs[dir]; ok && got == v {
				break
			}
			dirs[dir] = v
		}
	}
}
