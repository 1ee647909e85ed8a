// Package bundlekit is a Go SDK for bundle provisioning: it takes a bundle — a
// versioned set of files and archives plus a deploy.xml recipe — and a destination
// directory, and makes the destination match the bundle the way RHQ / JBoss
// Operations Network's Ant-bundle deployer did: @@token@@ templates are filled with
// per-target values, files edited by hand are kept or backed up, logs and data the
// recipe ignores are preserved, and any deployment can be reverted or purged.
//
// This root package holds no code; the SDK is a handful of small packages that data
// flows through in one direction (parse → plan → apply):
//
//   - [github.com/bundlekit/bundlekit/recipe] turns deploy.xml (and the IBM-style
//     deployment.xml dialect) into a typed, validated Recipe whose every element
//     carries its file:line:col.
//   - [github.com/bundlekit/bundlekit/token] realizes @@token@@ templates as a
//     streaming io.Reader, holds the value sets, and validates input-property values
//     against their declared types.
//   - [github.com/bundlekit/bundlekit/destination] resolves a base location plus a
//     relative deploy directory to an absolute directory on a target's platform.
//   - [github.com/bundlekit/bundlekit/fileops] is the only code that touches the
//     destination: hashing, atomic writes, traversal-proof joins through os.Root.
//   - [github.com/bundlekit/bundlekit/bundle] opens bundles and runs the deployer:
//     a pure Plan, then Apply as the only writer; Revert, Purge and Status.
//
// A typical program reads a recipe with recipe.ParseFile("deploy.xml"), lists the
// input properties it declares (Recipe.Inputs), checks the operator's values against
// their types (token.Type.Validate), and realizes a configuration template with
// token.NewReader(template, values) — each step returning errors that say what is
// wrong and where, and none of them writing anything. The example deployer under
// examples/deployer wires the same steps to a command line.
package bundlekit
