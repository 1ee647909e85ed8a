// Package journal makes every change to a destination recoverable, and is the
// only way the deployment engine changes one: a Tx (Begin) takes the
// destination's lock, records each change before making it, and either
// commits (Commit, Finish) or is undone (Abort, or Recover after a crash).
//
// # Contract
//
// The journal lives in D/.rhqdeployments/.bundlekit/ (a name RHQ never reads;
// every walk skips .rhqdeployments, R31). Each Tx method that writes appends
// its record to the journal before it acts:
//
//   - create: a file or directory that did not exist is about to be made
//     (written, or, by LinkOrCopy, made a hard link to another file or a copy
//     of it);
//   - trash: an existing path is about to be displaced into the journal's
//     trash (renamed, hard-linked when it is replaced in place, or copied for
//     an external file) instead of being deleted or overwritten;
//   - move: a path is about to be renamed (a backup that moves a file);
//   - chmod: the mode of an existing file is about to change (the record
//     holds the mode it had);
//   - commit: the operation's result is in place; for an operation that
//     ends with the destination removed (TxOptions.RemoveDest, a full
//     purge), the record says so.
//
// Recover reads an unfinished journal. With a commit record it finishes the
// operation (empties the trash; RecoverDest and Abort also remove a
// destination the operation removes, once empty). Without one it undoes every recorded change
// in reverse order: created paths are removed, moved paths are moved back,
// trashed paths are restored, changed modes are set back. Each undo step checks the disk first, so it is
// right whether or not the recorded change had happened when the process
// died; after each step the journal is cut before the record undone, so
// Recover itself can be interrupted and run again. A created external
// directory is removed only when empty. A destination recovered this way is
// exactly as it was before the operation, or exactly as the operation left it:
// never in between, and no file that was there before is lost.
//
// A file that replaces another is written to a temporary file and renamed
// over it, so an existing file is never half-overwritten; the temporary files
// a killed writer leaves are removed by Recover in the directories the journal
// names. A new file is written in place, after its create record reached the
// disk, so a file cut short by a kill or a power cut is removed with the rest
// of the operation.
//
// Durability: a record reaches the kernel before its change is made, so a
// process killed at any instruction is recovered exactly. A record whose
// change moves an original away (trash, move), changes its mode (chmod) or
// creates a file is synced before that change, those of a phase together
// (Reserve: one write, one sync); the first such sync also makes the begin
// record and the journal's name durable (the journal's folder is synced with
// it), since nothing before it needs them: a power cut before it can only
// leave new directories or links behind, never lose an original. Files are
// written without a sync of their own (on Linux their writeback starts at
// once). Commit then makes everything durable — each file written and each
// directory whose entries changed, synced on many goroutines at once, or for
// a large batch the whole file system (syncfs(2), which Tx.StartSync may
// begin early, more than once; Commit waits for those and syncs again) — and
// only then writes and syncs the commit record. So after Commit
// returns, a power cut loses nothing of the operation. A power cut before
// Commit leaves an operation that Recover undoes; the file system decides which
// changes survived, and Recover's checks hold for each change it finds made or
// not made: every original that was moved away comes back, while a new file
// whose record did not survive may stay behind (a new file, never a lost one).
//
// The operation is committed once its commit record is in the journal file:
// Recover then completes it. A commit record written whose sync fails is
// therefore a commit, not a failure to undo: Commit returns an error wrapping
// ErrCommitted, and the caller goes on to Finish (Abort would complete it
// too, and says so with ErrCommitted). A Begin that fails removes the journal
// it made, so an operation that never started leaves nothing pending; when
// even that fails, the empty journal stays and the next Recover removes it.
//
// Every file operation of the engine that changes a destination passes
// through the test seam of package internal/faults first, so that tests can
// make any of them fail (or stop the process there).
//
// # The destination's lock
//
// A deployer locks D/.rhqdeployments/.bundlekit.lock (LockFile) with a lock the
// kernel keeps on its open file: flock(2) on Unix, LockFileEx on Windows (on
// one byte far beyond the file's content, so that others can still read it).
// The kernel drops the lock with the file when the process ends, however it
// ends, so a deployer killed at any instruction never blocks the next one. The
// file is opened close-on-exec, so a hook process the deployer starts does not
// inherit the lock. Once the lock is held the holder writes its pid, host and
// start time into the file, for the refusal message only: the content is never
// trusted to decide whether the lock is held, so an empty or garbage lock file
// left behind is harmless. On Linux, flock on NFS is an NFS lock, so deployers
// on different hosts exclude each other where the server supports locking. On
// systems with neither flock nor LockFileEx, Lock fails with an error matching
// errors.ErrUnsupported.
//
// Unlock removes the lock file and then the metadata folder if it is empty
// (an initial deployment that was undone leaves no trace). A lock on a file
// whose name has been removed protects nothing, so the protocol keeps the
// path and the locked file one:
//
//   - Unlock removes the file while it still holds the lock, and only then
//     releases it.
//   - Lock opens (or creates) the file, locks it, and then checks that the path
//     still names the file it locked (the file identity of the open file
//     against that of the path, os.SameFile). If not, it was waiting on a file
//     that its holder has since removed, and another deployer may hold a new
//     file under the same name: it closes the file and starts again.
//
// A file that still has its name when it is locked cannot lose it until its
// holder unlocks, so at most one deployer holds the file the path names.
// Removing the lock file by hand while a deployer holds it breaks this.
//
// On Windows, the kernel may release the lock of a killed process after a
// short delay; a wait covers it. A file system that cannot remove an open file
// at once (Windows before 10 1607, FAT and others without POSIX deletion)
// keeps the name of a removed lock file until every deployer has closed it;
// Lock treats the access errors this causes as contention and retries them
// while it may wait.
package journal
