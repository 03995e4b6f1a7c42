package reorder

import (
	"fmt"
	"strings"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/emit"
	"github.com/dfopt/dfopt/pkg/transform"
	"github.com/dfopt/dfopt/pkg/transform/moves"
	"mvdan.cc/sh/v3/syntax"
)

// split moves the first steps of RUN x, which cannot move as a whole,
// above the COPY: the longest run of leading steps that does work of its
// own (an install, a download), may move, leaves no system package work
// to the rest, and splits off x as a proven
// equivalent RUN (transform.SplitRun). It returns the steps that stay
// (nil when x is not split), and whether a split was refused (a finding
// says why).
func (s *scan) split(x *ast.Instruction) ([]*syntax.Stmt, bool) {
	sc := s.mv.Script(x)
	if sc == nil {
		return nil, false
	}
	steps := transform.TopSteps(sc.File)
	refused, part := "", ""
	for k := len(steps) - 1; k >= 1; k-- {
		head := stmtsOf(steps[:k])
		if !moves.DoesWork(head) || systemWork(stmtsOf(steps[k:])) {
			break
		}
		if why, _ := s.mv.MovableSteps(s.fe, x, s.c, head); why != "" {
			continue
		}
		first, del, why := transform.SplitRun(s.d, x, k)
		if why != "" {
			if refused == "" {
				refused, part = why, stepsQuote(sc, steps[:k])
			}
			continue
		}
		ins := emit.Edit{Start: s.at, End: s.at, New: first + s.d.EOL()}
		msg := fmt.Sprintf("split: its first part (%s) does not read the copied files and moved above %s%s, so source changes no longer re-run it; the rest stays", stepsQuote(sc, steps[:k]), transform.InsQuote(s.d, s.c), s.past())
		s.out = append(s.out, s.p.Finding("", x, msg, transform.Carry(s.d, ins, x), del))
		return stmtsOf(steps[k:]), false
	}
	if refused == "" {
		return nil, false
	}
	msg := fmt.Sprintf("not moved above %s: its first part (%s) does not read the copied files, but the RUN is not split there: %s", transform.InsQuote(s.d, s.c), part, refused)
	s.out = append(s.out, s.p.Finding("", x, msg))
	return nil, true
}

// systemWork reports statements that install or clean system packages:
// when the rest of a RUN does, the first part stays with it (an index
// update belongs with its install, and a cleanup in a later layer would
// not shrink the image).
func systemWork(list []*syntax.Stmt) bool {
	found := false
	for _, st := range list {
		syntax.Walk(st, func(n syntax.Node) bool {
			if c, ok := n.(*syntax.CallExpr); ok && len(c.Args) > 0 && transform.CallKind(c) == transform.KindSystem {
				found = true
			}
			return !found
		})
	}
	return found
}

func stmtsOf(steps []transform.Step) []*syntax.Stmt {
	out := make([]*syntax.Stmt, len(steps))
	for i, st := range steps {
		out[i] = st.Stmt
	}
	return out
}

// stepsQuote quotes steps for a message, shortened like InsQuote.
func stepsQuote(sc *ast.Script, steps []transform.Step) string {
	from := steps[0].Stmt.Pos().Offset()
	to := steps[len(steps)-1].Stmt.End().Offset()
	t := strings.TrimRight(strings.Join(strings.Fields(strings.ReplaceAll(sc.Text[from:to], "\\\n", " ")), " "), "; ")
	if len(t) > 60 {
		t = t[:57] + "…"
	}
	return "`" + t + "`"
}
