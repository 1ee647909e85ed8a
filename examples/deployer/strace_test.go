package main

import (
	"archive/zip"
	"bufio"
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/bundlekit/bundlekit/internal/testtree"
	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
)

// The strace campaign (issue #11), the second one: faults injected from
// outside the process. The real deployer binary runs an initial deployment,
// an upgrade over local edits, a revert and a purge under
// strace -f --inject=SYSCALL:error=ERRNO:when=N, for the system calls that
// change files or make them durable, N sampled over their invocations;
// strace counts invocations per thread, so every thread of the process that
// makes its N-th such call gets the fault (a campaign of multiple faults).
// The exit code, the "outcome" of the JSON result and the disk must agree,
// and after a `deployer recover` the destination must be exactly as before or
// as after the operation. A fault in a write of the output itself, or one the
// Go runtime cannot take (it then stops the process, as a crash would), leaves
// no result to compare: the disk must still recover to one of the two states.
//
// It runs with BUNDLEKIT_FAULTS=all (it takes minutes) where strace is
// installed; BUNDLEKIT_STRACE_STRIDE samples N more or less finely (default
// 3: every third invocation).

// straceSyscalls are the calls faulted, each in turn.
var straceSyscalls = []string{"openat", "write", "fsync", "fdatasync", "renameat", "unlinkat", "mkdirat", "fchmod", "linkat", "ftruncate"}

var straceErrnos = []string{"ENOSPC", "EIO", "EACCES", "EROFS"}

// straceScene is the campaign's bundles and directories, below one base.
type straceScene struct {
	base, dest, ext, bin string
	v1, v2               string
	env                  []string
}

// straceOp is one operation of the campaign: the trees it starts from and
// ends in.
type straceOp struct {
	name          string
	args          []string
	from          string // saved tree
	before, after map[string]string
	afterAlt      map[string]string // a full purge that left the destination, empty
}

func TestStraceFaults(t *testing.T) {
	if os.Getenv("BUNDLEKIT_FAULTS") != "all" {
		t.Skip("the strace campaign runs with BUNDLEKIT_FAULTS=all")
	}
	if runtime.GOOS != "linux" {
		t.Skip("strace is Linux's")
	}
	strace, err := exec.LookPath("strace")
	if err != nil {
		t.Skip("strace is not installed")
	}
	stride := 3
	if s := os.Getenv("BUNDLEKIT_STRACE_STRIDE"); s != "" {
		stride, err = strconv.Atoi(s)
		require.NoError(t, err)
	}
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		t.Setenv("TMPDIR", "/dev/shm") // thousands of syncs
	}
	s := newStraceScene(t)
	ops := s.operations(t)
	total := 0
	for _, op := range ops {
		t.Run(op.name, func(t *testing.T) {
			counts := s.countCalls(t, strace, op)
			got := map[string]int{}
			trials := 0
			for _, sc := range straceSyscalls {
				for n := 1; n <= counts[sc]; n += stride {
					errno := straceErrnos[(n/stride+len(sc))%len(straceErrnos)]
					got[s.trial(t, strace, op, sc, errno, n)]++
					trials++
				}
			}
			total += trials
			t.Logf("%s: calls %v; %d runs under strace; %v", op.name, counts, trials, got)
		})
	}
	t.Logf("%d runs under strace", total)
}

func newStraceScene(t *testing.T) *straceScene {
	base := t.TempDir()
	s := &straceScene{base: base, dest: filepath.Join(base, "app"), ext: filepath.Join(base, "ext"), bin: filepath.Join(base, "deployer"),
		v1: filepath.Join(base, "v1"), v2: filepath.Join(base, "v2")}
	tmp := filepath.Join(base, "tmp")
	require.NoError(t, os.Mkdir(tmp, 0o755))
	s.env = append(os.Environ(), "TMPDIR="+tmp)
	build := exec.Command("go", "build", "-o", s.bin, ".")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)

	recipe := func(version, extra string) string {
		return `<project name="app" default="main" xmlns:rhq="antlib:org.rhq.bundle">
  <rhq:bundle name="App" version="` + version + `">
    <rhq:input-property name="port" type="integer" defaultValue="8080"/>
    <rhq:deployment-unit name="app" compliance="full">
      <rhq:file name="conf/app.conf" replace="true"/>
      <rhq:file name="conf/ext.conf" destinationFile="` + filepath.ToSlash(filepath.Join(s.ext, "conf/ext.conf")) + `"/>
` + extra + `      <rhq:archive name="webapp.zip">
        <rhq:replace><rhq:fileset><include name="**/*.properties"/></rhq:fileset></rhq:replace>
      </rhq:archive>
      <rhq:archive name="lib/plugin.zip" exploded="false"/>
      <rhq:ignore><rhq:fileset includes="logs/"/></rhq:ignore>
    </rhq:deployment-unit>
  </rhq:bundle>
  <target name="main"/>
</project>
`
	}
	writeStraceBundle(t, s.v1, map[string]string{
		"deploy.xml":     recipe("1.0", `      <rhq:file name="bin/old.sh"/>`+"\n"),
		"conf/app.conf":  "port=@@port@@\nhome=@@rhq.deploy.dir@@\n",
		"conf/ext.conf":  "ext v1\n",
		"bin/old.sh":     "#!/bin/sh\necho old\n",
		"webapp.zip":     "ZIP:WEB-INF/web.xml=<web v1/>|WEB-INF/classes/app.properties=port=@@port@@\n|docs/readme.txt=readme\n|static/a.css=a|static/b.css=b",
		"lib/plugin.zip": "ZIP:plugin.xml=<plugin v1/>",
	})
	writeStraceBundle(t, s.v2, map[string]string{
		"deploy.xml": recipe("2.0", `      <rhq:file name="bin/start.sh"/>
      <rhq:file name="conf/v2.conf" destinationFile="`+filepath.ToSlash(filepath.Join(s.ext, "new/sub/v2.conf"))+`"/>
`),
		"conf/app.conf":  "port=@@port@@\nhome=@@rhq.deploy.dir@@\nv2=true\n",
		"conf/ext.conf":  "ext v2\n",
		"conf/v2.conf":   "new external file\n",
		"bin/start.sh":   "#!/bin/sh\necho start\n",
		"webapp.zip":     "ZIP:WEB-INF/web.xml=<web v2/>|WEB-INF/classes/app.properties=port=@@port@@\n|docs/readme.txt=readme\n|static/a.css=a|static/c.css=c",
		"lib/plugin.zip": "ZIP:plugin.xml=<plugin v2/>",
	})
	return s
}

func writeStraceBundle(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		data := []byte(body)
		if spec, ok := strings.CutPrefix(body, "ZIP:"); ok {
			var buf bytes.Buffer
			zw := zip.NewWriter(&buf)
			for item := range strings.SplitSeq(spec, "|") {
				n, content, _ := strings.Cut(item, "=")
				w, err := zw.Create(n)
				require.NoError(t, err)
				_, err = w.Write([]byte(content))
				require.NoError(t, err)
			}
			require.NoError(t, zw.Close())
			data = buf.Bytes()
		}
		require.NoError(t, os.WriteFile(p, data, 0o644))
	}
}

// run runs the deployer (under strace when prefix is set) and returns its
// exit code, stdout and stderr.
func (s *straceScene) run(t *testing.T, prefix []string, args ...string) (int, string, string) {
	t.Helper()
	argv := append(slices.Clone(prefix), s.bin)
	argv = append(argv, args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = s.env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0, stdout.String(), stderr.String()
	case errors.As(err, &exit):
		return exit.ExitCode(), stdout.String(), stderr.String()
	}
	t.Fatalf("run %v: %v", argv, err)
	return 0, "", ""
}

// deployer runs the deployer without faults and requires success.
func (s *straceScene) deployer(t *testing.T, args ...string) {
	t.Helper()
	code, stdout, stderr := s.run(t, nil, args...)
	require.Equal(t, 0, code, "deployer %v:\n%s%s", args, stdout, stderr)
}

func (s *straceScene) save(t *testing.T, name string) string {
	t.Helper()
	dir := filepath.Join(s.base, "saved", name)
	for _, d := range []string{"app", "ext"} {
		testtree.Copy(t, filepath.Join(s.base, d), filepath.Join(dir, d))
	}
	return dir
}

func (s *straceScene) restore(t *testing.T, dir string) {
	t.Helper()
	for _, d := range []string{"app", "ext"} {
		require.NoError(t, os.RemoveAll(filepath.Join(s.base, d)))
		testtree.Copy(t, filepath.Join(dir, d), filepath.Join(s.base, d))
	}
}

// operations builds the campaign's four operations, running each once.
func (s *straceScene) operations(t *testing.T) []*straceOp {
	t.Helper()
	deploy := func(b string, id int) []string {
		return []string{"deploy", "--json", "--bundle", b, "--dest", s.dest, "--id", strconv.Itoa(id), "-p", "port=7081"}
	}
	writeStraceBundle(t, s.dest, map[string]string{"index.html": "old site\n", "old/site/page.html": "old page\n"})
	initial := &straceOp{name: "initial deployment", args: deploy(s.v1, 1), from: s.save(t, "unmanaged"), before: s.snapshot(t)}
	s.deployer(t, initial.args...)
	initial.after = s.snapshot(t)

	require.NoError(t, os.RemoveAll(s.dest))
	require.NoError(t, os.RemoveAll(s.ext))
	s.deployer(t, deploy(s.v1, 1)...)
	writeStraceBundle(t, s.dest, map[string]string{
		"conf/app.conf":   "edited by hand\n",
		"docs/readme.txt": "edited by hand, unchanged in v2\n",
		"notes.txt":       "unknown file\n",
		"logs/server.log": "ignored\n",
	})
	upgrade := &straceOp{name: "upgrade", args: deploy(s.v2, 2), from: s.save(t, "before"), before: s.snapshot(t)}
	s.deployer(t, upgrade.args...)
	upgrade.after = s.snapshot(t)
	afterDir := s.save(t, "after")

	revert := &straceOp{name: "revert", args: []string{"revert", "--json", "--bundle", s.v1, "--dest", s.dest, "--id", "3", "-p", "port=7081"},
		from: afterDir, before: upgrade.after}
	s.deployer(t, revert.args...)
	revert.after = s.snapshot(t)

	s.restore(t, afterDir)
	purge := &straceOp{name: "purge", args: []string{"purge", "--json", "--dest", s.dest}, from: afterDir, before: upgrade.after}
	s.deployer(t, purge.args...)
	purge.after = s.snapshot(t)
	purge.afterAlt = maps.Clone(purge.after)
	purge.afterAlt["app"] = upgrade.after["app"]
	return []*straceOp{initial, upgrade, revert, purge}
}

// countCalls counts the operation's calls of each faulted system call (all
// threads together): the range N is sampled over.
func (s *straceScene) countCalls(t *testing.T, strace string, op *straceOp) map[string]int {
	t.Helper()
	s.restore(t, op.from)
	summary := filepath.Join(s.base, "strace-summary")
	code, stdout, stderr := s.run(t, []string{strace, "-f", "-qq", "-c", "-o", summary, "-e", "trace=" + strings.Join(straceSyscalls, ",")}, op.args...)
	require.Equal(t, 0, code, "%s%s", stdout, stderr)
	require.Equal(t, op.after, s.snapshot(t))
	data, err := os.ReadFile(summary)
	require.NoError(t, err)
	counts := map[string]int{}
	for line := range strings.Lines(string(data)) {
		f := strings.Fields(line)
		if len(f) >= 5 && slices.Contains(straceSyscalls, f[len(f)-1]) {
			n, err := strconv.Atoi(f[3])
			require.NoError(t, err, line)
			counts[f[len(f)-1]] = n
		}
	}
	return counts
}

// trial runs op with the fault and checks the invariant; it returns what
// happened: the outcome reported, or "no result".
func (s *straceScene) trial(t *testing.T, strace string, op *straceOp, sc, errno string, n int) string {
	t.Helper()
	s.restore(t, op.from)
	inject := fmt.Sprintf("inject=%s:error=%s:when=%d", sc, errno, n)
	code, stdout, stderr := s.run(t, []string{strace, "-f", "-qq", "-o", "/dev/null", "-e", "trace=" + sc, "-e", inject}, op.args...)
	what := fmt.Sprintf("%s under %s (exit %d)", op.name, inject, code)
	res := lastResult(stdout)
	outcome := "no result"
	if res != nil {
		outcome, _ = res["outcome"].(string)
		wantCodes := map[string][]int{"completed": {0, 5}, "not-started": {1, 2, 3}, "rolled-back": {1}, "needs-recovery": {4}}[outcome]
		require.Contains(t, wantCodes, code, "%s: the exit code says the outcome %q\n%s", what, outcome, stderr)
		msg, _ := res["error"].(string)
		if strings.Contains(msg, "nothing was changed") {
			require.Contains(t, []string{"not-started", "rolled-back"}, outcome, "%s: %q says that nothing was changed only when it is true", what, msg)
		}
		if outcome == "rolled-back" {
			require.Contains(t, msg, "nothing was changed", what)
		}
	}
	pending := s.pending()
	completed := false
	switch outcome {
	case "not-started", "rolled-back":
		require.False(t, pending, "%s: %s leaves no journal", what, outcome)
	case "completed":
		completed = true
		if pending {
			s.recover(t, what)
		}
	case "needs-recovery":
		require.True(t, pending, "%s: needs-recovery leaves the journal", what)
		completed = s.recover(t, what) == "completed"
	default:
		// No result: recover, then the tree is one of the two.
		if pending {
			completed = s.recover(t, what) == "completed"
		} else {
			completed = !s.matches(t, op, false, res)
		}
	}
	if !s.matches(t, op, completed, res) {
		want := op.before
		if completed {
			want = op.after
		}
		t.Fatalf("%s: outcome %s, the destination is neither as before nor as after (-want +got):\n%s\nstderr:\n%s", what, outcome, cmp.Diff(want, s.snapshot(t)), stderr)
	}
	requireNoTemp(t, s.base)
	return outcome
}

// lastResult is the result object of JSON Lines output, nil when there is
// none (a fault in writing it).
func lastResult(stdout string) map[string]any {
	var res map[string]any
	sc := bufio.NewScanner(strings.NewReader(stdout))
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var obj map[string]any
		if json.Unmarshal(sc.Bytes(), &obj) == nil && obj["type"] == "result" {
			res = obj
		}
	}
	return res
}

func (s *straceScene) pending() bool {
	_, err := os.Lstat(filepath.Join(s.dest, ".rhqdeployments", ".bundlekit", "journal"))
	return err == nil
}

// recover runs deployer recover without faults and returns what it did.
func (s *straceScene) recover(t *testing.T, what string) string {
	t.Helper()
	code, stdout, stderr := s.run(t, nil, "recover", "--json", "--dest", s.dest)
	require.Equal(t, 0, code, "%s: recover:\n%s%s", what, stdout, stderr)
	res := lastResult(stdout)
	require.NotNil(t, res, what)
	rec, _ := res["recovered"].(string)
	require.False(t, s.pending(), what)
	return rec
}

// matches reports whether the tree is the operation's old one (or, with
// completed, its new one), allowing the traces the contract allows (see the
// bundle package's fault campaign): an external file a purge reported as not
// removed (R138), a metadata folder holding nothing but a lock file, a fully
// purged destination's own directory.
func (s *straceScene) matches(t *testing.T, op *straceOp, completed bool, res map[string]any) bool {
	t.Helper()
	want, alt := op.before, map[string]string(nil)
	if completed {
		want, alt = op.after, op.afterAlt
	}
	if diffs, _ := res["differences"].(map[string]any); diffs != nil {
		if errs, _ := diffs["errors"].(map[string]any); len(errs) > 0 {
			want, alt = maps.Clone(want), maps.Clone(alt)
			for p := range errs {
				rel, err := filepath.Rel(s.base, p)
				require.NoError(t, err)
				want[filepath.ToSlash(rel)] = op.before[filepath.ToSlash(rel)]
				if alt != nil {
					alt[filepath.ToSlash(rel)] = op.before[filepath.ToSlash(rel)]
				}
			}
		}
	}
	now := s.snapshot(t)
	if _, ok := now["app/.rhqdeployments"]; ok {
		if _, wanted := want["app/.rhqdeployments"]; !wanted && !slices.ContainsFunc(slices.Collect(maps.Keys(now)), func(k string) bool {
			return strings.HasPrefix(k, "app/.rhqdeployments/")
		}) {
			delete(now, "app/.rhqdeployments")
		}
	}
	return cmp.Equal(want, now) || alt != nil && cmp.Equal(alt, now)
}

// snapshot describes the destination and the external directory: every
// entry with its mode, files with the MD5 of their content; bundlekit's own
// files are left out, and the comment lines of the metadata's .properties
// files (the time of the deployment).
func (s *straceScene) snapshot(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, root := range []string{s.dest, s.ext} {
		err := filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
			if errors.Is(err, fs.ErrNotExist) && p == root {
				return nil
			}
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(s.base, p)
			rel = filepath.ToSlash(rel)
			if strings.HasPrefix(e.Name(), ".bundlekit") && strings.Contains(rel, "/.rhqdeployments/") {
				if e.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			fi, err := e.Info()
			if err != nil {
				return err
			}
			desc := fi.Mode().String()
			if fi.Mode().IsRegular() {
				data, err := os.ReadFile(p)
				if err != nil {
					return err
				}
				if strings.Contains(rel, "/.rhqdeployments/") && strings.HasSuffix(rel, ".properties") {
					var kept []byte
					for line := range bytes.Lines(data) {
						if !bytes.HasPrefix(line, []byte("#")) {
							kept = append(kept, line...)
						}
					}
					data = kept
				}
				sum := md5.Sum(data)
				desc += " " + hex.EncodeToString(sum[:])
			}
			out[rel] = desc
			return nil
		})
		require.NoError(t, err)
	}
	return out
}

func requireNoTemp(t *testing.T, root string) {
	t.Helper()
	err := filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if name := e.Name(); strings.HasPrefix(name, ".bundlekit-") && strings.HasSuffix(name, ".tmp") {
			t.Errorf("temporary file left: %s", p)
		}
		return nil
	})
	require.NoError(t, err)
}
