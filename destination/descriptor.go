package destination

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/beevik/etree"

	"github.com/bundlekit/bundlekit/internal/xmldoc"
)

// pluginNS is the namespace of RHQ plugin descriptors. A <bundle-target> snippet
// may use it or no namespace at all.
const pluginNS = "urn:xmlns:rhq-plugin"

// Bounds on a descriptor. A real <bundle-target> is a few hundred bytes and four
// levels deep; these stop a hostile input from costing memory or stack.
const (
	maxDescriptorSize  = 1 << 20
	maxDescriptorDepth = 32
)

// ParseBundleTarget reads a <bundle-target> element, as written in an RHQ plugin
// descriptor, and returns the base locations it declares, in document order:
//
//	<bundle-target>
//	   <destination-base-dir name="Deploy Directory" description="Where the deployments are">
//	      <value-context>pluginConfiguration</value-context>
//	      <value-name>deploy.dir</value-name>
//	   </destination-base-dir>
//	</bundle-target>
//
// The elements may be in RHQ's plugin descriptor namespace (urn:xmlns:rhq-plugin)
// or in none. value-context and value-name are child elements, as RHQ's schema
// has them, and their text is trimmed of surrounding white space. <accepts>
// (bundle-type filters) and <destination-definition> (API-based destinations)
// are schema-valid but not base directories; they are skipped.
//
// The input is limited to 1 MiB and 32 levels of nesting, must be well-formed
// XML with one root element, in UTF-8 or ISO-8859-1, and no entity other than
// XML's predefined ones is expanded. Every mistake is
// reported, as errors.Join of *ParseError values that give the line, the element
// and the attribute; nothing is returned unless the whole descriptor is valid.
func ParseBundleTarget(r io.Reader) ([]BaseLocation, error) {
	doc, err := xmldoc.Read(r, xmldoc.Limits{MaxSize: maxDescriptorSize, MaxDepth: maxDescriptorDepth})
	if err != nil {
		return nil, readError(err)
	}
	p := &descParser{doc: doc}
	locs := p.bundleTarget(doc.Root)
	if len(p.errs) > 0 {
		return nil, errors.Join(p.errs...)
	}
	return locs, nil
}

// readError turns a refusal of the XML reader into a *ParseError at the same
// place. A document without an element is wrong as a whole: it has no line.
func readError(err error) error {
	xe, ok := errors.AsType[*xmldoc.Error](err)
	if !ok {
		return fmt.Errorf("read bundle-target descriptor: %w", err)
	}
	pe := &ParseError{Err: fmt.Errorf("%w: %s", ErrSyntax, xe.Msg)}
	if !errors.Is(xe, xmldoc.ErrNoRoot) {
		pe.Line, pe.Col = xe.Line, xe.Col
	}
	return pe
}

// descParser turns the etree document into base locations, collecting every
// mistake with its position.
type descParser struct {
	doc  *xmldoc.Document
	errs []error
}

func (p *descParser) fail(e *etree.Element, format string, args ...any) {
	pos := p.doc.Pos(e)
	p.errs = append(p.errs, &ParseError{Line: pos.Line, Col: pos.Col, Element: startTag(e), Err: fmt.Errorf(format, args...)})
}

// startTag spells e's start tag as the reader would look for it.
func startTag(e *etree.Element) string {
	if name := e.SelectAttr("name"); name != nil {
		return fmt.Sprintf("<%s name=%q>", e.FullTag(), name.Value)
	}
	return "<" + e.FullTag() + ">"
}

// is reports whether e is the element local in the plugin namespace or in none.
func is(e *etree.Element, local string) bool {
	ns := e.NamespaceURI()
	return e.Tag == local && (ns == "" || ns == pluginNS)
}

func (p *descParser) bundleTarget(root *etree.Element) []BaseLocation {
	switch {
	case root.Tag != "bundle-target":
		p.fail(root, "%w: the root element must be <bundle-target>", ErrUnexpected)
		return nil
	case !is(root, "bundle-target"):
		p.fail(root, "%w: namespace %q: want no namespace or %s", ErrUnexpected, root.NamespaceURI(), pluginNS)
		return nil
	}
	p.noAttrs(root)
	var locs []BaseLocation
	seen := map[string]bool{}
	for _, c := range root.ChildElements() {
		switch {
		case is(c, "destination-base-dir"):
			loc, ok := p.baseDir(c)
			if !ok {
				continue
			}
			if seen[loc.Name] {
				p.fail(c, "%w: base location name %q is declared more than once", ErrDuplicate, loc.Name)
				continue
			}
			seen[loc.Name] = true
			locs = append(locs, loc)
		case is(c, "destination-definition"):
			// An API-based destination, not a directory: nothing to resolve.
		default:
			p.fail(c, "%w: <bundle-target> holds <destination-base-dir> and <destination-definition> only", ErrUnexpected)
		}
	}
	if len(locs) == 0 && len(p.errs) == 0 {
		p.fail(root, "%w: <destination-base-dir>: a bundle target declares at least one base location", ErrMissing)
	}
	return locs
}

// baseDir reads one <destination-base-dir>; ok is false when it has mistakes.
func (p *descParser) baseDir(e *etree.Element) (loc BaseLocation, ok bool) {
	before := len(p.errs)
	for _, a := range e.Attr {
		switch {
		case a.Space != "" || a.Key == "xmlns":
			// Namespace declarations and foreign attributes (xsi:…) are not ours.
		case a.Key == "name":
			loc.Name = a.Value
		case a.Key == "description":
			loc.Description = a.Value
		case a.Key == "value-context" || a.Key == "value-name" || a.Key == "valueContext" || a.Key == "valueName":
			p.fail(e, "%w: attribute %q: write it as a child element <%s>", ErrUnexpected, a.Key, childName(a.Key))
		default:
			p.fail(e, "%w: attribute %q: <destination-base-dir> has name and description only", ErrUnexpected, a.Key)
		}
	}
	if strings.TrimSpace(loc.Name) == "" {
		p.fail(e, "%w: attribute \"name\"", ErrMissing)
	}
	var haveContext, haveName bool
	for _, c := range e.ChildElements() {
		switch {
		case is(c, "value-context"):
			if haveContext {
				p.fail(c, "%w: <value-context> may appear once", ErrDuplicate)
				continue
			}
			haveContext = true
			text, ok := p.text(c)
			if !ok {
				continue
			}
			loc.ValueContext = ValueContext(text)
			if !loc.ValueContext.Valid() {
				p.fail(c, "%w %q (want one of %s)", ErrUnknownValueContext, text, contextList())
			}
		case is(c, "value-name"):
			if haveName {
				p.fail(c, "%w: <value-name> may appear once", ErrDuplicate)
				continue
			}
			haveName = true
			text, ok := p.text(c)
			if !ok {
				continue
			}
			if text == "" {
				p.fail(c, "%w: the value name is empty", ErrMissing)
			}
			loc.ValueName = text
		case is(c, "accepts"):
			// Which bundle types may use the location is the server's choice to
			// offer; it does not change where the location is.
		default:
			p.fail(c, "%w: <destination-base-dir> holds <value-context>, <value-name> and <accepts> only", ErrUnexpected)
		}
	}
	if !haveContext {
		p.fail(e, "%w: element <value-context>", ErrMissing)
	}
	if !haveName {
		p.fail(e, "%w: element <value-name>", ErrMissing)
	}
	return loc, len(p.errs) == before
}

func childName(attr string) string {
	if strings.Contains(strings.ToLower(attr), "context") {
		return "value-context"
	}
	return "value-name"
}

// text returns the trimmed character data of a text-only element; comments are
// skipped, child elements are a mistake.
func (p *descParser) text(e *etree.Element) (string, bool) {
	p.noAttrs(e)
	var b strings.Builder
	for _, t := range e.Child {
		switch t := t.(type) {
		case *etree.CharData:
			b.WriteString(t.Data)
		case *etree.Element:
			p.fail(t, "%w: <%s> holds text only", ErrUnexpected, e.Tag)
			return "", false
		}
	}
	return strings.TrimSpace(b.String()), true
}

// noAttrs reports attributes on an element that takes none, other than
// namespace declarations and foreign attributes.
func (p *descParser) noAttrs(e *etree.Element) {
	for _, a := range e.Attr {
		if a.Space == "" && a.Key != "xmlns" {
			p.fail(e, "%w: attribute %q: <%s> takes no attributes", ErrUnexpected, a.Key, e.Tag)
		}
	}
}
