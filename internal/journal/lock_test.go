package journal

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/fileops"
	"github.com/bundlekit/bundlekit/internal/dirfile"
)

// The lock tests run deployers as real processes: children of this test binary
// that run TestLockHelper and talk to the test over stdin and stdout.

var lockStressRounds = flag.Int("lockstress.rounds", 20, "rounds of TestLockStress (5 with -short)")

// Environment of a child process (TestLockHelper).
const (
	envLockHelper = "BUNDLEKIT_LOCK_HELPER" // hold or stress
	envLockDest   = "BUNDLEKIT_LOCK_DEST"
	envLockWait   = "BUNDLEKIT_LOCK_WAIT" // Lock's wait, a time.Duration
	envLockStop   = "BUNDLEKIT_LOCK_STOP" // a lockHook step at which to stop until killed
	envLockLog    = "BUNDLEKIT_LOCK_LOG"  // stress: the log in the destination
)

// A child's protocol lines start with lockLine; the test framework's own
// output does not.
const lockLine = "lockhelper: "

// Lines a child prints after lockLine.
const (
	lineReady    = "ready"   // stress: waiting for "go" on stdin
	lineStopped  = "stopped" // at envLockStop, waiting to be killed
	lineLocked   = "locked"  // holds the lock
	lineRefused  = "refused" // followed by the pid the refusal named
	lineUnlocked = "unlocked"
)

// TestLockHelper is a child process of the lock tests. In mode hold it takes
// the lock, says so and keeps it until a line arrives on stdin. In mode stress
// it waits for a line on stdin, takes the lock and, holding it, appends
// "enter PID" and "leave PID" to the log.
func TestLockHelper(t *testing.T) {
	mode := os.Getenv(envLockHelper)
	if mode == "" {
		t.Skip("a child process of the lock tests")
	}
	say := func(line string) { fmt.Println(lockLine + line) }
	stdin := bufio.NewReader(os.Stdin)
	if stop := os.Getenv(envLockStop); stop != "" {
		lockHook = func(step string) {
			if step == stop {
				say(lineStopped)
				time.Sleep(time.Hour) // until killed
			}
		}
	}
	wait, err := time.ParseDuration(os.Getenv(envLockWait))
	require.NoError(t, err)
	d, err := fileops.OpenDir(os.Getenv(envLockDest))
	require.NoError(t, err)
	defer d.Close()

	if mode == "stress" {
		say(lineReady)
		_, err := stdin.ReadString('\n')
		require.NoError(t, err)
	}
	l, err := Lock(context.Background(), d, wait)
	var le *LockedError
	if errors.As(err, &le) {
		say(fmt.Sprintf("%s %d", lineRefused, le.Holder.PID))
		return
	}
	require.NoError(t, err)
	say(lineLocked)
	switch mode {
	case "hold":
		_, err = stdin.ReadString('\n')
		require.NoError(t, err)
	case "stress":
		log, err := dirfile.OpenFile(d, os.Getenv(envLockLog), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		require.NoError(t, err)
		_, err = fmt.Fprintf(log, "enter %d\n", os.Getpid())
		require.NoError(t, err)
		time.Sleep(time.Duration(rand.IntN(5000)) * time.Microsecond)
		_, err = fmt.Fprintf(log, "leave %d\n", os.Getpid())
		require.NoError(t, err)
		require.NoError(t, log.Close())
	default:
		t.Fatalf("unknown mode %q", mode)
	}
	require.NoError(t, l.Unlock())
	say(lineUnlocked)
}

// lockChild is a running TestLockHelper.
type lockChild struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  chan string // protocol lines, without lockLine; closed at EOF
	output *strings.Builder
	mu     sync.Mutex // guards output
	done   chan struct{}
	err    error // of Wait, once done is closed
}

type lockChildOptions struct {
	mode string
	wait time.Duration
	stop string // lockHook step
	log  string // stress log
}

func startLockChild(t *testing.T, dest string, o lockChildOptions) *lockChild {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestLockHelper$", "-test.count=1", "-test.timeout=2m")
	cmd.Env = append(os.Environ(), envLockHelper+"="+o.mode, envLockDest+"="+dest,
		envLockWait+"="+o.wait.String(), envLockStop+"="+o.stop, envLockLog+"="+o.log)
	c := &lockChild{cmd: cmd, lines: make(chan string, 8), output: new(strings.Builder), done: make(chan struct{})}
	cmd.Stderr = &lockedWriter{c}
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	c.stdin = stdin
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			c.write(sc.Text() + "\n")
			if line, ok := strings.CutPrefix(sc.Text(), lockLine); ok {
				c.lines <- line
			}
		}
		close(c.lines)
		c.err = cmd.Wait()
		close(c.done)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-c.done
	})
	return c
}

type lockedWriter struct{ c *lockChild }

func (w *lockedWriter) Write(p []byte) (int, error) { w.c.write(string(p)); return len(p), nil }

func (c *lockChild) write(s string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.output.WriteString(s)
}

func (c *lockChild) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return fmt.Sprintf("child %d:\n%s", c.cmd.Process.Pid, c.output)
}

// expect waits for the child's next protocol line and checks that it starts
// with want; it returns the rest of the line.
func (c *lockChild) expect(t *testing.T, want string) string {
	t.Helper()
	select {
	case line, ok := <-c.lines:
		require.True(t, ok, "the child ended before saying %q\n%s", want, c)
		rest, ok := strings.CutPrefix(line, want)
		require.True(t, ok, "want %q, the child said %q\n%s", want, line, c)
		return strings.TrimSpace(rest)
	case <-time.After(time.Minute):
		t.Fatalf("the child did not say %q\n%s", want, c)
		return ""
	}
}

// send writes a line to the child's stdin.
func (c *lockChild) send(t *testing.T) {
	t.Helper()
	_, err := io.WriteString(c.stdin, "go\n")
	require.NoError(t, err)
}

// wait waits for the child to end and returns the error of exec.Cmd.Wait.
func (c *lockChild) wait(t *testing.T) error {
	t.Helper()
	select {
	case <-c.done:
		return c.err
	case <-time.After(time.Minute):
		t.Fatalf("the child did not end\n%s", c)
		return nil
	}
}

// kill kills the child (SIGKILL on Unix) and waits for it.
func (c *lockChild) kill(t *testing.T) {
	t.Helper()
	require.NoError(t, c.cmd.Process.Kill())
	require.Error(t, c.wait(t), "killed")
}

func (c *lockChild) pid() int { return c.cmd.Process.Pid }

func newLockDest(t *testing.T) (*fileops.Dir, string) {
	t.Helper()
	dest := filepath.Join(t.TempDir(), "app")
	d, err := fileops.CreateDir(dest)
	require.NoError(t, err)
	t.Cleanup(func() { d.Close() })
	return d, dest
}

func hostname(t *testing.T) string {
	t.Helper()
	host, err := os.Hostname()
	require.NoError(t, err)
	return host
}

// requireLockedBy checks a refusal: a *LockedError for d naming pid (0: no
// process), matching ErrLocked.
func requireLockedBy(t *testing.T, err error, d *fileops.Dir, pid int) *LockedError {
	t.Helper()
	var le *LockedError
	require.ErrorAs(t, err, &le)
	require.ErrorIs(t, err, ErrLocked)
	require.Equal(t, d.Path(), le.Dest)
	require.Equal(t, pid, le.Holder.PID, "%v", err)
	return le
}

// releaseWait is how long a lock whose holder was killed may stay held: not at
// all on Unix; Windows releases it only when it gets to it (see Lock).
func releaseWait() time.Duration {
	if runtime.GOOS == "windows" {
		return 5 * time.Second
	}
	return 0
}

// requireLockAndUnlock takes d's lock at once, checks that the lock file names
// this process, releases it and checks that no trace is left.
func requireLockAndUnlock(t *testing.T, d *fileops.Dir, dest string) {
	t.Helper()
	l, err := Lock(context.Background(), d, releaseWait())
	require.NoError(t, err)
	require.Equal(t, os.Getpid(), readLockFile(t, dest).PID)
	require.NoError(t, l.Unlock())
	require.NoDirExists(t, filepath.Join(dest, lockParent), "Unlock leaves no trace")
}

func readLockFile(t *testing.T, dest string) Holder {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dest, filepath.FromSlash(LockFile)))
	require.NoError(t, err)
	var h Holder
	require.NoError(t, json.Unmarshal(data, &h), "%q", data)
	return h
}

// TestLockRefused: a second deployer, in another process or in this one, is
// refused with a *LockedError naming the holder; once the holder unlocks the
// lock is free and no trace is left.
func TestLockRefused(t *testing.T) {
	ctx := context.Background()
	d, dest := newLockDest(t)
	start := time.Now().UTC().Truncate(time.Second)
	child := startLockChild(t, dest, lockChildOptions{mode: "hold"})
	child.expect(t, lineLocked)

	_, err := Lock(ctx, d, 0)
	le := requireLockedBy(t, err, d, child.pid())
	require.Equal(t, hostname(t), le.Holder.Host)
	require.WithinRange(t, le.Holder.Since, start, time.Now().UTC())
	require.ErrorContains(t, err, fmt.Sprintf("%s: %v: process %d on %s since %s",
		dest, ErrLocked, child.pid(), le.Holder.Host, le.Holder.Since.Format(time.RFC3339)))

	child.send(t)
	child.expect(t, lineUnlocked)
	require.NoError(t, child.wait(t))
	require.NoDirExists(t, filepath.Join(dest, lockParent), "Unlock leaves no trace")

	l, err := Lock(ctx, d, 0)
	require.NoError(t, err)
	_, err = Lock(ctx, d, 0)
	requireLockedBy(t, err, d, os.Getpid())
	require.NoError(t, l.Unlock())
	require.ErrorIs(t, l.Unlock(), fs.ErrClosed)
	requireLockAndUnlock(t, d, dest)
}

// TestLockWait: with a wait, Lock takes the lock as soon as its holder releases
// it, and otherwise gives up with ErrLocked when the wait has passed or when
// its context is cancelled.
func TestLockWait(t *testing.T) {
	d, dest := newLockDest(t)
	child := startLockChild(t, dest, lockChildOptions{mode: "hold"})
	child.expect(t, lineLocked)

	t.Run("timeout", func(t *testing.T) {
		const wait = 300 * time.Millisecond
		start := time.Now()
		_, err := Lock(context.Background(), d, wait)
		requireLockedBy(t, err, d, child.pid())
		require.GreaterOrEqual(t, time.Since(start), wait)
	})

	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(100*time.Millisecond, cancel)
		_, err := Lock(ctx, d, time.Hour)
		requireLockedBy(t, err, d, child.pid())
		require.ErrorIs(t, err, context.Canceled)
	})

	t.Run("cancelled before", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := Lock(ctx, d, time.Hour)
		require.ErrorIs(t, err, context.Canceled)
		require.NotErrorIs(t, err, ErrLocked, "no attempt")
	})

	t.Run("released", func(t *testing.T) {
		type result struct {
			l   *DestLock
			err error
			at  time.Time
		}
		got := make(chan result, 1)
		go func() {
			l, err := Lock(context.Background(), d, time.Minute)
			got <- result{l, err, time.Now()}
		}()
		time.Sleep(200 * time.Millisecond)
		released := time.Now()
		child.send(t)
		r := <-got
		require.NoError(t, r.err)
		require.True(t, r.at.After(released), "Lock returned before the holder released the lock")
		child.expect(t, lineUnlocked)
		require.NoError(t, child.wait(t))
		require.NoError(t, r.l.Unlock())
	})
}

// TestLockKilledHolder: a holder killed with SIGKILL right after taking the
// kernel lock, before it wrote its name into the lock file or after, does not
// block the next deployer. While it lives, a holder that has not written its
// name yet is reported as unknown.
func TestLockKilledHolder(t *testing.T) {
	for _, tc := range []struct {
		name  string
		stop  string // where the child stops to be killed
		named bool   // whether the lock file names it then
	}{
		{name: "before its name is written", stop: "locked"},
		{name: "holding the lock", named: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, dest := newLockDest(t)
			child := startLockChild(t, dest, lockChildOptions{mode: "hold", stop: tc.stop})
			pid := 0
			if tc.named {
				child.expect(t, lineLocked)
				pid = child.pid()
				require.Equal(t, pid, readLockFile(t, dest).PID)
			} else {
				child.expect(t, lineStopped)
				data, err := os.ReadFile(filepath.Join(dest, filepath.FromSlash(LockFile)))
				require.NoError(t, err)
				require.Empty(t, data, "the lock is held by a process that has not written its name")
			}
			_, err := Lock(context.Background(), d, 0)
			requireLockedBy(t, err, d, pid)
			if !tc.named {
				require.NotContains(t, err.Error(), "process 0")
				require.ErrorContains(t, err, "the destination is locked by another deployer (which one is not known: .rhqdeployments/.bundlekit.lock does not name it yet)")
			}

			child.kill(t)
			require.FileExists(t, filepath.Join(dest, filepath.FromSlash(LockFile)), "left behind")
			requireLockAndUnlock(t, d, dest)
		})
	}
}

// TestLockLeftovers: whatever a lock file left behind holds, it does not stop
// Lock (the content is never trusted); Unlock keeps a metadata folder that
// holds other files; a lock path that is not a regular file is an error, not a
// wait.
func TestLockLeftovers(t *testing.T) {
	live, err := json.Marshal(Holder{PID: os.Getpid(), Host: "elsewhere", Since: time.Now()})
	require.NoError(t, err)
	for _, tc := range []struct {
		name, content string
	}{
		{name: "empty"},
		{name: "garbage", content: "\x00\xffnot a record"},
		{name: "torn record", content: `{"pid":12`},
		{name: "record of a live process", content: string(live)},
		{name: "longer than a record", content: strings.Repeat("x", 3*maxHolder)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, dest := newLockDest(t)
			require.NoError(t, os.Mkdir(filepath.Join(dest, lockParent), 0o755))
			require.NoError(t, os.WriteFile(filepath.Join(dest, filepath.FromSlash(LockFile)), []byte(tc.content), 0o644))
			requireLockAndUnlock(t, d, dest)
		})
	}

	t.Run("metadata kept", func(t *testing.T) {
		d, dest := newLockDest(t)
		other := filepath.Join(dest, lockParent, "current-deployment.properties")
		require.NoError(t, os.Mkdir(filepath.Join(dest, lockParent), 0o755))
		require.NoError(t, os.WriteFile(other, []byte("x"), 0o644))
		l, err := Lock(context.Background(), d, 0)
		require.NoError(t, err)
		require.NoError(t, l.Unlock())
		require.NoFileExists(t, filepath.Join(dest, filepath.FromSlash(LockFile)))
		require.FileExists(t, other)
	})

	t.Run("directory", func(t *testing.T) {
		d, dest := newLockDest(t)
		require.NoError(t, os.MkdirAll(filepath.Join(dest, filepath.FromSlash(LockFile)), 0o755))
		_, err := Lock(context.Background(), d, time.Hour)
		require.ErrorContains(t, err, "not a regular file")
		require.NotErrorIs(t, err, ErrLocked)
	})

	t.Run("symbolic link", func(t *testing.T) {
		d, dest := newLockDest(t)
		require.NoError(t, os.Mkdir(filepath.Join(dest, lockParent), 0o755))
		if err := os.Symlink("target", filepath.Join(dest, filepath.FromSlash(LockFile))); err != nil {
			t.Skip("no symbolic links:", err)
		}
		_, err := Lock(context.Background(), d, time.Hour)
		require.ErrorContains(t, err, "not a regular file")
		require.NoFileExists(t, filepath.Join(dest, lockParent, "target"), "the link's target is not created")
	})
}

// TestLockReplacedFile checks the protocol that keeps the lock path and the
// locked file one. A deployer opens the lock file; before it locks it, the
// holder unlocks (removing the file) and, in one case, a third deployer takes
// the lock on a new file of the same name. The first deployer then locks a
// file that has lost its name: it must notice and try again, on the new file.
func TestLockReplacedFile(t *testing.T) {
	for _, tc := range []struct {
		name  string
		third bool
	}{
		{name: "removed"},
		{name: "replaced", third: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			d, dest := newLockDest(t)
			first, err := Lock(ctx, d, 0)
			require.NoError(t, err)
			var third *DestLock
			armed := true
			lockHook = func(step string) {
				if step != "opened" || !armed {
					return
				}
				armed = false
				require.NoError(t, first.Unlock())
				if tc.third {
					var err error
					third, err = Lock(ctx, d, 0)
					require.NoError(t, err)
				}
			}
			t.Cleanup(func() { lockHook = nil })

			l, err := Lock(ctx, d, 0)
			require.False(t, armed, "the hook ran")
			if !tc.third {
				require.NoError(t, err, "the lock is free")
				require.Equal(t, os.Getpid(), readLockFile(t, dest).PID, "the lock is on the file the path names")
				require.NoError(t, l.Unlock())
				return
			}
			requireLockedBy(t, err, d, os.Getpid())
			require.NoError(t, third.Unlock())
			require.NoDirExists(t, filepath.Join(dest, lockParent))
		})
	}
}

// TestLockUnlockOrder: Unlock removes the lock file while it still holds the
// lock. Were the lock released first, a waiter could lock the file and find
// its name still there just before Unlock removes it, and a third deployer
// could then lock a new file of that name.
func TestLockUnlockOrder(t *testing.T) {
	d, dest := newLockDest(t)
	l, err := Lock(context.Background(), d, 0)
	require.NoError(t, err)
	waiter, err := d.Open(LockFile)
	require.NoError(t, err)
	defer waiter.Close()
	ran := false
	lockHook = func(step string) {
		if step != "removed" {
			return
		}
		ran = true
		require.NoFileExists(t, filepath.Join(dest, filepath.FromSlash(LockFile)))
		ok, err := lockFile(waiter)
		require.NoError(t, err)
		require.False(t, ok, "the lock is still held when the name is removed")
	}
	t.Cleanup(func() { lockHook = nil })
	require.NoError(t, l.Unlock())
	require.True(t, ran, "the hook ran")
	ok, err := lockFile(waiter)
	require.NoError(t, err)
	require.True(t, ok, "Unlock released the lock")
}

// TestLockStress runs rounds of 2 to 8 deployers on one destination, each
// waiting for the lock or not, and kills some of them with SIGKILL at random
// moments. Each deployer that gets the lock writes "enter" and "leave" lines
// into a log of the round while it holds it. In the log no two deployers
// overlap, except that a killed one may enter and never leave; a deployer that
// is not killed either got the lock or was refused; and after every round the
// lock is free at once.
func TestLockStress(t *testing.T) {
	rounds := *lockStressRounds
	if testing.Short() {
		rounds = min(rounds, 5)
	}
	d, dest := newLockDest(t)
	started := map[int]bool{}
	var procs, kills, holding, got, refused int
	for round := range rounds {
		log := fmt.Sprintf("round-%d.log", round)
		children := make([]*lockChild, 2+rand.IntN(7))
		for i := range children {
			wait := time.Duration(0)
			if rand.IntN(3) > 0 {
				wait = 30 * time.Second
			}
			children[i] = startLockChild(t, dest, lockChildOptions{mode: "stress", wait: wait, log: log})
			started[children[i].pid()] = true
		}
		for _, c := range children {
			c.expect(t, lineReady)
		}
		// A third of the deployers are killed: half of them at a random
		// moment, half of them soon after they said they hold the lock.
		sentKill := make([]bool, len(children))
		lines := make([][]string, len(children))
		var watchers sync.WaitGroup
		for i, c := range children {
			kill := rand.IntN(6)
			sentKill[i] = kill < 2
			c.send(t)
			if kill == 0 {
				watchers.Go(func() {
					time.Sleep(time.Duration(rand.IntN(15000)) * time.Microsecond)
					_ = c.cmd.Process.Kill() // it may have ended already
				})
			}
			watchers.Go(func() {
				for line := range c.lines {
					lines[i] = append(lines[i], line)
					if kill == 1 && line == lineLocked {
						time.Sleep(time.Duration(rand.IntN(3000)) * time.Microsecond)
						_ = c.cmd.Process.Kill()
					}
				}
			})
		}
		watchers.Wait()

		killed := map[int]bool{}
		outcome := map[int]string{}
		for i, c := range children {
			err := c.wait(t)
			if err != nil && sentKill[i] {
				killed[c.pid()] = true
				continue
			}
			require.NoError(t, err, "%s", c)
			lines := lines[i]
			switch {
			case len(lines) == 2 && lines[0] == lineLocked && lines[1] == lineUnlocked:
				outcome[c.pid()] = lineLocked
			case len(lines) == 1 && strings.HasPrefix(lines[0], lineRefused+" "):
				named, err := strconv.Atoi(strings.TrimPrefix(lines[0], lineRefused+" "))
				require.NoError(t, err, "%s", c)
				require.True(t, named == 0 || started[named], "the refusal names process %d, no deployer\n%s", named, c)
				outcome[c.pid()] = lineRefused
			default:
				t.Fatalf("unexpected %q\n%s", lines, c)
			}
		}
		holding += checkLockLog(t, dest, log, outcome, killed)
		requireLockAndUnlock(t, d, dest)

		procs += len(children)
		kills += len(killed)
		for _, o := range outcome {
			if o == lineLocked {
				got++
			} else {
				refused++
			}
		}
	}
	t.Logf("%d rounds, %d processes: %d killed (%d of them holding the lock), %d got the lock, %d refused",
		rounds, procs, kills, holding, got, refused)
}

// checkLockLog checks the log of a stress round: "enter" and "leave" lines
// never interleave, except that a killed deployer may enter and not leave; a
// deployer that got the lock entered and left once, a refused one never did.
// It returns the number of killed deployers that entered and did not leave.
func checkLockLog(t *testing.T, dest, log string, outcome map[int]string, killed map[int]bool) (holding int) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dest, log))
	if errors.Is(err, fs.ErrNotExist) {
		data, err = nil, nil // nobody got the lock
	}
	require.NoError(t, err)
	entered, left := map[int]int{}, map[int]int{}
	holder := 0
	for line := range strings.Lines(string(data)) {
		what, p, ok := strings.Cut(strings.TrimSuffix(line, "\n"), " ")
		require.True(t, ok, "log line %q", line)
		pid, err := strconv.Atoi(p)
		require.NoError(t, err, "log line %q", line)
		switch what {
		case "enter":
			require.True(t, holder == 0 || killed[holder], "%d entered while %d held the lock:\n%s", pid, holder, data)
			holder = pid
			entered[pid]++
		case "leave":
			require.Equal(t, holder, pid, "%d left while %d held the lock:\n%s", pid, holder, data)
			holder = 0
			left[pid]++
		default:
			t.Fatalf("log line %q", line)
		}
	}
	for pid, o := range outcome {
		want := 0
		if o == lineLocked {
			want = 1
		}
		require.Equal(t, want, entered[pid], "entries of %d (%s):\n%s", pid, o, data)
		require.Equal(t, want, left[pid], "exits of %d (%s):\n%s", pid, o, data)
	}
	for pid := range killed {
		require.LessOrEqual(t, entered[pid], 1)
		require.LessOrEqual(t, left[pid], entered[pid])
		holding += entered[pid] - left[pid]
	}
	return holding
}
