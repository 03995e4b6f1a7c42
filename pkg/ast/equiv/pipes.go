package equiv

import (
	"slices"

	"mvdan.cc/sh/v3/syntax"
)

// The interpreter runs `X | Y` with an OS pipe: X in a copy of the shell,
// in a goroutine, writing to the pipe; Y in the shell itself, reading
// from it. Nothing reads the pipe here (every command that reads its
// input is scripted), so the pipe is two system calls to open and two to
// close, and the goroutine a scheduling round trip, on every run of
// every path: a third of a check's time over the corpus.
//
// Where it is exact, a pipeline runs as `{ ! ( X ) >&-; Y; }`: X in a
// subshell, its output discarded, its status ignored without ending the
// shell (`!` is not subject to errexit), then Y in the shell, whose
// status is the pipeline's. It is exact when
//   - no pipefail can be on (the status would be X's when Y succeeds);
//   - nothing reads the status left before Y ($?, PIPESTATUS, `exit` or
//     `return` without a literal status, a trap);
//   - X is a simple command that changes no variable (a subshell is an
//     overlay over the shell where the pipeline copies it: with a
//     variable set at both levels, the commands run inside would see it
//     twice), or such a pipeline: its words expand without assigning or
//     running commands, and it is a program or a built-in that only
//     prints (echo, printf without -v is not one of them, pwd, true,
//     false, :);
//   - no function is defined (X could call one) and nothing runs text or
//     a command named by an expansion (eval, trap, shopt, `$cmd`).
// The commands of X and Y run one after the other instead of together:
// the events are compared as a multiset, so only their numbering can
// differ, where the same command runs on both sides of a pipe — there
// the interpreter's order was a race.

// pipeSafe reports that the pipelines of a program may run without pipes.
func pipeSafe(f *syntax.File, flags []string) bool {
	if slices.Contains(flags, "pipefail") {
		return false
	}
	return !some(f, func(n syntax.Node) bool {
		switch n := n.(type) {
		case *syntax.ParamExp:
			return n.Param == nil || n.Param.Value == "?" || n.Param.Value == "PIPESTATUS" || n.Excl
		case *syntax.FuncDecl:
			return true
		case *syntax.CallExpr:
			return len(n.Args) > 0 && !pipeSafeCall(n.Args)
		}
		return false
	})
}

func pipeSafeCall(words []*syntax.Word) bool {
	switch name := words[0].Lit(); {
	case evaluates(name) || name == "shopt":
		return false
	case name == "exit" || name == "return":
		return len(words) == 2 && plainWord(words[1].Lit())
	case name == "set":
		for _, w := range words[1:] {
			if lit := w.Lit(); !plainWord(lit) || lit == "pipefail" {
				return false
			}
		}
	}
	return true
}

// printers are the built-ins run natively that change nothing but their
// output.
var printers = map[string]bool{"echo": true, "pwd": true, "true": true, "false": true, ":": true}

// pipeLeft reports that st may run as the left side of a pipe without
// one: a simple command, or such a pipeline, as pipeSafe says.
func pipeLeft(st *syntax.Stmt) bool {
	if st.Negated || st.Background || st.Coprocess || st.Disown {
		return false
	}
	switch c := st.Cmd.(type) {
	case *syntax.BinaryCmd:
		return c.Op == syntax.Pipe && pipeLeft(c.X) && pipeLeft(c.Y)
	case *syntax.CallExpr:
		if len(c.Args) == 0 || len(c.Assigns) > 0 {
			return false
		}
		name := c.Args[0].Lit()
		if name == "" || native[name] && !printers[name] || name == "cd" || name == "exec" || unmodelled[name] {
			return false
		}
	default:
		return false
	}
	plain := true
	syntax.Walk(st, func(n syntax.Node) bool {
		switch n := n.(type) {
		case *syntax.ParamExp:
			plain = n.Exp == nil && n.Repl == nil && n.Index == nil && n.Slice == nil && !n.Excl
		case *syntax.CmdSubst, *syntax.ProcSubst, *syntax.ArithmExp, *syntax.ExtGlob:
			plain = false
		}
		return plain
	})
	return plain
}

// withoutPipes returns the statements with each pipeline that may run
// without a pipe rewritten so; the nodes of f are shared, never changed.
// Only the pipelines of statement lists (the program's, blocks',
// subshells') and of && / || chains are rewritten; those inside other
// compound commands or inside words (`$(a | b)`) keep their pipe.
func withoutPipes(stmts []*syntax.Stmt) []*syntax.Stmt {
	var out []*syntax.Stmt
	for i, st := range stmts {
		if n := unpiped(st); n != st && out == nil {
			out = append(make([]*syntax.Stmt, 0, len(stmts)), stmts[:i]...)
			out = append(out, n)
		} else if out != nil {
			out = append(out, n)
		}
	}
	if out == nil {
		return stmts
	}
	return out
}

// unpiped returns st, or a copy of it whose pipelines run without pipes.
func unpiped(st *syntax.Stmt) *syntax.Stmt {
	var cmd syntax.Command
	switch c := st.Cmd.(type) {
	case *syntax.BinaryCmd:
		x, y := unpiped(c.X), unpiped(c.Y)
		if c.Op == syntax.Pipe && pipeLeft(c.X) {
			discard := &syntax.Redirect{Op: syntax.DplOut, Word: &syntax.Word{Parts: []syntax.WordPart{&syntax.Lit{Value: "-"}}}}
			left := &syntax.Stmt{Negated: true, Cmd: &syntax.Subshell{Stmts: []*syntax.Stmt{x}}, Redirs: []*syntax.Redirect{discard}}
			cmd = &syntax.Block{Stmts: []*syntax.Stmt{left, y}}
		} else if x != c.X || y != c.Y {
			c2 := *c
			c2.X, c2.Y = x, y
			cmd = &c2
		}
	case *syntax.Block:
		if s := withoutPipes(c.Stmts); !sameStmts(s, c.Stmts) {
			c2 := *c
			c2.Stmts = s
			cmd = &c2
		}
	case *syntax.Subshell:
		if s := withoutPipes(c.Stmts); !sameStmts(s, c.Stmts) {
			c2 := *c
			c2.Stmts = s
			cmd = &c2
		}
	}
	if cmd == nil {
		return st
	}
	st2 := *st
	st2.Cmd = cmd
	return &st2
}

func sameStmts(a, b []*syntax.Stmt) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}
