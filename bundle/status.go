package bundle

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/bundlekit/bundlekit/recipe"
)

// DeploymentInfo describes a recorded deployment.
type DeploymentInfo struct {
	ID         int               `json:"id"`
	Bundle     Info              `json:"bundle"`
	Compliance recipe.Compliance `json:"compliance"`
}

// Drift is what changed on disk since the last deployment: recorded files
// whose content differs, recorded files that are gone, and files the
// deployment does not know. Deleted is "removed" in JSON, the name the
// deployer's documented --json output has always used.
type Drift struct {
	Changed []string `json:"changed"`
	Deleted []string `json:"removed"`
	Added   []string `json:"added"`
}

// DriftState is how one file drifted since the last deployment.
type DriftState string

// The drift states.
const (
	DriftAdded   DriftState = "added"   // on disk, not recorded
	DriftChanged DriftState = "changed" // recorded, with other content on disk
	DriftMissing DriftState = "missing" // recorded, gone from disk
)

// DriftFile is the drift of one file: its content as recorded and as found,
// MD5 (R49); "" on the side where it is absent.
type DriftFile struct {
	Path     string     `json:"path"`
	State    DriftState `json:"state"`
	Recorded string     `json:"recorded,omitempty"`
	Current  string     `json:"current,omitempty"`
}

// StatusReport describes a destination.
type StatusReport struct {
	Dest    string `json:"destination"`
	Managed bool   `json:"managed"`
	// Reason says why a destination is not managed.
	Reason  string          `json:"reason,omitempty"`
	Current *DeploymentInfo `json:"current,omitempty"`
	// History lists the deployment ids recorded in the destination.
	History []int `json:"history"`
	Drift   Drift `json:"drift"`
	// DriftFiles is Drift file by file, in path order.
	DriftFiles []DriftFile `json:"driftFiles"`
	// IgnoreKnown says whether the current deployment recorded its recipe's
	// rhq:ignore (bundlekit's record, metadata.Extras): then the paths it
	// ignores are not drift, and Ignored lists the top-most of them found
	// (R71). A deployment RHQ or an older bundlekit made did not: its
	// ignored files (logs, data) count as added.
	IgnoreKnown bool     `json:"ignoreKnown"`
	Ignored     []string `json:"ignored"`
	// Disk is what the metadata folder takes; nil when the destination
	// holds no metadata folder.
	Disk      *DiskUsage `json:"disk,omitempty"`
	Recovered Recovery   `json:"recovered,omitempty"`
}

// Status reports the current deployment of dest, the ids recorded there, the
// disk its metadata, backups and stored content take, and the drift since the
// last deployment: files changed, removed and added (unknown files in full
// compliance; in filesAndDirectories, those under the top-level names the
// deployment owns, R75), but the paths the deployment's rhq:ignore matches
// when it recorded it (IgnoreKnown). An unfinished operation is recovered
// first.
func Status(ctx context.Context, dest string) (*StatusReport, error) {
	dir, err := hostDir(dest)
	if err != nil {
		return nil, err
	}
	outcome, err := recoverDest(ctx, dir.String(), 0)
	if err != nil {
		return nil, stopped(dir.String(), err)
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
	if r.Disk, err = diskUsage(ctx, r.Dest); err != nil {
		return nil, err
	}
	r.DriftFiles, r.Ignored = []DriftFile{}, []string{}
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
	var ignore matcher
	if e := loadExtras(disk, c.ID); e != nil {
		r.IgnoreKnown = true
		m, err := recordedIgnore(e.Ignore)
		if err != nil {
			return nil, fmt.Errorf("the rhq:ignore deployment %d recorded: %w", c.ID, err)
		}
		if m != nil {
			ignore = m
		}
	}
	scan, err := scanUpdate(ctx, disk, withDirs(st.Hashes), ignore, r.Current.Compliance == recipe.Full, nil, loadCache(disk, st))
	if err != nil {
		return nil, err
	}
	file := func(k string, state DriftState, list *[]string) {
		*list = append(*list, k)
		f := DriftFile{Path: k, State: state, Recorded: st.Hashes[k]}
		if state != DriftMissing {
			f.Current = scan.hashes[k]
		}
		r.DriftFiles = append(r.DriftFiles, f)
	}
	for k := range scan.changes {
		if scan.hashes[k] != markDir && st.Hashes[k] != "" {
			file(k, DriftChanged, &r.Drift.Changed)
		}
	}
	for k := range scan.deletions {
		if _, recorded := st.Hashes[k]; recorded {
			file(k, DriftMissing, &r.Drift.Deleted)
		}
	}
	for k := range scan.additions {
		if scan.hashes[k] != markDir {
			file(k, DriftAdded, &r.Drift.Added)
		}
	}
	for _, l := range []*[]string{&r.Drift.Changed, &r.Drift.Deleted, &r.Drift.Added} {
		if *l == nil {
			*l = []string{}
		}
		slices.Sort(*l)
	}
	slices.SortFunc(r.DriftFiles, func(a, b DriftFile) int { return strings.Compare(a.Path, b.Path) })
	r.Ignored = slices.Sorted(maps.Keys(scan.ignored))
	return r, nil
}
