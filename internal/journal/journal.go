// Package journal makes an operation on a destination recoverable: every change is
// recorded before it is made, and an operation that did not finish is completed or
// undone by the next run.
//
// # Contract
//
// A Journal lives in D/.rhqdeployments/.bundlekit/ (a name RHQ never reads; every
// walk skips .rhqdeployments, R31). Before each change the caller records it and
// the record reaches the disk (fsync) before the change is made (write-ahead):
//
//   - Create: a file or directory that did not exist is about to be made.
//   - Trash: an existing path is about to be displaced: it is renamed into the
//     journal's trash (same file system, so the rename is atomic) instead of
//     being deleted or overwritten in place.
//   - Move: a path is about to be renamed (a backup that moves a file).
//   - Commit: the operation's result is in place (the new
//     current-deployment.properties has been written).
//
// Recover reads an unfinished journal. With a Commit record it finishes the
// operation (empties the trash). Without one it undoes every recorded change in
// reverse order: created paths are removed, moved paths are moved back, trashed
// paths are restored. Each undo step checks the disk first, so it is correct
// whether or not the recorded change had happened when the process died. After
// each step the journal is cut before the record undone, so Recover itself can be
// interrupted and run again: the next run resumes where it stopped. A created
// external directory is removed only when empty. A destination recovered this
// way is exactly as it was before the operation, or exactly as the operation
// left it: never in between, and no file that was there before is lost.
//
// Files are written through fileops (temp file and rename), so no file is ever
// half-written under its final name; temp files left by a killed writer are
// removed by Recover in the directories the journal names (external ones
// included).
//
// Durability: each record is synced before its change, and the journal's
// directory when the journal is created (except on Windows, which cannot sync a
// directory), so a process killed at any point is recovered exactly. After a
// power cut the file system decides which of the changes survived; Recover's
// checks still hold for each change it finds made or not made.
package journal
