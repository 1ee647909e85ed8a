package recipe_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/recipe"
)

// TestMatcher runs the filesets of the MusicApp production recipe and of the
// seed's simple recipe through their matchers (R167 with the Ant semantics of
// GO R168).
func TestMatcher(t *testing.T) {
	prod, err := recipe.ParseFile("testdata/production.xml")
	require.NoError(t, err)
	ignore, err := prod.Bundle.Unit.Ignore.Matcher()
	require.NoError(t, err)
	replace, err := prod.Bundle.Unit.Archives[0].Replace.Matcher()
	require.NoError(t, err)
	simple, err := recipe.ParseFile("testdata/simple-ant.xml")
	require.NoError(t, err)
	simpleIgnore, err := simple.Bundle.Unit.Ignore.Matcher()
	require.NoError(t, err)

	tests := []struct {
		name    string
		m       *recipe.Matcher
		path    string
		match   bool
		asWhole bool // MatchDir
	}{
		{"dir=logs with ** ignores logs itself", ignore, "logs", true, true},
		{"dir=logs with ** ignores below", ignore, "logs/2026/app.log", true, true},
		{"trailing slash means /**: data", ignore, "data", true, true},
		{"trailing slash means /**: below data", ignore, "data/uploads/a.mp3", true, true},
		{"unrelated", ignore, "conf/musicapp.conf", false, false},
		{"prefix is not a segment", ignore, "logsX/a", false, false},
		{"**/*.properties at top level (Ant)", replace, "app.properties", true, true},
		{"**/*.properties deep", replace, "WEB-INF/classes/i18n/en.properties", true, true},
		{"not a properties file", replace, "WEB-INF/web.xml", false, false},
		{"case-sensitive", replace, "A.PROPERTIES", false, false},
		{"logs/*.log: a log", simpleIgnore, "logs/server.log", true, true},
		{"logs/*.log: not the directory", simpleIgnore, "logs", false, false},
		{"logs/*.log: not deeper", simpleIgnore, "logs/old/server.log", false, false},
		{"nil matcher selects nothing", nil, "anything", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.match, tt.m.Match(tt.path))
			require.Equal(t, tt.asWhole, tt.m.MatchDir(tt.path))
		})
	}
	var none *recipe.FileSelector
	m, err := none.Matcher()
	require.NoError(t, err)
	require.Nil(t, m)
}

func TestMatcherExcludesWin(t *testing.T) {
	r := mustParse(t, unit(`<rhq:ignore><rhq:fileset dir="tmp"><exclude name="keep/**"/></rhq:fileset></rhq:ignore>`))
	m, err := r.Bundle.Unit.Ignore.Matcher()
	require.NoError(t, err)
	require.True(t, m.Match("tmp/a"))
	require.False(t, m.Match("tmp/keep/b"))
	require.False(t, m.MatchDir("tmp"), "an exclude reaches below tmp, so a walk must descend")
}

func TestPatternWithParentSegmentWarns(t *testing.T) {
	r := mustParse(t, unit(`<rhq:ignore><rhq:fileset includes="a/../b"/></rhq:ignore>`))
	require.Len(t, r.Warnings, 1)
	require.Contains(t, r.Warnings[0].Error(), `pattern "a/../b"`)
}
