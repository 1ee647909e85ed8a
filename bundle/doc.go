// Package bundle opens bundles and deploys them.
//
// Contract: a Bundle is read from a directory, a .zip bundle distribution or any
// fs.FS with deploy.xml at its top. The deployer follows one direction of data flow:
// Plan is pure (it reads the bundle, the destination and its metadata, and writes
// nothing), Apply is the only writer and goes through package fileops, and Revert,
// Purge and Status have the same plan-then-apply shape. The package never parses
// XML by hand (that is package recipe) and never joins paths by hand (that is
// package fileops).
//
// The deployment engine is being built under issue #4; until then this package
// only states its contract.
package bundle
