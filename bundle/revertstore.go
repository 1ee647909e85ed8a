package bundle

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/bundlekit/bundlekit/fileops"
	"github.com/bundlekit/bundlekit/internal/metadata"
	"github.com/bundlekit/bundlekit/recipe"
	"github.com/bundlekit/bundlekit/token"
)

// ErrBundleNeeded: a revert without the bundle cannot rebuild the previous
// deployment from what the destination keeps; revert with the bundle of
// that version (PlanRevert) instead. A *BundleNeededError says why.
var ErrBundleNeeded = errors.New("the bundle of the version to go back to is needed")

// BundleNeededError is the refusal of a revert without the bundle: what the
// destination lacks to rebuild the previous deployment. Nothing was changed.
type BundleNeededError struct {
	Dest string
	// ID is the deployment to go back to; 0 when there is none to name.
	ID int
	// Reason says what is missing.
	Reason string
	// Paths are the first files (at most maxNamed, in order) whose bytes
	// the store does not hold; Missing counts them all.
	Paths   []string
	Missing int
}

// maxNamed is how many missing files a BundleNeededError names.
const maxNamed = 10

func (e *BundleNeededError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: cannot revert without the bundle", e.Dest)
	if e.ID != 0 {
		fmt.Fprintf(&b, " to deployment %d", e.ID)
	}
	b.WriteString(": " + e.Reason)
	if len(e.Paths) > 0 {
		b.WriteString(": " + strings.Join(e.Paths, ", "))
		if e.Missing > len(e.Paths) {
			fmt.Fprintf(&b, " and %d more", e.Missing-len(e.Paths))
		}
	}
	b.WriteString("; revert with the bundle of that version (deployer revert --bundle B)")
	return b.String()
}

// Unwrap returns ErrBundleNeeded.
func (e *BundleNeededError) Unwrap() error { return ErrBundleNeeded }

// PlanRevertStored plans a revert (R130–R135) without the bundle of the
// version to go back to: the previous deployment — the one the current
// deployment's previous-deployment.properties names (R26) — is rebuilt from
// what the destination keeps. Its map, permissions, rhq:ignore and bundle
// name and version come from its metadata; the bytes of a file the revert
// writes come from the store of deployed content (see the package doc), the
// others stay as they are on disk. Then, as with PlanRevert, every backup the
// current deployment made is restored, and the result is recorded as a new
// deployment (opts.ID). Properties are not needed: the store holds the
// realized files, and where a realized file holds the id of the deployment
// that realized it (@@rhq.deploy.id@@), the revert writes the new
// deployment's id instead, as a revert with the bundle would.
//
// Of Options, Dest, ID, ExactID, Clean, Events, LockWait, HoldLock, Verify
// and Keep apply; the others describe a bundle. It fails with a
// *BundleNeededError, changing nothing, when the destination cannot be
// rebuilt that way: the current or the previous deployment was made by RHQ
// or by a bundlekit without the store, the previous deployment's recipe does
// more than place files (a target, a handover, a system service, a service
// package, a compressed archive rebuilt with the id in an entry), the
// previous deployment's record does not say where its templates hold its id
// (an older bundlekit made it), or the store lacks bytes a write needs — a
// file removed or replaced by hand since, say. A file whose bytes the store
// lacks but that the restore of a backup writes anyway is restored from its
// backup. Like PlanRevert it changes nothing. Differences.Realized is empty:
// no template is realized again, only the id is put back in. Apply checks
// every byte it copies from the store against the digests recorded, and a
// damaged object fails the revert, undone, with an error wrapping
// ErrBundleNeeded.
func PlanRevertStored(ctx context.Context, opts Options) (*Plan, error) {
	p, err := planStored(ctx, opts)
	if err != nil {
		return nil, classify(err)
	}
	return p, nil
}

// RevertStored recovers any unfinished operation, then plans and applies a
// revert without the bundle (see PlanRevertStored).
func RevertStored(ctx context.Context, opts Options) (*Result, error) {
	opts.HoldLock = true
	return run(ctx, opts.Dest, opts.LockWait, gateOf(opts.Constraints, opts.Now, opts.Events), func() (*Plan, error) { return PlanRevertStored(ctx, opts) })
}

func planStored(ctx context.Context, opts Options) (p *Plan, err error) {
	if p, opts, err = beginPlan(ctx, opts, KindRevert); err != nil {
		return nil, err
	}
	p.FromStore = true
	defer func(built *Plan) {
		if err != nil {
			built.Close() // the lock must not outlive a failed plan
		}
	}(p)
	if !p.state.Managed {
		return nil, invalid(fmt.Errorf("%s: %w: there is no deployment to revert (%v)", p.Dest, ErrNotManaged, p.state.Reason))
	}
	disk, closeDisk, err := openDisk(p.Dest)
	if err != nil {
		return nil, err
	}
	prev, err := p.revertTarget(disk)
	closeDisk()
	if err != nil {
		return nil, err
	}
	props := prev.props
	p.Compliance = recipe.Compliance(props.Compliance)
	p.Bundle = Info{Name: props.BundleName, Version: props.BundleVersion, Description: props.Description}
	p.props = metadata.Properties{ID: int32(opts.ID), BundleName: props.BundleName, BundleVersion: props.BundleVersion,
		Description: props.Description, HasDescription: props.HasDescription, Compliance: props.Compliance}
	p.extras = &metadata.Extras{Ignore: prev.extras.Ignore, Stored: map[string]string{}}
	ignore, err := recordedIgnore(prev.extras.Ignore)
	if err != nil {
		return nil, fmt.Errorf("the rhq:ignore deployment %d recorded: %w", props.ID, err)
	}
	sv, err := p.startSurvey(ctx, ignore)
	if err != nil {
		return nil, err
	}
	defer sv.close()
	p.content = prev.content()
	if err := p.reID(p.content, sv.disk, prev.extras.IDAt, prev.extras.IDKnown, int(props.ID)); err != nil {
		return nil, err
	}
	entries, err := p.decide(ctx, sv, KindRevert)
	if err != nil {
		return nil, err
	}
	if entries, err = p.resolveStored(sv.disk, entries, int(props.ID)); err != nil {
		return nil, err
	}
	// The caller's installation conditions and the space check (R47); the
	// recipe's own were checked when the deployment reverted to was made.
	if err := p.gate(ctx, nil, opts.Conditions, p.Estimate); err != nil {
		return nil, err
	}
	if err := p.decideModes(sv, entries); err != nil {
		return nil, err
	}
	if err := p.planStore(sv.disk, entries); err != nil {
		return nil, err
	}
	p.global = append(p.global, step{op: opRecord, phase: phaseRecord})
	p.finish(entries, p.Clean)
	p.emit(Event{Type: EventPhase, Phase: "plan", Status: "finished"})
	return p, nil
}

// revertSource is what a revert without the bundle rebuilds: the previous
// deployment as its metadata records it, and the content digests that name
// its bytes in the store.
type revertSource struct {
	props   metadata.Properties
	hashes  metadata.Hashes
	digests metadata.Digests
	modes   metadata.Modes
	extras  *metadata.Extras
	// stored are the files of it that the current deployment kept.
	stored map[string]string
}

// revertTarget reads the previous deployment of the current one, and checks
// that it can be rebuilt without its bundle.
func (p *Plan) revertTarget(d fsDisk) (*revertSource, error) {
	dir, err := fileops.OpenDir(p.Dest)
	if err != nil {
		return nil, fmt.Errorf("open destination: %w", err)
	}
	defer dir.Close()
	st, err := metadata.LoadCurrent(dir.FS(), dir.Path())
	if err != nil {
		return nil, err
	}
	cur := p.state.Current.ID
	props, ok, err := st.Previous(cur)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, invalid(fmt.Errorf("%s: deployment %d is the first deployment there: there is no previous deployment to revert to", p.Dest, cur))
	}
	needed := func(format string, args ...any) error {
		return &BundleNeededError{Dest: p.Dest, ID: int(props.ID), Reason: fmt.Sprintf(format, args...)}
	}
	curExtras := loadExtras(d, cur)
	if curExtras == nil {
		return nil, needed("the current deployment %d was made by RHQ or by a bundlekit that kept no store, so what it replaced is not kept", cur)
	}
	src := &revertSource{props: props, stored: curExtras.Stored}
	if curExtras.StoredSHA256 {
		src.stored = smallObjects(d, curExtras.Stored)
	}
	if src.hashes, err = st.HashesOf(props.ID); err != nil {
		var de *metadata.DamagedError
		if errors.As(err, &de) {
			return nil, needed("its record cannot be read (%v)", err)
		}
		return nil, err
	}
	if src.extras = loadExtras(d, props.ID); src.extras == nil {
		return nil, needed("it was made by RHQ or by a bundlekit that kept no store, so its rhq:ignore and recipe are not known")
	}
	if n := src.extras.BundleNeeded; len(n) > 0 {
		return nil, needed("its recipe does more than place files: %s", strings.Join(n, ", "))
	}
	src.digests, _ = readDigests(d, props.ID)
	src.modes = loadModes(d, props.ID)
	return src, nil
}

// smallObjects returns the entries of an older bundlekit's record of the
// files it stored (metadata.Extras.StoredSHA256: by whole-file SHA-256)
// whose digests are content digests too: those naming objects of at most
// fileops.ContentChunkSize bytes. A larger object's bytes cannot be checked
// against its content digest, so a revert does without it, as without an
// object: a write that needs it is refused with a *BundleNeededError.
func smallObjects(d fsDisk, stored map[string]string) map[string]string {
	out := map[string]string{}
	for k, digest := range stored {
		fi, err := d.lstatInfo(objectKey(digest))
		if err == nil && fi.Mode().IsRegular() && fi.Size() <= fileops.ContentChunkSize {
			out[k] = digest
		}
	}
	return out
}

// content is N of the revert: every file of the previous deployment's map,
// with the hash it recorded, the bits it gave the file, and the stored
// object its digest names (none when no digest is known).
func (r *revertSource) content() *content {
	c := &content{sources: map[string]*source{}, seq: map[string]int{}, realized: set{}, managedDirs: set{}}
	for _, k := range slices.Sorted(maps.Keys(r.hashes)) {
		h := r.hashes[k]
		s := &source{key: k, kind: fromStore, hash: h, mode: r.modes[k].Mode}
		digest := r.digests[k]
		if digest == "" {
			digest = r.stored[k]
		}
		if digest != "" && isMD5(h) {
			s.digest, s.file = digest, objectKey(digest)
			s.origin = recipe.Pos{File: "deployment " + fmt.Sprint(r.props.ID) + " (stored)"}
		}
		c.add(s)
	}
	c.mkdirs = r.extras.Dirs
	return c
}

// resolveStored checks that the store holds the bytes of every file the
// revert writes, and estimates their size. A write whose bytes are missing
// is dropped when a restore writes the path anyway (R131: the backup is
// what the revert leaves there); any other is a *BundleNeededError naming
// the files.
func (p *Plan) resolveStored(d fsDisk, entries []*Entry, id int) ([]*Entry, error) {
	var missing, unknown []string
	for _, e := range entries {
		i := slices.IndexFunc(e.steps, func(s step) bool { return s.op == opWrite })
		if src := p.content.sources[e.Path]; src != nil && src.idLost && !e.has(opRestore) {
			// Its bytes with the new id are not known, written or recorded.
			missing = append(missing, e.Path)
			continue
		}
		if i < 0 {
			continue
		}
		if src := e.steps[i].src; src != nil && src.idUnknown && !e.has(opRestore) {
			unknown = append(unknown, e.Path)
			continue
		}
		if src := e.steps[i].src; src != nil && src.file != "" {
			fi, err := d.lstatInfo(src.file)
			if err == nil && fi.Mode().IsRegular() {
				p.Estimate += fi.Size()
				continue
			}
		}
		if e.has(opRestore) {
			e.steps = slices.Delete(e.steps, i, i+1)
			continue
		}
		missing = append(missing, e.Path)
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return nil, &BundleNeededError{Dest: p.Dest, ID: id, Reason: fmt.Sprintf("its record (made by an older bundlekit) does not say where it realized @@%s@@, and these files it would write may be realized with tokens",
			token.KeyDeployID), Paths: unknown[:min(len(unknown), maxNamed)], Missing: len(unknown)}
	}
	if len(missing) == 0 {
		return entries, nil
	}
	slices.Sort(missing)
	return nil, &BundleNeededError{Dest: p.Dest, ID: id, Reason: "the store does not hold the bytes of these files of it (changed or removed by hand since, or never kept)",
		Paths: missing[:min(len(missing), maxNamed)], Missing: len(missing)}
}
