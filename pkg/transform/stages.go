package transform

import "github.com/dfopt/dfopt/pkg/ast/stage"

// Stages is the stage model of the pass's document (stage.Env: the state
// before every instruction, the stages' lineages, each RUN's shell
// analysis). It is built once per document and shared by the rules and
// analyses that require it, so a stage is walked once per document, not
// once per rule. stage.Env caches what it is asked and the states it
// returns are shared: readers must not change them.
var Stages = &Analysis{
	Name: "stages",
	Doc:  "the state in force before every instruction (ENV, ARG, USER, WORKDIR, accounts)",
	Run:  func(p *Pass) any { return stage.New(p.Doc) },
}

// StagesOf is the pass's stage model (Stages).
func StagesOf(p *Pass) *stage.Env { return p.ResultOf(Stages).(*stage.Env) }
