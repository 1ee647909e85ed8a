// Package rollout rolls one bundle out to many destinations: what RHQ does
// when it deploys a bundle to a group of resources, with the policies of the
// job containers of OCO (priority, sequence mode, per-job status, total and
// effective runtime), of JP1 (groups of destinations, suspend and restart)
// and of JS7 (one deployment descriptor for many targets, run in parallel,
// and a fallback to the previous release across all of them).
//
// # The deployment descriptor
//
// A descriptor is a JSON file; descriptor.schema.json in this directory
// (returned by Schema) is its JSON Schema, draft 2020-12, for editors:
//
//	{
//	  "bundle": "musicapp-1.0.zip",
//	  "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
//	  "parallelism": 2,
//	  "sequence": "abort",
//	  "defaults": {"properties": {"listener.port": 8080}, "window": "FRI 22:00-23:59"},
//	  "targets": [
//	    {"name": "canary", "dest": "/srv/canary/musicapp", "priority": 10, "groups": ["eu"]},
//	    {"name": "web1", "dest": {"base": "/opt/jboss/server/default", "deploy_dir": "deploy/musicapp"},
//	     "groups": ["eu", "web"], "properties": {"listener.port": 8081}},
//	    {"name": "web2", "dest": "web2/musicapp", "groups": ["us", "web"]}
//	  ]
//	}
//
// The bundle is a directory or a .zip (relative paths are the descriptor's
// directory's) or an http, https or file URL; sha256, when given, must match
// the .zip before anything in it is read. Each target has a unique name, a
// destination — a directory, or RHQ's base location and deploy dir, resolved
// with package destination — property values over the defaults', the groups
// it belongs to (any number) and a priority. The constraints of issue 12 —
// window, ip_range, not_before, not_after, time_zone and the installation
// conditions of requires, with the deployer's own syntax — may be given in
// the defaults and per target (see Constraints and Requires): a target
// outside its window or dates is deferred, one whose host does not meet a
// condition fails.
//
// Load and Parse check everything before anything runs, and report every
// mistake at once, each a *ValidationError naming its JSON path
// (targets[3].dest) and its line and column: unknown and repeated fields,
// values of the wrong type, missing bundle, targets, names and
// destinations, names given twice, two targets with one destination or
// with one destination inside the other (a deployment manages its whole
// directory), a destination that holds the descriptor, a sha256 that is not
// 64 hex digits, a sequence that is not abort or continue, a parallelism
// below 1, a priority that is not a 32-bit whole number, empty or repeated
// groups, window and range lists, dates, time zones and conditions that do
// not parse (a mistake inside a window list is pointed at, character by
// character), dates out of order, check settings without a check.
//
// # Running a rollout
//
// Run opens the bundle once, then runs each selected target through the
// engine exactly as deployer deploy does (bundle.PlanDeploy under the
// destination's lock, then bundle.Apply); OpRevert and OpPurge run
// deployer revert's and purge's operation on every target instead (JS7's
// fallback to a previous release: the descriptor names the bundle to go
// back to). Targets start in priority order, one priority after the other,
// at most Parallelism at once; see Run for the sequence modes, unchanged
// targets and resuming.
//
// Each target ends in one Outcome. The engine's outcomes map to them so:
//
//	completed                          succeeded (failed when a step after the commit failed)
//	plan changes nothing, same version unchanged (not applied)
//	deferred (issue 12)                deferred
//	refused (issue 12)                 failed, with the refusal's message
//	rolled-back, needs-recovery        failed
//	not-started: invalid input         failed
//	not-started: locked, unreadable or
//	  unwritable destination, needing
//	  recovery before planning          error
//	bundle not opened or downloaded    error (every target)
//	cancelled (ctx) and undone         aborted, interrupted
//
// and a target that never started is aborted: after a failure in mode
// abort, or because the rollout was stopped (Options.Stop: Ctrl-C in the
// deployer). The state file records every outcome; a rerun runs the
// aborted targets, so "recorded as not started" is an aborted target with
// Interrupted set.
//
// # The state file
//
// With Options.StateFile (the deployer uses StateFile(descriptor):
// <descriptor>.state.json), Run records, after each target, how it ended,
// keyed by the target's name and a digest of its destination and property
// values, under the rollout's operation and the bundle's identity (the
// SHA-256 of the .zip, or a digest of every file name and content of a
// bundle directory). A rollout of another bundle or operation starts afresh.
// Two runs of one descriptor at the same time are not supported: the
// destinations' locks keep the deployments apart, but the state file would
// keep only one run's outcomes.
package rollout
