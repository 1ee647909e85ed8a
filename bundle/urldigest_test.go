package bundle_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/bundle"
	"github.com/bundlekit/bundlekit/fileops"
	"github.com/bundlekit/bundlekit/internal/testzip"
)

// TestURLDigest: bk:sha256 pins the content of every kind of URL item, deployed
// or handed over; content that does not match stops the plan, naming the URL
// and both digests, before anything is written.
func TestURLDigest(t *testing.T) {
	files := map[string][]byte{"/app.conf": []byte("port=7070\n"), "/plugins.zip": testzip.Spec(t, "plugin.txt=plugin")}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write(files[r.URL.Path])
	}))
	t.Cleanup(srv.Close)
	sum := func(path string) string {
		h := sha256.Sum256(files[path])
		return hex.EncodeToString(h[:])
	}
	wrong := strings.Repeat("0", 64)
	handover := `<rhq:handover action="deployment"/>`
	tests := []struct {
		name, item string
		url        string // the URL the error must name
	}{
		{"url-file", `<rhq:url-file url="%URL%/app.conf" bk:sha256="%SUM%"/>`, "/app.conf"},
		{"url-archive", `<rhq:url-archive url="%URL%/plugins.zip" bk:sha256="%SUM%"/>`, "/plugins.zip"},
		{"handed-over url-file", `<rhq:url-file url="%URL%/app.conf" bk:sha256="%SUM%">` + handover + `</rhq:url-file>`, "/app.conf"},
		{"handed-over url-archive", `<rhq:url-archive url="%URL%/plugins.zip" bk:sha256="%SUM%">` + handover + `</rhq:url-archive>`, "/plugins.zip"},
	}
	for _, tt := range tests {
		for _, match := range []bool{true, false} {
			t.Run(tt.name+map[bool]string{true: " matches", false: " does not match"}[match], func(t *testing.T) {
				want := sum(tt.url)
				if !match {
					want = wrong
				}
				item := strings.NewReplacer("%URL%", srv.URL, "%SUM%", want).Replace(tt.item)
				dir := filepath.Join(t.TempDir(), "bundle")
				require.NoError(t, os.MkdirAll(dir, 0o755))
				recipe := `<project xmlns:rhq="antlib:org.rhq.bundle" xmlns:bk="urn:bundlekit:1">
  <rhq:bundle name="Pinned" version="1">
    <rhq:deployment-unit name="app" compliance="filesAndDirectories">
      <rhq:file name="keep.txt"/>
      ` + item + `
    </rhq:deployment-unit>
  </rhq:bundle>
</project>
`
				require.NoError(t, os.WriteFile(filepath.Join(dir, "deploy.xml"), []byte(recipe), 0o644))
				require.NoError(t, os.WriteFile(filepath.Join(dir, "keep.txt"), []byte("k"), 0o644))
				b, err := bundle.Open(dir)
				require.NoError(t, err)
				defer b.Close()
				dest := filepath.Join(t.TempDir(), "dest")
				p, err := bundle.PlanDeploy(context.Background(), b, bundle.Options{Dest: dest, ID: 1})
				if match {
					require.NoError(t, err)
					p.Close()
					return
				}
				var de *fileops.DigestError
				require.ErrorAs(t, err, &de)
				require.Equal(t, fileops.DigestError{Want: wrong, Got: sum(tt.url)}, *de)
				var dl *bundle.DownloadError
				require.ErrorAs(t, err, &dl)
				require.Equal(t, srv.URL+tt.url, dl.URL)
				require.NoDirExists(t, dest)
			})
		}
	}
}
