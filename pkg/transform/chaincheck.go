package transform

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/ast/equiv"
	"github.com/dfopt/dfopt/pkg/emit"
)

// pending is a finding of one rule whose fix the chain is about to apply.
type pending struct {
	at    int // index in Result.Findings
	edits []emit.Edit
}

// applyChecked applies a rule's fixes to cur and parses the result. Every
// RUN whose shell body the fixes changed in place is checked: the edited
// body must run the same commands with the same final status as before,
// counting a removed command and an added one as succeeding (equiv). The
// fixes that touch a RUN failing the check are not applied: the finding
// says why, and the other fixes go ahead. Joins are checked where they
// are made (JoinRuns), moves by the rules that move.
func applyChecked(rule string, cur *ast.Document, res *Result, fixes []pending) (*ast.Document, *editIndex, error) {
	for {
		var edits []emit.Edit
		for _, f := range fixes {
			if res.Findings[f.at].Applied {
				edits = append(edits, f.edits...)
			}
		}
		if len(edits) == 0 {
			return cur, nil, nil
		}
		out, err := emit.Apply(cur.Src, edits)
		if err != nil {
			return nil, nil, &ChainError{Rule: rule, Err: err}
		}
		idx := newEditIndex(edits)
		next, err := ast.ReparseTaking(cur, out, idx.changes(), readRunOf)
		if err != nil {
			return nil, nil, &ChainError{Rule: rule, Err: fmt.Errorf("output does not parse: %v", err)}
		}
		bad := uncheckedRuns(rule, cur, next, idx)
		if len(bad) == 0 {
			return next, idx, nil
		}
		withdrawn := false
		for _, b := range bad {
			for _, f := range fixes {
				r := &res.Findings[f.at]
				if r.Applied && touches(f.edits, b.ins.Span) {
					r.Applied, r.Fixable, withdrawn = false, false, true
					r.Message += "; left unchanged: " + b.why
				}
			}
		}
		if !withdrawn {
			return nil, nil, &ChainError{Rule: rule, Err: fmt.Errorf("line %d: %s, and no fix to withdraw", bad[0].ins.StartLine, bad[0].why)}
		}
	}
}

func touches(edits []emit.Edit, sp ast.Span) bool {
	for _, e := range edits {
		overlaps := e.Start < sp.End && e.End > sp.Start
		insertsInside := e.Start == e.End && e.Start >= sp.Start && e.Start <= sp.End
		if overlaps || insertsInside {
			return true
		}
	}
	return false
}

// failedRun is a RUN whose edited body failed the check.
type failedRun struct {
	ins *ast.Instruction
	why string
	v   equiv.Verdict
}

// uncheckedRuns pairs each RUN of next with the RUNs of cur it was made
// from: those between the places its start and end map back to, when its
// start lies outside every edit (an instruction written anew, as a join
// by JoinRuns, is checked where it is made). Pairs whose shell text
// changed are checked.
func uncheckedRuns(rule string, cur, next *ast.Document, idx *editIndex) []failedRun {
	var bad []failedRun
	for _, n := range next.Instructions {
		if n.Cmd != "run" {
			continue
		}
		start, inserted := idx.mapOffset(n.Span.Start)
		if inserted {
			continue
		}
		end, _ := idx.mapOffset(n.Span.End)
		olds := runsBetween(cur, start, end)
		if olds == nil || unchanged(cur, olds, next, n) {
			continue
		}
		sharedShell(next, n)
		if v, why := checkEdited(rule, cur, olds, next, n, idx); why != "" {
			bad = append(bad, failedRun{ins: olds[0], why: why, v: v})
		}
	}
	return bad
}

// unchanged reports a RUN the edits left as it was, under the same
// shell: its shell analysis, a function of the two, is the same, so
// checkEdited would find it the same.
func unchanged(cur *ast.Document, olds []*ast.Instruction, next *ast.Document, n *ast.Instruction) bool {
	o := olds[0]
	return len(olds) == 1 && string(cur.Src[o.Span.Start:o.Span.End]) == string(next.Src[n.Span.Start:n.Span.End]) &&
		slices.Equal(cur.ShellOf(o), next.ShellOf(n))
}

// runsBetween returns the instructions of d from the one starting at
// start to the last ending by end, when all are RUNs of one stage.
func runsBetween(d *ast.Document, start, end int) []*ast.Instruction {
	c := instructionAt(d, start)
	if c == nil || c.Span.Start != start {
		return nil
	}
	var out []*ast.Instruction
	for i := c.Index; i < len(d.Instructions) && d.Instructions[i].Span.End <= end; i++ {
		x := d.Instructions[i]
		if x.Cmd != "run" || x.Stage != c.Stage {
			return nil
		}
		out = append(out, x)
	}
	if len(out) == 0 {
		return []*ast.Instruction{c} // an edit at its end reaches past it
	}
	return out
}

func instructionAt(d *ast.Document, off int) *ast.Instruction {
	i := sort.Search(len(d.Instructions), func(i int) bool { return d.Instructions[i].Span.End > off })
	if i < len(d.Instructions) {
		return d.Instructions[i]
	}
	return nil
}

// editVerdicts caches the check of an edit by what it depends on
// (editPair.key).
var editVerdicts = newMemo[equiv.Verdict](1 << 14)

// checkEdited checks RUNs edited in place (several when the edits join
// them); why is empty when the edits keep their behaviour.
func checkEdited(rule string, cur *ast.Document, olds []*ast.Instruction, next *ast.Document, n *ast.Instruction, idx *editIndex) (equiv.Verdict, string) {
	id := editIdent{idx: idx, base: olds[0].Span.Start}
	return editPair{cur: cur, olds: olds, next: next, n: n, before: id, after: id, edits: idx}.check(rule)
}

// editPair is a RUN of next made by edits from the RUNs olds of cur, and
// how the check knows their commands across the edits. before and after
// may map through different indexes of the same edits: keepsBehaviour
// reads the RUN before in the file and the RUN after in a document of its
// own. edits are the edits in cur's offsets.
type editPair struct {
	cur           *ast.Document
	olds          []*ast.Instruction
	next          *ast.Document
	n             *ast.Instruction
	before, after editIdent
	edits         *editIndex
}

// check is checkEdited's verdict on the pair.
func (p editPair) check(rule string) (equiv.Verdict, string) {
	cur, olds, next, n := p.cur, p.olds, p.next, p.n
	c := olds[0]
	ns := next.Shell(n)
	var orig []equiv.Program
	same := len(olds) == 1
	for _, o := range olds {
		cs := cur.Shell(o)
		if cs == nil || ns == nil {
			// Not a shell body the check can run (JSON form, another
			// interpreter): only edits outside the body are proven.
			if len(olds) == 1 && string(cur.Src[o.ArgsStart:o.Span.End]) == string(next.Src[n.ArgsStart:n.Span.End]) {
				return equiv.Verdict{Same: true}, ""
			}
			v := equiv.Verdict{Unknown: "the RUN is not a POSIX shell script the check can run"}
			return v, v.Reason()
		}
		// A heredoc's reader is outside its text: `<<EOT bash -e` and
		// `<<EOT bash` run the same text differently.
		same = same && cs.Text == ns.Text && strings.Join(cs.Interp, "\x00") == strings.Join(ns.Interp, "\x00")
	}
	if same {
		return equiv.Verdict{Same: true}, ""
	}
	for _, o := range olds {
		prog := program(cur, o)
		if prog == nil {
			v := equiv.Verdict{Unknown: "the RUN's SHELL is not one the check knows"}
			return v, v.Reason()
		}
		orig = append(orig, *prog)
	}

	q := program(next, n)
	if q == nil {
		v := equiv.Verdict{Unknown: "the RUN's SHELL is not one the check knows"}
		return v, v.Reason()
	}
	key := p.key(orig, *q)
	verdict, ok := editVerdicts.get(key)
	if !ok {
		for i, o := range olds {
			orig[i].Ident = p.before.before(cur.Shell(o))
		}
		q.Ident = p.after.after(ns)
		verdict = equiv.Check(orig, []equiv.Program{*q})
		editVerdicts.put(key, verdict)
	}
	observe(Observation{Kind: "edit", Rule: rule, Line: c.StartLine, Verdict: verdict, Applied: verdict.Same})
	return verdict, verdict.Reason()
}

// key is what the verdict on the pair depends on (orig and q are the
// programs before and after): the escape characters and each program's
// options; the texts as written from the arguments on, which give the
// scripts and the offsets of their commands, with where the arguments
// begin; the edits that reach the RUNs (relEdits), which tell which
// commands they remove or add. The commands are named by their offset
// before the edits from the first RUN's start, so the key holds offsets
// from there. One key for the chain and for keepsBehaviour: the proof of
// RemoveCommand's edit serves the chain's when the chain makes the same
// body edit beside a mount flag.
func (p editPair) key(orig []equiv.Program, q equiv.Program) string {
	var b strings.Builder
	c := p.olds[0]
	b.WriteRune(p.cur.Escape)
	for i, o := range p.olds {
		fmt.Fprintf(&b, "\x00%d\x01%s\x01%s", o.ArgsStart-c.Span.Start, strings.Join(orig[i].Flags, " "), p.cur.Src[o.ArgsStart:o.Span.End])
	}
	fmt.Fprintf(&b, "\x00%c%s\x01%s\x00", p.next.Escape, strings.Join(q.Flags, " "), p.next.Src[p.n.ArgsStart:p.n.Span.End])
	b.WriteString(relEdits(p.edits, p.olds, p.flagEditsApart()))
	return b.String()
}

// flagEditsApart reports a lone RUN whose arguments after the edits begin
// at the text that began them before: the edits that end by there (a
// mount flag added) changed its flags alone, and neither its script nor
// which commands the edits remove or add.
func (p editPair) flagEditsApart() bool {
	if len(p.olds) != 1 {
		return false
	}
	c := p.olds[0]
	off, inserted := p.after.idx.mapOffset(p.n.ArgsStart)
	return !inserted && off-p.after.base == c.ArgsStart-p.before.base
}

// relEdits writes the edits that reach the RUNs olds, relative to the
// first one's start, but for a lone RUN's flag edits when they stand
// apart (flagEditsApart).
func relEdits(idx *editIndex, olds []*ast.Instruction, flagsApart bool) string {
	c := olds[0]
	end := olds[len(olds)-1].Span.End
	var b strings.Builder
	for _, e := range idx.edits[idx.firstEnding(c.Span.Start):] {
		if e.Start > end {
			break
		}
		if e.End >= c.Span.Start && e.Start <= end && !(flagsApart && e.End <= c.ArgsStart) {
			fmt.Fprintf(&b, "%d:%d:%s\x01", e.Start-c.Span.Start, e.End-c.Span.Start, e.New)
		}
	}
	return b.String()
}

// keptVerdicts caches keepsBehaviour by the RUN's document and the edits: the
// analyses that ask are computed again for every version of a file and
// in every pass.
var keptVerdicts = newMemo[bool](1 << 14)

// keepsBehaviour applies edits made inside one RUN of d and checks that
// RUN on its own: the edited RUN is parsed in a document of its own
// (runDocument), the RUN before is d's, with the shell analysis d has.
func keepsBehaviour(d *ast.Document, ins *ast.Instruction, edits ...emit.Edit) bool {
	src, at := runDocument(d, d.ShellOf(ins), d.Src[ins.Span.Start:ins.Span.End])
	shift := at - ins.Span.Start
	moved := make([]emit.Edit, len(edits))
	key := string(src)
	for i, e := range edits {
		if e.Start < ins.Span.Start || e.End > ins.Span.End {
			return false
		}
		moved[i] = emit.Edit{Start: e.Start + shift, End: e.End + shift, New: e.New}
		key += fmt.Sprintf("\x00%d:%d:%s", moved[i].Start, moved[i].End, e.New)
	}
	if v, ok := keptVerdicts.get(key); ok {
		return v
	}
	v := editKeepsBehaviour(d, ins, src, at, edits, moved)
	keptVerdicts.put(key, v)
	return v
}

// editKeepsBehaviour checks edits of the one RUN of a runDocument (src,
// the RUN at offset at; moved are the edits in its offsets, edits the
// same in d's). It is uncheckedRuns on the runDocument before and after
// the edits, with the RUN before read in d: its text is the same, under
// the same escape character and shell, so its parse and shell analysis
// are the ones d has (a parse of the runDocument would only repeat
// them). Where the shells might differ, the runDocument is parsed.
func editKeepsBehaviour(d *ast.Document, ins *ast.Instruction, src []byte, at int, edits, moved []emit.Edit) bool {
	out, err := emit.Apply(src, moved)
	if err != nil {
		return false
	}
	next, err := ast.Parse(d.Path, out)
	if err != nil {
		return false
	}
	idx := newEditIndex(moved)
	for _, n := range next.Instructions {
		if n.Cmd != "run" {
			continue
		}
		// Of the runDocument before, only the RUN pairs with a RUN after
		// (runsBetween): the one that starts where it started.
		if start, inserted := idx.mapOffset(n.Span.Start); inserted || start != at {
			continue
		}
		if !slices.Equal(d.ShellOf(ins), next.ShellOf(n)) {
			return parsedKeepsBehaviour(d.Path, src, moved)
		}
		if string(d.Src[ins.Span.Start:ins.Span.End]) == string(next.Src[n.Span.Start:n.Span.End]) {
			continue // unchanged
		}
		orig := newEditIndex(edits)
		p := editPair{cur: d, olds: []*ast.Instruction{ins}, next: next, n: n, edits: orig,
			before: editIdent{idx: orig, base: ins.Span.Start}, after: editIdent{idx: idx, base: at}}
		if _, why := p.check(""); why != "" {
			return false
		}
		keepShell(next, n)
	}
	return true
}

// parsedKeepsBehaviour is editKeepsBehaviour with the runDocument before
// parsed.
func parsedKeepsBehaviour(path string, src []byte, moved []emit.Edit) bool {
	cur, err := ast.Parse(path, src)
	if err != nil {
		return false
	}
	out, err := emit.Apply(src, moved)
	if err != nil {
		return false
	}
	idx := newEditIndex(moved)
	next, err := ast.Reparse(cur, out, idx.changes())
	if err != nil {
		return false
	}
	return len(uncheckedRuns("", cur, next, idx)) == 0
}
