package journal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
	"time"

	"github.com/bundlekit/bundlekit/fileops"
	"github.com/bundlekit/bundlekit/internal/dirfile"
)

// LockFile is the file a destination's lock is taken on, relative to the
// destination.
const LockFile = lockParent + "/.bundlekit.lock"

// lockParent is the metadata folder that holds LockFile. Lock creates it and
// Unlock removes it when nothing else is in it.
const lockParent = ".rhqdeployments"

// maxHolder bounds what is read of a lock file: a holder record is far smaller.
const maxHolder = 4096

// Pauses between attempts while waiting for a lock: polling, unlike a blocking
// lock call, can be cancelled, and the same loop serves every system.
const (
	firstPause = 5 * time.Millisecond
	maxPause   = 200 * time.Millisecond
)

// ErrLocked is the reason of a *LockedError: another deployer holds the lock.
var ErrLocked = errors.New("the destination is locked by another deployer")

// errReplaced: the lock file was removed or replaced between opening it and
// locking it; the attempt is repeated at once on the file the path names now.
var errReplaced = errors.New("the lock file was replaced")

// lockHook, when set by a test, runs at the steps where the protocol (see
// Lock) is most fragile: "opened" when the lock file is open and not yet
// locked, "locked" when the kernel lock is held and checked and the holder not
// yet written, and "removed" when Unlock has removed the lock file and not yet
// released the lock.
var lockHook func(step string)

// Holder is what a lock file says about the deployer that holds the lock. It
// serves messages only: whether the lock is held is the kernel's to say.
type Holder struct {
	PID   int       `json:"pid"`
	Host  string    `json:"host"`
	Since time.Time `json:"since"`
}

// LockedError reports that another deployer holds the lock of Dest. Holder is
// the zero Holder when the lock file names no process: the holder has not
// written it yet (it has just taken the lock) or could not.
type LockedError struct {
	Dest   string
	Holder Holder
}

func (e *LockedError) Error() string {
	h := e.Holder
	if h.PID <= 0 {
		return fmt.Sprintf("%s: %v (which one is not known: %s does not name it yet)", e.Dest, ErrLocked, LockFile)
	}
	msg := fmt.Sprintf("%s: %v: process %d", e.Dest, ErrLocked, h.PID)
	if h.Host != "" {
		msg += " on " + h.Host
	}
	if !h.Since.IsZero() {
		msg += " since " + h.Since.Format(time.RFC3339)
	}
	return msg
}

// Unwrap returns ErrLocked.
func (e *LockedError) Unwrap() error { return ErrLocked }

// DestLock is a destination's lock, held until Unlock.
type DestLock struct {
	d      *fileops.Dir
	ownDir bool // Unlock closes d (LockDest opened it)
	mu     sync.Mutex
	f      *os.File // the locked file; nil once unlocked
}

// Lock takes the lock of the destination d, so that one deployer at a time
// works on it. With wait == 0 it fails at once with a *LockedError when
// another deployer holds the lock; with wait > 0 it tries again until the
// lock is free or wait has passed (waiters are not served in any order).
// Cancelling ctx stops the wait; the error then matches both ctx's error and
// ErrLocked.
//
// See the package documentation for how the lock works.
func Lock(ctx context.Context, d *fileops.Dir, wait time.Duration) (*DestLock, error) {
	deadline := time.Now().Add(wait)
	pause := firstPause
	for {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("lock %s: %w", d.Path(), context.Cause(ctx))
		}
		l, err := tryLock(d)
		switch {
		case err == nil:
			return l, nil
		case errors.Is(err, errReplaced):
			continue
		case !errors.Is(err, ErrLocked) && !transient(err):
			return nil, fmt.Errorf("lock %s: %w", d.Path(), err)
		}
		if !errors.Is(err, ErrLocked) {
			err = fmt.Errorf("lock %s: %w", d.Path(), err)
		}
		left := time.Until(deadline)
		if left <= 0 {
			return nil, err
		}
		t := time.NewTimer(min(pause, left))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("%w (stopped waiting: %w)", err, context.Cause(ctx))
		case <-t.C:
		}
		pause = min(2*pause, maxPause)
	}
}

// tryLock makes one attempt to take d's lock. It fails with a *LockedError
// when another deployer holds it, and with errReplaced when the attempt must
// be repeated at once.
func tryLock(d *fileops.Dir) (*DestLock, error) {
	if err := d.MkdirAll(lockParent, 0o755); err != nil {
		// os.Root's MkdirAll reports EEXIST when the folder changes while it
		// looks: a deployer that unlocked removed it, and maybe another made
		// it again. Only a folder that is now something else is an error.
		fi, lerr := d.Lstat(lockParent)
		if errors.Is(err, fs.ErrExist) && (errors.Is(lerr, fs.ErrNotExist) || lerr == nil && fi.IsDir()) {
			return nil, errReplaced
		}
		return nil, err
	}
	// os.Root follows a symbolic link and O_CREATE would create its target:
	// refuse anything but a regular file before opening.
	if fi, err := d.Lstat(LockFile); err == nil && !fi.Mode().IsRegular() {
		return nil, notRegular(d, fi)
	}
	f, err := dirfile.OpenFile(d, LockFile, os.O_RDWR|os.O_CREATE, 0o644)
	if errors.Is(err, fs.ErrNotExist) {
		// A deployer that unlocked removed the metadata folder after MkdirAll.
		return nil, errReplaced
	}
	if err != nil {
		// The folder goes again if it is empty, as in Unlock: a lock never
		// taken leaves no trace.
		_ = d.Remove(lockParent)
		return nil, err
	}
	lockStep("opened")
	ok, err := lockFile(f)
	if err == nil && !ok {
		err = &LockedError{Dest: d.Path(), Holder: readHolder(f)}
	}
	if err == nil {
		err = stillNamed(d, f)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	lockStep("locked")
	l := &DestLock{d: d, f: f}
	if err := l.writeHolder(); err != nil {
		return nil, errors.Join(err, l.Unlock())
	}
	return l, nil
}

func lockStep(name string) {
	if lockHook != nil {
		lockHook(name)
	}
}

// stillNamed checks that LockFile names the open file f. It fails with
// errReplaced when the name is gone or names another file.
func stillNamed(d *fileops.Dir, f *os.File) error {
	locked, err := f.Stat()
	if err != nil {
		return err
	}
	named, err := d.Lstat(LockFile)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return errReplaced
	case err != nil:
		return err
	case !named.Mode().IsRegular():
		return notRegular(d, named)
	case !os.SameFile(locked, named):
		return errReplaced
	}
	return nil
}

func notRegular(d *fileops.Dir, fi fs.FileInfo) error {
	return fmt.Errorf("%s in %s is not a regular file (%v)", LockFile, d.Path(), fi.Mode().Type())
}

// readHolder reads the holder named in a lock file; anything but a record
// naming a process yields the zero Holder.
func readHolder(f *os.File) Holder {
	buf := make([]byte, maxHolder)
	n, _ := f.ReadAt(buf, 0) // a short or failed read leaves a record that does not parse
	var h Holder
	if json.Unmarshal(buf[:n], &h) != nil || h.PID <= 0 {
		return Holder{}
	}
	return h
}

// writeHolder replaces the content of the locked file with this process's
// holder record.
func (l *DestLock) writeHolder() error {
	host, _ := os.Hostname() // the record is for messages: a missing host name is no reason to fail
	h := Holder{PID: os.Getpid(), Host: host, Since: time.Now().UTC().Truncate(time.Second)}
	data, err := json.Marshal(h)
	if err != nil {
		return err
	}
	if err := fault(l.d, "write", LockFile); err != nil {
		return err
	}
	if err := l.f.Truncate(0); err != nil {
		return err
	}
	if _, err := l.f.WriteAt(append(data, '\n'), 0); err != nil {
		return err
	}
	return nil
}

// Unlock removes the lock file, then the metadata folder if it is empty, and
// then releases the lock (see Lock for why in this order). Once the lock is
// released it is no longer held even if Unlock reports an error. Unlock fails
// when called again.
func (l *DestLock) Unlock() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return fmt.Errorf("unlock %s: %w", l.d.Path(), fs.ErrClosed)
	}
	f := l.f
	l.f = nil
	// Remove the name only while it is still ours: a file removed by hand and
	// created again by another deployer is that deployer's.
	err := stillNamed(l.d, f)
	if err == nil {
		err = l.d.Remove(LockFile)
	}
	if errors.Is(err, errReplaced) || errors.Is(err, fs.ErrNotExist) {
		err = nil
	}
	// Fails, as it should, unless the folder is empty.
	_ = l.d.Remove(lockParent)
	lockStep("removed")
	err = errors.Join(err, unlockFile(f), f.Close())
	if l.ownDir {
		err = errors.Join(err, l.d.Close())
	}
	if err != nil {
		return fmt.Errorf("unlock %s: %w", l.d.Path(), err)
	}
	return nil
}

// LockDest opens the existing destination dest and takes its lock, as Lock
// does; Unlock closes the directory again.
func LockDest(ctx context.Context, dest string, wait time.Duration) (*DestLock, error) {
	d, err := fileops.OpenDir(dest)
	if err != nil {
		return nil, err
	}
	l, err := Lock(ctx, d, wait)
	if err != nil {
		d.Close()
		return nil, err
	}
	l.ownDir = true
	return l, nil
}

// Recover recovers an unfinished operation on the locked destination, if
// there is one (see Recover).
func (l *DestLock) Recover() (Outcome, error) {
	if !Pending(l.d) {
		return Nothing, nil
	}
	return Recover(l.d)
}
