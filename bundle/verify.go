package bundle

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/bundlekit/bundlekit/fileops"
	"github.com/bundlekit/bundlekit/internal/ctxio"
)

// OpenOptions are the checks OpenWith makes on a bundle before it reads it.
type OpenOptions struct {
	// Limits bound the entries of a .zip bundle, compression ratio included;
	// the zero value means fileops.DefaultLimits, as for Open.
	Limits fileops.Limits
	// SHA256, when set, is the published SHA-256 of a .zip bundle, 64 hex
	// digits: the file is hashed before any of it is read as a zip, and a
	// mismatch is a *fileops.DigestError naming it. A directory has no
	// published digest: setting SHA256 for one is ErrDirectoryDigest.
	SHA256 string
}

// ErrDirectoryDigest: a SHA-256 was given for a bundle that is a directory.
// What is published is the digest of a .zip distribution's bytes; a
// directory has no such bytes (a digest of names, modes and contents would be
// bundlekit's own invention, which nobody publishes), and bundlekit deploys
// the .zip itself, so there is no need to unpack it first.
var ErrDirectoryDigest = errors.New("a bundle directory has no published SHA-256: check the .zip bundle it came from, and deploy that .zip")

// OpenWith opens the bundle at source as Open does, after the checks opts
// asks for. A .zip bundle is opened once: the bytes hashed are the bytes
// then read, whatever happens to the name meanwhile.
func OpenWith(ctx context.Context, source string, opts OpenOptions) (*Bundle, error) {
	b, err := openWith(ctx, source, opts)
	if err != nil {
		return nil, invalid(err)
	}
	return b, nil
}

func openWith(ctx context.Context, source string, opts OpenOptions) (*Bundle, error) {
	want := opts.SHA256
	if want != "" {
		var err error
		if want, err = fileops.ParseSHA256(want); err != nil {
			return nil, fmt.Errorf("open bundle %s: expected digest: %w", source, err)
		}
	}
	f, err := os.Open(source)
	if err != nil {
		return nil, fmt.Errorf("open bundle: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open bundle: %w", err)
	}
	if fi.IsDir() {
		f.Close()
		if want != "" {
			return nil, fmt.Errorf("open bundle %s: %w", source, ErrDirectoryDigest)
		}
		return openDir(ctx, source)
	}
	b, err := openZipFile(ctx, f, fi.Size(), source, want, opts.Limits)
	if err != nil {
		f.Close()
		return nil, err
	}
	return b, nil
}

// openZipFile checks and opens the .zip bundle f (size bytes, named source);
// on success the Bundle closes f.
func openZipFile(ctx context.Context, f *os.File, size int64, source, want string, lim fileops.Limits) (*Bundle, error) {
	if want != "" {
		h := sha256.New()
		if _, err := io.Copy(h, ctxio.Reader(ctx, io.NewSectionReader(f, 0, size))); err != nil {
			return nil, fmt.Errorf("open bundle: hash %s: %w", source, err)
		}
		if got := hex.EncodeToString(h.Sum(nil)); got != want {
			return nil, fmt.Errorf("open bundle: %w", &fileops.DigestError{Name: source, Want: want, Got: got})
		}
	}
	// Every entry is checked first, as for any archive (GO of R181); the
	// bundle's files are then read through archive/zip's fs.FS.
	if _, err := fileops.OpenZip(source, f, size, lim); err != nil {
		return nil, fmt.Errorf("open bundle: %w", err)
	}
	zr, err := zip.NewReader(f, size)
	if err != nil {
		return nil, fmt.Errorf("open bundle: %w", err)
	}
	b, err := openFS(ctx, zr, source)
	if err != nil {
		return nil, err
	}
	b.closer = f
	return b, nil
}
