package bundle_test

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/bundle"
	"github.com/bundlekit/bundlekit/destination"
	"github.com/bundlekit/bundlekit/fileops"
	"github.com/bundlekit/bundlekit/internal/testtree"
	"github.com/bundlekit/bundlekit/internal/testzip"
	"github.com/bundlekit/bundlekit/recipe"
	"github.com/bundlekit/bundlekit/token"
)

// requiredPort is an input property without a default.
const requiredPort = `    <rhq:input-property name="port" type="integer" required="true"/>`

// oneFile is the content of a bundle that needs one.
var oneFile = map[string]string{"a.txt": "a"}

// TestErrInvalidInput: every error that is the caller's to fix wraps
// bundle.ErrInvalidInput, and its own type or reason is still in the chain,
// with the message it had.
func TestErrInvalidInput(t *testing.T) {
	ctx := context.Background()
	abs := func(t *testing.T) string { return filepath.Join(t.TempDir(), "dest") }
	dirOf := func(t *testing.T, files map[string]string) string {
		dir := t.TempDir()
		testtree.WriteFiles(t, dir, files)
		return dir
	}
	zipOf := func(t *testing.T, entries ...testzip.Entry) string {
		p := filepath.Join(t.TempDir(), "bundle.zip")
		require.NoError(t, os.WriteFile(p, testzip.Build(t, entries...), 0o644))
		return p
	}
	plan := func(t *testing.T, s spec, opts bundle.Options) error {
		if opts.Dest == "" {
			opts.Dest = abs(t)
		}
		p, err := bundle.PlanDeploy(ctx, s.open(t), opts)
		if err == nil {
			p.Close()
		}
		return err
	}
	tests := []struct {
		name string
		run  func(t *testing.T) error
		// is is the error's own reason, as errors.Is finds it; as, when set,
		// points to its own type, as errors.As finds it.
		is error
		as any
	}{
		{"bundle that does not exist", func(t *testing.T) error {
			_, err := bundle.Open(context.Background(), filepath.Join(t.TempDir(), "nowhere"))
			return err
		}, fs.ErrNotExist, nil},
		{"bundle without a recipe", func(t *testing.T) error {
			_, err := bundle.Open(context.Background(), dirOf(t, map[string]string{"a.txt": "a"}))
			return err
		}, bundle.ErrNoRecipe, nil},
		{"invalid recipe", func(t *testing.T) error {
			_, err := bundle.Open(context.Background(), dirOf(t, map[string]string{"deploy.xml": recipeXML("1", "complete", "", "")}))
			return err
		}, recipe.ErrInvalid, new(*recipe.Error)},
		{"invalid recipe in an fs.FS", func(t *testing.T) error {
			_, err := bundle.OpenFS(context.Background(), os.DirFS(dirOf(t, map[string]string{"deploy.xml": "<project"})), "mem")
			return err
		}, recipe.ErrSyntax, new(*recipe.Error)},
		{"file that is not a zip", func(t *testing.T) error {
			p := filepath.Join(t.TempDir(), "bundle.zip")
			require.NoError(t, os.WriteFile(p, []byte("not a zip"), 0o644))
			_, err := bundle.Open(context.Background(), p)
			return err
		}, nil, new(*fileops.ArchiveError)},
		{"hostile .zip bundle", func(t *testing.T) error {
			_, err := bundle.Open(context.Background(), zipOf(t, testzip.Entry{Name: "deploy.xml", Body: recipeXML("1", "full", "", "")},
				testzip.Entry{Name: "../evil", Body: "x"}))
			return err
		}, fileops.ErrUnsafePath, new(*fileops.ArchiveError)},
		{"bundle digest mismatch", func(t *testing.T) error {
			p := zipOf(t, testzip.Entry{Name: "deploy.xml", Body: recipeXML("1", "full", "", "")})
			_, err := bundle.OpenWith(context.Background(), p, bundle.OpenOptions{SHA256: strings.Repeat("0", 64)})
			return err
		}, fileops.ErrDigestMismatch, new(*fileops.DigestError)},
		{"digest of a bundle directory", func(t *testing.T) error {
			_, err := bundle.OpenWith(context.Background(), dirOf(t, spec{Files: oneFile}.tree()), bundle.OpenOptions{SHA256: strings.Repeat("0", 64)})
			return err
		}, bundle.ErrDirectoryDigest, nil},
		{"missing input property", func(t *testing.T) error {
			return plan(t, spec{Head: requiredPort, Files: oneFile}, bundle.Options{})
		}, nil, new(*token.MissingError)},
		{"mistyped input property", func(t *testing.T) error {
			return plan(t, spec{Head: requiredPort, Files: oneFile}, bundle.Options{Properties: map[string]string{"port": "80x"}})
		}, token.ErrInvalidValue, new(*token.InvalidError)},
		{"hostile archive in the bundle", func(t *testing.T) error {
			return plan(t, spec{Files: oneFile, Extra: `      <rhq:archive name="app.zip"/>` + "\n",
				Other: map[string]string{"app.zip": string(testzip.Build(t, testzip.Entry{Name: "../evil", Body: "x"}))}}, bundle.Options{})
		}, fileops.ErrUnsafePath, new(*fileops.ArchiveError)},
		{"recipe destination in the metadata folder", func(t *testing.T) error {
			return plan(t, spec{Files: oneFile, Extra: `      <rhq:file name="a.txt" destinationFile=".rhqdeployments/x"/>` + "\n",
				Other: map[string]string{"a.txt": "a"}}, bundle.Options{})
		}, bundle.ErrMetadataDestination, nil},
		{"relative destination", func(t *testing.T) error {
			return plan(t, spec{Files: oneFile}, bundle.Options{Dest: "relative/dest"})
		}, nil, new(*destination.PathError)},
		{"relative destination to Deploy", func(t *testing.T) error {
			_, err := bundle.Deploy(ctx, spec{Files: oneFile}.open(t), bundle.Options{Dest: "relative/dest"})
			return err
		}, nil, new(*destination.PathError)},
		{"relative destination to Status", func(t *testing.T) error {
			_, err := bundle.Status(ctx, "relative/dest")
			return err
		}, nil, new(*destination.PathError)},
		{"relative destination to Recover", func(t *testing.T) error {
			_, err := bundle.Recover(ctx, "relative/dest", bundle.RecoverOptions{})
			return err
		}, nil, new(*destination.PathError)},
		{"id below 32 bits", func(t *testing.T) error {
			return plan(t, spec{Files: oneFile}, bundle.Options{ID: math.MinInt32 - 1})
		}, nil, nil},
		{"id beyond 32 bits", func(t *testing.T) error {
			return plan(t, spec{Files: oneFile}, bundle.Options{ID: math.MaxInt32 + 1})
		}, nil, nil},
		{"id beyond 32 bits to adopt", func(t *testing.T) error {
			_, err := bundle.PlanAdopt(ctx, t.TempDir(), bundle.AdoptOptions{ID: math.MaxInt32 + 1, Name: "a", Version: "1"})
			return err
		}, nil, nil},
		{"unknown compliance", func(t *testing.T) error {
			_, err := bundle.PlanAdopt(ctx, t.TempDir(), bundle.AdoptOptions{ID: 1, Compliance: "complete"})
			return err
		}, recipe.ErrInvalid, nil},
		{"adopting a directory that does not exist", func(t *testing.T) error {
			_, err := bundle.PlanAdopt(ctx, abs(t), bundle.AdoptOptions{ID: 1})
			return err
		}, nil, nil},
		{"purge of what holds no deployment", func(t *testing.T) error {
			_, err := bundle.PlanPurge(ctx, t.TempDir(), bundle.PurgeOptions{})
			return err
		}, bundle.ErrNotManaged, nil},
		{"pack of a directory with a symbolic link", func(t *testing.T) error {
			dir := dirOf(t, spec{Files: oneFile}.tree())
			require.NoError(t, os.Symlink("deploy.xml", filepath.Join(dir, "link")))
			return bundle.Pack(context.Background(), dir, new(bytes.Buffer))
		}, fileops.ErrIrregular, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run(t)
			require.ErrorIs(t, err, bundle.ErrInvalidInput)
			if tt.is != nil {
				require.ErrorIs(t, err, tt.is)
			}
			if tt.as != nil {
				require.ErrorAs(t, err, tt.as)
			}
			require.NotContains(t, err.Error(), bundle.ErrInvalidInput.Error(), "the message is the error's own")
			require.Equal(t, bundle.OutcomeNotStarted, bundle.OutcomeOf(err))
		})
	}
}

// TestErrInvalidInputNot: errors of the destination, of a download, of an
// archive over the limits and of a cancelled context are not the caller's
// input's.
func TestErrInvalidInputNot(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		run  func(t *testing.T) error
		is   error
		as   any
	}{
		{"read-only destination", func(t *testing.T) error {
			if os.Geteuid() == 0 {
				t.Skip("root writes in a read-only directory")
			}
			dest := t.TempDir()
			require.NoError(t, os.Chmod(dest, 0o500))
			t.Cleanup(func() { os.Chmod(dest, 0o755) })
			_, err := bundle.Deploy(ctx, spec{Files: map[string]string{"a.txt": "a"}}.open(t), bundle.Options{Dest: dest, ID: 1})
			return err
		}, fs.ErrPermission, new(*bundle.OperationError)},
		{"locked destination", func(t *testing.T) error {
			dest := t.TempDir()
			_, release, _ := holdLock(t, dest)
			defer release()
			_, err := bundle.Deploy(ctx, spec{Files: map[string]string{"a.txt": "a"}}.open(t), bundle.Options{Dest: dest, ID: 1})
			return err
		}, bundle.ErrLocked, new(*bundle.LockedError)},
		{"download content that does not match its digest", func(t *testing.T) error {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("x")) }))
			t.Cleanup(srv.Close)
			s := spec{Files: oneFile, Extra: `      <rhq:url-file xmlns:bk="urn:bundlekit:1" url="` + srv.URL + `/a.conf" bk:sha256="` + strings.Repeat("0", 64) + `"/>` + "\n"}
			_, err := bundle.PlanDeploy(ctx, s.open(t), bundle.Options{Dest: filepath.Join(t.TempDir(), "dest"), ID: 1})
			return err
		}, fileops.ErrDigestMismatch, new(*bundle.DownloadError)},
		{"archive over the limits", func(t *testing.T) error {
			s := spec{Files: oneFile, Extra: `      <rhq:archive name="app.zip"/>` + "\n",
				Other: map[string]string{"app.zip": string(testzip.Spec(t, "a=1|b=2|c=3"))}}
			_, err := bundle.PlanDeploy(ctx, s.open(t), bundle.Options{Dest: filepath.Join(t.TempDir(), "dest"), ID: 1,
				Limits: fileops.Limits{MaxEntries: 2}})
			return err
		}, fileops.ErrTooMany, new(*fileops.ArchiveError)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run(t)
			require.Error(t, err)
			require.False(t, errors.Is(err, bundle.ErrInvalidInput), "%v", err)
			require.ErrorIs(t, err, tt.is)
			if tt.as != nil {
				require.ErrorAs(t, err, tt.as)
			}
		})
	}
}
