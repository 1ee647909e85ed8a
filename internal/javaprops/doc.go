// Package javaprops reads and writes Java .properties files, byte-compatible
// with java.util.Properties: the format of RHQ's deployment metadata
// (deployment.properties and current-deployment.properties, R20–R25) and of
// the property files rhq-ant users pass caller values in. Rule numbers refer to
// docs/behavior.md in the module.
//
// # Reading
//
// Decode implements the whole syntax of Properties.load as the JDK (9 and
// later) implements it: natural and logical lines ended by "\n", "\r\n" or
// "\r"; comment lines whose first non-blank character is '#' or '!'; blank
// lines; a key ended by the first unescaped '=', ':', space, tab or form feed,
// with blanks and one '=' or ':' skipped before the value; a key alone gets the
// empty value; a line ending in an odd number of backslashes continues on the
// next, whose leading blanks are dropped; the escapes \t \n \r \f and \uXXXX,
// any other escaped character standing for itself; a malformed \uXXXX is an
// error. A later definition of a key replaces an earlier one. Errors are
// *SyntaxError values naming line and column, and never quote the text.
//
// Decoding is one pass over the input: time is linear in its size, and memory
// is the result plus the longest logical line.
//
// Latin1 is Java's default (Properties.load(InputStream)); UTF8 corresponds to
// Properties.load(Reader) with a UTF-8 reader.
//
// # Writing
//
// Store writes exactly what Properties.store(OutputStream, String) writes:
// the escaped comment, the Date.toString timestamp, then key=value lines with
// saveConvert's escaping and \uXXXX for everything outside U+0020–U+007E. So
// Decode(Store(m)) == m for every map of valid UTF-8 strings (R25).
//
// # Deviations from Java
//
//   - Order: Store sorts keys by Java's String.compareTo (UTF-16 order). JDK 18
//     and later do the same; older JDKs, which RHQ ran on, write hash order.
//     Readers do not depend on the order (R20), and sorting makes the output
//     deterministic.
//   - Line separator: "\n" unless StoreOptions.CRLF asks for Java's Windows
//     "\r\n"; Java uses the separator of the platform it runs on.
//   - Comment: an empty StoreOptions.Comments writes no comment line, where
//     Java writes "#" for an empty, non-null comment.
//   - Time zone: the timestamp names the zone by its abbreviation in Go's time
//     zone database (CEST, UTC, EST); where it has none, by Java's name for a
//     custom zone (GMT+04:00). Java's names differ for a few zones; the line is
//     a comment, which no reader interprets.
//   - Lone surrogates: a \uXXXX escape of an unpaired UTF-16 surrogate decodes
//     to U+FFFD, because a Go string holds Unicode characters, not UTF-16.
//   - UTF8 mode rejects invalid UTF-8 (Java's InputStreamReader would replace
//     it silently) and skips a leading byte-order mark (Java would make it part
//     of the first key).
//   - Order of Decode's result: Properties keeps each key at the position of
//     its first occurrence so tools can show a file in its own order; Java's
//     Properties keeps no order at all.
package javaprops
