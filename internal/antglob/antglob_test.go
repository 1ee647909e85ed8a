package antglob

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

// matchCase is one pattern against one path. rule names the Ant rule (from
// https://ant.apache.org/manual/dirtasks.html#patterns or SelectorUtils) or the
// spec rule the case proves; rhq, when set, is what RHQ's regex translation
// (R167) answers instead, making the case a documented divergence.
type matchCase struct {
	rule    string
	dir     string
	pattern string
	name    string
	want    bool
	fold    bool      // compile with CaseSensitive(false)
	rhq     rhqAnswer // how RHQ's regex translation answers (rhq_test.go)
}

var matchCases = []matchCase{
	// '?' matches exactly one character, never '/'.
	{rule: "Ant ? one char", pattern: "?.java", name: "x.java", want: true},
	{rule: "Ant ? one char", pattern: "?.java", name: "A.java", want: true},
	{rule: "Ant ? one char", pattern: "?.java", name: ".java"},
	{rule: "Ant ? one char", pattern: "?.java", name: "xyz.java"},
	{rule: "R168 ? never /", pattern: "a?b", name: "a/b", rhq: rhqDiffers},
	{rule: "R168 ? never /", pattern: "**/?.txt", name: "A/12.txt", rhq: rhqDiffers},
	{rule: "R168 ? never /", pattern: "**/?.txt", name: "A/1.txt", want: true},
	{rule: "Ant ? one rune", pattern: "?", name: "é", want: true},

	// '*' matches zero or more characters within one segment.
	{rule: "Ant * in segment", pattern: "*.java", name: ".java", want: true},
	{rule: "Ant * in segment", pattern: "*.java", name: "FooBar.java", want: true},
	{rule: "Ant * in segment", pattern: "*.java", name: "FooBar.xml"},
	{rule: "R167 *.log top-level only", pattern: "*.log", name: "a.log", want: true},
	{rule: "R167 *.log top-level only", pattern: "*.log", name: "logs/a.log"},
	{rule: "Ant * one segment", pattern: "*", name: "a", want: true},
	{rule: "Ant * one segment", pattern: "*", name: "a/b"},
	{rule: "Ant * not the base", pattern: "*", name: "", rhq: rhqDiffers},
	{rule: "R167 logs/*.log", pattern: "logs/*.log", name: "logs/a.log", want: true},
	{rule: "R167 logs/*.log", pattern: "logs/*.log", name: "logs/x/a.log"},
	{rule: "R167 logs/*.log", pattern: "logs/*.log", name: "a.log"},
	{rule: "Ant per-directory match", pattern: "/?abc/*/*.java", name: "/xabc/foobar/test.java", want: true},
	{rule: "Ant a/* needs a child", pattern: "a/*", name: "a"},

	// '**' as a whole segment matches zero or more segments.
	{rule: "Ant ** alone", pattern: "**", name: "a", want: true},
	{rule: "Ant ** alone", pattern: "**", name: "a/b/c", want: true},
	{rule: "Ant ** alone matches the base", pattern: "**", name: "", want: true},
	{rule: "Ant **/x top level", pattern: "**/x", name: "x", want: true},
	{rule: "Ant **/x deep", pattern: "**/x", name: "a/b/x", want: true},
	{rule: "Ant **/x whole segment", pattern: "**/x", name: "ax", rhq: rhqDiffers},
	{rule: "Ant **/x whole segment", pattern: "**/x", name: "a/ax", rhq: rhqDiffers},
	{rule: "R167 **/*.x top level", pattern: "**/*.x", name: "a.x", want: true},
	{rule: "R167 **/*.x deep", pattern: "**/*.x", name: "d/e/a.x", want: true},
	{rule: "R167 ** drops next char", pattern: "**/web.xml", name: "myweb.xml", rhq: rhqDiffers},
	{rule: "R167 ** drops next char", pattern: "**/web.xml", name: "a/myweb.xml", rhq: rhqDiffers},
	{rule: "R167 ** drops next char", pattern: "**/web.xml", name: "WEB-INF/web.xml", want: true},
	{rule: "Ant a/** matches a", pattern: "a/**", name: "a", want: true, rhq: rhqDiffers},
	{rule: "Ant a/** below a", pattern: "a/**", name: "a/b/c", want: true},
	{rule: "Ant a/** not a sibling", pattern: "a/**", name: "ab"},
	{rule: "R167 data/** matches data", pattern: "data/**", name: "data", want: true, rhq: rhqDiffers},
	{rule: "R167 data/**", pattern: "data/**", name: "data/x/y", want: true},
	{rule: "R167 sub/**/*.xml", pattern: "sub/**/*.xml", name: "sub/a.xml", want: true},
	{rule: "R167 sub/**/*.xml", pattern: "sub/**/*.xml", name: "sub/x/y/a.xml", want: true},
	{rule: "R167 sub/**/*.xml", pattern: "sub/**/*.xml", name: "sub.xml"},
	{rule: "R167 sub/**/*.xml", pattern: "sub/**/*.xml", name: "other/sub/a.xml"},
	{rule: "R167 sub/**/*.xml", pattern: "sub/**/*.xml", name: "sub/a.xmlx"},
	{rule: "Ant doc **/CVS/*", pattern: "**/CVS/*", name: "CVS/Repository", want: true},
	{rule: "Ant doc **/CVS/*", pattern: "**/CVS/*", name: "org/apache/jakarta/tools/ant/CVS/Entries", want: true},
	{rule: "Ant doc **/CVS/*", pattern: "**/CVS/*", name: "org/apache/CVS/foo/bar/Entries"},
	{rule: "Ant doc org/apache/**/CVS/*", pattern: "org/apache/**/CVS/*", name: "org/apache/CVS/Entries", want: true},
	{rule: "Ant doc org/apache/**/CVS/*", pattern: "org/apache/**/CVS/*", name: "org/apache/CVS/foo/bar/Entries"},
	{rule: "Ant doc org/apache/jakarta/**", pattern: "org/apache/jakarta/**", name: "org/apache/jakarta/test.xml", want: true},
	{rule: "Ant doc org/apache/jakarta/**", pattern: "org/apache/jakarta/**", name: "org/apache/xyz.java"},
	{rule: "Ant doc **/test/**", pattern: "**/test/**", name: "test", want: true, rhq: rhqDiffers},
	{rule: "Ant doc **/test/**", pattern: "**/test/**", name: "a/test/b/c", want: true},
	{rule: "Ant doc **/test/**", pattern: "**/test/**", name: "a/testx/b"},
	{rule: "Ant a/**/b zero segments", pattern: "a/**/b", name: "a/b", want: true},
	{rule: "Ant a/**/b", pattern: "a/**/b", name: "a/x/y/b", want: true},
	{rule: "Ant **/** is **", pattern: "**/**/x", name: "x", want: true},
	{rule: "Ant a/**/** matches a", pattern: "a/**/**", name: "a", want: true, rhq: rhqDiffers},
	{rule: "Ant several **", pattern: "**/a/**/b/**", name: "x/a/y/b", want: true, rhq: rhqDiffers},
	{rule: "Ant several **", pattern: "**/a/**/b/**", name: "x/b/y/a"},
	{rule: "Ant x*/** matches x", pattern: "a*/**", name: "a", want: true, rhq: rhqDiffers},
	{rule: "Ant x*/** matches x", pattern: "**/a*/**", name: "q/a", want: true, rhq: rhqDiffers},
	{rule: "Ant **/** is not *", pattern: "**/*/**", name: ""},

	// '**' that is not a whole segment is '*' within the segment.
	{rule: "Ant a** is a*", pattern: "a**", name: "abc", want: true},
	{rule: "Ant a** is a*", pattern: "a**", name: "a", want: true},
	{rule: "R167 a** is a*", pattern: "a**", name: "a/b", rhq: rhqDiffers},
	{rule: "Ant **b is *b", pattern: "**b", name: "ab", want: true},
	{rule: "Ant **b is *b", pattern: "**b", name: "b", want: true},
	{rule: "Ant **b is *b", pattern: "**b", name: "a/b", rhq: rhqDiffers},
	{rule: "Ant a**b is a*b", pattern: "a**b", name: "axxb", want: true},
	{rule: "Ant a**b is a*b", pattern: "a**b", name: "a/b", rhq: rhqDiffers},
	{rule: "Ant *** is *", pattern: "***", name: "a", want: true},
	{rule: "Ant *** is *", pattern: "***", name: "a/b", rhq: rhqDiffers},
	{rule: "Ant *** is *", pattern: "x/a***", name: "x/a", want: true},
	{rule: "R167 **.txt is *.txt", pattern: "**.txt", name: "a.txt", want: true},
	{rule: "R167 **.txt is *.txt", pattern: "**.txt", name: "d/a.txt", rhq: rhqDiffers},
	{rule: "R167 **.txt is *.txt", pattern: "**.txt", name: "atxt", rhq: rhqDiffers},

	// A trailing separator means "/**".
	{rule: "Ant trailing / is /**", pattern: "logs/", name: "logs", want: true, rhq: rhqDiffers},
	{rule: "Ant trailing / is /**", pattern: "logs/", name: "logs/a/b", want: true, rhq: rhqDiffers},
	{rule: "Ant trailing / is /**", pattern: "logs/", name: "logsx"},
	{rule: "Ant trailing / is /**", pattern: "mypackage/test/", name: "mypackage/test/x.java", want: true, rhq: rhqDiffers},
	{rule: `Ant trailing \ is /**`, pattern: `logs\`, name: "logs/a", want: true, rhq: rhqRegexError},

	// '\' is a separator in patterns.
	{rule: `Ant \ is a separator`, pattern: `conf\app.xml`, name: "conf/app.xml", want: true, rhq: rhqDiffers},
	{rule: `Ant \ is a separator`, pattern: `conf\app.xml`, name: `conf\app.xml`},
	{rule: `Ant \ is a separator`, pattern: `**\*.xml`, name: "a/b.xml", want: true},
	{rule: `Ant \ in a name is a character`, pattern: "*", name: `a\b`, want: true},

	// Brackets, braces and regex metacharacters are literal.
	{rule: "R168 brackets literal", pattern: "[abc].txt", name: "a.txt", rhq: rhqDiffers},
	{rule: "R168 brackets literal", pattern: "[abc].txt", name: "[abc].txt", want: true, rhq: rhqDiffers},
	{rule: "R168 brackets literal", pattern: "[!a]", name: "[!a]", want: true, rhq: rhqDiffers},
	{rule: "R168 brackets literal", pattern: "[!a]", name: "b"},
	{rule: "R168 brackets literal", pattern: "*[*", name: "x[y", want: true, rhq: rhqRegexError},
	{rule: "R168 brackets literal", pattern: "a]b", name: "a]b", want: true},
	{rule: "R168 braces literal", pattern: "{a,b}.txt", name: "a.txt", rhq: rhqRegexError},
	{rule: "R168 braces literal", pattern: "{a,b}.txt", name: "{a,b}.txt", want: true, rhq: rhqRegexError},
	{rule: "R168 braces literal", pattern: "x{2}", name: "xx", rhq: rhqDiffers},
	{rule: "R168 braces literal", pattern: "a}b{", name: "a}b{", want: true, rhq: rhqRegexError},
	{rule: "R167 . literal", pattern: "a.b", name: "axb"},
	{rule: "R167 . literal", pattern: "a.b", name: "a.b", want: true},
	{rule: "R168 + literal", pattern: "a+b.txt", name: "a+b.txt", want: true, rhq: rhqDiffers},
	{rule: "R168 + literal", pattern: "a+b.txt", name: "aab.txt", rhq: rhqDiffers},
	{rule: "R168 ( literal", pattern: "(x)", name: "(x)", want: true, rhq: rhqDiffers},
	{rule: "R168 ( literal", pattern: "(x)", name: "x", rhq: rhqDiffers},
	{rule: "R168 $ ^ literal", pattern: "$HOME^", name: "$HOME^", want: true, rhq: rhqDiffers},
	{rule: "R168 | literal", pattern: "a|b", name: "a", rhq: rhqDiffers},
	{rule: "R168 | literal", pattern: "a|b", name: "a|b", want: true, rhq: rhqDiffers},
	{rule: "Ant , literal in a pattern", pattern: "a,b", name: "a,b", want: true},

	// Case.
	{rule: "Ant case-sensitive by default", pattern: "*.XML", name: "a.xml"},
	{rule: "Ant casesensitive=false", pattern: "*.XML", name: "a.xml", want: true, fold: true},
	{rule: "Ant casesensitive=false", pattern: "Conf/**", name: "CONF/a", want: true, fold: true},
	{rule: "Ant casesensitive=false", pattern: "a?C", name: "Abc", want: true, fold: true},
	{rule: "Ant casesensitive=false folds like toUpperCase", pattern: "fıle", name: "FILE", want: true, fold: true},
	{rule: "Ant casesensitive=false", pattern: "[x]", name: "[X]", want: true, fold: true},

	// The empty pattern selects only the base itself.
	{rule: "Ant empty pattern", pattern: "", name: "", want: true},
	{rule: "Ant empty pattern", pattern: "", name: "a"},
	{rule: "Ant . pattern", pattern: ".", name: "", want: true, rhq: rhqDiffers},

	// Absolute patterns and paths.
	{rule: "Ant absolute pattern vs relative path", pattern: "/a", name: "a"},
	{rule: "Ant absolute pattern vs relative path", pattern: "/**", name: "a"},
	{rule: "Ant absolute pattern vs relative path", pattern: "/", name: "a"},
	{rule: "Ant absolute pattern", pattern: "/a", name: "/a", want: true},
	{rule: "Ant absolute pattern", pattern: "/", name: "/a/b", want: true, rhq: rhqDiffers},
	{rule: "antglob relative pattern vs absolute path", pattern: "a", name: "/a"},
	{rule: "antglob relative pattern vs absolute path", pattern: "**", name: "/a", rhq: rhqDiffers},

	// Empty and "." segments.
	{rule: "Ant // collapses", pattern: "a//b", name: "a/b", want: true, rhq: rhqDiffers},
	{rule: "Ant // collapses", pattern: "a/b", name: "a//b", want: true, rhq: rhqDiffers},
	{rule: "antglob ./ dropped", pattern: "./a", name: "a", want: true, rhq: rhqDiffers},
	{rule: "antglob ./ dropped", pattern: "a/./b", name: "a/b", want: true, rhq: rhqDiffers},
	{rule: "antglob ./ dropped", pattern: "./", name: "a/b", want: true, rhq: rhqDiffers},
	{rule: "antglob ./ dropped", pattern: "a/b", name: "./a/./b/", want: true, rhq: rhqDiffers},
	{rule: "antglob .. in a name is a character", pattern: "*/b", name: "../b", want: true},
	{rule: "antglob ..x is a name", pattern: "..x", name: "..x", want: true},

	// dir: a literal prefix.
	{rule: "R167 dir prefix", dir: "conf", pattern: "*.xml", name: "conf/a.xml", want: true},
	{rule: "R167 dir prefix", dir: "conf", pattern: "*.xml", name: "a.xml"},
	{rule: "R167 dir prefix", dir: "conf", pattern: "*.xml", name: "conf/x/a.xml"},
	{rule: "R167 dir prefix", dir: "conf", pattern: "*.xml", name: "confa.xml"},
	{rule: `R167 dir \ is a separator`, dir: `conf\sub`, pattern: "a", name: "conf/sub/a", want: true},
	{rule: "R167 dir cleaned", dir: "a/./b/../c/", pattern: "x", name: "a/c/x", want: true, rhq: rhqDiffers},
	{rule: "R167 dir literal", dir: "*", pattern: "x", name: "*/x", want: true, rhq: rhqRegexError},
	{rule: "R167 dir literal", dir: "*", pattern: "x", name: "a/x", rhq: rhqRegexError},
	{rule: "R167 dir literal", dir: "a?/[b]/{c,d}/**", pattern: "x", name: "a?/[b]/{c,d}/**/x", want: true, rhq: rhqRegexError},
	{rule: "R167 dir literal", dir: "a?/[b]/{c,d}/**", pattern: "x", name: "ab/b/c/q/x", rhq: rhqRegexError},
	{rule: "R167 dir . is the base", dir: ".", pattern: "x", name: "x", want: true, rhq: rhqDiffers},
	{rule: "R167 dir ** matches dir", dir: "conf", pattern: "**", name: "conf", want: true, rhq: rhqDiffers},
	{rule: "R167 dir ** matches dir", dir: "conf", pattern: "**", name: "conf/a/b", want: true},
	{rule: "R167 dir ** matches dir", dir: "conf", pattern: "**", name: "conff"},
	{rule: "R167 dir ** matches dir", dir: "conf", pattern: "**", name: ""},
	{rule: "R167 dir empty pattern", dir: "conf", pattern: "", name: "conf", want: true, rhq: rhqDiffers},
	{rule: "R167 dir casesensitive=false", dir: "Conf", pattern: "*.xml", name: "CONF/A.XML", want: true, fold: true},
	{rule: "R167 dir case-sensitive", dir: "Conf", pattern: "*.xml", name: "conf/a.xml"},
	{rule: "Ant absolute pattern ignores dir", dir: "conf", pattern: "/abs", name: "conf/abs"},
	{rule: "Ant absolute pattern ignores dir", dir: "conf", pattern: "/abs", name: "/abs", want: true, rhq: rhqDiffers},
}

func TestMatch(t *testing.T) {
	for _, tc := range matchCases {
		name := fmt.Sprintf("%s/dir=%q/%q~%q", tc.rule, tc.dir, tc.pattern, tc.name)
		t.Run(name, func(t *testing.T) {
			p, err := CompileIn(tc.dir, tc.pattern, CaseSensitive(!tc.fold))
			require.NoError(t, err)
			require.Equal(t, tc.want, p.Match(tc.name))

			// The table doubles as a check of the reference the fuzzer trusts.
			ref, err := refCompile(tc.dir, tc.pattern, !tc.fold)
			require.NoError(t, err)
			require.Equal(t, tc.want, ref.refMatchPath(tc.name), "reference")

			rhq := tc.rhq
			if tc.fold {
				rhq = rhqNotApplicable
			}
			checkRHQ(t, rhqFilesetRegex(tc.dir, []string{tc.pattern}), tc.name, tc.want, rhq)

			if tc.dir == "" {
				q, err := Compile(tc.pattern, CaseSensitive(!tc.fold))
				require.NoError(t, err)
				require.Equal(t, tc.want, q.Match(tc.name), "Compile")
			}
		})
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		dir, pattern string
		want         error
		msg          string
	}{
		{pattern: "..", want: ErrParentSegment, msg: `antglob: pattern "..": a ".." segment can never match a path below the base directory`},
		{pattern: "a/../b", want: ErrParentSegment},
		{pattern: `**\..`, want: ErrParentSegment},
		{pattern: "a/\xff", want: ErrEncoding},
		{dir: "/etc", pattern: "*", want: ErrAbsoluteDir, msg: `antglob: directory "/etc": the directory must be relative`},
		{dir: `\etc`, want: ErrAbsoluteDir},
		{dir: `C:\app`, want: ErrAbsoluteDir},
		{dir: "c:app", want: ErrAbsoluteDir},
		{dir: "..", want: ErrEscapingDir},
		{dir: "../x", want: ErrEscapingDir},
		{dir: "a/../..", want: ErrEscapingDir},
		{dir: "\xfe", want: ErrEncoding},
		{dir: "conf", pattern: "../x", want: ErrParentSegment, msg: `antglob: pattern "../x" in directory "conf": a ".." segment can never match a path below the base directory`},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("dir=%q/%q", tc.dir, tc.pattern), func(t *testing.T) {
			p, err := CompileIn(tc.dir, tc.pattern)
			require.ErrorIs(t, err, tc.want)
			require.Nil(t, p)
			var e *Error
			require.ErrorAs(t, err, &e)
			require.Equal(t, tc.dir, e.Dir)
			if tc.msg != "" {
				require.EqualError(t, err, tc.msg)
			}
			_, refErr := refCompile(tc.dir, tc.pattern, true)
			require.ErrorIs(t, refErr, tc.want, "reference")
		})
	}
}

// setCase is one path against a fileset.
type setCase struct {
	rule     string
	dir      string
	includes []string
	excludes []string
	name     string
	match    bool
	matchDir bool
	// directory says name is a directory met by an rhq:ignore walk: RHQ tests
	// it with a trailing "/" (R71) and the answer to compare is matchDir.
	directory bool
	rhq       rhqAnswer // how RHQ's regex answers, against match or matchDir
}

var setCases = []setCase{
	// R168: RHQ binds dir to the first include only.
	{rule: "R168 dir binds every include", dir: "conf", includes: []string{"a.xml", "b.xml"}, name: "conf/a.xml", match: true, matchDir: true},
	{rule: "R168 dir binds every include", dir: "conf", includes: []string{"a.xml", "b.xml"}, name: "conf/b.xml", match: true, matchDir: true, rhq: rhqDiffers},
	{rule: "R168 dir binds every include", dir: "conf", includes: []string{"a.xml", "b.xml"}, name: "b.xml", rhq: rhqDiffers},
	{rule: "R168 dir binds every include", dir: "conf", includes: []string{"a.xml", "b.xml"}, name: "a.xml"},

	// No includes: Ant's default "**", relative to dir.
	{rule: "Ant default include **", name: "", match: true, matchDir: true, directory: true},
	{rule: "Ant default include **", name: "a/b", match: true, matchDir: true},
	{rule: "R167 no includes with dir", dir: "conf", name: "conf", match: true, matchDir: true, directory: true},
	{rule: "R167 no includes with dir", dir: "conf", name: "conf", match: true, matchDir: true, rhq: rhqDiffers},
	{rule: "R167 no includes with dir", dir: "conf", name: "conf/x/y", match: true, matchDir: true},
	{rule: "R167 no includes with dir", dir: "conf", name: "x"},

	// Excludes win; RHQ ignores excludes (R167 lists only include sources).
	{rule: "Ant excludes win", includes: []string{"**/*.properties"}, excludes: []string{"secret/**"}, name: "a.properties", match: true, matchDir: true},
	{rule: "Ant excludes win", includes: []string{"**/*.properties"}, excludes: []string{"secret/**"}, name: "secret/a.properties", rhq: rhqDiffers},
	{rule: "Ant excludes win", includes: []string{"**/*.properties"}, excludes: []string{"secret/**"}, name: "secret"},
	{rule: "R167 replace fileset", dir: "conf", includes: []string{"a", "b", "**/*.properties"}, excludes: []string{"x/**"}, name: "conf/a", match: true, matchDir: true},
	{rule: "R167 replace fileset", dir: "conf", includes: []string{"a", "b", "**/*.properties"}, excludes: []string{"x/**"}, name: "conf/b", match: true, matchDir: true, rhq: rhqDiffers},
	{rule: "R167 replace fileset", dir: "conf", includes: []string{"a", "b", "**/*.properties"}, excludes: []string{"x/**"}, name: "conf/y/z.properties", match: true, matchDir: true},
	{rule: "R167 replace fileset", dir: "conf", includes: []string{"a", "b", "**/*.properties"}, excludes: []string{"x/**"}, name: "conf/x/z.properties", rhq: rhqDiffers},
	{rule: "R167 replace fileset", dir: "conf", includes: []string{"a", "b", "**/*.properties"}, excludes: []string{"x/**"}, name: "x/z.properties", rhq: rhqDiffers},

	// MatchDir: a directory selected as a whole (rhq:ignore, R71), which RHQ
	// tests with a trailing "/".
	{rule: "R71 ignore logs/**", includes: []string{"logs/**"}, name: "logs", match: true, matchDir: true, directory: true},
	{rule: "R71 ignore logs/* matches a subdirectory", includes: []string{"logs/*"}, name: "logs/archive", match: true, matchDir: true, directory: true, rhq: rhqDiffers},
	{rule: "R71 ignore logs matches the directory", includes: []string{"logs"}, name: "logs", match: true, matchDir: true, directory: true, rhq: rhqDiffers},
	{rule: "R71 ignore logs/*.log", includes: []string{"logs/*.log"}, name: "logs", directory: true},
	{rule: "R71 ignore **/*.log", includes: []string{"**/*.log"}, name: "x/old.log", match: true, matchDir: true, directory: true, rhq: rhqDiffers},
	{rule: "Ant exclude below a matching directory", includes: []string{"data/**"}, excludes: []string{"data/keep.txt"}, name: "data", match: true, directory: true, rhq: rhqDiffers},
	{rule: "Ant exclude below a matching directory", includes: []string{"data/**"}, excludes: []string{"data/keep.txt"}, name: "data/a", match: true, matchDir: true},
	{rule: "Ant exclude below a matching directory", includes: []string{"data/**"}, excludes: []string{"data/keep.txt"}, name: "data/keep.txt", rhq: rhqDiffers},
	{rule: "Ant exclude ** reaches everywhere", includes: []string{"data/**"}, excludes: []string{"**/*.bak"}, name: "data", match: true, directory: true, rhq: rhqDiffers},
	{rule: "Ant exclude elsewhere", includes: []string{"data/**"}, excludes: []string{"other/**"}, name: "data", match: true, matchDir: true, directory: true},
	{rule: "Ant matchPatternStart", includes: []string{"data/**"}, excludes: []string{"data/*/tmp"}, name: "data/x", match: true, directory: true, rhq: rhqDiffers},
	{rule: "Ant matchPatternStart", includes: []string{"data/**"}, excludes: []string{"data/*/tmp"}, name: "data/x/y", match: true, matchDir: true, directory: true},
	{rule: "Ant matchPatternStart", includes: []string{"data/**"}, excludes: []string{"data/*/tmp"}, name: "data/x/tmp", directory: true, rhq: rhqDiffers},
	{rule: "Ant excluded directory", includes: []string{"data/**"}, excludes: []string{"data"}, name: "data", directory: true, rhq: rhqDiffers},
	{rule: "Ant excluded directory, contents kept", includes: []string{"data/**"}, excludes: []string{"data"}, name: "data/a", match: true, matchDir: true},
}

func TestSet(t *testing.T) {
	for _, tc := range setCases {
		t.Run(fmt.Sprintf("%s/dir=%q/%q-%q/%q", tc.rule, tc.dir, tc.includes, tc.excludes, tc.name), func(t *testing.T) {
			s, err := NewSet(tc.dir, tc.includes, tc.excludes)
			require.NoError(t, err)
			require.Equal(t, tc.match, s.Match(tc.name), "Match")
			require.Equal(t, tc.matchDir, s.MatchDir(tc.name), "MatchDir")
			re := rhqFilesetRegex(tc.dir, tc.includes)
			if tc.directory {
				checkRHQ(t, re, tc.name+"/", tc.matchDir, tc.rhq)
			} else {
				checkRHQ(t, re, tc.name, tc.match, tc.rhq)
			}
		})
	}
}

func TestSetCaseInsensitive(t *testing.T) {
	s, err := NewSet("Conf", []string{"*.XML"}, []string{"SECRET.*"}, CaseSensitive(false))
	require.NoError(t, err)
	require.True(t, s.Match("conf/app.xml"))
	require.False(t, s.Match("CONF/secret.xml"))
}

func TestNewSetErrors(t *testing.T) {
	_, err := NewSet("/abs", []string{"a", "b"}, []string{"c"})
	require.ErrorIs(t, err, ErrAbsoluteDir)
	require.EqualError(t, err, `antglob: directory "/abs": the directory must be relative`)

	_, err = NewSet("conf", []string{"a", "../b"}, []string{"c/..", "d"})
	var errs interface{ Unwrap() []error }
	require.ErrorAs(t, err, &errs)
	var got []string
	for _, e := range errs.Unwrap() {
		var pe *Error
		require.ErrorAs(t, e, &pe)
		require.ErrorIs(t, pe, ErrParentSegment)
		got = append(got, pe.Pattern)
	}
	require.Equal(t, []string{"../b", "c/.."}, got)
}

// TestMatchStart checks the prefix test behind MatchDir on its own, against
// the Ant examples of SelectorUtils.matchPatternStart.
func TestMatchStart(t *testing.T) {
	tests := []struct {
		pattern, name string
		want          bool
	}{
		{"a/b/c", "a", true},
		{"a/b/c", "a/b", true},
		{"a/b/c", "a/b/c", true},
		{"a/b/c", "a/b/c/d", false},
		{"a/b/c", "x", false},
		{"a/*/c", "a/q", true},
		{"**/a", "b", true}, // Ant's documented false positive
		{"a/**/z", "a/b/c", true},
		{"a", "", true},
		{"/a", "a", false},
		{"", "a", false},
	}
	for _, tc := range tests {
		t.Run(tc.pattern+"~"+tc.name, func(t *testing.T) {
			p, err := Compile(tc.pattern)
			require.NoError(t, err)
			require.Equal(t, tc.want, p.matchStart(tc.name))
			ref, err := refCompile("", tc.pattern, true)
			require.NoError(t, err)
			require.Equal(t, tc.want, ref.refMatchPatternStart(tc.name), "reference")
		})
	}
}

func TestConcurrentUse(t *testing.T) {
	s, err := NewSet("conf", []string{"**/*.xml"}, nil, CaseSensitive(false))
	require.NoError(t, err)
	done := make(chan bool)
	for range 4 {
		go func() { done <- s.Match("CONF/a/b.XML") }()
	}
	for range 4 {
		require.True(t, <-done)
	}
}

func BenchmarkMatch(b *testing.B) {
	benches := []struct {
		name, pattern, path string
		opts                []Option
	}{
		{"literal", "conf/server.xml", "conf/server.xml", nil},
		{"star", "logs/*.log", "logs/server.2024-01-01.log", nil},
		{"deep", "**/*.properties", "app/WEB-INF/classes/conf/app.properties", nil},
		{"deep-miss", "sub/**/x/*.xml", "sub/a/b/c/d/e/f/g/y.xml", nil},
		{"trailing-deep", "data/**", "data/a/b/c", nil},
		{"fold", "**/*.PROPERTIES", "app/WEB-INF/classes/conf/app.properties", []Option{CaseSensitive(false)}},
		{"unclean-path", "a/*/c", "./a//b/c/", nil},
	}
	for _, bc := range benches {
		p, err := Compile(bc.pattern, bc.opts...)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				p.Match(bc.path)
			}
		})
	}
	s, err := NewSet("conf", []string{"a", "b", "**/*.properties"}, []string{"x/**", "**/*.bak"})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("set", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			s.Match("conf/y/z/app.properties")
		}
	})
}
