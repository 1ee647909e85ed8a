// Package bundlekit is a Go SDK for bundle provisioning: it takes a bundle — a
// versioned set of files and archives plus a deploy.xml recipe — and a destination
// directory, and makes the destination match the bundle the way RHQ / JBoss
// Operations Network's Ant-bundle deployer did: @@token@@ templates are filled with
// per-target values, files edited by hand are kept or backed up, logs and data the
// recipe ignores are preserved, and any deployment can be reverted or purged.
//
// This root package holds no code. A typical program opens a bundle, plans the
// deployment and applies the plan:
//
//	b, err := bundle.Open("app-1.0.zip") // or a directory, or bundle.OpenFS
//	if err != nil {
//		return err // a recipe error names deploy.xml:line:col and the rule
//	}
//	defer b.Close()
//	plan, err := bundle.PlanDeploy(ctx, b, bundle.Options{
//		Dest:       "/opt/app",
//		ID:         1,
//		Properties: map[string]string{"listener.port": "8080"},
//	})
//	if err != nil {
//		return err // planning wrote nothing
//	}
//	defer plan.Close()
//	// A dry run stops here: plan.Entries says what happens to every path, and why.
//	res, err := bundle.Apply(ctx, plan)
//	if err != nil {
//		return err // the destination is as it was, or recoverable
//	}
//	fmt.Println(res.Differences.Added, res.Differences.BackedUp)
//
// bundle.Deploy, Revert, Purge and Adopt plan and apply in one call; Status
// reports what is deployed and what drifted. The example deployer under
// examples/deployer wires the same calls to a command line.
//
// The SDK is a handful of small packages that data flows through in one
// direction (parse → plan → apply):
//
//   - [github.com/bundlekit/bundlekit/bundle] opens bundles and runs the deployer:
//     a pure Plan, then Apply as the only writer; Revert, Purge and Status.
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
//
// The behaviour is specified rule by rule in docs/behavior.md; rule numbers
// (R107) in the packages' documentation, in errors and in bundle.Entry.Rule
// refer to it. COMPATIBILITY.md lists where bundlekit departs from RHQ on
// purpose, and why.
package bundlekit
