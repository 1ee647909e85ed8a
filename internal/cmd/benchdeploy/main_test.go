package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/fileops"
)

func TestMain(m *testing.M) {
	if os.Getenv(measureEnv) == "1" { // runTimed runs its commands under the test binary
		os.Exit(measureChild(os.Args[1:]))
	}
	os.Exit(m.Run())
}

func requireTools(t *testing.T) {
	t.Helper()
	for _, tool := range baselineTools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is missing: run bench/setup.sh (installs rsync and unzip) to run the end-to-end benchmark test", tool)
		}
	}
}

// TestRunTiny runs the whole command on tiny synthetic corpora (the real one
// needs the network), so that it keeps working: deployer build, corpora,
// interleaved rounds with every tree checked, report. The verify scenario gets
// a harmless flag so that its deployer side runs too.
func TestRunTiny(t *testing.T) {
	requireTools(t)
	var out, progress bytes.Buffer
	err := run(context.Background(), []string{
		"-scale", "0.0005", "-rounds", "2", "-corpora", "synthetic,large",
		"-cache", t.TempDir(), "-work", t.TempDir(),
		"-deployer-flags", "verify=--quiet",
	}, &out, &progress)
	require.NoError(t, err, progress.String())

	report := out.String()
	for _, s := range scenarios {
		for _, c := range []string{"synthetic", "large"} {
			row := fmt.Sprintf("| %s vs `%s` | %s | ", s.op, s.baseline, c)
			require.Contains(t, report, row)
			require.NotContains(t, report, row+"n/a", "every scenario ran the deployer")
		}
	}
	require.Contains(t, report, "| 5 | ")                            // synthetic files at this scale
	require.Contains(t, report, "| 1 changed, 0 added, 0 removed |") // synthetic v2
	require.Contains(t, report, "| 2 changed, 0 added, 0 removed |") // large v2
	require.Equal(t, 2*len(scenarios), strings.Count(report, "MiB |"), "a peak RSS on every row")
	// Each row's median ratio lies within the range of its rounds' ratios.
	rows := regexp.MustCompile(`\| ([0-9.]+)× \| ([0-9.]+)–([0-9.]+) \| ≤`).FindAllStringSubmatch(report, -1)
	require.Len(t, rows, 2*len(scenarios))
	for _, m := range rows {
		med, _ := strconv.ParseFloat(m[1], 64)
		lo, _ := strconv.ParseFloat(m[2], 64)
		hi, _ := strconv.ParseFloat(m[3], 64)
		require.True(t, lo <= med && med <= hi, "median %s outside its rounds %s–%s", m[1], m[2], m[3])
	}
	require.Equal(t, 4, strings.Count(progress.String(), " round "), "2 corpora × 2 rounds")
	require.Contains(t, report, ": 2 round(s) (synthetic, large), scale 0.0005")
}

// TestRoundCounts: the report's header names each corpus's rounds, the
// real corpus's apart when they differ.
func TestRoundCounts(t *testing.T) {
	tests := []struct {
		corpora            []string
		rounds, realRounds int
		want               string
	}{
		{[]string{"real", "synthetic", "large"}, 6, 24, "24 round(s) (real), 6 round(s) (synthetic, large)"},
		{[]string{"real", "synthetic", "large"}, 4, 4, "4 round(s) (real, synthetic, large)"},
		{[]string{"synthetic", "real", "large"}, 2, 8, "2 round(s) (synthetic), 8 round(s) (real), 2 round(s) (large)"},
		{[]string{"real"}, 6, 1, "1 round(s) (real)"},
	}
	for _, tt := range tests {
		b := &bench{cfg: config{corpora: tt.corpora, rounds: tt.rounds, realRounds: tt.realRounds}}
		require.Equal(t, tt.want, b.roundCounts())
	}
}

func TestParseFlags(t *testing.T) {
	tests := []struct {
		args    []string
		wantErr string
	}{
		{args: []string{"-rounds", "0"}, wantErr: "at least 1"},
		{args: []string{"-real-rounds", "-1"}, wantErr: "-real-rounds -1: need at least 1"},
		{args: []string{"-scale", "2"}, wantErr: "-scale 2"},
		{args: []string{"-corpora", "real,huge"}, wantErr: `unknown corpus "huge"`},
		{args: []string{"-deployer-flags", "verify"}, wantErr: "want OP=ARGS"},
		{args: []string{"-deployer-flags", "copy=--x"}, wantErr: "want OP=ARGS"},
		{args: []string{"extra"}, wantErr: "unexpected arguments"},
		{args: []string{"-corpora", "large, synthetic,large", "-deployer-flags", "verify=--verify --x", "-deployer-flags", "verify=--y"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			cfg, err := parseFlags(tt.args, io.Discard)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, []string{"large", "synthetic"}, cfg.corpora)
			require.Equal(t, []string{"--verify", "--x", "--y"}, cfg.deployerFlags["verify"])
		})
	}
}

func TestCheckToolsNamesTheSetupScript(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	err := checkTools()
	require.ErrorContains(t, err, "unzip and rsync and rm not found")
	require.ErrorContains(t, err, "bench/setup.sh")
}

func TestDetectVerifyFlag(t *testing.T) {
	tests := []struct {
		help string
		want string
	}{
		{"Flags:\n  -clean\n    \tpurge first\n  -quiet\n", ""},
		{"Flags:\n  -verify-later\n    \tnot this one\n", ""},
		{"Flags:\n  -checksum\n    \tread every file\n  -clean\n", "--checksum"},
		{"Flags:\n  -checksum\n  -verify\n    \tread every file\n", "--verify"},
		{"Flags:\n  --verify mode\n    \tread every file\n", "--verify"},
		{"Usage: deployer deploy [-verify]\n", ""},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, detectVerifyFlag([]byte(tt.help)), tt.help)
	}
}

// TestCheckTree breaks an extracted tree in each way a run could and checks
// that the comparison says where.
func TestCheckTree(t *testing.T) {
	zipPath := filepath.Join(t.TempDir(), "t.zip")
	require.NoError(t, writeZip(zipPath, []entry{
		{name: "a/b/file.txt", perm: 0o644, open: contentOpener("a", 5000)},
		{name: "a/run.sh", perm: 0o755, open: contentOpener("b", 100)},
		{name: "top.bin", perm: 0o644, open: contentOpener("c", 0)},
	}))

	tests := []struct {
		name   string
		mutate func(dir string) error
		want   string // a line of the mismatch; "" for none
	}{
		{"intact", func(string) error { return nil }, ""},
		{"metadata is left out", func(dir string) error {
			return os.MkdirAll(filepath.Join(dir, metadataDir, "1"), 0o755)
		}, ""},
		{"content, same size", func(dir string) error {
			return os.WriteFile(filepath.Join(dir, "a/run.sh"), bytes.Repeat([]byte("x"), 100), 0o755)
		}, "a/run.sh: content differs"},
		{"size", func(dir string) error {
			return os.WriteFile(filepath.Join(dir, "top.bin"), []byte("x"), 0o644)
		}, "top.bin: 1 bytes, want 0"},
		{"file mode", func(dir string) error {
			return os.Chmod(filepath.Join(dir, "a/run.sh"), 0o644)
		}, "a/run.sh: mode -rw-r--r--, want -rwxr-xr-x"},
		{"directory mode", func(dir string) error {
			return os.Chmod(filepath.Join(dir, "a/b"), 0o700)
		}, "a/b: mode drwx------, want drwxr-xr-x"},
		{"missing", func(dir string) error {
			return os.RemoveAll(filepath.Join(dir, "a/b"))
		}, "missing a/b/file.txt"},
		{"unexpected", func(dir string) error {
			return os.WriteFile(filepath.Join(dir, "a/b/new"), nil, 0o644)
		}, "unexpected a/b/new"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "d")
			want, err := extract(zipPath, dir)
			require.NoError(t, err)
			require.NoError(t, tt.mutate(dir))
			err = checkTree(dir, want, "test")
			if tt.want == "" {
				require.NoError(t, err)
				return
			}
			var mismatch *treeMismatchError
			require.ErrorAs(t, err, &mismatch)
			require.Contains(t, mismatch.Diffs, tt.want)
		})
	}

	t.Run("symbolic link", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "d")
		want, err := extract(zipPath, dir)
		require.NoError(t, err)
		require.NoError(t, os.Symlink("run.sh", filepath.Join(dir, "a/link")))
		require.ErrorContains(t, checkTree(dir, want, "test"), "not a regular file")
	})
}

// TestExtractMatchesUnzip checks the source trees against unzip's: rsync -a
// from one to the other must find nothing to do, which is what makes the
// no-op baseline a no-op.
func TestExtractMatchesUnzip(t *testing.T) {
	requireTools(t)
	tmp := t.TempDir()
	require.NoError(t, buildSynthetic(0.0005, tmp))
	zipPath := filepath.Join(tmp, "v1", "synthetic.zip")
	want, err := extract(zipPath, filepath.Join(tmp, "src"))
	require.NoError(t, err)
	unzipped := filepath.Join(tmp, "unzipped")
	out, err := exec.Command("unzip", "-q", zipPath, "-d", unzipped).CombinedOutput()
	require.NoError(t, err, string(out))
	require.NoError(t, checkTree(unzipped, want, "unzip"))

	out, err = exec.Command("rsync", "-a", "--itemize-changes", filepath.Join(tmp, "src")+"/", unzipped+"/").CombinedOutput()
	require.NoError(t, err, string(out))
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		require.True(t, line == "" || strings.HasPrefix(line, ".d..t...... ./"), "rsync changed more than the top directory's time: %q", line)
	}
}

func TestSynthLayoutAtFullScale(t *testing.T) {
	files := synthLayout(1)
	require.Len(t, files, synthFiles)
	names := map[string]bool{}
	dirs := map[string]bool{}
	var total int64
	var mutated int
	for _, f := range files {
		require.False(t, names[f.name], "duplicate %s", f.name)
		names[f.name] = true
		dirs[path.Dir(f.name)] = true
		total += f.size
		if f.mutated {
			mutated++
		}
	}
	require.InDelta(t, synthBytes, total, synthBytes/100)
	require.Equal(t, synthFiles/100, mutated)
	require.Greater(t, len(dirs), 100, "files spread over nested directories")
}

func TestCorporaAreDeterministic(t *testing.T) {
	var zips [2][]byte
	for i := range zips {
		tmp := t.TempDir()
		require.NoError(t, buildLarge(0.0001, tmp))
		var err error
		zips[i], err = os.ReadFile(filepath.Join(tmp, "v2", "large.zip"))
		require.NoError(t, err)
	}
	require.True(t, bytes.Equal(zips[0], zips[1]), "two builds of the large corpus differ")
}

func TestContent(t *testing.T) {
	a, err := io.ReadAll(newContent("k", 100_000))
	require.NoError(t, err)
	b, err := io.ReadAll(io.LimitReader(newContent("k", 200_000), 100_000))
	require.NoError(t, err)
	require.Len(t, a, 100_000)
	require.Equal(t, a, b, "a prefix does not depend on the size")
	c, err := io.ReadAll(newContent("other", 100_000))
	require.NoError(t, err)
	require.NotEqual(t, a, c)
}

func TestPairedRatio(t *testing.T) {
	tests := []struct {
		ratios []float64
		want   float64
	}{
		{[]float64{1.5}, 1.5},
		{[]float64{2, 0.5}, 1},                            // an order effect cancels out
		{[]float64{1.26, 0.85, 1.20, 0.78, 1.45}, 1.0349}, // pairs 1.0349 and 0.9675, then 1.45 alone
		{[]float64{4, 1, 1, 1, 9, 1, 1, 1}, 1.5},          // pairs 2, 1, 3, 1: the middle two
	}
	for _, tt := range tests {
		require.InDelta(t, tt.want, pairedRatio(tt.ratios), 0.0001, "%v", tt.ratios)
	}
}

func TestCheckSpace(t *testing.T) {
	dir := t.TempDir()
	free, err := fileops.FreeSpace(dir)
	if errors.Is(err, errors.ErrUnsupported) {
		t.Skip(err)
	}
	require.NoError(t, err)
	small := [3]tree{1: {"a": {size: 1 << 20}}, 2: {"a": {size: 2 << 20}}}
	require.NoError(t, checkSpace(dir, small, 6, "-rounds"))

	// Each round keeps two trees: half the free space per tree is too much.
	big := [3]tree{1: {"a": {size: int64(free / 2)}}, 2: {"a": {size: 1}}}
	err = checkSpace(dir, big, 1, "-real-rounds")
	require.ErrorContains(t, err, "pass fewer -real-rounds,")
	require.ErrorContains(t, err, dir)
}
