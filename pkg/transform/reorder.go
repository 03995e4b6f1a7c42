package transform

import (
	"fmt"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/emit"
	"mvdan.cc/sh/v3/syntax"
)

// Reorder moves steps that provably do not read the copied files above the
// `COPY . <dest>` before them, so that a source change does not re-run
// them.
var Reorder = &Transform{
	Name:     "reorder",
	Doc:      "move steps that do not read the copied source (system packages, users, downloads to fixed paths) above `COPY . <dest>`",
	Run:      runReorder,
	Requires: []*Analysis{Movability},
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

func runReorder(p *Pass) []Finding {
	d := p.Doc
	mv := movesOf(p)
	var out []Finding
	for _, st := range d.Stages {
		list := st.Instructions
		for i := 0; i < len(list); i++ {
			c := list[i]
			if !isWholeCopy(c) || IgnoredAt(d, c.StartLine, c.EndLine, "reorder") {
				continue
			}
			at := attachedStart(d, c)
			fe := mv.fence(c)
			j := i + 1
		scan:
			for ; j < len(list); j++ {
				x := list[j]
				switch {
				case crossable[x.Cmd]:
				case x.Cmd == "copy" || x.Cmd == "add" || x.Cmd == "workdir":
					mv.cross(&fe, x)
				case x.Cmd == "run":
					if IgnoredAt(d, x.StartLine, x.EndLine, "reorder") {
						break scan
					}
					if why, named := mv.movable(fe, x, c); why != "" {
						if named && !runsInstall(mv.script(x)) {
							msg := fmt.Sprintf("not moved above %s: %s", insQuote(d, c), why)
							out = append(out, p.Finding("", x, msg))
						}
						break scan
					}
					del, text := moveOut(d, x)
					msg := fmt.Sprintf("moved above %s: it does not read the copied files, so source changes no longer re-run it", insQuote(d, c))
					out = append(out, p.Finding("", x, msg, carry(d, emit.Edit{Start: at, End: at, New: text}, x), del))
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
		if c, ok := n.(*syntax.CallExpr); ok && len(c.Args) > 0 && recognise(c) != nil {
			found = true
		}
		return !found
	})
	return found
}
