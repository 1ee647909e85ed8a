package fileops

// SetZipWholeMax sets the size up to which OpenZipFile reads an archive
// whole, and returns a function that restores it.
func SetZipWholeMax(n int64) (restore func()) {
	old := wholeMax
	wholeMax = n
	return func() { wholeMax = old }
}
