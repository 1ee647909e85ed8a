package bundle_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/bundle"
	"github.com/bundlekit/bundlekit/internal/testtree"
	"github.com/bundlekit/bundlekit/internal/testzip"
)

// urlServer serves fixed content on loopback: path → body, with "/redirect-loop"
// redirecting to itself, "/fail" answering 500 and "/truncated" announcing more
// bytes than it sends before closing the connection.
func urlServer(t *testing.T, files map[string]string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/redirect-loop":
			http.Redirect(w, r, "/redirect-loop", http.StatusFound)
		case "/fail":
			http.Error(w, "boom", http.StatusInternalServerError)
		case "/truncated":
			w.Header().Set("Content-Length", "100000")
			_, _ = io.WriteString(w, "only the beginning")
			// Returning with fewer bytes than announced closes the connection.
		default:
			body, ok := files[r.URL.Path]
			if !ok {
				http.NotFound(w, r)
				return
			}
			if r.URL.Query().Get("chunked") == "" {
				w.Header().Set("Content-Length", sprintf("%d", len(body)))
			} else {
				w.(http.Flusher).Flush() // no Content-Length: chunked
			}
			_, _ = io.WriteString(w, body)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// isolateStaging points the staging area (os.TempDir) at an empty directory and
// returns it, so a test can check that a plan leaves nothing behind.
func isolateStaging(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("TMPDIR", dir)
	return dir
}

func requireEmptyDir(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Empty(t, entries, "%s must be empty", dir)
}

// TestURLItems deploys rhq:url-file and rhq:url-archive content (R165, R166):
// downloaded into the staging area, never into the destination, then deployed
// like bundle files; a url-file without a destination goes to the last segment of
// the URL path.
func TestURLItems(t *testing.T) {
	staging := isolateStaging(t)
	srv := urlServer(t, map[string]string{
		"/files/app.conf": "home=@@rhq.deploy.dir@@",
		"/files/raw.bin":  "\x00raw",
		"/dist/web.zip":   string(testzip.Spec(t, "web/index.html=<html/>|web/app.properties=id=@@rhq.deploy.id@@")),
		"/dist/plain.zip": string(testzip.Spec(t, "x=y")),
	})
	dest := filepath.Join(t.TempDir(), "app")
	s := spec{Extra: `      <rhq:url-file url="` + srv.URL + `/files/app.conf" replace="true"/>
      <rhq:url-file url="` + srv.URL + `/files/raw.bin?chunked=1" destinationFile="bin/raw.bin"/>
      <rhq:url-archive url="` + srv.URL + `/dist/web.zip">` + propsReplace + `</rhq:url-archive>
      <rhq:url-archive url="` + srv.URL + `/dist/plain.zip" destinationDir="archives"/>` + "\n"}
	_, res := dryThenApply(t, s.open(t), bundle.Options{Dest: dest, ID: 4})
	requireDiff(t, wantDiff{Added: []string{"app.conf", "archives/plain.zip", "bin/raw.bin", "web/app.properties", "web/index.html"},
		Realized: []string{"app.conf", "web/app.properties"}}, res.Differences, dest, 4, 0)
	require.Equal(t, map[string]string{
		"app.conf":           "home=" + dest,
		"bin/raw.bin":        "\x00raw",
		"web/index.html":     "<html/>",
		"web/app.properties": "id=4",
		"archives/plain.zip": string(testzip.Spec(t, "x=y")),
	}, readTree(t, dest))
	requireEmptyDir(t, staging)
}

// TestURLFailures: a download that fails (the server answers 500, or closes the
// connection before sending what it announced, or redirects in a loop, or sends
// more than MaxDownload) fails the deployment cleanly: a *DownloadError naming the
// URL, the destination byte-for-byte as it was, nothing half-written anywhere and
// the staging area removed.
func TestURLFailures(t *testing.T) {
	srv := urlServer(t, map[string]string{"/big": strings.Repeat("x", 4096)})
	tests := []struct {
		name string
		path string
		max  int64
		is   error
		msg  string
	}{
		{"server error", "/fail", 0, nil, "500 Internal Server Error"},
		{"truncated body", "/truncated", 0, io.ErrUnexpectedEOF, ""},
		{"redirect loop", "/redirect-loop", 0, nil, "stopped after 10 redirects"},
		{"announced size over MaxDownload", "/big", 1024, bundle.ErrDownloadTooLarge, "4096 bytes announced, limit 1024"},
		{"streamed size over MaxDownload", "/big?chunked=1", 1024, bundle.ErrDownloadTooLarge, "more than 1024 bytes"},
	}
	for _, tt := range tests {
		for kind, elem := range map[string]string{
			"url-file":    `<rhq:url-file url="%s" destinationFile="dl.bin"/>`,
			"url-archive": `<rhq:url-archive url="%s"/>`,
		} {
			t.Run(tt.name+" "+kind, func(t *testing.T) {
				staging := isolateStaging(t)
				dest := filepath.Join(t.TempDir(), "app")
				v1 := spec{Files: map[string]string{"app.txt": "v1"}}
				_, err := bundle.Deploy(context.Background(), v1.open(t), bundle.Options{Dest: dest, ID: 1})
				require.NoError(t, err)
				before := testtree.Snapshot(t, filepath.Dir(dest))

				url := srv.URL + tt.path
				v2 := spec{Files: map[string]string{"app.txt": "v2"}, Extra: "      " + sprintf(elem, url) + "\n"}
				_, err = bundle.Deploy(context.Background(), v2.open(t), bundle.Options{Dest: dest, ID: 2, MaxDownload: tt.max})
				var de *bundle.DownloadError
				require.ErrorAs(t, err, &de)
				require.Equal(t, url, de.URL)
				if tt.is != nil {
					require.ErrorIs(t, err, tt.is)
				}
				require.ErrorContains(t, err, tt.msg)
				requireUnchanged(t, before, filepath.Dir(dest))
				requireEmptyDir(t, staging)
			})
		}
	}
}
