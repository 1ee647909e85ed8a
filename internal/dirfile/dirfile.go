// Package dirfile is what bundlekit's own packages need of a fileops.Dir
// beyond its API: opening a file with any of os.OpenFile's flags, and the
// names of the temporary files fileops writes.
//
// OpenFile is for the small files a deployer keeps beside the content (its
// lock, its journal), which need O_EXCL creation and appending, and for the
// Ant tasks that create or touch a file; content goes through fileops's
// atomic writes, which is why fileops does not export it. A temporary file
// is left behind only by a process that died while writing; a walk may skip
// or remove one (IsTemp).
package dirfile

import (
	"errors"
	"io/fs"
	"math/rand/v2"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
)

// Dir is what this package sees of a *fileops.Dir, the only type OpenFile
// accepts.
type Dir interface {
	Path() string
}

// Opener opens name in d like os.OpenFile, resolved through d's os.Root.
type Opener func(d Dir, name string, flag int, perm fs.FileMode) (*os.File, error)

var opener Opener

// Register is called once by package fileops as it is initialised, so any
// package holding a *fileops.Dir can call OpenFile.
func Register(o Opener) { opener = o }

// ErrNotDir: OpenFile was given a Dir that is not a *fileops.Dir.
var ErrNotDir = errors.New("not a fileops.Dir")

// OpenFile opens name, a name valid in d (see fileops.CheckName), with the
// given flags and permission (before umask), like os.OpenFile; no name
// reaches outside d. The error is an *fs.PathError naming the file.
func OpenFile(d Dir, name string, flag int, perm fs.FileMode) (*os.File, error) {
	if opener == nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: ErrNotDir}
	}
	return opener(d, name, flag, perm)
}

// Temporary files are named tempPrefix + random + tempSuffix.
const (
	tempPrefix = ".bundlekit-"
	tempSuffix = ".tmp"
)

// TempPattern stands for any temporary file name in reports, where the
// random part is not known yet.
const TempPattern = tempPrefix + "*" + tempSuffix

// TempName returns a new temporary file name, to be created with O_EXCL in
// the directory of the file it will replace (and another name tried when it
// exists).
func TempName() string {
	return tempPrefix + strconv.FormatUint(rand.Uint64(), 36) + tempSuffix
}

// IsTemp reports whether the last element of name (with / or the system's
// separator) is a name TempName returns.
func IsTemp(name string) bool {
	base := path.Base(filepath.ToSlash(name))
	return len(base) > len(tempPrefix)+len(tempSuffix) &&
		strings.HasPrefix(base, tempPrefix) && strings.HasSuffix(base, tempSuffix)
}
