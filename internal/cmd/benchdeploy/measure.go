package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"
)

// measureEnv, set to 1, makes this program the measuring parent of the
// command on its command line (see measureChild).
const measureEnv = "BENCHDEPLOY_MEASURE"

// measurement is one run of a command.
type measurement struct {
	wall   time.Duration
	maxRSS int64 // bytes; 0 when unknown
}

// runTimed runs argv and measures the child's wall time and peak RSS; a
// failing command is an error that holds its output.
//
// The command runs under a fresh copy of this program (measureChild): Linux
// counts the peak RSS of the process that forks a child into the child's
// ru_maxrss, so the child of this process, which holds the trees' hashes,
// would report at least this process's peak; the copy is small and forks the
// command itself.
func runTimed(ctx context.Context, argv []string) (measurement, error) {
	self, err := os.Executable()
	if err != nil {
		return measurement{}, err
	}
	report, w, err := os.Pipe()
	if err != nil {
		return measurement{}, err
	}
	defer report.Close()
	cmd := exec.CommandContext(ctx, self, argv...)
	cmd.Env = append(os.Environ(), measureEnv+"=1")
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	cmd.ExtraFiles = []*os.File{w}
	err = cmd.Start()
	w.Close()
	if err != nil {
		return measurement{}, err
	}
	numbers, rerr := io.ReadAll(report)
	if err := cmd.Wait(); err != nil {
		return measurement{}, fmt.Errorf("%s: %w\n%s", strings.Join(argv, " "), err, out.Bytes())
	}
	if rerr != nil {
		return measurement{}, rerr
	}
	var m measurement
	if _, err := fmt.Sscan(string(numbers), &m.wall, &m.maxRSS); err != nil {
		return measurement{}, fmt.Errorf("measuring %s: %q: %w", strings.Join(argv, " "), numbers, err)
	}
	return m, nil
}

// measureChild runs argv with this process's standard files, writes its wall
// time and peak RSS ("NANOSECONDS BYTES") to file descriptor 3 and returns
// its exit code.
func measureChild(argv []string) int {
	if len(argv) == 0 {
		fmt.Fprintln(os.Stderr, "benchdeploy: nothing to measure")
		return 2
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		return exit.ExitCode()
	case err != nil:
		fmt.Fprintln(os.Stderr, "benchdeploy:", err)
		return 127
	}
	report := os.NewFile(3, "report")
	if _, err := fmt.Fprintf(report, "%d %d\n", int64(wall), maxRSS(cmd.ProcessState)); err != nil {
		fmt.Fprintln(os.Stderr, "benchdeploy: writing the measurement:", err)
		return 1
	}
	return 0
}
