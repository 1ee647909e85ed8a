package fileops

// isCrossDevice reports false: Plan 9 has no error for renames across file
// systems that a caller could recover from.
func isCrossDevice(error) bool { return false }
