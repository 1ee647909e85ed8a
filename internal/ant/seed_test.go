package ant

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/recipe"
)

// seedProject opens a recipe of testdata/<name> with that directory as the
// basedir and a deploy dir that does not exist (these targets write nothing).
func seedProject(t *testing.T, name string) (*Project, *fixture) {
	t.Helper()
	base, err := filepath.Abs(filepath.Join("testdata", name))
	require.NoError(t, err)
	r, err := recipe.ParseFile(filepath.Join(base, "deploy.xml"))
	require.NoError(t, err)
	f := newFixture(t)
	f.env.Basedir = base
	p, err := New(r, f.env)
	require.NoError(t, err)
	t.Cleanup(func() { p.Close() })
	return p, f
}

// TestSeedSimpleRecipe runs the pre- and post-install targets of the seed's
// "Simple Ant Recipe" (§2.3.2.1, R172, R178): the echoed text, the property
// they set and the audit record.
func TestSeedSimpleRecipe(t *testing.T) {
	p, f := seedProject(t, "seed-simple")
	ctx := context.Background()
	require.NoError(t, p.RunTarget(ctx, "preinstall"))
	require.NoError(t, p.RunTarget(ctx, "postinstall"))
	d := f.deploy
	pos := func(line, col int) recipe.Pos { return recipe.Pos{File: "deploy.xml", Line: line, Col: col} }
	want := []Event{
		{Type: EventTarget, Target: "preinstall", Pos: pos(33, 5)},
		{Type: EventEcho, Target: "preinstall", Task: "echo", Pos: pos(34, 9), Level: LevelInfo,
			Message: "Deploying Test Bundle v2.4 to " + d + "..."},
		{Type: EventAudit, Target: "preinstall", Task: "rhq:audit", Pos: pos(36, 2), Audit: &Audit{
			Status:  recipe.AuditSuccess,
			Action:  "Preinstall Notice",
			Info:    "Preinstalling to " + d,
			Message: "Another optional message",
			Details: " \n\t\tSome additional, optional details regarding \n\t\tthe deployment of " + d + " \n\t",
		}},
		{Type: EventTarget, Target: "postinstall", Pos: pos(42, 5)},
		{Type: EventEcho, Target: "postinstall", Task: "echo", Pos: pos(43, 9), Level: LevelInfo,
			Message: "Done deploying Test Bundle v2.4 to " + d + "."},
	}
	if diff := cmp.Diff(want, f.events); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	for _, name := range []string{"preinstallTargetExecuted", "postinstallTargetExecuted"} {
		v, ok := p.Property(name)
		require.True(t, ok, name)
		require.Equal(t, "true", v, name)
	}
}

// TestSeedAntCall is the seed's "Calling Ant Targets" (§2.3.2.3.3): a
// postinstall target calls a target of another.xml with a property.
func TestSeedAntCall(t *testing.T) {
	p, f := seedProject(t, "seed-ant-call")
	require.NoError(t, p.RunTarget(context.Background(), "myExampleCall"))
	require.Equal(t, []string{"inside doSomething. param1=111"}, f.messages(EventEcho))
	echo := f.eventsOf(EventEcho)[0]
	require.Equal(t, "doSomething", echo.Target)
	require.Equal(t, recipe.Pos{File: "another.xml", Line: 4, Col: 8}, echo.Pos)
	_, leaked := p.Property("param1")
	require.False(t, leaked, "the nested property is the called project's only")
}
