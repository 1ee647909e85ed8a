package fileops

import (
	"errors"
	"fmt"
)

// Reasons an archive, an entry or a name is refused. Errors from this package
// wrap them, so callers branch with errors.Is; archive errors are *ArchiveError
// and name errors *fs.PathError, which carry the where.
var (
	// ErrUnsafePath: a name that could reach outside its directory or mean
	// different files on different systems: empty, absolute, with a drive
	// letter, a ".." element, an empty or "." element, a NUL byte, and for
	// archive entries also a backslash, a control character or invalid UTF-8
	// (see the package documentation for the full rules).
	ErrUnsafePath = errors.New("unsafe path")
	// ErrDuplicate: two archive entries with the same name.
	ErrDuplicate = errors.New("duplicate entry")
	// ErrCaseCollision: two archive entries (or their parent directories) whose
	// names differ only in letter case; they would overwrite each other on a
	// case-insensitive file system (Windows, macOS).
	ErrCaseCollision = errors.New("names differ only in case")
	// ErrFileAsDir: an archive entry that is a file and also a directory,
	// because another entry is a directory of the same name or lies below it.
	ErrFileAsDir = errors.New("file entry used as a directory")
	// ErrIrregular: an archive entry or a file that is neither a regular file
	// nor a directory (symbolic link, device, named pipe, …), or a directory
	// entry that carries content.
	ErrIrregular = errors.New("not a regular file or directory")
	// ErrUnsupportedEntry: an archive entry that is encrypted or compressed with
	// a method other than Store or Deflate.
	ErrUnsupportedEntry = errors.New("unsupported zip entry")
	// ErrTooMany: an archive with more entries than Limits.MaxEntries.
	ErrTooMany = errors.New("too many entries")
	// ErrTooLarge: an entry whose declared size exceeds Limits.MaxEntrySize,
	// an archive whose declared sizes add up to more than Limits.MaxTotalSize,
	// or an entry that holds more bytes than it declares. ErrRatio is a kind
	// of ErrTooLarge.
	ErrTooLarge = errors.New("too large")
	// ErrRatio: an entry, or an archive, that expands more than
	// Limits.MaxRatio allows (a zip bomb), by its declared sizes or while it
	// is read. It matches ErrTooLarge too, so code that stops at any
	// oversized archive needs no change; code that wants to suggest raising
	// Limits.MaxRatio tests for ErrRatio.
	ErrRatio error = ratioError{}
	// ErrCrossDevice: Rename was asked to move a name to another file system,
	// which a rename cannot do (see MoveByCopy).
	ErrCrossDevice = errors.New("cannot rename across file systems")
)

type ratioError struct{}

func (ratioError) Error() string { return "compression ratio over the limit" }
func (ratioError) Unwrap() error { return ErrTooLarge }

// ArchiveError reports a problem with a zip archive or one of its entries.
type ArchiveError struct {
	Archive string // the archive's name as given to OpenZip; empty when writing
	Entry   string // the entry's name as stored; empty for the archive as a whole
	Err     error
}

func (e *ArchiveError) Error() string {
	switch {
	case e.Archive == "":
		return fmt.Sprintf("zip entry %q: %v", e.Entry, e.Err)
	case e.Entry == "":
		return fmt.Sprintf("zip %s: %v", e.Archive, e.Err)
	default:
		return fmt.Sprintf("zip %s: entry %q: %v", e.Archive, e.Entry, e.Err)
	}
}

func (e *ArchiveError) Unwrap() error { return e.Err }
