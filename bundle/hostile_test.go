package bundle_test

import (
	"context"
	"io/fs"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/bundle"
	"github.com/bundlekit/bundlekit/fileops"
	"github.com/bundlekit/bundlekit/internal/testtree"
	"github.com/bundlekit/bundlekit/internal/testzip"
)

// hostileArchives are zips that must never reach the disk (GO of R181), each with
// the entry the refusal names and the fileops reason.
var hostileArchives = []struct {
	name    string
	entries []testzip.Entry
	entry   string
	reason  error
	// readOnly: the problem shows only when the entry is read, which a
	// compressed archive (copied as one file) never is.
	readOnly bool
}{
	{"zip slip", []testzip.Entry{{Name: "ok.txt", Body: "ok"}, {Name: "../evil", Body: "pwned"}}, "../evil", fileops.ErrUnsafePath, false},
	{"nested zip slip", []testzip.Entry{{Name: "a/../../evil", Body: "pwned"}}, "a/../../evil", fileops.ErrUnsafePath, false},
	{"absolute name", []testzip.Entry{{Name: "/tmp/evil", Body: "pwned"}}, "/tmp/evil", fileops.ErrUnsafePath, false},
	{"backslash name", []testzip.Entry{{Name: `..\evil`, Body: "pwned"}}, `..\evil`, fileops.ErrUnsafePath, false},
	{"symbolic link", []testzip.Entry{{Name: "link", Body: "/etc/passwd", Mode: fs.ModeSymlink | 0o777}}, "link", fileops.ErrIrregular, false},
	{"duplicate", []testzip.Entry{{Name: "a.txt", Body: "1"}, {Name: "a.txt", Body: "2"}}, "a.txt", fileops.ErrDuplicate, false},
	{"case collision", []testzip.Entry{{Name: "Conf/a.txt", Body: "1"}, {Name: "conf/b.txt", Body: "2"}}, "conf/b.txt", fileops.ErrCaseCollision, false},
	{"declared size over the limit", []testzip.Entry{{Name: "big.bin", Body: "x", Size: 1 << 20}}, "big.bin", fileops.ErrTooLarge, false},
	{"more bytes than declared", []testzip.Entry{{Name: "liar.bin", Body: "0123456789abcdef", Size: 4}}, "liar.bin", fileops.ErrTooLarge, true},
}

// TestHostileArchive deploys each hostile archive, exploded and compressed, into
// a fresh destination and over an existing deployment: the plan fails with an
// *fileops.ArchiveError naming the archive and the entry, wrapping the reason, and
// nothing is written anywhere: the destination and its parent are unchanged.
func TestHostileArchive(t *testing.T) {
	limits := fileops.Limits{MaxEntries: 100, MaxEntrySize: 64 << 10, MaxTotalSize: 1 << 20}
	for _, tt := range hostileArchives {
		for _, exploded := range []bool{true, false} {
			if tt.readOnly && !exploded {
				continue
			}
			for _, upgrade := range []bool{false, true} {
				name := tt.name + map[bool]string{true: " exploded", false: " compressed"}[exploded] + map[bool]string{true: " upgrade", false: " initial"}[upgrade]
				t.Run(name, func(t *testing.T) {
					ctx := context.Background()
					staging := isolateStaging(t)
					dest := filepath.Join(t.TempDir(), "app")
					if upgrade {
						_, err := bundle.Deploy(ctx, spec{Files: map[string]string{"app.txt": "v1"}}.open(t), bundle.Options{Dest: dest, ID: 1})
						require.NoError(t, err)
					}
					dir := t.TempDir()
					testtree.WriteFiles(t, dir, spec{Files: map[string]string{"app.txt": "v2"},
						Extra: sprintf(`      <rhq:archive name="evil.zip" exploded="%t"/>`+"\n", exploded)}.tree())
					writeBytes(t, dir, "evil.zip", testzip.Build(t, tt.entries...))
					b, err := bundle.Open(dir)
					require.NoError(t, err)
					defer b.Close()

					before := testtree.Snapshot(t, filepath.Dir(dest))
					_, err = bundle.Deploy(ctx, b, bundle.Options{Dest: dest, ID: 2, Limits: limits})
					require.ErrorIs(t, err, tt.reason)
					var ae *fileops.ArchiveError
					require.ErrorAs(t, err, &ae)
					require.Equal(t, filepath.Join(dir, "evil.zip"), ae.Archive)
					require.Equal(t, tt.entry, ae.Entry)
					require.ErrorContains(t, err, "deploy.xml:", "the recipe element is named")
					requireUnchanged(t, before, filepath.Dir(dest))
					requireEmptyDir(t, staging)
				})
			}
		}
	}
}

// TestHostileBundleDistribution: a .zip bundle distribution is checked like any
// archive before anything in it is read.
func TestHostileBundleDistribution(t *testing.T) {
	for _, tt := range hostileArchives {
		if tt.reason == fileops.ErrTooLarge {
			continue // bundle distributions are read with fileops.DefaultLimits
		}
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			entries := append([]testzip.Entry{{Name: "deploy.xml", Body: spec{Files: map[string]string{"ok.txt": "ok"}}.tree()["deploy.xml"]}, {Name: "ok.txt", Body: "ok"}}, tt.entries...)
			writeBytes(t, dir, "bundle.zip", testzip.Build(t, entries...))
			before := testtree.Snapshot(t, dir)
			_, err := bundle.Open(filepath.Join(dir, "bundle.zip"))
			require.ErrorIs(t, err, tt.reason)
			var ae *fileops.ArchiveError
			require.ErrorAs(t, err, &ae)
			require.Equal(t, tt.entry, ae.Entry)
			requireUnchanged(t, before, dir)
		})
	}
}
