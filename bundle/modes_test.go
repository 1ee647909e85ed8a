package bundle

import (
	"encoding/json"
	"io/fs"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
)

// TestDecideMode is the three-way decision of permission bits (issue 11.6,
// bundlekit's R101), one row per case: O recorded by the previous deployment
// (or assumed: 0644, what RHQ gave the files it wrote), D on disk, N the
// bundle's.
func TestDecideMode(t *testing.T) {
	rec := func(mode fs.FileMode) perms { return perms{ok: true, mode: mode} }
	owned := func(mode fs.FileMode, uid, gid uint32) perms {
		return perms{ok: true, mode: mode, hasOwner: true, uid: uid, gid: gid}
	}
	none := perms{}
	tests := []struct {
		name string
		in   modeInput
		want modeOutput
	}{
		{"a new file gets the bundle's bits (R101)",
			modeInput{prev: none, disk: none, bundle: 0o755, written: true},
			modeOutput{write: 0o755, record: 0o755}},
		{"a new file without recorded bits gets 0644 (R101)",
			modeInput{prev: none, disk: none, written: true},
			modeOutput{record: 0o644}},
		{"a file the operator deleted is new again",
			modeInput{prev: rec(0o600), disk: none, bundle: 0o644, written: true},
			modeOutput{write: 0o644, record: 0o644}},
		{"changed content, bits as the previous deployment left them: the bundle's apply",
			modeInput{prev: rec(0o644), disk: rec(0o644), bundle: 0o755, written: true},
			modeOutput{write: 0o755, record: 0o755, change: &ModeChange{From: 0o644, To: 0o755, Bundle: 0o755}}},
		{"changed content, the operator narrowed the bits: kept, the bundle's recorded",
			modeInput{prev: rec(0o644), disk: rec(0o600), bundle: 0o644, written: true},
			modeOutput{record: 0o644, change: &ModeChange{From: 0o600, To: 0o600, Bundle: 0o644, Kept: true}}},
		{"changed content, the operator narrowed, the bundle records no bits: kept, O recorded",
			modeInput{prev: rec(0o644), disk: rec(0o600), written: true},
			modeOutput{record: 0o644}},
		{"changed content, the operator's bits are the bundle's: nothing to say",
			modeInput{prev: rec(0o644), disk: rec(0o755), bundle: 0o755, written: true},
			modeOutput{record: 0o755}},
		{"the operator added setuid: kept",
			modeInput{prev: rec(0o755), disk: rec(0o755 | fs.ModeSetuid), bundle: 0o755, written: true},
			modeOutput{record: 0o755, change: &ModeChange{From: 0o755 | fs.ModeSetuid, To: 0o755 | fs.ModeSetuid, Bundle: 0o755, Kept: true}}},
		{"same bytes, the bundle changes the bits: a mode step",
			modeInput{prev: rec(0o644), disk: rec(0o644), bundle: 0o755, same: true},
			modeOutput{chmod: 0o755, record: 0o755, change: &ModeChange{From: 0o644, To: 0o755, Bundle: 0o755}}},
		{"same bytes, same bits: nothing",
			modeInput{prev: rec(0o644), disk: rec(0o644), bundle: 0o644, same: true},
			modeOutput{record: 0o644}},
		{"same bytes, no recorded bits: nothing",
			modeInput{prev: rec(0o640), disk: rec(0o640), same: true},
			modeOutput{record: 0o640}},
		{"same bytes, the operator narrowed: kept, no mode step",
			modeInput{prev: rec(0o755), disk: rec(0o700), bundle: 0o755, same: true},
			modeOutput{record: 0o755, change: &ModeChange{From: 0o700, To: 0o700, Bundle: 0o755, Kept: true}}},
		{"RHQ-made (O assumed 0644): an untouched file gets the bundle's bits",
			modeInput{prev: rec(defaultMode), disk: rec(0o644), bundle: 0o755, same: true},
			modeOutput{chmod: 0o755, record: 0o755, change: &ModeChange{From: 0o644, To: 0o755, Bundle: 0o755}}},
		{"RHQ-made (O assumed 0644): a narrowed file is kept",
			modeInput{prev: rec(defaultMode), disk: rec(0o600), bundle: 0o644, written: true},
			modeOutput{record: 0o644, change: &ModeChange{From: 0o600, To: 0o600, Bundle: 0o644, Kept: true}}},
		{"the owner changed since the previous deployment: the bits are kept too",
			modeInput{prev: owned(0o644, 1000, 1000), disk: owned(0o644, 0, 0), bundle: 0o755, same: true},
			modeOutput{record: 0o755, change: &ModeChange{From: 0o644, To: 0o644, Bundle: 0o755, Kept: true, OwnerChanged: true}}},
		{"the same owner: the bundle's bits apply",
			modeInput{prev: owned(0o644, 1000, 1000), disk: owned(0o644, 1000, 1000), bundle: 0o755, same: true},
			modeOutput{chmod: 0o755, record: 0o755, change: &ModeChange{From: 0o644, To: 0o755, Bundle: 0o755}}},
		{"no owner recorded: the owner on disk decides nothing",
			modeInput{prev: rec(0o644), disk: owned(0o644, 0, 0), bundle: 0o755, same: true},
			modeOutput{chmod: 0o755, record: 0o755, change: &ModeChange{From: 0o644, To: 0o755, Bundle: 0o755}}},
		{"a local edit kept (R104) keeps its bits, and the recorded ones stay",
			modeInput{prev: rec(0o644), disk: rec(0o644), bundle: 0o755},
			modeOutput{record: 0o644, change: &ModeChange{From: 0o644, To: 0o644, Bundle: 0o755, Kept: true}}},
		{"a local edit kept whose bits the operator changed too",
			modeInput{prev: rec(0o644), disk: rec(0o600), bundle: 0o644},
			modeOutput{record: 0o644, change: &ModeChange{From: 0o600, To: 0o600, Bundle: 0o644, Kept: true}}},
		{"a file no deployment wrote (R108) gets the bundle's bits",
			modeInput{prev: none, disk: rec(0o600), bundle: 0o644, written: true},
			modeOutput{write: 0o644, record: 0o644, change: &ModeChange{From: 0o600, To: 0o644, Bundle: 0o644}}},
		{"a file no deployment wrote, already the new bytes (R109, R63): a mode step",
			modeInput{prev: none, disk: rec(0o600), bundle: 0o644, same: true},
			modeOutput{chmod: 0o644, record: 0o644, change: &ModeChange{From: 0o600, To: 0o644, Bundle: 0o644}}},
		{"a file no deployment wrote, no recorded bits: its own are recorded",
			modeInput{prev: none, disk: rec(0o640), written: true},
			modeOutput{record: 0o640}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := decideMode(tt.in)
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(modeOutput{})); diff != "" {
				t.Fatalf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestDecideModeNeverWidens: whatever O and N, the bits an operator changed
// are never replaced (issue 11.6: "never widen what the operator narrowed").
func TestDecideModeNeverWidens(t *testing.T) {
	modes := []fs.FileMode{0, 0o600, 0o640, 0o644, 0o700, 0o755, 0o777}
	for _, o := range modes[1:] {
		for _, d := range modes[1:] {
			for _, n := range modes {
				for _, how := range []modeInput{{written: true}, {same: true}, {}} {
					in := how
					in.prev, in.disk, in.bundle = perms{ok: true, mode: o}, perms{ok: true, mode: d}, n
					out := decideMode(in)
					if d == o {
						continue
					}
					if out.write != 0 || out.chmod != 0 {
						t.Errorf("O %o, D %o, N %o, %+v: the operator's %o is replaced: %+v", o, d, n, how, d, out)
					}
					if out.record == d && n != d {
						t.Errorf("O %o, D %o, N %o: records the operator's bits, so the next deployment would replace them", o, d, n)
					}
				}
			}
		}
	}
}

func TestModeChangeJSON(t *testing.T) {
	data, err := json.Marshal(map[string]ModeChange{
		"bin/run.sh":             {From: 0o644, To: 0o755, Bundle: 0o755},
		"conf/secret.properties": {From: 0o600, To: 0o600, Bundle: 0o644, Kept: true},
	})
	require.NoError(t, err)
	require.JSONEq(t, `{"bin/run.sh":{"from":"0644","to":"0755","bundle":"0755"},`+
		`"conf/secret.properties":{"from":"0600","to":"0600","bundle":"0644","kept":true}}`, string(data))
	require.Equal(t, "0644 -> 0755", ModeChange{From: 0o644, To: 0o755, Bundle: 0o755}.String())
	require.Equal(t, "0600 kept, the bundle's is 0644", ModeChange{From: 0o600, To: 0o600, Bundle: 0o644, Kept: true}.String())
	require.Equal(t, "0644 kept, the bundle's is 0755, the owner changed",
		ModeChange{From: 0o644, To: 0o644, Bundle: 0o755, Kept: true, OwnerChanged: true}.String())
}
