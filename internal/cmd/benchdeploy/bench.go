package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/bundlekit/bundlekit/fileops"
	"github.com/bundlekit/bundlekit/internal/bytesize"
)

// scenario is one operation of a round, measured against one baseline tool.
type scenario struct {
	name     string  // as in -deployer-flags
	op       string  // for the report
	baseline string  // the baseline command, for the report
	goal     float64 // the deployer should take at most goal × the baseline's time
	step     func(e *env) step
	// afterRounds: the scenario runs on every round's trees once all the
	// corpus's rounds are done (see runCorpus), not within its round.
	afterRounds bool
}

// The goals are the performance issue's: initial deploy at most unzip's time,
// a no-op within 1.5× rsync -a, full verification, upgrade and revert within
// 1.5× rsync -a --checksum [--delete], purge at most rm -rf's time.
//
// scenarios run in this order: together they take both destinations of a
// round from nothing through v1, v2 and v1 again back to nothing.
var scenarios = []scenario{
	{name: "initial", op: "initial exploded deploy", baseline: "unzip -q", goal: 1.0, step: func(e *env) step {
		return step{e.deploy("deploy", 1), []string{"unzip", "-q", e.c.zip(1), "-d", e.base}, e.want[1]}
	}},
	{name: "noop", op: "no-op redeploy", baseline: "rsync -a", goal: 1.5, step: func(e *env) step {
		return step{e.deploy("deploy", 1), e.rsync(1, "-a"), e.want[1]}
	}},
	{name: "verify", op: "full verification", baseline: "rsync -a --checksum", goal: 1.5, step: func(e *env) step {
		st := step{baseline: e.rsync(1, "-a", "--checksum"), want: e.want[1]}
		if len(e.flags) > 0 { // else the deployer has no such mode yet: n/a
			st.deployer = e.deploy("deploy", 1)
		}
		return st
	}},
	{name: "upgrade", op: "upgrade v1 → v2", baseline: "rsync -a --checksum --delete", goal: 1.5, step: func(e *env) step {
		return step{e.deploy("deploy", 2), e.rsync(2, "-a", "--checksum", "--delete"), e.want[2]}
	}},
	{name: "revert", op: "revert v2 → v1", baseline: "rsync -a --checksum --delete", goal: 1.5, step: func(e *env) step {
		return step{e.deploy("revert", 1), e.rsync(1, "-a", "--checksum", "--delete"), e.want[1]}
	}},
	{name: "purge", op: "purge", baseline: "rm -rf", goal: 1.0, afterRounds: true, step: func(e *env) step {
		return step{e.deployer("purge", "--dest", e.dep, "--quiet"), []string{"rm", "-rf", e.base}, nil}
	}},
}

// step is one scenario's pair of commands on one corpus.
type step struct {
	deployer []string // nil when the deployer cannot do the scenario
	baseline []string
	want     tree // nil: the destination must be gone
}

// env is what a scenario's commands are made of.
type env struct {
	bin       string   // the deployer
	flags     []string // the scenario's extra deployer flags
	c         *corpus
	src       [3]string // the source trees of v1 and v2 (index = version)
	want      [3]tree
	dep, base string // the deployer's and the baselines' destinations
}

func (e *env) deployer(args ...string) []string {
	return append(append([]string{e.bin}, args...), e.flags...)
}

func (e *env) deploy(cmd string, version int) []string {
	return e.deployer(cmd, "--bundle", e.c.bundle(version), "--dest", e.dep, "--quiet")
}

func (e *env) rsync(version int, flags ...string) []string {
	return append(append([]string{"rsync"}, flags...), e.src[version]+"/", e.base+"/")
}

func findScenario(name string) *scenario {
	for i := range scenarios {
		if scenarios[i].name == name {
			return &scenarios[i]
		}
	}
	return nil
}

func scenarioNames() []string {
	names := make([]string, len(scenarios))
	for i, s := range scenarios {
		names[i] = s.name
	}
	return names
}

// verifyFlags are the deployer flags, in order of preference, that would ask
// for a full verification; the first one deploy --help lists is used.
var verifyFlags = []string{"verify", "checksum"}

// baselineTools are the programs the baselines run.
var baselineTools = []string{"unzip", "rsync", "rm"}

// checkTools fails, naming bench/setup.sh, when a baseline tool is missing.
func checkTools() error {
	var missing []string
	for _, tool := range baselineTools {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s not found in PATH: run bench/setup.sh (it installs rsync and unzip with apt-get)", strings.Join(missing, " and "))
	}
	return nil
}

// bench is one run of the benchmark.
type bench struct {
	cfg      config
	work     string
	progress io.Writer
	deployer string // the binary
	results  []*corpusResult
}

// corpusResult is what the rounds measured on one corpus.
type corpusResult struct {
	corpus  *corpus
	v1, v2  tree
	zipSize int64 // of v1
	results []*result
}

// result is one scenario's measurements on one corpus, one per round.
type result struct {
	scenario *scenario
	na       bool // the deployer has no flag for the scenario
	deployer []time.Duration
	baseline []time.Duration
	ratios   []float64
	peakRSS  int64 // bytes, the largest of the deployer's runs; 0 when unknown
}

func (b *bench) run(ctx context.Context, stdout io.Writer) error {
	loadBefore := loadAverage()
	if err := b.setUpDeployer(ctx); err != nil {
		return err
	}
	for _, name := range b.cfg.corpora {
		c, err := loadCorpus(ctx, name, b.cfg.cacheDir, b.cfg.scale, b.progress)
		if err != nil {
			return err
		}
		cr, err := b.runCorpus(ctx, c)
		if err != nil {
			return err
		}
		b.results = append(b.results, cr)
	}
	return b.report(stdout, loadBefore, loadAverage())
}

// setUpDeployer builds the deployer (static, CGO_ENABLED=0) unless -deployer
// names one, and settles the verify scenario's flags.
func (b *bench) setUpDeployer(ctx context.Context) error {
	b.deployer = b.cfg.deployer
	if b.deployer == "" {
		b.deployer = filepath.Join(b.work, "bin", "deployer")
		fmt.Fprintf(b.progress, "building %s\n", b.deployer)
		cmd := exec.CommandContext(ctx, "go", "build", "-o", b.deployer, "github.com/bundlekit/bundlekit/examples/deployer")
		// Built as the README says to install it: static.
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go build of the deployer (run from the bundlekit repository, or pass -deployer): %w\n%s", err, out)
		}
	} else if abs, err := filepath.Abs(b.deployer); err == nil {
		b.deployer = abs
	}
	if len(b.cfg.deployerFlags["verify"]) > 0 {
		return nil
	}
	help, err := exec.CommandContext(ctx, b.deployer, "deploy", "--help").CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s deploy --help: %w\n%s", b.deployer, err, help)
	}
	if flag := detectVerifyFlag(help); flag != "" {
		b.cfg.deployerFlags["verify"] = []string{flag}
	}
	return nil
}

// detectVerifyFlag returns the first of verifyFlags that the deploy command's
// help lists, as an argument ("--verify"), or "" when it lists none.
func detectVerifyFlag(help []byte) string {
	for _, name := range verifyFlags {
		if regexp.MustCompile(`(?m)^\s+--?` + regexp.QuoteMeta(name) + `(\s|$)`).Match(help) {
			return "--" + name
		}
	}
	return ""
}

// runCorpus runs the rounds on c: the deployer on one destination, the
// baselines on another, alternating, every resulting tree checked. Each
// round has destinations of its own, and the scenarios that delete a whole
// tree (purge) run on every round's trees once all rounds are done: ext4
// without a journal, which this benchmark's machine has, scans past every
// inode freed in the last one to six minutes on each inode it allocates
// (recently_deleted in fs/ext4/ialloc.c), so a first deployment right after
// a purge cost either tool 100–500 ms more, most of it whichever ran first,
// and the row measured the order rather than the tools.
func (b *bench) runCorpus(ctx context.Context, c *corpus) (*corpusResult, error) {
	dir := filepath.Join(b.work, c.name)
	if err := os.RemoveAll(dir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if !b.cfg.keep {
		defer os.RemoveAll(dir)
	}
	src := [3]string{"", filepath.Join(dir, "src-v1"), filepath.Join(dir, "src-v2")}
	var want [3]tree
	for v := 1; v <= 2; v++ {
		t, err := extract(c.zip(v), src[v])
		if err != nil {
			return nil, fmt.Errorf("unpacking the %s corpus: %w", c.name, err)
		}
		want[v] = t
	}
	rounds, flag := b.rounds(c.name)
	if err := checkSpace(dir, want, rounds, flag); err != nil {
		return nil, fmt.Errorf("%s corpus: %w", c.name, err)
	}
	fi, err := os.Stat(c.zip(1))
	if err != nil {
		return nil, err
	}
	cr := &corpusResult{corpus: c, v1: want[1], v2: want[2], zipSize: fi.Size()}
	for i := range scenarios {
		cr.results = append(cr.results, &result{scenario: &scenarios[i]})
	}
	// at is the environment of a round: its own pair of destinations.
	at := func(round int) *env {
		return &env{bin: b.deployer, c: c, src: src, want: want,
			dep:  filepath.Join(dir, fmt.Sprintf("deployer-%d", round+1)),
			base: filepath.Join(dir, fmt.Sprintf("baseline-%d", round+1))}
	}
	for round := range rounds {
		var line strings.Builder
		fmt.Fprintf(&line, "%s round %d/%d:", c.name, round+1, rounds)
		for i := range scenarios {
			if !scenarios[i].afterRounds {
				if err := b.measure(ctx, at(round), i, round, cr.results[i], &line); err != nil {
					return nil, err
				}
			}
		}
		fmt.Fprintln(b.progress, line.String())
	}
	for i := range scenarios {
		if !scenarios[i].afterRounds {
			continue
		}
		var line strings.Builder
		fmt.Fprintf(&line, "%s, every round's trees:", c.name)
		for round := range rounds {
			if err := b.measure(ctx, at(round), i, round, cr.results[i], &line); err != nil {
				return nil, err
			}
		}
		fmt.Fprintln(b.progress, line.String())
	}
	return cr, nil
}

// rounds returns how many rounds the corpus name runs, and the flag that
// says so.
func (b *bench) rounds(name string) (n int, flag string) {
	if name == "real" {
		return b.cfg.realRounds, "-real-rounds"
	}
	return b.cfg.rounds, "-rounds"
}

// measure runs scenario i of round on e's destinations, the deployer first
// in even rounds and the baseline first in odd ones, checks both trees,
// adds the times to res and a note of them to line.
func (b *bench) measure(ctx context.Context, e *env, i, round int, res *result, line *strings.Builder) error {
	s := &scenarios[i]
	e.flags = b.cfg.deployerFlags[s.name]
	st := s.step(e)
	var dm, bm measurement
	runDeployer := func() (err error) {
		if st.deployer != nil {
			settle()
			if dm, err = runTimed(ctx, st.deployer); err == nil {
				err = checkResult(e.dep, st.want, st.deployer)
			}
		}
		return err
	}
	runBaseline := func() (err error) {
		settle()
		if bm, err = runTimed(ctx, st.baseline); err == nil {
			err = checkResult(e.base, st.want, st.baseline)
		}
		return err
	}
	first, second := runDeployer, runBaseline
	if round%2 == 1 {
		first, second = second, first
	}
	if err := first(); err != nil {
		return err
	}
	if err := second(); err != nil {
		return err
	}
	res.baseline = append(res.baseline, bm.wall)
	if st.deployer == nil {
		res.na = true
		fmt.Fprintf(line, " %s n/a/%s", s.name, formatDuration(bm.wall))
		return nil
	}
	ratio := float64(dm.wall) / float64(bm.wall)
	res.deployer = append(res.deployer, dm.wall)
	res.ratios = append(res.ratios, ratio)
	res.peakRSS = max(res.peakRSS, dm.maxRSS)
	fmt.Fprintf(line, " %s %s/%s=%.2f", s.name, formatDuration(dm.wall), formatDuration(bm.wall), ratio)
	return nil
}

// checkSpace fails, before the first round, when dir's file system cannot
// hold what the rounds keep: two trees (deployer and baseline) per round,
// each of them v1 or v2 at its largest, and a tenth more for the deployer's
// metadata and what the file system needs around it. flag is the flag that
// sets the rounds, for the message.
func checkSpace(dir string, want [3]tree, rounds int, flag string) error {
	free, err := fileops.FreeSpace(dir)
	if errors.Is(err, errors.ErrUnsupported) {
		return nil // the rounds will say so if the disk fills
	}
	if err != nil {
		return err
	}
	_, v1 := want[1].stats()
	_, v2 := want[2].stats()
	need := uint64(float64(2*rounds) * float64(max(v1, v2)) * 1.1)
	if need > free {
		return fmt.Errorf("the %d rounds keep %s of trees until their purge, and %s has %s free: pass fewer %s, a smaller -scale, or a -work directory on a larger file system",
			rounds, bytesize.Format(int64(need)), dir, bytesize.Format(int64(free)), flag)
	}
	return nil
}

// checkResult checks the destination dir that argv left: the tree want, or
// nothing at all when want is nil.
func checkResult(dir string, want tree, argv []string) error {
	after := strings.Join(argv, " ")
	if want == nil {
		entries, err := os.ReadDir(dir)
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("checking %s after %s: %w", dir, after, err)
		}
		if len(entries) > 0 {
			return fmt.Errorf("%s still holds %d entries (%s, …) after %s", dir, len(entries), entries[0].Name(), after)
		}
		return nil
	}
	return checkTree(dir, want, after)
}
