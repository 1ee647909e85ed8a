package recipe_test

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/recipe"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/golden")

// TestGolden parses every recipe under testdata and compares the whole typed model,
// positions included, with testdata/golden/<name>.json. The seed's Simple Ant
// Recipe, the MusicApp production and QA recipes and a recipe using every element
// of spec §12 are among them. Run with -update after a deliberate model change and
// review the diff.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.xml")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".xml")
		t.Run(name, func(t *testing.T) {
			r, err := recipe.ParseFile(file)
			require.NoError(t, err)
			got, err := json.MarshalIndent(r, "", "  ")
			require.NoError(t, err)
			got = append(got, '\n')
			golden := filepath.Join("testdata", "golden", name+".json")
			if *update {
				require.NoError(t, os.WriteFile(golden, got, 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err)
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("model of %s differs from %s (-want +got):\n%s", file, golden, diff)
			}
		})
	}
}
