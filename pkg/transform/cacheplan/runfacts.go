package cacheplan

import (
	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/ast/stage"
	"github.com/dfopt/dfopt/pkg/transform"
)

// RunFacts is what apt-hygiene and the cache plan both read of a
// document's RUNs, read once per document: each RUN's --mount flags, the
// package-manager commands of its script, and the managers' Mentions. Both are functions of the document alone (the
// flags expanded with the stage state before the RUN, the mentions
// scanned in the stages' instructions), so the rules that see the same
// document share them: a RUN that cache-mounts mounted is read once in
// the second pass, not once by each rule.
var RunFacts = &transform.Analysis{
	Name:     "run-facts",
	Doc:      "each RUN's --mount flags and the words the instructions of each stage's lineage mention",
	Run:      func(p *transform.Pass) any { return &Facts{d: p.Doc, se: transform.StagesOf(p)} },
	Requires: []*transform.Analysis{transform.Stages},
}

// FactsOf is the pass's RunFacts.
func FactsOf(p *transform.Pass) *Facts { return p.ResultOf(RunFacts).(*Facts) }

// Facts is RunFacts' result.
type Facts struct {
	d      *ast.Document
	se     *stage.Env
	mounts map[*ast.Instruction]readMounts
	invs   map[*ast.Instruction]scriptInvs // Invocations
	// Mentioned answers the managers' Mentions for every RUN of the
	// document.
	Mentioned Mentioned
}

// readMounts is what Document.Mounts returned for a RUN.
type readMounts struct {
	ms  []ast.Mount
	err error
}

// Mounts is a RUN's --mount flags, expanded with the stage state before
// it (Document.Mounts), read once.
func (f *Facts) Mounts(ins *ast.Instruction) ([]ast.Mount, error) {
	if !hasMountFlag(ins) {
		return nil, nil // what Doc.Mounts returns, without the stage state
	}
	if m, ok := f.mounts[ins]; ok {
		return m.ms, m.err
	}
	ms, err := f.d.Mounts(ins, f.se.At(ins).Expander())
	if f.mounts == nil {
		f.mounts = map[*ast.Instruction]readMounts{}
	}
	f.mounts[ins] = readMounts{ms, err}
	return ms, err
}

// scriptInvs is what FindInvocations found in a RUN's script.
type scriptInvs struct {
	script *ast.Script
	invs   []*Invocation
}

// Invocations is FindInvocations of the RUN's script (c.Ins, c.Script),
// found once for the cache plan and apt-hygiene. The answer is a
// function of what both give: the script's commands, and the RUN as a
// manager's Applies sees it (its Mentions, from the stages and the
// document's Mentioned, and the build context's files), which the
// analyses of one document and build context share (Pass.ResultOf keeps
// them per document and context); the stage state is not read (c.Env is
// unbound in both). The invocations are shared: the plan only writes
// IsClean's memo, which nothing else reads, and callers
// filter into lists of their own. Asked with another script of the RUN
// (an exec form read otherwise), it looks again.
func (f *Facts) Invocations(c *ManagerCtx) []*Invocation {
	if si, ok := f.invs[c.Ins]; ok && si.script == c.Script {
		return si.invs
	}
	invs := FindInvocations(c, c.Script.Commands)
	if f.invs == nil {
		f.invs = map[*ast.Instruction]scriptInvs{}
	}
	f.invs[c.Ins] = scriptInvs{c.Script, invs}
	return invs
}
