package journal

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/bundlekit/bundlekit/fileops"
)

const lockFile = ".rhqdeployments/.bundlekit.lock"

// metadataDir is RHQ's metadata folder, where the lock and the journal live.
const metadataDir = ".rhqdeployments"

// ErrLocked: another deployer is working on the destination.
var ErrLocked = errors.New("the destination is locked by another deployer")

// LockedError names the deployer holding a destination's lock.
type LockedError struct {
	Dest   string
	Holder LockHolder
}

// LockHolder is what a lock file says about its owner.
type LockHolder struct {
	PID   int       `json:"pid"`
	Host  string    `json:"host"`
	Since time.Time `json:"since"`
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("%s: %v: process %d on %s since %s (if that process is gone, remove %s)",
		e.Dest, ErrLocked, e.Holder.PID, e.Holder.Host, e.Holder.Since.Format(time.RFC3339), lockFile)
}

func (e *LockedError) Unwrap() error { return ErrLocked }

// lock takes the destination's lock, a file created exclusively in its metadata
// folder. A lock left by a process that no longer runs on this host is stale and
// taken over. The returned function releases it.
func lock(d *fileops.Dir) (func(), error) {
	if err := d.MkdirAll(metadataDir, 0o755); err != nil {
		return nil, fmt.Errorf("lock %s: %w", d.Path(), err)
	}
	host, _ := os.Hostname()
	me := LockHolder{PID: os.Getpid(), Host: host, Since: time.Now().UTC().Truncate(time.Second)}
	data, err := json.Marshal(me)
	if err != nil {
		return nil, err
	}
	for attempt := 0; ; attempt++ {
		f, err := d.OpenFile(lockFile, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err == nil {
			_, werr := f.Write(data)
			if cerr := f.Close(); werr == nil {
				werr = cerr
			}
			if werr != nil {
				_ = d.Remove(lockFile)
				return nil, fmt.Errorf("lock %s: %w", d.Path(), werr)
			}
			return func() { unlock(d) }, nil
		}
		if !errors.Is(err, fs.ErrExist) || attempt > 0 {
			if errors.Is(err, fs.ErrExist) {
				return nil, lockedBy(d)
			}
			return nil, fmt.Errorf("lock %s: %w", d.Path(), err)
		}
		holder, ok := readHolder(d)
		if !ok || holder.Host != host || processAlive(holder.PID) {
			return nil, &LockedError{Dest: d.Path(), Holder: holder}
		}
		// A dead process's lock: take it over.
		if err := d.Remove(lockFile); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("remove stale lock of process %d: %w", holder.PID, err)
		}
	}
}

func lockedBy(d *fileops.Dir) error {
	holder, _ := readHolder(d)
	return &LockedError{Dest: d.Path(), Holder: holder}
}

func readHolder(d *fileops.Dir) (LockHolder, bool) {
	f, err := d.Open(lockFile)
	if err != nil {
		return LockHolder{}, false
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, 4096))
	if err != nil {
		return LockHolder{}, false
	}
	var h LockHolder
	if json.Unmarshal(data, &h) != nil || h.PID <= 0 {
		return LockHolder{}, false
	}
	return h, true
}

// unlock removes the lock and, when nothing else is left in it, the metadata
// folder it created (an initial deployment that was undone leaves no trace).
func unlock(d *fileops.Dir) {
	_ = d.Remove(lockFile)
	_ = d.Remove(metadataDir) // fails, as it should, unless empty
}
