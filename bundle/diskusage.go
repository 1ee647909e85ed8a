package bundle

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	"github.com/bundlekit/bundlekit/fileops"
	"github.com/bundlekit/bundlekit/internal/metadata"
)

// DiskUsage is what a destination's metadata folder takes, in bytes: the
// sizes of its files, a file linked twice counted once, as du
// --apparent-size counts files (du also counts the directories themselves,
// a few KiB each). Total is the sum of the deployments' totals,
// Unattributed and Other.
type DiskUsage struct {
	// Deployments are the recorded deployments, newest first (the current
	// one, then each one's previous one, then the others by descending id).
	Deployments []DeploymentDisk `json:"deployments"`
	// Store is what every stored object takes; Unattributed what those no
	// deployment's record names take (a prune removes them).
	Store        int64 `json:"store"`
	Unattributed int64 `json:"unattributed"`
	// Other is the rest: current-deployment.properties, the stat cache,
	// folders that are not deployments.
	Other int64 `json:"other"`
	Total int64 `json:"total"`
}

// DeploymentDisk is what one deployment takes.
type DeploymentDisk struct {
	ID int `json:"id"`
	// Metadata: its properties, map and bundlekit's records; Backup and
	// ExtBackup: its backup folders (R125, R126).
	Metadata  int64 `json:"metadata"`
	Backup    int64 `json:"backup"`
	ExtBackup int64 `json:"extBackup"`
	// Stored: the stored objects attributed to it — those that the
	// operation recording it, or a later one, kept of what it replaced
	// (metadata.Extras.Stored), each attributed to the newest deployment
	// that names it, so that a prune keeping the deployments newer than
	// this one frees what the older ones hold.
	Stored int64 `json:"stored"`
	Total  int64 `json:"total"`
}

// diskUsage measures the metadata folder of dest; nil when there is none.
func diskUsage(ctx context.Context, dest string) (*DiskUsage, error) {
	d, err := fileops.OpenDir(dest)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open destination: %w", err)
	}
	defer d.Close()
	if _, err := d.Lstat(metadata.Dir); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	st, err := metadata.LoadCurrent(d.FS(), d.Path())
	if err != nil {
		return nil, err
	}
	disk, closeDisk, err := openDisk(dest)
	if err != nil {
		return nil, err
	}
	defer closeDisk()
	u := newUsage(d.FS())
	out := &DiskUsage{Deployments: []DeploymentDisk{}}
	owner := map[string]int{} // object → index in Deployments
	for _, id := range history(st) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		dd := DeploymentDisk{ID: int(id)}
		for _, part := range []struct {
			key string
			n   *int64
		}{{metadata.BackupDir(id), &dd.Backup}, {metadata.ExtBackupDir(id), &dd.ExtBackup}, {metadata.IDDir(id), &dd.Metadata}} {
			if *part.n, err = u.size(part.key); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return nil, err
			}
		}
		if e := loadExtras(disk, id); e != nil {
			for _, digest := range e.Stored {
				if _, ok := owner[digest]; !ok {
					owner[digest] = len(out.Deployments)
				}
			}
		}
		out.Deployments = append(out.Deployments, dd)
	}
	objects, err := listObjects(d)
	if err != nil {
		return nil, err
	}
	for _, od := range objects {
		for _, o := range od.objects {
			n, err := u.size(objectKey(o.digest))
			if err != nil && !errors.Is(err, fs.ErrNotExist) {
				return nil, err
			}
			out.Store += n
			if i, ok := owner[o.digest]; ok {
				out.Deployments[i].Stored += n
			} else {
				out.Unattributed += n
			}
		}
	}
	if out.Other, err = u.size(metadata.Dir); err != nil {
		return nil, err
	}
	out.Total = out.Other + out.Unattributed
	for i := range out.Deployments {
		dd := &out.Deployments[i]
		dd.Total = dd.Metadata + dd.Backup + dd.ExtBackup + dd.Stored
		out.Total += dd.Total
	}
	return out, nil
}
