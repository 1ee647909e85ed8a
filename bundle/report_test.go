package bundle_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/bundle"
	"github.com/bundlekit/bundlekit/internal/testtree"
)

func TestEntryRemovesUnknown(t *testing.T) {
	const h, d = "0123456789abcdef0123456789abcdef", "?DIRECTORY?"
	tests := []struct {
		name  string
		entry bundle.Entry
		want  bool
	}{
		{"unknown file moved to backup (R117)", bundle.Entry{Current: h, Action: bundle.ActionDelete, Rule: "R117", Backup: "/b/x"}, true},
		{"unknown directory moved to backup (R124)", bundle.Entry{Current: d, Action: bundle.ActionDelete, Rule: "R124", Dir: true, Backup: "/b/x"}, true},
		{"deployed file gone from the bundle (R115)", bundle.Entry{Previous: h, Current: h, Action: bundle.ActionDelete, Rule: "R115"}, false},
		{"edited file gone from the bundle (R116)", bundle.Entry{Previous: h, Current: "f" + h[1:], Action: bundle.ActionDelete, Rule: "R116", Backup: "/b/x"}, false},
		{"deployed directory gone from the bundle (R122)", bundle.Entry{Previous: d, Current: d, Action: bundle.ActionDelete, Rule: "R122", Dir: true}, false},
		{"ignored path removed by a clean (R95)", bundle.Entry{Current: h, Action: bundle.ActionDelete, Rule: "R95"}, false},
		{"purge (R138)", bundle.Entry{Action: bundle.ActionDelete, Rule: "R138", Dir: true}, false},
		{"unknown directory the bundle also has (R124a)", bundle.Entry{Current: d, New: d, Action: bundle.ActionUnchanged, Rule: "R124a", Dir: true}, false},
		{"unknown file left alone (R118)", bundle.Entry{Current: h, Action: bundle.ActionSkip, Rule: "R118"}, false},
		{"ignored (R120)", bundle.Entry{Current: h, Action: bundle.ActionIgnore, Rule: "R120"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, tt.entry.RemovesUnknown())
		})
	}
}

// TestReportRemovesUnknownInPlan checks RemovesUnknown on a real full-compliance
// upgrade: exactly the file and the directory nobody deployed are reported,
// not the deployed file the new bundle drops (R115) nor the ignored log (R120).
func TestReportRemovesUnknownInPlan(t *testing.T) {
	ctx := context.Background()
	dest := t.TempDir()
	v1 := spec{Version: "1", Files: map[string]string{"a.txt": "a", "old.txt": "old"}, Ignore: []string{"logs/**"}}
	_, err := bundle.Deploy(ctx, v1.open(t), bundle.Options{Dest: dest, ID: 1})
	require.NoError(t, err)
	testtree.WriteFiles(t, dest, map[string]string{"stray.txt": "mine", "empty/": "", "logs/app.log": "log"})

	v2 := spec{Version: "2", Files: map[string]string{"a.txt": "a2"}, Ignore: []string{"logs/**"}}
	plan, err := bundle.PlanDeploy(ctx, v2.open(t), bundle.Options{Dest: dest, ID: 2})
	require.NoError(t, err)
	defer plan.Close()
	var got []string
	for _, e := range plan.Entries {
		if e.RemovesUnknown() {
			got = append(got, e.Path)
		}
	}
	require.Empty(t, cmp.Diff([]string{"empty", "stray.txt"}, got))
}
