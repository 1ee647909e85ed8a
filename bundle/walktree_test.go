package bundle

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestWalkTree: the parallel walk visits every directory exactly once,
// whatever the shape (deep, wide, empty), and stops at the first error.
func TestWalkTree(t *testing.T) {
	type tree map[string][]string
	wide, deep := tree{"": nil}, tree{"": {"d0"}}
	for i := range 300 {
		dir := fmt.Sprintf("w%03d", i)
		wide[""] = append(wide[""], dir)
		wide[dir] = []string{dir + "/x", dir + "/y"}
		wide[dir+"/x"], wide[dir+"/y"] = nil, nil
	}
	prev := "d0"
	for i := 1; i < 200; i++ {
		next := fmt.Sprintf("%s/d%d", prev, i)
		deep[prev] = []string{next}
		prev = next
	}
	deep[prev] = nil
	for name, tr := range map[string]tree{"empty": {"": nil}, "wide": wide, "deep": deep} {
		t.Run(name, func(t *testing.T) {
			var mu sync.Mutex
			visits := map[string]int{}
			err := walkTree(func(dir string) ([]string, error) {
				mu.Lock()
				visits[dir]++
				mu.Unlock()
				return tr[dir], nil
			})
			require.NoError(t, err)
			require.Len(t, visits, len(tr))
			for dir, n := range visits {
				require.Equal(t, 1, n, dir)
			}
		})
	}

	errBad := errors.New("bad directory")
	var mu sync.Mutex
	visited := 0
	err := walkTree(func(dir string) ([]string, error) {
		mu.Lock()
		visited++
		mu.Unlock()
		if dir == "w100" {
			return wide[dir], errBad
		}
		return wide[dir], nil
	})
	require.ErrorIs(t, err, errBad)
	require.Less(t, visited, len(wide), "the walk stopped early")
}
