package main

import (
	"github.com/bundlekit/bundlekit/fileops"
)

// checkPacked checks the .zip pack wrote at tmp (w, as fileops hashed it
// while writing) before it is renamed to out: it must have the digest of
// pack's --bundle-sha256, when given, and open within the limits a deployer
// applies (a bundle that deploy would refuse is refused now, naming the file
// to fix). pack prints the digest as sha256sum does, to be published and
// checked as it is.
func checkPacked(d *fileops.Dir, tmp, out string, w fileops.Written, o *options) error {
	if o.outSHA256 != "" && w.SHA256 != o.outSHA256 {
		return inputErrorf("--bundle-sha256: %w", &fileops.DigestError{Name: out, Want: o.outSHA256, Got: w.SHA256})
	}
	f, err := d.Open(tmp)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := fileops.OpenZip(out, f, w.Size, o.limits()); err != nil {
		return inputErrorf("a deployer would refuse this bundle: %w", err)
	}
	return nil
}
