package antglob

import (
	"regexp"
	"strings"
	"testing"
)

// rhqAnswer records how RHQ's translation of Ant patterns into a regex (R167,
// R168) answers a table case, so that the "Divergences from RHQ" list in the
// package doc is checked rather than claimed.
type rhqAnswer int

const (
	rhqSame          rhqAnswer = iota // RHQ gives the same answer
	rhqDiffers                        // RHQ gives the other answer: a divergence
	rhqRegexError                     // Java rejects RHQ's regex (Go's regexp may not): the recipe fails in RHQ
	rhqNotApplicable                  // rhq:fileset has no casesensitive attribute
)

// rhqFilesetRegex is RHQ's regex for one rhq:fileset (R167): dir, with forward
// slashes, and "/" are prepended, binding to the first include only (R168); no
// includes means ".*"; excludes are not part of it.
func rhqFilesetRegex(dir string, includes []string) string {
	body := ".*"
	if len(includes) > 0 {
		alts := make([]string, len(includes))
		for i, inc := range includes {
			alts[i] = "(" + rhqPattern(inc) + ")"
		}
		body = strings.Join(alts, "|")
	}
	if dir != "" {
		body = strings.ReplaceAll(dir, `\`, "/") + "/" + body
	}
	return "(" + body + ")"
}

// rhqPattern is R167's translation of one include.
func rhqPattern(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		switch {
		case strings.HasPrefix(p[i:], "**"):
			b.WriteString(".*")
			i += 2 // RHQ assumes a "/" follows and drops it, whatever it is
		case p[i] == '*':
			b.WriteString("[^/]*")
		case p[i] == '?':
			b.WriteString(".")
		case p[i] == '.':
			b.WriteString(`\.`)
		default:
			b.WriteByte(p[i])
		}
	}
	return b.String()
}

// checkRHQ runs RHQ's regex (full match, as java.util.regex.Matcher.matches)
// on name and checks it against ours as answer says.
func checkRHQ(t *testing.T, regex, name string, ours bool, answer rhqAnswer) {
	t.Helper()
	if answer == rhqRegexError || answer == rhqNotApplicable {
		return
	}
	re, err := regexp.Compile("^(?:" + regex + ")$")
	if err != nil {
		t.Fatalf("RHQ regex %q: %v", regex, err)
	}
	if got := re.MatchString(name); (got == ours) != (answer == rhqSame) {
		t.Errorf("RHQ regex %q on %q = %v, ours %v, table says %v", regex, name, got, ours, answer)
	}
}

func (a rhqAnswer) String() string {
	return [...]string{"same", "differs", "regex error", "n/a"}[a]
}

func TestRHQTranslation(t *testing.T) {
	// The examples of R167 itself.
	for pattern, want := range map[string]string{
		"**/*.x":       `.*[^/]*\.x`,
		"*.log":        `[^/]*\.log`,
		"ignore/**":    `ignore/.*`,
		"sub/**/*.xml": `sub/.*[^/]*\.xml`,
	} {
		if got := rhqPattern(pattern); got != want {
			t.Errorf("rhqPattern(%q) = %q, R167 says %q", pattern, got, want)
		}
	}
	if got, want := rhqFilesetRegex("dir", []string{"a", "b"}), "(dir/(a)|(b))"; got != want {
		t.Errorf("rhqFilesetRegex = %q, R168 says %q", got, want)
	}
}
