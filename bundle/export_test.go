package bundle

// SetTestHook makes f run after each journal record of the next operations
// reaches the disk; nil removes it. Tests use it to stop a process at a precise
// point of an operation.
func SetTestHook(f func(n int)) { testHook = f }
