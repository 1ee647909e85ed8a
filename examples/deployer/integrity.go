package main

import (
	"github.com/bundlekit/bundlekit/fileops"
)

// checkPacked checks the .zip pack wrote at tmp (size bytes whose SHA-256 is
// sum) before it is renamed to out: it must have the digest of
// pack's --bundle-sha256, when given, and open within the limits a deployer
// applies (a bundle that deploy would refuse is refused now, naming the file
// to fix). pack prints the digest as sha256sum does, to be published and
// checked as it is.
func checkPacked(d *fileops.Dir, tmp, out, sum string, size int64, o *options) error {
	if o.outSHA256 != "" && sum != o.outSHA256 {
		return inputErrorf("--bundle-sha256: %w", &fileops.DigestError{Name: out, Want: o.outSHA256, Got: sum})
	}
	f, err := d.Open(tmp)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := fileops.OpenZip(out, f, size, o.limits()); err != nil {
		return inputErrorf("a deployer would refuse this bundle: %w", err)
	}
	return nil
}
