// Package transform is the framework of dfopt's rules: Transform, Pass,
// Finding, the analyses rules require (Analysis, Pass.ResultOf) and the
// driver (Chain) that runs them.
//
// A Transform is a named, documented value whose Run reads a document (and,
// where it needs it, the build context) and returns findings, each with the
// byte edits that fix it. Transforms never mutate the document; the Chain
// applies their edits and parses the result again before the next one runs.
//
// Each rule is a package below this one (mergeruns, cachemounts, …) that
// exports it as Rule; package chain lists them in chain order and
// registers them. What several rules use — the cache plan, the
// movability analysis, shell and text-edit helpers — stays here.
package transform

import (
	"sync"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/emit"
)

// Transform is one rule of dfopt.
type Transform struct {
	Name   string
	Doc    string // one line
	Unsafe bool   // every fix of this rule changes the image
	Run    func(*Pass) []Finding
	// Options are the option keys the rule reads (Options.Get); any
	// other key is an error in `.dfopt.yaml` and --option.
	Options []Option
	// Requires are the analyses whose results the rule reads
	// (Pass.ResultOf).
	Requires []*Analysis
}

// Finding is what a transform reports, with the edits that fix it (none
// when it only reports).
type Finding struct {
	Rule    string
	Message string
	Line    int // 1-based line in the document the transform saw
	EndLine int
	Edits   []emit.Edit
	Unsafe  bool // this fix is unsafe even if the rule is safe
	// Files are changes to files other than the Dockerfile (a
	// .dockerignore), applied together with Edits.
	Files []FileChange
}

// FileChange creates or replaces a file beside the Dockerfile.
type FileChange struct {
	Path string // absolute path on disk
	Old  []byte // current content; nil when the file does not exist
	New  []byte
}

// HasFix reports whether the finding carries edits.
func (f Finding) HasFix() bool { return len(f.Edits) > 0 || len(f.Files) > 0 }

// Options are the user's choices that transforms read.
type Options struct {
	Unsafe bool
	Syntax string // auto (default), always, never
	// RuleOptions holds per-rule settings (rule name → key → value).
	RuleOptions map[string]map[string]string
	// Parts narrows rules to some of their parts (rule name → parts), as
	// hadolint codes in --select and --ignore do.
	Parts map[string]Parts
}

// Pass is what a transform receives.
type Pass struct {
	Doc     *ast.Document
	Context *BuildContext // nil when there is no context on disk
	Options *Options
	// InChain names the rules of the chain this pass belongs to (nil
	// when a transform runs alone): a rule whose finding depends on
	// what a later rule will do asks Runs.
	InChain RuleSet

	rule     *Transform // the rule this pass runs (nil outside a chain)
	analysis *Analysis  // the analysis this pass runs, if any
	results  *analysisResults
	hist     *history // the edits the chain made before this pass (WrittenBy)
	// fixesOnly: only the fixes this pass applies are kept (FixesOnly)
	fixesOnly bool
}

// FixesOnly reports a pass of which only the fixes it applies are kept: a
// later pass of the chain, the one that proves the output a fixed point
// (Run keeps the first pass's findings), and any pass of a chain whose
// findings nobody reads (Chain.FixesOnly). A rule may leave out there
// what can only give a finding without a fix: such a finding applies
// nothing and overlaps nothing. Analyses (ResultOf) must not ask: their
// results are shared by every rule of the pass.
func (p *Pass) FixesOnly() bool { return p.fixesOnly }

// RuleSet is a set of rule names.
type RuleSet map[string]bool

// RuleNames is the set of the transforms' names.
func RuleNames(ts []*Transform) RuleSet {
	s := RuleSet{}
	for _, t := range ts {
		s[t.Name] = true
	}
	return s
}

// Runs reports whether rule runs on the pass's document in this chain:
// it is in the chain and the file does not switch it off.
func (p *Pass) Runs(rule string) bool {
	return p.InChain[rule] && !FileIgnores(p.Doc, rule)
}

// Finding builds a finding located at an instruction.
func (p *Pass) Finding(rule string, ins *ast.Instruction, msg string, edits ...emit.Edit) Finding {
	return Finding{Rule: rule, Message: msg, Line: ins.StartLine, EndLine: ins.EndLine, Edits: edits}
}

var (
	registryMu sync.Mutex
	registry   []*Transform
)

// Register appends transforms to the registry in the order given, which
// is the order the chain runs them: package chain registers the rules.
func Register(ts ...*Transform) {
	registryMu.Lock()
	defer registryMu.Unlock()
	for _, t := range ts {
		for _, r := range registry {
			if r.Name == t.Name {
				panic("transform: duplicate rule " + t.Name)
			}
		}
		registry = append(registry, t)
	}
}

// All returns every registered transform in chain order.
func All() []*Transform {
	registryMu.Lock()
	defer registryMu.Unlock()
	return append([]*Transform(nil), registry...)
}

// Lookup finds a transform by name.
func Lookup(name string) *Transform {
	for _, t := range All() {
		if t.Name == name {
			return t
		}
	}
	return nil
}
