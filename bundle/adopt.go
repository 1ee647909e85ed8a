package bundle

import (
	"context"
	"fmt"
	"time"

	"github.com/bundlekit/bundlekit/constraint"
	"github.com/bundlekit/bundlekit/internal/metadata"
	"github.com/bundlekit/bundlekit/recipe"
)

// AdoptOptions describe a snapshot of an existing directory.
type AdoptOptions struct {
	// ID is the snapshot's deployment id; 0 means the next one unless
	// ExactID is set, as for Options.ID.
	ID          int
	ExactID     bool
	Name        string
	Version     string
	Description string
	// Compliance recorded for the snapshot; empty means full (R9).
	Compliance recipe.Compliance
	Events     func(Event)
	// LockWait: see Options.LockWait.
	LockWait time.Duration
	// Constraints, Conditions and Now: see Options. An adoption has no
	// recipe, so only the caller's conditions are checked.
	Constraints constraint.Set
	Conditions  []Condition
	Now         func() time.Time
}

// PlanAdopt plans a snapshot of dest as its current deployment (R136): every
// regular file is hashed (an unreadable one is recorded as
// ?UNKNOWN_FILE_HASHCODE?) and recorded, so the next deployment is an upgrade in
// which every existing file is the original. A Compliance other than the two
// modes (or empty) is refused, with an error wrapping recipe.ErrInvalid, before
// dest is read.
func PlanAdopt(ctx context.Context, dest string, opts AdoptOptions) (*Plan, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	compliance := opts.Compliance
	switch compliance {
	case "":
		compliance = recipe.Full
	case recipe.Full, recipe.FilesAndDirectories:
	default:
		return nil, invalid(fmt.Errorf("adopt %s: compliance %q: %w: want %q or %q (R9)",
			dest, compliance, recipe.ErrInvalid, recipe.Full, recipe.FilesAndDirectories))
	}
	dir, err := hostDir(dest)
	if err != nil {
		return nil, err
	}
	if err := checkID(opts.ID); err != nil {
		return nil, err
	}
	if err := checkConstraints(dir.String(), opts.Constraints, opts.Now, opts.Events); err != nil {
		return nil, err
	}
	if err := checkNotPending(ctx, dir.String(), opts.LockWait); err != nil {
		return nil, err
	}
	disk, closeDisk, err := openDisk(dir.String())
	if err != nil {
		return nil, err
	}
	defer closeDisk()
	if !disk.dest {
		return nil, invalid(fmt.Errorf("non-existent file/directory provided: %s", dir))
	}
	p := &Plan{Kind: KindAdopt, Dest: dir.String(), ID: opts.ID, dir: dir, events: opts.Events, Compliance: compliance, lockWait: opts.LockWait,
		Bundle: Info{Name: opts.Name, Version: opts.Version, Description: opts.Description}}
	if p.state, err = loadState(p.Dest); err != nil {
		return nil, err
	}
	if err := p.gate(ctx, nil, opts.Conditions, -1); err != nil {
		return nil, err
	}
	if opts.ID == 0 && !opts.ExactID {
		opts.ID = nextID(p.state.State)
		p.ID = opts.ID
	}
	p.props = metadata.Properties{ID: int32(opts.ID), BundleName: opts.Name, BundleVersion: opts.Version,
		Description: opts.Description, HasDescription: opts.Description != "", Compliance: metadata.Compliance(compliance)}
	// A snapshot ignores nothing and displaces nothing: all it records of
	// its own is that, so a revert to it can be rebuilt from the store.
	p.extras = &metadata.Extras{Stored: map[string]string{}, IDKnown: true} // files found, not realized
	files, err := listFiles(ctx, disk, "")
	if err != nil {
		return nil, err
	}
	var entries []*Entry
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		h, err := disk.hash(f)
		if err != nil {
			h = markUnknownFile
		}
		entries = append(entries, &Entry{Path: f, Current: h, New: h, Action: ActionUnchanged, Rule: "R136", report: reportAdded})
	}
	if p.state.Managed {
		prev := int(p.state.Current.ID)
		p.Previous = &prev
	}
	p.global = append(p.global, step{op: opRecord, phase: phaseRecord})
	p.finish(entries, false)
	return p, nil
}

// Adopt plans and applies a snapshot (after recovering any unfinished operation).
func Adopt(ctx context.Context, dest string, opts AdoptOptions) (*Result, error) {
	return run(ctx, dest, opts.LockWait, gateOf(opts.Constraints, opts.Now, opts.Events), func() (*Plan, error) { return PlanAdopt(ctx, dest, opts) })
}
