package mergeruns

import (
	"fmt"
	"strings"

	"mvdan.cc/sh/v3/syntax"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/emit"
	"github.com/dfopt/dfopt/pkg/knowledge/tools"
	"github.com/dfopt/dfopt/pkg/transform"
)

// One index refresh per merged RUN: RUNs that each start with
// `apt-get update` give, once joined, a RUN that downloads the same index
// two or three times. A later refresh is dropped when it repeats an
// earlier one of the join (the same command line) and every command
// between them is known to leave the sources alone (the tools' Index: an
// install of packages named literally, none of which brings sources or
// keys; the manager's clean). A removal of the index between the two
// goes with the later refresh. Anything else between (an unknown
// command, a package list that is not literal, `||`, `;`) keeps it. The
// commands must run in one `&&` chain, so that the earlier refresh
// succeeded whenever the later one runs. The chain proves the rest: the
// same commands run with the same status, the dropped ones counting as
// succeeding.

// drop is a command the merge removes.
type drop struct {
	ins  *ast.Instruction
	call *syntax.CallExpr
	name string // the refresh, as the finding names it
}

// fresh is the index refresh a point of the join runs under.
type fresh struct {
	tool    *tools.Tool
	line    string // the refresh's words after the program
	run     int    // the RUN of the join it is in
	removed []drop // removals of the index since
}

// repeatedRefreshes lists the refreshes (and index removals) of runs that
// the join makes redundant.
func repeatedRefreshes(sh *transform.Scripts, runs []*ast.Instruction) []drop {
	var out []drop
	var cur *fresh
	for k, ins := range runs {
		s := sh.Of(ins)
		if s == nil || !andChain(s) {
			cur = nil
			continue
		}
		for ci := range s.Commands {
			c := &s.Commands[ci]
			cur, out = step(cur, out, k, ins, c)
		}
	}
	return out
}

// step moves the state over one command.
func step(cur *fresh, out []drop, k int, ins *ast.Instruction, c *ast.Command) (*fresh, []drop) {
	tc, ok := tools.CommandOf(c.Args, func(t *tools.Tool) bool { return t.Index != nil })
	if !ok {
		if cur != nil && len(c.Assigns) == 0 && removesIndex(c, cur.tool.Index.Lists) {
			cur.removed = append(cur.removed, drop{ins: ins, call: c.Call})
			return cur, out
		}
		return nil, out
	}
	x := tc.Tool.Index
	line := x.RefreshLine(tc)
	switch {
	case contains(x.Refresh, tc.Sub()):
		if len(c.Assigns) > 0 || !tc.Line.Lit {
			return nil, out
		}
		if cur != nil && cur.tool == tc.Tool && cur.line == line && cur.run < k {
			out = append(out, cur.removed...)
			out = append(out, drop{ins: ins, call: c.Call, name: tc.Vals[tc.Prog] + " " + tc.Sub()})
			cur.removed = nil
			return cur, out
		}
		return &fresh{tool: tc.Tool, line: line, run: k}, out
	case cur != nil && cur.tool == tc.Tool && len(cur.removed) == 0 && safeAssigns(c) && x.NeutralInstall(c.Args, tc):
		return cur, out
	}
	return nil, out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// safeAssigns: the command's own variables do not configure the manager
// (DEBIAN_FRONTEND=noninteractive is fine; APT_CONFIG is not).
func safeAssigns(c *ast.Command) bool {
	for _, a := range c.Assigns {
		name, _, _ := strings.Cut(a, "=")
		if strings.HasPrefix(name, "APT") || strings.HasPrefix(name, "APK") {
			return false
		}
	}
	return true
}

// removesIndex reports `rm -rf LISTS/*` (or the folder itself).
func removesIndex(c *ast.Command, lists string) bool {
	if c.Name != "rm" || len(c.Args) < 2 {
		return false
	}
	paths := 0
	for _, w := range c.Args[1:] {
		switch v := strings.TrimRight(w.Value, "/"); {
		case !w.Lit:
			return false
		case strings.HasPrefix(v, "-"):
			if strings.Trim(v, "-rRf") != "" {
				return false
			}
		case v == lists || v == lists+"/*":
			paths++
		default:
			return false
		}
	}
	return paths > 0
}

// andChain reports a body that is one statement of simple commands
// joined by `&&` only.
func andChain(s *ast.Script) bool {
	if len(s.File.Stmts) != 1 {
		return false
	}
	st := s.File.Stmts[0]
	if st.Negated || st.Background || st.Coprocess {
		return false
	}
	var ok func(c syntax.Command) bool
	ok = func(c syntax.Command) bool {
		switch c := c.(type) {
		case *syntax.CallExpr:
			return true
		case *syntax.BinaryCmd:
			return c.Op == syntax.AndStmt && plain(c.X) && plain(c.Y) && ok(c.X.Cmd) && ok(c.Y.Cmd)
		}
		return false
	}
	return ok(st.Cmd)
}

func plain(st *syntax.Stmt) bool {
	return !st.Negated && !st.Background && !st.Coprocess && len(st.Redirs) == 0
}

// splitJoin turns JoinRuns's edit (one replacement of all the RUNs) into
// edits between the bodies, which stay in place, so that edits inside a
// body (the dropped refreshes) fit beside them. ok is false when the
// text is not the bodies in order with separators between.
func splitJoin(d *ast.Document, runs []*ast.Instruction, join emit.Edit) ([]emit.Edit, bool) {
	t0 := runs[0].Text(d)
	if !strings.HasPrefix(join.New, t0) {
		return nil, false
	}
	var edits []emit.Edit
	pos, after := len(t0), ""
	for k := 1; k < len(runs); k++ {
		body := string(d.Src[runs[k].ArgsStart:runs[k].Span.End])
		i := strings.Index(join.New[pos:], body)
		if i < 0 {
			return nil, false
		}
		between := join.New[pos : pos+i]
		edits = append(edits, emit.Edit{Start: runs[k-1].Span.End, End: runs[k].ArgsStart, New: after + between})
		pos += i + len(body)
		after = ""
		if strings.HasSuffix(between, "{ ") {
			switch {
			case strings.HasPrefix(join.New[pos:], "; }"):
				after = "; }"
			case strings.HasPrefix(join.New[pos:], " }"):
				after = " }"
			default:
				return nil, false
			}
			pos += len(after)
		}
	}
	if pos != len(join.New) {
		return nil, false
	}
	last := runs[len(runs)-1]
	if after != "" {
		edits = append(edits, emit.Edit{Start: last.Span.End, End: last.Span.End, New: after})
	}
	// The split edits must write what the one edit writes.
	a, err1 := emit.Apply(d.Src, []emit.Edit{join})
	b, err2 := emit.Apply(d.Src, edits)
	if err1 != nil || err2 != nil || string(a) != string(b) {
		return nil, false
	}
	return edits, true
}

// withoutRepeats returns the join's edits with the repeated refreshes
// dropped, the first one's text and how many; ok is false when there is
// none to drop or one cannot be removed as text.
func withoutRepeats(d *ast.Document, sh *transform.Scripts, runs []*ast.Instruction, join emit.Edit) (edits []emit.Edit, name string, n int, ok bool) {
	drops := repeatedRefreshes(sh, runs)
	if len(drops) == 0 {
		return nil, "", 0, false
	}
	if edits, ok = splitJoin(d, runs, join); !ok {
		return nil, "", 0, false
	}
	for _, dr := range drops {
		e, ok := transform.RemoveCommand(d, dr.ins, sh.Of(dr.ins), dr.call)
		if !ok || e.New != "" {
			return nil, "", 0, false
		}
		edits = append(edits, e)
		if dr.name != "" {
			n++
			if name == "" {
				name = dr.name
			}
		}
	}
	if _, err := emit.Apply(d.Src, edits); err != nil {
		return nil, "", 0, false
	}
	return edits, name, n, true
}

// times notes how many commands were dropped.
func times(n int) string {
	if n < 2 {
		return ""
	}
	return fmt.Sprintf(" (%d commands)", n)
}
