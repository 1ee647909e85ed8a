// Package fileops is the only code that reads or writes a deployment
// destination. It executes; package bundle decides. Rule numbers (R49) refer
// to docs/behavior.md in the module; COMPATIBILITY.md lists where this package
// departs from RHQ on purpose (hostile archive entries are refused, files are
// replaced atomically, walks never follow symbolic links).
//
// Contract: every name that comes from a recipe, an archive entry, a token value
// or a caller reaches the file system through a Dir, a directory opened with
// os.Root, so no name can leave the directory, lexically or through a symbolic
// link. The one way to a file outside the deploy dir, an external destination
// (R8), is OpenParent, which checks an absolute path and opens its parent as a
// Dir. Content is hashed while it is copied (MD5, R49), files are written under
// a temporary name and renamed into place, zip archives are checked entry by
// entry before anything is read from them, and free space is measured (R47).
//
// # Names
//
// A name in a Dir is relative and "/"-separated, with no empty, "." or ".."
// element, no trailing slash and no NUL byte (fs.ValidPath), and it must be
// representable on this system (filepath.Localize: on Windows no "\", no ":",
// no device names such as NUL or COM1, valid UTF-8). A name starting with a
// drive letter ("C:x") is refused on every system: it is a Windows absolute
// key (R187) where a relative one belongs. Callers clean names first (R40 GO);
// a name that is not clean is an error, never silently cleaned, so two
// spellings cannot mean one file (R180). "" and "." name the directory itself
// where that makes sense (Lstat, Open, ReadDir, MkdirAll, Walk) and are refused
// where a file is meant. CheckName applies these rules without a Dir, so a plan
// can refuse a bad destination before anything is written. A name that fails
// is an *fs.PathError wrapping ErrUnsafePath.
//
// os.Root follows symbolic links that stay inside the directory and fails on
// any that lead out of it (or are absolute), in every operation; the error is
// os.Root's own. Lstat, Remove, RemoveAll, Rename and Walk act on a link
// itself; RemoveAll deletes a link, never what it points to.
//
// # Writing files
//
// WriteFile streams into a temporary file named ".bundlekit-<random>.tmp" in
// the target's directory, syncs and closes it, then
// renames it over the target. Atomic means: the target has either its old
// content or all of the new, never a part, and a failed or cancelled write
// leaves the target untouched and no temporary file behind. Only a killed
// process leaves one. The directory itself is not synced, so after a power
// failure the target may still have its old content. WriteFileBatch skips the
// file's own sync, for a caller that makes a whole batch durable at once:
// SyncFile and SyncDir for each file and directory, or SyncFS (syncfs(2) on
// Linux). Sub opens a directory as a Dir of its own, so that many files in it
// are written resolving one name each. On Windows the rename is
// MoveFileEx with MOVEFILE_REPLACE_EXISTING: it is atomic on NTFS, but it fails
// while another process holds the target open without FILE_SHARE_DELETE, and
// permission bits map only to the read-only attribute.
//
// Modes: an explicit permission is applied exactly, whatever the umask; setuid,
// setgid and sticky bits are never set. Without one a replaced file keeps its
// permission bits (R101) and a new file gets 0o644. On Unix a replaced file
// also keeps its owner and group when the process may set them (as root);
// otherwise it belongs to the process. New directories get 0o755 before the
// umask.
//
// # Content digest
//
// Besides RHQ's MD5, every write computes bundlekit's content digest of the
// bytes written (Written.ContentDigest), which deployment records and the
// store of deployed content name content by; HashFiles computes it of files
// on disk. It is an on-disk format, defined with the chunk size
// C = ContentChunkSize = 4 MiB (4194304 bytes):
//
//   - content of at most C bytes: its SHA-256. sha256sum checks such a file
//     by hand;
//   - content of n > C bytes: with L_i the SHA-256 of its i-th chunk of C
//     bytes (the last one shorter, never empty), the SHA-512/256 (FIPS
//     180-4, not SHA-512 truncated) of the ASCII text
//     "bundlekit tree sha256 4194304\n", then n as 8 bytes big-endian, then
//     L_0, L_1, … in order.
//
// Either way it is 32 bytes, written as 64 lowercase hex digits. The chunks
// let a file be verified on every core, where one SHA-256 of the whole is
// bound to one; the root's different hash function keeps the two cases
// apart, so content-addressed names never take one content for another.
// NewContentHash computes it as bytes arrive; HashFiles reads a file of
// more than 2C bytes whose content digest alone is asked for by chunks, on
// min(GOMAXPROCS, chunks) goroutines.
//
// # Zip archives
//
// OpenZip refuses a whole archive, before any content is read, when one entry
// is
//
//   - unsafe (ErrUnsafePath): an empty name, an absolute name ("/x"), a drive
//     letter ("C:x"), a ".." element, an empty or "." element ("a//b", "./a"),
//     a backslash, a control character (NUL, tab, newline, …), invalid UTF-8.
//     Names are not cleaned: a writer that stores "./a" or "a//b" is refused,
//     because cleaning would make two entries one file;
//   - a duplicate of another entry (ErrDuplicate);
//   - different from another entry or its parent directory only in letter case
//     (ErrCaseCollision, strings.EqualFold), because the two would be one file
//     on Windows and macOS, whatever the system deploying;
//   - a file that is also a directory: a file and a directory entry with the
//     same name, or a file with entries below it (ErrFileAsDir);
//   - not a regular file or a directory (ErrIrregular): a symbolic link, a
//     device, a named pipe, or a directory with content;
//   - encrypted, or compressed with a method other than Store or Deflate
//     (ErrUnsupportedEntry);
//   - over Limits (ErrTooMany, ErrTooLarge): more entries than MaxEntries, a
//     declared size above MaxEntrySize, declared sizes adding up to more than
//     MaxTotalSize;
//   - a zip bomb (ErrRatio, a kind of ErrTooLarge): an entry larger than
//     RatioThreshold whose declared size is more than MaxRatio times its
//     compressed size (by default 200 times above 1 MiB: 512 MiB of zeros
//     deflated to 0.5 MiB is refused), or entries whose declared sizes add up
//     to more than RatioThreshold and to more than MaxRatio times the
//     archive's own size (overlapping entries, lying compressed sizes).
//
// Reading an entry stops with ErrTooLarge at the first byte beyond its declared
// size, and with ErrRatio as soon as it has yielded more than RatioThreshold
// bytes and more than MaxRatio bytes for each compressed byte read, so the
// limits hold for what is read, not only for what is declared.
// The checks are the same on every system, so a plan does not depend on where
// it is made. Two kinds of names pass them: names only Windows refuses (device
// names such as NUL, a ":" inside a name), which fail when a Dir on Windows is
// asked to write them, and names that differ
// only in Unicode normalisation (é as one or two code points, one file on
// macOS). Memory grows with the central directory, which Limits.MaxEntries
// bounds, and checking the names takes O(n log n) comparisons however deep
// they are.
//
// WriteZip writes deterministic archives (fixed timestamps, given order) and
// refuses names OpenZip would refuse.
//
// # Platforms
//
// Unix and Windows are supported. FreeSpace uses statfs on Linux, macOS and the
// BSDs except NetBSD and GetDiskFreeSpaceExW on Windows; elsewhere it fails
// with an error wrapping errors.ErrUnsupported. Rename fails across file systems with
// ErrCrossDevice on Unix (EXDEV) and Windows (ERROR_NOT_SAME_DEVICE);
// MoveByCopy is the explicit, non-atomic copy-and-remove for that case.
package fileops
