package bundle

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/bundlekit/bundlekit/internal/journal"
	"github.com/bundlekit/bundlekit/internal/metadata"
	"github.com/bundlekit/bundlekit/recipe"
)

// The store of deployed content (issue 14): what a revert needs to rebuild
// the previous deployment without its bundle.
//
// A revert is an update to the previous deployment's content followed by the
// restore of the current deployment's backups (R130, R131). Under the
// update's rules a file whose previous content is the content the current
// deployment recorded needs no bytes: unchanged on disk it stays, edited by
// hand it is kept (R88, R104). Bytes are needed only for the files the
// current deployment replaced or removed; and of those, a file that held an
// edit of its own was backed up by that deployment, and the restore puts the
// backup back over whatever the update writes. So each operation keeps what
// it displaces of the deployment it replaces — a file that still held the
// bytes that deployment recorded — by a hard link made before the file is
// replaced or trashed (journal.Tx.LinkOrCopy): no byte is copied, and the
// store grows by what the operation replaced, once per content.
//
// The store is content-addressed: an object is named by the content digest
// of its bytes (fileops.ContentDigest: their SHA-256 up to 4 MiB), in
// .rhqdeployments/.bundlekit/store/objects/<first 2 digits>/<digest>,
// so content that several deployments or paths share is kept once. Objects
// are never written into and never linked into the destination: a revert
// copies them, so an edit made in place later cannot change one. They are
// the realized files — templates with their values filled in — so the store
// is as secret as the destination; it lives in the journal's folder, which
// is made 0700. No property value is kept beside them.
//
// Each deployment records, in its metadata.Extras, which of the previous
// deployment's files it kept (by path and digest), its recipe's rhq:ignore,
// and what its recipe does that a revert to it could not do without the
// bundle.
const (
	storeDir   = journal.Dir + "/store"
	objectsDir = storeDir + "/objects"
)

// objectKey is the key of the stored object holding the bytes whose content
// digest is digest (lowercase hex).
func objectKey(digest string) string { return objectsDir + "/" + digest[:2] + "/" + digest }

// recipeExtras is what the deployment of an expanded recipe records beyond
// RHQ's metadata (the store's part is added by planStore).
func recipeExtras(r *recipe.Recipe, b *Bundle) *metadata.Extras {
	unit := r.Bundle.Unit
	e := &metadata.Extras{Ignore: ignoreRecord(unit.Ignore), Stored: map[string]string{}}
	need := func(format string, args ...any) {
		e.BundleNeeded = append(e.BundleNeeded, fmt.Sprintf(format, args...))
	}
	if unit.PreinstallTarget != "" {
		need("its preinstall target %q", unit.PreinstallTarget)
	}
	if unit.PostinstallTarget != "" {
		need("its postinstall target %q", unit.PostinstallTarget)
	}
	handovers := 0
	for _, f := range unit.Files {
		if f.Handover != nil {
			handovers++
		}
	}
	for _, a := range unit.Archives {
		if a.Handover != nil {
			handovers++
		}
	}
	if handovers > 0 {
		need("the %d item(s) it hands over (rhq:handover)", handovers)
	}
	if s := unit.SystemService; s != nil {
		need("its system service %q (rhq:system-service)", s.Name)
	}
	if b.Service != nil {
		need("its service package's install command (deployment.xml)")
	}
	return e
}

// ignoreRecord is the record of an expanded rhq:ignore.
func ignoreRecord(sel *recipe.FileSelector) []metadata.IgnoreSet {
	if sel == nil {
		return nil
	}
	patterns := func(ps []recipe.Pattern) []string {
		var out []string
		for _, p := range ps {
			if p.Pattern != "" {
				out = append(out, p.Pattern)
			}
		}
		return out
	}
	var out []metadata.IgnoreSet
	for _, fs := range sel.Filesets {
		out = append(out, metadata.IgnoreSet{Dir: fs.Dir, Includes: patterns(fs.Includes), Excludes: patterns(fs.Excludes)})
	}
	return out
}

// recordedIgnore compiles the rhq:ignore a deployment recorded; nil when it
// ignores nothing.
func recordedIgnore(sets []metadata.IgnoreSet) (*recipe.Matcher, error) {
	if len(sets) == 0 {
		return nil, nil
	}
	sel := &recipe.FileSelector{}
	for _, s := range sets {
		fs := &recipe.Fileset{Dir: s.Dir}
		for _, p := range s.Includes {
			fs.Includes = append(fs.Includes, recipe.Pattern{Pattern: p})
		}
		for _, p := range s.Excludes {
			fs.Excludes = append(fs.Excludes, recipe.Pattern{Pattern: p})
		}
		sel.Filesets = append(sel.Filesets, fs)
	}
	return sel.Matcher()
}

// planStore gives each entry that replaces or removes a file of the current
// deployment holding the bytes that deployment recorded a first step keeping
// those bytes in the store, unless an object holds them already, and records
// which files the new deployment keeps (metadata.Extras.Stored). A file whose
// content digest is unknown (neither recorded nor read by the rescan) is not
// kept.
// Run it last, once the entries have all their other steps.
func (p *Plan) planStore(d fsDisk, entries []*Entry) error {
	if p.extras == nil || !p.state.Managed {
		return nil
	}
	claimed := set{}
	for _, e := range entries {
		if e.Dir || e.outside || !isMD5(e.Previous) || e.Current != e.Previous || !e.displaces() {
			continue
		}
		digest := p.recordedDigest(e.Path, e.Previous)
		if digest == "" {
			continue
		}
		p.extras.Stored[e.Path] = digest
		key := objectKey(digest)
		if claimed[key] {
			continue
		}
		claimed[key] = true
		exists, _, err := d.stat(key)
		if err != nil {
			return fmt.Errorf("look in the store: %w", err)
		}
		if !exists {
			// First: the entry's file event follows its last step.
			e.steps = append([]step{{op: opStore, phase: phaseStore, to: key}}, e.steps...)
		}
	}
	return nil
}

// displaces reports whether the entry's steps replace or remove what is at
// its path.
func (e *Entry) displaces() bool {
	return e.has(opWrite) || e.has(opTrash) || e.has(opRestore)
}

// recordedDigest returns the content digest of the file at key of the
// current deployment, whose MD5 is md5: read by the rescan, or recorded with
// the deployment; "" when neither knows it.
func (p *Plan) recordedDigest(key, md5 string) string {
	if f, ok := p.scanned[key]; ok && f.MD5 == md5 && p.scannedDigests[key] != "" {
		return p.scannedDigests[key]
	}
	return p.digests[key] // it stands with the map, whose MD5 this is
}

// store keeps an entry's file in the store (opStore): an object made since
// the plan was made (another path with the same bytes) is not made again.
func (a *applier) store(e *Entry, to string) error {
	err := a.tx.LinkOrCopy(a.ctx, e.Path, to)
	if err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("keep %s in the store: %w", e.Path, err)
	}
	return nil
}

// storeDirs makes the directories of the store phase's objects, in order,
// so that the objects' creations are then reserved with one sync.
func (a *applier) storeDirs(steps []*step) error {
	made := set{}
	for _, s := range steps {
		dir := path.Dir(s.to)
		if made[dir] {
			continue
		}
		made[dir] = true
		if err := a.tx.MkdirAll(dir); err != nil {
			return err
		}
	}
	return nil
}

// loadExtras reads deployment id's metadata.Extras: nil when it has none (RHQ
// or an older bundlekit made it) or the record cannot be read.
func loadExtras(d fsDisk, id int32) *metadata.Extras {
	rc, err := d.open(metadata.ExtrasPath(id))
	if err != nil {
		return nil
	}
	defer rc.Close()
	e, err := metadata.DecodeExtras(rc)
	if err != nil {
		return nil
	}
	return e
}

// isObjectName reports whether name is the file name of a stored object: 64
// lowercase hex digits.
func isObjectName(name string) bool {
	return len(name) == 64 && strings.Trim(name, "0123456789abcdef") == ""
}
