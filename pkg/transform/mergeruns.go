package transform

import (
	"fmt"
	"sort"
	"strings"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/emit"
)

// MergeRuns merges consecutive RUNs of a stage into one when that cannot
// change the result: same flags, same kind of work, and no shell state
// that the later body would inherit differently.
var MergeRuns = Register(&Transform{
	Name:  "merge-runs",
	Doc:   "merge consecutive RUNs of the same kind of work into one layer when no flag or shell state differs",
	Order: mergeRunsOrder,
	Run:   runMergeRuns,
})

const mergeRunsOrder = 400

func runMergeRuns(p *Pass) []Finding {
	d := p.Doc
	pl := newPlanner(p)
	var out []Finding
	for _, g := range pl.plan() {
		edit, ok := JoinRuns(d, g.runs(d))
		if !ok {
			continue
		}
		first, last := d.Instructions[g.first], d.Instructions[g.last]
		next := "the next RUN"
		if n := g.last - g.first; n > 1 {
			next = fmt.Sprintf("the next %d RUNs", n)
		}
		f := p.Finding("", first, fmt.Sprintf("merged with %s into one layer: the same kind of work (%s), the same flags, no shell state carried over", next, g.kind), edit)
		f.EndLine = last.EndLine
		out = append(out, f)
	}
	return out
}

// group is a run of consecutive RUN instructions to merge.
type group struct {
	first, last int // instruction indexes
	kind        WorkKind
}

func (g group) runs(d *ast.Document) []*ast.Instruction {
	return d.Instructions[g.first : g.last+1]
}

// groups finds the maximal runs of mergeable, joinable RUNs of d.
func groups(d *ast.Document) []group {
	sh := newScripts(d)
	var out []group
	for _, st := range d.Stages {
		var cur *group
		for _, x := range st.Instructions {
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

// The chain must reach its fixed point in one pass, but merging changes
// what the other transforms see: apt-hygiene cleans the package lists of a
// RUN only when no later RUN reads them, cache-mounts mounts them only
// then, and gives two RUNs the same mounts, which merge-runs would merge
// on the next pass. So merge-runs plans its merges against the chain: the
// merged file, once the transforms after merge-runs have run, must leave
// the transforms before it nothing to do, and leave merge-runs nothing
// more to merge.
type planner struct {
	p              *Pass
	earlier, later []*Transform
	baseline       int // edits the earlier transforms want with no merge
}

func newPlanner(p *Pass) *planner {
	rules := p.Rules
	if rules == nil {
		rules = All()
	}
	pl := &planner{p: p}
	for _, t := range rules {
		switch {
		case t.Unsafe && !p.Options.Unsafe:
			// none of its fixes applies
		case t.Order < mergeRunsOrder:
			pl.earlier = append(pl.earlier, t)
		case t.Order > mergeRunsOrder:
			pl.later = append(pl.later, t)
		}
	}
	return pl
}

func (pl *planner) applies(t *Transform, f Finding) bool {
	return f.HasFix() && (pl.p.Options.Unsafe || !(t.Unsafe || f.Unsafe))
}

func ruleOf(t *Transform, f Finding) string {
	if f.Rule != "" {
		return f.Rule
	}
	return t.Name
}

// edits returns the edits the transforms would apply to d.
func (pl *planner) edits(d *ast.Document, t *Transform) ([]emit.Edit, bool) {
	if fileIgnores(d, t.Name) {
		return nil, true
	}
	fs, err := runOne(t, &Pass{Doc: d, Context: pl.p.Context, Options: pl.p.Options, Rules: pl.p.Rules})
	if err != nil {
		return nil, false
	}
	var out []emit.Edit
	for _, f := range fs {
		if pl.applies(t, f) && !ignoredAt(d, f.Line, f.EndLine, ruleOf(t, f)) {
			out = append(out, f.Edits...)
		}
	}
	return out, true
}

// after runs the transforms that follow merge-runs, as the chain does.
func (pl *planner) after(d *ast.Document) (*ast.Document, bool) {
	for _, t := range pl.later {
		edits, ok := pl.edits(d, t)
		if !ok {
			return nil, false
		}
		if len(edits) == 0 {
			continue
		}
		out, err := emit.Apply(d.Src, edits)
		if err != nil {
			return nil, false
		}
		if d, err = ast.Parse(d.Path, out); err != nil {
			return nil, false
		}
	}
	return d, true
}

// wanted lists the edits the earlier transforms would make on d.
func (pl *planner) wanted(d *ast.Document) ([]emit.Edit, bool) {
	var out []emit.Edit
	for _, t := range pl.earlier {
		edits, ok := pl.edits(d, t)
		if !ok {
			return nil, false
		}
		out = append(out, edits...)
	}
	return out, true
}

// merged applies the groups to d. items maps each instruction of the
// result to the instructions of d it stands for.
func merged(d *ast.Document, gs []group) (*ast.Document, []group, bool) {
	var edits []emit.Edit
	var items []group
	next := 0
	for _, g := range gs {
		edit, ok := JoinRuns(d, g.runs(d))
		if !ok {
			return nil, nil, false
		}
		edits = append(edits, edit)
		for ; next < g.first; next++ {
			items = append(items, group{first: next, last: next})
		}
		items = append(items, g)
		next = g.last + 1
	}
	for ; next < len(d.Instructions); next++ {
		items = append(items, group{first: next, last: next})
	}
	if len(edits) == 0 {
		return d, items, true
	}
	out, err := emit.Apply(d.Src, edits)
	if err != nil {
		return nil, nil, false
	}
	m, err := ast.Parse(d.Path, out)
	if err != nil || len(m.Instructions) != len(items) {
		return nil, nil, false
	}
	return m, items, true
}

// plan chooses the merges: the maximal groups, shrunk where the chain
// would not settle, grown where the transforms after merge-runs make more
// RUNs alike.
func (pl *planner) plan() []group {
	d := pl.p.Doc
	gs := groups(d)
	if len(gs) == 0 || len(pl.earlier)+len(pl.later) == 0 {
		return gs
	}
	pl.baseline = -1
	veto := map[int]bool{} // RUN i is not merged with RUN i+1: the chain would not settle
	for iter := 0; iter < 8; iter++ {
		m, items, ok := merged(d, gs)
		if !ok {
			return nil
		}
		f, ok := pl.after(m)
		if !ok || len(f.Instructions) != len(items) {
			return nil
		}
		want, ok := pl.wanted(f)
		if !ok {
			return nil
		}
		if len(want) > 0 && pl.baseline < 0 {
			base, ok := pl.after(d)
			if !ok {
				return nil
			}
			w, ok := pl.wanted(base)
			if !ok {
				return nil
			}
			pl.baseline = len(w)
		}
		// A merged RUN that an earlier transform would change again:
		// merge one RUN less there.
		if bad := pl.unsettled(f, items, gs, want); bad >= 0 {
			veto[gs[bad].last-1] = true
			gs = shrink(gs, bad)
			continue
		}
		// RUNs that the next pass would merge (made alike by the later
		// transforms): merge them now.
		grown := false
		for _, g := range groups(f) {
			// Split at the vetoed joints: those stay apart in every pass.
			first, last := items[g.first].first, items[g.last].last
			for a := first; a < last; {
				b := a
				for b < last && !veto[b] {
					b++
				}
				if b > a {
					var changed bool
					gs, changed = union(gs, group{first: a, last: b, kind: g.kind})
					grown = grown || changed
				}
				a = b + 1
			}
		}
		if !grown {
			return gs
		}
	}
	return nil
}

// unsettled returns the index in gs of a group the earlier transforms'
// edits on f point at, or -1.
func (pl *planner) unsettled(f *ast.Document, items []group, gs []group, want []emit.Edit) int {
	gi := 0
	spans := make([]ast.Span, len(gs))
	for j, it := range items {
		if gi < len(gs) && it == gs[gi] {
			spans[gi] = ast.Span{Start: f.Instructions[j].Span.Start, End: f.Instructions[j].Next}
			gi++
		}
	}
	for _, e := range want {
		for i, sp := range spans {
			if e.Start <= sp.End && e.End >= sp.Start {
				return i
			}
		}
	}
	if len(want) > 0 && len(want) > pl.baseline {
		// An edit elsewhere: blame the first merge after it, else the last.
		e := want[len(want)-1]
		for i, sp := range spans {
			if sp.Start > e.Start {
				return i
			}
		}
		return len(gs) - 1
	}
	return -1
}

// shrink drops the last RUN of group i (and the group when one is left).
func shrink(gs []group, i int) []group {
	out := append([]group(nil), gs...)
	if out[i].last--; out[i].last == out[i].first {
		out = append(out[:i], out[i+1:]...)
	}
	return out
}

// union adds g to gs, absorbing the groups it overlaps, and reports
// whether that changed anything.
func union(gs []group, g group) ([]group, bool) {
	var out []group
	for _, x := range gs {
		if x.first <= g.first && x.last >= g.last {
			return gs, false // already planned
		}
		if x.last < g.first || x.first > g.last {
			out = append(out, x)
			continue
		}
		g.first, g.last = min(g.first, x.first), max(g.last, x.last)
	}
	out = append(out, g)
	sort.Slice(out, func(i, j int) bool { return out[i].first < out[j].first })
	return out, true
}

// mergeable reports whether a RUN may take part in a merge at all, and
// its kind of work.
func mergeable(d *ast.Document, sh *scripts, x *ast.Instruction) (WorkKind, bool) {
	if x.Cmd != "run" || x.JSON || len(x.Heredocs) > 0 {
		return 0, false
	}
	sc := sh.of(x)
	if sc == nil || sc.Comments || len(sc.File.Stmts) == 0 {
		return 0, false
	}
	if ignoredAt(d, x.StartLine, x.EndLine, "merge-runs") {
		return 0, false
	}
	k := RunKind(sc)
	return k, k != KindMixed
}

// joinable reports whether RUN b may be appended to RUN a.
func joinable(d *ast.Document, sh *scripts, a, b *ast.Instruction) bool {
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
	return ShellStateChange(sh.of(a)) == ""
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
