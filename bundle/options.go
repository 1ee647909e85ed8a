package bundle

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"net/http"
	"runtime"
	"time"

	"github.com/bundlekit/bundlekit/constraint"
	"github.com/bundlekit/bundlekit/destination"
	"github.com/bundlekit/bundlekit/fileops"
	"github.com/bundlekit/bundlekit/internal/fetch"
	"github.com/bundlekit/bundlekit/internal/metadata"
	"github.com/bundlekit/bundlekit/token"
)

// Options describe one deployment.
type Options struct {
	// Dest is the destination directory, absolute (R1).
	Dest string
	// ID is the new deployment's id (R2), which names its metadata and
	// backup folders: any signed 32-bit number, as in RHQ. 0, the zero
	// value, stands for the usual choice — the id NextID returns (the
	// current deployment's + 1, or 1), read when the plan is made — unless
	// ExactID is set. A value out of the 32-bit range is an error wrapping
	// ErrInvalidInput.
	ID int
	// ExactID records ID as given even when it is 0 (RHQ's own tests deploy
	// deployment 0): a forgotten ID must not silently reuse one folder.
	ExactID bool
	// Name is rhq.deploy.name; empty means the bundle's name.
	Name string
	// Properties are the caller's properties: values for the recipe's input
	// properties and any other Ant property, used verbatim (GO of R152).
	Properties map[string]string
	// Clean purges the destination before writing (R89, R95).
	Clean bool
	// Events receives progress and audit events; nil discards them.
	Events func(Event)
	// System supplies the rhq.system.* tokens; nil means token.Host().
	System token.Lookup
	// Limits bound the archives read; the zero value means
	// fileops.DefaultLimits.
	Limits fileops.Limits
	// HTTPClient downloads rhq:url-file and rhq:url-archive content; nil means a
	// client with sane timeouts and at most 10 redirects.
	HTTPClient *http.Client
	// MaxDownload bounds one download (default DefaultMaxDownload);
	// DownloadTimeout one whole download (default DefaultDownloadTimeout).
	MaxDownload     int64
	DownloadTimeout time.Duration
	// Handover receives the items the recipe hands over (rhq:handover,
	// R173); nil ignores them, as RHQ does without a handover target.
	Handover Handover
	// ServiceRoot overrides the root an rhq:system-service is installed
	// under (R174); empty means the recipe's root attribute, default /.
	ServiceRoot string
	// LockWait is how long Apply waits for the destination's lock while
	// another deployer holds it; 0 fails at once with a *LockedError.
	LockWait time.Duration
	// HoldLock makes the plan take the destination's lock (waiting up to
	// LockWait) and hold it until Apply or Close, so that no other deployer
	// changes the destination between the plan and its application; without
	// it, Apply refuses a plan made stale meanwhile (ErrStale) and the
	// caller plans again. An unfinished operation found under the lock is
	// recovered first (Plan.Recovered). Deploy and Revert set it; a dry run
	// need not. A destination that does not exist yet is locked by Apply,
	// which creates it.
	HoldLock bool
	// Verify re-reads every byte of the destination and of a bundle
	// directory instead of trusting the stat cache (the sizes, times and
	// inodes the last deployment recorded). A file of the current deployment
	// is proved by the content digest recorded with it (metadata.Digests:
	// SHA-256 of 4 MiB chunks, faster to compute than MD5 and, for a large
	// file, on every core), any other by its MD5. Archive entries are still
	// known by the CRC-32 and sizes their archive records.
	Verify bool
	// Constraints say when and where the operation may run (time windows,
	// address ranges, dates). They are checked first, before the lock is
	// taken and before anything is read or written; outside them the
	// operation is deferred: an *OperationError with OutcomeDeferred whose
	// Err is a *constraint.Deferral saying when it may run.
	Constraints constraint.Set
	// Conditions are the caller's installation conditions, checked with
	// those of the recipe (bk:requires-*) and the disk-space check (R47)
	// once the plan knows its content, before any change and before the
	// preinstall target. When one fails the operation is refused: an
	// *OperationError with OutcomeRefused whose Err is a *RefusedError
	// listing every failed condition. Plan.Conditions lists what each
	// found.
	Conditions []Condition
	// Now is the clock the constraints are checked against; nil means
	// time.Now.
	Now func() time.Time
	// realizing marks the probe's deployment into its scratch tree: the
	// recipe's installation conditions are the real destination's business,
	// which the probe's own plan against it checks, so the scratch plan
	// checks only the space it needs.
	realizing bool
	// Keep, when above 0, prunes the destination once the operation has
	// committed, keeping this many deployments (see Prune): Apply runs it
	// as a second operation, and a failure of it is a warning of the
	// Result, not a failure of the deployment. 0 keeps everything, as RHQ
	// does (R26).
	Keep int
}

// Download settings used when Options leaves them unset.
const (
	// DefaultMaxDownload bounds the size of one rhq:url-file or rhq:url-archive.
	DefaultMaxDownload = fetch.DefaultMax
	// DefaultDownloadTimeout bounds one whole download.
	DefaultDownloadTimeout = fetch.DefaultTimeout
)

// ErrDownloadTooLarge: a download exceeded Options.MaxDownload.
var ErrDownloadTooLarge = fetch.ErrTooLarge

// DownloadError is a failed rhq:url-file or rhq:url-archive download (R165).
type DownloadError = fetch.Error

// Kind is the operation a Plan performs.
type Kind string

// The operations.
const (
	KindDeploy Kind = "deploy"
	KindRevert Kind = "revert"
	KindPurge  Kind = "purge"
	KindAdopt  Kind = "adopt"
)

// Info names a bundle version.
type Info struct {
	Name        string `json:"name"`
	Version     string `json:"version"`
	Description string `json:"description,omitempty"`
}

// ErrInsufficientSpace: the estimated disk usage exceeds the usable space (R47).
var ErrInsufficientSpace = errors.New("there does not appear to be enough disk space for this deployment")

// InputError wraps the errors of the operator's values for the recipe's input
// properties (missing, invalid): nothing was changed and the fix is a flag away.
type InputError struct{ Err error }

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

// NextID returns the id a new deployment to dest usually takes, the one an
// Options.ID of 0 stands for: the current id + 1, or 1 when dest is not
// managed. It reads dest's metadata unless ctx is done.
func NextID(ctx context.Context, dest string) (int, error) {
	dir, err := hostDir(dest)
	if err != nil {
		return 0, err
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	d, err := fileops.OpenDir(dir.String())
	if errors.Is(err, fs.ErrNotExist) {
		return 1, nil
	}
	if err != nil {
		return 0, fmt.Errorf("open destination: %w", err)
	}
	defer d.Close()
	st, err := metadata.LoadCurrent(d.FS(), d.Path())
	if err != nil {
		return 0, err
	}
	return nextID(st), nil
}

// nextID is NextID for the metadata st.
func nextID(st *metadata.State) int {
	if !st.Managed {
		return 1
	}
	return int(st.Current.ID) + 1
}

// checkOptions refuses an id out of the signed 32-bit range (R2) and a
// negative Keep.
func checkOptions(opts Options) error {
	if opts.Keep < 0 {
		return invalid(fmt.Errorf("keep %d: want the number of deployments to keep, or 0 to keep them all", opts.Keep))
	}
	return checkID(opts.ID)
}

// checkID refuses a deployment id out of the signed 32-bit range (R2).
func checkID(id int) error {
	if id < math.MinInt32 || id > math.MaxInt32 {
		return invalid(fmt.Errorf("deployment id %d: want a signed 32-bit number", id))
	}
	return nil
}

// hostDir checks that dest is an absolute directory path of this system (R1).
func hostDir(dest string) (destination.Dir, error) {
	dir, err := destination.ParseDir(destination.PlatformOf(runtime.GOOS).Flavour, dest)
	if err != nil {
		return destination.Dir{}, invalid(fmt.Errorf("destination: %w", err))
	}
	return dir, nil
}

// state is what Plan knows of a destination's metadata: the current deployment
// and its map.
type state struct {
	*metadata.State
	Hashes map[string]string
}

// loadState reads the metadata of dest; a missing dest is an unmanaged one. The
// map of a managed destination must be readable: an upgrade without it would take
// every file for an unknown one (R16, R67).
func loadState(dest string) (*state, error) {
	d, err := fileops.OpenDir(dest)
	if errors.Is(err, fs.ErrNotExist) {
		return &state{State: &metadata.State{Reason: err}}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open destination: %w", err)
	}
	defer d.Close()
	return readState(d.FS(), d.Path())
}

// readState reads the metadata of the destination dest through fsys.
func readState(fsys fs.FS, dest string) (*state, error) {
	st, err := metadata.Load(fsys, dest)
	if err != nil {
		return nil, err
	}
	out := &state{State: st}
	if st.Managed {
		h, err := st.Hashes()
		if err != nil {
			return nil, fmt.Errorf("read the current deployment of %s: %w", dest, err)
		}
		out.Hashes = h
	}
	return out, nil
}
