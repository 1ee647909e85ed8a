package fileops

import (
	"fmt"
	"io/fs"
	"runtime"
	"strings"
)

// ExtBackupName returns the name under which the external file abs is backed
// up, relative to a deployment's ext-backup directory (R126): on Unix abs
// without its leading "/" (/tmp/x/a.txt → tmp/x/a.txt); on Windows "_" and the
// upper-case drive letter, then the path below the drive (C:\x\a.txt →
// _C/x/a.txt, R34). abs must be absolute and clean; on Windows it must start
// with a drive letter and may use "/" as separator. The error is an
// *fs.PathError wrapping ErrUnsafePath.
func ExtBackupName(abs string) (string, error) {
	name, err := extBackupName(abs, runtime.GOOS == "windows")
	if err != nil {
		return "", &fs.PathError{Op: "backup name", Path: abs, Err: err}
	}
	return name, nil
}

// ExtBackupOrigin is the inverse of ExtBackupName: it returns the absolute
// path of the external file backed up as name. On Windows the first element
// of name must be "_" and a drive letter (R34: other names in ext-backup are
// not backups). The error is an *fs.PathError wrapping ErrUnsafePath.
func ExtBackupOrigin(name string) (string, error) {
	abs, err := extBackupOrigin(name, runtime.GOOS == "windows")
	if err != nil {
		return "", &fs.PathError{Op: "backup origin", Path: name, Err: err}
	}
	return abs, nil
}

func extBackupName(abs string, windows bool) (string, error) {
	rest, ok := strings.CutPrefix(abs, "/")
	prefix := ""
	if windows {
		abs = strings.ReplaceAll(abs, "/", `\`)
		ok = len(abs) > 3 && hasDriveLetter(abs) && abs[2] == '\\'
		if ok {
			prefix = "_" + strings.ToUpper(abs[:1]) + "/"
			rest = strings.ReplaceAll(abs[3:], `\`, "/")
		}
	}
	if !ok {
		return "", fmt.Errorf("%w: not an absolute path", ErrUnsafePath)
	}
	if reason := nameProblem(rest); reason != "" {
		return "", fmt.Errorf("%w: %s", ErrUnsafePath, reason)
	}
	return prefix + rest, nil
}

func extBackupOrigin(name string, windows bool) (string, error) {
	if reason := nameProblem(name); reason != "" {
		return "", fmt.Errorf("%w: %s", ErrUnsafePath, reason)
	}
	if !windows {
		return "/" + name, nil
	}
	drive, rest, ok := strings.Cut(name, "/")
	if !ok || len(drive) != 2 || drive[0] != '_' || !hasDriveLetter(drive[1:]+":") {
		return "", fmt.Errorf(`%w: does not start with "_" and a drive letter`, ErrUnsafePath)
	}
	return strings.ToUpper(drive[1:]) + `:\` + strings.ReplaceAll(rest, "/", `\`), nil
}
