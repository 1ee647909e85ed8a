package metadata

import (
	"errors"
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/bundlekit/bundlekit/internal/winpath"
)

// The layout of the metadata (R13–R15). Every path is relative to D and uses
// "/"; convert with filepath.FromSlash or use it with an os.Root or fs.FS.
const (
	// Dir is the metadata directory directly under D (R13).
	Dir = ".rhqdeployments"
	// CurrentPath names the current deployment's properties (R14).
	CurrentPath = Dir + "/current-deployment.properties"
)

// ErrInvalidKey reports a key that has no backup location: an empty path, a
// relative path that climbs out of D, or a root.
var ErrInvalidKey = errors.New("no backup location for this path")

// IDDir returns the folder of deployment id, named by Java's
// Integer.toString (R15): ".rhqdeployments/-3".
func IDDir(id int32) string { return Dir + "/" + strconv.Itoa(int(id)) }

// DeploymentPath returns the path of deployment id's properties.
func DeploymentPath(id int32) string { return IDDir(id) + "/deployment.properties" }

// HashesPath returns the path of deployment id's file-hashcodes.dat (R17).
func HashesPath(id int32) string { return IDDir(id) + "/file-hashcodes.dat" }

// PreviousPath returns the path of the copy of the properties that were
// current when deployment id was recorded (R26, R29).
func PreviousPath(id int32) string { return IDDir(id) + "/previous-deployment.properties" }

// BackupDir returns the folder of the files under D that deployment id
// displaced (R125). A file found at BackupDir(id)+"/"+rel is restored to the
// relative key rel (R131).
func BackupDir(id int32) string { return IDDir(id) + "/backup" }

// ExtBackupDir returns the folder of the external files that deployment id
// displaced (R126). See ExternalKey and ExternalKeyWindows for restoring.
func ExtBackupDir(id int32) string { return IDDir(id) + "/ext-backup" }

// BackupPath returns where deployment id backs up the path key (R125, R126,
// R34):
//
//   - a relative key k: BackupDir(id)/k;
//   - a POSIX absolute key: ExtBackupDir(id) followed by the key
//     ("/tmp/x/a.txt" → ".rhqdeployments/5/ext-backup/tmp/x/a.txt");
//   - a Windows key with a drive: ExtBackupDir(id)/_<upper-case drive>
//     followed by the rest ("c:/x/a.txt" → ".rhqdeployments/5/ext-backup/_C/x/a.txt");
//   - a UNC key "//server/share/x": ExtBackupDir(id)/server/share/x, as RHQ
//     does on Windows; note that, as in RHQ, a revert on Windows does not
//     restore it (see ExternalKeyWindows).
//
// The key is cleaned lexically first ("./a" and "a//b" are "a" and "a/b"),
// which is where the operating system would put RHQ's backup file. A relative
// key that climbs out of D ("../x"), an empty key and a root are refused
// with ErrInvalidKey, where RHQ would write outside the backup folder.
func BackupPath(id int32, key string) (string, error) {
	if d := winpath.AbsDrive(key); d != 0 {
		rest, err := rooted(key, strings.ReplaceAll(key[2:], `\`, "/"))
		if err != nil {
			return "", err
		}
		return ExtBackupDir(id) + "/_" + string(d) + rest, nil
	}
	if strings.HasPrefix(key, "/") {
		rest, err := rooted(key, key)
		if err != nil {
			return "", err
		}
		return ExtBackupDir(id) + rest, nil
	}
	clean := path.Clean(key)
	if clean == "." || clean == ".." || strings.HasPrefix(clean, "../") {
		return "", fmt.Errorf("backup of %q: %w", key, ErrInvalidKey)
	}
	return BackupDir(id) + "/" + clean, nil
}

// rooted cleans p, which starts with "/", and refuses the root itself.
func rooted(key, p string) (string, error) {
	clean := path.Clean(p)
	if clean == "/" {
		return "", fmt.Errorf("backup of %q: %w", key, ErrInvalidKey)
	}
	return clean, nil
}

// ExternalKey returns the key that a file found at ExtBackupDir(id)+"/"+rel
// is restored to on a POSIX system (R131): "/" + rel. Every file is restored,
// "_C/x" included, as RHQ does on Unix.
func ExternalKey(rel string) string { return "/" + rel }

// ExternalKeyWindows returns the key that a file found at
// ExtBackupDir(id)+"/"+rel is restored to on Windows (R34, R131), and whether
// it is restored at all: only files below a first folder named "_" and one
// ASCII letter are, to that drive ("_c/x/a.txt" → "C:/x/a.txt").
func ExternalKeyWindows(rel string) (string, bool) {
	first, rest, ok := strings.Cut(rel, "/")
	if !ok || rest == "" || len(first) != 2 || first[0] != '_' {
		return "", false
	}
	d := winpath.AbsDrive(first[1:] + ":/")
	if d == 0 {
		return "", false
	}
	return string(d) + ":/" + rest, true
}
