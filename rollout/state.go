package rollout

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/bundlekit/bundlekit/bundle"
	"github.com/bundlekit/bundlekit/fileops"
)

// StateFile is the state file of the descriptor at path:
// <descriptor>.state.json, beside it.
func StateFile(path string) string { return path + ".state.json" }

// stateVersion is the format of the state file; another one is refused.
const stateVersion = 1

// state is what a state file holds: how each target of one rollout ended,
// the rollout being one operation of one bundle.
type state struct {
	Version   int       `json:"version"`
	Operation Operation `json:"operation"`
	// Bundle is the bundle's identity (see bundleIdentity); empty for a
	// purge, which deploys no bundle.
	Bundle     string                 `json:"bundle"`
	BundleInfo *bundle.Info           `json:"bundleInfo,omitempty"`
	Updated    time.Time              `json:"updated"`
	Targets    map[string]*stateEntry `json:"targets"`
}

// stateEntry is how one target ended.
type stateEntry struct {
	Outcome Outcome `json:"outcome"`
	// Config identifies what the target was given: its destination and
	// property values. A target whose config changed since is run again.
	Config       string    `json:"config"`
	DeploymentID *int      `json:"deploymentId,omitempty"`
	Reason       string    `json:"reason,omitempty"`
	Error        string    `json:"error,omitempty"`
	Start        time.Time `json:"start,omitzero"`
	End          time.Time `json:"end,omitzero"`
}

// StateError is a state file that cannot be used: unreadable, damaged, or
// of another format. The rollout refuses to run rather than forget what an
// earlier run did; removing the file starts the rollout afresh.
type StateError struct {
	Path string
	Err  error
}

func (e *StateError) Error() string {
	return fmt.Sprintf("state file %s: %v (remove it to start the rollout afresh)", e.Path, e.Err)
}

func (e *StateError) Unwrap() error { return e.Err }

// stateStore keeps the state file of a rollout, rewriting it atomically
// after each target.
type stateStore struct {
	path string // "" when the rollout keeps no state
	mu   sync.Mutex
	st   *state
	dir  *fileops.Dir
	base string
}

// openState reads the state file at path (nil, nil when path is ""). The
// entries of another operation or bundle are dropped: that is another
// rollout.
func openState(path string, op Operation, identity string, info *bundle.Info) (*stateStore, error) {
	s := &stateStore{path: path, st: &state{Version: stateVersion, Operation: op, Bundle: identity, BundleInfo: info, Targets: map[string]*stateEntry{}}}
	if path == "" {
		return s, nil
	}
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return s, nil
	case err != nil:
		return nil, &StateError{Path: path, Err: err}
	}
	var old state
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&old); err != nil {
		return nil, &StateError{Path: path, Err: fmt.Errorf("damaged: %w", err)}
	}
	if old.Version != stateVersion {
		return nil, &StateError{Path: path, Err: fmt.Errorf("format version %d, this deployer reads %d", old.Version, stateVersion)}
	}
	if old.Operation == op && old.Bundle == identity && old.Targets != nil {
		s.st.Targets = old.Targets
	}
	return s, nil
}

// previous is how target t ended in an earlier run of this rollout, when its
// config is still the same.
func (s *stateStore) previous(t *Target, config string) *stateEntry {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.st.Targets[t.Name]
	if e == nil || e.Config != config {
		return nil
	}
	return e
}

// record notes how a target ended and rewrites the file.
func (s *stateStore) record(ctx context.Context, r *TargetResult, config string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.Targets[r.Name] = &stateEntry{Outcome: r.Outcome, Config: config, DeploymentID: r.DeploymentID, Reason: r.Reason,
		Error: r.Error, Start: r.Start, End: r.End}
	return s.write(ctx)
}

// write replaces the state file atomically: a temporary file beside it,
// synced, renamed over it (fileops.Dir.WriteFile). The caller holds mu.
func (s *stateStore) write(ctx context.Context) error {
	if s.path == "" {
		return nil
	}
	if s.dir == nil {
		abs, err := filepath.Abs(s.path)
		if err != nil {
			return &StateError{Path: s.path, Err: err}
		}
		if s.dir, s.base, err = fileops.OpenParent(abs, false); err != nil {
			return &StateError{Path: s.path, Err: err}
		}
	}
	s.st.Updated = time.Now().UTC().Truncate(time.Millisecond)
	data, err := json.MarshalIndent(s.st, "", "  ")
	if err != nil {
		return &StateError{Path: s.path, Err: err}
	}
	// A rollout stopped by its context still records how its targets ended.
	if _, err := s.dir.WriteFile(context.WithoutCancel(ctx), s.base, bytes.NewReader(append(data, '\n')), 0o644); err != nil {
		return &StateError{Path: s.path, Err: err}
	}
	return nil
}

func (s *stateStore) close() error {
	if s.dir == nil {
		return nil
	}
	return s.dir.Close()
}

// configDigest identifies what a target is given, for the state file: the
// operation, its destination and its property values.
func configDigest(op Operation, t *Target) string {
	keys := make([]string, 0, len(t.props))
	for k := range t.props {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00", op, t.dir)
	for _, k := range keys {
		fmt.Fprintf(h, "%s=%s\x00", k, t.props[k])
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}
