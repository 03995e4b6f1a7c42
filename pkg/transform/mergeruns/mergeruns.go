// Package mergeruns is the rule merge-runs: consecutive RUNs of the same
// kind of work become one.
package mergeruns

import (
	"fmt"
	"sort"
	"strings"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/emit"
	"github.com/dfopt/dfopt/pkg/transform"
)

// Rule merges consecutive RUNs of a stage into one when that cannot
// change the result: same flags, same kind of work, and no shell state
// that the later body would inherit differently.
var Rule = &transform.Transform{
	Name: "merge-runs",
	Doc:  "merge consecutive RUNs of the same kind of work into one layer when no flag or shell state differs",
	Run:  runMergeRuns,
}

func runMergeRuns(p *transform.Pass) []transform.Finding {
	d := p.Doc
	// Merging can give later rules new work (cache-mounts may give two
	// RUNs the same mounts, to be merged next): the chain runs again until
	// nothing changes.
	var out []transform.Finding
	for _, g := range groups(d) {
		out = append(out, mergeGroup(p, g)...)
	}
	return out
}

// maxJoin is the most RUNs one merge joins: the window in which the
// longest provable join is searched. Each proof runs the whole join in the
// interpreter, and a join that cannot be proven is retried one RUN
// shorter, so the window bounds the work per RUN (at most maxJoin-1
// proofs of at most maxJoin RUNs each): merge-runs is linear in the
// number of RUNs. Real groups are far smaller (the largest in the corpus
// has 10 RUNs), and the checker's own bounds (400 commands per path)
// stop longer joins anyway; a longer group is merged in windows, and the
// next pass of the chain joins the merged RUNs again where it can.
const maxJoin = 32

// mergeGroup merges the RUNs of a group, longest provable runs first
// (within maxJoin RUNs): a join the equivalence check cannot prove is
// split, and the RUN that cannot join the next says why.
func mergeGroup(p *transform.Pass, g group) []transform.Finding {
	d := p.Doc
	sh := transform.NewScripts(d)
	var out []transform.Finding
	for i := g.first; i < g.last; {
		j, edit, why := min(g.last, i+maxJoin-1), emit.Edit{}, ""
		for ; j > i; j-- {
			if edit, why = transform.JoinRunsWhy(d, d.Instructions[i:j+1]); why == "" {
				break
			}
		}
		first := d.Instructions[i]
		if j == i {
			f := p.Finding("", first, "not merged with the next RUN: "+why)
			f.EndLine = d.Instructions[i+1].EndLine
			out = append(out, f)
			i++
			continue
		}
		next := "the next RUN"
		if n := j - i; n > 1 {
			next = fmt.Sprintf("the next %d RUNs", n)
		}
		msg := fmt.Sprintf("merged with %s into one layer: the same kind of work (%s), the same flags, no shell state carried over", next, g.kind)
		edits := []emit.Edit{edit}
		if es, name, n, ok := withoutRepeats(d, sh, d.Instructions[i:j+1], edit); ok {
			edits = es
			msg += fmt.Sprintf("; the repeated `%s` is dropped%s: nothing between changes where packages come from", name, times(n))
		}
		f := p.Finding("", first, msg, edits...)
		f.EndLine = d.Instructions[j].EndLine
		out = append(out, f)
		i = j + 1
	}
	return out
}

// group is a run of consecutive RUN instructions to merge.
type group struct {
	first, last int // instruction indexes
	kind        transform.WorkKind
}

// groups finds the maximal runs of mergeable, joinable RUNs of d.
func groups(d *ast.Document) []group {
	sh := transform.NewScripts(d)
	var out []group
	for _, st := range d.Stages {
		var cur *group
		for i, x := range st.Instructions {
			// A RUN with no RUN of its stage right before or after it can
			// only make a group of one, which is dropped below: its kind of
			// work is not asked for.
			if !runAt(st, i-1) && !runAt(st, i+1) {
				cur = nil
				continue
			}
			k, ok := mergeable(d, sh, x)
			switch {
			case !ok:
				cur = nil
			case cur != nil && k == cur.kind && joinable(d, sh, d.Instructions[cur.last], x):
				cur.last = x.Index
			default:
				out = append(out, group{first: x.Index, last: x.Index, kind: k})
				cur = &out[len(out)-1]
			}
		}
	}
	n := 0
	for _, g := range out {
		if g.last > g.first {
			out[n] = g
			n++
		}
	}
	return out[:n]
}

// runAt reports that the stage's instruction i is a RUN that mergeable
// may accept.
func runAt(st *ast.Stage, i int) bool {
	if i < 0 || i >= len(st.Instructions) {
		return false
	}
	x := st.Instructions[i]
	return x.Cmd == "run" && !x.JSON && len(x.Heredocs) == 0
}

// mergeable reports whether a RUN may take part in a merge at all, and
// its kind of work.
func mergeable(d *ast.Document, sh *transform.Scripts, x *ast.Instruction) (transform.WorkKind, bool) {
	if x.Cmd != "run" || x.JSON || len(x.Heredocs) > 0 {
		return 0, false
	}
	sc := sh.Of(x)
	if sc == nil || sc.Comments || len(sc.File.Stmts) == 0 {
		return 0, false
	}
	if transform.IgnoredAt(d, x.StartLine, x.EndLine, "merge-runs") {
		return 0, false
	}
	k := transform.RunKind(sc)
	return k, k != transform.KindMixed
}

// joinable reports whether RUN b may be appended to RUN a.
func joinable(d *ast.Document, sh *transform.Scripts, a, b *ast.Instruction) bool {
	if b.Index != a.Index+1 || b.Stage != a.Stage {
		return false
	}
	// Pragmas between the two would end up inside the merged RUN.
	for n := a.EndLine + 1; n < b.StartLine; n++ {
		t := d.LineText(n)
		if strings.Contains(t, "dfopt:") || strings.Contains(t, "hadolint") {
			return false
		}
	}
	if !sameFlags(a, b) {
		return false
	}
	return transform.ShellStateChange(sh.Of(a)) == ""
}

func sameFlags(a, b *ast.Instruction) bool {
	if len(a.Flags) != len(b.Flags) {
		return false
	}
	fa, fb := flagList(a), flagList(b)
	for i := range fa {
		if fa[i] != fb[i] {
			return false
		}
	}
	return true
}

func flagList(x *ast.Instruction) []string {
	out := make([]string, len(x.Flags))
	for i, f := range x.Flags {
		out[i] = f.Name + "=" + f.Value
	}
	sort.Strings(out)
	return out
}
