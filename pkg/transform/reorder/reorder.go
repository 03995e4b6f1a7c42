// Package reorder is the rule reorder: steps that do not read the copied
// source move above the COPY.
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
	var mv *moves.Result // read when a stage copies the whole context
	var out []transform.Finding
	for _, st := range d.Stages {
		list := st.Instructions
		for i := 0; i < len(list); i++ {
			c := list[i]
			if !isWholeCopy(c) || transform.IgnoredAt(d, c.StartLine, c.EndLine, "reorder") {
				continue
			}
			if mv == nil {
				mv = moves.Of(p)
			}
			s := &scan{p: p, d: d, mv: mv, c: c, at: transform.AttachedStart(d, c), fe: mv.Fence(c)}
			j := s.over(list, i+1)
			out = append(out, s.out...)
			i = j - 1
		}
	}
	return out
}

// scan moves the steps after one `COPY . <dest>` above it.
type scan struct {
	p      *transform.Pass
	d      *ast.Document
	mv     *moves.Result
	c      *ast.Instruction // the COPY
	at     int              // where moved steps go
	fe     moves.FreeEnv    // what they must be free of
	stayed []string         // the RUNs that stay, quoted with their line, that later steps cross
	// blocked says why no later step moves: a RUN stays whose files
	// dfopt does not know.
	blocked string
	out     []transform.Finding
}

// over looks at the instructions of list from j on, and returns the
// index of the first one no step may cross.
func (s *scan) over(list []*ast.Instruction, j int) int {
	for ; j < len(list); j++ {
		x := list[j]
		switch {
		case transform.Crossable[x.Cmd]:
		case isWholeCopy(x) && (s.blocked != "" || len(s.stayed) > 0):
			return j // a RUN stays before it: it starts a scan of its own
		case x.Cmd == "copy" || x.Cmd == "add" || x.Cmd == "workdir":
			s.mv.Cross(&s.fe, x)
			s.mv.CrossWrites(&s.fe, x)
		case x.Cmd == "run":
			if !s.run(x) {
				return j
			}
		default:
			return j
		}
	}
	return j
}

// run moves RUN x above the COPY when it may, or the first part of it
// (split.go); otherwise x stays, and later steps may cross it when what
// it touches is known (moves.Footprint). It reports whether the scan
// goes on.
func (s *scan) run(x *ast.Instruction) bool {
	d := s.d
	if transform.IgnoredAt(d, x.StartLine, x.EndLine, "reorder") {
		return false
	}
	why, named := s.mv.Movable(s.fe, x, s.c)
	if s.blocked != "" {
		if why == "" {
			msg := fmt.Sprintf("not moved above %s: it does not read the copied files, but %s", transform.InsQuote(d, s.c), s.blocked)
			s.out = append(s.out, s.p.Finding("", x, msg))
		}
		return true
	}
	if why == "" {
		del, text := transform.MoveOut(d, x)
		msg := fmt.Sprintf("moved above %s%s: it does not read the copied files, so source changes no longer re-run it", transform.InsQuote(d, s.c), s.past())
		s.out = append(s.out, s.p.Finding("", x, msg, transform.Carry(d, emit.Edit{Start: s.at, End: s.at, New: text}, x), del))
		return true
	}
	rest, tried := s.split(x)
	if rest == nil && !tried && named && !runsInstall(s.mv.Script(x)) {
		msg := fmt.Sprintf("not moved above %s: %s", transform.InsQuote(d, s.c), why)
		s.out = append(s.out, s.p.Finding("", x, msg))
	}
	return s.stay(x, rest)
}

// stay records that RUN x (its statements rest, all when nil) stays: a
// later step may cross it when what it touches is known; otherwise no
// later step moves, and those that would are told why.
func (s *scan) stay(x *ast.Instruction, rest []*syntax.Stmt) bool {
	quote := fmt.Sprintf("%s (line %d)", transform.InsQuote(s.d, x), x.StartLine)
	fp, why := s.mv.Footprint(x, rest)
	if why != "" {
		if s.blocked == "" {
			// The reason names the other RUN's commands: the finding
			// only says where it is.
			s.blocked = fmt.Sprintf("the RUN on line %d stays, and no step moves past it: dfopt does not know all the files it reads and writes", x.StartLine)
		}
		return true
	}
	s.mv.CrossRun(&s.fe, fp)
	s.stayed = append(s.stayed, quote)
	return true
}

// past names the RUNs that stay and that a moved step crosses.
func (s *scan) past() string {
	if len(s.stayed) == 0 {
		return ""
	}
	return " and past " + strings.Join(s.stayed, ", ") + ", whose files it does not touch"
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
