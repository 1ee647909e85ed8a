// Package fileops is the only code that reads or writes a deployment destination.
//
// Contract: every path that comes from a recipe, an archive entry, a token value or
// a caller reaches the file system through one traversal-proof join (os.Root for
// everything under the destination; external destinations are an explicit, audited
// case). It hashes content while streaming it, writes files under a temporary name
// and renames them into place, names backups, and checks free space. It makes no
// deployment decisions: package bundle decides, fileops executes.
//
// The operations are being built under issue #4; until then this package only
// states its contract.
package fileops
