// Package antprop expands Ant property references, ${name}, the way Ant does
// (R157; rule numbers refer to docs/behavior.md). Package recipe uses it at
// configuration time, the Ant task interpreter at run time.
package antprop

import "strings"

// Expand resolves ${name} references in s with lookup: an unknown ${name}
// stays as written, $$ stands for $, any other $ is literal (an unclosed
// "${" included), and the values substituted are not expanded again.
func Expand(s string, lookup func(name string) (string, bool)) string {
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
