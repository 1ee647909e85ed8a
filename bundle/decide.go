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
	// One row per path, made once from O, C and N: each rule below reads the
	// row, not the maps, which a no-op over 10,000 files looked up some
	// fifteen times per path.
	t := newRows(len(u.orig) + len(u.scan.ignored))
	for k, h := range u.orig {
		r := t.at(k)
		r.o, r.oOK = h, true
	}
	for k, h := range u.scan.hashes {
		r := t.at(k)
		r.c, r.cOK = h, true
	}
	for k, h := range u.next {
		r := t.at(k)
		r.n, r.nOK = h, true
	}
	for k := range u.scan.ignored {
		r := t.at(k)
		r.ignored = true
		r.e.report |= reportIgnored // R83
	}
	for k := range u.scan.changes {
		t.at(k).changed = true
	}
	// R84: the diff.
	for i := range t.rows {
		r := &t.rows[i]
		switch {
		case !r.cOK || r.c == markDeleted:
			if r.nOK {
				r.e.report |= reportAdded
			}
		case !r.nOK:
			r.e.report |= reportDeleted
		case r.n != r.c && r.n != r.o:
			r.e.report |= reportChanged
		}
	}
	// R85: an external file the new bundle writes over is changed, and saved.
	for k := range u.scan.extExists {
		if r := t.at(k); r.e.report&reportAdded != 0 {
			r.e.report = r.e.report&^reportAdded | reportChanged
			r.backup = true
		}
	}
	// R88: local edits whose bundle content did not change are left alone.
	leave := func(r *row) bool {
		return !u.clean && r.changed && r.n != "" && r.n == r.o
	}
	// R87: the backup set.
	for k := range u.scan.additions {
		t.at(k).backup = true
	}
	// R91: the delete set.
	for i := range t.rows {
		r := &t.rows[i]
		if r.changed && (!r.nOK || (r.n != r.c && !leave(r))) {
			r.backup = true
		}
		if r.cOK && !r.nOK && !u.scan.deletions[r.e.Path] {
			r.del = true
		}
	}
	// R92 step 1: a backed-up path that is deleted is moved, otherwise copied.
	// A directory whose children are backed up gets no step of its own: their
	// backups make its backup folder (a step on it would displace them), and
	// when it is deleted it goes, emptied, with the deletes.
	parents := set{}
	for i := range t.rows {
		if k := t.rows[i].e.Path; t.rows[i].backup && !isExternal(k) {
			for dir := path.Dir(k); dir != "."; dir = path.Dir(dir) {
				parents[dir] = true
			}
		}
	}
	for i := range t.rows {
		r := &t.rows[i]
		if !r.backup {
			continue
		}
		k := r.e.Path
		to, shown := u.backup(k)
		r.e.Backup = shown
		switch {
		case r.c == markDir && parents[k]:
		case r.del:
			r.e.add(step{op: opStash, phase: phaseBackup, to: to})
			r.del = false
		default:
			r.e.add(step{op: opBackup, phase: phaseBackup, to: to})
		}
	}
	// R92 step 2: deletes; a directory goes only once empty (R122).
	for i := range t.rows {
		if r := &t.rows[i]; r.del {
			op := opTrash
			if r.c == markDir {
				op = opDeleteDir
			}
			r.e.add(step{op: op, phase: phaseDelete})
		}
	}
	// R95: a clean purge removes the ignored paths the bundle does not write.
	// (What else it removes, the planner finds on disk: see clearTargets.)
	// R96: the write phase writes N's files, except the local edits kept; a
	// file that already holds the new bytes is not rewritten (GO of R90,
	// R102, R106, R109). A directory of N that is not on disk is made (R123).
	for i := range t.rows {
		r := &t.rows[i]
		switch {
		case !r.nOK:
			if u.clean && r.ignored {
				r.e.add(step{op: opTrash, phase: phaseClear})
			}
		case r.n == markDir:
			if (r.c == "" || r.c == markDeleted || r.del) && !r.ignored {
				r.e.add(step{op: opMkdir, phase: phaseMkdir})
			}
		case leave(r):
		case r.c != r.n:
			r.e.add(writeStep(u.content, r.e.Path))
		}
	}
	// R97: the directory entries of exploded archives are made, recorded or
	// not.
	for i, dir := range u.mkdirs {
		r := t.at(dir)
		r.archiveDir = true
		e := r.e
		gone := e.has(opStash) || e.has(opDeleteDir) || e.has(opTrash)
		if !e.has(opMkdir) && (gone || !u.present[dir] && (r.c == "" || r.c == markDeleted)) {
			e.add(step{op: opMkdir, phase: phaseMkdir, seq: i})
		}
	}
	out := make([]*Entry, 0, len(t.rows)+len(u.scan.skipped))
	for i := range t.rows {
		r := &t.rows[i]
		e := r.e
		e.Previous, e.Current, e.New = r.o, r.c, r.n
		e.Dir = r.o == markDir || r.c == markDir || r.n == markDir || r.archiveDir
		switch {
		case !r.oOK && !r.cOK && !r.nOK && !r.ignored:
			// Only an archive's directory entry, not recorded (R97).
			e.Action, e.Rule = ActionUnchanged, "R97"
			if e.has(opMkdir) {
				e.Action = ActionAdd
			}
		default:
			e.Action, e.Rule = updateRule(u, r, leave(r))
			// A directory deleted as unknown (R124), or gone by hand (R119),
			// that an archive's directory entry makes again (R97).
			switch {
			case e.has(opMkdir) && e.Action == ActionDelete:
				e.Action, e.Rule = ActionChange, "R97"
			case e.has(opMkdir) && e.Action == ActionNone:
				e.Action, e.Rule = ActionAdd, "R97"
			}
		}
		out = append(out, e)
	}
	for _, name := range slices.Sorted(maps.Keys(u.scan.skipped)) {
		if _, written := u.next[name]; !written {
			out = append(out, &Entry{Path: name, Action: ActionSkip, Rule: "R118"})
		}
	}
	sortEntries(out)
	return out
}

// row is what decideUpdate knows of one path: its hashes in O, C and N
// (with whether it is in each), the sets of the rescan it is in, and the
// decisions taken so far.
type row struct {
	e             *Entry
	o, c, n       string
	oOK, cOK, nOK bool
	// ignored: in the rescan's ignored set; changed: in its changes.
	ignored, changed bool
	// backup and del: in the backup set (R87) and the delete set (R91);
	// archiveDir: a directory entry of an exploded archive (R97).
	backup, del, archiveDir bool
}

// rows holds the rows of decideUpdate, by path, each with its entry. The
// entries are allocated in blocks: one allocation per path was a tenth of a
// no-op's allocations.
type rows struct {
	rows  []row
	index map[string]int
	block []Entry
}

func newRows(size int) *rows {
	return &rows{rows: make([]row, 0, size), index: make(map[string]int, size)}
}

// at returns the row of k, made when there is none. The pointer is valid
// until the next call.
func (t *rows) at(k string) *row {
	if i, ok := t.index[k]; ok {
		return &t.rows[i]
	}
	if len(t.block) == cap(t.block) {
		t.block = make([]Entry, 0, 256)
	}
	t.block = append(t.block, Entry{Path: k})
	t.index[k] = len(t.rows)
	t.rows = append(t.rows, row{e: &t.block[len(t.block)-1]})
	return &t.rows[len(t.rows)-1]
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
func updateRule(u update, r *row, leave bool) (Action, string) {
	switch {
	case r.ignored && !r.nOK && u.clean:
		// Ignored paths are not spared by a clean purge (R95).
		return ActionDelete, "R95"
	case r.ignored && !r.nOK:
		return ActionIgnore, "R120"
	case r.ignored && r.n == markDir:
		// An ignored directory the bundle writes into stays (R120).
		return ActionUnchanged, "R120"
	case r.ignored || (r.oOK && !r.cOK && r.nOK):
		// An ignored path the bundle writes is written anyway (R120).
		return ActionAdd, "R120"
	case !r.cOK && r.nOK:
		return addRule(u, r.e.Path, r.e.Dir)
	case r.cOK && r.c == markDeleted:
		if r.nOK {
			return ActionAdd, "R111"
		}
		return ActionNone, "R119"
	case r.cOK && !r.nOK:
		return ActionDelete, deleteRule(r.oOK, r.o, r.c, r.e.Dir)
	}
	return bothRule(r.oOK, r.o, r.c, r.n, leave)
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
	out := make(map[string]string, withDirsSize(len(m)))
	maps.Copy(out, m)
	addAncestors(out, m, markDir)
	return out
}

// withDirsSize is the room to make for n keys and their directories: a
// directory per two keys, as trees of small files have.
func withDirsSize(n int) int { return n + n/2 }

// addAncestors sets every ancestor directory of every relative key of m to v
// in dirs (a key of m that is also a directory included).
func addAncestors[V comparable](dirs map[string]V, m map[string]string, v V) {
	for k := range m {
		addDirsOf(dirs, k, v)
	}
}

// addDirsOf sets every ancestor directory of key k, when it is relative, to
// v in dirs.
func addDirsOf[V comparable](dirs map[string]V, k string, v V) {
	if isExternal(k) {
		return
	}
	// From the nearest up; once one is known, so are the rest.
	for i := strings.LastIndexByte(k, '/'); i > 0; i = strings.LastIndexByte(k[:i], '/') {
		dir := k[:i]
		if got, ok := dirs[dir]; ok && got == v {
			return
		}
		dirs[dir] = v
	}
}
