// Package destination decides where a bundle goes: it resolves a destination
// (a base location plus a deploy dir) to an absolute directory on a target, for a
// single target or a group, and normalises the destinations written in a recipe
// against that directory (docs/behavior.md §3, R36–R43, R187). Rule numbers
// (R38) refer to docs/behavior.md in the module; COMPATIBILITY.md (its Paths
// section) lists where this package departs from RHQ on purpose: it refuses
// what RHQ resolved unsafely or ambiguously, and cleans every destination.
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
//   - POSIX: "\" is an ordinary file-name character; only
//     NUL is refused.
//   - An empty destination is ErrInvalidPath; an absent archive destinationDir
//     means D and is the caller's to handle (R36).
//
// External keys (Path.Abs) are absolute and clean in the target's spelling
// except that Windows separators are "/" ("C:/app/x.conf"), so that relative and
// external keys use one separator (R86, R187); Dir.Native turns any Path into
// the target's own spelling.
package destination
