package bundlekit_test

import (
	"bufio"
	"bytes"
	"cmp"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite docs/untested-rules.txt from the tests' citations")

// ruleDef matches the definition of a rule in docs/behavior.md: a list item or a
// table row that starts with the rule's number in bold.
var ruleDef = regexp.MustCompile(`(?m)^\s*(?:[-*]|\|)\s*\*\*(R[0-9]+[a-z]?)\*\*`)

// ruleRef matches a rule number cited anywhere: "R107", "R124a", also inside an
// identifier such as TestDecisionR107. The character before it is checked
// separately (see citations), because RE2 has no look-behind.
var ruleRef = regexp.MustCompile(`R([0-9]+)([a-z]*)`)

// TestRuleCoverage keeps docs/behavior.md, the tests and docs/untested-rules.txt in
// step: every rule a test cites must be defined, and the rules no test cites must
// be the ones the golden file lists, so that coverage gained or lost shows in
// review. Run with -update to rewrite the golden file.
func TestRuleCoverage(t *testing.T) {
	root := moduleRoot(t)
	defined := definedRules(t, filepath.Join(root, "docs", "behavior.md"))

	cited := map[string][]string{} // rule → test files citing it
	code := map[string][]string{}  // rule → non-test Go files citing it
	walkGo(t, root, func(rel string, data []byte) {
		if rel == "rules_test.go" {
			return // its own examples are not coverage
		}
		m := code
		if strings.HasSuffix(rel, "_test.go") {
			m = cited
		}
		for _, r := range citations(data) {
			if !slices.Contains(m[r], rel) {
				m[r] = append(m[r], rel)
			}
		}
	})

	t.Run("tests cite only defined rules", func(t *testing.T) {
		for _, r := range sortedRules(cited) {
			if !defined[r] {
				t.Errorf("%s is cited by %s but not defined in docs/behavior.md", r, strings.Join(cited[r], ", "))
			}
		}
	})
	// bundle.Entry.Rule and recipe.Error.Rule hand rule numbers to users, who
	// look them up in docs/behavior.md.
	t.Run("code cites only defined rules", func(t *testing.T) {
		for _, r := range sortedRules(code) {
			if !defined[r] {
				t.Errorf("%s is cited by %s but not defined in docs/behavior.md", r, strings.Join(code[r], ", "))
			}
		}
	})
	t.Run("docs cite only defined rules", func(t *testing.T) {
		for _, doc := range []string{"docs/behavior.md", "COMPATIBILITY.md"} {
			data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(doc)))
			require.NoError(t, err)
			for _, r := range citations(data) {
				if !defined[r] {
					t.Errorf("%s cites %s, which docs/behavior.md does not define", doc, r)
				}
			}
		}
	})
	t.Run("untested rules match the golden file", func(t *testing.T) {
		var untested []string
		for r := range defined {
			if _, ok := cited[r]; !ok {
				untested = append(untested, r)
			}
		}
		slices.SortFunc(untested, compareRules)
		golden := filepath.Join(root, "docs", "untested-rules.txt")
		if *update {
			require.NoError(t, os.WriteFile(golden, formatGolden(untested), 0o644))
			return
		}
		want := readGolden(t, golden)
		if diff := gocmp.Diff(want, untested); diff != "" {
			t.Errorf("the rules no test cites changed (-docs/untested-rules.txt +now):\n%s\n"+
				"If that is intended, run: go test . -run TestRuleCoverage -update", diff)
		}
	})
}

// moduleRoot is the directory of this file, the module root, whatever the
// working directory. A binary built with -trimpath knows no absolute source
// path; go test then runs it in the package directory, which is the same.
func moduleRoot(t *testing.T) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok || !filepath.IsAbs(file) {
		return "."
	}
	return filepath.Dir(file)
}

func definedRules(t *testing.T, path string) map[string]bool {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	defined := map[string]bool{}
	for _, m := range ruleDef.FindAllSubmatch(data, -1) {
		r := string(m[1])
		if defined[r] {
			t.Errorf("%s: %s is defined twice", path, r)
		}
		defined[r] = true
	}
	require.NotEmpty(t, defined, "%s defines no rules", path)
	return defined
}

// walkGo calls fn for every Go file of the module, skipping what the go command
// skips (testdata, directories starting with "." or "_") and nested modules.
func walkGo(t *testing.T, root string, fn func(rel string, data []byte)) {
	t.Helper()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path == root {
				return nil
			}
			name := d.Name()
			if name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		fn(filepath.ToSlash(rel), data)
		return nil
	})
	require.NoError(t, err)
}

// citations returns the rule numbers data cites, in order, with repeats. A number
// counts when it does not continue a capitalised word or a number ("DIR1", "0R1"),
// and a single lower-case letter after it is part of it ("R124a"); a longer run of
// letters is not ("R107keeps" cites R107).
func citations(data []byte) []string {
	var out []string
	for _, m := range ruleRef.FindAllSubmatchIndex(data, -1) {
		if start := m[0]; start > 0 {
			if c := data[start-1]; ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9') {
				continue
			}
		}
		r := "R" + string(data[m[2]:m[3]])
		if suffix := data[m[4]:m[5]]; len(suffix) == 1 {
			r += string(suffix)
		}
		out = append(out, r)
	}
	return out
}

// compareRules orders rule numbers numerically, a lettered rule after its base:
// R9, R10, R124, R124a, R124b, R125.
func compareRules(a, b string) int {
	na, sa := splitRule(a)
	nb, sb := splitRule(b)
	return cmp.Or(cmp.Compare(na, nb), strings.Compare(sa, sb))
}

func splitRule(r string) (int, string) {
	digits := strings.TrimRight(r[1:], "abcdefghijklmnopqrstuvwxyz")
	n, _ := strconv.Atoi(digits)
	return n, r[1+len(digits):]
}

func sortedRules(m map[string][]string) []string {
	var out []string
	for r := range m {
		out = append(out, r)
	}
	slices.SortFunc(out, compareRules)
	return out
}

const goldenHeader = `# Rules defined in docs/behavior.md that no *_test.go file of the module cites.
# Generated by: go test . -run TestRuleCoverage -update
`

func formatGolden(rules []string) []byte {
	var b bytes.Buffer
	b.WriteString(goldenHeader)
	for _, r := range rules {
		b.WriteString(r + "\n")
	}
	return b.Bytes()
}

func readGolden(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err, "run: go test . -run TestRuleCoverage -update")
	var rules []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line != "" && !strings.HasPrefix(line, "#") {
			rules = append(rules, line)
		}
	}
	require.NoError(t, sc.Err())
	return rules
}
