package ant

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
