package ant

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/bundlekit/bundlekit/recipe"
)

// buildFile is an Ant build file called with <ant>: package recipe parses
// only deploy.xml, which must hold an rhq:bundle, so this small parser reads
// the plain Ant projects a recipe calls, into the same task tree.
type buildFile struct {
	name    string
	dflt    string
	tasks   []*recipe.Task
	targets []*recipe.Target
}

// parseBuildFile reads a build file with the limits package recipe applies
// to deploy.xml (recipe.DefaultMaxSize bytes, recipe.DefaultMaxDepth levels,
// no entity besides XML's predefined ones). Positions name the file as file.
// Only UTF-8 (and ASCII) files are read.
func parseBuildFile(r io.Reader, file string) (*buildFile, error) {
	data, err := io.ReadAll(io.LimitReader(r, recipe.DefaultMaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", file, err)
	}
	if len(data) > recipe.DefaultMaxSize {
		return nil, &recipe.Error{Pos: recipe.Pos{File: file}, Err: fmt.Errorf("%w: file is larger than the %d-byte limit", recipe.ErrSyntax, recipe.DefaultMaxSize)}
	}
	p := &parser{dec: xml.NewDecoder(bytes.NewReader(data)), file: file}
	root, err := p.tree()
	if err != nil {
		return nil, err
	}
	return p.project(root)
}

// node is an element as read, before it becomes a task or a target.
type node struct {
	task     *recipe.Task
	children []*node
}

type parser struct {
	dec  *xml.Decoder
	file string
	// prefixes are the namespace bindings in scope, innermost last.
	prefixes []map[string]string
}

func (p *parser) syntaxErr(line, col int, err error) error {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		err = errors.New(se.Msg)
	}
	return &recipe.Error{Pos: recipe.Pos{File: p.file, Line: line, Col: max(col, 1)}, Err: fmt.Errorf("%w: %v", recipe.ErrSyntax, err)}
}

// tree reads the document into nodes, with the position of every element.
func (p *parser) tree() (*node, error) {
	var stack []*node
	var root *node
	for {
		line, col := p.dec.InputPos()
		tok, err := p.dec.Token()
		if errors.Is(err, io.EOF) {
			if root == nil {
				return nil, p.syntaxErr(line, col, errors.New("no root element"))
			}
			return root, nil
		}
		if err != nil {
			l, c := p.dec.InputPos()
			return nil, p.syntaxErr(l, c, err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if len(stack) >= recipe.DefaultMaxDepth {
				return nil, p.syntaxErr(line, col, fmt.Errorf("elements nested deeper than %d levels", recipe.DefaultMaxDepth))
			}
			n := &node{task: p.task(tok, recipe.Pos{File: p.file, Line: line, Col: col})}
			if len(stack) == 0 {
				if root != nil {
					return nil, p.syntaxErr(line, col, errors.New("a second root element"))
				}
				root = n
			} else {
				parent := stack[len(stack)-1]
				parent.children = append(parent.children, n)
				parent.task.Children = append(parent.task.Children, n.task)
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
			p.prefixes = p.prefixes[:len(p.prefixes)-1]
		case xml.CharData:
			if len(stack) > 0 {
				// Like package recipe (etree's Text), an element's text is
				// what comes before its first child element.
				if n := stack[len(stack)-1]; len(n.children) == 0 {
					n.task.Text += string(tok)
				}
			}
		}
	}
}

// task makes the element into a task as written: its namespace, the prefix
// the file binds to it, and its attributes other than namespace declarations.
func (p *parser) task(e xml.StartElement, pos recipe.Pos) *recipe.Task {
	scope := map[string]string{}
	for _, a := range e.Attr {
		if a.Name.Space == "xmlns" {
			scope[a.Name.Local] = a.Value
		}
	}
	p.prefixes = append(p.prefixes, scope)
	t := &recipe.Task{Name: e.Name.Local, Space: e.Name.Space, Pos: pos}
	if t.Space != "" {
		t.Prefix = p.prefix(t.Space)
	}
	for _, a := range e.Attr {
		if a.Name.Space == "xmlns" || a.Name.Space == "" && a.Name.Local == "xmlns" {
			continue
		}
		name := a.Name.Local
		if a.Name.Space != "" {
			name = p.prefix(a.Name.Space) + ":" + name
		}
		t.Attrs = append(t.Attrs, recipe.Attr{Name: name, Value: a.Value})
	}
	return t
}

// prefix finds the innermost prefix bound to the namespace uri.
func (p *parser) prefix(uri string) string {
	for i := len(p.prefixes) - 1; i >= 0; i-- {
		for prefix, u := range p.prefixes[i] {
			if u == uri {
				return prefix
			}
		}
	}
	return uri
}

// project turns the tree into targets and top-level tasks.
func (p *parser) project(root *node) (*buildFile, error) {
	var errs []error
	fail := func(t *recipe.Task, format string, args ...any) {
		errs = append(errs, &recipe.Error{Pos: t.Pos, Element: describe(t), Err: &reason{recipe.ErrInvalid, fmt.Sprintf(format, args...)}})
	}
	rt := root.task
	if rt.Space != "" || rt.Name != "project" {
		fail(rt, "the root element must be an Ant <project>, not %s", describe(rt))
		return nil, errors.Join(errs...)
	}
	bf := &buildFile{}
	for _, a := range rt.Attrs {
		switch a.Name {
		case "name":
			bf.name = a.Value
		case "default":
			bf.dflt = a.Value
		case "basedir":
			// The called project's basedir is the <ant> task's dir (see
			// antTask), as when Ant runs it with inheritall.
		default:
			fail(rt, "unknown attribute %q of <project> (supported: name, default, basedir)", a.Name)
		}
	}
	for _, c := range root.children {
		t := c.task
		if t.Space != "" || t.Name != "target" {
			bf.tasks = append(bf.tasks, t)
			continue
		}
		tg := &recipe.Target{Tasks: t.Children, Pos: t.Pos}
		for _, a := range t.Attrs {
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
				fail(t, "unknown attribute %q of <target> (supported: name, depends, if, unless, description)", a.Name)
			}
		}
		if strings.TrimSpace(tg.Name) == "" {
			fail(t, "the \"name\" attribute is required")
		}
		for _, tt := range t.Children {
			if tt.Space == "" && tt.Name == "target" {
				fail(tt, "targets cannot be nested")
			}
		}
		bf.targets = append(bf.targets, tg)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return bf, nil
}
