package recipe_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/recipe"
)

// A recipe made in Go is the recipe its deploy.xml would parse to, but for
// positions, which have no line.
func TestNewIsWhatParseReads(t *testing.T) {
	spec := recipe.Spec{
		Project:     "service-package",
		Name:        `a&b "c" <d>`,
		Version:     "sha256-0123",
		Description: "service package (deployment.xml)",
		Unit:        "service-package",
		Compliance:  recipe.Full,
		Files:       []string{"bin/install.sh", "deployment.xml", `odd & "quoted" <name>.txt`},
	}
	made, err := recipe.New(spec, recipe.WithFile("made"))
	require.NoError(t, err)
	parsed, err := recipe.Parse(strings.NewReader(`<project name="service-package" xmlns:rhq="antlib:org.rhq.bundle">
<rhq:bundle name="a&amp;b &quot;c&quot; &lt;d>" version="sha256-0123" description="service package (deployment.xml)">
<rhq:deployment-unit name="service-package" compliance="full">
<rhq:file name="bin/install.sh"/>
<rhq:file name="deployment.xml"/>
<rhq:file name="odd &amp; &quot;quoted&quot; &lt;name>.txt"/>
</rhq:deployment-unit>
</rhq:bundle>
</project>`))
	require.NoError(t, err)
	noPos := cmpopts.IgnoreTypes(recipe.Pos{})
	require.Empty(t, cmp.Diff(parsed.Project, made.Project, noPos))
	require.Empty(t, cmp.Diff(parsed.Bundle, made.Bundle, noPos))
	require.Empty(t, made.Tasks)
	require.Empty(t, made.Targets)
	require.Empty(t, made.Warnings)
	require.Equal(t, "made", made.File)
	require.Equal(t, recipe.Pos{File: "made"}, made.Bundle.Unit.Files[0].Pos)
	require.Equal(t, []string{"bin/install.sh", "deployment.xml", `odd & "quoted" <name>.txt`}, made.BundleFiles())
}

// New refuses what Parse refuses, with the same reasons and rules.
func TestNewValidates(t *testing.T) {
	good := recipe.Spec{Name: "b", Version: "1", Files: []string{"a.txt"}}
	tests := []struct {
		name string
		edit func(*recipe.Spec)
		opts []recipe.Option
		want []wantRule
	}{
		{"no files", func(s *recipe.Spec) { s.Files = nil }, nil, []wantRule{{"R162", recipe.ErrMissing, "nothing to deploy"}}},
		{"no name, no version", func(s *recipe.Spec) { s.Name, s.Version = "", " " }, nil, []wantRule{
			{"R155", recipe.ErrMissing, `the "name" attribute must have a non-empty value`},
			{"R155", recipe.ErrMissing, `the "version" attribute must have a non-empty value`},
		}},
		{"a file outside the bundle", func(s *recipe.Spec) { s.Files = append(s.Files, "../x", "/etc/passwd") }, nil, []wantRule{
			{"R163", recipe.ErrInvalid, `climbs out of the bundle directory`},
			{"R163", recipe.ErrInvalid, `is not relative`},
		}},
		{"a NUL byte", func(s *recipe.Spec) { s.Files = []string{"a\x00b"} }, nil, []wantRule{{"R163", recipe.ErrInvalid, "contains a NUL byte"}}},
		{"an unknown compliance", func(s *recipe.Spec) { s.Compliance = "some" }, nil, []wantRule{{"R160", recipe.ErrInvalid, `compliance="some" is not a compliance mode`}}},
		{"compliance required", func(*recipe.Spec) {}, []recipe.Option{recipe.RequireCompliance()}, []wantRule{{"R161", recipe.ErrMissing, "must specifically declare compliance"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := good
			s.Files = append([]string(nil), good.Files...)
			tt.edit(&s)
			r, err := recipe.New(s, tt.opts...)
			require.Nil(t, r)
			errs := recipe.Errors(err)
			require.Len(t, errs, len(tt.want), "errors: %v", err)
			for i, w := range tt.want {
				require.Equal(t, w.rule, errs[i].Rule, "error %d: %v", i, errs[i])
				require.ErrorIs(t, errs[i], w.kind, "error %d", i)
				require.Contains(t, errs[i].Error(), w.text, "error %d", i)
				require.Equal(t, recipe.Pos{File: "generated recipe"}, errs[i].Pos, "error %d", i)
			}
		})
	}
}

type wantRule struct {
	rule string
	kind error
	text string
}

// A made recipe expands like a parsed one: ${…} in its values are Ant
// properties.
func TestNewExpands(t *testing.T) {
	r, err := recipe.New(recipe.Spec{Name: "b", Version: "${v}", Files: []string{"${dir}/a.txt", "$$b.txt"}})
	require.NoError(t, err)
	x, err := r.Expand(recipe.Env{Properties: map[string]string{"v": "2", "dir": "conf"}})
	require.NoError(t, err)
	require.Equal(t, "2", x.Bundle.Version)
	require.Equal(t, []string{"$b.txt", "conf/a.txt"}, x.BundleFiles())
}
