package bundle_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/bundle"
	"github.com/bundlekit/bundlekit/internal/dirfile"
	"github.com/bundlekit/bundlekit/internal/journal"
	"github.com/bundlekit/bundlekit/internal/testtree"
	"github.com/bundlekit/bundlekit/internal/testzip"
)

// The kill test (issue #4, R184 GO): a real process is killed with SIGKILL at
// every journal record of an upgrade, and at every record of a revert and of a
// purge; the next Status must bring the destination back exactly to its state
// before the operation or exactly to the result of an uninterrupted run.

// Environment of the child process (TestKillHelper).
const (
	envHelper   = "BUNDLEKIT_KILL_HELPER"
	envOp       = "BUNDLEKIT_KILL_OP" // deploy, revert, revert-stored, prune or purge
	envBundle   = "BUNDLEKIT_KILL_BUNDLE"
	envDest     = "BUNDLEKIT_KILL_DEST"
	envID       = "BUNDLEKIT_KILL_ID"
	envAt       = "BUNDLEKIT_KILL_AT"       // stop at this record; 0 runs to the end
	envMidWrite = "BUNDLEKIT_KILL_MIDWRITE" // stop in the middle of writing this bundle file

	killReadyLine   = "bundlekit-kill: ready"
	killRecordsLine = "bundlekit-kill: records "
)

// killBigFile is added by v2; the child can stop in the middle of writing it.
const (
	killBigFile     = "data/big.bin"
	killBigSize     = 4 << 20
	killStallOffset = 1 << 20
)

const killRecipe = `<project name="killapp" default="main" xmlns:rhq="antlib:org.rhq.bundle">
  <rhq:bundle name="KillApp" version="%s">
    <rhq:input-property name="port" type="integer" defaultValue="8080"/>
    <rhq:deployment-unit name="app" compliance="full">
%s      <rhq:archive name="webapp.zip">
        <rhq:replace><rhq:fileset><include name="**/*.properties"/></rhq:fileset></rhq:replace>
      </rhq:archive>
      <rhq:archive name="lib/plugin.zip" exploded="false"/>
      <rhq:ignore><rhq:fileset includes="logs/"/></rhq:ignore>
    </rhq:deployment-unit>
  </rhq:bundle>
  <target name="main"/>
</project>
`

// killScene is the upgrade scenario: bundles v1 and v2, a destination with
// local edits, and an external directory, all below one temporary directory so
// that every absolute path is the same in every run.
type killScene struct {
	base, dest, ext string
	v1, v2          string // bundle directories
	tmp             string // TMPDIR of the children: a killed one leaves its staging area
}

// killFile is a file of a bundle: its content and permission bits.
type killFile struct {
	body string
	mode fs.FileMode
}

func newKillScene(t *testing.T) *killScene {
	base := t.TempDir()
	s := &killScene{base: base, dest: filepath.Join(base, "app"), ext: filepath.Join(base, "ext"),
		v1: filepath.Join(base, "v1"), v2: filepath.Join(base, "v2"), tmp: filepath.Join(base, "tmp")}
	require.NoError(t, os.Mkdir(s.tmp, 0o755))
	extFile := func(name string) string { return filepath.ToSlash(filepath.Join(s.ext, name)) }
	appConf := "port=@@port@@\nhome=@@rhq.deploy.dir@@\n"
	web := func(webXML string, css ...string) string {
		items := []string{"WEB-INF/web.xml=" + webXML, "WEB-INF/classes/app.properties=name=@@rhq.deploy.name@@\nport=@@port@@\n",
			"docs/readme.txt=readme\n", "static/img/"}
		for _, c := range css {
			items = append(items, "static/"+c+"="+c+" {}\n")
		}
		return strings.Join(items, "|")
	}
	s.writeBundle(t, s.v1, "1.0", []string{
		`<rhq:file name="conf/app.conf" replace="true"/>`,
		fmt.Sprintf(`<rhq:file name="conf/ext.conf" destinationFile="%s"/>`, extFile("conf/ext.conf")),
		`<rhq:file name="bin/old.sh"/>`,
		`<rhq:file name="bin/tool.sh"/>`,
	}, map[string]killFile{
		"conf/app.conf":  {body: appConf},
		"conf/ext.conf":  {body: "ext v1\n"},
		"bin/old.sh":     {body: "#!/bin/sh\necho old\n", mode: 0o755},
		"bin/tool.sh":    {body: killTool},
		"webapp.zip":     {body: web("<web v1/>", "a.css", "b.css")},
		"lib/plugin.zip": {body: "plugin.xml=<plugin v1/>"},
	})
	s.writeBundle(t, s.v2, "2.0", []string{
		`<rhq:file name="conf/app.conf" replace="true"/>`,
		fmt.Sprintf(`<rhq:file name="conf/ext.conf" destinationFile="%s"/>`, extFile("conf/ext.conf")),
		fmt.Sprintf(`<rhq:file name="conf/v2.conf" destinationFile="%s"/>`, extFile("new/sub/v2.conf")),
		`<rhq:file name="bin/start.sh"/>`,
		`<rhq:file name="bin/tool.sh"/>`,
		`<rhq:file name="` + killBigFile + `"/>`,
	}, map[string]killFile{
		"conf/app.conf":  {body: appConf + "v2=true\n"},
		"conf/ext.conf":  {body: "ext v2\n"},
		"conf/v2.conf":   {body: "new external file\n"},
		"bin/start.sh":   {body: "#!/bin/sh\necho start\n", mode: 0o755},
		"bin/tool.sh":    {body: killTool, mode: 0o755}, // only its mode changes (issue 11.6)
		killBigFile:      {body: killBigContent()},
		"webapp.zip":     {body: web("<web v2/>", "a.css", "c.css")},
		"lib/plugin.zip": {body: "plugin.xml=<plugin v2/>"},
	})
	return s
}

// killBigContent is killBigSize pseudo-random bytes, the same in every run.
func killBigContent() string {
	r := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, killBigSize)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return string(b)
}

// writeBundle writes a bundle directory. A name ending in ".zip" becomes an
// archive of the "name=content" items of its body, separated by "|" (a name
// ending in "/" is a directory entry).
func (s *killScene) writeBundle(t *testing.T, dir, version string, elems []string, files map[string]killFile) {
	t.Helper()
	var items strings.Builder
	for _, e := range elems {
		items.WriteString("      " + e + "\n")
	}
	files["deploy.xml"] = killFile{body: fmt.Sprintf(killRecipe, version, items.String())}
	for name, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		data := []byte(f.body)
		if strings.HasSuffix(name, ".zip") {
			data = testzip.Spec(t, f.body)
		}
		mode := f.mode
		if mode == 0 {
			mode = 0o644
		}
		require.NoError(t, os.WriteFile(p, data, mode))
		require.NoError(t, os.Chmod(p, mode))
	}
}

func killOptions(dest string, id int) bundle.Options {
	return bundle.Options{Dest: dest, ID: id, Properties: map[string]string{"port": "7081"}}
}

// killTool is a file whose bytes v1 and v2 share: v2 makes it executable.
const killTool = "#!/bin/sh\necho tool\n"

// Local edits made after v1 is deployed.
const (
	killEditedConf   = "edited by hand: changed in v2 (R107)\n"
	killEditedReadme = "edited by hand: unchanged in v2 (R104)\n"
	killUnknown      = "unknown file (R117)\n"
	killLogLine      = "log under an ignored directory (R120)\n"
)

func (s *killScene) deployV1AndEdit(t *testing.T) {
	t.Helper()
	b, err := bundle.Open(context.Background(), s.v1)
	require.NoError(t, err)
	defer b.Close()
	_, err = bundle.Deploy(context.Background(), b, killOptions(s.dest, 1))
	require.NoError(t, err)
	for name, body := range map[string]string{
		"conf/app.conf":         killEditedConf,
		"docs/readme.txt":       killEditedReadme,
		"notes.txt":             killUnknown,
		"extra/cache/blob":      killUnknown,
		"logs/server.log":       killLogLine,
		"logs/archive/old.log":  killLogLine,
		"static/img/upload.png": killUnknown,
	} {
		p := filepath.Join(s.dest, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(body), 0o600))
	}
	// The operator narrows a file that v2 changes: it stays 0600 (issue
	// 11.6).
	require.NoError(t, os.Chmod(filepath.Join(s.dest, "lib/plugin.zip"), 0o600))
}

// killSnapshot describes the destination and the external directory: every file,
// directory and link with its mode, files with the MD5 of their content.
// bundlekit's own files (.rhqdeployments/.bundlekit*) are left out but the
// store of deployed content and each deployment's record of it (issue 14),
// and so are the comment lines of the metadata's .properties files, which
// hold the time of the deployment.
type killSnapshot map[string]string

func takeKillSnapshot(t *testing.T, s *killScene) killSnapshot {
	t.Helper()
	out := killSnapshot{}
	for _, root := range []string{s.dest, s.ext} {
		top := filepath.Base(root)
		for k, n := range testtree.Snapshot(t, root) {
			rel := path.Join(top, k)
			store := strings.Contains(rel, "/.bundlekit/store")
			record := strings.HasSuffix(rel, "/.bundlekit-deployment") && !strings.Contains(rel, "/.bundlekit/")
			if strings.Contains(rel, "/.rhqdeployments/") && strings.Contains("/"+rel, "/.bundlekit") && !store && !record {
				continue
			}
			desc := n.Mode.String()
			switch {
			case n.Mode.IsRegular():
				data := []byte(n.Content)
				if strings.Contains(rel, "/.rhqdeployments/") && strings.HasSuffix(rel, ".properties") {
					data = dropPropertyComments(data)
				}
				sum := md5.Sum(data)
				desc += " " + hex.EncodeToString(sum[:])
			case n.Mode&fs.ModeSymlink != 0:
				desc += " -> " + n.Link
			}
			out[rel] = desc
		}
	}
	return out
}

func dropPropertyComments(data []byte) []byte {
	var out []byte
	for line := range bytes.Lines(data) {
		if !bytes.HasPrefix(line, []byte("#")) {
			out = append(out, line...)
		}
	}
	return out
}

// withoutMetadata keeps the deployed content only.
func (sn killSnapshot) withoutMetadata() killSnapshot {
	out := killSnapshot{}
	for k, v := range sn {
		if !strings.HasPrefix(k, "app/.rhqdeployments") {
			out[k] = v
		}
	}
	return out
}

// save copies the destination and the external directory to dir, modes
// included; restore puts such a copy back.
func (s *killScene) save(t *testing.T, dir string) {
	t.Helper()
	for _, name := range []string{"app", "ext"} {
		testtree.Copy(t, filepath.Join(s.base, name), filepath.Join(dir, name))
	}
}

func (s *killScene) restore(t *testing.T, dir string) {
	t.Helper()
	for _, name := range []string{"app", "ext"} {
		require.NoError(t, os.RemoveAll(filepath.Join(s.base, name)))
		testtree.Copy(t, filepath.Join(dir, name), filepath.Join(s.base, name))
	}
}

// killChild runs TestKillHelper in a new process of this test binary.
type killChild struct {
	op, bundle string
	id         int
	at         int  // the record to stop at; 0 runs to the end
	midWrite   bool // stop in the middle of writing killBigFile
}

// run starts the child and, when it reports that it stopped, kills it with
// SIGKILL. It returns whether the child was killed, and the number of records
// of a run to the end.
func (c killChild) run(t *testing.T, s *killScene) (killed bool, records int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestKillHelper$", "-test.count=1", "-test.timeout=5m")
	cmd.Env = append(os.Environ(), envHelper+"=1", envOp+"="+c.op, envBundle+"="+c.bundle, envDest+"="+s.dest,
		envID+"="+strconv.Itoa(c.id), envAt+"="+strconv.Itoa(c.at), "TMPDIR="+s.tmp)
	if c.midWrite {
		cmd.Env = append(cmd.Env, envMidWrite+"="+killBigFile)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	waited := false
	defer func() {
		if !waited { // a failed check: do not leave the child behind
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	}()
	var out strings.Builder
	lines := bufio.NewScanner(stdout)
	for lines.Scan() {
		line := lines.Text()
		out.WriteString(line + "\n")
		if line == killReadyLine {
			require.NoError(t, cmd.Process.Kill()) // SIGKILL on Unix
			err, waited = cmd.Wait(), true
			var exit *exec.ExitError
			require.ErrorAs(t, err, &exit, "the child was killed")
			return true, 0
		}
		if n, ok := strings.CutPrefix(line, killRecordsLine); ok {
			records, err = strconv.Atoi(n)
			require.NoError(t, err)
		}
	}
	err, waited = cmd.Wait(), true
	require.NoError(t, err, "child:\n%s%s", out.String(), stderr.String())
	return false, records
}

// TestKillHelper is the child process of TestKill: it runs one operation and,
// at the chosen point, says so on stdout and waits to be killed.
func TestKillHelper(t *testing.T) {
	if os.Getenv(envHelper) != "1" {
		t.Skip("the child process of TestKill")
	}
	at, err := strconv.Atoi(os.Getenv(envAt))
	require.NoError(t, err)
	stop := func() {
		fmt.Println(killReadyLine)
		time.Sleep(time.Hour) // until killed
	}
	var records atomic.Int64
	bundle.SetTestHook(func(n int) {
		records.Store(int64(n))
		if n == at {
			stop()
		}
	})
	defer bundle.SetTestHook(nil)

	ctx := context.Background()
	dest := os.Getenv(envDest)
	id, err := strconv.Atoi(os.Getenv(envID))
	require.NoError(t, err)
	open := func() *bundle.Bundle {
		dir := os.Getenv(envBundle)
		var fsys fs.FS = os.DirFS(dir)
		if name := os.Getenv(envMidWrite); name != "" {
			// Planning reads the file too; only Apply's read, which starts
			// after the first record, stalls.
			fsys = stallFS{FS: fsys, name: name, armed: func() bool { return records.Load() > 0 }, stop: stop}
		}
		b, err := bundle.OpenFS(context.Background(), fsys, dir)
		require.NoError(t, err)
		return b
	}
	switch op := os.Getenv(envOp); op {
	case "deploy":
		_, err = bundle.Deploy(ctx, open(), killOptions(dest, id))
	case "revert":
		_, err = bundle.Revert(ctx, open(), killOptions(dest, id))
	case "purge":
		_, err = bundle.Purge(ctx, dest, bundle.PurgeOptions{})
	case "revert-stored":
		_, err = bundle.RevertStored(ctx, killOptions(dest, id))
	case "prune": // the id is how many deployments to keep
		_, err = bundle.Prune(ctx, dest, bundle.PruneOptions{Keep: id})
	default:
		t.Fatalf("unknown operation %q", op)
	}
	require.NoError(t, err)
	fmt.Printf("%s%d\n", killRecordsLine, records.Load())
}

// stallFS stops the process in the middle of reading one file, so that the
// writer copying it is killed with a part of it written.
type stallFS struct {
	fs.FS
	name  string
	armed func() bool
	stop  func()
}

func (s stallFS) Open(name string) (fs.File, error) {
	f, err := s.FS.Open(name)
	if err != nil || name != s.name || !s.armed() {
		return f, err
	}
	return &stallFile{File: f, stop: s.stop}, nil
}

type stallFile struct {
	fs.File
	read int
	stop func()
}

func (f *stallFile) Read(p []byte) (int, error) {
	if f.read >= killStallOffset {
		f.stop()
	}
	n, err := f.File.Read(p)
	f.read += n
	return n, err
}

// killOutcome counts how the kills were recovered.
type killOutcome struct{ rolledBack, completed int }

// killSeries is one operation killed at each of its records in turn.
type killSeries struct {
	name   string
	child  killChild // the operation; run sets its at for each point
	points int       // its records, counted by an uninterrupted run
	from   string    // the saved destination (killScene.save) each point starts from
	// before and after are the trees a point must be recovered to (see
	// killAt).
	before, after killSnapshot
	// check, when set, checks point k once Status recovered it, as st.
	check func(t *testing.T, k int, st bundle.StatusReport)
}

// run kills the operation at every point, each from the saved destination,
// checks its recovery, and that only the last point, the commit record,
// completes the operation.
func (ks killSeries) run(t *testing.T, s *killScene) {
	t.Helper()
	t.Run(ks.name, func(t *testing.T) {
		var got killOutcome
		for k := 1; k <= ks.points; k++ {
			s.restore(t, ks.from)
			c := ks.child
			c.at = k
			st := killAt(t, s, c, ks.before, ks.after, &got)
			if ks.check != nil {
				ks.check(t, k, st)
			}
		}
		t.Logf("%s: %d kill points, %d rolled back, %d completed", ks.name, ks.points, got.rolledBack, got.completed)
		require.Equal(t, killOutcome{rolledBack: ks.points - 1, completed: 1}, got, "only the commit record completes")
	})
}

// killAt kills op at record c.at and checks the destination after Status has
// recovered it: exactly before, or exactly after.
func killAt(t *testing.T, s *killScene, c killChild, before, after killSnapshot, got *killOutcome) bundle.StatusReport {
	t.Helper()
	killed, _ := c.run(t, s)
	require.True(t, killed, "the child reached record %d", c.at)
	if _, err := os.Stat(filepath.Join(s.dest, filepath.FromSlash(journal.Dir), "journal")); err != nil {
		t.Fatalf("the killed operation left no journal: %v", err)
	}

	st, err := bundle.Status(context.Background(), s.dest)
	require.NoError(t, err)
	now := takeKillSnapshot(t, s)
	var want killSnapshot
	switch st.Recovered {
	case bundle.RecoveredRolledBack:
		got.rolledBack++
		want = before
	case bundle.RecoveredCompleted:
		got.completed++
		want = after
	default:
		t.Fatalf("Status recovered %q", st.Recovered)
	}
	if diff := cmp.Diff(want, now); diff != "" {
		t.Fatalf("killed at record %d, %s (-want +got):\n%s", c.at, st.Recovered, diff)
	}
	requireNoTempFiles(t, s.base)
	// The dead process's lock was taken over and released by the recovery.
	_, err = os.Lstat(filepath.Join(s.dest, ".rhqdeployments", ".bundlekit.lock"))
	require.ErrorIs(t, err, fs.ErrNotExist, "no lock is left behind")
	return *st
}

// requireNoTempFiles: no temporary file of fileops is left anywhere.
func requireNoTempFiles(t *testing.T, root string) {
	t.Helper()
	err := filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if dirfile.IsTemp(e.Name()) {
			t.Errorf("temporary file left: %s", p)
		}
		return nil
	})
	require.NoError(t, err)
}

func killRead(t *testing.T, s *killScene, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(s.dest, filepath.FromSlash(name)))
	require.NoError(t, err)
	return string(data)
}

func killMode(t *testing.T, s *killScene, name string) fs.FileMode {
	t.Helper()
	fi, err := os.Stat(filepath.Join(s.dest, filepath.FromSlash(name)))
	require.NoError(t, err)
	return fi.Mode().Perm()
}

// requireKillEdits: no local edit is lost, whichever way the upgrade went (R104,
// R107, R117, R120).
func requireKillEdits(t *testing.T, s *killScene, completed bool) {
	t.Helper()
	require.Equal(t, killEditedReadme, killRead(t, s, "docs/readme.txt"), "R104: kept in place")
	require.Equal(t, killLogLine, killRead(t, s, "logs/server.log"), "R120: ignored, untouched")
	require.Equal(t, fs.FileMode(0o600), killMode(t, s, "lib/plugin.zip"), "issue 11.6: the operator's mode stays")
	require.Equal(t, map[bool]fs.FileMode{false: 0o644, true: 0o755}[completed], killMode(t, s, "bin/tool.sh"), "issue 11.6: v2's mode")
	where := ""
	if completed {
		where = ".rhqdeployments/2/backup/"
	}
	require.Equal(t, killEditedConf, killRead(t, s, where+"conf/app.conf"), "R107")
	require.Equal(t, killUnknown, killRead(t, s, where+"notes.txt"), "R117")
	require.Equal(t, killUnknown, killRead(t, s, where+"extra/cache/blob"), "R117")
}

func TestKill(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("SIGKILL and the helper process are tested on Unix")
	}
	if testing.Short() {
		t.Skip("starts a process per kill point")
	}
	ctx := context.Background()
	s := newKillScene(t)

	// A first deployment into a directory that holds unrelated files: in full
	// compliance they are moved to the backup of deployment 1 (R58).
	for name, body := range map[string]string{"index.html": "old site\n", "old/site/page.html": "old page\n"} {
		p := filepath.Join(s.dest, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
	}
	unmanagedDir := filepath.Join(s.base, "unmanaged")
	s.save(t, unmanagedDir)
	unmanaged := takeKillSnapshot(t, s)
	initial := killChild{op: "deploy", bundle: s.v1, id: 1}
	_, nInitial := initial.run(t, s)
	deployed := takeKillSnapshot(t, s)
	require.Equal(t, "old page\n", killRead(t, s, ".rhqdeployments/1/backup/old/site/page.html"))

	killSeries{name: "initial deployment", child: initial, points: nInitial, from: unmanagedDir, before: unmanaged, after: deployed,
		check: func(t *testing.T, _ int, st bundle.StatusReport) {
			require.Equal(t, st.Recovered == bundle.RecoveredCompleted, st.Managed)
		}}.run(t, s)

	require.NoError(t, os.RemoveAll(s.dest))
	require.NoError(t, os.RemoveAll(s.ext))
	s.deployV1AndEdit(t)
	beforeDir := filepath.Join(s.base, "before")
	s.save(t, beforeDir)
	before := takeKillSnapshot(t, s)

	// An uninterrupted upgrade, in a child, gives the expected result and the
	// number of records.
	upgrade := killChild{op: "deploy", bundle: s.v2, id: 2}
	_, n := upgrade.run(t, s)
	require.Greater(t, n, 10)
	after := takeKillSnapshot(t, s)
	afterDir := filepath.Join(s.base, "after")
	s.save(t, afterDir)
	requireKillEdits(t, s, true)
	require.Equal(t, killBigContent(), killRead(t, s, killBigFile))

	v2, err := bundle.Open(context.Background(), s.v2)
	require.NoError(t, err)
	defer v2.Close()

	killSeries{name: "upgrade", child: upgrade, points: n, from: beforeDir, before: before, after: after,
		check: func(t *testing.T, k int, st bundle.StatusReport) {
			completed := st.Recovered == bundle.RecoveredCompleted
			require.Equal(t, map[bool]int{false: 1, true: 2}[completed], st.Current.ID, "killed at %d", k)
			requireKillEdits(t, s, completed)

			// The next deployment of v2 runs, and gives the uninterrupted result.
			res, err := bundle.Deploy(ctx, v2, killOptions(s.dest, 2))
			require.NoError(t, err, "killed at %d", k)
			require.Empty(t, res.Recovered)
			if completed {
				// A redeployment of the same id records id 2 as its previous one.
				require.Equal(t, after.withoutMetadata(), takeKillSnapshot(t, s).withoutMetadata())
			} else {
				require.Equal(t, after, takeKillSnapshot(t, s), "killed at %d", k)
			}
		}}.run(t, s)

	t.Run("upgrade killed in the middle of a file", func(t *testing.T) {
		s.restore(t, beforeDir)
		c := upgrade
		c.midWrite = true
		killed, _ := c.run(t, s)
		require.True(t, killed)
		// A new file is written in place, after its create record: the
		// writer was killed in the middle of it, and Recover removes it.
		// (Other writers, killed too, may have left temporary files of
		// their own elsewhere, say in the trash: Recover removes those.)
		requireNoTempFiles(t, filepath.Dir(filepath.Join(s.dest, killBigFile)))
		fi, err := os.Stat(filepath.Join(s.dest, killBigFile))
		require.NoError(t, err)
		require.GreaterOrEqual(t, fi.Size(), int64(killStallOffset/2))
		require.Less(t, fi.Size(), int64(killBigSize))

		st, err := bundle.Status(ctx, s.dest)
		require.NoError(t, err)
		require.Equal(t, bundle.RecoveredRolledBack, st.Recovered)
		require.Equal(t, before, takeKillSnapshot(t, s))
		requireKillEdits(t, s, false)
		requireNoTempFiles(t, s.base)
	})

	// Revert and purge start from the upgraded destination.
	v1Revert := killChild{op: "revert", bundle: s.v1, id: 3}
	s.restore(t, afterDir)
	_, nRevert := v1Revert.run(t, s)
	reverted := takeKillSnapshot(t, s)
	require.Equal(t, killEditedConf, killRead(t, s, "conf/app.conf"), "R131: the backup of deployment 2 is restored")

	killSeries{name: "revert", child: v1Revert, points: nRevert, from: afterDir, before: after, after: reverted,
		check: func(t *testing.T, _ int, st bundle.StatusReport) {
			require.Equal(t, map[bool]int{false: 2, true: 3}[st.Recovered == bundle.RecoveredCompleted], st.Current.ID)
		}}.run(t, s)

	purge := killChild{op: "purge"}
	s.restore(t, afterDir)
	_, nPurge := purge.run(t, s)
	purged := takeKillSnapshot(t, s)
	require.NoDirExists(t, s.dest, "R138: a full purge removes the destination")

	// A purge killed after its commit record is completed by the recovery,
	// which removes the destination too: the commit record says the
	// operation ends with it gone (R138, compliance full).
	killSeries{name: "purge", child: purge, points: nPurge, from: afterDir, before: after, after: purged,
		check: func(t *testing.T, _ int, st bundle.StatusReport) {
			require.Equal(t, st.Recovered == bundle.RecoveredRolledBack, st.Managed)
		}}.run(t, s)
}

// TestFailedInitialDeployLeavesNoDirectory: a first deployment that fails is
// undone entirely, down to the destination directory and the parents it had to
// create (R184 GO: nothing was changed).
func TestFailedInitialDeployLeavesNoDirectory(t *testing.T) {
	s := newKillScene(t)
	v1, err := bundle.Open(context.Background(), s.v1)
	require.NoError(t, err)
	defer v1.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	bundle.SetTestHook(func(n int) {
		if n == 3 {
			cancel() // Apply stops at its next check, with files written
		}
	})
	defer bundle.SetTestHook(nil)

	dest := filepath.Join(s.base, "new", "deep", "app")
	_, err = bundle.Deploy(ctx, v1, killOptions(dest, 1))
	require.ErrorIs(t, err, context.Canceled)
	require.NoDirExists(t, filepath.Join(s.base, "new"))
	require.NoDirExists(t, s.ext, "nor the external directories it created")
}
