package equiv

import (
	"slices"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// dropped returns the removed commands of a program that leave no trace
// in its shape, beyond those joined by `&&` (skeleton): statements of
// their own, each nothing but a removed simple command, which is assumed
// to succeed. Taking such a statement out of a list changes only the
// status the next statement starts with (`$?`, and `$_`, the last
// argument):
//   - in the middle of any list, when the next statement reads neither
//     (nor runs text that could: eval, source, trap, a command named by
//     an expansion, a function);
//   - at the end of the program, when errexit is on there for sure and
//     the statement before the removed ones ends the program when it
//     fails: it is a simple command or a pipeline, not negated. Then the
//     program either ends there with its status on both sides, or goes
//     on to succeed on both.
//
// Anything else (the end of a nested list, an option that may be off) is
// left to the interpreter, and so is a program that defines a function
// (asked last: most programs remove nothing).
func dropped(p Program) map[*syntax.Stmt]bool {
	out := map[*syntax.Stmt]bool{}
	syntax.Walk(p.File, func(n syntax.Node) bool {
		for _, list := range stmtLists(n) {
			for i := 0; i+1 < len(list); i++ {
				if removedStmt(p, list[i]) && !readsStatus(list[i+1]) {
					out[list[i]] = true
				}
			}
		}
		return true
	})
	top := p.File.Stmts
	j := len(top) - 1
	for j >= 0 && removedStmt(p, top[j]) {
		j--
	}
	if j >= 0 && j < len(top)-1 && failureEnds(top[j]) && errexitOn(p, top[:j]) {
		for _, st := range top[j+1:] {
			out[st] = true
		}
	}
	if len(out) == 0 || hasFuncs(p.File) {
		return nil
	}
	return out
}

// stmtLists are the lists of statements a node holds directly.
func stmtLists(n syntax.Node) [][]*syntax.Stmt {
	switch n := n.(type) {
	case *syntax.File:
		return [][]*syntax.Stmt{n.Stmts}
	case *syntax.Block:
		return [][]*syntax.Stmt{n.Stmts}
	case *syntax.Subshell:
		return [][]*syntax.Stmt{n.Stmts}
	case *syntax.IfClause:
		return [][]*syntax.Stmt{n.Cond, n.Then}
	case *syntax.WhileClause:
		return [][]*syntax.Stmt{n.Cond, n.Do}
	case *syntax.ForClause:
		return [][]*syntax.Stmt{n.Do}
	case *syntax.CaseItem:
		return [][]*syntax.Stmt{n.Stmts}
	case *syntax.CmdSubst:
		return [][]*syntax.Stmt{n.Stmts}
	case *syntax.ProcSubst:
		return [][]*syntax.Stmt{n.Stmts}
	}
	return nil
}

// removedStmt is a statement that is nothing but a removed simple command
// (soleCall; a terminator of its own is allowed).
func removedStmt(p Program, st *syntax.Stmt) bool {
	// The command's kind first: most are kept, and soleCall walks its
	// words.
	c, ok := st.Cmd.(*syntax.CallExpr)
	if !ok || len(c.Args) == 0 {
		return false
	}
	if _, k := p.Ident(c.Args[0].Pos()); k != Removed {
		return false
	}
	_, ok = soleCall(p, st)
	return ok
}

// readsStatus reports a statement that may read the status the statement
// before it left, or anything else that depends on what ran before
// (positional: the last argument, PIPESTATUS, …).
func readsStatus(st *syntax.Stmt) bool {
	return some(st, func(n syntax.Node) bool {
		switch n := n.(type) {
		case *syntax.ParamExp:
			// ${!name}: any variable.
			return n.Param == nil || n.Excl || n.Param.Value == "?" || positional[n.Param.Value]
		case *syntax.CallExpr:
			name, _, runs := called(n.Args)
			return runs && evaluates(name)
		}
		return false
	})
}

// called is the command a call runs, through `command` and `builtin`,
// and its arguments; runs is false for `command -v` (or -V), which only
// prints, and for no command at all.
func called(words []*syntax.Word) (name string, args []*syntax.Word, runs bool) {
	for len(words) > 0 {
		name = words[0].Lit()
		if name != "command" && name != "builtin" {
			return name, words[1:], true
		}
		words = words[1:]
		for len(words) > 0 && strings.HasPrefix(words[0].Lit(), "-") {
			opt := words[0].Lit()
			words = words[1:]
			if opt == "--" {
				break
			}
			if strings.ContainsAny(opt, "vV") {
				return "", nil, false
			}
		}
	}
	return "", nil, false
}

// failureEnds reports a statement that ends the program when it fails
// under errexit (not negated or in the background): a simple command, a
// pipeline, or a compound command each of whose bodies ends with such a
// statement. A compound's status is then its last body statement's or 0,
// and a failure that errexit ignores (`a && b` with a failing) cannot
// become it.
func failureEnds(st *syntax.Stmt) bool {
	if st.Negated || st.Background || st.Coprocess {
		return false
	}
	switch c := st.Cmd.(type) {
	case *syntax.CallExpr:
		return len(c.Args) > 0
	case *syntax.BinaryCmd:
		return c.Op == syntax.Pipe || c.Op == syntax.PipeAll
	case *syntax.Block:
		return lastEnds(c.Stmts)
	case *syntax.Subshell:
		return lastEnds(c.Stmts)
	case *syntax.ForClause:
		return lastEnds(c.Do)
	case *syntax.WhileClause:
		return lastEnds(c.Do)
	case *syntax.IfClause:
		for ic := c; ic != nil; ic = ic.Else {
			if !lastEnds(ic.Then) {
				return false
			}
		}
		return true
	case *syntax.CaseClause:
		for _, it := range c.Items {
			if !lastEnds(it.Stmts) {
				return false
			}
		}
		return true
	}
	return false
}

// lastEnds: an empty body leaves the status 0.
func lastEnds(body []*syntax.Stmt) bool {
	return len(body) == 0 || failureEnds(body[len(body)-1])
}

// errexitOn reports that errexit is on after the statements before: the
// shell's flags or one of those statements (a plain `set`) turn it on, and
// nothing in the program may turn it off (another `set` with options that
// are not literal, `+e`, `+o`, shopt, or text evaluated).
func errexitOn(p Program, before []*syntax.Stmt) bool {
	on := readOptions(p.Flags).errexit
	for _, st := range before {
		if c, ok := st.Cmd.(*syntax.CallExpr); ok && len(c.Args) > 0 && c.Args[0].Lit() == "set" && !st.Negated && !st.Background {
			args := literals(c.Args[1:])
			on = on || validOptions(args) && readOptions(args).errexit
		}
	}
	if !on {
		return false
	}
	return !some(p.File, func(n syntax.Node) bool {
		c, ok := n.(*syntax.CallExpr)
		if !ok || len(c.Args) == 0 {
			return false
		}
		name, args, runs := called(c.Args)
		switch {
		case !runs:
			return false
		case name == "set":
			lits := literals(args)
			o := readOptions(lits)
			return o.unknown || o.off || slices.ContainsFunc(lits, func(a string) bool { return !plainWord(a) })
		case name == "shopt":
			return true
		}
		return evaluates(name)
	})
}

// validOptions reports arguments every shell's `set` takes: groups of
// option letters, and options named after -o or +o. An invalid one may
// fail the `set` before it turns errexit on.
func validOptions(args []string) bool {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return true // the positional parameters follow
		case a == "-o" || a == "+o":
			i++
			if i == len(args) || !optionNames[args[i]] {
				return false
			}
		case len(a) < 2 || a[0] != '-' && a[0] != '+' || strings.Trim(a[1:], optionLetters+"o") != "":
			return false
		case strings.Contains(a, "o"): // its name follows
			i++
			if i == len(args) || !optionNames[args[i]] {
				return false
			}
		}
	}
	return true
}

const optionLetters = "abefhkmnptuvxBCEHPT"

var optionNames = map[string]bool{
	"allexport": true, "errexit": true, "noglob": true, "noclobber": true, "noexec": true,
	"nounset": true, "pipefail": true, "verbose": true, "xtrace": true,
}

func hasFuncs(f *syntax.File) bool {
	return some(f, func(n syntax.Node) bool {
		_, ok := n.(*syntax.FuncDecl)
		return ok
	})
}

// literals are the words' literal values ("" for a word that is not one).
func literals(words []*syntax.Word) []string {
	out := make([]string, len(words))
	for i, w := range words {
		out[i] = w.Lit()
	}
	return out
}
