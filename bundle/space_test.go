package bundle

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/bundlekit/bundlekit/internal/testzip"
	"github.com/stretchr/testify/require"
)

// TestDiskSpace is R47: the estimated usage, the declared sizes of every archive's
// file entries (exploded or not) plus the sizes of the raw files, must fit in the
// usable space, or the plan is refused before anything is written. When the space
// cannot be measured, or is reported as 0, the deployment proceeds.
func TestDiskSpace(t *testing.T) {
	archive := testzip.Spec(t, "a/x=12345|a/y=1234567890|d/")
	fsys := fstest.MapFS{
		"deploy.xml": {Data: []byte(`<project name="p" default="main" xmlns:rhq="antlib:org.rhq.bundle">
  <rhq:bundle name="app" version="1">
    <rhq:deployment-unit name="u">
      <rhq:file name="raw.txt"/>
      <rhq:archive name="x.zip"/>
      <rhq:archive name="y.zip" exploded="false"/>
    </rhq:deployment-unit>
  </rhq:bundle>
  <target name="main"/>
</project>`)},
		"raw.txt": {Data: []byte("0123456789abcdefghij")},
		"x.zip":   {Data: archive},
		"y.zip":   {Data: archive},
	}
	b, err := OpenFS(context.Background(), fsys, "mem")
	require.NoError(t, err)
	const estimate = 20 + 2*(5+10)

	tests := []struct {
		name string
		free uint64
		err  error
		fail bool
	}{
		{"enough", estimate, nil, false},
		{"one byte short", estimate - 1, nil, true},
		{"unknown: proceed", 0, errors.ErrUnsupported, false},
		{"reported as 0: proceed", 0, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dest := filepath.Join(t.TempDir(), "app")
			var asked string
			old := freeSpace
			freeSpace = func(p string) (uint64, error) { asked = p; return tt.free, tt.err }
			defer func() { freeSpace = old }()
			p, err := PlanDeploy(context.Background(), b, Options{Dest: dest, ID: 1})
			require.Equal(t, dest, asked)
			if !tt.fail {
				require.NoError(t, err)
				require.Equal(t, int64(estimate), p.Estimate)
				require.NoError(t, p.Close())
				return
			}
			require.ErrorIs(t, err, ErrInsufficientSpace)
			require.Equal(t, OutcomeRefused, OutcomeOf(err), "a full disk is a refusal, listed with any other failed condition")
			require.ErrorContains(t, err, "its estimated disk usage [50] is larger than the estimated amount of usable disk space [49]")
			require.NoDirExists(t, dest)
		})
	}
}
