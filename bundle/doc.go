// Package bundle opens bundles and deploys them: plan, apply, upgrade, revert,
// purge, status and adopt, with RHQ-compatible metadata. The behaviour it
// reproduces is docs/behavior.md in the module, rule by rule (R1, R2, …, the
// values of Entry.Rule); where it departs from RHQ on purpose is
// COMPATIBILITY.md.
//
// # Usage
//
// Deploy, Revert, Purge and Adopt plan and apply in one call. To look before
// writing, call PlanDeploy (PlanRevert, PlanPurge, PlanAdopt), read
// Plan.Entries — each path's Action, Rule and backup — and pass the plan to
// Apply; a plan that is only closed is a dry run. Status reports the current
// deployment and what drifted since; Recover completes or undoes an operation
// that a killed process left unfinished. Probe answers "will it work, and
// what will it change" in one call: it realizes the whole deployment into a
// scratch tree outside the destination (running none of the recipe's
// targets), reports the tokens left unresolved, the input properties without
// a value and the files missing from the bundle, runs a check command there,
// and plans the deployment against the real destination, which it never
// changes. The examples show each flow.
//
// # Contract
//
// A Bundle is read from a directory, a .zip bundle distribution or any fs.FS, with
// deploy.xml at its top; Open parses the recipe and checks that every file it
// names is in the bundle.
//
// Data flows one way. PlanDeploy (and PlanRevert, PlanPurge, PlanAdopt) reads
// the bundle, the destination and its .rhqdeployments metadata, hashes what it
// must and returns a Plan. Planning changes nothing: it writes nothing to the
// destination, creates nothing there and runs none of the recipe's targets;
// URL content is downloaded into a staging area outside the destination.
//
// The plan is the program. It holds one Entry per path — its three hashes
// (previous, on disk, new), its Action, the rule behind it, its backup — and
// each entry carries the steps that realize it (back up, delete, write from a
// source, change a file's mode, make a directory, restore, install a service
// file, hand over).
// Apply executes those steps, in the order of R92 and R96, and nothing else;
// Differences, the events and the recorded map are views of the entries. A dry
// run is a Plan that is not applied, so it reports what the real run does.
//
// Apply is the only writer, and it writes through one journaled transaction
// (package internal/journal): every change is recorded before it is made, under
// the destination's lock (a second deployer gets a *LockedError naming the
// holder). On a failure the partial changes are undone; a process killed at any
// point leaves a destination that the next Deploy, Revert, Purge, Prune,
// Status or Recover brings back to its state before the operation, or
// completes, without losing a local edit. Files are written under a
// temporary name and renamed into place, never half-written under their final
// name; a replaced file stays in place until its replacement is renamed over
// it.
//
// # Outcomes
//
// Every operation ends in exactly one Outcome, which Result.Outcome and the
// *OperationError it fails with (OutcomeOf) say: not started (nothing was
// changed); rolled back (the partial changes were undone, and that was
// checked: no journal is left and the metadata names the deployment that was
// current before); completed (the new deployment is in place, perhaps with a
// warning, or with the error of a step after the commit); or needs recovery
// (undoing failed too: the destination holds the journal until Recover, or
// the next operation, completes or undoes it, and the error names the
// command: deployer recover --dest D). The operation commits when its commit
// record is in the journal: a commit record written but not made durable (its
// sync failed) is a completed operation with a warning, never "nothing was
// changed". Only not started, rolled back, deferred and refused say that
// nothing was changed.
//
// Two outcomes say that an operation was not allowed to run at all, and
// write nothing, not even the metadata folder. Deferred: Options.Constraints
// (package constraint: time windows, address ranges, not-before and
// not-after dates) do not allow it now; they are checked before anything
// else, and the *constraint.Deferral says when they will. Refused: an
// installation condition does not hold — one the recipe declares
// (bk:requires-*, see package recipe), one of Options.Conditions, or the
// disk-space check (R47). Conditions are checked once the plan knows its
// content and before any change or target runs, all of them, and the
// *RefusedError lists every one that failed with what it wanted and what
// was found; Plan.Conditions records them all. A check command (a condition
// of its own) runs in the destination, or its nearest existing ancestor,
// with BUNDLEKIT_DEST, BUNDLEKIT_BUNDLE and BUNDLEKIT_VERSION set. A plan
// that holds the lock of a destination whose metadata folder the lock
// created removes that folder again when it is refused.
//
// An error that is the caller's to fix — a bundle that cannot be opened, an
// invalid recipe, missing or invalid property values, a bad destination path
// or option — wraps ErrInvalidInput besides its own type: errors.Is(err,
// ErrInvalidInput) asks whether retrying with other input can help.
//
// # Actions
//
// The same words name the actions of entries and of file events (Event with
// Type EventFile):
//
//   - add, change, delete, restore, handover, mode: the entry is executed, and
//     a real run emits exactly one file event for it, after its last step;
//   - unchanged, keep, ignore, skip, none: nothing happens to the path (a backup
//     copy aside, reported by an EventBackup), and there is no file event.
//
// # Targets and what follows the files
//
// The recipe's preinstall target runs when Apply starts, before the first
// change; a caller who wants RHQ's dry run, which runs it too (R172), calls
// Plan.RunPreinstall, and the plan records it in SideEffects. A failed
// preinstall target changes nothing. The service package's install command
// runs before the commit (its failure undoes the deployment). After the
// commit come the handovers, the system-service files (installed in a
// transaction of their own) and the postinstall target; a failure there is a
// *HookError whose Deployed says the files are in place.
//
// The library never prints: progress and audit go to the Options.Events
// callback.
//
// # Metadata
//
// D/.rhqdeployments is read and written exactly as RHQ does (R13–R35): a
// destination deployed by RHQ is upgraded, reverted and purged by bundlekit, and
// RHQ can read what bundlekit writes. bundlekit's own files (the lock, the
// journal, the store of deployed content, the stat cache) live in
// .rhqdeployments/.bundlekit*, and each deployment's records — the content
// digests and permissions of its files, and what a revert without the bundle needs —
// in .rhqdeployments/<id>/.bundlekit-*; RHQ never reads them.
//
// Files are named by their content digest (fileops.ContentDigest) in those
// records and in the store: the SHA-256 of content of up to 4 MiB, and past
// that a SHA-512/256 of the SHA-256 of each 4 MiB chunk, so that a full
// verification (Options.Verify) hashes a large file on every core. Records
// an older bundlekit wrote hold whole-file SHA-256: its digests record is
// taken for missing (files are then proved by MD5), and of its store only
// the objects of at most 4 MiB, where the two digests agree, serve a revert
// without the bundle.
//
// # Reverting without the bundle, and pruning
//
// Every operation keeps, by a hard link made just before it replaces or
// removes them, the files of the deployment it replaces that still hold the
// bytes that deployment recorded, in a content-addressed store
// (.rhqdeployments/.bundlekit/store). PlanRevertStored then
// rebuilds the previous deployment from its metadata and that store, as
// PlanRevert would from its bundle, or refuses with a *BundleNeededError
// that says what is missing. A realized @@rhq.deploy.id@@ is realized again
// with the new deployment's id: each deployment records where its
// realizations inserted its id, so the files and the map the revert records
// are those of a revert with the bundle. Prune (and Options.Keep) removes old
// deployments' folders and the stored content no kept deployment names,
// keeping what a revert needs. Status reports the disk each deployment
// takes (DiskUsage) and applies the rhq:ignore the deployment recorded.
//
// # Permission bits
//
// On Unix, permission bits are decided three-way, like content (issue 11.6):
// a file whose mode (or owner) is not what the previous deployment recorded
// was changed by the operator, and keeps its mode, also when its content is
// replaced; otherwise it gets the bits the bundle records (an archive entry's,
// or a bundle file's), by the write or, when its bytes stay, by a mode change
// of its own (ActionMode). A deployment RHQ made recorded nothing; its files
// count as written with 0644, as RHQ wrote them (R101). Entry.Mode and
// Differences.Modes say what changes and what is kept. One trace
// can remain: the journal lives inside the destination, so a first deployment
// into a directory that did not exist, killed and then rolled back, leaves that
// directory empty, and a full purge killed after its commit point is completed
// but leaves the destination directory, empty. When removing the lock file
// fails (an I/O error), the metadata folder is left holding it and nothing
// else; the lock is the kernel's, and the file is harmless.
package bundle
