// Package metadata reads and writes the deployment records that RHQ keeps in a
// destination directory D, in RHQ's own format, so that a directory deployed by
// RHQ can be upgraded, reverted and purged by bundlekit and the other way round
// (docs/behavior.md §2, R13–R35). Rule numbers refer to docs/behavior.md in
// the module.
//
// The package is pure: it reads through an fs.FS and never writes. Record and
// RecordRestored return the files to write as a plan ([]Write); the deployment
// engine executes it through package fileops.
//
// # Layout (R13–R15)
//
//	D/.rhqdeployments/
//	    current-deployment.properties       the live deployment: CurrentPath
//	    <id>/                               one per id, Integer.toString form: 0, 12345, -3
//	        deployment.properties           DeploymentPath(id)
//	        file-hashcodes.dat              HashesPath(id)
//	        previous-deployment.properties  PreviousPath(id); none for a first deployment
//	        .bundlekit-modes                ModesPath(id): bundlekit's own, see below
//	        .bundlekit-sha256               DigestsPath(id): bundlekit's own, see below
//	        .bundlekit-deployment           ExtrasPath(id): bundlekit's own (Extras)
//	        backup/                         BackupDir(id): displaced files under D
//	        ext-backup/                     ExtBackupDir(id): displaced external files
//
// BackupPath maps a key to its backup (R125, R126, R34); ExternalKey and
// ExternalKeyWindows map an ext-backup file back to its key (R131).
//
// # Deployment properties (R20–R25)
//
// deployment.properties and the two other properties files are Java
// Properties.store output (see package javaprops), ISO-8859-1 with \uXXXX
// escapes, first line "#This file is auto-generated - DO NOT MODIFY!!!",
// second line "#" and a Date.toString timestamp. Keys: deployment.id (an int),
// bundle.name, bundle.version, bundle.description (optional),
// bundle.destination.compliance ("full" or "filesAndDirectories"), and the
// legacy manage.root.dir. DecodeProperties and EncodeProperties convert them to
// and from Properties and validate them with RHQ's messages
// (*InvalidPropertiesError, "Deployment properties are invalid: …").
//
// # Hashes (R17–R19)
//
// file-hashcodes.dat is text: one "<path>\t<hash>" line per file, sorted by
// Java's String.compareTo. DecodeHashes and EncodeHashes read and write it;
// Hashes.WithDirectories adds the directories RHQ synthesises when it reads
// one (R69).
//
// # Permissions (bundlekit's own)
//
// A deployment bundlekit makes also records, in ModesPath(id), the mode and
// owner it gave each file of its map, so that the next deployment can tell a
// mode the operator changed from one it wrote (issue 11.6). EncodeModes and
// DecodeModes read and write it, strictly; BeforeCurrent adds it, like
// bundlekit's other records, to Record's files. RHQ never reads it, and a deployment RHQ made has none.
//
// # Content digests (bundlekit's own)
//
// DigestsPath(id) records the content digest (fileops.ContentDigest: SHA-256
// up to 4 MiB, of 4 MiB chunks beyond) of each file of the map, and
// Extras.Stored names stored objects by it. Both records say their format:
// the digests record by a first line "bundlekit-digests 2 tree-sha256
// 4194304", the deployment record by "v":3. An older bundlekit's records,
// which hold whole-file SHA-256, read as such (ErrDigestsFormat,
// Extras.StoredSHA256), never as content digests.
//
// # State (R16, R26, R32)
//
// Load reads a destination: whether it is managed (and why not), the current
// properties and hashes, the deployment ids present, and each deployment's
// previous properties.
//
// # Damage
//
// A record that exists but cannot be trusted is damaged, and Load says so in
// State.Damaged, a *DamagedError naming the file, what is wrong and what to do
// (restore the file from a backup, or move .rhqdeployments aside and adopt
// the destination again):
//
//   - current-deployment.properties that is not a regular file, is empty or
//     garbage, does not validate (R22), or names a deployment whose folder is
//     missing. D is not managed (R16), as in RHQ, but an operation must not
//     take it for a destination that never held a deployment: RHQ's next
//     deployment would be an initial one and move every file of D into a
//     backup folder (R58).
//   - file-hashcodes.dat of the current deployment that is missing, does not
//     parse (R18), ends without a line break (a file cut short by a crash or
//     a full disk, perhaps in the middle of a hash), or holds what RHQ never
//     writes (R19): a hash that is neither 32 lowercase hex digits nor a
//     marker, an empty path, a NUL byte, a relative path that is D itself or
//     climbs out of it. D stays managed; State.Hashes returns the error.
//   - previous-deployment.properties that does not decode (State.Previous).
//
// A file cut short exactly at a line break cannot be told from a shorter
// record: RHQ's format has no length or checksum. The files it lost then look
// unknown to the next upgrade, which in full compliance backs them up before
// removing them (R117), so nothing is lost. A file that cannot be read
// (permissions) is an error, not damage.
//
// # Replicated from RHQ, quirks included
//
//   - A file without bundle.destination.compliance decodes as Full before
//     manage.root.dir is looked at (R24, QUIRK): a legacy file with only
//     manage.root.dir=false is Full. Properties.ManageRootDir reproduces
//     RHQ's deprecated accessor.
//   - Empty bundle names and versions are valid (R22); an empty or
//     differently cased compliance is not.
//   - Hashcodes lines are split as Java's String.split("\t") splits: trailing
//     empty fields are dropped, so "path\thash\t" is valid, "\thash" gives
//     the empty path, and a blank line, an empty hash or a path with a TAB is
//     a *FormatError with RHQ's message (R18).
//   - A managed destination is decided by R16 alone: a missing or corrupt
//     file-hashcodes.dat does not make it unmanaged, but State.Hashes
//     then fails, as RHQ's update does.
//   - Redeploying the current id copies current-deployment.properties onto
//     its own previous-deployment.properties (R29).
//   - Unknown keys of properties files are kept, and written back on
//     encoding, as Java's Properties does; unknown entries of
//     .rhqdeployments are ignored (R35).
//
// # Deviations from RHQ
//
//   - Properties are written with keys in String order (as JDK 18 and later
//     do; RHQ's JDKs wrote hash order) and "\n" line ends on every system
//     (RHQ on Windows writes "\r\n"). Readers accept either. The other
//     differences of package javaprops apply.
//   - file-hashcodes.dat is written in UTF-8 with "\n" line ends on every
//     system (RHQ used the platform's charset and line separator). It is
//     read as bytes: invalid UTF-8 is kept, where Java would replace it by
//     U+FFFD, and keys with "\" are not converted to "/" on Windows (RHQ
//     never writes such keys there). A line longer than 1 MiB is an error.
//   - EncodeHashes leaves out MarkDirectory entries (R19), and refuses
//     (ErrUnencodable) a path with a TAB, CR or LF or an empty hash, which
//     RHQ would write into a file it cannot read back. Hashes.Check lets the
//     engine refuse such a deployment before it changes anything.
//   - deployment.id accepts what strconv.ParseInt accepts: an optional sign
//     and ASCII digits. Java's Integer.parseInt also takes other Unicode
//     decimal digits. A decoded id is an int32, so "+5" or "007" are written
//     back as "5" or "7", and only folders named in Integer.toString form are
//     deployment folders.
//   - Load reports a metadata file that exists but cannot be read as an
//     error, where RHQ would call D unmanaged and, in full compliance, move
//     all of D into a backup folder; and a damaged one in State.Damaged (see
//     Damage), where RHQ would do the same or fail with its own message.
//   - IsExternal does not depend on the running system: "C:/x" is external
//     everywhere, where RHQ on Unix would see a relative path under a
//     directory named "C:".
//   - BackupPath cleans keys lexically and refuses those that climb out of D
//     (ErrInvalidKey), where RHQ would back up outside the backup folder.
//   - EncodeProperties refuses an Extra key that duplicates a field.
//
// Two choices docs/behavior.md leaves open: RecordRestored rewrites the new id's properties,
// hashes and current-deployment.properties, as RHQ's
// setCurrentDeployment(props, map, false) does (R132); Write names are
// relative to D, and creating their directories is the writer's job (R28).
package metadata
