package bundle

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"

	"github.com/bundlekit/bundlekit/fileops"
	"github.com/bundlekit/bundlekit/recipe"
	"github.com/bundlekit/bundlekit/token"
)

// ErrNoSysV: the system has no SysV init layout for an rhq:system-service.
var ErrNoSysV = errors.New("the system-service element needs a SysV init layout (/etc/init.d and /etc/rc<N>.d)")

// installService installs an rhq:system-service (R172 step 8, R174): the script
// to <root>/etc/init.d/<name> (0755), the config, realized, to
// <root>/etc/sysconfig/<name> (0644), and the run-level links
// rc<N>.d/S<prio><name> for the start levels and K<prio><name> for the others,
// each pointing at ../init.d/<name>. Existing files and links are replaced only
// when the overwrite flags allow it. RHQ refuses anything but Red Hat Linux;
// bundlekit installs into any root that has (or, for a root other than /, gets)
// the SysV layout.
func installService(ctx context.Context, b *Bundle, s *recipe.SystemService, root string, values token.Lookup) error {
	if root == "" {
		root = s.Root
	}
	if root == "" {
		root = "/"
	}
	if !filepath.IsAbs(root) {
		return fmt.Errorf("rhq:system-service %s: root %q is not absolute", s.Name, root)
	}
	if filepath.Clean(root) == string(filepath.Separator) {
		if runtime.GOOS != "linux" {
			return fmt.Errorf("rhq:system-service %s: %w; %s has none (set root= to install into another root)", s.Name, ErrNoSysV, runtime.GOOS)
		}
		if fi, err := os.Stat("/etc/init.d"); err != nil || !fi.IsDir() {
			return fmt.Errorf("rhq:system-service %s: %w; this system has no /etc/init.d (set root= to install into another root)", s.Name, ErrNoSysV)
		}
	}
	etc, err := fileops.CreateDir(filepath.Join(root, "etc"))
	if err != nil {
		return fmt.Errorf("rhq:system-service %s: %w", s.Name, err)
	}
	defer etc.Close()
	copyFrom := func(src, to string, mode fs.FileMode, overwrite, realize bool) error {
		if _, err := etc.Lstat(to); err == nil && !overwrite {
			return nil
		}
		f, err := b.fsys.Open(bundlePath(src))
		if err != nil {
			return err
		}
		defer f.Close()
		var r io.Reader = f
		if realize {
			r = token.NewReader(f, values)
		}
		if err := etc.MkdirAll(filepath.ToSlash(filepath.Dir(to)), 0o755); err != nil {
			return err
		}
		_, err = etc.WriteFile(ctx, to, r, mode)
		return err
	}
	if err := copyFrom(s.ScriptFile, "init.d/"+s.Name, 0o755, s.OverwriteScript, false); err != nil {
		return fmt.Errorf("rhq:system-service %s: install script: %w", s.Name, err)
	}
	if s.ConfigFile != "" {
		if err := copyFrom(s.ConfigFile, "sysconfig/"+s.Name, 0o644, s.OverwriteConfig, true); err != nil {
			return fmt.Errorf("rhq:system-service %s: install config: %w", s.Name, err)
		}
	}
	for level := 0; level <= 6; level++ {
		prefix, prio := "K", s.StopPriority
		if slices.Contains(s.StartLevels, level) {
			prefix, prio = "S", s.StartPriority
		}
		dir := "rc" + strconv.Itoa(level) + ".d"
		if err := etc.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("rhq:system-service %s: %w", s.Name, err)
		}
		link := fmt.Sprintf("%s/%s%02d%s", dir, prefix, prio, s.Name)
		if _, err := etc.Lstat(link); err == nil {
			if !s.OverwriteLinks {
				continue
			}
			if err := etc.Remove(link); err != nil {
				return fmt.Errorf("rhq:system-service %s: %w", s.Name, err)
			}
		}
		if err := etc.Symlink("../init.d/"+s.Name, link); err != nil {
			return fmt.Errorf("rhq:system-service %s: %w", s.Name, err)
		}
	}
	return nil
}
