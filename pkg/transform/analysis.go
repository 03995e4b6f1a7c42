package transform

import (
	"fmt"

	"github.com/dfopt/dfopt/pkg/ast"
)

// Analysis is a fact about a document that rules share, as
// golang.org/x/tools/go/analysis's analyzers share results: a named,
// documented value whose Run reads the pass's document (and context) and
// returns a result. A rule (or another analysis) lists the analyses it
// reads in Requires and gets their results with Pass.ResultOf; no rule
// reaches into another rule's internals.
type Analysis struct {
	Name     string
	Doc      string // one line
	Requires []*Analysis
	// Run computes the result; it must not keep the pass for anything but
	// reading its document, context and options, and the rules that read
	// the result must not change it.
	Run func(*Pass) any
}

// analysisResults holds the results computed for one document and build
// context; a chain shares it between the passes that see them.
type analysisResults struct {
	doc *ast.Document
	ctx *BuildContext
	m   map[*Analysis]any
}

// ResultOf returns the result of analysis a for the pass's document: it is
// computed once per document and build context and shared by every rule
// of the chain that requires it. A rule may ask only for the analyses it
// requires (directly or through them).
func (p *Pass) ResultOf(a *Analysis) any {
	if !p.allowed(a) {
		panic(fmt.Sprintf("transform: %s reads analysis %s without requiring it", p.reader(), a.Name))
	}
	r := p.results
	if r == nil {
		r = &analysisResults{}
		p.results = r
	}
	if r.doc != p.Doc || r.ctx != p.Context || r.m == nil {
		*r = analysisResults{doc: p.Doc, ctx: p.Context, m: map[*Analysis]any{}}
	}
	if v, ok := r.m[a]; ok {
		return v
	}
	q := *p
	q.analysis = a
	v := a.Run(&q)
	r.m[a] = v
	return v
}

// ForDoc is a pass like p over another document (the text a rule's own
// edits would leave): its analyses are computed apart from the chain's.
func (p *Pass) ForDoc(d *ast.Document) *Pass {
	return &Pass{Doc: d, Context: p.Context, Options: p.Options, InChain: p.InChain, rule: p.rule, analysis: p.analysis}
}

func (p *Pass) allowed(a *Analysis) bool {
	switch {
	case p.analysis != nil:
		return requires(p.analysis.Requires, a)
	case p.rule != nil:
		return requires(p.rule.Requires, a)
	}
	return true // a transform run alone (tests)
}

func (p *Pass) reader() string {
	if p.analysis != nil {
		return "analysis " + p.analysis.Name
	}
	return "rule " + p.rule.Name
}

// requires reports whether a is in list or required by one of its analyses.
func requires(list []*Analysis, a *Analysis) bool {
	for _, x := range list {
		if x == a || requires(x.Requires, a) {
			return true
		}
	}
	return false
}
