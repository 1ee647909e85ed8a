package bundle

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"

	"github.com/bundlekit/bundlekit/fileops"
	"github.com/bundlekit/bundlekit/internal/locate"
	"github.com/bundlekit/bundlekit/internal/sysv"
	"github.com/bundlekit/bundlekit/recipe"
	"github.com/bundlekit/bundlekit/token"
)

// ErrNoSysV: the system has no SysV init layout for an rhq:system-service.
var ErrNoSysV = sysv.ErrNoSysV

// planService plans the installation of an rhq:system-service (R172 step 8,
// R174): its script, configuration and run-level links, as entries installed
// after the deployment commits. An existing file or link is replaced only when
// the recipe's overwrite flags allow it. The files are not part of the
// deployment's map.
func (p *Plan) planService(s *recipe.SystemService, root string) ([]*Entry, error) {
	items, err := sysv.Layout(s, root)
	if err != nil {
		return nil, err
	}
	roots := locate.New(locate.Options{CacheParents: true})
	defer roots.Close()
	var out []*Entry
	for i, it := range items {
		e := &Entry{Path: filepath.ToSlash(it.Path), Rule: "R174", outside: true}
		if it.Link != "" {
			e.New = linkHash(it.Link)
		} else if e.New, err = p.hashBundleFile(it.Source, it.Realize); err != nil {
			return nil, fmt.Errorf("rhq:system-service %s: %w", s.Name, err)
		}
		loc, err := roots.Locate(it.Path, false)
		if err == nil {
			e.Current, err = hashEntry(loc.Dir, loc.Name)
		}
		exists := err == nil
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("rhq:system-service %s: %w", s.Name, err)
		}
		switch {
		case exists && !it.Overwrite:
			e.Action = ActionKeep
		case exists && e.Current == e.New:
			e.Action = ActionUnchanged
		default:
			e.Action = ActionAdd
			if exists {
				e.Action = ActionChange
			}
			st := step{op: opLink, phase: phaseService, seq: i, target: it.Link}
			if it.Link == "" {
				src := &source{key: e.Path, kind: fromFile, file: bundlePath(it.Source), realize: it.Realize, hash: e.New, mode: it.Mode}
				st = step{op: opWrite, phase: phaseService, seq: i, src: src}
			}
			e.add(st)
		}
		out = append(out, e)
	}
	return out, nil
}

// hashBundleFile returns the MD5 of a bundle file, realized when asked.
func (p *Plan) hashBundleFile(name string, realize bool) (string, error) {
	f, err := p.bundle.fsys.Open(bundlePath(name))
	if err != nil {
		return "", err
	}
	defer f.Close()
	var r io.Reader = f
	if realize {
		r = token.NewReader(f, p.values)
	}
	h, _, err := fileops.Hash(r)
	return h, err
}
