// Package ansible holds the test of the Ansible example: the playbook run
// end to end against local "hosts".
package ansible

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/internal/testbundle"
)

// ansiblePlaybook finds ansible-playbook, installing Debian's ansible-core
// with install.sh when it is missing and this test may (as root, with
// apt-get); otherwise the test is skipped, saying why.
func ansiblePlaybook(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("ansible-playbook"); err == nil {
		return p
	}
	if runtime.GOOS != "linux" {
		t.Skip("ansible-playbook is not installed, and install.sh installs it on Debian only")
	}
	if _, err := exec.LookPath("apt-get"); err != nil {
		t.Skip("ansible-playbook is not installed, and there is no apt-get to install ansible-core with (install it, then run this test)")
	}
	if os.Geteuid() != 0 {
		t.Skip("ansible-playbook is not installed, and installing ansible-core needs root: run examples/ansible/install.sh as root")
	}
	start := time.Now()
	out, err := exec.Command("sh", "install.sh").CombinedOutput()
	if err != nil {
		t.Fatalf("install.sh: %v\n%s", err, out)
	}
	t.Logf("install.sh took %s: %s", time.Since(start).Round(time.Second), strings.TrimSpace(string(out)))
	p, err := exec.LookPath("ansible-playbook")
	require.NoError(t, err, "install.sh did not install ansible-playbook")
	return p
}

// host is an inventory host: its variables.
type host map[string]any

// TestPlaybook runs site.yml over local hosts — one deploying, one whose
// deployment fails, one rolling out two targets of its own, one outside its
// time window — in sequence mode continue, then again in mode abort.
func TestPlaybook(t *testing.T) {
	playbook := ansiblePlaybook(t)
	// ansible-playbook reads the play; reading it here too tells go test's
	// cache that the result depends on it.
	require.NoError(t, filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".yml") {
			_, err = os.ReadFile(path)
		}
		return err
	}))
	dir := t.TempDir()
	deployer := filepath.Join(dir, "deployer")
	build := exec.Command("go", "build", "-o", deployer, "github.com/bundlekit/bundlekit/examples/deployer")
	built, err := build.CombinedOutput()
	require.NoError(t, err, "build the deployer: %s", built)
	bundle := filepath.Join(dir, "app-1.0.zip")
	pack := exec.Command(deployer, "pack", "--dir", testbundle.App(t, filepath.Join(dir, "app"), "1.0", ""), "--out", bundle)
	packed, err := pack.CombinedOutput()
	require.NoError(t, err, "pack the bundle: %s", packed)
	dest := func(name string) string { return filepath.Join(dir, "dest", name) }

	// A window that excludes now: the hour twelve hours away.
	away := (time.Now().Hour() + 12) % 24
	hosts := []struct {
		name string
		vars host
	}{
		{"web1", host{"bundlekit_dest": dest("web1"), "bundlekit_properties": map[string]any{"port": 1}}},
		{"broken", host{"bundlekit_command": "deploy", "bundlekit_dest": dest("broken"),
			"bundlekit_properties": map[string]any{"port": 2, "fail.me": "yes"}}},
		{"pair", host{"bundlekit_properties": map[string]any{"port": 3}, "bundlekit_host_parallelism": 2,
			"bundlekit_targets": []host{{"name": "blue", "dest": dest("blue")}, {"name": "green", "dest": dest("green"), "properties": map[string]any{"port": 4}}}}},
		{"night", host{"bundlekit_command": "deploy", "bundlekit_dest": dest("night"), "bundlekit_properties": map[string]any{"port": 5},
			"bundlekit_window": fmt.Sprintf("%d:00-%d:59", away, away)}},
	}
	// Hosts in the inventory's order: a YAML inventory (as JSON) keeps it.
	var inv strings.Builder
	inv.WriteString(`{"bundlekit": {"hosts": {`)
	for i, h := range hosts {
		h.vars["bundlekit_remote_dir"] = filepath.Join(dir, "remote", h.name)
		data, err := json.Marshal(h.vars)
		require.NoError(t, err)
		if i > 0 {
			inv.WriteString(",")
		}
		fmt.Fprintf(&inv, "%q: %s", h.name, data)
	}
	inv.WriteString(`}, "vars": {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"}}}`)
	inventory := filepath.Join(dir, "inventory.json")
	require.NoError(t, os.WriteFile(inventory, []byte(inv.String()), 0o644))

	play := func(sequence string) (string, int) {
		vars, err := json.Marshal(map[string]any{"bundlekit_deployer": deployer, "bundlekit_bundle": bundle,
			"bundlekit_sequence": sequence, "bundlekit_parallelism": 2})
		require.NoError(t, err)
		cmd := exec.Command(playbook, "-i", inventory, "site.yml", "-e", string(vars))
		home := t.TempDir()
		cmd.Env = append(os.Environ(), "ANSIBLE_CONFIG="+filepath.Join(home, "none.cfg"), "ANSIBLE_HOME="+home,
			"ANSIBLE_LOCAL_TEMP="+filepath.Join(home, "tmp"), "ANSIBLE_REMOTE_TEMP="+filepath.Join(home, "remote-tmp"),
			"ANSIBLE_HOST_KEY_CHECKING=False", "ANSIBLE_NOCOLOR=1", "ANSIBLE_RETRY_FILES_ENABLED=False",
			"ANSIBLE_DEPRECATION_WARNINGS=False", "ANSIBLE_LOCALHOST_WARNING=False", "ANSIBLE_PIPELINING=True")
		out, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else {
			require.NoError(t, err)
		}
		t.Logf("ansible-playbook, sequence %s: exit %d\n%s", sequence, code, out)
		return string(out), code
	}

	// Continue: every host runs; the failed one fails the playbook (exit 2).
	out, code := play("continue")
	require.Equal(t, 2, code)
	report(t, out, map[string]string{"web1": "changed", "broken": "fatal", "pair": "changed", "night": "ok"})
	recap(t, out, "broken", 1)
	recap(t, out, "night", 0)
	summary(t, out, "web1", "deployed", "web1: succeeded")
	summary(t, out, "broken", "failed", "told to fail")
	summary(t, out, "pair", "deployed", "blue: succeeded, green: succeeded")
	summary(t, out, "night", "deferred", `deferred: outside the time window \"`)
	require.FileExists(t, filepath.Join(dest("web1"), "app.conf"))
	require.NoDirExists(t, filepath.Join(dest("broken"), ".rhqdeployments"))
	conf, err := os.ReadFile(filepath.Join(dest("green"), "app.conf"))
	require.NoError(t, err)
	require.Equal(t, "version 1.0\nport 4\n", string(conf))
	require.NoDirExists(t, dest("night"))

	// Abort, two hosts at a time: web1 has nothing to do (its rollout's
	// state says its target succeeded), broken fails, and the next batch
	// never starts.
	out, code = play("abort")
	require.Equal(t, 2, code)
	report(t, out, map[string]string{"web1": "ok", "broken": "fatal"})
	recap(t, out, "web1", 0)
	summary(t, out, "web1", "unchanged", "web1: succeeded (in an earlier run)")
	summary(t, out, "pair", "not started", "")
	summary(t, out, "night", "not started", "")
	require.NotRegexp(t, `(?m)^pair +:`, out)
}

// report checks the status each host's last task reported: changed (it
// deployed), ok (nothing to do, or deferred) or fatal (failed).
func report(t *testing.T, out string, want map[string]string) {
	t.Helper()
	i := strings.LastIndex(out, "TASK [bundlekit_deploy : Report the host's status]")
	require.GreaterOrEqual(t, i, 0, "no report")
	got := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^(ok|changed|fatal): \[([^\]]+)\]`).FindAllStringSubmatch(out[i:], -1) {
		got[m[2]] = m[1]
	}
	require.Equal(t, want, got)
}

// recap checks the number of failed tasks in a host's line of the play
// recap, and that its other tasks were all ok.
func recap(t *testing.T, out, name string, failed int) {
	t.Helper()
	re := regexp.MustCompile(`(?m)^` + name + ` +: ok=\d+ +changed=\d+ +unreachable=0 +failed=(\d+)`)
	m := re.FindStringSubmatch(out)
	require.NotNil(t, m, "no recap line for %s", name)
	require.Equal(t, fmt.Sprint(failed), m[1], "failed tasks of %s", name)
}

// summary checks a host's line of the last summary.
func summary(t *testing.T, out, name, status, detail string) {
	t.Helper()
	i := strings.LastIndex(out, "Summary of the hosts so far")
	require.GreaterOrEqual(t, i, 0, "no summary")
	// Lines are JSON strings: \" inside.
	re := regexp.MustCompile(`"` + regexp.QuoteMeta(fmt.Sprintf("%-16s %-12s ", name, status)) + `(\\.|[^"\\])*` + regexp.QuoteMeta(detail))
	require.Regexp(t, re, out[i:], "the summary's line for %s", name)
}
