package apthygiene

import (
	"fmt"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/emit"
	"github.com/dfopt/dfopt/pkg/knowledge/tools"
	"github.com/dfopt/dfopt/pkg/transform"
	"github.com/dfopt/dfopt/pkg/transform/cacheplan"
)

// The confirmation prompt of system package managers (the tools'
// Confirm: apt-get -y, dnf/yum/microdnf -y, zypper -n): a build has no
// terminal, so a command that asks stops the build.

// asking is a command of a RUN that asks for confirmation.
type asking struct {
	tool *tools.Tool
	cmd  *ast.Command
	prog int    // index of the program word in cmd.Args
	sub  int    // index of the subcommand word
	name string // "dnf install", as findings name it
}

// askers lists the commands of a script that would ask: a known manager
// (run directly or through sudo), a literal line up to its subcommand,
// a subcommand that asks, and no answer on the line, in the stage's
// configuration, or from `yes |`.
func askers(s *ast.Script, mentions func(...string) bool) []asking {
	var out []asking
	for ci := range s.Commands {
		c := &s.Commands[ci]
		tc, ok := tools.CommandOf(c.Args, asks)
		if !ok || len(tc.Line.Pos) == 0 {
			continue
		}
		cf := tc.Tool.Confirm
		if !cf.Asks(tc.Sub()) || cf.AnswersYes(&tc.Tool.Command, tc.Vals[tc.Prog+1:]) || len(cf.Config) > 0 && mentions(cf.Config...) || inPipeFromYes(s, c) {
			continue
		}
		out = append(out, asking{tool: tc.Tool, cmd: c, prog: tc.Prog, sub: tc.Line.Pos[0], name: cacheplan.ProgBase(c.Args[tc.Prog]) + " " + tc.Sub()})
	}
	return out
}

// confirmFix is the finding that adds the answer (-y, or zypper's global
// -n) to every command of the RUN that would ask.
func (h *ahPass) confirmFix(r *ahRun, mentions func(...string) bool) (transform.Finding, bool) {
	as := askers(r.script, mentions)
	if len(as) == 0 {
		return transform.Finding{}, false
	}
	var edits []emit.Edit
	for _, a := range as {
		at := a.cmd.Args[a.sub]
		if a.tool.Confirm.Global {
			at = a.cmd.Args[a.prog]
		}
		edits = append(edits, emit.Edit{Start: at.Span.End, End: at.Span.End, New: " " + a.tool.Confirm.Add})
	}
	first := as[0]
	msg := fmt.Sprintf("`%s` without %s: the build stops at the confirmation prompt%s", first.name, first.tool.Confirm.Add, times(len(as)))
	return h.p.Finding(transform.AptHygieneRule, r.ins, msg, edits...), true
}

func asks(t *tools.Tool) bool { return t.Confirm != nil }

// asksAny reports a command of a manager that may ask (askers decides).
func asksAny(s *ast.Script) bool {
	for _, c := range s.Commands {
		if _, ok := tools.CommandOf(c.Args, asks); ok {
			return true
		}
	}
	return false
}
