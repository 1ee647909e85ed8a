//go:build oracle

package metadata

import (
	"encoding/hex"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestOracleRHQReadsBundlekit encodes random properties and hashes and has
// Java read them as RHQ does (testdata/gen/RHQReader.java): RHQ must read
// back exactly what bundlekit meant (R35), and store hashes in the same
// order (R17). Run with: go test -tags oracle -run Oracle ./internal/metadata
func TestOracleRHQReadsBundlekit(t *testing.T) {
	if _, err := exec.LookPath("javac"); err != nil {
		t.Skip("no JDK")
	}
	tmp := t.TempDir()
	out, err := exec.Command("javac", "-d", tmp, "testdata/gen/RHQReader.java").CombinedOutput()
	require.NoError(t, err, "%s", out)

	r := rand.New(rand.NewPCG(7, 11))
	atoms := []string{"a", "Z", "0", " ", "\t", "\n", "\r", "\f", "\x00", "\x7f", "=", ":", "#", "!", "\\",
		"é", "€", "Ａ", "\ufffd", "😀", "\u0085", "\u2028", "/", "."}
	str := func(min int, avoid string) string {
		for {
			var b strings.Builder
			for range min + r.IntN(6) {
				b.WriteString(atoms[r.IntN(len(atoms))])
			}
			if s := b.String(); !strings.ContainsAny(s, avoid) {
				return s
			}
		}
	}

	var propFiles, wantProps []string
	for i := range 300 {
		p := Properties{ID: r.Int32() - r.Int32(), BundleName: str(0, ""), BundleVersion: str(0, ""),
			Compliance: []Compliance{Full, FilesAndDirectories}[r.IntN(2)]}
		if r.IntN(2) == 0 {
			p.Description, p.HasDescription = str(0, ""), true
		}
		if r.IntN(2) == 0 {
			p.Extra = map[string]string{str(1, ""): str(0, "")}
			maps.DeleteFunc(p.Extra, func(k, _ string) bool { return reserved(k) })
		}
		data, err := EncodeProperties(p, rhqTime)
		require.NoError(t, err)
		name := filepath.Join(tmp, fmt.Sprintf("p%d.properties", i))
		require.NoError(t, os.WriteFile(name, data, 0o644))
		propFiles = append(propFiles, name)
		m := p.Map()
		line := "OK"
		for _, k := range slices.SortedFunc(maps.Keys(m), compareJava) {
			line += " " + hex.EncodeToString([]byte(k)) + "=" + hex.EncodeToString([]byte(m[k]))
		}
		wantProps = append(wantProps, line)
	}
	require.Equal(t, wantProps, runReader(t, tmp, "props", propFiles))

	var hashFiles, wantHashes []string
	for i := range 300 {
		h := Hashes{}
		for range r.IntN(8) {
			v := str(1, "\t\r\n")
			if r.IntN(5) == 0 {
				v = MarkDirectory
			}
			h[str(0, "\t\r\n")] = v
		}
		data, err := EncodeHashes(h)
		require.NoError(t, err)
		name := filepath.Join(tmp, fmt.Sprintf("h%d.dat", i))
		require.NoError(t, os.WriteFile(name, data, 0o644))
		hashFiles = append(hashFiles, name)
		wantHashes = append(wantHashes, "OK "+hex.EncodeToString(data))
	}
	require.Equal(t, wantHashes, runReader(t, tmp, "hashes", hashFiles))
}

func runReader(t *testing.T, classpath, mode string, files []string) []string {
	t.Helper()
	cmd := exec.Command("java", append([]string{"-cp", classpath, "RHQReader", mode}, files...)...)
	out, err := cmd.Output()
	require.NoError(t, err)
	return strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
}
