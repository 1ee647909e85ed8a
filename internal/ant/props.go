package ant

import "strings"

// props are a project's Ant properties. Ant properties are immutable: the
// first definition of a name wins (R157). user marks the properties given by
// the caller or by an <ant> task's nested <property>, which a called project
// receives even with inheritall="false".
type props struct {
	values map[string]string
	user   map[string]bool
}

func newProps() *props {
	return &props{values: map[string]string{}, user: map[string]bool{}}
}

func (p *props) get(name string) (string, bool) {
	v, ok := p.values[name]
	return v, ok
}

// define sets name unless it already has a value, and reports whether it did.
func (p *props) define(name, value string) bool {
	if _, ok := p.values[name]; ok || name == "" {
		return false
	}
	p.values[name] = value
	return true
}

// defineUser defines a caller property.
func (p *props) defineUser(name, value string) {
	if p.define(name, value) {
		p.user[name] = true
	}
}

// expand resolves ${name} references in s with lookup, the way Ant does: an
// unknown ${name} stays as written, $$ stands for $, any other $ is literal.
// References are not expanded again inside the values they resolve to.
func expand(s string, lookup func(string) (string, bool)) string {
	if !strings.Contains(s, "$") {
		return s
	}
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '$' || i+1 == len(s) {
			sb.WriteByte(c)
			continue
		}
		switch s[i+1] {
		case '$':
			sb.WriteByte('$')
			i++
		case '{':
			end := strings.IndexByte(s[i+2:], '}')
			if end < 0 {
				sb.WriteString(s[i:])
				return sb.String()
			}
			name := s[i+2 : i+2+end]
			if v, ok := lookup(name); ok {
				sb.WriteString(v)
			} else {
				sb.WriteString(s[i : i+3+end])
			}
			i += 2 + end
		default:
			sb.WriteByte(c)
		}
	}
	return sb.String()
}
