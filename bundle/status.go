package bundle

import (
	"context"
	"fmt"
	"slices"

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
	scan, err := scanUpdate(disk, withDirs(st.Hashes), nil, r.Current.Compliance == recipe.Full, nil, loadCache(disk, st))
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
			r.Drift.Deleted = append(r.Drift.Deleted, k)
		}
	}
	for k := range scan.additions {
		if scan.hashes[k] != markDir {
			r.Drift.Added = append(r.Drift.Added, k)
		}
	}
	for _, l := range []*[]string{&r.Drift.Changed, &r.Drift.Deleted, &r.Drift.Added} {
		if *l == nil {
			*l = []string{}
		}
		slices.Sort(*l)
	}
	return r, nil
}
