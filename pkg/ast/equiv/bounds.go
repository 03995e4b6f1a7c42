package equiv

import "mvdan.cc/sh/v3/syntax"

// withinBounds reports a program the interpreter explores to the end: at
// most maxPaths decision paths, maxCalls commands and a few steps per
// statement on each. It holds no loop or function (modelled), so each
// command runs at most once per path, and the paths are at most the
// leaves of the tree in which every command the interpreter scripts may
// succeed or fail (tree); on a joined program each side meets the same
// commands, the same choice points.
func withinBounds(f *syntax.File) bool {
	calls, stmts := 0, 0
	syntax.Walk(f, func(n syntax.Node) bool {
		switch n.(type) {
		case *syntax.CallExpr:
			calls++
		case *syntax.Stmt:
			stmts++
		}
		return true
	})
	return calls <= maxCalls && stmts <= maxSteps/8 && list(f.Stmts).total <= maxPaths
}

// tree bounds the leaves of a decision tree: all of them, and those that
// end with status 0 (ok) or not (failed). A leaf whose status is decided
// but not known here counts in both. Counts saturate past maxPaths.
type tree struct{ ok, failed, total int }

func capped(n int) int { return min(n, maxPaths+1) }

func leaves(ok, failed, total int) tree { return tree{capped(ok), capped(failed), capped(total)} }

func (t tree) times(n int) tree { return leaves(t.ok*n, t.failed*n, t.total*n) }

// list: every leaf of a statement goes on into the next; the last gives
// the status. A statement that ends the program (exit, errexit) ends its
// leaf: counting it as going on only counts more.
func list(stmts []*syntax.Stmt) tree {
	t := tree{ok: 1, total: 1}
	for _, st := range stmts {
		s := stmt(st)
		t = leaves(t.total*s.ok, t.total*s.failed, t.total*s.total)
	}
	return t
}

func stmt(st *syntax.Stmt) tree {
	t := command(st.Cmd)
	for _, r := range st.Redirs {
		t = t.times(substs(r))
	}
	if st.Negated {
		t.ok, t.failed = t.failed, t.ok
	}
	return t
}

// command: a command the interpreter scripts succeeds or fails after the
// substitutions in its words; one it runs itself (native), a test or a
// declaration has one status after them.
func command(c syntax.Command) tree {
	switch c := c.(type) {
	case *syntax.BinaryCmd:
		x, y := stmt(c.X), stmt(c.Y)
		switch c.Op {
		case syntax.AndStmt:
			return leaves(x.ok*y.ok, x.failed+x.ok*y.failed, x.failed+x.ok*y.total)
		case syntax.OrStmt:
			return leaves(x.ok+x.failed*y.ok, x.failed*y.failed, x.ok+x.failed*y.total)
		}
		n := x.total * y.total
		return leaves(n, n, n)
	case *syntax.Block:
		return list(c.Stmts)
	case *syntax.Subshell:
		return list(c.Stmts)
	case *syntax.IfClause:
		cond, then := list(c.Cond), list(c.Then)
		els := tree{ok: 1, total: 1}
		if c.Else != nil {
			els = command(c.Else)
		}
		return leaves(cond.ok*then.ok+cond.failed*els.ok, cond.ok*then.failed+cond.failed*els.failed,
			cond.ok*then.total+cond.failed*els.total)
	case *syntax.CaseClause:
		t := tree{ok: 1, total: 1} // no pattern matches
		for _, it := range c.Items {
			b := list(it.Stmts)
			t = leaves(t.ok+b.ok, t.failed+b.failed, t.total+b.total)
		}
		return t.times(substs(c)) // the word and patterns; the bodies' again: more
	case *syntax.CallExpr:
		n := substs(c)
		if len(c.Args) > 0 && !native[c.Args[0].Lit()] {
			return leaves(n, n, 2*n)
		}
	}
	n := substs(c)
	return leaves(n, n, n)
}

// substs is the number of leaves of the substitutions in a node (each
// runs at most once: its tree's leaves multiply).
func substs(n syntax.Node) int {
	total := 1
	if n == nil {
		return total
	}
	syntax.Walk(n, func(x syntax.Node) bool {
		if cs, ok := x.(*syntax.CmdSubst); ok {
			total = capped(total * list(cs.Stmts).total)
			return false
		}
		return true
	})
	return total
}
