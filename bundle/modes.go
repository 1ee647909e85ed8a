package bundle

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"path"

	"github.com/bundlekit/bundlekit/fileops"
	"github.com/bundlekit/bundlekit/internal/metadata"
)

// Permission bits are decided three-way, like content (issue 11.6): O, the
// mode the previous deployment recorded for a file; D, the mode on disk; N,
// the bundle's (the bits an archive entry or a bundle file records, or none).
// When D is not O, the operator changed it, and it is kept; otherwise N is
// applied — by the write that replaces the file, or, when its bytes stay, by
// a mode step of its own (ActionMode). The owner counts as part of D and O:
// a file whose owner changed since the previous deployment keeps its mode
// too. A deployment bundlekit makes records what it decided for each file
// (metadata.ModesPath); one RHQ made records nothing, and O is then the mode
// RHQ gave a file it wrote, 0644 (R101: RHQ wrote new files with default
// permissions and overwrote existing ones in place).

// ModeChange is what an operation does with the permission bits of a file of
// the new deployment, when that is worth saying: they change, or the bits on
// disk are kept although the bundle's differ. In JSON the bits are four octal
// digits ("0644").
type ModeChange struct {
	// From are the bits on disk before, To the bits after: the same when
	// they are kept.
	From fs.FileMode
	To   fs.FileMode
	// Bundle are the bits the bundle records for the file.
	Bundle fs.FileMode
	// Kept: the bits on disk stay, and Bundle is not applied. Either the
	// operator changed them (or the file's owner) since the previous
	// deployment wrote the file, or the file is a local edit kept (R104).
	Kept bool
	// OwnerChanged: the file's owner is not the one the previous deployment
	// recorded.
	OwnerChanged bool
}

// MarshalJSON writes the bits as four octal digits.
func (m ModeChange) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		From         string `json:"from"`
		To           string `json:"to"`
		Bundle       string `json:"bundle"`
		Kept         bool   `json:"kept,omitempty"`
		OwnerChanged bool   `json:"ownerChanged,omitempty"`
	}{metadata.FormatMode(m.From), metadata.FormatMode(m.To), metadata.FormatMode(m.Bundle), m.Kept, m.OwnerChanged})
}

// String says what happens: "0644 -> 0755", or "0600 kept, the bundle's is
// 0644".
func (m ModeChange) String() string {
	if !m.Kept {
		return metadata.FormatMode(m.From) + " -> " + metadata.FormatMode(m.To)
	}
	s := metadata.FormatMode(m.From) + " kept, the bundle's is " + metadata.FormatMode(m.Bundle)
	if m.OwnerChanged {
		s += ", the owner changed"
	}
	return s
}

// defaultMode is what a file without recorded bits gets when it is new, and
// what RHQ gave the files it wrote (R101).
const defaultMode fs.FileMode = 0o644

// perms is what the mode decision knows of a file's permissions on one side.
type perms struct {
	// ok: known (recorded or assumed, on O's side; a regular file, on D's).
	ok       bool
	mode     fs.FileMode // permission, setuid, setgid and sticky bits
	hasOwner bool
	uid, gid uint32
}

// ownerDiffers reports whether both sides know the owner and disagree.
func (p perms) ownerDiffers(q perms) bool {
	return p.hasOwner && q.hasOwner && (p.uid != q.uid || p.gid != q.gid)
}

// modeInput is one file's mode decision to make.
type modeInput struct {
	prev, disk perms
	// bundle: the bits the bundle records (N), 0 when it records none.
	bundle fs.FileMode
	// written: the entry replaces the file. same: its bytes already are the
	// new ones (ActionUnchanged). Neither: it is left as it is (a local
	// edit kept, R104).
	written, same bool
}

// modeOutput is a mode decision.
type modeOutput struct {
	// write: the bits the write gives the file; 0 keeps those of the file it
	// replaces (or gives a new one 0644). chmod: the bits a mode step sets,
	// 0 for none.
	write, chmod fs.FileMode
	// record: what the new deployment records, the O of the next one: the
	// bits it gives the file, or, when it keeps the operator's, the bundle's
	// (or the recorded ones), so that the next deployment still sees the
	// operator's change and keeps it, as R30 records N for a kept edit.
	record fs.FileMode
	change *ModeChange
}

// decideMode decides the permission bits of one file of the new deployment
// (issue 11.6, bundlekit's R101). It is pure.
func decideMode(in modeInput) modeOutput {
	n := in.bundle
	if !in.disk.ok {
		// A new file, or one a step removes first: the bundle's bits, or
		// 0644.
		return modeOutput{write: n, record: cmp.Or(n, defaultMode)}
	}
	d := in.disk.mode
	owner := in.prev.ok && in.prev.ownerDiffers(in.disk)
	operator := in.prev.ok && (d != in.prev.mode || owner)
	leave := !in.written && !in.same
	var out modeOutput
	switch {
	case leave && in.prev.ok:
		out.record = in.prev.mode
	case leave:
		out.record = d
	case operator:
		out.record = cmp.Or(n, in.prev.mode)
	default:
		out.record = cmp.Or(n, d)
	}
	switch {
	case n == 0:
	case !operator && !leave:
		if in.written {
			out.write = n
		} else if n != d {
			out.chmod = n
		}
		if n != d {
			out.change = &ModeChange{From: d, To: n, Bundle: n}
		}
	case n != d:
		out.change = &ModeChange{From: d, To: d, Bundle: n, Kept: true, OwnerChanged: owner && !leave}
	}
	return out
}

// decideModes is the I/O side of the mode decisions: it reads the previous
// deployment's record and the permissions on disk of the new deployment's
// files, and gives each entry its decision — the bits of its write step, a
// mode step, its report — and the plan the record of the new deployment.
// Paths a revert restores are left to the restore, which copies the
// backup's bits, and are not recorded. Modes are not decided outside Unix,
// where files have no Unix permission bits.
func (p *Plan) decideModes(sv *survey, entries []*Entry) error {
	if !fileops.UnixPermissions || p.content == nil {
		return nil
	}
	d, seen := sv.disk, sv.seen()
	var prev metadata.Modes
	if p.state.Managed {
		p.prevModes = sv.previousModes(p.state.Current.ID)
		prev = p.prevModes.modes
	}
	// The files decided, each with its source and, unless it is gone by the
	// write phase, its permissions on disk.
	var files []*Entry
	var srcs []*source
	var keys []string
	for _, e := range entries {
		s := p.content.sources[e.Path]
		if s == nil || e.Dir || e.outside || e.has(opRestore) {
			continue
		}
		files, srcs = append(files, e), append(srcs, s)
		if !e.gone() {
			keys = append(keys, e.Path)
		}
	}
	onDisk, err := d.perms(keys, seen)
	if err != nil {
		return err
	}
	p.modes = make(metadata.Modes, len(files))
	next := 0 // the index in keys and onDisk of the next file not gone
	for f, e := range files {
		in := modeInput{bundle: srcs[f].mode, written: e.has(opWrite), same: e.Action == ActionUnchanged}
		if !e.gone() {
			in.disk = onDisk[next]
			next++
		}
		if o, ok := prev[e.Path]; ok {
			in.prev = perms{ok: true, mode: o.Mode, hasOwner: o.HasOwner, uid: o.UID, gid: o.GID}
		} else if e.Previous != "" && e.Previous != markDir {
			in.prev = perms{ok: true, mode: defaultMode} // RHQ's, or an older bundlekit's
		}
		out := decideMode(in)
		e.Mode = out.change
		for i := range e.steps {
			if e.steps[i].op == opWrite {
				e.steps[i].perm, e.steps[i].permSet = out.write, true
			}
		}
		if out.chmod != 0 {
			e.add(step{op: opChmod, phase: phaseMode, perm: out.chmod})
			e.Action, e.Rule = ActionMode, "R101"
		}
		// The owner of a file that is written is known once it is (see
		// applier.wrote).
		rec := metadata.Perm{Mode: out.record}
		if in.disk.ok && !in.written {
			rec.HasOwner, rec.UID, rec.GID = in.disk.hasOwner, in.disk.uid, in.disk.gid
		}
		p.modes[e.Path] = rec
	}
	return nil
}

// loadModes reads deployment id's record of permissions: nil when there is
// none (a deployment RHQ or an older bundlekit made) or it cannot be read.
func loadModes(d fsDisk, id int32) metadata.Modes {
	return readModes(d, id).modes
}

// modesRecord is a record of permissions, with its file (never modified).
type modesRecord struct {
	modes metadata.Modes
	file  []byte
}

// readModes reads deployment id's record of permissions and its file, as
// loadModes does.
func readModes(d fsDisk, id int32) modesRecord {
	rc, err := d.open(metadata.ModesPath(id))
	if err != nil {
		return modesRecord{}
	}
	defer rc.Close()
	file, err := io.ReadAll(rc)
	if err != nil {
		return modesRecord{}
	}
	m, err := metadata.DecodeModes(bytes.NewReader(file))
	if err != nil {
		return modesRecord{}
	}
	return modesRecord{modes: m, file: file}
}

// encodeModes returns the file of the record of permissions the operation
// writes: the current deployment's again when it records the same, which
// spares sorting and formatting 10,000 lines on a redeployment.
func (a *applier) encodeModes() ([]byte, error) {
	m := a.recordedModes()
	if prev := a.p.prevModes; prev.file != nil && maps.Equal(m, prev.modes) {
		return prev.file, nil
	}
	return metadata.EncodeModes(m)
}

// perms returns the permissions of the regular files at keys, in their
// order; a key that is missing, or not a regular file, has none (ok is
// false). A file the rescan listed (seen) is known from its listing; the
// others are looked at a directory at a time, through one handle to it.
func (f fsDisk) perms(keys []string, seen map[string]dirEntry) ([]perms, error) {
	out := make([]perms, len(keys))
	var rest []string
	var at []int // the index in keys of each of rest
	for i, k := range keys {
		if e, ok := seen[k]; ok {
			out[i] = e.perm
			continue
		}
		if f.walk == nil && !isExternal(k) {
			continue // the destination does not exist yet
		}
		rest, at = append(rest, k), append(at, i)
	}
	found := make([]perms, len(rest))
	errs := make([]error, len(rest))
	groups := groupByDir(rest)
	forEach(len(groups), func(g int) {
		sub, owned := f.subDir(rest[groups[g][0]])
		if owned {
			defer sub.Close()
		}
		for _, i := range groups[g] {
			var fi fs.FileInfo
			var err error
			if sub != nil {
				fi, err = sub.Lstat(path.Base(rest[i]))
			} else {
				fi, err = f.lstatInfo(rest[i])
			}
			switch {
			case errors.Is(err, fs.ErrNotExist):
			case err != nil:
				errs[i] = err
			case fi.Mode().IsRegular():
				found[i] = permsOf(fi)
			}
		}
	})
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("read permissions: %w", err)
	}
	for i, found := range found {
		out[at[i]] = found
	}
	return out, nil
}

// lstatInfo describes the path at key, a symbolic link not followed.
func (f fsDisk) lstatInfo(key string) (fs.FileInfo, error) {
	loc, ok, err := f.resolve(key)
	if !ok {
		if err == nil {
			err = fs.ErrNotExist
		}
		return nil, err
	}
	return loc.Dir.Lstat(loc.Name)
}

// permsOf describes the permissions of a regular file.
func permsOf(fi fs.FileInfo) perms {
	p := perms{ok: true, mode: fi.Mode() & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky)}
	p.uid, p.gid, p.hasOwner = fileops.Owner(fi)
	return p
}

// recordedModes is the record of permissions the operation writes: the plan's,
// with the owners of the files written. The caller must not modify it: it is
// the plan's own when no file was written.
func (a *applier) recordedModes() metadata.Modes {
	a.mu.RLock()
	defer a.mu.RUnlock()
	if len(a.owners) == 0 {
		return a.p.modes
	}
	m := maps.Clone(a.p.modes)
	for k, own := range a.owners {
		if rec, ok := m[k]; ok {
			rec.HasOwner, rec.UID, rec.GID = own.hasOwner, own.uid, own.gid
			m[k] = rec
		}
	}
	return m
}
