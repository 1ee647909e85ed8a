// Package destination decides where a bundle goes: it resolves a destination
// (a base location plus a deploy dir) to an absolute directory on a target, for a
// single target or a group, and normalises the destinations written in a recipe
// against that directory (spec §3, R36–R43, R187).
//
// Contract: everything here is a pure, lexical computation on strings. Nothing
// reads or writes the file system, nothing resolves symlinks (R39, R42), and no
// result depends on the OS this program runs on: a Windows target's paths are
// computed with Windows rules on Linux and the other way round (path/filepath,
// which follows the local OS, is never used for target paths). Bad input is an
// error that names what is wrong and where, never a fallback to another
// directory.
//
// # Destinations
//
// In RHQ a destination is a group of targets, a base location and a deploy dir.
// A resource type declares its base locations in its plugin descriptor
// (ParseBundleTarget reads the <bundle-target> element into []BaseLocation); the
// base directory is the base location's value name itself in the fileSystem
// context ("/" for RHQ's platforms), or the value of the named plugin
// configuration property, resource configuration property or measurement trait
// of the target. Resolve joins it with the deploy dir:
//
//	/opt/jbossas/default/server/ + deploy/myApp/ → /opt/jbossas/default/server/deploy/myApp
//	C:\jbossas\server\           + deploy/myApp/ → C:\jbossas\server\deploy\myApp
//
// ResolveGroup does the same for every member of a group, collecting per-member
// errors instead of stopping at the first. A group must share one platform (OS
// family and path flavour, CheckGroup). Architectures are not modelled: they do
// not change a path. A deploy dir that does not come from a base location (a
// local deployment, a command-line flag) becomes a Dir through ParseDir, once
// the caller has made it absolute.
//
// # Normalising recipe destinations
//
// Dir.NormalizeFile (raw files) and Dir.NormalizeDir (archive destination dirs)
// turn a destination as written in the recipe into a Path, the key the
// deployment engine files it under: a clean relative "/"-path under the deploy
// dir D, or an explicit external absolute path (R8).
//
//   - A relative destination is resolved against D; "." and ".." are removed
//     lexically. A result inside D is relative (x/../y → y); one outside D is
//     external and absolute (../x → <parent of D>/x) (R38).
//   - An absolute destination inside D is made relative; outside D it is
//     external.
//   - ".." that climbs above the file-system root is ErrAboveRoot (R41).
//   - A file destination that is D itself ("." or x/..) is ErrIsDeployDir; a
//     directory destination that is D itself is Rel ".". A file at D's path would
//     replace the whole deployment with one file.
//   - Windows: "\" and "/" are both separators and keys use "/" (R187); drive
//     letters are upper-cased (R43); a drive-relative destination ("C:x") on D's
//     drive is relative to D, on another drive it is ErrDriveMismatch (R43). A
//     destination rooted without a drive ("\x") is ErrNoDrive. A UNC deploy dir
//     (\\server\share\app) works; an external destination on a UNC share is
//     ErrUNC, because external files are backed up per drive letter (R34) and a
//     share has none. Device and verbatim paths (\\.\, \\?\) are ErrInvalidPath.
//   - Windows: names Win32 refuses or rewrites are ErrInvalidPath: the characters
//     <>:"|?* and control characters (so also alternate data streams,
//     "file:stream"), a trailing dot or space, and device names (CON, NUL, COM1, …)
//     with or without an extension.
//   - Windows: whether a path is inside D is decided case-insensitively, as
//     NTFS does by default; the relative key keeps the destination's own
//     spelling of the part below D.
//   - POSIX: "\" is an ordinary file-name character (spec conventions); only
//     NUL is refused.
//   - An empty destination is ErrInvalidPath; an absent archive destinationDir
//     means D and is the caller's to handle (R36).
//
// External keys (Path.Abs) are absolute and clean in the target's spelling
// except that Windows separators are "/" ("C:/app/x.conf"), so that relative and
// external keys use one separator (R86, R187); Dir.Native turns any Path into
// the target's own spelling.
//
// # Divergences from RHQ
//
// Where RHQ is unsafe, ambiguous or platform-dependent, this package does the
// following instead:
//
//   - R40: every relative destination is cleaned (./x → x, a//b → a/b) and an
//     absolute destination inside D becomes relative; RHQ keeps both verbatim,
//     which makes them mismatch the names a directory walk finds (R180).
//   - R38: every destination is normalised, not only those containing "..";
//     one rule for all paths.
//   - R41: climbing above the root is an error; RHQ yields a null path and fails
//     later.
//   - R38: a file destination equal to D is an error; RHQ would try to put a
//     file where the deploy dir is.
//   - R43: a Windows path rooted without a drive ("\x") is an error;
//     java.io.File calls it relative (so RHQ puts it under D), Win32 puts it on
//     the current drive, and a recipe that means either should say which.
//   - R34: external destinations on UNC shares are refused; RHQ has no
//     ext-backup layout for them.
//   - Windows names that Win32 refuses or rewrites are refused up front, so the
//     key always names the file that is written.
//   - Resolve: an empty deploy dir, or one naming the base directory itself, is
//     ErrNoDeployDir; RHQ deploys into the base directory, which in full
//     compliance mode (R9) would wipe a platform's "/" or a server's whole
//     installation. For the same reason ParseDir refuses a file-system root.
//   - Resolve: an absolute deploy dir is ErrNotRelative for every value context;
//     RHQ accepts it as is for fileSystem base locations, and Windows platforms
//     depend on that (their "Root File System" is "/", which is not absolute on
//     Windows, so Resolve refuses it there with ErrNotAbsolute). Declare a
//     fileSystem base location naming the drive (value name C:\) instead.
//   - Resolve: white space around a base directory value or a deploy dir is
//     ErrInvalidPath; RHQ kept it as part of the directory name.
//   - Resolve: an empty configuration value is ErrValueNotSet, like a missing
//     one; RHQ failed later with "did not resolve to an absolute path".
//   - Groups: RHQ lets a group of one (non-platform) resource type span Linux and
//     Windows hosts; here a group must share one platform (CheckGroup), so that
//     one deploy dir text means one thing on every member. Resolve each target
//     on its own to deploy to mixed hosts.
//   - ParseBundleTarget trims white space around value-context and value-name
//     text, which RHQ's schema types would keep.
package destination
