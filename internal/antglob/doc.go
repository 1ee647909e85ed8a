// Package antglob matches paths against Apache Ant fileset patterns, with the
// semantics of Ant's SelectorUtils.matchPath and DirectoryScanner
// (https://ant.apache.org/manual/dirtasks.html#patterns), for the filesets of
// rhq:replace and rhq:ignore (R167, R168) and of the Ant tasks a recipe runs.
// RHQ translated patterns into regular expressions, with bugs; bundlekit
// decided (GO of R168) to use real Ant semantics, and the cases where the two
// answer differently are listed below. Rule numbers refer to docs/behavior.md
// in the module.
//
// # Patterns
//
// Compile turns a pattern into a *Pattern; Match tests a path.
//
//   - "\" in a pattern is a separator, like "/" (Ant converts both to the
//     platform's separator). A pattern that ends in a separator has "**"
//     appended: "logs/" is "logs/**".
//   - The pattern and the path are cut into segments at "/", and matched
//     segment by segment. Empty segments are dropped ("a//b" is "a/b"), as
//     Ant's tokenizer does; "." segments are dropped too (see Divergences from
//     Ant).
//   - "**" as a whole segment matches zero or more segments: "**/x" matches
//     "x" and "a/b/x"; "a/**" matches "a" itself and everything below it;
//     "**" alone matches every path, and the empty path.
//   - Within a segment, "*" matches zero or more characters and "?" exactly
//     one; neither ever matches "/". "**" that is not a whole segment ("a**",
//     "**b", "***") is the same as "*".
//   - Every other character is literal: ".", "[", "]", "{", "}", "+", "(",
//     "$", "^", "|", ",", and so on.
//   - Letters match in case unless CaseSensitive(false) is given; then two
//     characters match when their Unicode upper cases are equal, as Ant
//     compares Character.toUpperCase.
//   - A pattern that starts with "/" (or "\") is absolute, and matches only an
//     absolute path; a relative pattern matches only a relative path. Bundle
//     paths are relative, so an absolute pattern selects nothing there.
//   - The empty pattern matches only the empty path, which names the base
//     directory itself (Ant's basedir, "" in its list of included directories).
//   - A ".." segment can never match a path below the base (the Ant manual:
//     "../foo.java" "will not match anything"), so Compile refuses it with
//     ErrParentSegment rather than compile a pattern that silently selects
//     nothing. Invalid UTF-8 is refused with ErrEncoding.
//
// Paths given to Match use "/" separators; a "\" in a path is an ordinary
// character of a name (convert Windows paths with filepath.ToSlash first).
// Empty and "." segments of the path are ignored, so "a/", "./a" and "a//"
// are "a".
//
// # Directories and sets
//
// CompileIn(dir, pattern) matches pattern relative to the literal directory
// dir, as <fileset dir="conf"> does, against paths relative to dir's own base
// (the deploy directory or the archive root): CompileIn("conf", "*.xml")
// matches "conf/a.xml". dir is not a pattern (its "*", "?" and brackets are
// plain characters), "\" in it is a separator, and it is cleaned; an absolute
// dir (leading "/" or "\", or a drive such as "C:") is ErrAbsoluteDir and one
// that climbs out of its base is ErrEscapingDir.
//
// NewSet builds a fileset's pattern set: a path is selected when it matches
// some include and no exclude, and no includes means "**". Set.Match tests a
// file or a directory alike, as Ant does. Set.MatchDir serves walks that stop
// at a selected directory, as the rhq:ignore walk does (R71): it says whether
// the directory matches and no exclude can match it or anything below it
// (Ant's SelectorUtils.matchPatternStart, which errs towards "can"), so that
// stopping there never hides an excluded entry.
//
// Ant's default excludes (**/.git/**, **/*~, ...) are not applied: RHQ never
// applied them to rhq:fileset, and an Ant task interpreter that wants them
// passes them as excludes.
//
// # Implementation
//
// The glob work is done by github.com/bmatcuk/doublestar/v4: each Ant pattern
// is translated into a doublestar pattern ("\" to "/", trailing "/" to "/**",
// empty and "." segments dropped, runs of "**" segments and of "*" within a
// segment collapsed, "[]{}" escaped, case folded when asked). Three cases
// doublestar answers differently from Ant are handled around it: the empty
// path (doublestar lets "*" match it), a trailing "**" after a "*" that
// matched nothing ("a*/**" against "a"), and the prefix test behind MatchDir,
// which runs doublestar on single segments. FuzzMatch compares the result with
// a plain port of Ant's matchPath and matchPatternStart.
//
// # Divergences from Ant
//
//   - "." segments are dropped from patterns and paths. Ant keeps them as
//     names, so "./conf/*.xml" selects nothing in Ant (and in RHQ); the paths
//     matched here never contain "." segments, so the literal reading could
//     only make a pattern dead.
//   - ".." segments are an error, not a pattern that matches nothing.
//   - A relative pattern never matches an absolute path. Ant's tokenizer makes
//     the root "/" a segment that "*", "?" or "**" can match.
//   - "?" matches one Unicode code point and case folding is per code point;
//     Java works on UTF-16 code units, which differs only outside the Basic
//     Multilingual Plane. Bytes that are not UTF-8 in a path decode to U+FFFD,
//     as Java decodes such file names.
//
// # Divergences from RHQ (R167–R168)
//
// RHQ builds one regex per rhq:fileset (R167) and full-matches it against the
// archive entry name (rhq:replace) or the path below the deploy directory
// (rhq:ignore, where a directory is tested with a trailing "/"). Each case
// below gives a pattern, a path, RHQ's answer and antglob's; the tests check
// every one against a port of RHQ's translation.
//
//  1. "?" never matches "/" (R168): "a?b" against "a/b", and "**/?.txt"
//     against "A/12.txt" — RHQ yes, antglob no.
//  2. "**" does not swallow the character after it (R167 drops it, assuming a
//     "/"): "**/web.xml" against "myweb.xml" or "a/myweb.xml", "**/x" against
//     "a/ax", "**.txt" against "d/a.txt" or "atxt", "a**" and "**b" and "a**b"
//     against "a/b" — RHQ yes, antglob no.
//  3. "x/**" matches x itself: "data/**" against a file "data", "a*/**"
//     against "a", "**/test/**" against "test", a fileset with dir="conf" and
//     no includes against "conf" — RHQ no, antglob yes. (For a directory,
//     tested as "data/", RHQ says yes too.)
//  4. A trailing separator means "/**": "logs/" against "logs/a/b" — RHQ no
//     (its regex "logs/" matches only the directory itself), antglob yes;
//     "logs\" — RHQ's regex does not compile, antglob matches "logs/a".
//  5. "\" is a separator: "conf\app.xml" against "conf/app.xml" — RHQ no ("\a"
//     is a regex escape), antglob yes.
//  6. Regex metacharacters are literal: "[abc].txt" against "a.txt", "x{2}"
//     against "xx", "a+b.txt" against "aab.txt", "(x)" against "x", "a|b"
//     against "a" — RHQ yes, antglob no; each of "[abc].txt", "[!a]", "a+b.txt",
//     "(x)", "$HOME^", "a|b" against itself — RHQ no, antglob yes.
//     "{a,b}.txt", "a}b{" and "*[*" are regexes Java rejects (the RHQ
//     deployment fails); antglob matches them literally.
//  7. dir binds every include (R168): dir="conf" includes="a.xml,b.xml"
//     against "conf/b.xml" — RHQ no, antglob yes; against "b.xml" — RHQ yes,
//     antglob no.
//  8. Excludes apply (R167's regex has none): include "**/*.properties",
//     exclude "secret/**" against "secret/a.properties" — RHQ yes, antglob no.
//  9. Directories (rhq:ignore) match like files. RHQ tests "logs/", so only a
//     pattern whose regex ends in ".*" can match a directory: "logs" against
//     the directory "logs", "logs/*" against the directory "logs/archive"
//     (whose files RHQ then does not match either), "**/*.log" against the
//     directory "x/old.log" — RHQ no, antglob yes. Conversely MatchDir says no
//     for a matching directory that an exclude may reach into: include
//     "data/**", exclude "data/keep.txt" against the directory "data" — RHQ
//     yes (the whole tree is ignored, keep.txt too), MatchDir no (the walk
//     descends and everything but data/keep.txt is ignored).
//  10. Paths and dirs are normalized: "a//b", "./a" and "a/./b" against "a/b"
//     and "a"; dir="a/./b/../c" with "x" against "a/c/x"; dir="." with "x"
//     against "x" — RHQ no, antglob yes. Wildcards in dir are literal: RHQ
//     copies dir into its regex, and dir="*" does not compile there.
//  11. A relative pattern never matches an absolute path: "**" against "/a" —
//     RHQ yes, antglob no. The empty path (the base itself): "*" — RHQ yes,
//     antglob no; "." — RHQ no, antglob yes. Neither path occurs in a
//     deployment; they are listed for completeness.
//  12. A ".." segment is an error (ErrParentSegment); RHQ compiles a regex
//     that matches nothing.
//
// The patterns recipes commonly use agree: "*.log", "logs/*.log",
// "**/*.properties" (which matches a top-level "a.properties" in both),
// "sub/**/*.xml", "data/**" against the directory and its contents.
package antglob
