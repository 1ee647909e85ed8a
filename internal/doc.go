// Package internal groups the packages that are not part of bundlekit's API: the
// on-disk metadata format, Ant glob matching, the Java .properties codec and, later,
// the Ant task interpreter and the apply journal, and the test seam that makes
// the file operations of the engine fail (faults).
package internal
