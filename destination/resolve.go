package destination

import (
	"errors"
	"fmt"
	"strings"
)

// Values are a target's configuration values by context: property name → value
// for PluginConfiguration and ResourceConfiguration, trait name → current value
// for MeasurementTrait. FileSystem base locations need no values.
type Values map[ValueContext]map[string]string

// Target is one resource a bundle is deployed to: a JBoss server, a platform, …
type Target struct {
	// Name identifies the target in errors and results.
	Name     string
	Platform Platform
	// BaseLocations are the base locations the target's resource type declares
	// (see ParseBundleTarget).
	BaseLocations []BaseLocation
	Values        Values
}

// Spec is a destination as an operator defines it, once for a whole group: a
// base location, chosen by name, and a deploy dir relative to it, such as
// "deploy/myApp". On Windows targets "\" and "/" both separate the deploy dir's
// components; on POSIX targets "\" is part of a name.
type Spec struct {
	// BaseLocation is the Name of one of the targets' base locations.
	BaseLocation string
	// DeployDir is the directory below the base location.
	DeployDir string
}

// Resolve returns the absolute deploy dir of spec on target t, spelled for t's
// platform whatever the platform this program runs on:
//
//	base "/opt/jbossas/default/server/" + "deploy/myApp/" → /opt/jbossas/default/server/deploy/myApp
//	base `C:\jbossas\server\`           + "deploy/myApp/" → C:\jbossas\server\deploy\myApp
//
// The base directory is the base location's value name in the FileSystem
// context, else the value t holds for that name in the base location's context.
// It must be absolute for t's platform. The deploy dir must be relative, must
// not climb out of the base directory and must not be empty or name the base
// directory itself. Neither may have white space around it. Any failure is an *Error naming the target, the base
// location and the deploy dir, wrapping one of the sentinels; Resolve never
// falls back to another directory.
func Resolve(spec Spec, t Target) (Dir, error) {
	d, err := resolve(spec, t)
	if err != nil {
		return Dir{}, &Error{Target: t.Name, BaseLocation: spec.BaseLocation, DeployDir: spec.DeployDir, Err: err}
	}
	return d, nil
}

func resolve(spec Spec, t Target) (Dir, error) {
	if err := t.Platform.Validate(); err != nil {
		return Dir{}, err
	}
	loc, err := lookup(t.BaseLocations, spec.BaseLocation)
	if err != nil {
		return Dir{}, err
	}
	if err := loc.Validate(); err != nil {
		return Dir{}, err
	}
	value, err := baseValue(loc, t.Values)
	if err != nil {
		return Dir{}, err
	}
	base, err := parseAbs(t.Platform.Flavour, value)
	if err == nil {
		err = noOuterSpace(value)
	}
	if err != nil {
		return Dir{}, fmt.Errorf("base directory %q (%s): %w", value, source(loc), err)
	}
	rel, err := deployDir(t.Platform.Flavour, spec.DeployDir)
	if err != nil {
		return Dir{}, err
	}
	return base.join(rel), nil
}

func lookup(locs []BaseLocation, name string) (BaseLocation, error) {
	names := make([]string, len(locs))
	for i, l := range locs {
		if l.Name == name {
			return l, nil
		}
		names[i] = fmt.Sprintf("%q", l.Name)
	}
	if len(names) == 0 {
		return BaseLocation{}, fmt.Errorf("%w: the target's type declares no base locations", ErrUnknownBaseLocation)
	}
	return BaseLocation{}, fmt.Errorf("%w: the target's type declares %s", ErrUnknownBaseLocation, strings.Join(names, ", "))
}

// source says where a base location's directory comes from, for messages.
func source(loc BaseLocation) string {
	if loc.ValueContext == FileSystem {
		return "fileSystem value name"
	}
	return fmt.Sprintf("%s %q", loc.ValueContext.describe(), loc.ValueName)
}

func baseValue(loc BaseLocation, values Values) (string, error) {
	if loc.ValueContext == FileSystem {
		return loc.ValueName, nil
	}
	v, ok := values[loc.ValueContext][loc.ValueName]
	switch {
	case !ok:
		return "", fmt.Errorf("%w: the target has no %s", ErrValueNotSet, source(loc))
	case strings.TrimSpace(v) == "":
		return "", fmt.Errorf("%w: the target's %s is empty", ErrValueNotSet, source(loc))
	}
	return v, nil
}

// deployDir checks a deploy dir and returns its clean components.
func deployDir(f Flavour, s string) ([]string, error) {
	if strings.TrimSpace(s) == "" {
		return nil, fmt.Errorf("%w: the deploy dir is empty", ErrNoDeployDir)
	}
	if err := noOuterSpace(s); err != nil {
		return nil, err
	}
	lp, err := split(f, s)
	if err != nil {
		return nil, err
	}
	switch {
	case lp.rooted || lp.vol != "":
		return nil, ErrNotRelative
	case len(lp.parts) == 0:
		return nil, fmt.Errorf("%w: the deploy dir names the base directory itself", ErrNoDeployDir)
	case lp.parts[0] == "..":
		return nil, ErrEscapes
	}
	return lp.parts, nil
}

// noOuterSpace refuses white space around an operator-entered directory: it is
// a typo far more often than part of a directory name, and kept it would deploy
// to "/opt/jboss /deploy".
func noOuterSpace(s string) error {
	if strings.TrimSpace(s) != s {
		return fmt.Errorf("%w: leading or trailing white space", ErrInvalidPath)
	}
	return nil
}

// Resolved is the outcome of resolving a Spec for one member of a group: its
// deploy dir, or the reason it has none.
type Resolved struct {
	// Target is the member's Name.
	Target string
	// Dir is the member's deploy dir; the zero Dir when Err is set.
	Dir Dir
	// Err is the member's *Error, or nil.
	Err error
}

// CheckGroup reports whether group can be deployed to as one: it must not be
// empty (ErrEmptyGroup), and its targets must share one OS family and one path
// flavour, else a *GroupError names the members that differ from the rest. The
// same deploy dir text must mean the same thing on every member, and "\" is a
// separator on Windows but part of a name on POSIX.
func CheckGroup(group []Target) error {
	if len(group) == 0 {
		return ErrEmptyGroup
	}
	counts := map[Platform]int{}
	for _, t := range group {
		counts[t.Platform]++
	}
	common := group[0].Platform
	for _, t := range group {
		if counts[t.Platform] > counts[common] {
			common = t.Platform
		}
	}
	var odd []Target
	for _, t := range group {
		if t.Platform != common {
			odd = append(odd, t)
		}
	}
	if odd != nil {
		return &GroupError{Platform: common, Odd: odd}
	}
	return nil
}

// ResolveGroup resolves spec for every member of group. It first runs
// CheckGroup and returns its error, with no results, if the group is not
// compatible. Otherwise it resolves every member, in group order, without
// stopping at the first failure: the results hold a Dir or an Err for each
// member, and the error returned is errors.Join of the members' *Error values
// (nil when all resolved).
func ResolveGroup(spec Spec, group []Target) ([]Resolved, error) {
	if err := CheckGroup(group); err != nil {
		return nil, err
	}
	results := make([]Resolved, len(group))
	var errs []error
	for i, t := range group {
		d, err := Resolve(spec, t)
		results[i] = Resolved{Target: t.Name, Dir: d, Err: err}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return results, errors.Join(errs...)
}
