package metadata

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLayoutPaths(t *testing.T) {
	tests := []struct {
		id  int32
		dir string
	}{
		{0, ".rhqdeployments/0"},
		{12345, ".rhqdeployments/12345"},
		{-3, ".rhqdeployments/-3"},
		{-2147483648, ".rhqdeployments/-2147483648"},
	}
	for _, tt := range tests {
		// R15: decimal Integer.toString form.
		require.Equal(t, tt.dir, IDDir(tt.id))
		require.Equal(t, tt.dir+"/deployment.properties", DeploymentPath(tt.id))
		require.Equal(t, tt.dir+"/file-hashcodes.dat", HashesPath(tt.id))
		require.Equal(t, tt.dir+"/previous-deployment.properties", PreviousPath(tt.id))
		require.Equal(t, tt.dir+"/backup", BackupDir(tt.id))
		require.Equal(t, tt.dir+"/ext-backup", ExtBackupDir(tt.id))
	}
	require.Equal(t, ".rhqdeployments", Dir)                                       // R13
	require.Equal(t, ".rhqdeployments/current-deployment.properties", CurrentPath) // R14
}

func TestBackupPath(t *testing.T) {
	tests := []struct {
		name string
		key  string
		want string // "" for ErrInvalidKey
	}{
		{"R125 top-level file", "a.txt", ".rhqdeployments/5/backup/a.txt"},
		{"R125 structure kept", "conf/sub/a.txt", ".rhqdeployments/5/backup/conf/sub/a.txt"},
		{"R125 directory key", "conf", ".rhqdeployments/5/backup/conf"},
		{"R40 dot segment cleaned", "./a.txt", ".rhqdeployments/5/backup/a.txt"},
		{"R40 double slash cleaned", "a//b", ".rhqdeployments/5/backup/a/b"},
		{"dot-dot inside D", "a/../b", ".rhqdeployments/5/backup/b"},
		{"R19 backslash is a name", "a\\b", ".rhqdeployments/5/backup/a\\b"},
		{"R126 POSIX external", "/tmp/x/a.txt", ".rhqdeployments/5/ext-backup/tmp/x/a.txt"},
		{"R126 POSIX external cleaned", "/tmp/../x//a.txt", ".rhqdeployments/5/ext-backup/x/a.txt"},
		{"R34 Windows drive", "C:/x/a.txt", ".rhqdeployments/5/ext-backup/_C/x/a.txt"},
		{"R34 drive letter upper-cased", "d:/x/a.txt", ".rhqdeployments/5/ext-backup/_D/x/a.txt"},
		{"R34 backslashes of a drive path", `C:\x\a.txt`, ".rhqdeployments/5/ext-backup/_C/x/a.txt"},
		{"R126 UNC as RHQ on Windows", "//server/share/a.txt", ".rhqdeployments/5/ext-backup/server/share/a.txt"},

		{"empty", "", ""},
		{"dot", ".", ""},
		{"climbs out of D", "../x", ""},
		{"climbs out of D later", "a/../../x", ""},
		{"POSIX root", "/", ""},
		{"drive root", "C:/", ""},
		{"drive root climbing", "C:/..", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := BackupPath(5, tt.key)
			if tt.want == "" {
				require.ErrorIs(t, err, ErrInvalidKey)
				require.Empty(t, got)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestExternalKey(t *testing.T) {
	// R131 on Unix: every file, drive folders included.
	require.Equal(t, "/tmp/x/a.txt", ExternalKey("tmp/x/a.txt"))
	require.Equal(t, "/_C/x", ExternalKey("_C/x"))
}

func TestExternalKeyWindows(t *testing.T) {
	tests := []struct {
		rel  string
		want string // "" when not restored
	}{
		{"_C/x/a.txt", "C:/x/a.txt"},     // R34
		{"_c/a.txt", "C:/a.txt"},         // R34 a lower-case folder maps to an upper-case drive
		{"_z/deep/er/a", "Z:/deep/er/a"}, // R34
		{"_C", ""},                       // a file directly in ext-backup: not in a drive folder
		{"_C/", ""},
		{"_CC/x", ""},
		{"C/x", ""},
		{"_1/x", ""},
		{"_é/x", ""},
		{"tmp/x/a.txt", ""},
		{"server/share/a.txt", ""}, // R126 UNC backups are not restored
		{"", ""},
	}
	for _, tt := range tests {
		got, ok := ExternalKeyWindows(tt.rel)
		require.Equal(t, tt.want != "", ok, "ExternalKeyWindows(%q)", tt.rel)
		require.Equal(t, tt.want, got, "ExternalKeyWindows(%q)", tt.rel)
	}
}

func TestBackupRestoreRoundTrip(t *testing.T) {
	// R126 then R131: the backup of an external key restores to that key.
	for _, key := range []string{"/tmp/x/a.txt", "/a"} {
		bak, err := BackupPath(7, key)
		require.NoError(t, err)
		rel, ok := strings.CutPrefix(bak, ExtBackupDir(7)+"/")
		require.True(t, ok)
		require.Equal(t, key, ExternalKey(rel))
	}
	for _, key := range []string{"C:/x/a.txt", "Q:/a"} {
		bak, err := BackupPath(7, key)
		require.NoError(t, err)
		rel, ok := strings.CutPrefix(bak, ExtBackupDir(7)+"/")
		require.True(t, ok)
		got, ok := ExternalKeyWindows(rel)
		require.True(t, ok)
		require.Equal(t, key, got)
	}
	// R125 then R131: relative keys are the path below the backup folder.
	bak, err := BackupPath(7, "conf/a.txt")
	require.NoError(t, err)
	require.Equal(t, BackupDir(7)+"/conf/a.txt", bak)
}
