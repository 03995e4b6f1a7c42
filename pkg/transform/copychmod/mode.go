package copychmod

import (
	"fmt"
	"strconv"
	"strings"
)

// The mode arithmetic of chmod(1) on a regular file, for the modes whose
// result dfopt can compute: an octal mode of permission bits, or symbolic
// clauses of who (ugoa), operator (+ - =) and permissions (r w x X).
// Special bits (setuid, setgid, sticky) and copies of another class
// (g=u) are refused: their result on a COPY --chmod is not proven here.

// umask is the file-creation mask of a RUN: BuildKit's runc executor
// runs processes with the OCI default, 0022. `chmod +x` with no class
// leaves the masked bits alone.
const umask = 0o022

// chmodMode is a parsed mode operand.
type chmodMode struct {
	octal  int  // the mode when absolute
	abs    bool // an octal mode: the result does not depend on the file's mode
	clause []clause
}

type clause struct {
	who   int // bits of the classes named (0: none named)
	ops   []op
	noWho bool
}

type op struct {
	c    byte // '+', '-', '='
	perm string
}

// parseMode reads a chmod mode operand; ok is false for a mode dfopt
// does not compute.
func parseMode(s string) (chmodMode, bool) {
	if s != "" && strings.Trim(s, "01234567") == "" {
		v, err := strconv.ParseInt(s, 8, 32)
		if err != nil || v > 0o777 {
			return chmodMode{}, false
		}
		return chmodMode{octal: int(v), abs: true}, true
	}
	var m chmodMode
	for _, part := range strings.Split(s, ",") {
		c, ok := parseClause(part)
		if !ok {
			return chmodMode{}, false
		}
		m.clause = append(m.clause, c)
	}
	return m, len(m.clause) > 0
}

var classBits = map[byte]int{'u': 0o700, 'g': 0o070, 'o': 0o007, 'a': 0o777}

func parseClause(s string) (clause, bool) {
	var c clause
	i := 0
	for i < len(s) && classBits[s[i]] != 0 {
		c.who |= classBits[s[i]]
		i++
	}
	c.noWho = c.who == 0
	for i < len(s) {
		o := op{c: s[i]}
		if o.c != '+' && o.c != '-' && o.c != '=' {
			return clause{}, false
		}
		i++
		j := i
		for j < len(s) && strings.IndexByte("rwxX", s[j]) >= 0 {
			j++
		}
		o.perm = s[i:j]
		if o.c == '=' && c.noWho {
			return clause{}, false // `=` with no class: how the umask applies is not modelled
		}
		c.ops = append(c.ops, o)
		i = j
	}
	return c, len(c.ops) > 0
}

// apply is the mode chmod gives a regular file of mode cur.
func (m chmodMode) apply(cur int) int {
	if m.abs {
		return m.octal
	}
	for _, c := range m.clause {
		who := c.who
		if c.noWho {
			who = 0o777 &^ umask
		}
		for _, o := range c.ops {
			bits := permBits(o.perm, cur) & who
			switch o.c {
			case '+':
				cur |= bits
			case '-':
				cur &^= bits
			case '=':
				cur = cur&^who | bits
			}
		}
	}
	return cur
}

// permBits spreads r, w, x over all classes; X is x when the file already
// has an execute bit (a regular file).
func permBits(perm string, cur int) int {
	b := 0
	for i := 0; i < len(perm); i++ {
		switch perm[i] {
		case 'r':
			b |= 0o444
		case 'w':
			b |= 0o222
		case 'x':
			b |= 0o111
		case 'X':
			if cur&0o111 != 0 {
				b |= 0o111
			}
		}
	}
	return b
}

func octal(m int) string { return fmt.Sprintf("%o", m) }
