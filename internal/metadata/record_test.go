package metadata

import (
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
)

// apply executes a plan on m, as the engine does through fileops.
func apply(m fstest.MapFS, writes []Write) {
	for _, w := range writes {
		m[w.Name] = &fstest.MapFile{Data: w.Data, Mode: 0o644}
	}
}

func names(writes []Write) []string {
	var n []string
	for _, w := range writes {
		n = append(n, w.Name)
	}
	return n
}

var v3 = Properties{ID: 3, BundleName: "myapp", BundleVersion: "3.0", Compliance: FilesAndDirectories}

func TestRecordOverRHQ(t *testing.T) {
	// R28: bundlekit upgrades a destination that RHQ deployed.
	m := rhqTree(t)
	s, err := Load(m, "/opt/myapp")
	require.NoError(t, err)
	h := Hashes{"bin/start.sh": "3f786850e387550fdab836ed7e6dc881", "bin": MarkDirectory, "/etc/myapp.conf": MarkUnknownFile}

	writes, err := Record(s, v3, h, rhqTime)
	require.NoError(t, err)
	require.Equal(t, []string{
		".rhqdeployments/3/deployment.properties",
		".rhqdeployments/3/file-hashcodes.dat",
		".rhqdeployments/3/previous-deployment.properties",
		".rhqdeployments/current-deployment.properties",
	}, names(writes))
	require.Equal(t, RecordPaths(3), names(writes), "RecordPaths names every file Record writes")
	require.Equal(t, m[CurrentPath].Data, writes[2].Data, "R28 previous is a byte copy of the current file")
	require.Equal(t, writes[0].Data, writes[3].Data)
	require.Equal(t, "/etc/myapp.conf\t?UNKNOWN_FILE_HASHCODE?\nbin/start.sh\t3f786850e387550fdab836ed7e6dc881\n",
		string(writes[1].Data), "R19 no directories")

	apply(m, writes)
	s, err = Load(m, "/opt/myapp")
	require.NoError(t, err)
	require.True(t, s.Managed)
	require.True(t, v3.Equal(s.Current))
	require.Equal(t, []int32{-3, 1, 2, 3}, s.IDs)
	got, err := s.Hashes()
	require.NoError(t, err)
	if diff := cmp.Diff(Hashes{"bin/start.sh": "3f786850e387550fdab836ed7e6dc881", "/etc/myapp.conf": MarkUnknownFile}, got); diff != "" {
		t.Errorf("hashes read back (-want +got):\n%s", diff)
	}
	prev, ok, err := s.Previous(3)
	require.NoError(t, err)
	require.True(t, ok)
	require.True(t, rhq2.Equal(prev), "R26 previous of 3 is 2")
}

func TestRecordSameID(t *testing.T) {
	// R2, R29: redeploying the current id; previous becomes a copy of itself.
	m := rhqTree(t)
	s, err := Load(m, "/opt/myapp")
	require.NoError(t, err)
	again := rhq2
	again.BundleVersion = "2.0.1"
	writes, err := Record(s, again, Hashes{}, rhqTime)
	require.NoError(t, err)
	require.Equal(t, PreviousPath(2), writes[2].Name)
	require.Equal(t, m[DeploymentPath(2)].Data, writes[2].Data)

	apply(m, writes)
	s, err = Load(m, "/opt/myapp")
	require.NoError(t, err)
	prev, ok, err := s.Previous(2)
	require.NoError(t, err)
	require.True(t, ok)
	require.True(t, rhq2.Equal(prev))
	require.True(t, again.Equal(s.Current))
}

func TestRecordFirstDeployment(t *testing.T) {
	want := []string{DeploymentPath(3), HashesPath(3), CurrentPath}
	// R66: no current file, no previous.
	for _, state := range []*State{nil, {}} {
		writes, err := Record(state, v3, Hashes{"a": "h"}, rhqTime)
		require.NoError(t, err)
		require.Equal(t, want, names(writes))
	}
	s, err := Load(fstest.MapFS{}, "/d")
	require.NoError(t, err)
	writes, err := Record(s, v3, Hashes{"a": "h"}, rhqTime)
	require.NoError(t, err)
	require.Equal(t, want, names(writes))

	m := fstest.MapFS{}
	apply(m, writes)
	s, err = Load(m, "/d")
	require.NoError(t, err)
	require.True(t, s.Managed, "R16 managed after the first record")
	_, ok, err := s.Previous(3)
	require.NoError(t, err)
	require.False(t, ok)
}

func TestRecordStaleCurrent(t *testing.T) {
	// R66: a stale, invalid current file leaves D unmanaged but is still
	// copied to previous.
	stale := []byte("deployment.id=oops\n")
	m := fstest.MapFS{CurrentPath: {Data: stale}}
	s, err := Load(m, "/d")
	require.NoError(t, err)
	require.False(t, s.Managed)
	writes, err := Record(s, v3, Hashes{}, rhqTime)
	require.NoError(t, err)
	require.Equal(t, []string{DeploymentPath(3), HashesPath(3), PreviousPath(3), CurrentPath}, names(writes))
	require.Equal(t, stale, writes[2].Data)
}

func TestRecordInvalid(t *testing.T) {
	// R23: nothing is planned unless every file encodes.
	s, err := Load(rhqTree(t), "/d")
	require.NoError(t, err)
	noCompliance := v3
	noCompliance.Compliance = ""
	writes, err := Record(s, noCompliance, Hashes{}, rhqTime)
	require.ErrorIs(t, err, ErrNoCompliance)
	require.Nil(t, writes)
	writes, err = Record(s, v3, Hashes{"a\nb": "h"}, rhqTime)
	require.ErrorIs(t, err, ErrUnencodable)
	require.Nil(t, writes)
	writes, err = RecordRestored(noCompliance, Hashes{}, rhqTime)
	require.ErrorIs(t, err, ErrNoCompliance)
	require.Nil(t, writes)
	writes, err = RecordRestored(v3, Hashes{"a": ""}, rhqTime)
	require.ErrorIs(t, err, ErrUnencodable)
	require.Nil(t, writes)
}

func TestRecordRestored(t *testing.T) {
	// R130–R132, R135: revert to v1 content with id 3 after 2 backed up Y.
	m := rhqTree(t)
	s, err := Load(m, "/opt/myapp")
	require.NoError(t, err)
	writes, err := Record(s, v3, Hashes{"lib/app.jar": "9dd4e461268c8034f5c8564e155c67a6"}, rhqTime)
	require.NoError(t, err)
	apply(m, writes)

	restored := Hashes{"lib/app.jar": "415290769594460e2e485922904f345d"}
	writes, err = RecordRestored(v3, restored, rhqTime)
	require.NoError(t, err)
	require.Equal(t, []string{DeploymentPath(3), HashesPath(3), CurrentPath}, names(writes), "R132 previous untouched")
	apply(m, writes)

	s, err = Load(m, "/opt/myapp")
	require.NoError(t, err)
	got, err := s.Hashes()
	require.NoError(t, err)
	require.Equal(t, restored, got)
	prev, ok, err := s.Previous(3)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, int32(2), prev.ID, "R135 previous of 3 is 2")
}

func TestRecordDataIsIndependent(t *testing.T) {
	s, err := Load(rhqTree(t), "/d")
	require.NoError(t, err)
	writes, err := Record(s, v3, Hashes{}, rhqTime)
	require.NoError(t, err)
	writes[0].Data[0] = 'X'
	require.Equal(t, byte('#'), writes[3].Data[0])
	writes[2].Data[0] = 'X'
	again, err := Record(s, v3, Hashes{}, rhqTime)
	require.NoError(t, err)
	require.Equal(t, byte('#'), again[2].Data[0], "the State's copy of the current file is not shared")
}

// TestRecordSameMap: a deployment that records the current map again writes
// exactly what EncodeHashes writes, whether the file read was canonical (its
// bytes are reused) or not (the map is encoded again).
func TestRecordSameMap(t *testing.T) {
	h := Hashes{"b": "0cc175b9c0f1b6a831c399e269772661", "a/x": "92eb5ffee6ae2fec3ad71c777531578f", "a": MarkDirectory}
	want, err := EncodeHashes(h)
	require.NoError(t, err)
	tests := []struct {
		name string
		file string
	}{
		{"canonical", string(want)},
		{"CRLF line ends", "a/x\t92eb5ffee6ae2fec3ad71c777531578f\r\nb\t0cc175b9c0f1b6a831c399e269772661\r\n"},
		{"out of order", "b\t0cc175b9c0f1b6a831c399e269772661\na/x\t92eb5ffee6ae2fec3ad71c777531578f\n"},
		{"trailing TAB", "a/x\t92eb5ffee6ae2fec3ad71c777531578f\t\nb\t0cc175b9c0f1b6a831c399e269772661\n"},
		{"a path twice", "a/x\t92eb5ffee6ae2fec3ad71c777531578f\na/x\t92eb5ffee6ae2fec3ad71c777531578f\nb\t0cc175b9c0f1b6a831c399e269772661\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := rhqTree(t)
			m[HashesPath(2)] = &fstest.MapFile{Data: []byte(tt.file), Mode: 0o644}
			s, err := Load(m, "/d")
			require.NoError(t, err)
			writes, err := Record(s, v3, h, rhqTime)
			require.NoError(t, err)
			require.Equal(t, string(want), string(writes[1].Data))
		})
	}
	t.Run("another map", func(t *testing.T) {
		s, err := Load(rhqTree(t), "/d")
		require.NoError(t, err)
		writes, err := Record(s, v3, h, rhqTime)
		require.NoError(t, err)
		require.Equal(t, string(want), string(writes[1].Data))
	})
}
