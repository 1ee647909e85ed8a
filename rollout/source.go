package rollout

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"

	"github.com/bundlekit/bundlekit/bundle"
	"github.com/bundlekit/bundlekit/internal/ctxio"
	"github.com/bundlekit/bundlekit/internal/fetch"
)

// source is the bundle of a rollout, opened once and deployed to every
// target: a Bundle only reads its files, so plans made at once share it.
type source struct {
	b *bundle.Bundle
	// identity names the bundle's content: "sha256:" and the digest of the
	// .zip file, or of the files of a bundle directory (see dirDigest).
	identity string
	tmp      string // the download's directory, removed by close
}

// openSource opens the descriptor's bundle, downloading it first when it is
// a URL, and checks it against the descriptor's SHA-256.
func openSource(ctx context.Context, d *Descriptor, client *http.Client) (*source, error) {
	s := &source{}
	file := d.Bundle
	if isURL(d.Bundle) {
		dir, err := os.MkdirTemp("", "bundlekit-rollout-")
		if err != nil {
			return nil, fmt.Errorf("download the bundle: %w", err)
		}
		s.tmp = dir
		name := "bundle.zip"
		if u, err := url.Parse(d.Bundle); err == nil && path.Base(u.Path) != "" && path.Base(u.Path) != "/" && path.Base(u.Path) != "." {
			name = path.Base(u.Path)
		}
		file = filepath.Join(dir, name)
		if err := (fetch.Downloader{Client: client}).FetchVerified(ctx, d.Bundle, file, d.SHA256); err != nil {
			s.close()
			return nil, err
		}
	}
	b, err := bundle.OpenWith(ctx, file, bundle.OpenOptions{SHA256: d.SHA256})
	if err != nil {
		s.close()
		return nil, err
	}
	s.b = b
	if s.identity, err = identify(ctx, file, b, d.SHA256); err != nil {
		s.close()
		return nil, fmt.Errorf("read bundle %s: %w", d.Bundle, err)
	}
	return s, nil
}

func (s *source) close() {
	if s.b != nil {
		s.b.Close()
	}
	if s.tmp != "" {
		os.RemoveAll(s.tmp)
	}
}

// identify names a bundle's content for the state file: the SHA-256 of a
// .zip (the published one, already checked, when given), or a digest of the
// files of a bundle directory.
func identify(ctx context.Context, file string, b *bundle.Bundle, published string) (string, error) {
	if published != "" {
		return "sha256:" + published, nil
	}
	fi, err := os.Stat(file)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	if fi.IsDir() {
		err = dirDigest(ctx, b, h)
	} else {
		err = copyFile(ctx, h, file)
	}
	if err != nil {
		return "", err
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}

// dirDigest writes to h, for each file of the bundle in order, its name and
// the SHA-256 of its content: any change to a file's name or bytes changes
// the digest.
func dirDigest(ctx context.Context, b *bundle.Bundle, h io.Writer) error {
	fsys := b.FS()
	for _, name := range b.Files {
		f, err := fsys.Open(name)
		if err != nil {
			return err
		}
		fh := sha256.New()
		_, err = io.Copy(fh, ctxio.Reader(ctx, f))
		f.Close()
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%x\n", name, fh.Sum(nil))
	}
	return nil
}

func copyFile(ctx context.Context, w io.Writer, file string) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(w, ctxio.Reader(ctx, f))
	return err
}
