package bundle

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"time"

	"github.com/bundlekit/bundlekit/destination"
	"github.com/bundlekit/bundlekit/fileops"
	"github.com/bundlekit/bundlekit/internal/journal"
	"github.com/bundlekit/bundlekit/internal/metadata"
	"github.com/bundlekit/bundlekit/token"
)

// Result is what an applied plan did.
type Result struct {
	Kind        Kind        `json:"operation"`
	Dest        string      `json:"destination"`
	ID          int         `json:"deploymentId"`
	Bundle      Info        `json:"bundle"`
	Differences Differences `json:"differences"`
	// Audit lists the records the recipe's rhq:audit tasks wrote (R178).
	Audit []AuditRecord `json:"audit,omitempty"`
	// Commands lists the programs the deployment ran: deployment.xml install
	// and uninstall commands, and <exec> tasks of the recipe's targets.
	Commands []CommandResult `json:"commands,omitempty"`
	// Warnings are what applying found (a handover that failed without
	// failonerror, …); the plan's own warnings are in Plan.Warnings.
	Warnings []string `json:"warnings,omitempty"`
	// Recovered says what was done with an earlier operation that had not
	// finished ("" when there was none).
	Recovered Recovery `json:"recovered,omitempty"`
}

// ErrStale: the destination changed between Plan and Apply.
var ErrStale = errors.New("the destination changed since the plan was made; plan again")

// testHook, when set by a test, runs after each journal record reaches the disk.
var testHook func(n int)

// applier executes a plan through one journal.
type applier struct {
	// commands are the deployment.xml commands run before the commit.
	commands []CommandResult
	ctx      context.Context
	p        *Plan
	d        *fileops.Dir
	j        *journal.Journal
	diff     *diffBuilder
	// done and total count the files of the current phase.
	done, total int
}

// Apply executes p: it is the only code that writes to a destination. It takes the
// destination's lock, records every change in a journal before making it, and on
// any failure undoes what it did, so the destination is left as it was (or, if
// the process dies, as the next run's recovery leaves it: see package journal).
// When the files are deployed but a later step fails (a handover, the system
// service, the postinstall target: a *HookError), Apply returns the Result with
// the error. Apply closes the plan.
func Apply(ctx context.Context, p *Plan) (res *Result, err error) {
	defer p.Close()
	planned := len(p.Warnings) // the Result carries only what applying adds
	created := missingDirs(p.Dest)
	d, err := fileops.CreateDir(p.Dest)
	if err != nil {
		return nil, fmt.Errorf("create destination: %w", err)
	}
	defer d.Close()
	unlock, err := lock(d)
	if err != nil {
		d.Close()
		removeEmpty(created)
		return nil, err
	}
	locked := true
	release := func() {
		if locked {
			unlock()
			locked = false
		}
	}
	defer release()
	// Until the operation commits, a failure leaves the destination as it was,
	// including the directories made for it (the journal lives inside the
	// destination, so it cannot record them).
	committed := false
	defer func() {
		if err != nil && !committed {
			release()
			d.Close()
			removeEmpty(created)
		}
	}()
	if journal.Pending(d) {
		return nil, fmt.Errorf("%s: %w (run a deployment or status to recover it)", p.Dest, journal.ErrPending)
	}
	if err := p.checkFresh(d); err != nil {
		return nil, err
	}
	j, err := journal.Begin(d, string(p.Kind), p.ID, testHook)
	if err != nil {
		return nil, err
	}
	a := &applier{ctx: ctx, p: p, d: d, j: j, diff: newDiffBuilder()}
	p.emit(Event{Type: EventPhase, Phase: "apply", Status: "started"})
	if err := a.run(); err != nil {
		if aerr := j.Abort(); aerr != nil {
			committed = true // the journal still holds the operation: leave it for recovery
			return nil, fmt.Errorf("%w; and undoing the partial changes failed: %v (the next run recovers them)", err, aerr)
		}
		return nil, fmt.Errorf("%w (nothing was changed: the partial changes were undone)", err)
	}
	committed = true
	if err := j.Finish(); err != nil {
		return nil, fmt.Errorf("%s: the operation is complete, but its journal could not be cleared (the next run clears it): %w", p.Dest, err)
	}
	if p.removeDest {
		release()
		// The operation is complete; what remains is the empty destination.
		_ = d.RemoveAll(metadataDir)
		// Windows does not remove a directory that is open.
		d.Close()
		if err := os.Remove(p.Dest); err != nil && !errors.Is(err, fs.ErrNotExist) {
			p.Warnings = append(p.Warnings, fmt.Sprintf("the destination is empty but could not be removed: %v", err))
		}
	}
	res = &Result{Kind: p.Kind, Dest: p.Dest, ID: p.ID, Bundle: p.Bundle, Differences: p.result(), Commands: a.commands}
	release()
	if err := p.afterCommit(ctx); err != nil {
		res.Audit, res.Commands = p.records(res.Commands)
		res.Warnings = p.Warnings[planned:]
		return res, err
	}
	res.Audit, res.Commands = p.records(res.Commands)
	res.Warnings = p.Warnings[planned:]
	p.emit(Event{Type: EventPhase, Phase: "apply", Status: "finished"})
	return res, nil
}

// afterCommit runs what follows the files (R172 steps 7–9): handovers, the system
// service, the postinstall target. The files are deployed by then, so a failure
// here says so.
func (p *Plan) afterCommit(ctx context.Context) error {
	if p.Kind != KindDeploy && p.Kind != KindRevert {
		return nil
	}
	deployed := p.ID
	if err := runHandovers(ctx, p.handover, p.handovers, func(w string) { p.Warnings = append(p.Warnings, w) }); err != nil {
		return &HookError{Phase: "handover", Target: "rhq:handover", Deployed: &deployed, Err: err}
	}
	if s := p.unit.SystemService; s != nil {
		if err := installService(ctx, p.bundle, s, p.serviceRoot, p.values); err != nil {
			return &HookError{Phase: "system-service", Target: s.Name, Deployed: &deployed, Err: err}
		}
	}
	if err := p.hooks.run(ctx, "postinstall", p.unit.PostinstallTarget); err != nil {
		var he *HookError
		if errors.As(err, &he) {
			he.Deployed = &deployed
		}
		return err
	}
	return nil
}

// records gathers the audit records and commands of the operation.
func (p *Plan) records(cmds []CommandResult) ([]AuditRecord, []CommandResult) {
	audits, execs := p.hooks.records()
	return audits, append(cmds, execs...)
}

// missingDirs returns dir and those of its ancestors that do not exist,
// innermost first: the directories creating dir makes.
func missingDirs(dir string) []string {
	var out []string
	for p := filepath.Clean(dir); ; p = filepath.Dir(p) {
		if _, err := os.Lstat(p); !errors.Is(err, fs.ErrNotExist) {
			return out
		}
		out = append(out, p)
		if filepath.Dir(p) == p {
			return out
		}
	}
}

// removeEmpty removes the directories an undone operation created for its
// destination, innermost first, stopping at the first that is not empty (the
// journal lives inside the destination, so it cannot record them).
func removeEmpty(dirs []string) {
	for _, dir := range dirs {
		if os.Remove(dir) != nil {
			return
		}
	}
}

// result is the plan's differences plus what only applying can find out (R92 step
// 2: directories that could not be deleted).
func (p *Plan) result() Differences {
	d := p.Differences
	if len(p.applyErrors) > 0 {
		d.Errors = p.applyErrors
	}
	return d
}

// checkFresh refuses to apply a plan made against another state of the
// destination's metadata.
func (p *Plan) checkFresh(d *fileops.Dir) error {
	st, err := metadata.Load(d.FS(), d.Path())
	if err != nil {
		return err
	}
	switch {
	case st.Managed != p.state.Managed:
		return ErrStale
	case st.Managed && st.Current.ID != p.state.Current.ID:
		return ErrStale
	}
	return nil
}

func (a *applier) run() error {
	p := a.p
	switch {
	case p.purge != nil:
		return a.runPurge()
	case p.adopt != nil:
		return a.writeMetadata(p.adopt.hashes)
	}
	dec := p.update
	if p.initial != nil {
		dec = p.initial.decisions
	}
	a.phase(len(dec.backups))
	for _, b := range dec.backups {
		if err := a.backup(b); err != nil {
			return err
		}
		a.emitBackup(b)
	}
	if in := p.initial; in != nil {
		for _, name := range in.wipe {
			if err := a.trash(name); err != nil {
				return err
			}
		}
		for _, dir := range in.empty {
			if err := a.emptyDir(dir); err != nil {
				return err
			}
		}
	}
	for _, k := range dec.deletes {
		if err := a.delete(k); err != nil {
			return err
		}
	}
	if dec.purge {
		if err := a.purgeTree("", p.update.skippedTop()); err != nil {
			return err
		}
	}
	if err := a.writeContent(dec); err != nil {
		return err
	}
	final := dec.final
	a.phase(len(p.restores))
	for _, r := range p.restores {
		if err := a.restore(r); err != nil {
			return err
		}
	}
	if err := a.install(); err != nil {
		return err
	}
	return a.writeMetadata(final)
}

// install runs a service package's install command once its content is in place
// (seed: deployment.xml). It runs before the deployment commits: when it fails,
// the uninstall command runs and the whole deployment is undone.
func (a *applier) install() error {
	sp := a.p.bundle.Service
	if sp == nil {
		return nil
	}
	res, err := runServiceCommand(a.ctx, sp, "install", a.p.Dest, a.p.emit)
	if err != nil || res == nil {
		return err
	}
	a.commands = append(a.commands, *res)
	if res.Success {
		return nil
	}
	cerr := &CommandError{Result: *res}
	if un, err := runServiceCommand(a.ctx, sp, "uninstall", a.p.Dest, a.p.emit); err == nil && un != nil {
		a.commands = append(a.commands, *un)
		cerr.Uninstall = un
	}
	return cerr
}

// skippedTop returns the unrelated top-level names a clean purge leaves (R95).
func (d *decisions) skippedTop() set {
	out := set{}
	for _, e := range d.entries {
		if e.Action == ActionSkip {
			out[e.Path] = true
		}
	}
	return out
}

// phase starts counting the files of a phase, for progress displays.
func (a *applier) phase(total int) { a.done, a.total = 0, total }

func (a *applier) progress(t EventType, p string, act Action, n int64) {
	a.done++
	a.p.emit(Event{Type: t, Path: p, Action: act, Bytes: n, Done: a.done, Total: a.total})
}

func (a *applier) emitBackup(b backupOp) {
	a.done++
	a.p.emit(Event{Type: EventBackup, Path: b.path, Backup: a.p.backupPath(b.path), Done: a.done, Total: a.total})
}

// rel turns a key into a name inside the destination, or reports it external.
func rel(key string) (string, bool) {
	if isExternal(key) {
		return "", false
	}
	return key, true
}

func (a *applier) exists(name string) (fs.FileInfo, bool) {
	fi, err := a.d.Lstat(name)
	return fi, err == nil
}

// mkdirs creates the missing ancestors of name, recording each.
func (a *applier) mkdirs(dir string) error {
	if dir == "." || dir == "" {
		return nil
	}
	if fi, ok := a.exists(dir); ok {
		if !fi.IsDir() {
			return fmt.Errorf("%s is a file, but the deployment needs a directory there", a.native(dir))
		}
		return nil
	}
	if err := a.mkdirs(path.Dir(dir)); err != nil {
		return err
	}
	if err := a.j.Create(dir); err != nil {
		return err
	}
	return a.d.MkdirAll(dir, 0o755)
}

func (a *applier) native(name string) string {
	return a.p.dir.Native(destination.Path{Rel: name})
}

// trash displaces name into the journal's trash (to be restored if the operation
// is undone, deleted when it finishes).
func (a *applier) trash(name string) error {
	if _, ok := a.exists(name); !ok {
		return nil
	}
	to, err := a.j.Trash(name)
	if err != nil {
		return err
	}
	return a.d.Rename(name, to)
}

// trashExternal saves a copy of an external file in the trash before it is
// overwritten or removed; the trash is inside the destination, so this is a copy.
func (a *applier) trashExternal(abs string) error {
	dir, base, err := fileops.OpenParent(filepath.FromSlash(abs), false)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer dir.Close()
	src, err := dir.Open(base)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer src.Close()
	to, err := a.j.Trash(journal.ExternalKey(abs))
	if err != nil {
		return err
	}
	fi, err := src.Stat()
	if err != nil {
		return err
	}
	_, err = a.d.WriteFile(a.ctx, to, src, fi.Mode().Perm())
	return err
}

// writeFile writes src to key (relative or external) after displacing what is
// there, and returns what was written.
func (a *applier) writeFile(key string, src io.Reader, mode fs.FileMode) (fileops.Written, error) {
	if name, ok := rel(key); ok {
		if err := a.mkdirs(path.Dir(name)); err != nil {
			return fileops.Written{}, err
		}
		// The old file goes to the trash before the new one is written, so its
		// mode is taken now: a file without recorded bits keeps it (R101).
		if fi, ok := a.exists(name); ok && mode == 0 && fi.Mode().IsRegular() {
			mode = fi.Mode().Perm()
		}
		if err := a.trash(name); err != nil {
			return fileops.Written{}, err
		}
		if err := a.j.Create(name); err != nil {
			return fileops.Written{}, err
		}
		return a.d.WriteFile(a.ctx, name, src, mode)
	}
	if fi, err := os.Lstat(filepath.FromSlash(key)); err == nil && mode == 0 && fi.Mode().IsRegular() {
		mode = fi.Mode().Perm()
	}
	if err := a.trashExternal(key); err != nil {
		return fileops.Written{}, err
	}
	if err := a.mkdirsExternal(key); err != nil {
		return fileops.Written{}, err
	}
	if err := a.j.Create(journal.ExternalKey(key)); err != nil {
		return fileops.Written{}, err
	}
	dir, base, err := fileops.OpenParent(filepath.FromSlash(key), true)
	if err != nil {
		return fileops.Written{}, err
	}
	defer dir.Close()
	return dir.WriteFile(a.ctx, base, src, mode)
}

// mkdirsExternal records the missing parent directories of an external file,
// outermost first, so that an operation undone removes the directories it made
// outside the destination too. OpenParent creates them.
func (a *applier) mkdirsExternal(key string) error {
	var missing []string
	for dir := filepath.Dir(filepath.FromSlash(key)); ; dir = filepath.Dir(dir) {
		_, err := os.Lstat(dir)
		if err == nil {
			break
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		missing = append(missing, dir)
		if filepath.Dir(dir) == dir {
			break
		}
	}
	for _, dir := range slices.Backward(missing) {
		if err := a.j.Create(journal.ExternalKey(dir)); err != nil {
			return err
		}
	}
	return nil
}

// openKey opens the current content of key for reading.
func (a *applier) openKey(key string) (io.ReadCloser, fs.FileMode, error) {
	var f *os.File
	var err error
	if name, ok := rel(key); ok {
		f, err = a.d.Open(name)
	} else {
		dir, base, derr := fileops.OpenParent(filepath.FromSlash(key), false)
		if derr != nil {
			return nil, 0, derr
		}
		defer dir.Close()
		f, err = dir.Open(base)
	}
	if err != nil {
		return nil, 0, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, fi.Mode().Perm(), nil
}

// backup saves a path (R92 step 1, R125–R127): a move when it is also deleted, a
// copy otherwise; directories are not copied, only made (empty) in the backup.
func (a *applier) backup(b backupOp) error {
	to, err := metadata.BackupPath(int32(a.p.ID), b.path)
	if err != nil {
		return err
	}
	if err := a.mkdirs(path.Dir(to)); err != nil {
		return err
	}
	name, relative := rel(b.path)
	switch {
	case b.move && relative:
		return a.moveInto(name, to)
	case b.dir:
		// A directory's backup is the directory only (R127); one that exists
		// already, made by the backups of its children, is kept as it is.
		return a.mkdirs(to)
	}
	if err := a.trash(to); err != nil { // R127: an existing backup file is overwritten
		return err
	}
	if relative {
		if fi, ok := a.exists(name); ok && fi.Mode()&fs.ModeSymlink != 0 {
			return a.copyLink(name, to)
		}
	}
	src, mode, err := a.openKey(b.path)
	if err != nil {
		return fmt.Errorf("back up %s: %w", b.path, err)
	}
	defer src.Close()
	if err := a.j.Create(to); err != nil {
		return err
	}
	if _, err := a.d.WriteFile(a.ctx, to, src, mode); err != nil {
		return fmt.Errorf("back up %s: %w", b.path, err)
	}
	if b.move {
		return a.removeExternal(b.path)
	}
	return nil
}

// copyLink backs up a symbolic link as a link with the same target: it is never
// followed, so a link leading out of the destination is saved, not refused.
func (a *applier) copyLink(name, to string) error {
	target, err := a.d.Readlink(name)
	if err != nil {
		return err
	}
	if err := a.j.Create(to); err != nil {
		return err
	}
	return a.d.Symlink(target, to)
}

// moveInto moves from to to. When both are directories (the backup of a directory
// whose files were backed up first), what remains in from is merged into to, so no
// earlier backup is replaced.
func (a *applier) moveInto(from, to string) error {
	dst, exists := a.exists(to)
	src, ok := a.exists(from)
	switch {
	case !ok:
		return nil
	case !exists:
		if err := a.j.Move(from, to); err != nil {
			return err
		}
		return a.d.Rename(from, to)
	case dst.IsDir() && src.IsDir():
		entries, err := a.d.ReadDir(from)
		if err != nil {
			return err
		}
		for _, e := range entries {
			if err := a.moveInto(path.Join(from, e.Name()), path.Join(to, e.Name())); err != nil {
				return err
			}
		}
		return a.trash(from) // empty now
	}
	if err := a.trash(to); err != nil { // R127: an existing backup is overwritten
		return err
	}
	if err := a.j.Move(from, to); err != nil {
		return err
	}
	return a.d.Rename(from, to)
}

func (a *applier) removeExternal(abs string) error {
	if err := a.trashExternal(abs); err != nil {
		return err
	}
	dir, base, err := fileops.OpenParent(filepath.FromSlash(abs), false)
	if err != nil {
		return err
	}
	defer dir.Close()
	if err := dir.Remove(base); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// delete removes a path of the delete set (R92 step 2). A directory is removed
// only when empty; one that still holds unmanaged files is reported in errors
// and the deployment goes on (R122).
func (a *applier) delete(key string) error {
	name, relative := rel(key)
	if !relative {
		return a.removeExternal(key)
	}
	fi, ok := a.exists(name)
	if !ok {
		return nil
	}
	if fi.IsDir() {
		entries, err := a.d.ReadDir(name)
		if err != nil {
			return err
		}
		if len(entries) > 0 {
			if a.p.applyErrors == nil {
				a.p.applyErrors = map[string]string{}
			}
			a.p.applyErrors[key] = fmt.Sprintf("File [%s] did not delete", a.native(name))
			return nil
		}
	}
	return a.trash(name)
}

// emptyDir removes everything inside dir (R61).
func (a *applier) emptyDir(dir string) error {
	entries, err := a.d.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := a.trash(path.Join(dir, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

// purgeTree is the clean purge (R95): everything under dir goes except
// directories named .rhqdeployments at any depth and, at the top, the skipped
// unrelated names.
func (a *applier) purgeTree(dir string, keep set) error {
	name := dir
	if name == "" {
		name = "."
	}
	entries, err := a.d.ReadDir(name)
	if err != nil {
		return err
	}
	for _, e := range entries {
		p := path.Join(dir, e.Name())
		switch {
		case e.Name() == metadataDir && e.IsDir():
			continue
		case dir == "" && keep[e.Name()]:
			continue
		case e.IsDir() && a.holdsMetadata(p):
			if err := a.purgeTree(p, nil); err != nil {
				return err
			}
		default:
			if err := a.trash(p); err != nil {
				return err
			}
		}
	}
	return nil
}

// holdsMetadata reports whether a .rhqdeployments directory lies below dir (a
// bundle deployed into a subdirectory of this one).
func (a *applier) holdsMetadata(dir string) bool {
	found := false
	_ = a.d.Walk(dir, func(p string, e fs.DirEntry, err error) error {
		if err == nil && e.IsDir() && e.Name() == metadataDir {
			found = true
			return fs.SkipAll
		}
		return nil
	})
	return found
}

// writeContent writes the files of the new map (archives first, then raw files,
// R96), skipping the local edits kept (R94) and the files that already hold their
// new bytes, then makes the empty directories of exploded archives (R97).
func (a *applier) writeContent(dec *decisions) error {
	c := a.p.content
	a.phase(len(dec.write))
	actions := map[string]Action{}
	for _, e := range a.p.Entries {
		actions[e.Path] = e.Action
	}
	for _, key := range c.order {
		if err := a.ctx.Err(); err != nil {
			return err
		}
		if !dec.write[key] {
			continue
		}
		s := c.sources[key]
		w, err := a.writeSource(s)
		if err != nil {
			return fmt.Errorf("write %s: %w", key, err)
		}
		if w.Hash != s.hash {
			return fmt.Errorf("write %s: %w (the bundle content hashed to %s when planned, %s now)", key, ErrStale, s.hash, w.Hash)
		}
		act := actions[key]
		if act != ActionChange {
			act = ActionAdd
		}
		a.progress(EventFile, key, act, w.Size)
	}
	for _, dir := range c.mkdirs {
		if err := a.mkdirs(dir); err != nil {
			return err
		}
	}
	return nil
}

func (a *applier) writeSource(s *source) (fileops.Written, error) {
	var rc io.ReadCloser
	var err error
	switch {
	case s.kind == fromEntry:
		rc, err = s.entry.Open()
	case s.staged:
		rc, err = os.Open(s.file)
	default:
		rc, err = a.p.bundle.fsys.Open(s.file)
	}
	if err != nil {
		return fileops.Written{}, err
	}
	defer rc.Close()
	var r io.Reader = rc
	if s.realize {
		r = token.NewReader(rc, a.p.values)
	}
	return a.writeFile(s.key, r, s.mode)
}

// restore copies a backup of the reverted deployment back (R131).
func (a *applier) restore(r restoreOp) error {
	src, err := a.d.Open(r.from)
	if err != nil {
		return fmt.Errorf("restore %s: %w", r.key, err)
	}
	defer src.Close()
	fi, err := src.Stat()
	if err != nil {
		return err
	}
	if _, err := a.writeFile(r.key, src, fi.Mode().Perm()); err != nil {
		return fmt.Errorf("restore %s from %s: %w", r.key, r.from, err)
	}
	a.progress(EventFile, r.key, ActionRestore, fi.Size())
	return nil
}

// writeMetadata records the deployment (R28): its properties and map, the copy of
// the previous current file, and current-deployment.properties last; then the
// journal commits.
func (a *applier) writeMetadata(final map[string]string) error {
	writes, err := metadata.Record(a.p.state.State, a.p.props, final, time.Now())
	if err != nil {
		return err
	}
	for _, w := range writes {
		if _, err := a.writeFile(w.Name, bytes.NewReader(w.Data), 0o644); err != nil {
			return fmt.Errorf("write deployment metadata %s: %w", w.Name, err)
		}
	}
	return a.j.Commit()
}
