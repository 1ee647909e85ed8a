// Package recipe parses and validates bundle recipes: RHQ's Ant deploy.xml
// (docs/behavior.md §12, R153–R178) and the IBM-style deployment.xml
// service-package dialect. Rule numbers (R153) refer to docs/behavior.md in the
// module; COMPATIBILITY.md (its Recipe section) lists where parsing departs from
// RHQ on purpose: stricter errors, and Ant's own pattern semantics for filesets.
//
// # Contract
//
// Parse reads one recipe from the reader it is given and touches nothing else. It
// returns a typed Recipe in which every element carries its Pos (file, line and
// column), or errors.Join of *Error values: all the mistakes of the recipe, not only
// the first, each with its position, the element as written, the rule it
// enforces and a sentinel reason (ErrSyntax, ErrMissing, ErrInvalid, ErrUnknown,
// ErrConflict, ErrUnsupported) for errors.Is. Parse needs no deploy-time property:
// it is the parse-only inspection mode of R176, and Recipe.Inputs,
// Recipe.Compliance and Recipe.BundleFiles answer what a tool asks before a
// deployment; Recipe.ResolveInputs checks an operator's values against the
// declared types. Recipe.Expand then resolves ${…} Ant properties with the
// values of one deployment (R157) and runs the checks that had to wait for them.
//
// New makes a Recipe in Go from a Spec, for a bundle without a deploy.xml, and
// validates it with the same rules and errors. ParseServicePackage reads a
// deployment.xml as Parse reads a deploy.xml. ParseBuildFile reads the plain Ant
// build files a recipe calls with <ant antfile=…> into the same Task and Target
// trees; it checks only the shape of the project, and the Ant task interpreter
// validates the tasks.
//
// RHQ elements are recognised by their namespace URI, antlib:org.rhq.bundle, with
// whatever prefix the recipe binds it to. Targets are kept as an ordered tree of
// tasks with positions for the Ant interpreter; <antcall> and <macrodef> are
// refused anywhere, as the JBoss ON documentation explains.
//
// Input is bounded: at most DefaultMaxSize bytes and DefaultMaxDepth levels of
// nesting unless options say otherwise, and no entity other than XML's five
// predefined ones is ever expanded, so a hostile recipe cannot exhaust memory.
//
// # Filesets
//
// rhq:replace and rhq:ignore select paths with <rhq:fileset> elements (dir,
// includes, excludes, file, nested include and exclude). bundlekit matches them
// with real Ant pattern semantics (see FileSelector.Matcher): * and ? stay within
// one path segment, ** as a whole segment spans any number of segments (so
// **/*.x also matches a top-level a.x), a pattern ending in / means /**, \ is a
// separator, [ ] { } are literal characters, matching is case-sensitive and
// excludes win over includes.
//
// # bundlekit's own attributes
//
// A recipe may carry attributes in bundlekit's namespace, BundlekitNS
// (urn:bundlekit:1), bound to any prefix (bk by convention):
//
//	<project xmlns:rhq="antlib:org.rhq.bundle" xmlns:bk="urn:bundlekit:1">
//	  …
//	  <rhq:url-archive url="https://downloads.example.com/app-1.2.zip"
//	      bk:sha256="9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"/>
//
// bk:sha256, on rhq:url-file and rhq:url-archive, is the SHA-256 of the content
// the URL must serve: 64 hex digits in either case, kept in lowercase in
// File.SHA256 and Archive.SHA256 (it may be a ${…} property, checked by
// Expand). The deployer refuses content that does not match before anything
// is written. RHQ's Ant ignores attributes of a namespace it does not know, so
// such a recipe still deploys with RHQ, unchecked. Here any other attribute of
// bundlekit's namespace is an error (ErrUnknown), and so is bk:sha256 on any
// other element (ErrInvalid): a misspelt check must not go silently unmade.
// The version in the namespace changes only if an attribute's meaning does.
//
// # Installation conditions
//
// rhq:bundle may declare what a host and a destination must offer before
// the bundle is deployed there, with bk:requires-* attributes (Requires;
// package bundle evaluates them before anything changes, and refuses the
// deployment when one does not hold):
//
//	<rhq:bundle name="app" version="2.0"
//	    bk:requires-os="linux/amd64,linux/arm64"
//	    bk:requires-free-space="2GiB"
//	    bk:requires-paths="/usr/lib/jvm/java-17/ '/opt/My Tools/bin/tool'"
//	    bk:requires-deployments="/opt/db:db:[1.2,2.0)"
//	    bk:requires-check="/usr/local/bin/check-db --min 12"
//	    bk:requires-check-timeout="30s"
//	    bk:requires-check-codes="0,3:5">
//
// Each attribute takes the syntax of the deployer's flag of that kind:
//
//   - bk:requires-os: the platforms the host may be, OS[/ARCH] with Go's
//     names, separated by commas (ParseOS).
//   - bk:requires-free-space: the free space the destination needs, such
//     as 2GiB or 500MB (ParseSize); the deployment's own estimate (R47) is
//     always checked too.
//   - bk:requires-paths: absolute paths that must exist, separated by
//     blanks (quote one that holds a blank); a trailing / says a directory
//     (ParsePath).
//   - bk:requires-deployments: deployments that must be in place,
//     DEST:BUNDLE:RANGE separated by blanks, RANGE a version range such as
//     [1.2,2.0) or * (ParseDeployment, VersionRange).
//   - bk:requires-check: a program and its arguments (SplitWords: blanks
//     separate, quotes group, no shell), run in the destination, which
//     must exit within bk:requires-check-timeout (a Go duration, default
//     60s) with one of bk:requires-check-codes (deployment.xml's
//     successCodes syntax, default 0).
//
// Elements would not do: RHQ's Ant refuses an element of a namespace it
// does not know (a nested one is "not supported", a top-level one "failed
// to create task or type"), and ignores only attributes. Values may refer
// to properties (${jdk.home}); such a value is read when the recipe is
// expanded (Requires.Unexpanded lists it until then). Every mistake is a
// positioned *Error, as for the rest of the recipe.
package recipe
