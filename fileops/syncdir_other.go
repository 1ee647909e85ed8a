//go:build !unix

package fileops

func (d *Dir) syncDir() error { return nil }
