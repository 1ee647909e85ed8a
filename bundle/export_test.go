package bundle

// SetTestHook makes f run after each journal record of the next operations
// reaches the disk; nil removes it. Tests use it to stop a process at a precise
// point of an operation.
func SetTestHook(f func(n int)) { testHook = f }

// SetFreeSpace makes the disk-space checks measure with f until the test
// ends.
func SetFreeSpace(t interface{ Cleanup(func()) }, f func(string) (uint64, error)) {
	old := freeSpace
	freeSpace = f
	t.Cleanup(func() { freeSpace = old })
}
