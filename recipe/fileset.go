package recipe

// checkPattern is replaced when the Ant matcher lands.
func checkPattern(dir, pattern string) error { return nil }
