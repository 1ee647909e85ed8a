package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"math/rand/v2"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
)

var stressRounds = flag.Int("deployers.rounds", 10, "rounds of TestDeployersStress (100 for the campaign of issue #11)")

// TestDeployersStress (issue #11, the lock): rounds of 2 to 8 real deployers
// started together on one destination, each deploying v1 or v2, some waiting
// for the lock and some not, some killed with SIGKILL at a random moment.
// Every deployer that is not killed either completes (exit 0) or is refused
// because another holds the lock (exit 3); after each round the destination,
// once an unfinished operation is recovered, is one whole deployment: its
// files are exactly v1's or v2's, and status finds no drift from the
// deployment its metadata names.
func TestDeployersStress(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("SIGKILL is Unix's")
	}
	rounds := *stressRounds
	if testing.Short() {
		rounds = min(rounds, 3)
	}
	s := newStraceScene(t)
	deploy := func(bundle string, wait bool) []string {
		args := []string{"deploy", "--quiet", "--bundle", bundle, "--dest", s.dest, "-p", "port=7081"}
		if wait {
			args = append(args, "--wait", "1m")
		}
		return args
	}
	// What each version's files are when it is the current deployment.
	versions := map[string]map[string]string{}
	for _, v := range []struct{ name, dir string }{{"1.0", s.v1}, {"2.0", s.v2}} {
		s.deployer(t, deploy(v.dir, false)...)
		versions[v.name] = s.appFiles(t)
	}

	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 0))
	t.Logf("seed %d", seed)
	var procs, killed, completed, refused int
	for round := range rounds {
		n := 2 + rng.IntN(7)
		var wg sync.WaitGroup
		codes := make([]int, n)
		kills := make([]bool, n)
		outputs := make([]string, n)
		for i := range n {
			bundle := s.v1
			if rng.IntN(2) == 1 {
				bundle = s.v2
			}
			cmd := exec.Command(s.bin, deploy(bundle, rng.IntN(2) == 1)...)
			cmd.Env = s.env
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			require.NoError(t, cmd.Start())
			var delay time.Duration
			if kills[i] = rng.IntN(3) == 0; kills[i] {
				delay = time.Duration(rng.IntN(300)) * time.Millisecond
			}
			wg.Go(func() {
				if kills[i] {
					time.AfterFunc(delay, func() { _ = cmd.Process.Signal(syscall.SIGKILL) })
				}
				err := cmd.Wait()
				codes[i], outputs[i] = 0, out.String()
				var exit *exec.ExitError
				if errors.As(err, &exit) {
					codes[i] = exit.ExitCode() // -1 when killed
				}
			})
		}
		wg.Wait()
		for i := range n {
			procs++
			switch {
			case codes[i] == -1 && kills[i]:
				killed++
			case codes[i] == 0:
				completed++
			case codes[i] == 3:
				refused++
			default:
				t.Fatalf("round %d: deployer %d exited %d (killed: %t):\n%s", round, i, codes[i], kills[i], outputs[i])
			}
		}

		s.recover(t, "round")
		code, stdout, stderr := s.run(t, nil, "status", "--json", "--dest", s.dest)
		require.Equal(t, 0, code, "round %d: status:\n%s%s", round, stdout, stderr)
		var res struct {
			Status struct {
				Current struct {
					Bundle struct{ Version string }
				}
				Drift struct{ Changed, Removed, Added []string }
			}
		}
		require.NoError(t, json.Unmarshal([]byte(lastLine(stdout)), &res), "round %d", round)
		st := res.Status
		require.Empty(t, st.Drift.Changed, "round %d: drift", round)
		require.Empty(t, st.Drift.Removed, "round %d: drift", round)
		require.Empty(t, st.Drift.Added, "round %d: drift", round)
		want, ok := versions[st.Current.Bundle.Version]
		require.True(t, ok, "round %d: current deployment %q", round, st.Current.Bundle.Version)
		require.Empty(t, cmp.Diff(want, s.appFiles(t)), "round %d: the files are not those of %s", round, st.Current.Bundle.Version)
	}
	t.Logf("%d rounds, %d deployers: %d killed, %d completed, %d refused by the lock", rounds, procs, killed, completed, refused)
}

// appFiles is the destination's part of the snapshot, metadata left out.
func (s *straceScene) appFiles(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for k, v := range s.snapshot(t) {
		if strings.HasPrefix(k, "app/") && !strings.HasPrefix(k, "app/.rhqdeployments") {
			out[k] = v
		}
	}
	return out
}

// lastLine is the last non-empty line of out.
func lastLine(out string) string {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	return lines[len(lines)-1]
}
