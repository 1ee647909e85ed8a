package bundle_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/bundle"
	"github.com/bundlekit/bundlekit/fileops"
)

// The benchmark bundle: 2,000 files, of which benchRaw raw files in 50
// directories (mixed sizes, one in ten realized) and benchEntries entries of
// one exploded archive.
const (
	benchRaw     = 1500
	benchEntries = 500
	benchFiles   = benchRaw + benchEntries
	// benchChangeEvery: an upgrade changes every 75th raw file, 20 files (1%).
	benchChangeEvery = 75
)

const benchRecipe = `<project name="bench" default="main" xmlns:rhq="antlib:org.rhq.bundle">
  <rhq:bundle name="Bench" version="%d">
    <rhq:input-property name="port" type="integer" defaultValue="8080"/>
    <rhq:deployment-unit name="app" compliance="full">
%s      <rhq:archive name="webapp.zip">
        <rhq:replace><rhq:fileset><include name="**/*.properties"/></rhq:fileset></rhq:replace>
      </rhq:archive>
    </rhq:deployment-unit>
  </rhq:bundle>
  <target name="main"/>
</project>
`

// benchSize gives raw file i its size: 70% of 1–8 KiB, 25% of 16–64 KiB, 5%
// of 128–256 KiB (about 35 MB in all).
func benchSize(r *rand.Rand, i int) int {
	switch i % 20 {
	case 0:
		return 128<<10 + r.IntN(128<<10)
	case 1, 2, 3, 4, 5:
		return 16<<10 + r.IntN(48<<10)
	}
	return 1<<10 + r.IntN(7<<10)
}

// writeBenchBundle writes the benchmark bundle to dir; version 2 differs from
// version 1 in 1% of its files. It returns the bundle's content size in bytes.
func writeBenchBundle(tb testing.TB, dir string, version int) int64 {
	tb.Helper()
	r := rand.New(rand.NewPCG(7, 11))
	var elems strings.Builder
	var total int64
	write := func(name string, data []byte) {
		p := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(tb, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(tb, os.WriteFile(p, data, 0o644))
	}
	for i := range benchRaw {
		size := benchSize(r, i)
		data := make([]byte, size)
		for j := range data {
			data[j] = byte(r.Uint32())
		}
		if version == 2 && i%benchChangeEvery == 9 {
			data[0] ^= 0xff
		}
		name := fmt.Sprintf("d%02d/f%04d.bin", i%50, i)
		replace := ""
		if i%10 == 9 {
			name = fmt.Sprintf("conf/c%04d.conf", i)
			data = bytes.Repeat([]byte("port=@@port@@ dir=@@rhq.deploy.dir@@ plain text line\n"), size/53+1)
			if version == 2 && i%benchChangeEvery == 9 {
				data[0] = '#'
			}
			replace = ` replace="true"`
		}
		write(name, data)
		total += int64(len(data))
		fmt.Fprintf(&elems, "      <rhq:file name=%q%s/>\n", name, replace)
	}
	var entries []fileops.ZipFile
	for i := range benchEntries {
		name := fmt.Sprintf("WEB-INF/lib%d/e%03d.class", i%10, i)
		data := make([]byte, 1<<10+r.IntN(3<<10))
		for j := range data {
			data[j] = byte(r.Uint32())
		}
		if i%25 == 0 {
			name = fmt.Sprintf("WEB-INF/classes/p%03d.properties", i)
			data = []byte("name=@@rhq.deploy.name@@\nport=@@port@@\n")
		}
		total += int64(len(data))
		entries = append(entries, fileops.ZipFile{Name: name, Open: func() (io.ReadCloser, error) {
			return io.NopCloser(bytes.NewReader(data)), nil
		}})
	}
	var zip bytes.Buffer
	require.NoError(tb, fileops.WriteZip(&zip, entries))
	write("webapp.zip", zip.Bytes())
	write("deploy.xml", []byte(fmt.Sprintf(benchRecipe, version, elems.String())))
	return total
}

// benchSetup writes both versions of the benchmark bundle and opens them.
func benchSetup(b *testing.B) (v1, v2 *bundle.Bundle, size int64, dest string) {
	b.Helper()
	base := b.TempDir()
	size = writeBenchBundle(b, filepath.Join(base, "v1"), 1)
	writeBenchBundle(b, filepath.Join(base, "v2"), 2)
	var err error
	v1, err = bundle.Open(context.Background(), filepath.Join(base, "v1"))
	require.NoError(b, err)
	b.Cleanup(func() { v1.Close() })
	v2, err = bundle.Open(context.Background(), filepath.Join(base, "v2"))
	require.NoError(b, err)
	b.Cleanup(func() { v2.Close() })
	return v1, v2, size, filepath.Join(base, "app")
}

func benchDeploy(b *testing.B, bnd *bundle.Bundle, dest string, id int) *bundle.Result {
	b.Helper()
	res, err := bundle.Deploy(context.Background(), bnd, bundle.Options{Dest: dest, ID: id, Properties: map[string]string{"port": "7081"}})
	require.NoError(b, err)
	return res
}

func reportFiles(b *testing.B) {
	b.ReportMetric(float64(benchFiles*b.N)/b.Elapsed().Seconds(), "files/s")
}

// BenchmarkInitialDeploy deploys the bundle into an empty destination: every
// file is written (and synced).
func BenchmarkInitialDeploy(b *testing.B) {
	v1, _, size, dest := benchSetup(b)
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		require.NoError(b, os.RemoveAll(dest))
		b.StartTimer()
		res := benchDeploy(b, v1, dest, i+1)
		b.StopTimer()
		require.Len(b, res.Differences.Added, benchFiles)
		b.StartTimer()
	}
	reportFiles(b)
}

// BenchmarkNoopRedeploy deploys the bundle again over itself: every file is
// hashed and none is written, since each already holds its new bytes (R102).
func BenchmarkNoopRedeploy(b *testing.B) {
	v1, _, size, dest := benchSetup(b)
	benchDeploy(b, v1, dest, 1)
	probe := filepath.Join(dest, "d00", "f0000.bin")
	before, err := os.Stat(probe)
	require.NoError(b, err)
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		res := benchDeploy(b, v1, dest, i+2)
		b.StopTimer()
		require.Empty(b, res.Differences.Added)
		require.Empty(b, res.Differences.Changed)
		b.StartTimer()
	}
	b.StopTimer()
	after, err := os.Stat(probe)
	require.NoError(b, err)
	require.True(b, os.SameFile(before, after) && before.ModTime().Equal(after.ModTime()), "the file was not rewritten")
	reportFiles(b)
}

// BenchmarkUpgrade1Percent upgrades between two versions that differ in 1% of
// their files (20 raw files, some of them realized).
func BenchmarkUpgrade1Percent(b *testing.B) {
	v1, v2, size, dest := benchSetup(b)
	benchDeploy(b, v1, dest, 1)
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		next := v2
		if i%2 == 1 {
			next = v1
		}
		res := benchDeploy(b, next, dest, i+2)
		b.StopTimer()
		require.Len(b, res.Differences.Changed, benchRaw/benchChangeEvery)
		b.StartTimer()
	}
	reportFiles(b)
}

// BenchmarkRevert1Percent reverts an upgrade that changed 1% of the files
// (the upgrade before each revert is not timed): given the bundle of the
// version to go back to, as RHQ does, and without it, from the store of
// deployed content (issue 14). The revert from the store writes the 1% from
// the store and reads nothing of a bundle, so it costs about what the
// upgrade costs (BenchmarkUpgrade1Percent).
func BenchmarkRevert1Percent(b *testing.B) {
	for _, stored := range []bool{false, true} {
		name := "bundle"
		if stored {
			name = "store"
		}
		b.Run(name, func(b *testing.B) {
			v1, v2, size, dest := benchSetup(b)
			benchDeploy(b, v1, dest, 1)
			b.SetBytes(size)
			b.ReportAllocs()
			b.ResetTimer()
			id := 2
			for range b.N {
				b.StopTimer()
				benchDeploy(b, v2, dest, id)
				b.StartTimer()
				opts := bundle.Options{Dest: dest, ID: id + 1, Properties: map[string]string{"port": "7081"}}
				var res *bundle.Result
				var err error
				if stored {
					res, err = bundle.RevertStored(context.Background(), opts)
				} else {
					res, err = bundle.Revert(context.Background(), v1, opts)
				}
				b.StopTimer()
				require.NoError(b, err)
				require.Len(b, res.Differences.Changed, benchRaw/benchChangeEvery)
				id += 2
				b.StartTimer()
			}
			reportFiles(b)
		})
	}
}

// writeLargeBundle writes a bundle of one raw file of size bytes. The file is
// sparse, so making it is quick; deploying it still reads, hashes and writes
// every byte.
func writeLargeBundle(tb testing.TB, dir string, size int64) {
	tb.Helper()
	require.NoError(tb, os.MkdirAll(dir, 0o755))
	f, err := os.Create(filepath.Join(dir, "big.bin"))
	require.NoError(tb, err)
	require.NoError(tb, f.Truncate(size))
	require.NoError(tb, f.Close())
	recipe := fmt.Sprintf(benchRecipe, 1, `      <rhq:file name="big.bin"/>`+"\n")
	recipe = strings.Replace(recipe, `<rhq:archive name="webapp.zip">
        <rhq:replace><rhq:fileset><include name="**/*.properties"/></rhq:fileset></rhq:replace>
      </rhq:archive>
`, "", 1)
	require.NoError(tb, os.WriteFile(filepath.Join(dir, "deploy.xml"), []byte(recipe), 0o644))
}

// BenchmarkDeployLargeFile deploys one file of growing size: bytes allocated
// per operation stay flat, since content is streamed through a fixed buffer.
func BenchmarkDeployLargeFile(b *testing.B) {
	for _, size := range []int64{1 << 20, 16 << 20, 256 << 20} {
		b.Run(fmt.Sprintf("%dMiB", size>>20), func(b *testing.B) {
			base := b.TempDir()
			writeLargeBundle(b, filepath.Join(base, "bundle"), size)
			bnd, err := bundle.Open(context.Background(), filepath.Join(base, "bundle"))
			require.NoError(b, err)
			defer bnd.Close()
			dest := filepath.Join(base, "app")
			b.SetBytes(size)
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				b.StopTimer()
				require.NoError(b, os.RemoveAll(dest))
				b.StartTimer()
				benchDeploy(b, bnd, dest, i+1)
			}
		})
	}
}

// TestLargeFileMemory: deploying a 256 MiB file allocates a small, fixed amount
// of memory, not memory in proportion to the file.
func TestLargeFileMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 256 MiB file")
	}
	const size = 256 << 20
	base := t.TempDir()
	writeLargeBundle(t, filepath.Join(base, "bundle"), size)
	bnd, err := bundle.Open(context.Background(), filepath.Join(base, "bundle"))
	require.NoError(t, err)
	defer bnd.Close()

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	res, err := bundle.Deploy(context.Background(), bnd, bundle.Options{Dest: filepath.Join(base, "app"), ID: 1})
	require.NoError(t, err)
	runtime.ReadMemStats(&after)
	require.Equal(t, []string{"big.bin"}, res.Differences.Added)
	fi, err := os.Stat(filepath.Join(base, "app", "big.bin"))
	require.NoError(t, err)
	require.EqualValues(t, size, fi.Size())

	allocated := after.TotalAlloc - before.TotalAlloc
	t.Logf("deploying %d MiB allocated %d KiB", size>>20, allocated>>10)
	require.Less(t, allocated, uint64(size/64), "allocation grows with the file")
}
