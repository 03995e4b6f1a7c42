package transform

import (
	"fmt"
	"sort"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/emit"
)

// Reported is a finding as the user sees it: located in the original file.
type Reported struct {
	Finding
	Applied bool // its edits are in the output
	Fixable bool // it came with a fix (applied or not: unsafe fixes wait for --unsafe)
}

// Result is what the chain did to one file.
type Result struct {
	Path     string
	Src      []byte // the input
	Out      []byte // the output (== Src when nothing changed)
	Findings []Reported
	Files    []FileChange // other files to create or replace
}

// Changed reports whether the output differs from the input.
func (r *Result) Changed() bool { return string(r.Src) != string(r.Out) || len(r.Files) > 0 }

// Chain runs a fixed sequence of transforms.
type Chain struct {
	Transforms []*Transform
	Options    Options
}

// ChainError is a transform that broke the file: the file must be left alone.
type ChainError struct {
	Rule string
	Err  error
}

func (e *ChainError) Error() string {
	return fmt.Sprintf("rule %s: %v (file left unchanged; please report this)", e.Rule, e.Err)
}

// layer is one applied set of edits: the document they were made against.
type layer struct {
	doc   *ast.Document
	edits []emit.Edit
}

// maxPasses bounds the chain: a pass whose fixes give a later rule (or the
// same rule) new work is followed by another, until a pass changes nothing.
const maxPasses = 3

// Run applies the chain to one file. An error from ast.Parse means bad
// input; a *ChainError means a transform misbehaved.
//
// The chain runs again on its own output until a pass changes nothing, so
// that the output is a fixed point: a second `dfopt fix` changes nothing.
// A file that has not settled after maxPasses is left alone with an error.
func (c *Chain) Run(path string, src []byte, bctx *BuildContext) (*Result, error) {
	doc, err := ast.Parse(path, src)
	if err != nil {
		return nil, err
	}
	res, out, err := c.run(doc, bctx)
	if err != nil || !res.Changed() {
		return res, err
	}
	for pass := 2; ; pass++ {
		// The next pass sees the other files as written.
		again, next, err := c.run(out, bctx.withFiles(res.Files))
		if err != nil {
			return nil, err
		}
		applied := again.Findings[:0:0]
		for _, f := range again.Findings {
			if f.Applied {
				applied = append(applied, f)
			}
		}
		if len(applied) == 0 {
			return res, nil
		}
		if pass == maxPasses {
			f := applied[0]
			return nil, &ChainError{Rule: f.Rule, Err: fmt.Errorf("not idempotent: pass %d still changes line %d", pass, f.Line)}
		}
		res.merge(again, applied)
		out = next
	}
}

// merge takes a later pass into the result: its output and files, and the
// fixes of rules that had reported nothing at that place before (their
// lines refer to the previous pass's output).
func (r *Result) merge(later *Result, applied []Reported) {
	r.Out = later.Out
	for _, f := range later.Files {
		replaced := false
		for i := range r.Files {
			if r.Files[i].Path == f.Path {
				r.Files[i].New, replaced = f.New, true
			}
		}
		if !replaced {
			r.Files = append(r.Files, f)
		}
	}
	have := map[string]bool{}
	for _, f := range r.Findings {
		have[f.Rule] = true
	}
	for _, f := range applied {
		if !have[f.Rule] {
			r.Findings = append(r.Findings, f)
		}
	}
}

// run applies the transforms once and returns the result and the parsed output.
func (c *Chain) run(doc *ast.Document, bctx *BuildContext) (*Result, *ast.Document, error) {
	res := &Result{Path: doc.Path, Src: doc.Src}
	var layers []layer
	cur := doc
	shared := &analysisResults{} // the analyses of cur, for every rule
	for _, t := range c.Transforms {
		if fileIgnores(cur, t.Name) {
			continue
		}
		findings, err := runOne(t, &Pass{Doc: cur, Context: bctx, Options: &c.Options, InChain: RuleNames(c.Transforms), rule: t, results: shared})
		if err != nil {
			return nil, nil, err
		}
		var fixes []pending
		var wrote []FileChange
		for _, f := range findings {
			if f.Rule == "" {
				f.Rule = t.Name
			}
			if ignoredAt(cur, f.Line, f.EndLine, f.Rule) {
				continue
			}
			r := Reported{Finding: f, Fixable: f.HasFix()}
			if f.HasFix() && (c.Options.Unsafe || !(t.Unsafe || f.Unsafe)) {
				r.Applied = true
				fixes = append(fixes, pending{at: len(res.Findings), edits: f.Edits})
				res.Files = append(res.Files, f.Files...)
				wrote = append(wrote, f.Files...)
			}
			r.Line = originalLine(layers, cur, f.Line)
			if f.EndLine > 0 {
				r.EndLine = originalLine(layers, cur, f.EndLine)
			}
			r.Edits, r.Files = nil, nil // edits refer to an intermediate text
			res.Findings = append(res.Findings, r)
		}
		// The next transforms see the files this one wrote (an ignore
		// file), as they see its edits.
		bctx = bctx.withFiles(wrote)
		next, edits, err := applyChecked(t.Name, cur, res, fixes)
		if err != nil {
			return nil, nil, err
		}
		if len(edits) == 0 {
			continue
		}
		layers = append(layers, layer{doc: cur, edits: edits})
		cur = next
	}
	res.Out = cur.Src
	sort.SliceStable(res.Findings, func(i, j int) bool { return res.Findings[i].Line < res.Findings[j].Line })
	return res, cur, nil
}

func runOne(t *Transform, p *Pass) (fs []Finding, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &ChainError{Rule: t.Name, Err: fmt.Errorf("panic: %v", r)}
		}
	}()
	return t.Run(p), nil
}

// originalLine maps a line of the current document back through every
// applied layer to the input file. A line inside inserted text maps to the
// line where the insertion happened.
func originalLine(layers []layer, cur *ast.Document, line int) int {
	if line < 1 || len(cur.Lines) == 0 {
		return line
	}
	if line > len(cur.Lines) {
		line = len(cur.Lines)
	}
	off := cur.Lines[line-1].Start
	d := cur
	for i := len(layers) - 1; i >= 0; i-- {
		off = mapBack(layers[i].edits, off)
		d = layers[i].doc
	}
	return lineAt(d, off)
}

// mapBack maps an offset in the edited text to the text before the edits.
func mapBack(edits []emit.Edit, off int) int {
	o, _ := mapOffset(sortedEdits(edits), off)
	return o
}

func sortedEdits(edits []emit.Edit) []emit.Edit {
	sorted := append([]emit.Edit(nil), edits...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Start < sorted[j].Start })
	return sorted
}

// mapOffset maps an offset in the text after edits (sorted by Start) to
// the text before them; an offset inside inserted text maps to where the
// insertion happened, and inserted says so.
func mapOffset(sorted []emit.Edit, off int) (orig int, inserted bool) {
	delta := 0
	for _, e := range sorted {
		newStart := e.Start + delta
		if off < newStart {
			break
		}
		if off < newStart+len(e.New) {
			return e.Start, true
		}
		delta += len(e.New) - (e.End - e.Start)
	}
	return off - delta, false
}

func lineAt(d *ast.Document, off int) int {
	i := sort.Search(len(d.Lines), func(i int) bool { return d.Lines[i].Next > off })
	if i >= len(d.Lines) {
		return len(d.Lines)
	}
	return i + 1
}
