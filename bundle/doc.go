// Package bundle opens bundles and deploys them: plan, apply, upgrade, revert,
// purge, status and adopt, with RHQ-compatible metadata.
//
// # Contract
//
// A Bundle is read from a directory, a .zip bundle distribution or any fs.FS, with
// deploy.xml at its top; Open parses the recipe and checks that every file it
// names is in the bundle.
//
// Data flows one way. PlanDeploy (and PlanRevert, PlanPurge, PlanAdopt) is pure
// with respect to the destination: it reads the bundle, the destination and its
// .rhqdeployments metadata, hashes what it must and returns a Plan — every path
// with its three hashes (previous, on disk, new), the decision, the spec rule
// behind it, its backup if any, and the Differences the operation produces. It
// writes nothing to the destination and creates nothing there. URL content is
// downloaded into a staging area outside the destination. Apply is the only
// writer; it goes through package fileops, so every path reaches the disk through
// one traversal-proof os.Root. A dry run is a Plan that is not applied, so its
// report is the real run's report by construction.
//
// Apply takes a lock in the metadata folder (a second deployer gets a
// *LockedError naming the holder) and journals every change before making it
// (package internal/journal): a failure undoes the partial changes, and a process
// killed at any point leaves a destination that the next Deploy, Revert, Purge or
// Status brings back to its state before the operation, or completes, without
// losing a local edit. (One trace can remain: the journal lives inside the
// destination, so a first deployment into a directory that did not exist, killed
// and then rolled back, leaves that directory empty, and a full purge killed
// after its commit point is completed but leaves the destination directory,
// empty.) Files are written under a temporary name and renamed into
// place, never half-written under their final name.
//
// The library never prints: progress and audit go to the Options.Events callback.
//
// # Metadata
//
// D/.rhqdeployments is read and written exactly as RHQ does (spec §2, R13–R35):
// a destination deployed by RHQ is upgraded, reverted and purged by bundlekit, and
// RHQ can read what bundlekit writes. bundlekit's own files (the lock, the
// journal) live in .rhqdeployments/.bundlekit*, which RHQ never reads.
//
// # Divergences from RHQ
//
// bundlekit reproduces RHQ's deployer rule by rule (the spec's R-numbers appear in
// every Entry.Rule). It deliberately differs where RHQ is unsafe, accidental or
// wasteful; each difference with its rule and reason:
//
//   - R40, R180: recipe destinations are cleaned ("./x" is "x") and an absolute
//     destination inside the deploy dir is made relative, so a path has one
//     spelling and is not rewritten on every upgrade.
//   - R41: a destination that climbs above the file-system root is an error, not a
//     later null-pointer failure.
//   - R45: items are processed in recipe order, archives before raw files, and a
//     later item that writes the same path wins (RHQ's order is a hash map's).
//   - R56, R78: walks do not follow symbolic links; a link is an entry of its own,
//     hashed by its target text, so a walk never leaves the destination or loops.
//   - R81: a compressed archive is keyed by its own path in the new map (RHQ keys
//     it by its entries, deleting and rewriting it on every upgrade).
//   - R90, R102, R106, R109, R63: a file whose bytes on disk already equal the new
//     bytes is not rewritten — the same result with far less I/O.
//   - R93: Differences.Realized lists the realized paths; RHQ also returns the
//     realized text, which may be large and may hold passwords.
//   - R98: a compressed archive with a relative destinationDir is keyed by a
//     relative path (R40), and it is replaced when its content changes (RHQ copies
//     it only when nothing is at the target yet).
//   - R99: a compressed archive whose entries are realized is rebuilt in the
//     staging area, keeping entry order and directory entries, with fixed
//     timestamps so the same inputs give the same bytes (and the same hash); RHQ
//     extracts it into the destination's root and rebuilds it with new
//     timestamps.
//   - R101: the Unix permission bits recorded in a zip entry or on a bundle file
//     are applied (bin/*.sh arrives executable), exactly and independently of the
//     umask, never setuid, setgid or sticky; files without recorded bits keep an
//     existing file's mode or get 0644.
//   - R128, R33: a dry run creates nothing at all, not even empty backup folders.
//   - R92, R128: a directory of the delete set that will still hold something
//     (an ignored file, a nested deployment's metadata) is reported in Errors by
//     the plan, so a dry run reports it too; RHQ's dry run pretends the delete
//     succeeds.
//   - R56: a named pipe, socket or device in the destination is never opened (a
//     pipe would block the deployer forever); the rescan reports it as a file
//     whose hash cannot be computed.
//   - R138: purging a destination that holds no deployment is refused unless
//     forced (RHQ deletes the directory).
//   - R146: realization works on bytes, never decoding or re-encoding (see
//     package token).
//   - R152: caller values are used verbatim (RHQ doubles backslashes).
//   - R164: destinationDir on an archive means "copy it, compressed, there"
//     (see package recipe).
//   - R181: archive entries with absolute or ".." names, backslashes, NUL,
//     duplicate or case-colliding names, links or other irregular modes are
//     rejected before anything is written (RHQ writes them wherever they point).
//   - R184: an operation is transactional (journal, rollback on failure) instead
//     of leaving partial changes.
//   - R72: rhq:ignore is not matched against the deploy dir's own name.
//   - R132: a revert writes the new deployment's metadata once, with the
//     restored hashes, instead of writing it and rewriting it (same files).
//   - R168: filesets match with Ant semantics (see package recipe).
package bundle
