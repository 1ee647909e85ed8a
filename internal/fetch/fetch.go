// Package fetch downloads the content of rhq:url-file and rhq:url-archive
// items (R165, R166; rule numbers refer to docs/behavior.md) into a plan's
// staging area, never into a destination.
//
// A download is bounded in size and time, follows at most 10 redirects,
// accepts http, https and file URLs, and appears under its final name only
// when complete. A download may be pinned to a SHA-256 (FetchVerified): the
// content is hashed while it is written, and content that does not match
// never appears under its final name.
package fetch

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/bundlekit/bundlekit/fileops"
	"github.com/bundlekit/bundlekit/internal/ctxio"
)

// Settings used when a Downloader leaves them unset.
const (
	// DefaultMax bounds the size of one download.
	DefaultMax = 4 << 30
	// DefaultTimeout bounds one whole download.
	DefaultTimeout = 30 * time.Minute
	maxRedirects   = 10
)

// ErrTooLarge: a download exceeded the Downloader's Max.
var ErrTooLarge = errors.New("download exceeds the size limit")

// Error is a failed download (R165).
type Error struct {
	URL string
	Err error
}

func (e *Error) Error() string { return fmt.Sprintf("download %s: %v", e.URL, e.Err) }
func (e *Error) Unwrap() error { return e.Err }

// defaultClient refuses redirect chains longer than maxRedirects and bounds the
// time to get response headers; the whole download is bounded by the context.
var defaultClient = &http.Client{
	Transport: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		ResponseHeaderTimeout: 2 * time.Minute,
		TLSHandshakeTimeout:   30 * time.Second,
		IdleConnTimeout:       90 * time.Second,
	},
	CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) >= maxRedirects {
			return fmt.Errorf("stopped after %d redirects", maxRedirects)
		}
		return nil
	},
}

// Downloader fetches URL content into a staging area: a file appears under
// its final name only when complete. The zero value uses the defaults.
type Downloader struct {
	// Client makes HTTP requests; nil means a client with sane timeouts
	// and at most 10 redirects.
	Client *http.Client
	// Max bounds one download (default DefaultMax); Timeout one whole
	// download (default DefaultTimeout).
	Max     int64
	Timeout time.Duration
}

// Fetch downloads raw to the file to, creating its directory. The error is
// an *Error.
func (d Downloader) Fetch(ctx context.Context, raw, to string) error {
	return d.FetchVerified(ctx, raw, to, "")
}

// FetchVerified is Fetch for content pinned to a SHA-256: when sha256 is not
// empty, it must be 64 hex digits, and the content downloaded must have that
// digest. The content is hashed while it is written (it is read once), and
// content that does not match is removed and never appears at to: the
// *Error then wraps a *fileops.DigestError with the expected and the actual
// digest.
func (d Downloader) FetchVerified(ctx context.Context, raw, to, sha256 string) error {
	if sha256 != "" {
		want, err := fileops.ParseSHA256(sha256)
		if err != nil {
			return &Error{URL: raw, Err: fmt.Errorf("expected digest: %w", err)}
		}
		sha256 = want
	}
	if d.Client == nil {
		d.Client = defaultClient
	}
	if d.Max <= 0 {
		d.Max = DefaultMax
	}
	if d.Timeout <= 0 {
		d.Timeout = DefaultTimeout
	}
	if err := d.get(ctx, raw, to, sha256); err != nil {
		return &Error{URL: raw, Err: err}
	}
	return nil
}

// get downloads raw to to; want, when set, is the content's lowercase hex
// SHA-256.
func (d Downloader) get(ctx context.Context, raw, to, want string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, d.Timeout)
	defer cancel()
	var body io.ReadCloser
	switch u.Scheme {
	case "http", "https":
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, raw, nil)
		if err != nil {
			return err
		}
		resp, err := d.Client.Do(req)
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			resp.Body.Close()
			return fmt.Errorf("server answered %s", resp.Status)
		}
		if resp.ContentLength > d.Max {
			resp.Body.Close()
			return fmt.Errorf("%w: %d bytes announced, limit %d", ErrTooLarge, resp.ContentLength, d.Max)
		}
		body = resp.Body
	case "file":
		f, err := os.Open(filepath.FromSlash(u.Path))
		if err != nil {
			return err
		}
		body = f
	default:
		return fmt.Errorf("the %s scheme is not supported (use http, https or file)", u.Scheme)
	}
	defer body.Close()
	if err := os.MkdirAll(filepath.Dir(to), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(to), ".download-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	h := sha256.New()
	var w io.Writer = tmp
	if want != "" {
		w = io.MultiWriter(tmp, h)
	}
	n, err := io.Copy(w, ctxio.Reader(ctx, io.LimitReader(body, d.Max+1)))
	if err == nil && n > d.Max {
		err = fmt.Errorf("%w: more than %d bytes", ErrTooLarge, d.Max)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if got := hex.EncodeToString(h.Sum(nil)); want != "" && got != want {
		return &fileops.DigestError{Want: want, Got: got}
	}
	return os.Rename(tmp.Name(), to)
}
