//go:build !unix

package fileops

import (
	"io/fs"
	"os"
)

// parallelRemove says whether RemoveAll removes many entries at once. On
// Windows an entry in use cannot be removed and its directory then cannot be
// either; os.Root.RemoveAll's order is kept there.
const parallelRemove = false

func removeTree(root *os.Root, local, _ string, _ fs.FileInfo) error { return root.RemoveAll(local) }
