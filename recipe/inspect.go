package recipe

import (
	"path"
	"slices"

	"github.com/bundlekit/bundlekit/internal/winpath"
	"github.com/bundlekit/bundlekit/token"
)

// Inputs lists the input properties the recipe declares, in document order
// (R176: names, types, defaults and descriptions, without any deploy-time value).
func (r *Recipe) Inputs() []*InputProperty { return r.Bundle.Inputs }

// Input returns the declaration in the form package token resolves and validates
// values with.
func (p *InputProperty) Input() token.Input {
	return token.Input{
		Name:        p.Name,
		Description: p.Description,
		Type:        p.Type,
		Required:    p.Required,
		Default:     p.Default,
		HasDefault:  p.HasDefault,
	}
}

// ResolveInputs resolves the operator's values for the input properties
// (R158, R159), as token.Inputs.Resolve does: a given value, else the
// default; every value checked against its type. Missing required values and
// invalid values are all reported at once, and no error ever shows a password.
func (r *Recipe) ResolveInputs(given map[string]string) (map[string]string, error) {
	ins := make(token.Inputs, len(r.Bundle.Inputs))
	for i, p := range r.Bundle.Inputs {
		ins[i] = p.Input()
	}
	return ins.Resolve(given)
}

// Compliance returns the deployment unit's compliance mode and whether the recipe
// declared it (with compliance= or the deprecated manageRootDir=); an undeclared
// mode is Full (R9, R176).
func (r *Recipe) Compliance() (mode Compliance, declared bool) {
	u := r.Bundle.Unit
	if u == nil {
		return Full, false
	}
	return u.Compliance, u.ComplianceFrom != ComplianceDefault
}

// BundleFiles lists, sorted and without duplicates, every file of the bundle the
// recipe refers to (R175): the name of every rhq:file and rhq:archive (handover
// items included), the system service's script and config files, and the files of
// bundle-level and top-level <property file=…> that lie inside the bundle (not
// relativeToDeployDir). URL items are not bundle files. Names are as written
// (with / separators); on a recipe that has not been expanded they may still
// contain ${…}.
func (r *Recipe) BundleFiles() []string {
	var out []string
	add := func(name string) {
		if name != "" {
			out = append(out, slashes(name))
		}
	}
	if u := r.Bundle.Unit; u != nil {
		for _, f := range u.Files {
			add(f.Name)
		}
		for _, a := range u.Archives {
			add(a.Name)
		}
		if s := u.SystemService; s != nil {
			add(s.ScriptFile)
			add(s.ConfigFile)
		}
	}
	props := slices.Clone(r.Bundle.Properties)
	for _, t := range r.Tasks {
		if t.Name == "property" && (t.Space == "" || t.IsRHQ()) {
			file, _ := t.Attr("file")
			rel, _ := t.Attr("relativeToDeployDir")
			props = append(props, &Property{File: file, RelativeToDeployDir: t.IsRHQ() && rel == "true"})
		}
	}
	for _, p := range props {
		f := slashes(p.File)
		if f == "" || p.RelativeToDeployDir || path.IsAbs(f) || winpath.Drive(f) != 0 || escapes(f) {
			continue
		}
		add(path.Clean(f))
	}
	slices.Sort(out)
	return slices.Compact(out)
}
