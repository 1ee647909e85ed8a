package bundle

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/bundlekit/bundlekit/fileops"
	"github.com/bundlekit/bundlekit/internal/journal"
	"github.com/bundlekit/bundlekit/internal/metadata"
	"github.com/bundlekit/bundlekit/recipe"
)

// ErrPending: the destination holds an operation that did not finish (the process
// died). Deploy, Revert, Purge and Status recover it first; Recover does only
// that.
var ErrPending = journal.ErrPending

// ErrNotManaged: the destination holds no deployment (R16, R32).
var ErrNotManaged = errors.New("not a managed deployment location")

// Deploy recovers any unfinished operation on opts.Dest, plans the deployment of b
// and applies it.
func Deploy(ctx context.Context, b *Bundle, opts Options) (*Result, error) {
	return run(ctx, opts.Dest, func() (*Plan, error) { return PlanDeploy(ctx, b, opts) })
}

// Revert recovers any unfinished operation, then plans and applies a revert (R130).
func Revert(ctx context.Context, b *Bundle, opts Options) (*Result, error) {
	return run(ctx, opts.Dest, func() (*Plan, error) { return PlanRevert(ctx, b, opts) })
}

func run(ctx context.Context, dest string, plan func() (*Plan, error)) (*Result, error) {
	outcome, err := Recover(ctx, dest)
	if err != nil {
		return nil, err
	}
	p, err := plan()
	if err != nil {
		return nil, err
	}
	res, err := Apply(ctx, p)
	if res != nil && outcome != RecoveredNothing {
		res.Recovered = outcome
	}
	return res, err
}

// Recovery says what Recover did with an operation that had not finished.
type Recovery string

// The recoveries.
const (
	// RecoveredNothing: there was no unfinished operation.
	RecoveredNothing Recovery = Recovery(journal.Nothing)
	// RecoveredCompleted: the operation had committed; its clean-up was
	// finished.
	RecoveredCompleted Recovery = Recovery(journal.Completed)
	// RecoveredRolledBack: the operation had not committed; its changes were
	// undone and the destination is as it was before it.
	RecoveredRolledBack Recovery = Recovery(journal.RolledBack)
)

// Recover completes or undoes an operation on dest that did not finish (the
// process died), under the destination's lock. It returns RecoveredNothing when
// there was none.
func Recover(ctx context.Context, dest string) (Recovery, error) {
	d, err := fileops.OpenDir(dest)
	if errors.Is(err, fs.ErrNotExist) {
		return RecoveredNothing, nil
	}
	if err != nil {
		return "", err
	}
	defer d.Close()
	if !journal.Pending(d) {
		return RecoveredNothing, nil
	}
	unlock, err := lock(d)
	if err != nil {
		return "", err
	}
	defer unlock()
	outcome, err := journal.Recover(d)
	if err != nil {
		return "", fmt.Errorf("recover %s: %w", dest, err)
	}
	return Recovery(outcome), nil
}

// checkNotPending refuses to plan against a destination left half-changed.
func checkNotPending(dest string) error {
	d, err := fileops.OpenDir(dest)
	if err != nil {
		return nil
	}
	defer d.Close()
	if journal.Pending(d) {
		return fmt.Errorf("%s: %w; run a deployment or status to recover it first", dest, ErrPending)
	}
	return nil
}

// purgePlan is R138.
type purgePlan struct {
	delete []string // relative names, deepest first, and ext: keys
	whole  bool     // remove the destination itself
}

// PurgeOptions describe a purge.
type PurgeOptions struct {
	// Force allows purging a destination that holds no deployment: its whole
	// content is removed (RHQ does this without asking; bundlekit refuses
	// unless forced, GO of R138).
	Force  bool
	Events func(Event)
}

// PlanPurge plans the removal of the deployment in dest (R138): every file of the
// current deployment (a file in a subdirectory takes its whole parent directory
// with it); then, in full compliance, the destination itself, metadata
// included; in filesAndDirectories, the metadata folder only, because backups may
// hold secrets. Backups are never restored (R139).
func PlanPurge(ctx context.Context, dest string, opts PurgeOptions) (*Plan, error) {
	dir, err := hostDir(dest)
	if err != nil {
		return nil, fmt.Errorf("destination: %w", err)
	}
	if err := checkNotPending(dir.String()); err != nil {
		return nil, err
	}
	p := &Plan{Kind: KindPurge, Dest: dir.String(), dir: dir, events: opts.Events, purge: &purgePlan{}}
	if p.state, err = loadState(p.Dest); err != nil {
		return nil, err
	}
	diff := newDiffBuilder()
	if _, err := os.Lstat(p.Dest); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w: it does not exist, so there is nothing to purge", p.Dest, ErrNotManaged)
	}
	if !p.state.Managed {
		if !opts.Force {
			return nil, fmt.Errorf("%s: %w (%v); purge would remove everything in it: use force to do that", p.Dest, ErrNotManaged, p.state.Reason)
		}
		p.purge.whole = true
		p.Warnings = append(p.Warnings, "the destination holds no deployment: its whole content is removed")
		disk, closeDisk, err := openDisk(p.Dest)
		if err != nil {
			return nil, err
		}
		defer closeDisk()
		top, err := disk.readDir("")
		if err != nil {
			return nil, err
		}
		for _, e := range top {
			if e.name == metadataDir {
				continue // goes with the destination; it cannot go into its own trash
			}
			p.purge.delete = append(p.purge.delete, e.name)
			diff.deleted[e.name] = true
			p.Entries = append(p.Entries, &Entry{Path: e.name, Action: ActionDelete, Rule: "R138", Dir: e.isDir})
		}
		p.Differences = diff.build()
		return p, nil
	}
	cur := p.state.Current
	p.ID, p.Compliance = int(cur.ID), recipe.Compliance(cur.Compliance)
	p.Bundle = Info{Name: cur.BundleName, Version: cur.BundleVersion, Description: cur.Description}
	targets := set{}
	for _, k := range slices.Sorted(maps.Keys(p.state.Hashes)) {
		target := k
		if !isExternal(k) && path.Dir(k) != "." {
			target = path.Dir(k) // the immediate parent directory goes, whole
		}
		targets[target] = true
	}
	// A target inside another target goes with it.
	for _, t := range slices.Sorted(maps.Keys(targets)) {
		for dir := path.Dir(t); !isExternal(t) && dir != "."; dir = path.Dir(dir) {
			if targets[dir] {
				delete(targets, t)
				break
			}
		}
	}
	for _, t := range slices.Sorted(maps.Keys(targets)) {
		p.purge.delete = append(p.purge.delete, t)
		diff.deleted[t] = true
		p.Entries = append(p.Entries, &Entry{Path: t, Previous: p.state.Hashes[t], Action: ActionDelete, Rule: "R138", Dir: p.state.Hashes[t] == ""})
	}
	p.purge.whole = p.Compliance == recipe.Full
	p.Differences = diff.build()
	return p, nil
}

// Purge plans and applies a purge (after recovering any unfinished operation).
func Purge(ctx context.Context, dest string, opts PurgeOptions) (*Result, error) {
	return run(ctx, dest, func() (*Plan, error) { return PlanPurge(ctx, dest, opts) })
}

func (a *applier) runPurge() error {
	pp := a.p.purge
	// A service package's uninstall command runs before its files are removed;
	// its failure is reported, and the package is removed all the same (seed:
	// deployment.xml).
	if sp := readServicePackage(a.d); sp != nil && a.p.state.Managed && a.p.state.Hashes[ServicePackageFile] != "" {
		res, err := runServiceCommand(a.ctx, sp, "uninstall", a.p.Dest, a.p.emit)
		switch {
		case err != nil:
			a.p.Warnings = append(a.p.Warnings, err.Error())
		case res != nil:
			a.commands = append(a.commands, *res)
			if !res.Success {
				a.p.Warnings = append(a.p.Warnings, (&CommandError{Result: *res}).Error()+"; the package is removed all the same")
			}
		}
	}
	for _, k := range pp.delete {
		if name, ok := rel(k); ok {
			if err := a.trash(name); err != nil {
				return err
			}
			continue
		}
		if err := a.removeExternal(k); err != nil {
			// External files are reported, not fatal (R138).
			if a.p.applyErrors == nil {
				a.p.applyErrors = map[string]string{}
			}
			a.p.applyErrors[k] = err.Error()
		}
	}
	if pp.whole {
		entries, err := a.d.ReadDir(".")
		if err != nil {
			return err
		}
		for _, e := range entries {
			if e.Name() != metadataDir {
				if err := a.trash(e.Name()); err != nil {
					return err
				}
			}
		}
	}
	// The metadata goes in both modes; the journal's own folder stays until the
	// operation finishes.
	entries, err := a.d.ReadDir(metadataDir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	for _, e := range entries {
		name := metadataDir + "/" + e.Name()
		if strings.HasPrefix(e.Name(), ".bundlekit") {
			continue
		}
		if err := a.trash(name); err != nil {
			return err
		}
	}
	a.p.removeDest = pp.whole
	return a.j.Commit()
}

// DeploymentInfo describes a recorded deployment.
type DeploymentInfo struct {
	ID         int               `json:"id"`
	Bundle     Info              `json:"bundle"`
	Compliance recipe.Compliance `json:"compliance"`
}

// Drift is what changed on disk since the last deployment.
type Drift struct {
	Changed []string `json:"changed"`
	Removed []string `json:"removed"`
	Added   []string `json:"added"`
}

// StatusReport describes a destination.
type StatusReport struct {
	Dest    string `json:"destination"`
	Managed bool   `json:"managed"`
	// Reason says why a destination is not managed.
	Reason  string          `json:"reason,omitempty"`
	Current *DeploymentInfo `json:"current,omitempty"`
	// History lists the deployment ids recorded in the destination.
	History   []int    `json:"history"`
	Drift     Drift    `json:"drift"`
	Recovered Recovery `json:"recovered,omitempty"`
}

// Status reports the current deployment of dest, the ids recorded there, and the
// drift since the last deployment: files changed, removed and added (unknown
// files in full compliance; in filesAndDirectories, those under the top-level
// names the deployment owns, R75). The metadata does not record the recipe's
// rhq:ignore, so files an upgrade would ignore (logs, data) count as added here.
// An unfinished operation is recovered first.
func Status(ctx context.Context, dest string) (*StatusReport, error) {
	dir, err := hostDir(dest)
	if err != nil {
		return nil, fmt.Errorf("destination: %w", err)
	}
	outcome, err := Recover(ctx, dir.String())
	if err != nil {
		return nil, err
	}
	st, err := loadState(dir.String())
	if err != nil {
		return nil, err
	}
	r := &StatusReport{Dest: dir.String(), Managed: st.Managed}
	if st.Reason != nil {
		r.Reason = st.Reason.Error()
	}
	for _, id := range st.IDs {
		r.History = append(r.History, int(id))
	}
	if outcome != RecoveredNothing {
		r.Recovered = outcome
	}
	if !st.Managed {
		return r, nil
	}
	c := st.Current
	r.Current = &DeploymentInfo{ID: int(c.ID), Bundle: Info{Name: c.BundleName, Version: c.BundleVersion, Description: c.Description}, Compliance: recipe.Compliance(c.Compliance)}
	disk, closeDisk, err := openDisk(r.Dest)
	if err != nil {
		return nil, err
	}
	defer closeDisk()
	scan, err := scanUpdate(disk, withDirs(st.Hashes), nil, r.Current.Compliance == recipe.Full, nil)
	if err != nil {
		return nil, err
	}
	for k := range scan.changes {
		if scan.hashes[k] != markDir && st.Hashes[k] != "" {
			r.Drift.Changed = append(r.Drift.Changed, k)
		}
	}
	for k := range scan.deletions {
		if _, file := st.Hashes[k]; file {
			r.Drift.Removed = append(r.Drift.Removed, k)
		}
	}
	for k := range scan.additions {
		if scan.hashes[k] != markDir {
			r.Drift.Added = append(r.Drift.Added, k)
		}
	}
	for _, l := range []*[]string{&r.Drift.Changed, &r.Drift.Removed, &r.Drift.Added} {
		if *l == nil {
			*l = []string{}
		}
		slices.Sort(*l)
	}
	return r, nil
}

// AdoptOptions describe a snapshot of an existing directory.
type AdoptOptions struct {
	ID          int
	Name        string
	Version     string
	Description string
	// Compliance recorded for the snapshot; empty means full (R9).
	Compliance recipe.Compliance
	Events     func(Event)
}

// adoptPlan is R136.
type adoptPlan struct {
	hashes map[string]string
}

// PlanAdopt plans a snapshot of dest as its current deployment (R136): every
// regular file is hashed (an unreadable one is recorded as
// ?UNKNOWN_FILE_HASHCODE?) and recorded, so the next deployment is an upgrade in
// which every existing file is the original.
func PlanAdopt(ctx context.Context, dest string, opts AdoptOptions) (*Plan, error) {
	dir, err := hostDir(dest)
	if err != nil {
		return nil, fmt.Errorf("destination: %w", err)
	}
	if err := checkNotPending(dir.String()); err != nil {
		return nil, err
	}
	disk, closeDisk, err := openDisk(dir.String())
	if err != nil {
		return nil, err
	}
	defer closeDisk()
	if exists, isDir, _ := disk.stat(""); !exists || !isDir {
		if fd, ok := disk.(fsDisk); !ok || fd.d == nil {
			return nil, fmt.Errorf("non-existent file/directory provided: %s", dir)
		}
	}
	compliance := opts.Compliance
	if compliance == "" {
		compliance = recipe.Full
	}
	p := &Plan{Kind: KindAdopt, Dest: dir.String(), ID: opts.ID, dir: dir, events: opts.Events, Compliance: compliance,
		Bundle: Info{Name: opts.Name, Version: opts.Version, Description: opts.Description}, adopt: &adoptPlan{hashes: map[string]string{}}}
	if p.state, err = loadState(p.Dest); err != nil {
		return nil, err
	}
	p.props = metadata.Properties{ID: int32(opts.ID), BundleName: opts.Name, BundleVersion: opts.Version,
		Description: opts.Description, HasDescription: opts.Description != "", Compliance: metadata.Compliance(compliance)}
	files, err := listFiles(disk, "")
	if err != nil {
		return nil, err
	}
	diff := newDiffBuilder()
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		h, err := disk.hash(f)
		if err != nil {
			h = markUnknownFile
		}
		p.adopt.hashes[f] = h
		diff.added[f] = true
		p.Entries = append(p.Entries, &Entry{Path: f, Current: h, New: h, Action: ActionUnchanged, Rule: "R136"})
	}
	if p.state.Managed {
		prev := int(p.state.Current.ID)
		p.Previous = &prev
	}
	p.Differences = diff.build()
	return p, nil
}

// Adopt plans and applies a snapshot (after recovering any unfinished operation).
func Adopt(ctx context.Context, dest string, opts AdoptOptions) (*Result, error) {
	return run(ctx, dest, func() (*Plan, error) { return PlanAdopt(ctx, dest, opts) })
}
