package cacheplan

import (
	"path"

	"mvdan.cc/sh/v3/syntax"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/ast/stage"
	"github.com/dfopt/dfopt/pkg/emit"
	"github.com/dfopt/dfopt/pkg/transform"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// Facts of the document that the checks of conflict.go and
// runtimeuse.go ask for once per cache directory and group of RUNs (so
// once per instruction and directory), and that the checks and the edits
// both ask for (removeCommand): each is computed the first time it is
// asked for and kept for the plan. They depend on the document and
// the pass alone (nothing a check decides), which is what makes keeping
// them sound: the plan belongs to one document of one pass.
type docFacts struct {
	refs     map[stageRefKey]*ast.Stage
	copies   map[*ast.Instruction]*copyFacts
	starts   map[int]*startCommand
	built    map[int]*builtSet
	targets  map[int]bool
	opaque   map[*Run]string
	fromMnts map[*ast.Instruction][]ast.Mount
	removals map[*syntax.CallExpr]removal
}

type stageRefKey struct {
	ins *ast.Instruction
	ref string
}

// inLineage reports whether stage b is in the lineage of stage a (a
// itself included).
func (c *Plan) inLineage(a, b int) bool {
	for _, s := range c.se.Lineage(c.Doc.Stages[a]) {
		if s.Index == b {
			return true
		}
	}
	return false
}

// copyFacts is what copyConflict reads of a COPY or ADD that does not
// depend on the directory checked: the stage state at it, its sources
// and its destination resolved.
type copyFacts struct {
	env     *stage.State
	srcs    []stage.Value
	srcErr  []error
	dest    string // absolute and clean
	destErr error
}

// copyOf resolves a COPY's or ADD's sources and destination once.
func (c *Plan) copyOf(ins *ast.Instruction, srcs []string, dest string) *copyFacts {
	if f := c.facts.copies[ins]; f != nil {
		return f
	}
	if c.facts.copies == nil {
		c.facts.copies = map[*ast.Instruction]*copyFacts{}
	}
	env := c.se.At(ins)
	f := &copyFacts{env: env, srcs: make([]stage.Value, len(srcs)), srcErr: make([]error, len(srcs))}
	for i, s := range srcs {
		f.srcs[i], f.srcErr[i] = env.Expand(s)
	}
	dv, err := env.Expand(dest)
	f.destErr = err
	if err == nil {
		f.dest = absIn(env.Workdir, dv.Val)
	}
	c.facts.copies[ins] = f
	return f
}

// copyDest is copyOf's destination. An absolute path made of the
// characters of plainRef is its own expansion (see stageRef) and absIn
// only cleans it: it is read without the stage state, which most COPYs
// checked against a directory need for nothing else.
func (c *Plan) copyDest(ins *ast.Instruction, srcs []string, dest string) (string, error) {
	if path.IsAbs(dest) && plainRef(dest) {
		return path.Clean(dest), nil
	}
	f := c.copyOf(ins, srcs, dest)
	return f.dest, f.destErr
}

// fromMounts are a RUN's --mount flags that read another stage (from=),
// read once. A RUN whose flags cannot be read has none.
func (c *Plan) fromMounts(ins *ast.Instruction) []ast.Mount {
	if ms, ok := c.facts.fromMnts[ins]; ok {
		return ms
	}
	if c.facts.fromMnts == nil {
		c.facts.fromMnts = map[*ast.Instruction][]ast.Mount{}
	}
	var out []ast.Mount
	if ms, err := c.mountsOf(ins); err == nil {
		for _, m := range ms {
			if m.From != "" {
				out = append(out, m)
			}
		}
	}
	c.facts.fromMnts[ins] = out
	return out
}

// startOfOnce is startOf, read once per stage.
func (c *Plan) startOfOnce(st *ast.Stage) *startCommand {
	if s := c.facts.starts[st.Index]; s != nil {
		return s
	}
	if c.facts.starts == nil {
		c.facts.starts = map[int]*startCommand{}
	}
	s := c.startOf(st)
	c.facts.starts[st.Index] = &s
	return &s
}

// builtInOnce is builtIn, collected once per stage.
func (c *Plan) builtInOnce(st *ast.Stage) builtSet {
	if b := c.facts.built[st.Index]; b != nil {
		return *b
	}
	if c.facts.built == nil {
		c.facts.built = map[int]*builtSet{}
	}
	b := c.builtIn(st)
	c.facts.built[st.Index] = &b
	return b
}

// isTargetOnce is isTarget, decided once per stage.
func (c *Plan) isTargetOnce(st *ast.Stage) bool {
	if t, ok := c.facts.targets[st.Index]; ok {
		return t
	}
	if c.facts.targets == nil {
		c.facts.targets = map[int]bool{}
	}
	t := c.isTarget(st)
	c.facts.targets[st.Index] = t
	return t
}

// group is the uses of one directory in stages built on one another
// (Plan.components), with what the checks ask of it for every
// instruction: its stages, and the last use in each, found once instead
// of by a scan of every use per instruction (which made a file of many
// RUNs of one manager quadratic).
type group struct {
	uses   []*Use
	users  map[*Run]bool
	stages []int        // the uses' stages, each once, in order of first use
	last   map[int]int  // per stage, the Index of its last use
	rel    map[int]bool // relatedToAny, per stage asked
}

func newGroup(comp []*Use) *group {
	g := &group{uses: comp, users: make(map[*Run]bool, len(comp)), last: map[int]int{}} // rel: made when first asked
	for _, u := range comp {
		g.users[u.run] = true
		st := u.run.Ins.Stage
		last, ok := g.last[st]
		if !ok {
			g.stages = append(g.stages, st)
		}
		if !ok || u.run.Ins.Index > last {
			g.last[st] = u.run.Ins.Index
		}
	}
	return g
}

// removal is transform.RemoveCommand's answer for one command.
type removal struct {
	e  emit.Edit
	ok bool
}

// removeCommand is transform.RemoveCommand for a command of a RUN, asked
// once per plan: the checks (rmConflict, DropRemovedByClean) and the edits
// (rmRemovals, defeatRemovals) ask about the same commands, and the
// answer depends on the document, the RUN and the command alone. The
// command's node names the RUN too: no two instructions of a document
// share a syntax tree (ast's Document.Shell gives each its own).
func (c *Plan) removeCommand(r *Run, call *syntax.CallExpr) (emit.Edit, bool) {
	if x, ok := c.facts.removals[call]; ok {
		return x.e, x.ok
	}
	if c.facts.removals == nil {
		c.facts.removals = map[*syntax.CallExpr]removal{}
	}
	e, ok := transform.RemoveCommand(c.Doc, r.Ins, r.script, call)
	c.facts.removals[call] = removal{e, ok}
	return e, ok
}

// checkedInstructions are the instructions instructionConflict looks
// at (a RUN, COPY, ADD or VOLUME of a stage), listed once.
func (c *Plan) checkedInstructions() []*ast.Instruction {
	if c.checked == nil {
		c.checked = []*ast.Instruction{}
		for _, ins := range c.Doc.Instructions {
			if ins.Stage < 0 {
				continue
			}
			switch ins.Command.(type) {
			case *instructions.RunCommand, *instructions.CopyCommand, *instructions.AddCommand, *instructions.VolumeCommand:
				c.checked = append(c.checked, ins)
			}
		}
	}
	return c.checked
}

// opaqueIn is the first build driver or script a RUN runs ("" when
// none), found once per RUN.
func (c *Plan) opaqueIn(r *Run) string {
	if name, ok := c.facts.opaque[r]; ok {
		return name
	}
	if c.facts.opaque == nil {
		c.facts.opaque = map[*Run]string{}
	}
	var cmds [][]ast.Word
	switch {
	case r.script != nil:
		for _, cmd := range r.script.Commands {
			cmds = append(cmds, ast.StripWrappers(cmd.Args))
		}
	case r.Ins.JSON && len(r.Ins.Args) > 0:
		var words []ast.Word
		for _, a := range r.Ins.Args {
			words = append(words, ast.Word{Value: a, Lit: true})
		}
		cmds = append(cmds, words)
	}
	name := ""
	for _, args := range cmds {
		if len(args) > 0 {
			if name = opaqueDriver(args); name != "" {
				break
			}
		}
	}
	c.facts.opaque[r] = name
	return name
}
