package bundle

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/internal/metadata"
)

// TestEncodeModesReusesSameRecord: the record of permissions is written
// again from the current deployment's file when it records the same (the
// file is handed on as read, not encoded anew), and encoded when it does
// not: other bits, another file, or the owner of a file written.
func TestEncodeModesReusesSameRecord(t *testing.T) {
	cur := metadata.Modes{"bin/run.sh": {Mode: 0o755, HasOwner: true, UID: 1, GID: 2}, "conf/app.conf": {Mode: 0o644}}
	// Not what EncodeModes writes for cur: a reused file is recognised.
	file := []byte("the current deployment's file, as read\n")
	encoded := func(m metadata.Modes) []byte {
		b, err := metadata.EncodeModes(m)
		require.NoError(t, err)
		return b
	}
	other := metadata.Modes{"bin/run.sh": {Mode: 0o700, HasOwner: true, UID: 1, GID: 2}, "conf/app.conf": {Mode: 0o644}}
	more := metadata.Modes{"bin/run.sh": cur["bin/run.sh"], "conf/app.conf": cur["conf/app.conf"], "new.txt": {Mode: 0o644}}
	owned := metadata.Modes{"bin/run.sh": cur["bin/run.sh"], "conf/app.conf": {Mode: 0o644, HasOwner: true, UID: 3, GID: 4}}
	tests := []struct {
		name   string
		modes  metadata.Modes
		owners map[string]perms
		prev   modesRecord
		want   []byte
	}{
		{"the same", cur, nil, modesRecord{modes: cur, file: file}, file},
		{"other bits", other, nil, modesRecord{modes: cur, file: file}, encoded(other)},
		{"another file", more, nil, modesRecord{modes: cur, file: file}, encoded(more)},
		{"an owner of a file written", cur, map[string]perms{"conf/app.conf": {ok: true, hasOwner: true, uid: 3, gid: 4}},
			modesRecord{modes: cur, file: file}, encoded(owned)},
		{"no current record", cur, nil, modesRecord{}, encoded(cur)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := &applier{p: &Plan{modes: tt.modes, prevModes: tt.prev}, owners: tt.owners}
			got, err := a.encodeModes()
			require.NoError(t, err)
			require.Equal(t, string(tt.want), string(got))
		})
	}
}
