package metadata

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
)

// NotManagedError reports that a destination holds no valid deployment record
// (R16, R32). Reason says which part of the record is missing or invalid.
type NotManagedError struct {
	Dir    string
	Reason error
}

func (e *NotManagedError) Error() string {
	msg := "Not a managed deployment location: " + e.Dir
	if e.Reason != nil {
		msg += " (" + e.Reason.Error() + ")"
	}
	return msg
}

func (e *NotManagedError) Unwrap() error { return e.Reason }

// State is what a destination's metadata says, as Load read it.
type State struct {
	// Managed reports whether D holds a deployment record (R16): the
	// metadata directory, a valid current-deployment.properties, and the
	// folder of the id it names. When it does not, the next deployment is an
	// initial one (R57).
	Managed bool
	// Reason says why D is not managed; nil when it is.
	Reason error
	// Current is the current deployment's properties; zero unless Managed.
	Current Properties
	// IDs lists, in ascending order, the ids that have a folder in the
	// metadata directory (R15), whether D is managed or not. Other entries
	// of the directory are ignored (R35), including folders named like a
	// number in a form RHQ never writes ("007", "+1").
	IDs []int32

	dir  string
	fsys fs.FS
	// hasDir: the metadata directory exists.
	hasDir bool
	// current holds current-deployment.properties as read, valid or not;
	// nil when there is none (R28).
	current   []byte
	hashes    Hashes
	hashesErr error
}

// Load reads the metadata of the destination whose root is fsys, for example
// os.DirFS(D) or an os.Root's FS. dir names the destination in messages only
// (normally its absolute path); it is not opened.
//
// A destination that is missing, or whose record is missing or invalid in any
// of the ways of R16, is not an error: the State says it is not managed, and
// why. Load fails only when a file of the record exists but cannot be read
// (for example for lack of permission): RHQ would then treat D as unmanaged
// and, in full compliance, move everything in it to a backup folder;
// bundlekit stops instead.
func Load(fsys fs.FS, dir string) (*State, error) {
	s := &State{dir: dir, fsys: fsys}
	fi, err := fs.Stat(fsys, Dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		s.Reason = fmt.Errorf("no %s directory: %w", Dir, err)
		return s, nil
	case err != nil:
		return nil, s.wrap(Dir, err)
	case !fi.IsDir():
		s.Reason = fmt.Errorf("%s is not a directory", Dir)
		return s, nil
	}
	s.hasDir = true
	if s.IDs, err = listIDs(fsys); err != nil {
		return nil, s.wrap(Dir, err)
	}

	fi, err = fs.Stat(fsys, CurrentPath)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		s.Reason = fmt.Errorf("no %s: %w", CurrentPath, err)
		return s, nil
	case err != nil:
		return nil, s.wrap(CurrentPath, err)
	case !fi.Mode().IsRegular():
		s.Reason = fmt.Errorf("%s is not a regular file", CurrentPath)
		return s, nil
	}
	if s.current, err = fs.ReadFile(fsys, CurrentPath); err != nil {
		return nil, s.wrap(CurrentPath, err)
	}
	cur, err := DecodeProperties(bytes.NewReader(s.current))
	if err != nil {
		s.Reason = fmt.Errorf("%s: %w", CurrentPath, err)
		return s, nil
	}

	idDir := IDDir(cur.ID)
	fi, err = fs.Stat(fsys, idDir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		s.Reason = fmt.Errorf("no folder %s for the current deployment: %w", idDir, err)
		return s, nil
	case err != nil:
		return nil, s.wrap(idDir, err)
	case !fi.IsDir():
		s.Reason = fmt.Errorf("%s, the folder of the current deployment, is not a directory", idDir)
		return s, nil
	}
	s.Managed, s.Current = true, cur
	s.hashes, s.hashesErr = s.readHashes(cur.ID)
	return s, nil
}

// readHashes reads a deployment's file-hashcodes.dat.
func (s *State) readHashes(id int32) (Hashes, error) {
	name := HashesPath(id)
	f, err := s.fsys.Open(name)
	if err != nil {
		return nil, fmt.Errorf("hashes of deployment %d: %w", id, s.wrap(name, err))
	}
	defer f.Close()
	h, err := DecodeHashes(f, s.path(name))
	if err != nil {
		return nil, fmt.Errorf("hashes of deployment %d: %w", id, err)
	}
	return h, nil
}

// Hashes returns the current deployment's file→hash map as recorded, O of
// R67, without directories (see Hashes.WithDirectories). The map is the
// caller's.
//
// A managed destination whose file-hashcodes.dat is missing, unreadable or
// malformed stays managed (R16 does not look at it), so the next deployment
// is not an initial one; but Hashes returns the error, and an update or
// revert cannot proceed, as in RHQ, which fails with "Cannot determine current
// deployment". Reading it as empty instead would make every file on disk look
// unknown, to be backed up and deleted (R117).
func (s *State) Hashes() (Hashes, error) {
	if !s.Managed {
		return nil, s.RequireManaged()
	}
	if s.hashesErr != nil {
		return nil, s.hashesErr
	}
	return maps.Clone(s.hashes), nil
}

// Previous returns the properties that were current when deployment id was
// recorded (R26), and false when it has none: it was the first deployment in
// D. It reads PreviousPath(id) from the fs.FS given to Load. It needs only the
// metadata directory, as RHQ's getPreviousDeploymentProperties does; D need
// not be managed.
func (s *State) Previous(id int32) (Properties, bool, error) {
	if !s.hasDir {
		return Properties{}, false, &NotManagedError{Dir: s.dir, Reason: s.Reason}
	}
	name := PreviousPath(id)
	data, err := fs.ReadFile(s.fsys, name)
	if errors.Is(err, fs.ErrNotExist) {
		return Properties{}, false, nil
	}
	if err != nil {
		return Properties{}, false, fmt.Errorf("previous deployment of %d: %w", id, s.wrap(name, err))
	}
	p, err := DecodeProperties(bytes.NewReader(data))
	if err != nil {
		return Properties{}, false, fmt.Errorf("previous deployment of %d: %s: %w", id, s.path(name), err)
	}
	return p, true, nil
}

// RequireManaged returns nil when D is managed, and otherwise a
// *NotManagedError naming D and the reason (R32): for the operations that
// need a current deployment (revert, purge, status).
func (s *State) RequireManaged() error {
	if s.Managed {
		return nil
	}
	return &NotManagedError{Dir: s.dir, Reason: s.Reason}
}

// path returns name, relative to D with "/", as a path of the running system
// below dir, for messages.
func (s *State) path(name string) string {
	return filepath.Join(s.dir, filepath.FromSlash(name))
}

func (s *State) wrap(name string, err error) error {
	return fmt.Errorf("read metadata %s: %w", s.path(name), err)
}

// listIDs returns the ids of the metadata directory's deployment folders:
// the subdirectories named as Integer.toString names an int.
func listIDs(fsys fs.FS) ([]int32, error) {
	entries, err := fs.ReadDir(fsys, Dir)
	if err != nil {
		return nil, err
	}
	var ids []int32
	for _, e := range entries {
		id, err := strconv.ParseInt(e.Name(), 10, 32)
		if err != nil || strconv.FormatInt(id, 10) != e.Name() {
			continue
		}
		isDir := e.IsDir()
		if e.Type()&fs.ModeSymlink != 0 {
			fi, err := fs.Stat(fsys, Dir+"/"+e.Name())
			isDir = err == nil && fi.IsDir()
		}
		if isDir {
			ids = append(ids, int32(id))
		}
	}
	slices.Sort(ids)
	return ids, nil
}
