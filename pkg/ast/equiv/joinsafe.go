package equiv

import (
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// What sameJoin asks of the programs it answers for, without running
// them.

// shellState are the built-ins, beyond those the interpreter runs itself
// (native), that change the shell for the commands after them, or end
// it: the interpreter scripts some of them, a shell runs them.
var shellState = map[string]bool{
	"cd": true, "pushd": true, "popd": true, "exec": true, "read": true,
	"mapfile": true, "readarray": true, "hash": true, "ulimit": true,
	"enable": true, "source": true, ".": true, "kill": true, "disown": true,
	"bind": true, "fc": true, "history": true, "dirs": true,
	"complete": true, "compopt": true, "suspend": true, "logout": true,
}

// pure are the built-ins the interpreter runs that change nothing but
// their output and status (printf without -v).
var pure = map[string]bool{"echo": true, "printf": true, "true": true, "false": true, ":": true, "pwd": true}

// positional are the variables whose value depends on where or when a
// command runs: the command before it, the line, the clock, the process.
var positional = map[string]bool{
	"_": true, "PIPESTATUS": true, "BASH_COMMAND": true, "LINENO": true,
	"BASH_LINENO": true, "RANDOM": true, "SRANDOM": true, "SECONDS": true,
	"EPOCHREALTIME": true, "EPOCHSECONDS": true, "BASHPID": true, "HISTCMD": true,
}

// leavesNoState reports that a program leaves nothing in its shell that
// a later program could see, and does not end the shell early on
// purpose. Inside a subshell or a substitution anything goes.
func leavesNoState(f *syntax.File) bool {
	return !someOutside(f, func(n syntax.Node) bool {
		switch n := n.(type) {
		case *syntax.DeclClause:
			return true
		case *syntax.ParamExp:
			return n.Exp != nil && (n.Exp.Op == syntax.AssignUnset || n.Exp.Op == syntax.AssignUnsetOrNull)
		case *syntax.CallExpr:
			return changesShell(n)
		}
		return false
	})
}

// changesShell reports a simple command that may change the shell it
// runs in: an assignment, a built-in that changes the shell or ends it,
// printf -v, a command named by an expansion, or a special built-in
// (`:`) with assignments, which POSIX shells keep.
func changesShell(c *syntax.CallExpr) bool {
	if len(c.Args) == 0 {
		return len(c.Assigns) > 0
	}
	name, args, runs := called(c.Args)
	switch {
	case !runs:
		return false
	case name == "" || shellState[name] || native[name] && !pure[name]:
		return true
	case name == "printf":
		return len(args) == 0 || strings.HasPrefix(args[0].Lit(), "-v") || args[0].Lit() == ""
	}
	return name == ":" && len(c.Assigns) > 0
}

// modelled reports a program the interpreter runs to the end without an
// error of its own, in which nothing reads where or when it runs
// (positional), nothing runs text or a command the program does not
// show, and no loop or function makes a command run more than once.
func modelled(f *syntax.File) bool {
	return !some(f, func(n syntax.Node) bool {
		switch n := n.(type) {
		case *syntax.Stmt:
			return n.Background || n.Coprocess || n.Disown
		case *syntax.CallExpr:
			name, _, runs := called(n.Args)
			return runs && len(n.Args) > 0 && (evaluates(name) || unmodelled[name] || name == "alias")
		case *syntax.ParamExp:
			return n.Excl || n.Names != 0 || n.Index != nil || n.Slice != nil || n.Param == nil || positional[n.Param.Value]
		case *syntax.Assign:
			return n.Index != nil
		case *syntax.DeclClause:
			return nameref(n)
		case *syntax.Redirect:
			return n.N != nil && strings.Trim(n.N.Value, "0123456789") != ""
		case *syntax.CaseItem:
			return n.Op != syntax.Break
		case *syntax.BinaryTest:
			return arithmTest(n.Op)
		case *syntax.UnaryTest:
			return n.Op == syntax.TsVarSet || n.Op == syntax.TsRefVar
		case *syntax.WhileClause, *syntax.ForClause, *syntax.FuncDecl, *syntax.ArithmCmd,
			*syntax.ArithmExp, *syntax.LetClause, *syntax.CoprocClause, *syntax.ProcSubst,
			*syntax.ExtGlob, *syntax.TimeClause, *syntax.TestDecl:
			return true
		}
		return false
	})
}

// arithmTest are the operators of [[ ]] that evaluate their operands as
// arithmetic (which may assign or read any variable), and =~, which sets
// BASH_REMATCH.
func arithmTest(op syntax.BinTestOperator) bool {
	switch op {
	case syntax.TsEql, syntax.TsNeq, syntax.TsLeq, syntax.TsGeq, syntax.TsLss, syntax.TsGtr, syntax.TsReMatch:
		return true
	}
	return false
}

// exitTransparent reports a statement whose failure under errexit ends
// the program with the same status whether it stands alone or on the left
// of `&&`: simple commands and pipelines of them, joined by && and ||,
// with no substitution (whose subshell would inherit the ignoring).
func exitTransparent(st *syntax.Stmt) bool {
	if st.Background || st.Coprocess || some(st, func(n syntax.Node) bool {
		switch n.(type) {
		case *syntax.CmdSubst, *syntax.ProcSubst:
			return true
		}
		return false
	}) {
		return false
	}
	switch c := st.Cmd.(type) {
	case *syntax.CallExpr:
		return len(c.Args) > 0
	case *syntax.BinaryCmd:
		return exitTransparent(c.X) && exitTransparent(c.Y)
	}
	return false
}
