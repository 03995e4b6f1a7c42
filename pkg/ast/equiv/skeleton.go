package equiv

import (
	"reflect"
	"strconv"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// sameSkeleton is the fast path of Check for programs known by position:
// when both sides have the same shape — the same statements, operators,
// keywords and words, except the arguments of commands whose status is
// scripted anyway — they run the same commands with the same statuses on
// every path, and no interpreter run is needed. A removed or added command
// that is an operand of `&&` (`a && rm -rf x`, `apt-get clean && b`)
// leaves no trace in the shape: it is assumed to succeed and is not
// recorded (it runs as `true`), so the list runs and ends as without it;
// so does a removed statement of its own where dropped shows it changes
// nothing. Edits that add or drop options of a package manager, or drop
// or add a cleanup joined by `&&`, or drop one standing alone, are of this
// kind; any other removal or addition needs the interpreter.
func sameSkeleton(orig, rewrite []Program) bool {
	if len(orig) != 1 || len(rewrite) != 1 || orig[0].Ident == nil || rewrite[0].Ident == nil {
		return false
	}
	a, ok := skeleton(orig[0])
	if !ok {
		return false
	}
	b, ok := skeleton(rewrite[0])
	return ok && a == b && strings.Join(orig[0].Flags, " ") == strings.Join(rewrite[0].Flags, " ")
}

// skeleton writes the shape of a program; ok is false when it holds a
// removed or added command.
func skeleton(p Program) (string, bool) {
	s := &shape{p: p, ok: true}
	s.visit = s.walk
	syntax.Walk(p.File, s.visit)
	return s.b.String(), s.ok
}

// shape is skeleton's walk of one program.
type shape struct {
	p     Program
	b     strings.Builder
	ok    bool
	visit func(syntax.Node) bool // walk, as one func value
	// drop is dropped(p), which lists only statements that are removed
	// commands (removedStmt): it is asked at the first such statement,
	// and not at all for a program that removes nothing (most, and every
	// rewrite).
	drop      map[*syntax.Stmt]bool
	dropKnown bool
}

func (s *shape) walk(n syntax.Node) bool {
	if !s.ok || n == nil {
		return false
	}
	b := &s.b
	switch n := n.(type) {
	case *syntax.CallExpr:
		if len(n.Args) > 0 && s.call(n) {
			return false
		}
	case *syntax.Lit:
		b.WriteString(n.Value)
	case *syntax.Stmt:
		if s.isDropped(n) {
			return false
		}
		// Where a terminator was written (`a;` or `a` and a newline)
		// changes nothing.
		b.WriteByte('[')
		for _, f := range [...]bool{n.Negated, n.Background, n.Coprocess} {
			b.WriteString(strconv.FormatBool(f))
		}
		b.WriteByte(']')
	case *syntax.BinaryCmd:
		// The other operand takes the binary command's place in its
		// statement: only a plain one can.
		if n.Op == syntax.AndStmt {
			if elidedCall(s.p, n.Y) && plain(n.X) {
				syntax.Walk(n.X.Cmd, s.visit)
				return false
			}
			if elidedCall(s.p, n.X) && plain(n.Y) {
				syntax.Walk(n.Y.Cmd, s.visit)
				return false
			}
		}
		b.WriteString("(" + n.Op.String() + ")")
	case *syntax.Redirect:
		b.WriteString("<" + n.Op.String() + ">")
	case *syntax.Comment:
		return false
	}
	b.WriteString(reflect.TypeOf(n).Elem().Name())
	b.WriteByte(';')
	return true
}

// call writes a simple command known by its position, and the commands
// run inside its words; done is false for one whose arguments decide what
// it does (the walk goes on into them).
func (s *shape) call(n *syntax.CallExpr) (done bool) {
	id, k := s.p.Ident(n.Args[0].Pos())
	if k != Keep {
		s.ok = false
		return true
	}
	name := n.Args[0].Lit()
	if name == "" || native[name] || unmodelled[name] || name == "cd" || name == "exec" {
		return false
	}
	s.b.WriteString("{C")
	s.b.WriteString(id)
	s.b.WriteByte(' ')
	// Only commands run inside its words count, not the words.
	inWord := func(x syntax.Node) bool {
		switch x.(type) {
		case *syntax.CmdSubst, *syntax.ProcSubst:
			syntax.Walk(x, s.visit)
			return false
		}
		return true
	}
	for _, a := range n.Assigns {
		if a.Value != nil {
			syntax.Walk(a.Value, inWord)
		}
	}
	for _, w := range n.Args {
		syntax.Walk(w, inWord)
	}
	s.b.WriteByte('}')
	return true
}

// isDropped reports a statement dropped lists.
func (s *shape) isDropped(st *syntax.Stmt) bool {
	if !removedStmt(s.p, st) {
		return false
	}
	if !s.dropKnown {
		s.drop, s.dropKnown = dropped(s.p), true
	}
	return s.drop[st]
}

// elidedCall reports a statement that is nothing but a removed or added
// simple command (no redirections, negation, background or terminator)
// whose words expand to themselves: the interpreter expands the words of
// a removed or added command before it runs `true` in its place, and an
// expansion may run a command, assign (`${x:=y}`) or end the shell
// (`${x?}`, or any unset variable under nounset).
func elidedCall(p Program, st *syntax.Stmt) bool {
	k, ok := soleCall(p, st)
	return ok && k != Keep && !st.Semicolon.IsValid()
}

// soleCall reports a statement that is nothing but a simple command whose
// words expand to themselves (no redirection, negation or background),
// and how the program knows the command.
func soleCall(p Program, st *syntax.Stmt) (Kind, bool) {
	c, ok := st.Cmd.(*syntax.CallExpr)
	if !ok || len(c.Args) == 0 || len(st.Redirs) > 0 || st.Negated || st.Background || st.Coprocess || expands(c) {
		return Keep, false
	}
	_, k := p.Ident(c.Args[0].Pos())
	return k, true
}

// plain is a statement with no redirection, negation, background or
// terminator of its own.
func plain(st *syntax.Stmt) bool {
	return len(st.Redirs) == 0 && !st.Negated && !st.Background && !st.Coprocess && !st.Semicolon.IsValid()
}

// expands reports a node holding an expansion of a parameter, a command
// or arithmetic.
func expands(n syntax.Node) bool {
	return some(n, func(x syntax.Node) bool {
		switch x.(type) {
		case *syntax.ParamExp, *syntax.CmdSubst, *syntax.ProcSubst, *syntax.ArithmExp:
			return true
		}
		return false
	})
}
