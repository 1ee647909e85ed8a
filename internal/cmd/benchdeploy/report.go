package main

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bundlekit/bundlekit/internal/bytesize"
)

// roundCounts says how many rounds each corpus ran: "24 round(s) (real), 6
// round(s) (synthetic, large)".
func (b *bench) roundCounts() string {
	var parts []string
	var names []string
	for i, name := range b.cfg.corpora {
		names = append(names, name)
		n, _ := b.rounds(name)
		if i+1 < len(b.cfg.corpora) {
			if next, _ := b.rounds(b.cfg.corpora[i+1]); next == n {
				continue
			}
		}
		parts = append(parts, fmt.Sprintf("%d round(s) (%s)", n, strings.Join(names, ", ")))
		names = nil
	}
	return strings.Join(parts, ", ")
}

// report writes the Markdown report: machine, corpora, results.
func (b *bench) report(w io.Writer, loadBefore, loadAfter string) error {
	var r strings.Builder
	fmt.Fprintf(&r, "benchdeploy, %s: %s, scale %g", time.Now().UTC().Format("2006-01-02 15:04 MST"), b.roundCounts(), b.cfg.scale)
	if b.cfg.deployer == "" {
		if rev := gitRevision(); rev != "" {
			fmt.Fprintf(&r, ", bundlekit %s", rev)
		}
	}
	r.WriteString(".\n\n")
	fmt.Fprintf(&r, "- machine: %d CPUs (%s), %s RAM, kernel %s, %s %s/%s\n",
		runtime.NumCPU(), cpuModel(), memTotal(), readTrimmed("/proc/sys/kernel/osrelease"), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(&r, "- tools: %s, %s\n", toolVersion("rsync", "--version"), toolVersion("unzip", "-v"))
	fmt.Fprintf(&r, "- load average (1, 5, 15 min): %s before, %s after\n", loadBefore, loadAfter)

	r.WriteString("\n| corpus | content | files | bytes | zip | v1 → v2 |\n|---|---|--:|--:|--:|---|\n")
	for _, cr := range b.results {
		files, size := cr.v1.stats()
		fmt.Fprintf(&r, "| %s | %s | %s | %s | %s | %s |\n", cr.corpus.name, cr.corpus.desc,
			formatCount(files), bytesize.Format(size), bytesize.Format(cr.zipSize), delta(cr.v1, cr.v2))
	}

	r.WriteString("\n| operation | corpus | deployer median | baseline median | ratio | rounds | goal | pass/fail | deployer peak RSS |\n" +
		"|---|---|--:|--:|--:|--:|--:|---|--:|\n")
	for i := range scenarios {
		for _, cr := range b.results {
			res := cr.results[i]
			s := res.scenario
			dep, ratio, spread, verdict, rss := "n/a", "n/a", "n/a", "n/a", "n/a"
			if !res.na {
				dep = formatDuration(medianDuration(res.deployer))
				m := pairedRatio(res.ratios)
				ratio = fmt.Sprintf("%.2f×", m)
				spread = fmt.Sprintf("%.2f–%.2f", slices.Min(res.ratios), slices.Max(res.ratios))
				verdict = "pass"
				if m > s.goal {
					verdict = "**fail**"
				}
				if res.peakRSS > 0 {
					rss = bytesize.Format(res.peakRSS)
				}
			}
			fmt.Fprintf(&r, "| %s vs `%s` | %s | %s | %s | %s | %s | ≤ %g× | %s | %s |\n",
				s.op, s.baseline, cr.corpus.name, dep, formatDuration(medianDuration(res.baseline)), ratio, spread, s.goal, verdict, rss)
		}
	}
	r.WriteString("\nratio: deployer time / baseline time in the same round, for each pair of rounds (the deployer first in one, " +
		"the baseline in the other) the geometric mean of the two, and the median of those (a last odd round counts alone), " +
		"so it need not equal the quotient of the two medians; rounds: the lowest and highest per-round ratio. Times are wall clock of the child process; " +
		"every command starts with the page cache written back (sync, not timed). The deployer's times include " +
		"making its result durable; the baselines' do not.\n")
	_, err := io.WriteString(w, r.String())
	return err
}

// delta counts the files v2 changes, adds and removes.
func delta(v1, v2 tree) string {
	var changed, added, removed int
	for name, n2 := range v2 {
		if n2.mode.IsDir() {
			continue
		}
		if n1, ok := v1[name]; !ok {
			added++
		} else if n1 != n2 {
			changed++
		}
	}
	for name, n1 := range v1 {
		if _, ok := v2[name]; !ok && !n1.mode.IsDir() {
			removed++
		}
	}
	return fmt.Sprintf("%d changed, %d added, %d removed", changed, added, removed)
}

// pairedRatio summarizes the per-round ratios of a scenario, in round order:
// the order of the two tools can change a ratio by 2× (a first deployment
// right after both trees were deleted: the kernel skips recently freed
// inodes), and who goes first alternates, so each pair of rounds is one
// measurement, the geometric mean of its two ratios; the result is the
// median of those, with a last odd round alone.
func pairedRatio(ratios []float64) float64 {
	var pairs []float64
	for i := 0; i < len(ratios); i += 2 {
		if i+1 < len(ratios) {
			pairs = append(pairs, math.Sqrt(ratios[i]*ratios[i+1]))
		} else {
			pairs = append(pairs, ratios[i])
		}
	}
	return median(pairs)
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if n := len(s); n%2 == 1 {
		return s[n/2]
	} else {
		return (s[n/2-1] + s[n/2]) / 2
	}
}

func medianDuration(ds []time.Duration) time.Duration {
	xs := make([]float64, len(ds))
	for i, d := range ds {
		xs[i] = float64(d)
	}
	return time.Duration(median(xs))
}

func formatDuration(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return fmt.Sprintf("%d µs", d.Microseconds())
	case d < 100*time.Millisecond:
		return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
	case d < time.Second:
		return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond))
	default:
		return fmt.Sprintf("%.2f s", d.Seconds())
	}
}

// formatCount writes n with thousands separators.
func formatCount(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// loadAverage is /proc/loadavg's three averages, or "unknown".
func loadAverage() string {
	f := strings.Fields(readTrimmed("/proc/loadavg"))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

func readTrimmed(name string) string {
	b, err := os.ReadFile(name)
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(b))
}

// procField is the value of the first "key: value" line of a /proc file.
func procField(name, key string) string {
	f, err := os.Open(name)
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

func cpuModel() string {
	return procField("/proc/cpuinfo", "model name")
}

func memTotal() string {
	kb, err := strconv.ParseInt(strings.TrimSuffix(procField("/proc/meminfo", "MemTotal"), " kB"), 10, 64)
	if err != nil {
		return "unknown"
	}
	return bytesize.Format(kb * 1024)
}

// toolVersion is the name and version from the first line a tool prints
// about itself ("rsync  version 3.2.7  protocol version 32" → "rsync 3.2.7").
func toolVersion(tool string, args ...string) string {
	out, _ := exec.Command(tool, args...).Output() // unzip -v exits 0, some builds do not: the text is what counts
	line, _, _ := strings.Cut(string(out), "\n")
	var words []string
	for _, w := range strings.Fields(line) {
		if !strings.EqualFold(w, "version") {
			words = append(words, w)
		}
	}
	if len(words) < 2 {
		return tool + " (version unknown)"
	}
	return words[0] + " " + words[1]
}

// gitRevision describes the checkout the deployer was built from, or "".
func gitRevision() string {
	out, err := exec.Command("git", "describe", "--always", "--dirty").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}
