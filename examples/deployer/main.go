// Command deployer is bundlekit's command-line bundle deployer: what RHQ shipped
// as its "bundle deployer tool" (rhq-ant -Drhq.deploy.dir=… -Dkey=value), done as
// a Go program on top of the bundlekit library. It only wires flags to the
// library; every decision is the library's.
//
// Usage:
//
//	deployer <command> [flags]
//
// Commands: deploy, plan, probe, revert, purge, prune, status, validate,
// adopt, pack, recover, rollout. Run "deployer help <command>" for each
// command's flags and examples.
//
// Exit codes (each says one outcome of the operation: see bundle.Outcome):
//
//	0  success (outcome completed)
//	1  the operation failed and nothing was changed: it did not start, or its
//	   partial changes were undone (outcome not-started or rolled-back); the
//	   error says what and where. Also: an installation condition (the
//	   recipe's bk:requires-*, --require-*, free space) does not hold, and
//	   nothing was changed (outcome refused)
//	2  usage error or invalid input (bad flags, recipe errors, missing or
//	   invalid property values); nothing was changed
//	3  the destination is locked by another deployer; nothing was changed
//	4  deferred: the operation is outside its time window, address range or
//	   dates (--window, --ip-range, --not-before, --not-after); nothing was
//	   changed: run it again later (outcome deferred)
//	5  the new deployment is in place, but a step after it failed (a
//	   handover, the system service, the postinstall target: outcome
//	   completed)
//	6  the destination needs recovery: undoing the failed operation failed
//	   too, and the destination holds its journal; run
//	   "deployer recover --dest D" (outcome needs-recovery)
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"

	"github.com/bundlekit/bundlekit/internal/gclimit"
	"github.com/bundlekit/bundlekit/internal/hugeheap"
)

// Exit codes, part of the command's contract.
const (
	exitOK       = 0
	exitFailed   = 1
	exitUsage    = 2
	exitLocked   = 3
	exitDeferred = 4
	exitDeployed = 5
	exitRecover  = 6
)

// memoryLimit is the soft heap limit the deployer runs under unless
// GOMEMLIMIT says otherwise. Its live heap stays near 25 MiB on a 10,000-file
// bundle; with the default GOGC the heap may grow to twice that before a
// collection, which took peak RSS to 62 MiB. Under this limit the collector
// runs earlier instead, for no measurable CPU (5.7 s against 5.9 s of user
// time for that deployment), and peak RSS stays near 46 MiB.
const memoryLimit = 40 << 20

// limitRatio is how far above a live heap that outgrows memoryLimit the
// limit follows it (package gclimit). A fixed limit made the collector run
// back to back once the live heap neared it: 40,000 files (a 106 MB live
// heap) collected 120 to 172 times, for 3.3 to 4 times the user CPU.
// Following it at 1.5 collects every time the heap grows by half its live
// part. A bundle whose live heap stays under 27 MiB keeps the fixed limit;
// 10,000 files pass it only briefly, if at all (peak RSS 46 MiB, once 53).
const limitRatio = 1.5

// gcPercent is the collector's GOGC unless GOGC says otherwise. With the
// heap bounded by memoryLimit, a collection at every doubling of a small
// live heap is work a command that ends in a fraction of a second never
// needs: a first deployment of the 1,468 files of golang.org/x/tools
// collected five times, and now once (the one heapReserve forces). In 30
// rotated rounds it took 143.8 ms against 151.5, and 209 ms of CPU against
// 216; the 10,000-file deployment, whose heap the limit bounds, keeps its
// peak RSS (46 MiB).
const gcPercent = 400

// heapReserve is how much heap a command.bigHeap asks, before it starts, to
// be backed by huge pages (see package hugeheap). Page faults were the
// largest cost left that no file needs: a first deployment of the 1,468 files
// of golang.org/x/tools took 2,600 of them, 2,000 in the heap, and a no-op
// over 10,000 files took 9,200, at 11 µs each on this project's virtual
// machine. With 32 MiB reserved they take about 1,100 and 1,500 (16 MiB left
// the larger heap half covered), and peak RSS grows by at most 3 MiB. The
// reservation costs a collection at start: 3 ms of a command that does little
// (status: 15.1 against 11.2 ms).
const heapReserve = 32 << 20

func main() {
	if _, set := os.LookupEnv("GOMEMLIMIT"); !set {
		gclimit.Follow(memoryLimit, limitRatio)
	}
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(gcPercent)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// command is one subcommand.
type command struct {
	name     string
	summary  string
	usage    string // the synopsis after "deployer <name>"
	details  string // what the command does, past its summary
	examples string
	exits    string // the command's exit codes, when they are not the operations' own
	// flags registers the command's flags on o (a scratch options when nil).
	flags func(o *options) flagSet
	// plans is set for the commands that plan and apply (their help explains
	// the plan's lines).
	plans bool
	// writes is set for the commands that change a destination: their result
	// says the outcome.
	writes bool
	// bigHeap is set for the commands whose heap grows with a bundle's
	// files: they reserve it in huge pages first (heapReserve). The others
	// would pay a collection at start for nothing.
	bigHeap bool
	run     func(ctx context.Context, c *cli, args []string) error
	// finish, when set, reports the run's result and returns the exit code
	// instead of cli.finish (rollout's result is one of many operations).
	finish func(c *cli, err error) int
}

var commands []*command

func init() {
	commands = []*command{deployCmd, planCmd, probeCmd, revertCmd, purgeCmd, pruneCmd, statusCmd, validateCmd, adoptCmd, packCmd, recoverCmd, rolloutCmd}
}

func findCommand(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

// run executes the command line and returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			if c := findCommand(args[1]); c != nil {
				commandUsage(stdout, c)
				return exitOK
			}
		}
		usage(stdout)
		return exitOK
	}
	cmd := findCommand(args[0])
	if cmd == nil {
		fmt.Fprintf(stderr, "deployer: unknown command %q\n\n", args[0])
		usage(stderr)
		return exitUsage
	}
	if cmd.bigHeap {
		hugeheap.Reserve(heapReserve)
	}
	c := &cli{stdout: stdout, stderr: stderr, cmd: cmd}
	err := cmd.run(ctx, c, args[1:])
	if cmd.finish != nil {
		return cmd.finish(c, err)
	}
	return c.finish(err)
}

func usage(w io.Writer) {
	fmt.Fprint(w, `deployer deploys bundles: a deploy.xml recipe plus its files, made to match a
destination directory the way RHQ / JBoss ON did, with local edits kept or backed
up, ignored logs and data preserved, and revert and purge available.

Usage:
  deployer <command> [flags]

Commands:
`)
	for _, c := range commands {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
Run "deployer help <command>" (or "deployer <command> -h") for a command's flags
and examples.

Exit codes:
  0  success: completed
  1  the operation failed and nothing was changed: it did not start, or its
     partial changes were undone (rolled back); the error says what and where;
     or it was refused: an installation condition does not hold (each one that
     does not is listed)
  2  usage error or invalid input (bad flags, recipe errors, missing or invalid
     property values); nothing was changed
  3  the destination is locked by another deployer; nothing was changed
  4  deferred: outside the time window, address range or dates the operation
     may run in; nothing was changed: run it again later
  5  completed, but a step after the new deployment was in place failed (a
     handover, the system service, the postinstall target)
  6  needs recovery: undoing the failed operation failed too; the destination
     holds its journal: run "deployer recover --dest D"
Each is the outcome of the operation; with --json, the result object's
"outcome" says it too: "completed", "not-started", "rolled-back",
"needs-recovery", "deferred" (exit 4) or "refused" (an installation condition
does not hold: exit 1).
`)
}

// planHelp explains the lines of a plan and the JSON vocabulary shared by plan
// entries and file events.
const planHelp = `
The plan:
  Before anything changes, the command prints one line per path the operation
  changes (+ add, ~ change, - delete, ! backed up first, < restore, > handed
  over, = local edit kept, i ignored). A file whose permission bits change
  says "(mode 0644 -> 0755)", alone on a ~ line when its bytes stay; one whose
  bits the operator changed keeps them, and its line says "(mode 0600 kept,
  the bundle's is 0644)". Past a screenful, the paths of each
  directory are counted on one line ("+ mod38/  250 files"), and kept, backed-up,
  ignored, restored and handed-over paths and errors are still listed one by one;
  --verbose lists every path, and --json always has one entry per path.
  A dry run stops there; it runs no recipe target unless
  --run-preinstall is given. A real run takes the destination's lock, runs the
  recipe's preinstall target, executes exactly the plan, commits, then hands
  items over, installs the system service and runs the postinstall target.

JSON output (--json), one object per line:
  {"type":"entry","path":P,"action":A,"rule":R,"previous":H,"current":H,"new":H,
   "backup":B,"dir":true,"error":E,"mode":{"from":M,"to":M,"bundle":M,"kept":true}}
                                      one per path of the plan, before any change
  {"type":"event","event":"file","path":P,"action":A,"rule":R,"bytes":N,"hash":H,...}
                                      one per entry whose action writes, after it
  {"type":"event","event":"backup"|"phase"|"hook"|"audit"|"command",...}
  {"type":"event","event":"replan","error":E}
                                      another deployer changed the destination
                                      while this one waited for its lock: nothing
                                      was changed, the entries of a new plan follow
  {"type":"result",...}               exactly one, last
  Actions that write (each has exactly one file event in a real run):
    add, change, delete, restore, handover, mode
  Actions that change nothing (entries only): unchanged, keep, ignore, skip, none
  Hashes are MD5 ("?DIRECTORY?" for directories); an entry leaves out a new
  hash the decision did not need (a new file), and its file event gives it.
  Rules are those of docs/behavior.md (e.g. R107).
`

func commandUsage(w io.Writer, c *command) {
	fmt.Fprintf(w, "Usage: deployer %s %s\n\n%s\n", c.name, c.usage, c.summary)
	if c.details != "" {
		fmt.Fprintf(w, "\n%s", c.details)
	}
	fs := c.flags(nil)
	fs.SetOutput(w)
	fmt.Fprintln(w, "\nFlags:")
	fs.PrintDefaults()
	if c.plans {
		fmt.Fprint(w, planHelp)
	}
	if c.examples != "" {
		fmt.Fprintf(w, "\nExamples:\n%s", c.examples)
	}
	if c.exits != "" {
		fmt.Fprintf(w, "\n%s", c.exits)
		return
	}
	fmt.Fprint(w, "\nExit codes: 0 success, 1 failed (or refused) and nothing changed, 2 usage or invalid input, 3 destination locked, "+
		"4 deferred (outside its window, range or dates) and nothing changed, 5 completed but a step after it failed, "+
		"6 needs recovery (deployer recover).\n")
}
