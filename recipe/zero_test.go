package recipe_test

import (
	"reflect"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/recipe"
)

// TestZeroRecipe calls every exported method of an empty Recipe with zero
// arguments: none may panic, whatever methods are added later.
func TestZeroRecipe(t *testing.T) {
	v := reflect.ValueOf(&recipe.Recipe{})
	for i := range v.NumMethod() {
		m, name := v.Method(i), v.Type().Method(i).Name
		args := make([]reflect.Value, m.Type().NumIn())
		for j := range args {
			args[j] = reflect.Zero(m.Type().In(j))
		}
		require.NotPanics(t, func() { m.Call(args) }, name)
	}

	var r recipe.Recipe
	mode, declared := r.Compliance()
	require.Equal(t, recipe.Full, mode)
	require.False(t, declared)
	got, err := r.ResolveInputs(map[string]string{"x": "1"})
	require.NoError(t, err)
	require.Empty(t, got)
	_, err = r.Expand(recipe.Env{})
	require.ErrorIs(t, err, recipe.ErrInvalid, "a Recipe literal has no element tree to expand")
}
