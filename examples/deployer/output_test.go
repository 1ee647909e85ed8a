package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bundlekit/bundlekit/bundle"
)

// entries returns n entries with the action, named by format from 0 … n-1;
// directories when the format ends in "/".
func entries(n int, a bundle.Action, format string) []*bundle.Entry {
	var out []*bundle.Entry
	for i := range n {
		p := fmt.Sprintf(format, i)
		out = append(out, &bundle.Entry{Path: strings.TrimSuffix(p, "/"), Action: a, Dir: strings.HasSuffix(p, "/")})
	}
	return out
}

// lines returns n lines made by format from 0 … n-1, after head.
func lines(n int, format string, head ...string) []string {
	for i := range n {
		head = append(head, fmt.Sprintf(format, i))
	}
	return head
}

func TestPrintEntries(t *testing.T) {
	const hint = "(%d paths in %d lines; --verbose lists every path)"
	add, change := bundle.ActionAdd, bundle.ActionChange
	tests := []struct {
		name    string
		entries [][]*bundle.Entry
		verbose bool
		want    []string
	}{{
		name: "a screenful is listed as it is, sorted, without unchanged paths",
		entries: [][]*bundle.Entry{entries(38, add, "b%02d"), {
			{Path: "a", Action: change},
			{Path: "same.txt", Action: bundle.ActionUnchanged},
			{Path: "old", Action: bundle.ActionDelete, Dir: true},
		}},
		want: append(lines(38, "+ b%02d", "~ a"), "- old/"),
	}, {
		name: "permission bits changed and kept (issue 11.6)",
		entries: [][]*bundle.Entry{{
			{Path: "bin/run.sh", Action: bundle.ActionMode, Rule: "R101", Mode: &bundle.ModeChange{From: 0o644, To: 0o755, Bundle: 0o755}},
			{Path: "conf/secret", Action: change, Mode: &bundle.ModeChange{From: 0o600, To: 0o600, Bundle: 0o644, Kept: true}},
			{Path: "conf/other", Action: bundle.ActionUnchanged, Mode: &bundle.ModeChange{From: 0o640, To: 0o640, Bundle: 0o644, Kept: true}},
			{Path: "conf/edited", Action: bundle.ActionKeep, Mode: &bundle.ModeChange{From: 0o644, To: 0o644, Bundle: 0o600, Kept: true}},
			{Path: "lib/a.jar", Action: change, Backup: "/d/b/lib/a.jar", Mode: &bundle.ModeChange{From: 0o600, To: 0o644, Bundle: 0o644}},
		}},
		want: []string{
			"~ bin/run.sh  (mode 0644 -> 0755)",
			"= conf/edited  (local edit kept; mode 0644 kept, the bundle's is 0600)",
			"= conf/other  (mode 0640 kept, the bundle's is 0644)",
			"~ conf/secret  (mode 0600 kept, the bundle's is 0644)",
			"! lib/a.jar  (backed up to /d/b/lib/a.jar; mode 0600 -> 0644)",
		},
	}, {
		name:    "counted at the deepest level that fits",
		entries: [][]*bundle.Entry{entries(200, add, "app/m%02[1]d/f%[1]d.txt"), entries(200, add, "app/m%02[1]d/sub/g%[1]d.txt")},
		// Depth 3 would be 200 lines, depth 2 is 100: app/ is the one that fits.
		want: []string{"+ app/  400 files", "(400 paths in 1 line; --verbose lists every path)"},
	}, {
		name:    "counted per module",
		entries: [][]*bundle.Entry{entries(30, add, "app/m%02d/a.txt"), entries(30, add, "app/m%02d/b/c.txt")},
		want:    append(lines(30, "+ app/m%02d/  2 files"), fmt.Sprintf(hint, 60, 30)),
	}, {
		name:    "too many top-level directories: everything under ./",
		entries: [][]*bundle.Entry{entries(50, add, "m%02d/f.txt")},
		want:    []string{"+ ./  50 files", "(50 paths in 1 line; --verbose lists every path)"},
	}, {
		name: "markers are counted apart, individual entries listed among the counts",
		entries: [][]*bundle.Entry{entries(30, add, "app/m01/f%02d"), entries(30, change, "app/m01/g%02d"), entries(30, add, "app/m02/f%02d"), {
			{Path: "app/m03/conf.txt", Action: bundle.ActionKeep},
			{Path: "app/m01/x.txt", Action: change, Backup: "/d/b/app/m01/x.txt"},
			{Path: "app/m02/stray", Action: bundle.ActionDelete, Rule: "R117", Backup: "/d/b/app/m02/stray"},
			{Path: "app/m02/gone", Action: bundle.ActionDelete, Dir: true, Error: "not empty"},
			{Path: "logs", Action: bundle.ActionIgnore},
			{Path: "app/m04/r.txt", Action: bundle.ActionRestore},
			{Path: "app.war", Action: bundle.ActionHandover},
			{Path: "/etc/app.conf", Action: add},
		}},
		want: []string{
			"+ /etc/app.conf",
			"> app.war",
			"+ app/m01/  30 files",
			"~ app/m01/  30 files",
			"! app/m01/x.txt  (backed up to /d/b/app/m01/x.txt)",
			"+ app/m02/  30 files",
			"- app/m02/gone/",
			"! app/m02/stray  (moved to backup /d/b/app/m02/stray)",
			"= app/m03/conf.txt  (local edit kept)",
			"< app/m04/r.txt",
			"i logs",
			fmt.Sprintf(hint, 98, 11),
		},
	}, {
		name:    "a directory made or removed with its content says with",
		entries: [][]*bundle.Entry{entries(45, add, "new/f%02d"), entries(40, add, "new/s%02d/"), {{Path: "new", Action: add, Dir: true}, {Path: "one/only", Action: add}}},
		want:    []string{"+ new/  with 45 files, 40 directories", "+ one/only", fmt.Sprintf(hint, 87, 2)},
	}, {
		name:    "verbose lists every path under its top-level directory",
		entries: [][]*bundle.Entry{entries(41, add, "m/f%02d")},
		verbose: true,
		want:    lines(41, "  + m/f%02d", "m/"),
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var all []*bundle.Entry
			for _, e := range tt.entries {
				all = append(all, e...)
			}
			var b strings.Builder
			printEntries(&b, all, tt.verbose)
			got := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("printEntries (-want +got):\n%s", d)
			}
		})
	}
}

// TestSummaryModes: the summary counts permission bits changed and kept
// apart, and says nothing of them when there are none (issue 11.6).
func TestSummaryModes(t *testing.T) {
	d := bundle.Differences{Changed: []string{"conf/secret"}, Modes: map[string]bundle.ModeChange{
		"bin/run.sh":  {From: 0o644, To: 0o755, Bundle: 0o755},
		"bin/b.sh":    {From: 0o644, To: 0o700, Bundle: 0o700},
		"conf/secret": {From: 0o600, To: 0o600, Bundle: 0o644, Kept: true},
	}}
	for want, d := range map[string]bundle.Differences{
		"0 added, 1 changed, 0 deleted, 0 backed up, 0 kept, 0 ignored, 2 modes changed, 1 modes kept": d,
		"0 added, 0 changed, 0 deleted, 0 backed up, 0 kept, 0 ignored":                                {},
	} {
		if got := summary(nil, d); got != want {
			t.Errorf("summary = %q, want %q", got, want)
		}
	}
}
