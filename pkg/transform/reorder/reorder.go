// Package reorder is the rule reorder: steps that do not read the copied
// source move above the COPY.
package reorder

import (
	"fmt"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/emit"
	"github.com/dfopt/dfopt/pkg/transform"
	"github.com/dfopt/dfopt/pkg/transform/moves"
	"mvdan.cc/sh/v3/syntax"
)

// Rule moves steps that provably do not read the copied files above the
// `COPY . <dest>` before them, so that a source change does not re-run
// them.
var Rule = &transform.Transform{
	Name:     "reorder",
	Doc:      "move steps that do not read the copied source (system packages, users, downloads to fixed paths) above `COPY . <dest>`",
	Run:      runReorder,
	Requires: []*transform.Analysis{moves.Analysis},
}

// isWholeCopy reports whether ins copies the whole build context: COPY or
// ADD of `.` from the context.
func isWholeCopy(ins *ast.Instruction) bool {
	if (ins.Cmd != "copy" && ins.Cmd != "add") || len(ins.Heredocs) > 0 || len(ins.Args) != 2 {
		return false
	}
	if ins.Flag("from") != nil || ins.Flag("parents") != nil {
		return false
	}
	src := ins.Args[0]
	return src == "." || src == "./"
}

func runReorder(p *transform.Pass) []transform.Finding {
	d := p.Doc
	mv := moves.Of(p)
	var out []transform.Finding
	for _, st := range d.Stages {
		list := st.Instructions
		for i := 0; i < len(list); i++ {
			c := list[i]
			if !isWholeCopy(c) || transform.IgnoredAt(d, c.StartLine, c.EndLine, "reorder") {
				continue
			}
			at := transform.AttachedStart(d, c)
			fe := mv.Fence(c)
			j := i + 1
		scan:
			for ; j < len(list); j++ {
				x := list[j]
				switch {
				case transform.Crossable[x.Cmd]:
				case x.Cmd == "copy" || x.Cmd == "add" || x.Cmd == "workdir":
					mv.Cross(&fe, x)
				case x.Cmd == "run":
					if transform.IgnoredAt(d, x.StartLine, x.EndLine, "reorder") {
						break scan
					}
					if why, named := mv.Movable(fe, x, c); why != "" {
						if named && !runsInstall(mv.Script(x)) {
							msg := fmt.Sprintf("not moved above %s: %s", transform.InsQuote(d, c), why)
							out = append(out, p.Finding("", x, msg))
						}
						break scan
					}
					del, text := transform.MoveOut(d, x)
					msg := fmt.Sprintf("moved above %s: it does not read the copied files, so source changes no longer re-run it", transform.InsQuote(d, c))
					out = append(out, p.Finding("", x, msg, transform.Carry(d, emit.Edit{Start: at, End: at, New: text}, x), del))
				default:
					break scan
				}
			}
			i = j - 1
		}
	}
	return out
}

// runsInstall reports a RUN that runs a dependency install of an
// ecosystem: hoist-deps speaks for it.
func runsInstall(sc *ast.Script) bool {
	found := false
	if sc == nil {
		return false
	}
	syntax.Walk(sc.File, func(n syntax.Node) bool {
		if c, ok := n.(*syntax.CallExpr); ok && len(c.Args) > 0 && transform.Recognise(c) != nil {
			found = true
		}
		return !found
	})
	return found
}
