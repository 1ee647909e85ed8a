package journal

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/fileops"
)

// outsideMark stands, in a seed journal, for the absolute path ("/"
// separators) of the directory that holds the external files. Seeds are
// stored with it rather than with a temporary directory's name, which changes
// from run to run.
const outsideMark = "OUTSIDE"

// encode writes records as the wal does: each one marshalled, on its own line.
// txJournals checks that it matches what a real Tx writes.
func encode(t testing.TB, rs []record) []byte {
	t.Helper()
	var buf []byte
	for _, r := range rs {
		line, err := json.Marshal(r)
		require.NoError(t, err)
		buf = append(append(buf, line...), '\n')
	}
	return buf
}

// txJournals runs an operation in a real Tx — new, replaced, trashed and moved
// files, inside the destination and outside it (R8, R107, R113, R114, R126,
// R138) — and returns the journals it leaves, with outsideMark for the
// external directory: killed before its commit record, and after it.
func txJournals(t testing.TB) [][]byte {
	t.Helper()
	base := t.TempDir()
	dest, outside := filepath.Join(base, "dest"), filepath.Join(base, "outside")
	for name, body := range map[string]string{
		filepath.Join(dest, "conf", "app.conf"): "old",
		filepath.Join(dest, "d", "a"):           "1",
		filepath.Join(dest, "d", "b", "c"):      "2",
		filepath.Join(dest, "x"):                "edited",
		filepath.Join(outside, "e.conf"):        "old",
		filepath.Join(outside, "old.conf"):      "old",
	} {
		require.NoError(t, os.MkdirAll(filepath.Dir(name), 0o755))
		require.NoError(t, os.WriteFile(name, []byte(body), 0o644))
	}
	ctx := context.Background()
	tx, err := Begin(ctx, dest, TxOptions{Kind: "deploy", ID: 2})
	require.NoError(t, err)
	write := func(key string) {
		_, err := tx.WriteFile(ctx, key, strings.NewReader("new"), 0)
		require.NoError(t, err)
	}
	require.NoError(t, tx.Reserve([]string{"conf/app.conf", "bin/run.sh"}))
	write("conf/app.conf")
	write("bin/run.sh")
	write("lib/ext/a.jar")
	require.NoError(t, tx.Trash("d"))
	require.NoError(t, tx.Move("x", ".rhqdeployments/2/backup/x"))
	write(filepath.Join(outside, "e.conf"))
	write(filepath.Join(outside, "n", "m", "new.conf"))
	require.NoError(t, tx.Trash(filepath.Join(outside, "old.conf")))

	file := filepath.Join(dest, filepath.FromSlash(journal))
	read := func() []byte {
		data, err := os.ReadFile(file)
		require.NoError(t, err)
		records, err := parse(data, file)
		require.NoError(t, err)
		require.Equal(t, string(data), string(encode(t, records)), "encode writes what the wal writes")
		return bytes.ReplaceAll(data, []byte(filepath.ToSlash(outside)), []byte(outsideMark))
	}
	uncommitted := read()
	require.NoError(t, tx.Commit())
	committed := read()
	require.NoError(t, tx.Finish())
	return [][]byte{uncommitted, committed}
}

// journalSeeds are journals for the fuzz targets to start from, with outside
// for outsideMark: real ones, cut at a few places, and damaged ones like
// those TestRecoverRefusesCorruptJournal and TestTornLastLine describe.
func journalSeeds(t testing.TB, outside string) [][]byte {
	t.Helper()
	var seeds [][]byte
	for _, j := range txJournals(t) {
		seeds = append(seeds, j,
			j[:len(j)-1],                   // the commit record without its line break
			j[:len(j)-5],                   // torn in the middle of the last record
			j[:len(j)/2],                   // torn in the middle
			j[:bytes.IndexByte(j, '\n')+1], // only begin
			bytes.Replace(j, []byte(`"v":1`), []byte(`"v":2`), 1), // a future version
		)
	}
	const (
		begin     = `{"op":"begin","v":1,"kind":"deploy","id":2}` + "\n"
		createNew = `{"op":"create","path":"new.txt"}` + "\n"
		trashConf = `{"op":"trash","path":"conf/app.conf","to":".rhqdeployments/.bundlekit/trash/1"}` + "\n"
	)
	for _, s := range []string{
		"",
		"\n",
		"\x00\x00\x00",
		"not json\n",
		begin + createNew + "\x00\x00garbage\x00\n" + trashConf,
		begin + createNew + trashConf + `{"op":"trash","pa` + "\n",
		begin + `{"op":"chmod","path":"data/db.bin"}` + "\n",
		createNew + trashConf,
		begin + begin,
		begin + `{"op":"create","path":"../outside/victim.txt"}` + "\n",
		begin + `{"op":"create","path":"` + outsideMark + `/victim.txt"}` + "\n",
		begin + `{"op":"create","path":"ext:victim.txt"}` + "\n",
		begin + `{"op":"create","path":"ext:` + outsideMark + `/a/../victim.txt"}` + "\n",
		begin + `{"op":"trash","path":"conf/app.conf","to":"data/db.bin"}` + "\n",
		begin + `{"op":"trash","path":"conf/app.conf","to":".rhqdeployments/.bundlekit/trash/-1"}` + "\n",
		begin + `{"op":"move","path":"data/db.bin","to":"../outside/db.bin"}` + "\n",
		begin + `{"op":"move","path":"ext:` + outsideMark + `/db.bin","to":"db.bin"}` + "\n",
		`{"op":"begin","v":99,"kind":"deploy","id":2}` + "\n",
		begin + `{"op":"commit","v":2}` + "\n",
		begin + `{"op":"create","path":"a","path":"b"}` + "\n",
		begin + `{"op":"create","path":"a\u0000b"}` + "\n",
		begin + `{"op":"create","path":"a/./b"}` + "\n",
		begin + `{"op":"create","path":"a//b"}` + "\n",
		begin + `{"op":"create","path":"a/"}` + "\n",
		begin + `{"op":"create","path":"."}` + "\n",
		begin + `{"op":"commit"}` + "\r\n",
		begin + `{"op":"commit","id":1e99}` + "\n",
		begin + `{"OP":"COMMIT"}` + "\n",
		`[{"op":"begin"}]` + "\n",
		"null\n",
	} {
		seeds = append(seeds, []byte(s))
	}
	for i, s := range seeds {
		seeds[i] = bytes.ReplaceAll(s, []byte(outsideMark), []byte(outside))
	}
	return seeds
}

// FuzzParse checks the journal's decoder, which stands between a file any
// crash, disk or person may have damaged and a Recover that deletes and
// renames: it never panics; it fails only with a *CorruptError that wraps
// ErrCorrupt and names a line of the journal; every record it returns is one
// a deployer writes (a begin record first and only there, no newer version,
// paths inside the destination or clean absolute external ones, trash names
// in the trash); the records encode, as the wal writes them, to a journal
// that decodes to the same records; and the journal cut where a record
// starts, as rollBack cuts it after each undo step, decodes to the records
// before it.
func FuzzParse(f *testing.F) {
	// Any clean absolute path will do: parse never looks at the disk.
	outside := filepath.VolumeName(os.TempDir()) + "/srv/outside"
	for _, s := range journalSeeds(f, outside) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		records, err := parse(data, "journal")
		if err != nil {
			var ce *CorruptError
			if !errors.As(err, &ce) || !errors.Is(err, ErrCorrupt) {
				t.Fatalf("parse: %v is not a *CorruptError wrapping ErrCorrupt", err)
			}
			if lines := bytes.Count(data, []byte("\n")); ce.Journal != "journal" || ce.Line < 1 || ce.Line > lines {
				t.Fatalf("parse: %v names %q line %d of %d", err, ce.Journal, ce.Line, lines)
			}
			return
		}
		for i, r := range records {
			if (i == 0) != (r.Op == opBegin) || r.V > version || r.check() != nil {
				t.Fatalf("record %d %+v is not one a deployer writes", i+1, r)
			}
			requireConfined(t, r)
		}

		enc := encode(t, records)
		back, err := parse(enc, "journal")
		if err != nil {
			t.Fatalf("parse of the encoded records %q: %v", enc, err)
		}
		if diff := cmp.Diff(records, back, cmp.AllowUnexported(record{}), cmp.FilterPath(func(p cmp.Path) bool {
			return p.Last().String() == ".off"
		}, cmp.Ignore())); diff != "" {
			t.Fatalf("round trip (-decoded +re-decoded):\n%s", diff)
		}
		if again := encode(t, back); !bytes.Equal(enc, again) {
			t.Fatalf("encoding is not stable: %q then %q", enc, again)
		}

		for i, r := range records {
			cut, err := parse(data[:r.off], "journal")
			if err != nil || len(cut) != i {
				t.Fatalf("the journal cut before record %d: %d records, %v", i+1, len(cut), err)
			}
		}
	})
}

// requireConfined checks, apart from check, that a record's paths name
// nothing outside the destination but the external files that "ext:" marks,
// as fileops opens them (a clean absolute path of a file below a directory,
// no NUL byte), and nothing outside the trash as a trash name.
func requireConfined(t *testing.T, r record) {
	t.Helper()
	var keys []string // begin and commit name nothing Recover acts on
	switch r.Op {
	case opCreate, opTrash:
		keys = []string{r.Path}
	case opMove:
		keys = []string{r.Path, r.To}
	}
	for _, key := range keys {
		if abs, ok := strings.CutPrefix(key, extPrefix); ok {
			p := filepath.FromSlash(abs)
			if r.Op == opMove || !filepath.IsAbs(p) || filepath.Clean(p) != p || strings.ContainsRune(p, 0) ||
				fileops.CheckName(filepath.Base(p)) != nil {
				t.Fatalf("record %+v: external path %q", r, abs)
			}
			continue
		}
		if key == "" || key == "." || path.IsAbs(key) || path.Clean(key) != key || key == ".." || strings.HasPrefix(key, "../") {
			t.Fatalf("record %+v: path %q is not a clean path below the destination", r, key)
		}
	}
	if r.Op == opTrash {
		rest, ok := strings.CutPrefix(r.To, trashDir+"/")
		if !ok || rest == "" || strings.ContainsAny(rest, "/.") {
			t.Fatalf("record %+v: trash name %q is not a name in %s", r, r.To, trashDir)
		}
	}
}
