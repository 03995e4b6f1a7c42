package equiv

import (
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// Tracing (`set -x`, in many RUNs) makes the interpreter build a printer
// for every command it runs and print each command to standard error,
// which the check discards. When nothing in a program can tell whether
// xtrace is on, each `set` that turns it on is followed by `+x`, and the
// program runs as before without the trace.
//
// What can tell, in mvdan.cc/sh/v3/interp: `$-` (and an indirect
// expansion that may name it), `[[ -o … ]]`, `shopt`, `set -o`/`set +o`
// without a name (they print the options), text run later (`eval`,
// `trap`) or a command whose name is not a literal (it may be any of
// those), and the trace itself where it can be read: standard error
// sent to standard output (`2>&1`, inside `$(…)` the output is captured)
// or to a process substitution. Pipes are never read: every command that
// reads its input is scripted. `test -o` and `[ -o … ]` are scripted too.

// traceBlind reports that nothing in f can tell whether xtrace is on.
func traceBlind(f *syntax.File) bool {
	return !some(f, func(n syntax.Node) bool {
		switch n := n.(type) {
		case *syntax.ParamExp:
			return n.Param == nil || n.Param.Value == "-" || n.Excl
		case *syntax.UnaryTest:
			return n.Op == syntax.TsOptSet
		case *syntax.Redirect:
			return n.N != nil && n.N.Value == "2" && (n.Op == syntax.DplOut || n.Op == syntax.DplIn)
		case *syntax.ProcSubst:
			return true
		case *syntax.DeclClause:
			return nameref(n)
		case *syntax.CallExpr:
			return len(n.Args) > 0 && !blindCall(n.Args)
		}
		return false
	})
}

// blindCall reports a command that cannot tell whether xtrace is on.
func blindCall(words []*syntax.Word) bool {
	switch name := words[0].Lit(); {
	case evaluates(name) || name == "shopt":
		return false
	case name == "set":
		args := []string{name}
		for _, w := range words[1:] {
			lit := w.Lit()
			if lit == "--" {
				break
			}
			if !plainWord(lit) {
				return false // it may expand to any options
			}
			args = append(args, lit)
		}
		_, ok := untrace(args)
		return ok
	}
	return true
}

// nameref reports a declaration that may make a name refer to `-`.
func nameref(d *syntax.DeclClause) bool {
	if d.Variant.Value == "nameref" {
		return true
	}
	for _, a := range d.Args {
		if !a.Naked || a.Value == nil {
			continue
		}
		lit := a.Value.Lit()
		if lit == "" || (lit[0] == '-' || lit[0] == '+') && strings.Contains(lit, "n") {
			return true
		}
	}
	return false
}

// untrace returns the arguments of a `set` command with `+x` after each
// option group that turns xtrace on (`set -eux` runs as `set -eux +x`).
// The options are read as the interpreter reads them: a group of
// letters, `-o NAME` taking the next argument, up to `--`, `-`, `+` or
// the first argument that is not an option; `+x` changes no parameter.
// ok is false when an `-o` or `+o` has no name: it prints the options,
// xtrace among them.
func untrace(args []string) (out []string, ok bool) {
	i, changed := 1, false
	for i < len(args) {
		a := args[i]
		if a == "--" || a == "-" || a == "+" || a == "" || a[0] != '-' && a[0] != '+' {
			break
		}
		next := i + 1 + strings.Count(a, "o")
		if next > len(args) {
			return args, false
		}
		on := a[0] == '-' && strings.Contains(a, "x")
		for _, name := range args[i+1 : next] {
			if name == "" {
				return args, false
			}
			on = on || a[0] == '-' && name == "xtrace"
		}
		out = append(out, args[i:next]...)
		if on {
			out, changed = append(out, "+x"), true
		}
		i = next
	}
	if !changed {
		return args, true
	}
	return append(append([]string{args[0]}, out...), args[i:]...), true
}

// plainWord is a literal that expands to itself: letters, digits, `-`,
// `+` and `_`.
func plainWord(s string) bool {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '+' || c == '_') {
			return false
		}
	}
	return s != ""
}
