package recipe

import (
	"github.com/beevik/etree"

	"github.com/bundlekit/bundlekit/internal/xmldoc"
)

// Spec is a recipe made in Go rather than read from a deploy.xml: one bundle
// whose one deployment unit deploys files of the bundle as they are (no
// @@token@@ is realized), each to its own path below the deploy dir. A bundle
// that has no deploy.xml, such as a service package, is deployed with one.
//
// Values are taken as the attributes of a deploy.xml would be: ${name} refers
// to an Ant property, resolved by Recipe.Expand, and $$ stands for $.
type Spec struct {
	// Project is the Ant project's name (<project name>), empty for none.
	Project string
	// Name, Version and Description are the rhq:bundle's; Description is left
	// out when empty.
	Name        string
	Version     string
	Description string
	// Unit is the deployment unit's name, empty for none.
	Unit string
	// Compliance is the unit's compliance mode; empty means none is declared,
	// which is Full (R9) unless RequireCompliance refuses it (R161).
	Compliance Compliance
	// Files are the paths in the bundle of the files to deploy, as the name of
	// an rhq:file.
	Files []string
}

// New makes the Recipe that s describes and validates it with Parse's rules:
// the model is built from the same element tree Parse would have read, so a
// recipe made in Go is refused for the same mistakes, with the same *Error
// values, as its deploy.xml would be, and it can be expanded like one.
// Positions name the file given by WithFile (default "generated recipe") and
// have no line. WithFile and RequireCompliance apply; the size and depth
// limits have nothing to bound.
func New(s Spec, opts ...Option) (*Recipe, error) {
	set := settings{file: "generated recipe"}
	for _, o := range opts {
		o.apply(&set)
	}
	project := etree.NewElement("project")
	setAttr(project, "name", s.Project)
	project.CreateAttr("xmlns:rhq", rhqNS)
	bundle := project.CreateElement("rhq:bundle")
	bundle.CreateAttr("name", s.Name)
	bundle.CreateAttr("version", s.Version)
	setAttr(bundle, "description", s.Description)
	unit := bundle.CreateElement("rhq:deployment-unit")
	setAttr(unit, "name", s.Unit)
	setAttr(unit, "compliance", string(s.Compliance))
	for _, f := range s.Files {
		unit.CreateElement("rhq:file").CreateAttr("name", f)
	}
	return build(&xmldoc.Document{Root: project}, set.file, set.strict, nil)
}

// setAttr sets the attribute unless value is empty: an empty optional field
// of a Spec means the attribute is not written.
func setAttr(e *etree.Element, key, value string) {
	if value != "" {
		e.CreateAttr(key, value)
	}
}
