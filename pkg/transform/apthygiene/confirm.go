package apthygiene

import (
	"fmt"
	"slices"

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

// confirmTools are the tools that ask, by program name.
var confirmTools = func() map[string]*tools.Tool {
	m := map[string]*tools.Tool{}
	for _, t := range tools.All() {
		if t.Confirm != nil {
			for _, p := range t.Progs {
				m[p] = t
			}
		}
	}
	return m
}()

// askers lists the commands of a script that would ask: a known manager
// (run directly or through sudo), a literal line up to its subcommand,
// a subcommand that asks, and no answer on the line, in the stage's
// configuration, or from `yes |`.
func askers(s *ast.Script, mentions func(...string) bool) []asking {
	var out []asking
	for ci := range s.Commands {
		c := &s.Commands[ci]
		p := 0
		if len(c.Args) > 1 && c.Name == "sudo" {
			p = 1
		}
		if p >= len(c.Args) {
			continue
		}
		t := confirmTools[tools.Base(cacheplan.ProgBase(c.Args[p]))]
		if t == nil {
			continue
		}
		vals := make([]string, len(c.Args))
		for i, w := range c.Args {
			vals[i] = w.Value
		}
		l := t.Command.ParseValues(vals, p+1)
		if len(l.Pos) == 0 || !literalUpTo(c.Args, l.Pos[0]) {
			continue
		}
		sub := vals[l.Pos[0]]
		cf := t.Confirm
		if !cf.Asks(sub) || cf.AnswersYes(&t.Command, vals[p+1:]) || len(cf.Config) > 0 && mentions(cf.Config...) || inPipeFromYes(s, c) {
			continue
		}
		out = append(out, asking{tool: t, cmd: c, prog: p, sub: l.Pos[0], name: cacheplan.ProgBase(c.Args[p]) + " " + sub})
	}
	return out
}

func literalUpTo(words []ast.Word, i int) bool {
	return !slices.ContainsFunc(words[:i+1], func(w ast.Word) bool { return !w.Lit })
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

// asksAny reports a command of a manager that may ask (askers decides).
func asksAny(s *ast.Script) bool {
	for _, c := range s.Commands {
		for _, w := range c.Args[:min(2, len(c.Args))] {
			if confirmTools[tools.Base(cacheplan.ProgBase(w))] != nil {
				return true
			}
		}
	}
	return false
}
