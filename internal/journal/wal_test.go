package journal

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// marshalLine is what appendRecord must write: json.Marshal's line.
func marshalLine(t testing.TB, r record) string {
	line, err := json.Marshal(r)
	require.NoError(t, err)
	return string(line) + "\n"
}

// TestAppendRecord: the records a phase reserves are written without
// reflection, byte for byte as json.Marshal writes them, whatever their
// paths hold.
func TestAppendRecord(t *testing.T) {
	for _, r := range []record{
		{Op: opCreate, Path: "conf/app.conf"},
		{Op: opTrash, Path: "lib/old.jar", To: trashDir + "/12"},
		{Op: opCreate, Path: "ext:/opt/app/bin/run.sh"},
		{Op: opCreate, Path: `a "quoted" name`},
		{Op: opCreate, Path: `back\slash`},
		{Op: opCreate, Path: "tags/<b>&amp;</b>"},
		{Op: opCreate, Path: "caf\u00e9/\u65e5\u672c"},
		{Op: opCreate, Path: "tab\there"},
		{Op: opCreate, Path: "bad\xffutf8"},
		{Op: opCreate, Path: "line\u2028sep"},
		{Op: opTrash, Path: "x", To: ""},
		{Op: opBegin, V: version, Kind: "deploy", ID: 3},
		{Op: opChmod, Path: "bin/run.sh", Mode: "0755"},
		{Op: opMove, Path: "a", To: "b"},
		{Op: opCommit},
	} {
		got, err := appendRecord([]byte("before\n"), r)
		require.NoError(t, err)
		require.Equal(t, "before\n"+marshalLine(t, r), string(got), "%+v", r)
	}
}

func FuzzAppendRecord(f *testing.F) {
	f.Add("create", "conf/app.conf", "")
	f.Add("trash", "a/b", ".rhqdeployments/.bundlekit/trash/1")
	f.Add("create", "é<>&\"\\\x00", "")
	f.Fuzz(func(t *testing.T, o, path, to string) {
		r := record{Op: op(o), Path: path, To: to}
		got, err := appendRecord(nil, r)
		require.NoError(t, err)
		require.Equal(t, marshalLine(t, r), string(got))
	})
}
