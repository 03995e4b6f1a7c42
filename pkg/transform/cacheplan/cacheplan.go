// Package cacheplan is the cache plan, an analysis that cache-mounts,
// apt-hygiene and syntax-header require: for every RUN, the package
// managers it runs (managers.go), the cache directories they use and which
// of them can be mounted. Where each directory is comes from dir.go; which
// uses must be dropped because of other instructions, from conflict.go,
// rm.go, defeat.go and runtimeuse.go; the edits that carry a plan out,
// from edits.go.
package cacheplan

import (
	"slices"
	"strings"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/ast/stage"
	"github.com/dfopt/dfopt/pkg/transform"
	"mvdan.cc/sh/v3/syntax"
)

// Run is one RUN of the document as the plan sees it.
type Run struct {
	Ins       *ast.Instruction
	se        *stage.Env
	env       *stage.State  // nil until bind: read it with stageEnv
	id        stage.RunUser // read it with ident
	mctx      *ManagerCtx   // read it with ctx; points at mctxOf
	mctxOf    ManagerCtx    // (one allocation with the Run)
	script    *ast.Script
	Invs      []*Invocation
	Uses      []*Use
	existing  []ast.Mount
	Blocked   string // why the RUN is not touched
	Notes     []string
	rms       []rmCmd
	assigns   []runAssign
	allUses   []*Use                    // before merging uses of the same directory
	words     map[ast.Span]*syntax.Word // syntaxWord's index
	wordWalks int8                      // syntaxWord's walks before the index
	others    *otherWords               // otherWords
	substs    map[substKey]substPathOf  // substPath's answers
}

// bind computes the stage state at the RUN the first time a check asks
// for it: most RUNs run no package manager, and the state of those is
// read only when a cache directory's group looks at them (mentions). The
// state is a function of the document and the RUN alone
// (stage.Env.At), so when it is computed changes nothing.
func (r *Run) bind() {
	if r.env == nil {
		r.env = r.se.At(r.Ins)
		r.id = r.env.Identity()
		r.mctx.Env = r.env
	}
}

// stageEnv is the stage state just before the RUN.
func (r *Run) stageEnv() *stage.State { r.bind(); return r.env }

// ident is the user the RUN runs as.
func (r *Run) ident() stage.RunUser { r.bind(); return r.id }

// ctx is the RUN as the managers' checks see it, its state bound.
func (r *Run) ctx() *ManagerCtx { r.bind(); return r.mctx }

type Use struct {
	run     *Run
	Manager *Manager
	Spec    *CacheSpec
	target  stage.Value
	Key     string
	uid     stage.Value
	gid     stage.Value
	inv     *Invocation
	Covered bool // an existing cache mount already covers it
	inside  bool // the directory is an existing cache mount's target or inside it (InsideMount)
	Drop    string
	also    []*Manager // other managers of the RUN using the same directory
}

type Plan struct {
	Pass *transform.Pass
	Doc  *ast.Document
	se   *stage.Env
	Runs []*Run
	// runFacts holds the RUNs' mounts and answers the managers'
	// Mentions for every RUN of the document.
	runFacts *Facts
	byIns    map[*ast.Instruction]*Run // the Run of each RUN
	facts    docFacts                  // facts.go
	checked  []*ast.Instruction        // checkedInstructions
	byKey    map[string][]*Use         // the uses of each directory not settled yet
}

// mountsOf reads a RUN's --mount flags once (RunFacts).
func (c *Plan) mountsOf(ins *ast.Instruction) ([]ast.Mount, error) {
	return c.runFacts.Mounts(ins)
}

// hasMountFlag reports whether a RUN has a --mount flag at all.
func hasMountFlag(ins *ast.Instruction) bool {
	for _, f := range ins.Flags {
		if f.Name == "mount" {
			return true
		}
	}
	return false
}

// Analysis is what cache-mounts will mount, per RUN: the cache
// directories of its package managers, where they are, and which of them
// can be mounted safely (and why not). cache-mounts turns it into edits;
// apt-hygiene reads it so as not to propose a cleanup that a mount makes
// unneeded; syntax-header reads it for the frontend the mounts need.
var Analysis = &transform.Analysis{
	Name: "cache-plan",
	Doc:  "the cache directories each RUN's package managers use and which of them can be mounted",
	Run:  func(p *transform.Pass) any { return newPlan(p) },
	// The stage model and the RUNs' facts are the ones the pass's rules
	// share.
	Requires: []*transform.Analysis{transform.Stages, RunFacts},
}

// Of is the pass's cache plan.
func Of(p *transform.Pass) *Plan { return p.ResultOf(Analysis).(*Plan) }

// planCacheMounts decides, for every RUN, which cache directories can be
// mounted (every use settled).
func planCacheMounts(p *transform.Pass) *Plan {
	c := newPlan(p)
	for _, r := range c.Runs {
		c.Settle(r)
	}
	return c
}

// newPlan finds every RUN's managers and cache directories; the rules
// across RUNs are applied to a directory when it is first asked about
// (Settle).
func newPlan(p *transform.Pass) *Plan {
	n := 0
	for _, ins := range p.Doc.Instructions {
		if planned(ins) {
			n++
		}
	}
	// The Runs are made in one slab, the lists at their size.
	slab := make([]Run, n)
	c := &Plan{Pass: p, Doc: p.Doc, se: transform.StagesOf(p), runFacts: FactsOf(p), byIns: make(map[*ast.Instruction]*Run, n), Runs: make([]*Run, 0, n)}
	for _, ins := range c.Doc.Instructions {
		if planned(ins) {
			r := &slab[len(c.Runs)]
			c.plan(r, ins)
			c.Runs = append(c.Runs, r)
			c.byIns[ins] = r
		}
	}
	c.groups()
	return c
}

// planned reports an instruction the plan has a Run for: a RUN of a stage.
func planned(ins *ast.Instruction) bool { return ins.Cmd == "run" && ins.Stage >= 0 }

// WillMount reports whether cache-mounts mounts (or finds mounted) a cache
// on dir for a RUN.
func (c *Plan) WillMount(ins *ast.Instruction, dirs ...string) bool {
	r := c.byIns[ins]
	if r == nil || r.Blocked != "" {
		return false
	}
	for _, u := range r.Uses {
		if slices.Contains(dirs, u.Key) {
			c.settle(u.Key)
		}
	}
	for _, u := range r.Uses {
		if u.Drop == "" && slices.Contains(dirs, u.Key) {
			return true
		}
	}
	return false
}

// plan finds the managers of a RUN and where their caches are, into r.
func (c *Plan) plan(r *Run, ins *ast.Instruction) {
	r.Ins, r.se = ins, c.se // r is a zero Run of the slab
	r.mctxOf = ManagerCtx{Pass: c.Pass, Stages: c.se, Ins: ins, Mentioned: &c.runFacts.Mentioned}
	r.mctx = &r.mctxOf
	readable := c.read(r)
	// The ignore comments are looked up only for a RUN that runs a
	// manager: the reason a RUN is blocked is read only through its uses
	// and invocations (conflict, findings, WillMount), which a RUN
	// without invocations has none of. "ignored" wins over any reason
	// read set, as when it was set first.
	if len(r.Invs) > 0 && runIgnored(c.Doc, ins, transform.CacheMountsRule) {
		r.Blocked = "ignored"
	}
	if !readable {
		return
	}
	r.Invs = c.partsOn(ins, r.Invs)
	if len(r.Invs) == 0 {
		return
	}
	ms, err := c.mountsOf(ins)
	if err != nil {
		if r.Blocked == "" {
			r.Blocked = "its --mount flags cannot be read: not touched"
		}
	}
	r.existing = ms
	if r.script != nil {
		r.rms = c.findRms(r)
	}
	for _, inv := range r.Invs {
		if inv.IsClean() {
			continue
		}
		c.resolve(r, inv)
	}
}

// read finds the package managers a RUN runs: from its script, or from
// what is known of an exec form or a heredoc run by an interpreter
// (ast.Document.Reading). A RUN dfopt cannot read is blocked, and its
// managers are guessed from its words only to say so. false: nothing
// more to plan.
func (c *Plan) read(r *Run) bool {
	ins := r.Ins
	sc, why := c.Doc.Reading(ins)
	switch {
	case ins.JSON && !c.Doc.IsPOSIX(ins) && why == "":
		// Where the cache directories are is known for Linux images.
		sc, why = nil, "JSON-form RUN in a stage whose shell is not POSIX (a Windows image, a SHELL such as PowerShell): not touched"
	case sc == nil && why == "" && !ins.JSON && !c.Doc.IsPOSIX(ins):
		why = "RUN under a non-POSIX SHELL: not touched"
	}
	if sc != nil && why == "" {
		r.script = sc
		r.mctx.Script = sc
		// The stage state is not needed to find the invocations (an
		// Applies sees the RUN as a tools.Stage, which has no state):
		// r.mctx stays unbound until a check asks (Run.bind).
		r.Invs = c.runFacts.Invocations(r.mctx)
		if len(r.Invs) > 0 && r.Blocked == "" && sc.Background {
			r.Blocked = "RUN that starts a command in the background (`&`): not touched"
		}
		return true
	}
	if why == "" {
		return false
	}
	if invs := FindInvocations(r.mctx, guessCommands(ins)); len(invs) > 0 {
		r.Invs = invs[:1]
	}
	if r.Blocked == "" {
		r.Blocked = why
	}
	return true
}

// guessCommands reads every word of a RUN dfopt cannot read as the start
// of a command, to name the package managers it may run.
func guessCommands(ins *ast.Instruction) []ast.Command {
	text := strings.Join(ins.Args, " ")
	if len(ins.Heredocs) > 0 {
		text = ins.Heredocs[0].Content
	}
	fields := strings.FieldsFunc(text, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._/:=+-", r))
	})
	// The commands share one list of words (each starts further in, to
	// the end): the words are the same and nothing writes to them, and
	// the guess costs linear, not quadratic, memory in the RUN's size.
	words := make([]ast.Word, len(fields))
	for i, f := range fields {
		words[i] = ast.Word{Value: f, Lit: true}
	}
	cmds := make([]ast.Command, len(fields))
	for i := range fields {
		cmds[i] = ast.Command{Name: fields[i], Args: words[i:]}
	}
	return cmds
}

// runIgnored reports whether `# dfopt:ignore=rule` switches rule off for ins
// (in a document without line pragmas, IgnoredAt reads no line).
func runIgnored(d *ast.Document, ins *ast.Instruction, rule string) bool {
	return transform.IgnoredAt(d, ins.StartLine, ins.EndLine, rule)
}
