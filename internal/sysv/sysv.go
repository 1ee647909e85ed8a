// Package sysv lays out an rhq:system-service (R172 step 8, R174; rule
// numbers refer to docs/behavior.md): which files and links installing it
// makes under a SysV init root. It decides; it writes nothing.
//
// A service named N installs its script at <root>/etc/init.d/N (0755), its
// configuration, realized, at <root>/etc/sysconfig/N (0644), and one run-level
// link per level 0–6: rc<L>.d/S<start priority>N for the start levels and
// rc<L>.d/K<stop priority>N for the others, each pointing at ../init.d/N.
// RHQ refuses anything but Red Hat Linux; bundlekit installs into any root
// that has the SysV layout (the system's own root must have /etc/init.d).
package sysv

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"

	"github.com/bundlekit/bundlekit/recipe"
)

// ErrNoSysV: the system has no SysV init layout for an rhq:system-service.
var ErrNoSysV = errors.New("the system-service element needs a SysV init layout (/etc/init.d and /etc/rc<N>.d)")

// Item is one file or link a service installs.
type Item struct {
	// Path is absolute.
	Path string
	// Source is the bundle file copied there ("" for a link).
	Source string
	// Link is the target of a symbolic link ("" for a file).
	Link string
	// Mode is the file's permission bits.
	Mode fs.FileMode
	// Realize says the file's tokens are realized (the configuration).
	Realize bool
	// Overwrite says an existing file or link is replaced.
	Overwrite bool
}

// Layout returns what installing s under root makes, in installation order:
// the script, the configuration, then the links of levels 0 to 6. An empty
// root means the recipe's root attribute, and that empty means "/".
func Layout(s *recipe.SystemService, root string) ([]Item, error) {
	if root == "" {
		root = s.Root
	}
	if root == "" {
		root = string(filepath.Separator)
	}
	if !filepath.IsAbs(root) {
		return nil, fmt.Errorf("rhq:system-service %s: root %q is not absolute", s.Name, root)
	}
	root = filepath.Clean(root)
	if root == string(filepath.Separator) {
		if runtime.GOOS != "linux" {
			return nil, fmt.Errorf("rhq:system-service %s: %w; %s has none (set root= to install into another root)", s.Name, ErrNoSysV, runtime.GOOS)
		}
		if fi, err := os.Stat("/etc/init.d"); err != nil || !fi.IsDir() {
			return nil, fmt.Errorf("rhq:system-service %s: %w; this system has no /etc/init.d (set root= to install into another root)", s.Name, ErrNoSysV)
		}
	}
	etc := filepath.Join(root, "etc")
	items := []Item{{Path: filepath.Join(etc, "init.d", s.Name), Source: s.ScriptFile, Mode: 0o755, Overwrite: s.OverwriteScript}}
	if s.ConfigFile != "" {
		items = append(items, Item{Path: filepath.Join(etc, "sysconfig", s.Name), Source: s.ConfigFile, Mode: 0o644, Realize: true, Overwrite: s.OverwriteConfig})
	}
	for level := 0; level <= 6; level++ {
		prefix, prio := "K", s.StopPriority
		if slices.Contains(s.StartLevels, level) {
			prefix, prio = "S", s.StartPriority
		}
		name := fmt.Sprintf("%s%02d%s", prefix, prio, s.Name)
		items = append(items, Item{Path: filepath.Join(etc, "rc"+strconv.Itoa(level)+".d", name), Link: "../init.d/" + s.Name, Overwrite: s.OverwriteLinks})
	}
	return items, nil
}
