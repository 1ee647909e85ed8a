// Package internal groups the packages that are not part of bundlekit's API.
// Each states its own contract; by role:
//
//   - on-disk state: metadata (RHQ's .rhqdeployments records), journal (the
//     lock and the journaled transaction Apply writes through), statcache
//     (what a redeployment may skip re-reading), staging (work areas outside
//     the destination), scratch (the tree a probe realizes a deployment
//     in), locate (routing a path to its directory handle);
//   - formats: xmldoc (the one XML reader), javaprops (Java .properties),
//     antglob (Ant fileset patterns), antprop (${name} expansion), sysv (the
//     layout of a SysV service), winpath (Windows drive letters);
//   - running things: ant (the Ant task interpreter for recipe targets),
//     command (install commands and <exec>, with deadlines), fetch (URL
//     downloads), proc (whether a process still runs);
//   - faults: the test seam that makes the engine's file operations fail;
//   - small helpers: dirfile (what the engine needs of a fileops.Dir beyond
//     its API), ctxio (cancellable reads), readall (one-allocation reads);
//   - test infrastructure: testzip (honest and hostile zip archives),
//     testtree (trees written and recorded in one-line specs);
//   - commands: cmd/benchdeploy (the end-to-end benchmark), cmd/apicount (the
//     size of the public API).
package internal
