package ant

import (
	"fmt"
	"io/fs"
	"strconv"
	"strings"
)

// perm is a <chmod perm=…>: an octal mode ("755", "4755"), or symbolic
// clauses as chmod(1) writes them ("u+x,go-w", "a=rX").
type perm struct {
	octal   bool
	mode    fs.FileMode
	clauses []permClause
}

// specialBits are the setuid, setgid and sticky bits.
const specialBits = fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky

// permClause is one symbolic clause: whom it affects (a mask of permission
// bits) and its operations in order.
type permClause struct {
	who fs.FileMode
	ops []permOp
}

type permOp struct {
	op   byte // '+', '-' or '='
	bits string
}

func parsePerm(s string) (perm, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseUint(s, 8, 32); err == nil {
		if n > 0o7777 {
			return perm{}, fmt.Errorf("perm=%q is not a file mode (octal 0 to 7777)", s)
		}
		m := fs.FileMode(n & 0o777)
		for _, sp := range []struct {
			bit  uint64
			mode fs.FileMode
		}{{0o4000, fs.ModeSetuid}, {0o2000, fs.ModeSetgid}, {0o1000, fs.ModeSticky}} {
			if n&sp.bit != 0 {
				m |= sp.mode
			}
		}
		return perm{octal: true, mode: m}, nil
	}
	var p perm
	for _, part := range strings.Split(s, ",") {
		cl, err := parseClause(part)
		if err != nil {
			return perm{}, fmt.Errorf("perm=%q: %w", s, err)
		}
		p.clauses = append(p.clauses, cl)
	}
	return p, nil
}

func parseClause(s string) (permClause, error) {
	var cl permClause
	i := 0
	for ; i < len(s) && strings.IndexByte("ugoa", s[i]) >= 0; i++ {
		cl.who |= map[byte]fs.FileMode{'u': 0o700, 'g': 0o070, 'o': 0o007, 'a': 0o777}[s[i]]
	}
	if cl.who == 0 {
		cl.who = 0o777
	}
	if i == len(s) {
		return cl, fmt.Errorf("clause %q has no +, - or =", s)
	}
	for i < len(s) {
		op := s[i]
		if op != '+' && op != '-' && op != '=' {
			return cl, fmt.Errorf("clause %q: expected +, - or = at %q", s, s[i:])
		}
		i++
		j := i
		for ; j < len(s) && s[j] != '+' && s[j] != '-' && s[j] != '='; j++ {
			if strings.IndexByte("rwxX", s[j]) < 0 {
				return cl, fmt.Errorf("clause %q: %q is not one of r, w, x, X (use an octal mode for setuid, setgid and sticky)", s, s[j])
			}
		}
		cl.ops = append(cl.ops, permOp{op: op, bits: s[i:j]})
		i = j
	}
	return cl, nil
}

// apply computes the new mode of a file whose mode is old. Symbolic clauses
// keep the special bits; as Ant hands perm to chmod, the umask plays no part
// here, unlike chmod(1) for a clause without u, g, o or a.
func (p perm) apply(old fs.FileMode, isDir bool) fs.FileMode {
	if p.octal {
		return p.mode
	}
	mode := old & (fs.ModePerm | specialBits)
	for _, cl := range p.clauses {
		for _, op := range cl.ops {
			var bits fs.FileMode
			for i := 0; i < len(op.bits); i++ {
				switch op.bits[i] {
				case 'r':
					bits |= 0o444
				case 'w':
					bits |= 0o222
				case 'x':
					bits |= 0o111
				case 'X':
					if isDir || old&0o111 != 0 {
						bits |= 0o111
					}
				}
			}
			bits &= cl.who
			switch op.op {
			case '+':
				mode |= bits
			case '-':
				mode &^= bits
			case '=':
				mode = mode&^cl.who | bits
			}
		}
	}
	return mode
}
