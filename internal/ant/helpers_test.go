package ant

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/recipe"
)

// header wraps targets into a valid deploy.xml; the targets start on line 5.
const header = `<?xml version="1.0"?>
<project name="test" default="main" xmlns:rhq="antlib:org.rhq.bundle">
<rhq:bundle name="b" version="1"><rhq:deployment-unit name="u"><rhq:file name="a.txt"/></rhq:deployment-unit></rhq:bundle>
<target name="main"/>
`

// fixture is a bundle directory (root/base), a deploy directory (root/deploy,
// not created), a place outside both (root/ext) and the events of a run.
type fixture struct {
	t      *testing.T
	root   string
	base   string
	deploy string
	env    Env

	mu     sync.Mutex
	events []Event
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	root := t.TempDir()
	f := &fixture{t: t, root: root, base: filepath.Join(root, "base"), deploy: filepath.Join(root, "deploy")}
	require.NoError(t, os.MkdirAll(f.base, 0o755))
	f.env = Env{
		Basedir:   f.base,
		DeployDir: f.deploy,
		Events: func(e Event) {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.events = append(f.events, e)
		},
		Environ: []string{"PATH=" + os.Getenv("PATH"), "BK_VAR=from env"},
		Now:     func() time.Time { return time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC) },
	}
	return f
}

// path maps a root-relative name ("base/a", "deploy/x", "ext/y") to a path.
func (f *fixture) path(rel string) string { return filepath.Join(f.root, filepath.FromSlash(rel)) }

// files creates files (a trailing "/" makes a directory), root-relative.
func (f *fixture) files(m map[string]string) {
	f.t.Helper()
	for rel, content := range m {
		p := f.path(rel)
		if strings.HasSuffix(rel, "/") {
			require.NoError(f.t, os.MkdirAll(p, 0o755))
			continue
		}
		require.NoError(f.t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(f.t, os.WriteFile(p, []byte(content), 0o644))
	}
}

func (f *fixture) read(rel string) string {
	f.t.Helper()
	data, err := os.ReadFile(f.path(rel))
	require.NoError(f.t, err)
	return string(data)
}

func (f *fixture) exists(rel string) bool {
	_, err := os.Lstat(f.path(rel))
	return err == nil
}

// project parses header+targets and makes a Project of it.
func (f *fixture) project(targets string) *Project {
	f.t.Helper()
	r, err := recipe.Parse(strings.NewReader(header + targets + "\n</project>\n"))
	require.NoError(f.t, err)
	p, err := New(r, f.env)
	require.NoError(f.t, err)
	f.t.Cleanup(func() { p.Close() })
	return p
}

// run runs the tasks as target "t".
func (f *fixture) run(tasks string) error {
	f.t.Helper()
	return f.project(`<target name="t">`+tasks+`</target>`).RunTarget(context.Background(), "t")
}

// messages returns the messages of the events of type typ.
func (f *fixture) messages(typ EventType) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, e := range f.events {
		if e.Type == typ {
			out = append(out, e.Message)
		}
	}
	return out
}

func (f *fixture) eventsOf(typ EventType) []Event {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Event
	for _, e := range f.events {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}

// taskCase is one row of a task's table test: files to create, tasks to run
// as target "t", then the error expected (a substring, and a sentinel when
// set) and the files expected afterwards. Paths are root-relative; a want
// value of dir means a directory.
type taskCase struct {
	name    string
	files   map[string]string
	props   map[string]string
	tasks   string
	wantErr string
	wantIs  error
	want    map[string]string
	absent  []string
	echo    []string
	check   func(t *testing.T, f *fixture)
}

const dir = "<dir>"

func runCases(t *testing.T, cases []taskCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.files(tc.files)
			if tc.props != nil {
				f.env.Properties = tc.props
			}
			err := f.run(tc.tasks)
			switch {
			case tc.wantErr == "" && tc.wantIs == nil:
				require.NoError(t, err)
			default:
				require.Error(t, err)
				require.ErrorContains(t, err, tc.wantErr)
				if tc.wantIs != nil {
					require.ErrorIs(t, err, tc.wantIs)
				}
			}
			for rel, want := range tc.want {
				fi, err := os.Stat(f.path(rel))
				require.NoError(t, err, rel)
				if want == dir {
					require.True(t, fi.IsDir(), "%s is a directory", rel)
					continue
				}
				require.Equal(t, want, f.read(rel), rel)
			}
			for _, rel := range tc.absent {
				require.False(t, f.exists(rel), "%s must not exist", rel)
			}
			switch {
			case tc.echo == nil:
			case len(tc.echo) == 0:
				require.Empty(t, f.messages(EventEcho))
			default:
				require.Equal(t, tc.echo, f.messages(EventEcho))
			}
			if tc.check != nil {
				tc.check(t, f)
			}
		})
	}
}

// validationErrors validates the tasks as target "t" and returns the
// messages of the errors, requiring each to be a *recipe.Error.
func validationErrors(t *testing.T, tasks string) []*recipe.Error {
	t.Helper()
	f := newFixture(t)
	err := f.project(`<target name="t">` + tasks + `</target>`).Validate()
	if err == nil {
		return nil
	}
	errs := recipe.Errors(err)
	require.NotEmpty(t, errs, "Validate returns *recipe.Error values: %v", err)
	return errs
}

func modeOf(t *testing.T, path string) fs.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	require.NoError(t, err)
	return fi.Mode()
}

func isTaskError(err error) bool {
	var te *TaskError
	return errors.As(err, &te)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
