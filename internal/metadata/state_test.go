package metadata

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
)

const rhqDest = "testdata/rhq/dest"

// rhqTree returns the destination RHQ wrote (testdata/gen/RHQWriter.java) as
// a MapFS, for tests to change.
func rhqTree(t *testing.T) fstest.MapFS {
	t.Helper()
	m := fstest.MapFS{}
	err := filepath.WalkDir(rhqDest, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(rhqDest, p)
		if err != nil {
			return err
		}
		m[filepath.ToSlash(rel)] = &fstest.MapFile{Data: readFile(t, p), Mode: 0o644}
		return nil
	})
	require.NoError(t, err)
	return m
}

var (
	rhq2 = Properties{ID: 2, BundleName: "myapp", BundleVersion: "2.0",
		Description: "Line one\nLine two: ünïcode €", HasDescription: true, Compliance: Full,
		Extra: map[string]string{"custom.note": "kept = as is"}}
	rhq1 = Properties{ID: 1, BundleName: "myapp", BundleVersion: "1.1",
		Description: "First upgrade", HasDescription: true, Compliance: FilesAndDirectories}
	rhqLegacy = Properties{ID: -3, BundleName: "myapp", BundleVersion: "1.0",
		Description: "Initial release", HasDescription: true, Compliance: Full,
		Extra: map[string]string{KeyManageRootDir: "false"}}
)

func TestLoadRHQDestination(t *testing.T) {
	s, err := Load(os.DirFS(rhqDest), "/opt/myapp")
	require.NoError(t, err)
	require.True(t, s.Managed) // R16
	require.NoError(t, s.Reason)
	require.NoError(t, s.RequireManaged())
	if diff := cmp.Diff(fields(rhq2), fields(s.Current)); diff != "" {
		t.Errorf("R14 Current (-want +got):\n%s", diff)
	}
	// R15, R35: "007" and "notes" are not deployment folders.
	require.Equal(t, []int32{-3, 1, 2}, s.IDs)

	h, err := s.Hashes() // R67, R17 CRLF
	require.NoError(t, err)
	require.Len(t, h, 6)
	require.Equal(t, "e1671797c52e15f763380b45e841ec32", h["C:/ext/hosts"])
	require.Equal(t, "3f786850e387550fdab836ed7e6dc881", h["bin/start.sh"])

	// R26: the chain of previous deployments.
	prev, ok, err := s.Previous(2)
	require.NoError(t, err)
	require.True(t, ok)
	require.True(t, rhq1.Equal(prev))
	prev, ok, err = s.Previous(1)
	require.NoError(t, err)
	require.True(t, ok)
	require.True(t, rhqLegacy.Equal(prev), "R24: the legacy file loads as full")
	require.True(t, prev.ManageRootDir())
	_, ok, err = s.Previous(-3)
	require.NoError(t, err)
	require.False(t, ok, "R15: the first deployment has no previous")
	_, ok, err = s.Previous(99)
	require.NoError(t, err)
	require.False(t, ok, "an id without a folder has no previous")
}

func TestLoadUnmanaged(t *testing.T) {
	valid := "deployment.id=2\nbundle.name=a\nbundle.version=1\n"
	tests := []struct {
		name    string
		edit    func(fstest.MapFS)
		reason  error // errors.Is target, or nil to check only that there is a reason
		ids     []int32
		current bool // current-deployment.properties was read (R28 copies it)
	}{
		{name: "R57 empty destination", edit: func(m fstest.MapFS) { clear(m) }, reason: fs.ErrNotExist},
		{name: "R57 files but no metadata", edit: func(m fstest.MapFS) { clear(m); m["a.txt"] = &fstest.MapFile{} },
			reason: fs.ErrNotExist},
		{name: "R16 metadata is a file", edit: func(m fstest.MapFS) { clear(m); m[Dir] = &fstest.MapFile{} }},
		{name: "R16 no current file", edit: func(m fstest.MapFS) { delete(m, CurrentPath) },
			reason: fs.ErrNotExist, ids: []int32{-3, 1, 2}},
		{name: "R16 current file is a directory", edit: func(m fstest.MapFS) {
			delete(m, CurrentPath)
			m[CurrentPath+"/x"] = &fstest.MapFile{}
		}, ids: []int32{-3, 1, 2}},
		{name: "R16 R22 invalid current file", edit: func(m fstest.MapFS) {
			m[CurrentPath] = &fstest.MapFile{Data: []byte("bundle.name=a\nbundle.version=1\n")}
		}, reason: ErrNoID, ids: []int32{-3, 1, 2}, current: true},
		{name: "R16 R20 malformed current file", edit: func(m fstest.MapFS) {
			m[CurrentPath] = &fstest.MapFile{Data: []byte("deployment.id=\\u00")}
		}, ids: []int32{-3, 1, 2}, current: true},
		{name: "R16 no folder for the current id", edit: func(m fstest.MapFS) {
			m[CurrentPath] = &fstest.MapFile{Data: []byte("deployment.id=9\nbundle.name=a\nbundle.version=1\n")}
		}, reason: fs.ErrNotExist, ids: []int32{-3, 1, 2}, current: true},
		{name: "R16 folder of the current id is a file", edit: func(m fstest.MapFS) {
			clear(m)
			m[CurrentPath] = &fstest.MapFile{Data: []byte(valid)}
			m[IDDir(2)] = &fstest.MapFile{}
		}, current: true},
		{name: "R15 id folder named by Integer.toString only", edit: func(m fstest.MapFS) {
			clear(m)
			m[CurrentPath] = &fstest.MapFile{Data: []byte("deployment.id=+2\nbundle.name=a\nbundle.version=1\n")}
			m[Dir+"/+2/file-hashcodes.dat"] = &fstest.MapFile{}
		}, reason: fs.ErrNotExist, current: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := rhqTree(t)
			tt.edit(m)
			s, err := Load(m, "/opt/app")
			require.NoError(t, err)
			require.False(t, s.Managed)
			require.Error(t, s.Reason)
			if tt.reason != nil {
				require.ErrorIs(t, s.Reason, tt.reason)
			}
			require.Equal(t, tt.ids, s.IDs)
			require.Equal(t, tt.current, s.current != nil)

			// R32
			err = s.RequireManaged()
			var nm *NotManagedError
			require.ErrorAs(t, err, &nm)
			require.Equal(t, "/opt/app", nm.Dir)
			require.ErrorIs(t, err, s.Reason)
			require.Regexp(t, `^Not a managed deployment location: /opt/app \(.+\)$`, err.Error())
			_, err = s.Hashes()
			require.ErrorAs(t, err, &nm)
		})
	}
}

func TestLoadMissingDestination(t *testing.T) {
	s, err := Load(os.DirFS(filepath.Join(t.TempDir(), "missing")), "/missing")
	require.NoError(t, err)
	require.False(t, s.Managed)
	require.ErrorIs(t, s.Reason, fs.ErrNotExist) // R57
	_, _, err = s.Previous(1)
	var nm *NotManagedError
	require.ErrorAs(t, err, &nm, "R32: no metadata directory")
}

func TestLoadLegacyCurrent(t *testing.T) {
	// R24: a destination last deployed by RHQ before 4.9 is managed, in full
	// compliance, although it says manage.root.dir=false.
	m := rhqTree(t)
	m[CurrentPath] = m[DeploymentPath(-3)]
	s, err := Load(m, "/opt/app")
	require.NoError(t, err)
	require.True(t, s.Managed)
	require.Equal(t, Full, s.Current.Compliance)
	require.True(t, s.Current.ManageRootDir())
}

func TestLoadHashesOfManaged(t *testing.T) {
	dir := filepath.FromSlash("/opt/app")
	tests := []struct {
		name string
		data *fstest.MapFile // file-hashcodes.dat of id 2; nil: missing
		want Hashes
		err  func(*testing.T, error)
	}{
		{name: "R18 empty", data: &fstest.MapFile{}, want: Hashes{}},
		{name: "R16 missing: managed, but no O", err: func(t *testing.T, err error) {
			require.ErrorIs(t, err, fs.ErrNotExist)
		}},
		{name: "R18 malformed: managed, but no O", data: &fstest.MapFile{Data: []byte("a\th\n\n")},
			err: func(t *testing.T, err error) {
				var fe *FormatError
				require.ErrorAs(t, err, &fe)
				require.Equal(t, filepath.Join(dir, ".rhqdeployments", "2", "file-hashcodes.dat"), fe.File)
				require.Equal(t, 2, fe.Line)
			}},
		{name: "R16 a directory: managed, but no O", data: &fstest.MapFile{Mode: fs.ModeDir},
			err: func(t *testing.T, err error) { require.Error(t, err) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := rhqTree(t)
			delete(m, HashesPath(2))
			if tt.data != nil {
				m[HashesPath(2)] = tt.data
			}
			s, err := Load(m, dir)
			require.NoError(t, err)
			require.True(t, s.Managed, "R16 does not look at the hashes")
			got, err := s.Hashes()
			if tt.err != nil {
				tt.err(t, err)
				require.Nil(t, got)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestLoadIDs(t *testing.T) {
	m := fstest.MapFS{
		Dir + "/0/x":           {},
		Dir + "/-3/x":          {},
		Dir + "/12345/x":       {},
		Dir + "/-2147483648/x": {},
		Dir + "/2147483648/x":  {}, // beyond int32
		Dir + "/007/x":         {},
		Dir + "/+1/x":          {},
		Dir + "/-0/x":          {},
		Dir + "/notes/x":       {},
		Dir + "/5":             {}, // a file
		CurrentPath:            {Data: []byte("deployment.id=0\nbundle.name=a\nbundle.version=1\n")},
	}
	s, err := Load(m, "d")
	require.NoError(t, err)
	require.Equal(t, []int32{-2147483648, -3, 0, 12345}, s.IDs)
}

func TestLoadReadErrors(t *testing.T) {
	// A record that exists but cannot be read stops Load: RHQ would call D
	// unmanaged and wipe it into a backup (R58).
	for _, name := range []string{Dir, CurrentPath, IDDir(2)} {
		t.Run(name, func(t *testing.T) {
			fsys := failFS{FS: rhqTree(t), name: name}
			s, err := Load(fsys, "/opt/app")
			require.ErrorIs(t, err, fs.ErrPermission)
			require.Nil(t, s)
		})
	}
	t.Run("previous", func(t *testing.T) {
		s, err := Load(failFS{FS: rhqTree(t), name: PreviousPath(2)}, "/opt/app")
		require.NoError(t, err)
		_, _, err = s.Previous(2)
		require.ErrorIs(t, err, fs.ErrPermission)
	})
	t.Run("hashes", func(t *testing.T) {
		s, err := Load(failFS{FS: rhqTree(t), name: HashesPath(2)}, "/opt/app")
		require.NoError(t, err)
		require.True(t, s.Managed)
		_, err = s.Hashes()
		require.ErrorIs(t, err, fs.ErrPermission)
	})
}

func TestPreviousInvalid(t *testing.T) {
	m := rhqTree(t)
	m[PreviousPath(2)] = &fstest.MapFile{Data: []byte("deployment.id=x")}
	s, err := Load(m, "/opt/app")
	require.NoError(t, err)
	_, ok, err := s.Previous(2)
	require.False(t, ok)
	require.ErrorIs(t, err, ErrInvalidID)
}

// failFS fails to open one name with fs.ErrPermission.
type failFS struct {
	fs.FS
	name string
}

func (f failFS) Open(name string) (fs.File, error) {
	if name == f.name {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrPermission}
	}
	return f.FS.Open(name)
}

func TestNotManagedErrorMessage(t *testing.T) {
	require.EqualError(t, &NotManagedError{Dir: "/opt/app"}, "Not a managed deployment location: /opt/app")
	reason := errors.New("no .rhqdeployments directory")
	require.EqualError(t, &NotManagedError{Dir: "/opt/app", Reason: reason},
		"Not a managed deployment location: /opt/app (no .rhqdeployments directory)")
}

// TestHashesOf: the map of a deployment that is not the current one reads as
// the current one's does, with the same damage rules.
func TestHashesOf(t *testing.T) {
	s, err := Load(os.DirFS(rhqDest), "/opt/myapp")
	require.NoError(t, err)
	cur, err := s.Hashes()
	require.NoError(t, err)
	two, err := s.HashesOf(2)
	require.NoError(t, err)
	require.Equal(t, cur, two)
	one, err := s.HashesOf(1)
	require.NoError(t, err)
	require.NotEmpty(t, one)
	require.NotEqual(t, cur, one)
	_, err = s.HashesOf(7)
	var de *DamagedError
	require.ErrorAs(t, err, &de, "a missing map")

	empty, err := Load(fstest.MapFS{}, "/nowhere")
	require.NoError(t, err)
	_, err = empty.HashesOf(1)
	var nm *NotManagedError
	require.ErrorAs(t, err, &nm)
}
