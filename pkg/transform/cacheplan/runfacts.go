package cacheplan

import (
	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/ast/stage"
	"github.com/dfopt/dfopt/pkg/transform"
)

// RunFacts is what apt-hygiene and the cache plan both read of a
// document's RUNs, read once per document: each RUN's --mount flags and
// the managers' Mentions. Both are functions of the document alone (the
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
