package recipe

import (
	"fmt"
	"io"
	"strings"

	"github.com/beevik/etree"
)

// BuildFile is a plain Ant build file, as a recipe calls it with <ant
// antfile="other.xml" target="…"> (seed §2.3.2.3.3): a <project> of top-level
// tasks and targets for the Ant task interpreter, without the rhq:bundle that
// Parse requires.
type BuildFile struct {
	// File is the name positions refer to.
	File    string
	Project Project
	// Tasks are the elements of the project other than targets, in document
	// order; Ant runs them before any target.
	Tasks []*Task
	// Targets in document order.
	Targets []*Target
}

// Attributes ParseBuildFile accepts; Ant's other ones change nothing bundlekit
// does, so a build file that relies on them is refused rather than misread.
var (
	buildProjectAttrs = []string{"name", "default", "basedir"}
	buildTargetAttrs  = []string{"name", "depends", "if", "unless", "description"}
)

// ParseBuildFile reads a build file with the options, limits and error values
// of Parse (the default file name is "build.xml"). It checks the shape of the
// project: the root is a plain Ant <project> with name, default and basedir
// attributes at most; every <target> has a name and at most depends, if,
// unless and description; targets do not nest. Every other element is kept as
// a Task, as written and with its position, and is not checked here: the Ant
// task interpreter validates tasks before it runs them. Mistakes are reported
// with ErrInvalid.
func ParseBuildFile(r io.Reader, opts ...Option) (*BuildFile, error) {
	doc, s, err := load(r, "build.xml", opts)
	if err != nil {
		return nil, err
	}
	b := &builder{doc: doc, file: s.file}
	fail := func(e *etree.Element, format string, args ...any) {
		b.errs = append(b.errs, &Error{Pos: b.pos(e), Element: "<" + e.FullTag() + ">", Err: &kindError{kind: ErrInvalid, msg: fmt.Sprintf(format, args...)}})
	}
	root := doc.Root
	if !isAnt(root, "project") {
		fail(root, "the root element must be an Ant <project>, not <%s>", root.FullTag())
		return nil, joinErrors(b.errs)
	}
	bf := &BuildFile{File: s.file, Project: Project{Pos: b.pos(root)}}
	for _, a := range writtenAttrs(root) {
		switch a.Name {
		case "name":
			bf.Project.Name = a.Value
		case "default":
			bf.Project.Default = a.Value
		case "basedir":
			bf.Project.Basedir = a.Value
		default:
			fail(root, "unknown attribute %q of <project> (supported: %s)", a.Name, strings.Join(buildProjectAttrs, ", "))
		}
	}
	for _, c := range root.ChildElements() {
		if !isAnt(c, "target") {
			bf.Tasks = append(bf.Tasks, b.taskTree(c))
			continue
		}
		tg := &Target{Pos: b.pos(c)}
		for _, a := range writtenAttrs(c) {
			switch a.Name {
			case "name":
				tg.Name = a.Value
			case "depends":
				for _, d := range strings.Split(a.Value, ",") {
					if d = strings.TrimSpace(d); d != "" {
						tg.Depends = append(tg.Depends, d)
					}
				}
			case "if":
				tg.If = a.Value
			case "unless":
				tg.Unless = a.Value
			case "description":
				tg.Description = a.Value
			default:
				fail(c, "unknown attribute %q of <target> (supported: %s)", a.Name, strings.Join(buildTargetAttrs, ", "))
			}
		}
		if strings.TrimSpace(tg.Name) == "" {
			fail(c, "the \"name\" attribute is required")
		}
		for _, t := range c.ChildElements() {
			if isAnt(t, "target") {
				fail(t, "targets cannot be nested")
			}
			tg.Tasks = append(tg.Tasks, b.taskTree(t))
		}
		bf.Targets = append(bf.Targets, tg)
	}
	if len(b.errs) > 0 {
		return nil, joinErrors(b.errs)
	}
	return bf, nil
}

// taskTree records e and every element inside it as written.
func (b *builder) taskTree(e *etree.Element) *Task {
	t := b.written(e)
	for _, c := range e.ChildElements() {
		t.Children = append(t.Children, b.taskTree(c))
	}
	return t
}
