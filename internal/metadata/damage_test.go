package metadata

import (
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"
)

const md5x = "9dd4e461268c8034f5c8564e155c67a6"

// TestLoadDamagedCurrent: a current-deployment.properties that exists but is
// not a valid record leaves D unmanaged, as R16 says, but Load reports the
// damage, naming the file and what to do, so that no deployment takes D for
// one that never held a deployment and wipes it (R58). A missing record is
// not damage.
func TestLoadDamagedCurrent(t *testing.T) {
	dir := filepath.FromSlash("/opt/app")
	current := filepath.Join(dir, ".rhqdeployments", "current-deployment.properties")
	tests := []struct {
		name    string
		edit    func(fstest.MapFS)
		damaged bool
		reason  error // errors.Is target of the damage, nil to skip
	}{
		{"empty, as a crash before the data reached the disk leaves it", func(m fstest.MapFS) {
			m[CurrentPath] = &fstest.MapFile{}
		}, true, ErrNoID},
		{"garbage bytes", func(m fstest.MapFS) {
			m[CurrentPath] = &fstest.MapFile{Data: []byte("\x00\x01\xfe\xff PK\x03\x04 garbage")}
		}, true, ErrNoID},
		{"valid syntax without an id", func(m fstest.MapFS) {
			m[CurrentPath] = &fstest.MapFile{Data: []byte("bundle.name=a\nbundle.version=1\n")}
		}, true, ErrNoID},
		{"an invalid id", func(m fstest.MapFS) {
			m[CurrentPath] = &fstest.MapFile{Data: []byte("deployment.id=2x\nbundle.name=a\nbundle.version=1\n")}
		}, true, ErrInvalidID},
		{"cut in an escape", func(m fstest.MapFS) {
			m[CurrentPath] = &fstest.MapFile{Data: []byte("deployment.id=2\nbundle.name=\\u00")}
		}, true, nil},
		{"an unknown compliance", func(m fstest.MapFS) {
			m[CurrentPath] = &fstest.MapFile{Data: []byte("deployment.id=2\nbundle.name=a\nbundle.version=1\nbundle.destination.compliance=ful\n")}
		}, true, ErrInvalidCompliance},
		{"a directory", func(m fstest.MapFS) {
			delete(m, CurrentPath)
			m[CurrentPath+"/x"] = &fstest.MapFile{}
		}, true, nil},
		{"naming a folder that is missing", func(m fstest.MapFS) {
			m[CurrentPath] = &fstest.MapFile{Data: []byte("deployment.id=9\nbundle.name=a\nbundle.version=1\n")}
		}, true, fs.ErrNotExist},
		{"no record at all", func(m fstest.MapFS) { clear(m) }, false, nil},
		{"no current file", func(m fstest.MapFS) { delete(m, CurrentPath) }, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := rhqTree(t)
			tt.edit(m)
			s, err := Load(m, dir)
			require.NoError(t, err, "damage is reported in the State, not as a failure to read")
			require.False(t, s.Managed, "R16")
			if !tt.damaged {
				require.NoError(t, s.Damaged)
				return
			}
			var de *DamagedError
			require.ErrorAs(t, s.Damaged, &de)
			require.Equal(t, current, de.File)
			require.Equal(t, s.Damaged, s.Reason)
			if tt.reason != nil {
				require.ErrorIs(t, s.Damaged, tt.reason)
			}
			msg := s.Damaged.Error()
			require.True(t, strings.HasPrefix(msg, current+" is damaged: "), msg)
			require.Contains(t, msg, "restore it from a backup")
			require.Contains(t, msg, "deployer adopt")
			var nm *NotManagedError
			require.ErrorAs(t, s.RequireManaged(), &nm)
			require.ErrorIs(t, s.RequireManaged(), s.Damaged)
		})
	}
}

// TestLoadDamagedHashes: a current deployment whose file-hashcodes.dat is
// missing, cut short, malformed or holds what RHQ never writes (R17–R19) stays
// managed (R16), but Hashes refuses it with a *DamagedError, so that no
// decision rests on it: a record cut short would make every file it lost look
// unknown, to be backed up and removed (R117); a path climbing out of D would
// point a deletion outside it.
func TestLoadDamagedHashes(t *testing.T) {
	dir := filepath.FromSlash("/opt/app")
	file := filepath.Join(dir, ".rhqdeployments", "2", "file-hashcodes.dat")
	const good = "bin/start.sh\t3f786850e387550fdab836ed7e6dc881\nconf/app.conf\t5d41402abc4b2a76b9719d911017c592\n"
	tests := []struct {
		name string
		data *string // nil: the file is missing
		want string  // a fragment of the damage; "" when the file is sound
	}{
		{"missing", nil, "file does not exist"},
		{"cut in a hash", ptr(good[:len(good)-10]), "its last line has no line break: the file was cut short"},
		{"cut after a hash", ptr(good[:len(good)-1]), "cut short"},
		{"cut in a path", ptr(good + "lib/ap"), "Format error"},
		{"cut after a TAB", ptr(good + "lib/app.jar\t"), "Format error"},
		{"a blank line", ptr(good + "\n"), "Format error"},
		{"a short hash", ptr(good + "lib/app.jar\t92eb5ffee6\n"), `the hash "92eb5ffee6" of "lib/app.jar" is neither an MD5`},
		{"an upper-case hash", ptr("a\t" + strings.ToUpper(md5x) + "\n"), "neither an MD5"},
		{"garbage bytes", ptr("\xff\x13garbage\t\x01\x02\n"), "neither an MD5"},
		{"a path climbing out", ptr("../../etc/passwd\t" + md5x + "\n"), `the path "../../etc/passwd" is not a path inside the destination`},
		{"a path climbing out, Windows style", ptr(`a\..\..\x` + "\t" + md5x + "\n"), "not a path inside the destination"},
		{"the destination itself", ptr("./\t" + md5x + "\n"), "not a path inside the destination"},
		{"an empty path", ptr("\t" + md5x + "\n"), "a line has an empty path"},
		{"a NUL byte in a path", ptr("a\x00b\t" + md5x + "\n"), "NUL"},

		{"empty", ptr(""), ""},
		{"markers, external files, CRLF and CR", ptr("/etc/hosts\t" + md5x + "\r\nC:/x\t" + MarkUnknownFile + "\rd/e\t" + MarkDeleted + "\n"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := rhqTree(t)
			delete(m, HashesPath(2))
			if tt.data != nil {
				m[HashesPath(2)] = &fstest.MapFile{Data: []byte(*tt.data)}
			}
			s, err := Load(m, dir)
			require.NoError(t, err)
			require.True(t, s.Managed, "R16 does not look at the hashes")
			h, err := s.Hashes()
			if tt.want == "" {
				require.NoError(t, err)
				require.NoError(t, s.Damaged)
				require.NotNil(t, h)
				return
			}
			require.Nil(t, h)
			var de *DamagedError
			require.ErrorAs(t, err, &de)
			require.Equal(t, file, de.File)
			require.ErrorContains(t, err, file+" is damaged: ")
			require.ErrorContains(t, err, tt.want)
			require.ErrorContains(t, err, "deployer adopt")
			require.Equal(t, err, s.Damaged, "the damage is also the State's")
		})
	}
}

func ptr(s string) *string { return &s }

// TestLoadHashesUnreadableIsNotDamage: a file that cannot be read is an error,
// but not damage: restoring a backup would not help.
func TestLoadHashesUnreadableIsNotDamage(t *testing.T) {
	s, err := Load(failFS{FS: rhqTree(t), name: HashesPath(2)}, "/opt/app")
	require.NoError(t, err)
	_, err = s.Hashes()
	require.ErrorIs(t, err, fs.ErrPermission)
	var de *DamagedError
	require.False(t, errors.As(err, &de))
	require.NoError(t, s.Damaged)
}

func TestPreviousDamaged(t *testing.T) {
	m := rhqTree(t)
	m[PreviousPath(2)] = &fstest.MapFile{Data: []byte("\x00garbage")}
	s, err := Load(m, "/opt/app")
	require.NoError(t, err)
	_, ok, err := s.Previous(2)
	require.False(t, ok)
	var de *DamagedError
	require.ErrorAs(t, err, &de)
	require.Equal(t, filepath.Join("/opt/app", ".rhqdeployments", "2", "previous-deployment.properties"), de.File)
	require.ErrorIs(t, err, ErrNoID)
}

// FuzzLoad: whatever current-deployment.properties and file-hashcodes.dat
// hold, Load does not panic; a record it accepts has only keys inside D or
// external, and MD5s or markers; a record it refuses is a *DamagedError.
func FuzzLoad(f *testing.F) {
	f.Add([]byte("deployment.id=1\nbundle.name=a\nbundle.version=1\n"), []byte("a\t"+md5x+"\n"))
	f.Add([]byte("deployment.id=1\nbundle.name=a\nbundle.version=1\n"), []byte("../a\t"+md5x+"\n"))
	f.Add([]byte("deployment.id=1\nbundle.name=a\nbundle.version=1\n"), []byte("a\t"+md5x[:20]))
	f.Add([]byte(""), []byte(""))
	f.Add([]byte("deployment.id=\\u00"), []byte("\t\t\n"))
	f.Fuzz(func(t *testing.T, current, hashes []byte) {
		m := fstest.MapFS{
			CurrentPath:   {Data: current},
			HashesPath(1): {Data: hashes},
		}
		s, err := Load(m, "/d")
		if err != nil {
			t.Fatalf("Load failed on readable files: %v", err)
		}
		if !s.Managed {
			var de *DamagedError
			if s.Damaged != nil && !errors.As(s.Damaged, &de) {
				t.Fatalf("damage that is not a *DamagedError: %v", s.Damaged)
			}
			return
		}
		h, err := s.Hashes()
		if err != nil {
			var de *DamagedError
			if !errors.As(err, &de) || s.Damaged == nil {
				t.Fatalf("refused without a *DamagedError: %v", err)
			}
			return
		}
		if err := checkRecorded(h); err != nil {
			t.Fatalf("accepted a record that fails its own check: %v", err)
		}
	})
}
