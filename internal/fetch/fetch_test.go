package fetch_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/fileops"
	"github.com/bundlekit/bundlekit/internal/fetch"
)

func sum(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// server serves body at every path and counts the requests.
func server(t *testing.T, body string) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// fileURL returns a file:// URL for a file holding body.
func fileURL(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "content.bin")
	require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(p)}).String()
}

// TestFetchVerified: pinned content arrives only when its SHA-256 matches;
// otherwise the typed error names the URL, the expected and the actual digest,
// and nothing appears under the final name (nor any temporary file).
func TestFetchVerified(t *testing.T) {
	const body = "content the recipe pins\n"
	srv, _ := server(t, body)
	tests := []struct {
		name string
		url  string
		want string // the expected digest given
		ok   bool
	}{
		{"http match", srv.URL + "/a.txt", sum(body), true},
		{"http match, upper case", srv.URL + "/a.txt", strings.ToUpper(sum(body)), true},
		{"http mismatch", srv.URL + "/a.txt", sum("something else"), false},
		{"file match", fileURL(t, body), sum(body), true},
		{"file mismatch", fileURL(t, body+"tampered"), sum(body), false},
		{"not pinned", srv.URL + "/a.txt", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "staging")
			to := filepath.Join(dir, "a.txt")
			err := fetch.Downloader{}.FetchVerified(context.Background(), tt.url, to, tt.want)
			if tt.ok {
				require.NoError(t, err)
				data, err := os.ReadFile(to)
				require.NoError(t, err)
				require.Equal(t, body, string(data))
				return
			}
			var fe *fetch.Error
			require.ErrorAs(t, err, &fe)
			require.Equal(t, tt.url, fe.URL)
			var de *fileops.DigestError
			require.ErrorAs(t, err, &de)
			require.ErrorIs(t, err, fileops.ErrDigestMismatch)
			require.Equal(t, strings.ToLower(tt.want), de.Want)
			require.NotEqual(t, de.Want, de.Got)
			require.Len(t, de.Got, 64)
			require.Contains(t, err.Error(), tt.url)
			require.Contains(t, err.Error(), de.Want)
			require.Contains(t, err.Error(), de.Got)
			require.NoFileExists(t, to)
			entries, err := os.ReadDir(dir)
			require.NoError(t, err)
			require.Empty(t, entries, "no temporary file is left behind")
		})
	}
}

// TestFetchVerifiedBadDigest: an expected digest that is not 64 hex digits is
// refused before any request is made.
func TestFetchVerifiedBadDigest(t *testing.T) {
	srv, requests := server(t, "x")
	for _, bad := range []string{"abc", strings.Repeat("g", 64), sum("x") + "0", " " + sum("x")[1:]} {
		to := filepath.Join(t.TempDir(), "x")
		err := fetch.Downloader{}.FetchVerified(context.Background(), srv.URL+"/x", to, bad)
		var fe *fetch.Error
		require.ErrorAs(t, err, &fe, bad)
		require.ErrorContains(t, err, "64 hex digits")
		require.NoFileExists(t, to)
	}
	require.Zero(t, requests.Load())
}

// TestFetchTooLarge: a download larger than Max fails with ErrTooLarge, and
// nothing appears under the final name.
func TestFetchTooLarge(t *testing.T) {
	srv, _ := server(t, strings.Repeat("x", 100))
	to := filepath.Join(t.TempDir(), "x")
	err := fetch.Downloader{Max: 10}.Fetch(context.Background(), srv.URL+"/x", to)
	require.True(t, errors.Is(err, fetch.ErrTooLarge), "%v", err)
	require.NoFileExists(t, to)
}
