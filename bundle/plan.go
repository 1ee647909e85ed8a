package bundle

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bundlekit/bundlekit/destination"
	"github.com/bundlekit/bundlekit/fileops"
	"github.com/bundlekit/bundlekit/internal/javaprops"
	"github.com/bundlekit/bundlekit/internal/metadata"
	"github.com/bundlekit/bundlekit/recipe"
	"github.com/bundlekit/bundlekit/token"
)

// Options describe one deployment.
type Options struct {
	// Dest is the destination directory, absolute (R1).
	Dest string
	// ID is the new deployment's id (R2); it names its metadata and backup
	// folders. NextID gives the usual choice.
	ID int
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
}

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

// Plan is everything an operation will do, decided before anything is written:
// a dry run is a Plan that is never applied, so its report is exactly what the
// real run reports. A Plan holds a staging directory (downloads, rebuilt
// archives) until Close; Apply closes it.
type Plan struct {
	Kind Kind `json:"kind"`
	// Dest is the destination directory.
	Dest string `json:"destination"`
	// ID is the deployment id the operation records (deploy, revert, adopt).
	ID     int  `json:"deploymentId"`
	Bundle Info `json:"bundle"`
	// Compliance of the new deployment.
	Compliance recipe.Compliance `json:"compliance,omitempty"`
	// Initial is true when the destination is not managed yet (R57).
	Initial bool `json:"initial"`
	// Previous is the id of the deployment current before this one, if any.
	Previous *int `json:"previousId,omitempty"`
	Clean    bool `json:"clean"`
	// Entries has one entry per path, sorted by path.
	Entries     []*Entry    `json:"entries"`
	Differences Differences `json:"differences"`
	// Estimate is the estimated disk usage checked against free space (R47).
	Estimate int64 `json:"estimatedBytes"`
	// Warnings are things the operator should know (deprecated recipe forms,
	// a full-compliance wipe of unrelated files, …).
	Warnings []string `json:"warnings,omitempty"`

	dir         destination.Dir
	events      func(Event)
	purge       *purgePlan
	adopt       *adoptPlan
	applyErrors map[string]string // R92 step 2, found while applying
	removeDest  bool              // a full purge removes the destination itself
	unit        *recipe.DeploymentUnit
	hooks       *hooks
	handover    Handover
	handovers   []handoverItem
	serviceRoot string
	content     *content
	update      *decisions
	initial     *initialDecisions
	restores    []restoreOp
	props       metadata.Properties
	state       *state
	staging     string
	bundle      *Bundle
	values      token.Lookup
}

// restoreOp copies a backup of the previous deployment back (R131).
type restoreOp struct {
	key, from string // from: path of the backup relative to the destination
	hash      string
}

// ErrInsufficientSpace: the estimated disk usage exceeds the usable space (R47).
var ErrInsufficientSpace = errors.New("there does not appear to be enough disk space for this deployment")

// InputError wraps the errors of the operator's values for the recipe's input
// properties (missing, invalid): nothing was changed and the fix is a flag away.
type InputError struct{ Err error }

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

// NextID returns the id a new deployment to dest usually takes: the current id + 1,
// or 1 when dest is not managed.
func NextID(dest string) (int, error) {
	st, err := loadState(dest)
	if err != nil {
		return 0, err
	}
	if !st.Managed {
		return 1, nil
	}
	return int(st.Current.ID) + 1, nil
}

func hostDir(dest string) (destination.Dir, error) {
	return destination.ParseDir(destination.PlatformOf(runtime.GOOS).Flavour, dest)
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
	st, err := metadata.Load(d.FS(), d.Path())
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

// PlanDeploy plans the deployment of b to opts.Dest: an initial deployment when the
// destination is not managed (§5), an upgrade otherwise (§6). It reads the bundle,
// the destination and its metadata, downloads URL content into a staging area
// and hashes what it must; it writes nothing to the destination and creates
// nothing there (GO of R128).
func PlanDeploy(ctx context.Context, b *Bundle, opts Options) (*Plan, error) {
	return plan(ctx, b, opts, KindDeploy)
}

// PlanRevert plans a revert (R130–R135): b is the content of the version to go
// back to, deployed like an upgrade with a new id; then every backup the current
// deployment made is restored.
func PlanRevert(ctx context.Context, b *Bundle, opts Options) (*Plan, error) {
	return plan(ctx, b, opts, KindRevert)
}

func plan(ctx context.Context, b *Bundle, opts Options, kind Kind) (p *Plan, err error) {
	dir, err := hostDir(opts.Dest)
	if err != nil {
		return nil, fmt.Errorf("destination: %w", err)
	}
	if err := checkNotPending(dir.String()); err != nil {
		return nil, err
	}
	p = &Plan{Kind: kind, Dest: dir.String(), ID: opts.ID, Clean: opts.Clean, dir: dir, events: opts.Events, bundle: b}
	p.emit(Event{Type: EventPhase, Phase: "plan", Status: "started"})
	defer func(built *Plan) {
		if err != nil {
			built.Close() // the staging directory must not outlive a failed plan
		}
	}(p)
	if p.state, err = loadState(p.Dest); err != nil {
		return nil, err
	}
	r, values, err := p.expand(b, opts)
	if err != nil {
		return nil, err
	}
	p.values = values
	unit := r.Bundle.Unit
	p.unit, p.handover, p.serviceRoot = unit, opts.Handover, opts.ServiceRoot
	p.Compliance = unit.Compliance
	p.Bundle = Info{Name: r.Bundle.Name, Version: r.Bundle.Version, Description: r.Bundle.Description}
	for _, w := range r.Warnings {
		p.Warnings = append(p.Warnings, w.Error())
	}
	p.props = metadata.Properties{ID: int32(opts.ID), BundleName: r.Bundle.Name, BundleVersion: r.Bundle.Version,
		Description: r.Bundle.Description, HasDescription: r.Bundle.HasDescription, Compliance: metadata.Compliance(unit.Compliance)}
	if p.staging, err = newStaging(); err != nil {
		return nil, err
	}
	// The recipe's targets: every task is checked before anything runs, and the
	// preinstall target runs before any file is deployed, in a dry run too
	// (R172 step 3; its properties are visible to later targets, never tokens,
	// R148).
	if len(r.Targets) > 0 || len(r.Tasks) > 0 {
		if p.hooks, err = newHooks(b, r, p.Dest, values.(token.Values).Properties, p.staging, p.emit); err != nil {
			return nil, err
		}
		if err := p.hooks.run(ctx, "preinstall", unit.PreinstallTarget); err != nil {
			return nil, err
		}
	}
	limits := opts.Limits
	if limits == (fileops.Limits{}) {
		limits = fileops.DefaultLimits
	}
	dl := downloader{client: opts.HTTPClient, max: opts.MaxDownload, timeout: opts.DownloadTimeout}
	if dl.client == nil {
		dl.client = defaultClient
	}
	if dl.max <= 0 {
		dl.max = DefaultMaxDownload
	}
	if dl.timeout <= 0 {
		dl.timeout = DefaultDownloadTimeout
	}
	// A zip bundle extracted for its targets is read from that copy, so its
	// archives are not staged a second time.
	dirPath := b.dirPath
	if p.hooks != nil {
		dirPath = p.hooks.basedir
	}
	cb := &contentBuilder{ctx: ctx, fsys: b.fsys, dirPath: dirPath, dir: dir, unit: unit, values: values, staging: p.staging,
		limits: limits, fetch: dl.fetch, events: p.events}
	if p.content, err = cb.build(); err != nil {
		return nil, err
	}
	if p.handovers, err = prepareHandovers(cb, unit, kind == KindRevert); err != nil {
		return nil, err
	}
	p.Estimate = p.content.estimate
	if err := checkSpace(p.Dest, p.Estimate); err != nil {
		return nil, err
	}
	var ignore *recipe.Matcher
	if ignore, err = unit.Ignore.Matcher(); err != nil {
		return nil, err
	}
	if err := p.decide(ctx, ignore, kind); err != nil {
		return nil, err
	}
	p.emit(Event{Type: EventPhase, Phase: "plan", Status: "finished"})
	return p, nil
}

// expand resolves the recipe's ${…} properties and input values for this
// deployment and builds the token values (R148, R157, R159).
func (p *Plan) expand(b *Bundle, opts Options) (*recipe.Recipe, token.Lookup, error) {
	props := maps.Clone(opts.Properties)
	if props == nil {
		props = map[string]string{}
	}
	name := opts.Name
	if name == "" {
		name = b.Recipe.Bundle.Name
	}
	props[token.KeyDeployDir] = p.Dest
	props[token.KeyDeployID] = strconv.Itoa(opts.ID)
	props[token.KeyDeployName] = name
	env := recipe.Env{
		Properties: props,
		DeployDir:  p.Dest,
		ReadProperties: func(file string) (map[string]string, error) {
			return readPropertiesFile(b, file)
		},
		Environ: os.Environ,
	}
	if b.dirPath != "" {
		env.Basedir, _ = filepath.Abs(b.dirPath)
	}
	r, err := b.Recipe.Expand(env)
	if err != nil {
		return nil, nil, err
	}
	inputs, err := r.InputDecls().Resolve(props)
	if err != nil {
		return nil, nil, &InputError{Err: err}
	}
	system := opts.System
	if system == nil {
		system = token.Host()
	}
	antProps := maps.Clone(r.Defined)
	maps.Copy(antProps, props) // caller properties are immutable in Ant (R157)
	return r, token.Values{
		System:     system,
		Properties: antProps,
		Inputs:     inputs,
		Deployment: &token.Deployment{ID: opts.ID, Name: name, Dir: p.Dest},
	}, nil
}

// readPropertiesFile loads a <property file> for Expand: from the destination for
// an absolute path (relativeToDeployDir), else from the bundle.
func readPropertiesFile(b *Bundle, file string) (map[string]string, error) {
	var data []byte
	var err error
	if filepath.IsAbs(file) && !pathInBundle(b, file) {
		data, err = os.ReadFile(file)
	} else {
		rel := file
		if base, e := filepath.Abs(b.Source); e == nil {
			if r, e := filepath.Rel(base, file); e == nil {
				rel = r
			}
		}
		data, err = fs.ReadFile(b.fsys, path.Clean(filepath.ToSlash(rel)))
	}
	if err != nil {
		return nil, err
	}
	entries, err := javaprops.Decode(bytes.NewReader(data), javaprops.Latin1)
	if err != nil {
		return nil, err
	}
	return entries.Map(), nil
}

func pathInBundle(b *Bundle, file string) bool {
	base, err := filepath.Abs(b.Source)
	if err != nil {
		return false
	}
	rel, err := filepath.Rel(base, file)
	return err == nil && filepath.IsLocal(rel)
}

// freeSpace measures the usable space for checkSpace; tests replace it.
var freeSpace = fileops.FreeSpace

// checkSpace is R47: the estimated usage must fit in the usable space of dest or of
// its nearest existing ancestor. When the estimate cannot be made, the deployment
// proceeds, as in RHQ.
func checkSpace(dest string, estimate int64) error {
	free, err := freeSpace(dest)
	if err != nil || free == 0 {
		return nil
	}
	if uint64(estimate) > free {
		return fmt.Errorf("%w: its estimated disk usage [%d] is larger than the estimated amount of usable disk space [%d]", ErrInsufficientSpace, estimate, free)
	}
	return nil
}

// backupPath is R125/R126: where the deployment being planned saves a path. Keys
// are clean (they come from normalisation or a walk), so the error of
// metadata.BackupPath cannot happen here; an empty result would show it.
func (p *Plan) backupPath(key string) string {
	rel, err := metadata.BackupPath(int32(p.ID), key)
	if err != nil {
		return ""
	}
	return p.dir.Native(destination.Path{Rel: rel})
}

func (p *Plan) decide(ctx context.Context, ignore *recipe.Matcher, kind Kind) error {
	disk, closeDisk, err := openDisk(p.Dest)
	if err != nil {
		return err
	}
	defer closeDisk()
	next := p.content.next()
	if !p.state.Managed {
		p.Initial = true
		return p.decideInitial(disk, next)
	}
	prev := int(p.state.Current.ID)
	p.Previous = &prev
	orig := withDirs(p.state.Hashes)
	var ext []string
	for k := range next {
		if isExternal(k) {
			ext = append(ext, k)
		}
	}
	var ign matcher
	if ignore != nil {
		ign = ignore
	}
	scan, err := scanUpdate(disk, orig, ign, p.Compliance == recipe.Full, ext)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	p.update = decideUpdate(update{orig: orig, scan: scan, next: next, clean: p.Clean, backupPath: p.backupPath})
	p.Entries = p.update.entries
	if err := p.predictDeleteErrors(disk); err != nil {
		return err
	}
	if kind == KindRevert {
		if err := p.planRestores(disk, prev); err != nil {
			return err
		}
	}
	p.finishDiff(p.update.diff)
	return nil
}

// predictDeleteErrors finds the directories of the delete set that will still hold
// something when their turn comes (an ignored file, a directory the scan does not
// record, a nested deployment's metadata), so that the plan reports the errors of
// R92 step 2 as the real run does; RHQ's dry run pretends those deletes succeed.
func (p *Plan) predictDeleteErrors(disk disk) error {
	gone := set{}
	for _, b := range p.update.backups {
		if b.move {
			gone[b.path] = true
		}
	}
	for _, k := range p.update.deletes {
		gone[k] = true
	}
	for _, k := range p.update.deletes { // children before their parents
		if isExternal(k) {
			continue
		}
		exists, isDir, err := disk.stat(k)
		if err != nil {
			return err
		}
		if !exists || !isDir {
			continue
		}
		entries, err := disk.readDir(k)
		if err != nil {
			return err
		}
		for _, e := range entries {
			if !gone[path.Join(k, e.name)] {
				p.update.diff.errors[k] = fmt.Sprintf("File [%s] did not delete", p.dir.Native(destination.Path{Rel: k}))
				delete(gone, k)
				break
			}
		}
	}
	return nil
}

func (p *Plan) decideInitial(disk disk, next map[string]string) error {
	in := initialDeploy{full: p.Compliance == recipe.Full, backupPath: p.backupPath, next: map[string]string{}, current: map[string]string{}}
	for k, h := range next {
		if h != markDir {
			in.next[k] = h
		}
	}
	top, err := disk.readDir("")
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	for _, e := range top {
		in.top = append(in.top, e.name)
	}
	// wiped tells the paths the first deployment's wipe removes anyway.
	var wiped func(string) bool
	if in.full {
		if in.existing, err = listFiles(disk, ""); err != nil {
			return err
		}
		wiped = func(string) bool { return true }
		if len(in.existing) > 0 {
			p.Warnings = append(p.Warnings, fmt.Sprintf("compliance is full: the %d file(s) already in %s are moved to the backup of deployment %d and removed", len(in.existing), p.Dest, p.ID))
		}
	} else {
		for _, name := range slices.Sorted(maps.Keys(p.content.managedDirs)) {
			exists, isDir, err := disk.stat(name)
			if err != nil {
				return err
			}
			if !exists || !isDir {
				continue
			}
			in.managedDirs = append(in.managedDirs, name)
			files, err := listFiles(disk, name)
			if err != nil {
				return err
			}
			in.existing = append(in.existing, files...)
		}
		managed := set{}
		for _, d := range in.managedDirs {
			managed[d] = true
		}
		wiped = func(k string) bool { return managed[topName(k)] }
	}
	// Files already at the new paths that survive the wipe are hashed, so that
	// identical ones are not rewritten (R63).
	for k := range in.next {
		if isExternal(k) || wiped(k) {
			continue
		}
		exists, isDir, err := disk.stat(k)
		if err != nil || !exists || isDir {
			continue
		}
		if h, err := disk.hash(k); err == nil {
			in.current[k] = h
		}
	}
	p.initial = decideInitial(in)
	p.Entries = p.initial.entries
	p.finishDiff(p.initial.diff)
	return nil
}

// planRestores lists the backups of the deployment being reverted (R131).
func (p *Plan) planRestores(disk disk, prev int) error {
	backup := metadata.BackupDir(int32(prev))
	files, err := listFiles(disk, backup)
	if err != nil {
		return err
	}
	for _, f := range files {
		key := f[len(backup)+1:]
		h, err := disk.hash(f)
		if err != nil {
			return fmt.Errorf("read backup %s: %w", f, err)
		}
		p.restores = append(p.restores, restoreOp{key: key, from: f, hash: h})
	}
	extDir := metadata.ExtBackupDir(int32(prev))
	extFiles, err := listFiles(disk, extDir)
	if err != nil {
		return err
	}
	for _, f := range extFiles {
		key, ok := metadata.ExternalKey(f[len(extDir)+1:]), true
		if runtime.GOOS == "windows" {
			key, ok = metadata.ExternalKeyWindows(f[len(extDir)+1:])
		}
		if !ok {
			continue
		}
		h, err := disk.hash(f)
		if err != nil {
			return fmt.Errorf("read backup %s: %w", f, err)
		}
		p.restores = append(p.restores, restoreOp{key: key, from: f, hash: h})
	}
	entries := map[string]*Entry{}
	for _, e := range p.Entries {
		entries[e.Path] = e
	}
	for _, r := range p.restores {
		from := p.dir.Native(destination.Path{Rel: r.from})
		p.update.diff.restored[r.key] = from
		p.update.final[r.key] = r.hash
		e := entries[r.key]
		if e == nil {
			e = &Entry{Path: r.key}
			p.Entries = append(p.Entries, e)
		}
		e.Action, e.Rule, e.Backup = ActionRestore, "R131", ""
		e.New = r.hash
	}
	slices.SortFunc(p.Entries, func(a, b *Entry) int { return strings.Compare(a.Path, b.Path) })
	return nil
}

// finishDiff fills the realized report (R93) and freezes the differences.
func (p *Plan) finishDiff(d *diffBuilder) {
	for k := range p.content.realized {
		// R94: kept local edits are not realized again.
		if p.update == nil || !p.update.keep[k] {
			d.realized[k] = true
		}
	}
	p.Differences = d.build()
}

// Close removes the plan's staging directory. It may be called more than once.
func (p *Plan) Close() error {
	if p == nil {
		return nil
	}
	p.hooks.close()
	for _, a := range p.contentArchives() {
		a.Close()
	}
	if p.staging == "" {
		return nil
	}
	err := os.RemoveAll(p.staging)
	p.staging = ""
	return err
}

func (p *Plan) contentArchives() []*fileops.Archive {
	if p.content == nil {
		return nil
	}
	return p.content.archives
}

func (p *Plan) emit(e Event) {
	if p.events != nil {
		p.events(e)
	}
}
