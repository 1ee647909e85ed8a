//go:build !unix

package fileops

func (d *Dir) hashFiles(names []string, out []FileHash) { d.hashEach(names, out) }
