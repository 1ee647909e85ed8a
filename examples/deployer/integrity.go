package main

import (
	"crypto/sha256"
	"encoding/hex"
	"io"

	"github.com/bundlekit/bundlekit/fileops"
)

// checkPacked checks the .zip pack wrote at tmp before it is renamed to out
// and returns its SHA-256: it must open within the limits a deployer applies
// (a bundle that deploy would refuse is refused now, naming the file to fix)
// and have the digest of pack's --bundle-sha256, when given. pack prints the
// digest as sha256sum does, to be published and checked as it is.
func checkPacked(d *fileops.Dir, tmp, out string, o *options) (string, error) {
	f, err := d.Open(tmp)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	size, err := io.Copy(h, f)
	if err != nil {
		return "", err
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if o.outSHA256 != "" && sum != o.outSHA256 {
		return "", inputErrorf("--bundle-sha256: %w", &fileops.DigestError{Name: out, Want: o.outSHA256, Got: sum})
	}
	if _, err := fileops.OpenZip(out, f, size, o.limits()); err != nil {
		return "", inputErrorf("a deployer would refuse this bundle: %w", err)
	}
	return sum, nil
}
