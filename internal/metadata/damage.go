package metadata

import (
	"fmt"
	"io/fs"
	"path"
	"strings"
)

// DamagedError reports a file of a deployment record that exists but cannot be
// trusted: a current-deployment.properties that does not decode or names a
// folder that is not there, a file-hashcodes.dat that is missing, cut short,
// malformed or holds what RHQ never writes. Nothing may be decided on such a
// record: taken as no record, it would make the next deployment an initial one,
// which backs up and removes every file of D (R58); taken as it reads, it
// would make recorded files look unknown, or point a deletion outside D. The
// message says what to do.
type DamagedError struct {
	// File is the damaged file, below D, in the running system's form.
	File string
	// Err says what is wrong with it.
	Err error
}

func (e *DamagedError) Error() string {
	return fmt.Sprintf("%s is damaged: %v; restore it from a backup, or record the destination afresh: "+
		"move %s aside and run `deployer adopt` (which records every file on disk as the deployment's own)",
		e.File, e.Err, Dir)
}

func (e *DamagedError) Unwrap() error { return e.Err }

// cutShort reports whether text ends in the middle of a line: RHQ (and
// EncodeHashes) end every line, the last one included, with a line break, so
// a file that does not was cut short, by a crash or a full disk, possibly in
// the middle of a hash.
func cutShort(text string) bool {
	return text != "" && text[len(text)-1] != '\n' && text[len(text)-1] != '\r'
}

// checkRecorded checks what DecodeHashes accepts (RHQ's syntax) against what
// RHQ and bundlekit write (R19): keys are relative paths that stay inside D,
// or absolute paths of external files; values are MD5s in 32 lowercase hex
// digits or markers. The first offence, in key order, is reported.
func checkRecorded(h Hashes) error {
	var first string
	var err error
	for k, v := range h {
		e := checkKey(k)
		if e == nil && !isMD5(v) && !isMarker(v) {
			e = fmt.Errorf("the hash %q of %q is neither an MD5 (32 lowercase hex digits) nor a marker", v, k)
		}
		if e != nil && (err == nil || k < first) {
			first, err = k, e
		}
	}
	return err
}

func checkKey(k string) error {
	if plainLocal(k) {
		return nil
	}
	return checkAnyKey(k)
}

// checkAnyKey is checkKey without its fast path.
func checkAnyKey(k string) error {
	switch {
	case k == "":
		return fmt.Errorf("a line has an empty path")
	case strings.ContainsRune(k, 0):
		return fmt.Errorf("the path %q holds a NUL byte", k)
	case IsExternal(k):
		return nil
	}
	if c := path.Clean(strings.ReplaceAll(k, `\`, "/")); c == "." || c == ".." || strings.HasPrefix(c, "../") {
		return fmt.Errorf("the path %q is not a path inside the destination", k)
	}
	return nil
}

// plainLocal reports whether k is a relative slash-separated path that is
// already clean (fs.ValidPath, but for "."), with no NUL byte and no
// backslash: one that stays inside D with no need for path.Clean (see
// checkAnyKey), which took about a third of the time to read a 10,000-file
// map.
func plainLocal(k string) bool {
	return k != "." && fs.ValidPath(k) && !strings.ContainsAny(k, "\\\x00")
}

func isMD5(v string) bool {
	if len(v) != 32 {
		return false
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func isMarker(v string) bool {
	switch v {
	case MarkUnknownDir, MarkUnknownFile, MarkDeleted, MarkDirectory:
		return true
	}
	return false
}
