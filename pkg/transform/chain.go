package transform

import (
	"fmt"
	"sort"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/emit"
)

// Reported is a finding as the user sees it: located in the input, its
// Line and EndLine on the instruction of the input it is about, and its
// Edits (the fix) expressed against the input.
type Reported struct {
	Finding
	Applied bool // its edits are in the output
	Fixable bool // it came with a fix (applied or not: unsafe fixes wait for --unsafe)
	// BuildsOn names the rule whose edits this finding's fix changes (it
	// edits text that rule wrote): the fix cannot be shown against the
	// input on its own, and Edits is nil.
	BuildsOn string
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
	// FixesOnly says that the caller reads what the chain writes (the
	// output and the files), never its findings: the first pass then
	// skips, as a later pass does, the rules whose fixes cannot apply
	// under the options (canApply), which could only add findings.
	FixesOnly bool
}

// ChainError is a transform that broke the file: the file must be left alone.
type ChainError struct {
	Rule string
	Err  error
}

func (e *ChainError) Error() string {
	return fmt.Sprintf("rule %s: %v (file left unchanged; please report this)", e.Rule, e.Err)
}

// MaxInstructions is the per-file work bound: a file with more
// instructions is left unchanged with a TooLargeError. Real Dockerfiles
// have at most a few hundred; the bound keeps a generated or hostile file
// from taking minutes and gigabytes.
const MaxInstructions = 20000

// TooLargeError is a file over the work bound: it is left unchanged.
type TooLargeError struct {
	Rule         string // the first rule that would have run
	Instructions int
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("too large for rule %s: %d instructions, the limit is %d (file left unchanged)", e.Rule, e.Instructions, MaxInstructions)
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
	if len(doc.Instructions) > MaxInstructions {
		for _, t := range c.Transforms {
			if !FileIgnores(doc, t.Name) {
				return nil, &TooLargeError{Rule: t.Name, Instructions: len(doc.Instructions)}
			}
		}
	}
	h := &history{input: doc}
	res, out, err := c.run(doc, bctx, h, false)
	if err != nil || !res.Changed() {
		return res, err
	}
	for pass := 2; ; pass++ {
		// The next pass sees the other files as written.
		again, next, err := c.run(out, bctx.WithFiles(res.Files), h, true)
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
// fixes of rules that had reported nothing before.
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
	sortFindings(r.Findings)
}

// run applies the transforms once and returns the result and the parsed
// output; h holds the edits of earlier passes and gets this pass's. A
// later pass (later) matters only by the fixes it applies (Run keeps the
// first pass's findings), so it skips the rules that cannot apply one.
func (c *Chain) run(doc *ast.Document, bctx *BuildContext, h *history, later bool) (*Result, *ast.Document, error) {
	res := &Result{Path: doc.Path, Src: doc.Src}
	cur := doc
	shared := &analysisResults{} // the analyses of cur, for every rule
	var inserts []insertion
	inChain := RuleNames(c.Transforms)
	for _, t := range c.Transforms {
		if FileIgnores(cur, t.Name) || (later || c.FixesOnly) && !c.canApply(t) {
			continue
		}
		findings, err := runOne(t, &Pass{Doc: cur, Context: bctx, Options: &c.Options, InChain: inChain, rule: t, results: shared, hist: h, fixesOnly: later || c.FixesOnly})
		if err != nil {
			return nil, nil, err
		}
		fixes, wrote := c.report(t, cur, h, res, findings)
		// The next transforms see the files this one wrote (an ignore
		// file), as they see its edits.
		bctx = bctx.WithFiles(wrote)
		next, applied, err := applyChecked(t.Name, cur, res, fixes)
		if err != nil {
			return nil, nil, err
		}
		if applied == nil {
			continue
		}
		inserts = append(inserts, insertions(res, fixes, len(h.layers))...)
		h.add(t.Name, cur, applied, next.Src)
		cur = next
	}
	res.Out = cur.Src
	res.Findings = foldUndone(res.Findings, h, inserts)
	sortFindings(res.Findings)
	return res, cur, nil
}

// canApply reports whether a rule's fixes can be applied under the
// chain's options: an unsafe rule's fixes wait for --unsafe (report). A
// rule that cannot apply a fix leaves the document and the build context
// as they are, and the analyses it asks for are computed for the next
// rule that asks: skipping it changes nothing but its findings.
func (c *Chain) canApply(t *Transform) bool { return c.Options.Unsafe || !t.Unsafe }

// insertions are the applied fixes of a layer that only insert text.
func insertions(res *Result, fixes []pending, layer int) []insertion {
	var out []insertion
	for _, f := range fixes {
		if !res.Findings[f.at].Applied || len(f.edits) == 0 {
			continue
		}
		only := true
		for _, e := range f.edits {
			only = only && e.Start == e.End && e.New != ""
		}
		if only {
			out = append(out, insertion{finding: f.at, layer: layer, edits: f.edits})
		}
	}
	return out
}

// foldUndone drops the findings whose inserted text a later rule of the
// pass took out again (apt-hygiene's lists cleanup in a RUN where
// cache-mounts then mounts the lists): their fix does nothing to the
// output, and the later rule's finding says what happens there.
func foldUndone(findings []Reported, h *history, inserts []insertion) []Reported {
	drop := map[int]bool{}
	for _, in := range inserts {
		if h.undone(in) {
			drop[in.finding] = true
		}
	}
	if len(drop) == 0 {
		return findings
	}
	out := findings[:0]
	for i, f := range findings {
		if !drop[i] {
			out = append(out, f)
		}
	}
	return out
}

// report adds a rule's findings on cur to the result, located and fixed
// against the input, and returns the fixes to apply now and the other
// files they write.
func (c *Chain) report(t *Transform, cur *ast.Document, h *history, res *Result, findings []Finding) ([]pending, []FileChange) {
	var fixes []pending
	var wrote []FileChange
	ignored, applied := make([]bool, len(findings)), make([]bool, len(findings))
	for i := range findings {
		f := &findings[i]
		if f.Rule == "" {
			f.Rule = t.Name
		}
		ignored[i] = IgnoredAt(cur, f.Line, f.EndLine, f.Rule)
		applied[i] = !ignored[i] && f.HasFix() && c.canApply(t) && (c.Options.Unsafe || !f.Unsafe)
	}
	c.wrap(cur, h, findings, applied)
	for i, f := range findings {
		if ignored[i] {
			continue
		}
		r := Reported{Finding: f, Fixable: f.HasFix()}
		if applied[i] {
			r.Applied = true
			fixes = append(fixes, pending{at: len(res.Findings), edits: f.Edits})
			res.Files = append(res.Files, f.Files...)
			wrote = append(wrote, f.Files...)
		}
		h.locate(&r, cur)
		res.Findings = append(res.Findings, r)
	}
	return fixes, wrote
}

// locate moves a finding made on cur to the input: its lines, and its
// edits where they change only the input's text.
func (h *history) locate(r *Reported, cur *ast.Document) {
	r.Line = h.line(cur, r.Line)
	if r.EndLine > 0 {
		r.EndLine = max(h.endLine(cur, r.EndLine), r.Line)
	}
	if len(r.Edits) > 0 {
		edits, by, ok := h.inputEdits(r.Edits)
		r.Edits = edits
		if !ok {
			r.BuildsOn = by
		}
	}
}

func sortFindings(fs []Reported) {
	sort.SliceStable(fs, func(i, j int) bool { return fs[i].Line < fs[j].Line })
}

func runOne(t *Transform, p *Pass) (fs []Finding, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &ChainError{Rule: t.Name, Err: fmt.Errorf("panic: %v", r)}
		}
	}()
	return t.Run(p), nil
}

// editAt finds the edit (of sorted) whose new text holds off, an offset
// of the text after the edits, and off's position in that text; nil
// when off is in text the edits left alone.
func editAt(sorted []emit.Edit, off int) (*emit.Edit, int) {
	delta := 0
	for i := range sorted {
		e := &sorted[i]
		start := e.Start + delta
		if off < start {
			break
		}
		if off < start+len(e.New) {
			return e, off - start
		}
		delta += len(e.New) - (e.End - e.Start)
	}
	return nil, 0
}

// shiftBack maps an offset of text the edits left alone to the text
// before them.
func shiftBack(sorted []emit.Edit, off int) int {
	delta := 0
	for _, e := range sorted {
		if off < e.Start+delta {
			break
		}
		delta += len(e.New) - (e.End - e.Start)
	}
	return off - delta
}
