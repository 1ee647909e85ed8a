//go:build !unix

package fileops

func (d *Dir) hashFiles(names []string, digests Digests, out []FileHash) {
	d.hashEach(names, digests, out)
}
