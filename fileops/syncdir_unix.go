//go:build unix && !linux

package fileops

func (d *Dir) syncDir() error {
	f, err := d.root.Open(".")
	if err != nil {
		return d.err("sync", "", err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return d.err("sync", "", err)
	}
	return nil
}
