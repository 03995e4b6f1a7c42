package equiv

import (
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// observed returns the commands (by the position of their name) whose
// exit status can change what runs next or the status of the program;
// nil means every command's. Only those are choice points of the
// enumeration: a command in the middle of a pipeline, a statement followed
// by another in a list, or one run inside `$(…)` as an argument cannot
// matter. Under errexit every statement of a list counts, under pipefail
// every command of a pipeline; when the program reads `$?` or PIPESTATUS,
// traps errors, evaluates text, or sets options that are not literal,
// every command counts.
//
// Missing a command here would make the check unsound, so anything not
// understood counts as observed.
func observed(f *syntax.File, flags []string) map[syntax.Pos]bool {
	o := &observer{marks: map[syntax.Pos]bool{}}
	global := o.options(flags)
	syntax.Walk(f, func(n syntax.Node) bool {
		switch n := n.(type) {
		case *syntax.ParamExp:
			if n.Param != nil && (n.Param.Value == "?" || n.Param.Value == "PIPESTATUS") {
				global = true
			}
		case *syntax.CallExpr:
			if len(n.Args) > 0 {
				switch name := n.Args[0].Lit(); {
				case name == "set" || name == "shopt":
					global = global || o.options(literals(n.Args[1:]))
				case evaluates(name):
					global = true
				}
			}
		}
		return !global
	})
	if global {
		return nil
	}
	o.list(f.Stmts, true)
	return o.marks
}

// options reads shell options as `set` takes them, noting errexit and
// pipefail; unknown is true for an option that is not a literal.
func (o *observer) options(args []string) (unknown bool) {
	r := readOptions(args)
	o.pipefail = o.pipefail || r.pipefail
	o.errexit = o.errexit || r.errexit || r.named // +o errexit too
	return r.unknown
}

// shellOptions is what the arguments of `set` (or a shell's flags) do to
// the options the check follows.
type shellOptions struct {
	pipefail bool // -o pipefail or +o pipefail: it may be on after
	errexit  bool // -e in a group of letters, -o errexit: on after
	off      bool // +e in a group, +o errexit: errexit may be off after
	named    bool // -o errexit or +o errexit
	unknown  bool // a word that is not a literal
}

func readOptions(args []string) shellOptions {
	var r shellOptions
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "":
			r.unknown = true
			return r
		case a == "-o" || a == "+o":
			if i+1 < len(args) {
				i++
				switch args[i] {
				case "pipefail":
					r.pipefail = true
				case "errexit":
					r.errexit = r.errexit || a == "-o"
					r.off = r.off || a == "+o"
					r.named = true
				case "":
					r.unknown = true
					return r
				}
			}
		case strings.HasPrefix(a, "-") && a != "--" && strings.Contains(a, "e"):
			r.errexit = true
		case strings.HasPrefix(a, "+") && strings.Contains(a, "e"):
			r.off = true
		}
	}
	return r
}

type observer struct {
	marks             map[syntax.Pos]bool
	pipefail, errexit bool
}

// list: only the last statement of a list gives the list its status;
// under errexit each may end the program.
func (o *observer) list(stmts []*syntax.Stmt, obs bool) {
	for i, st := range stmts {
		o.stmt(st, o.errexit || obs && i == len(stmts)-1)
	}
}

func (o *observer) stmt(st *syntax.Stmt, obs bool) {
	if st == nil {
		return
	}
	if st.Background || st.Coprocess {
		obs = true // `wait` may read it
	}
	for _, r := range st.Redirs {
		o.words(r, false)
	}
	o.cmd(st.Cmd, obs)
}

func (o *observer) cmd(c syntax.Command, obs bool) {
	switch c := c.(type) {
	case nil:
	case *syntax.CallExpr:
		if len(c.Args) > 0 && obs {
			o.marks[c.Args[0].Pos()] = true
		}
		for _, a := range c.Assigns {
			// `x=$(cmd)` alone has the status of cmd.
			o.words(a, obs && len(c.Args) == 0)
		}
		for _, w := range c.Args {
			o.words(w, false)
		}
	case *syntax.BinaryCmd:
		switch c.Op {
		case syntax.AndStmt, syntax.OrStmt:
			o.stmt(c.X, true)
		default: // a pipe: the last command's status, or any under pipefail
			o.stmt(c.X, obs && o.pipefail)
		}
		o.stmt(c.Y, obs)
	case *syntax.Block:
		o.list(c.Stmts, obs)
	case *syntax.Subshell:
		o.list(c.Stmts, obs)
	case *syntax.IfClause:
		for ic := c; ic != nil; ic = ic.Else {
			o.list(ic.Cond, true)
			o.list(ic.Then, obs)
		}
	case *syntax.WhileClause:
		o.list(c.Cond, true)
		o.list(c.Do, obs)
	case *syntax.ForClause:
		o.words(c.Loop, false)
		o.list(c.Do, obs)
	case *syntax.CaseClause:
		o.words(c.Word, false)
		for _, it := range c.Items {
			o.list(it.Stmts, obs)
		}
	default:
		// Functions, tests, arithmetic, declarations, anything else:
		// every command inside counts.
		syntax.Walk(c, func(n syntax.Node) bool {
			if ce, ok := n.(*syntax.CallExpr); ok && len(ce.Args) > 0 {
				o.marks[ce.Args[0].Pos()] = true
			}
			return true
		})
	}
}

// words handles the command substitutions inside a node: their commands
// count only when obs says the node's status is theirs.
func (o *observer) words(n syntax.Node, obs bool) {
	if n == nil {
		return
	}
	syntax.Walk(n, func(x syntax.Node) bool {
		switch x := x.(type) {
		case *syntax.CmdSubst:
			o.list(x.Stmts, obs)
			return false
		case *syntax.ProcSubst:
			o.list(x.Stmts, false)
			return false
		}
		return true
	})
}
