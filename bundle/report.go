package bundle

// RemovesUnknown reports whether the entry removes a path the deployment does
// not know: a file or directory found on disk that is neither in the previous
// deployment nor in the bundle, which full compliance moves to the backup and
// deletes (R117 for a file, R124 for a directory). It reads the entry's
// fields only, so a caller can count, before anything runs, what an upgrade
// will take away that nobody deployed.
func (e *Entry) RemovesUnknown() bool {
	return e.Action == ActionDelete && (e.Rule == "R117" || e.Rule == "R124")
}
