package metadata

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/bundlekit/bundlekit/internal/readall"
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
	// Damaged is a *DamagedError when D holds a deployment record that is
	// damaged, nil otherwise: a current-deployment.properties that is not
	// a regular file, does not decode or names a folder that is missing
	// (D is then not managed, and Reason is the same error), or a current
	// deployment whose file-hashcodes.dat is missing, cut short or holds
	// what RHQ never writes (D is managed, and Hashes returns the error).
	// RHQ would take the first for no record at all and wipe D into a
	// backup folder on the next deployment (R16, R58): an operation must
	// not rest on a damaged record, and should refuse with this error
	// unless the operator chose to ignore the record (adopt, a forced
	// purge).
	Damaged error

	dir  string
	fsys fs.FS
	// hasDir: the metadata directory exists.
	hasDir bool
	// current holds current-deployment.properties as read, valid or not;
	// nil when there is none (R28).
	current    []byte
	hashes     Hashes
	hashesErr  error
	hashesRead bool
	// hashesRaw is the current map's file as read: a deployment that
	// records the same map writes these bytes again instead of encoding it.
	hashesRaw string
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
func Load(fsys fs.FS, dir string) (*State, error) { return load(fsys, dir, true) }

// LoadCurrent is Load without reading the current deployment's map: for
// callers that only need to know which deployment is current. Hashes then
// reads the map.
func LoadCurrent(fsys fs.FS, dir string) (*State, error) { return load(fsys, dir, false) }

func load(fsys fs.FS, dir string, withHashes bool) (*State, error) {
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
		s.damaged(CurrentPath, fmt.Errorf("it is not a regular file"))
		return s, nil
	}
	if s.current, err = fs.ReadFile(fsys, CurrentPath); err != nil {
		return nil, s.wrap(CurrentPath, err)
	}
	cur, err := DecodeProperties(bytes.NewReader(s.current))
	if err != nil {
		s.damaged(CurrentPath, err)
		return s, nil
	}

	idDir := IDDir(cur.ID)
	fi, err = fs.Stat(fsys, idDir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		s.damaged(CurrentPath, fmt.Errorf("it names deployment %d, which has no folder %s: %w", cur.ID, idDir, err))
		return s, nil
	case err != nil:
		return nil, s.wrap(idDir, err)
	case !fi.IsDir():
		s.damaged(CurrentPath, fmt.Errorf("it names deployment %d, whose folder %s is not a directory", cur.ID, idDir))
		return s, nil
	}
	s.Managed, s.Current = true, cur
	if withHashes {
		s.loadHashes()
	}
	return s, nil
}

// loadHashes reads the current deployment's map, once.
func (s *State) loadHashes() {
	if s.hashesRead {
		return
	}
	s.hashesRead = true
	s.hashes, s.hashesRaw, s.hashesErr = s.readHashes(s.Current.ID)
	var de *DamagedError
	if errors.As(s.hashesErr, &de) {
		s.Damaged = s.hashesErr
	}
}

// damaged records that the record's file name is damaged, which makes D
// unmanaged with that reason.
func (s *State) damaged(name string, err error) {
	s.Damaged = &DamagedError{File: s.path(name), Err: err}
	s.Reason = s.Damaged
}

// readHashes reads a deployment's file-hashcodes.dat, and returns its text
// too. A file that is missing, malformed, cut short or holds what RHQ never
// writes is a *DamagedError; one that cannot be read (permissions) is not.
func (s *State) readHashes(id int32) (Hashes, string, error) {
	name := HashesPath(id)
	f, err := s.fsys.Open(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, "", fmt.Errorf("hashes of deployment %d: %w", id, &DamagedError{File: s.path(name), Err: err})
	}
	if err != nil {
		return nil, "", fmt.Errorf("hashes of deployment %d: %w", id, s.wrap(name, err))
	}
	defer f.Close()
	text, err := readall.String(f)
	if err != nil {
		return nil, "", fmt.Errorf("hashes of deployment %d: %w", id, s.wrap(name, err))
	}
	h, err := decodeHashes(text, s.path(name))
	var fe *FormatError
	switch {
	case errors.As(err, &fe):
		err = &DamagedError{File: s.path(name), Err: err}
	case err != nil:
	case cutShort(text):
		err = &DamagedError{File: s.path(name), Err: errors.New("its last line has no line break: the file was cut short")}
	default:
		if cerr := checkRecorded(h); cerr != nil {
			err = &DamagedError{File: s.path(name), Err: cerr}
		}
	}
	if err != nil {
		return nil, "", fmt.Errorf("hashes of deployment %d: %w", id, err)
	}
	return h, text, nil
}

// HashesOf returns the file→hash map that deployment id recorded, current or
// not, read and checked as Hashes reads the current one's: the previous
// deployment's, for a revert that rebuilds it without its bundle. It needs
// only the metadata directory.
func (s *State) HashesOf(id int32) (Hashes, error) {
	if !s.hasDir {
		return nil, &NotManagedError{Dir: s.dir, Reason: s.Reason}
	}
	h, _, err := s.readHashes(id)
	return h, err
}

// Hashes returns the current deployment's file→hash map as recorded, O of
// R67, without directories (see Hashes.WithDirectories). The map is the
// State's, shared by every call: a caller must not modify it.
//
// A managed destination whose file-hashcodes.dat is missing, unreadable or
// damaged (a *DamagedError: malformed, cut short, or holding hashes or paths
// RHQ never writes) stays managed (R16 does not look at it), so the next
// deployment is not an initial one; but Hashes returns the error, and an update or
// revert cannot proceed, as in RHQ, which fails with "Cannot determine current
// deployment". Reading it as empty instead would make every file on disk look
// unknown, to be backed up and deleted (R117).
func (s *State) Hashes() (Hashes, error) {
	if !s.Managed {
		return nil, s.RequireManaged()
	}
	s.loadHashes()
	if s.hashesErr != nil {
		return nil, s.hashesErr
	}
	return s.hashes, nil
}

// HashesDigest returns the hex SHA-256 of the current deployment's
// file-hashcodes.dat as Hashes read it, or "" when it has not been read.
func (s *State) HashesDigest() string {
	if !s.hashesRead || s.hashesErr != nil {
		return ""
	}
	sum := sha256.Sum256([]byte(s.hashesRaw))
	return hex.EncodeToString(sum[:])
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
		return Properties{}, false, fmt.Errorf("previous deployment of %d: %w", id, &DamagedError{File: s.path(name), Err: err})
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
