package bundle

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/bundlekit/bundlekit/fileops"
)

// Download settings used when Options leaves them unset.
const (
	// DefaultMaxDownload bounds the size of one rhq:url-file or rhq:url-archive.
	DefaultMaxDownload = 4 << 30
	// DefaultDownloadTimeout bounds one whole download.
	DefaultDownloadTimeout = 30 * time.Minute
	maxRedirects           = 10
)

// ErrDownloadTooLarge: a download exceeded Options.MaxDownload.
var ErrDownloadTooLarge = errors.New("download exceeds the size limit")

// DownloadError is a failed rhq:url-file or rhq:url-archive download (R165).
type DownloadError struct {
	URL string
	Err error
}

func (e *DownloadError) Error() string { return fmt.Sprintf("download %s: %v", e.URL, e.Err) }
func (e *DownloadError) Unwrap() error { return e.Err }

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

// downloader fetches URL content into the staging area, never into the
// destination: a file appears under its final staging name only when complete.
type downloader struct {
	client  *http.Client
	max     int64
	timeout time.Duration
}

func (d downloader) fetch(ctx context.Context, raw, to string) error {
	err := d.get(ctx, raw, to)
	if err != nil {
		return &DownloadError{URL: raw, Err: err}
	}
	return nil
}

func (d downloader) get(ctx context.Context, raw, to string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, d.timeout)
	defer cancel()
	var body io.ReadCloser
	switch u.Scheme {
	case "http", "https":
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, raw, nil)
		if err != nil {
			return err
		}
		resp, err := d.client.Do(req)
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			resp.Body.Close()
			return fmt.Errorf("server answered %s", resp.Status)
		}
		if resp.ContentLength > d.max {
			resp.Body.Close()
			return fmt.Errorf("%w: %d bytes announced, limit %d", ErrDownloadTooLarge, resp.ContentLength, d.max)
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
	n, err := io.Copy(tmp, fileops.ContextReader(ctx, io.LimitReader(body, d.max+1)))
	if err == nil && n > d.max {
		err = fmt.Errorf("%w: more than %d bytes", ErrDownloadTooLarge, d.max)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Rename(tmp.Name(), to)
}
