// Command benchdeploy is bundlekit's end-to-end benchmark: it runs the example
// deployer as a user would (deployer deploy|revert|purge --quiet) against the
// tools an operator would otherwise use, and prints a Markdown report of the
// ratios. go test -bench stays for the micro level; this is the whole program
// on real trees.
//
// Usage (from the repository):
//
//	bench/setup.sh                     # installs rsync and unzip when missing
//	go run ./internal/cmd/benchdeploy  # full scale, 24 rounds of the real corpus, 6 of the others
//	go run ./internal/cmd/benchdeploy -scale 0.01 -rounds 1 -real-rounds 1   # a quick look
//
// # Corpora
//
// Each corpus is two bundles, v1 and v2: a directory holding a deploy.xml
// (compliance full) and one zip deployed exploded. They are built
// deterministically and cached under -cache:
//
//   - real: golang.org/x/tools v0.28.0 and v0.29.0, fetched with
//     go mod download and repacked without their module prefix (1,468 files;
//     v2 changes 66, adds 6 and removes 4);
//   - synthetic: 10,000 files, about 500 MiB, in nested directories, content
//     pseudo-random and partly compressible from a fixed seed; v2 changes 1 %
//     of the files, keeping their sizes and modification times;
//   - large: one 1 GiB file and a few small files; v2 changes only small files,
//     keeping their sizes.
//
// -scale multiplies the synthetic and large corpora's file counts and sizes
// (the real corpus is what it is); a test runs the whole command at a tiny
// scale. The zips hold the same fixed modification time for every entry and
// explicit directory entries, so the trees unzip and rsync produce are
// identical to the source trees and a second rsync -a has nothing to do.
//
// # Rounds
//
// Every round takes each corpus through its life: initial deploy, no-op
// redeploy, full verification, upgrade to v2, revert to v1; once every round
// is done, each round's trees are purged. The deployer works on one
// destination, the baseline tool on another that goes through the same
// states (unzip -q into an empty directory, rsync -a, rsync -a --checksum,
// rsync -a --checksum --delete twice, rm -rf), and the two alternate within
// the round (who goes first alternates between rounds), so both see the same
// page cache and the same load on a shared machine. Before each timed
// command the page cache is written back (sync, not timed), so that no
// command pays for the writes the one before it left, and both tools find
// their destination on disk: the deployer makes its writes durable before it
// returns, unzip and rsync do not. A round's ratio is deployer time over
// baseline time, wall clock of the child process.
//
// The real corpus runs -real-rounds rounds (24), the others -rounds (6). A
// row's ratio is a median over pairs of rounds, and with three pairs one
// busy moment of a shared machine could move it by 15 %; a round of the real
// corpus takes seconds where the others take minutes (and 2 GiB of disk for
// the large one), so it gets twelve pairs.
//
// Each round has destinations of its own, kept until the purges, so the
// corpus needs twice its size per round of free space (checked before the
// first round). The purges come last because of ext4 without a journal: it
// scans past every inode freed in the last one to six minutes for each inode
// it allocates, so a first deployment made right after a purge was mostly
// inode allocation, and cost whichever tool ran first 100–500 ms more (in
// four runs, rounds of the real corpus with the deployer first 0.60–2.20×,
// with unzip first 0.52–1.23×). Both tools still alternate, and the report
// takes the geometric mean of each pair of rounds (one with each order) and
// gives the median of those, and the deployer's peak RSS (the child's
// rusage). After every run, of either tool, the destination (without
// .rhqdeployments) is compared with the expected tree by content hash and
// mode bits; a difference stops the benchmark with an error.
//
// The verification scenario needs a deployer flag that re-reads every file
// instead of trusting what stat says. Until deployer deploy --help lists one
// (--verify or --checksum), its deployer column is "n/a"; -deployer-flags
// verify=ARGS names it explicitly, and -deployer-flags OP=ARGS adds flags to
// any scenario's deployer command.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
)

func main() {
	if os.Getenv(measureEnv) == "1" {
		os.Exit(measureChild(os.Args[1:]))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "benchdeploy:", err)
		}
		os.Exit(1)
	}
}

// config is the command line.
type config struct {
	cacheDir      string
	workDir       string
	deployer      string
	rounds        int
	realRounds    int // rounds of the real corpus
	scale         float64
	corpora       []string
	deployerFlags map[string][]string // scenario name → extra deployer arguments
	keep          bool
}

// corpusNames are the corpora in the order they run.
var corpusNames = []string{"real", "synthetic", "large"}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	cfg := config{deployerFlags: map[string][]string{}}
	fs := flag.NewFlagSet("benchdeploy", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.cacheDir, "cache", defaultCacheDir(), "directory that caches the corpora between runs")
	fs.StringVar(&cfg.workDir, "work", "", "directory for the source and destination trees (default: a new temporary directory, removed at the end)")
	fs.StringVar(&cfg.deployer, "deployer", "", "the deployer binary to measure (default: go build ./examples/deployer into the work directory)")
	fs.IntVar(&cfg.rounds, "rounds", 6, "rounds of the synthetic and large corpora, best even (each tool goes first in half of them); the report gives a median over pairs of rounds")
	fs.IntVar(&cfg.realRounds, "real-rounds", 24, "rounds of the real corpus, which takes a few seconds a round where the others take minutes")
	fs.Float64Var(&cfg.scale, "scale", 1, "size factor of the synthetic and large corpora (file counts and bytes)")
	corpora := fs.String("corpora", strings.Join(corpusNames, ","), "comma-separated corpora to run: real, synthetic, large")
	fs.BoolVar(&cfg.keep, "keep", false, "keep the source and destination trees (and a temporary work directory) for inspection")
	fs.Func("deployer-flags", "`OP=ARGS`: extra deployer arguments for scenario OP (initial, noop, verify, upgrade, revert, purge); repeatable", func(s string) error {
		op, argv, ok := strings.Cut(s, "=")
		if !ok || findScenario(op) == nil {
			return fmt.Errorf("want OP=ARGS with OP one of %s, got %q", strings.Join(scenarioNames(), ", "), s)
		}
		cfg.deployerFlags[op] = append(cfg.deployerFlags[op], strings.Fields(argv)...)
		return nil
	})
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: go run ./internal/cmd/benchdeploy [flags]\n\n"+
			"Benchmarks the example deployer against unzip, rsync and rm -rf on real\n"+
			"trees and prints a Markdown report. Run bench/setup.sh first to install\n"+
			"rsync and unzip.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	if cfg.rounds < 1 {
		return cfg, fmt.Errorf("-rounds %d: need at least 1", cfg.rounds)
	}
	if cfg.realRounds < 1 {
		return cfg, fmt.Errorf("-real-rounds %d: need at least 1", cfg.realRounds)
	}
	if cfg.scale <= 0 || cfg.scale > 1 {
		return cfg, fmt.Errorf("-scale %g: want a factor in (0, 1]", cfg.scale)
	}
	for _, name := range strings.Split(*corpora, ",") {
		name = strings.TrimSpace(name)
		if !slices.Contains(corpusNames, name) {
			return cfg, fmt.Errorf("-corpora: unknown corpus %q (want %s)", name, strings.Join(corpusNames, ", "))
		}
		if !slices.Contains(cfg.corpora, name) {
			cfg.corpora = append(cfg.corpora, name)
		}
	}
	if cfg.cacheDir == "" {
		return cfg, errors.New("-cache: no user cache directory; name one")
	}
	return cfg, nil
}

func defaultCacheDir() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "bundlekit-bench")
}

// run executes the benchmark: the report goes to stdout, progress to stderr.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	if err := checkTools(); err != nil {
		return err
	}
	work := cfg.workDir
	if work == "" {
		if work, err = os.MkdirTemp("", "benchdeploy-"); err != nil {
			return err
		}
		if !cfg.keep {
			defer func() {
				if rerr := os.RemoveAll(work); rerr != nil && err == nil {
					err = rerr
				}
			}()
		}
	} else if err := os.MkdirAll(work, 0o755); err != nil {
		return err
	}
	if work, err = filepath.Abs(work); err != nil {
		return err
	}
	b := &bench{cfg: cfg, work: work, progress: stderr}
	return b.run(ctx, stdout)
}
