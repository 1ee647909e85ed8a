package bundle

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path"
	"slices"
	"time"

	"github.com/bundlekit/bundlekit/constraint"
	"github.com/bundlekit/bundlekit/recipe"
)

// PurgeOptions describe a purge.
type PurgeOptions struct {
	// Force allows purging a destination that holds no deployment: its whole
	// content is removed (RHQ does this without asking; bundlekit refuses
	// unless forced, GO of R138).
	Force  bool
	Events func(Event)
	// LockWait: see Options.LockWait.
	LockWait time.Duration
	// HoldLock: see Options.HoldLock. Purge sets it.
	HoldLock bool
	// Constraints, Conditions and Now: see Options. A purge has no recipe
	// and writes nothing, so only the caller's conditions are checked.
	Constraints constraint.Set
	Conditions  []Condition
	Now         func() time.Time
}

// PlanPurge plans the removal of the deployment in dest (R138): every file of the
// current deployment (a file in a subdirectory takes its whole parent directory
// with it); then, in full compliance, the destination itself, metadata
// included; in filesAndDirectories, the metadata folder only, because backups may
// hold secrets. Backups are never restored (R139). A service package's
// uninstall command runs before its files are removed.
func PlanPurge(ctx context.Context, dest string, opts PurgeOptions) (p *Plan, err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	dir, err := hostDir(dest)
	if err != nil {
		return nil, err
	}
	if err := checkConstraints(dir.String(), opts.Constraints, opts.Now, opts.Events); err != nil {
		return nil, err
	}
	lock, recovered, err := settle(ctx, dir.String(), opts.LockWait, opts.HoldLock)
	if err != nil {
		return nil, err
	}
	p = &Plan{Recovered: recovered, Kind: KindPurge, Dest: dir.String(), dir: dir, events: opts.Events, lockWait: opts.LockWait, lock: lock}
	defer func(built *Plan) {
		if err != nil {
			built.Close() // the lock must not outlive a failed plan
		}
	}(p)
	if p.state, err = loadState(p.Dest); err != nil {
		return nil, err
	}
	if _, err := os.Lstat(p.Dest); errors.Is(err, fs.ErrNotExist) {
		return nil, invalid(fmt.Errorf("%s: %w: it does not exist, so there is nothing to purge", p.Dest, ErrNotManaged))
	}
	disk, closeDisk, err := openDisk(p.Dest)
	if err != nil {
		return nil, err
	}
	defer closeDisk()
	if p.state.Managed {
		cur := p.state.Current
		p.Bundle = Info{Name: cur.BundleName, Version: cur.BundleVersion, Description: cur.Description}
	}
	if err := p.gate(ctx, nil, opts.Conditions, -1); err != nil {
		return nil, err
	}
	var entries []*Entry
	if !p.state.Managed {
		if !opts.Force {
			return nil, invalid(fmt.Errorf("%s: %w (%v); purge would remove everything in it: use force to do that", p.Dest, ErrNotManaged, p.state.Reason))
		}
		p.Warnings = append(p.Warnings, "the destination holds no deployment: its whole content is removed")
		if entries, err = purgeRest(disk, nil, reportDeleted); err != nil {
			return nil, err
		}
		p.removeDest = true
		p.global = append(p.global, step{op: opEmpty, phase: phaseRecord}, step{op: opForget, phase: phaseRecord, seq: 1})
		p.finish(entries, false)
		return p, nil
	}
	cur := p.state.Current
	p.ID, p.Compliance = int(cur.ID), recipe.Compliance(cur.Compliance)
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
		e := &Entry{Path: t, Previous: p.state.Hashes[t], Action: ActionDelete, Rule: "R138", Dir: p.state.Hashes[t] == "", report: reportDeleted}
		op := opTrash
		if isExternal(t) {
			op = opTrashOrReport // external files are reported, not fatal (R138)
		}
		e.add(step{op: op, phase: phaseClear})
		entries = append(entries, e)
	}
	if p.Compliance == recipe.Full {
		rest, err := purgeRest(disk, targets, 0)
		if err != nil {
			return nil, err
		}
		entries = append(entries, rest...)
		p.removeDest = true
		// What the uninstall command leaves goes too.
		p.global = append(p.global, step{op: opEmpty, phase: phaseRecord})
	}
	if sp := deployedServicePackage(disk); sp != nil && p.state.Hashes[ServicePackageFile] != "" {
		p.global = append(p.global, step{op: opCommand, phase: phaseUninstall, name: "uninstall", pkg: sp})
	}
	p.global = append(p.global, step{op: opForget, phase: phaseRecord, seq: 1})
	p.finish(entries, false)
	return p, nil
}

// purgeRest returns an entry removing each top-level name of the destination
// but .rhqdeployments (which goes with the destination) and the targets.
func purgeRest(d disk, targets set, r report) ([]*Entry, error) {
	top, err := d.readDir("")
	if err != nil {
		return nil, err
	}
	var out []*Entry
	for _, c := range top {
		if c.name == metadataDir || targets[c.name] {
			continue
		}
		e := &Entry{Path: c.name, Action: ActionDelete, Rule: "R138", Dir: c.isDir, report: r}
		e.add(step{op: opTrash, phase: phaseClear})
		out = append(out, e)
	}
	return out, nil
}

// deployedServicePackage reads the deployment.xml a service package deployed
// into the destination (nil when there is none, or it cannot be read).
func deployedServicePackage(d fsDisk) *recipe.ServicePackage {
	rc, err := d.open(ServicePackageFile)
	if err != nil {
		return nil
	}
	defer rc.Close()
	sp, err := recipe.ParseServicePackage(io.LimitReader(rc, recipe.DefaultMaxSize+1))
	if err != nil {
		return nil
	}
	return sp
}

// Purge plans and applies a purge (after recovering any unfinished operation).
func Purge(ctx context.Context, dest string, opts PurgeOptions) (*Result, error) {
	opts.HoldLock = true
	return run(ctx, dest, opts.LockWait, gateOf(opts.Constraints, opts.Now, opts.Events), func() (*Plan, error) { return PlanPurge(ctx, dest, opts) })
}
