package stage

import (
	"maps"
	"path"
	"slices"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
)

// Env resolves stage state for one document.
type Env struct {
	d      *ast.Document
	lex    *shell.Lex
	shells map[*ast.Instruction]*ast.Script
	parsed map[*ast.Instruction]bool
	final  map[int]*State // state at the end of each stage
	at     map[*ast.Instruction]*State
	global *State
	// walks holds, per stage, the walk so far: asking for the state
	// before each instruction in turn walks the stage once, not once per
	// instruction.
	walks map[int]*walkSoFar
	// parents, lineages and starts are Parent, Lineage and start of each
	// stage (by index), found once: the document does not change.
	parents  map[int]*ast.Stage
	lineages map[int][]*ast.Stage
	starts   map[int]*State
}

// walkSoFar is a stage's state after its first n instructions. snap is a
// copy of e handed out by At, nil once an instruction may have changed e
// since: instructions that change nothing share one copy.
type walkSoFar struct {
	e    *State
	n    int
	snap *State
}

// New prepares the analysis of a document.
func New(d *ast.Document) *Env {
	return &Env{
		d:      d,
		shells: map[*ast.Instruction]*ast.Script{},
		parsed: map[*ast.Instruction]bool{},
		final:  map[int]*State{},
		at:     map[*ast.Instruction]*State{},
		walks:  map[int]*walkSoFar{},

		parents:  map[int]*ast.Stage{},
		lineages: map[int][]*ast.Stage{},
		starts:   map[int]*State{},
	}
}

// lexer is BuildKit's word expander for the document's escape character,
// made when a word first needs it (most words are plain): it is large.
func (se *Env) lexer() *shell.Lex {
	if se.lex == nil {
		se.lex = shell.NewLex(se.d.Escape)
	}
	return se.lex
}

// Shell is d.Shell(ins), parsed once.
func (se *Env) Shell(ins *ast.Instruction) *ast.Script {
	if !se.parsed[ins] {
		se.parsed[ins] = true
		se.shells[ins] = se.d.Shell(ins)
	}
	return se.shells[ins]
}

// Parent returns the earlier stage a stage is built on (FROM <stage>), or nil.
func (se *Env) Parent(st *ast.Stage) *ast.Stage {
	if p, ok := se.parents[st.Index]; ok {
		return p
	}
	var out *ast.Stage
	if p := se.d.StageByName(st.Base); p != nil && p.Index < st.Index {
		out = p
	}
	se.parents[st.Index] = out
	return out
}

// Lineage returns the stages a stage is built on, the outermost first,
// ending with the stage itself. The slice is shared: callers must not
// change it.
func (se *Env) Lineage(st *ast.Stage) []*ast.Stage {
	if l, ok := se.lineages[st.Index]; ok {
		return l
	}
	var out []*ast.Stage
	for s := st; s != nil && len(out) < 64; s = se.Parent(s) {
		out = append(out, s)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	out = slices.Clip(out) // an append by a caller copies
	se.lineages[st.Index] = out
	return out
}

// At returns the state of the instruction's stage just before it runs.
// The result is shared: callers must not change it.
func (se *Env) At(ins *ast.Instruction) *State {
	if ins.Stage < 0 {
		return se.globalEnv()
	}
	if e, ok := se.at[ins]; ok {
		return e
	}
	e := se.before(se.d.Stages[ins.Stage], ins.Index)
	se.at[ins] = e
	return e
}

// before is the state of st just before the instruction with index
// before: the stage's walk so far goes on from where it stopped (or
// starts again for an earlier instruction), and the state is a copy.
// The copy is shared by the instructions the walk passes while nothing
// changes the state (apply says what may change it): each of them is
// answered with it at once, and it is copied again only after a change.
func (se *Env) before(st *ast.Stage, before int) *State {
	w := se.walks[st.Index]
	if w == nil || w.n > 0 && st.Instructions[w.n-1].Index >= before {
		w = &walkSoFar{e: se.start(st)}
		se.walks[st.Index] = w
	}
	global := se.globalEnv()
	for w.n < len(st.Instructions) && st.Instructions[w.n].Index < before {
		ins := st.Instructions[w.n]
		// RUNs are what rules ask about most, in whatever order the
		// rules of a pass go: the walk keeps the state before each RUN
		// it passes (a copy when the state changed since the last), so
		// that asking for an earlier RUN does not walk the stage again.
		if _, ok := se.at[ins]; !ok && (w.snap != nil || ins.Cmd == "run") {
			if w.snap == nil {
				w.snap = w.e.clone()
			}
			se.at[ins] = w.snap
		}
		if se.apply(w.e, ins, global) {
			w.snap = nil
		}
		w.n++
	}
	if w.snap == nil {
		w.snap = w.e.clone()
	}
	return w.snap
}

// clone copies a state so that applying instructions to it leaves e as
// it is.
func (e *State) clone() *State {
	c := *e
	c.Vars = maps.Clone(e.Vars)
	c.Groups = maps.Clone(e.Groups)
	c.Accounts = make(map[string]*Account, len(e.Accounts))
	for k, v := range e.Accounts {
		a := *v
		c.Accounts[k] = &a
	}
	return &c
}

// End returns the state at the end of a stage.
func (se *Env) End(st *ast.Stage) *State {
	if e, ok := se.final[st.Index]; ok {
		return e
	}
	// The stage's walk so far (At's) is where a walk from the start
	// would be after its first w.n instructions: a copy of it goes on
	// to the end, so the instructions it passed are not applied again.
	var e *State
	n := 0
	if w := se.walks[st.Index]; w != nil {
		e, n = w.e.clone(), w.n
	} else {
		e = se.start(st)
	}
	global := se.globalEnv()
	for _, ins := range st.Instructions[n:] {
		se.apply(e, ins, global)
	}
	se.final[st.Index] = e
	return e
}

func (se *Env) globalEnv() *State {
	if se.global != nil {
		return se.global
	}
	e := &State{Vars: map[string]Var{}, Workdir: "/", Accounts: map[string]*Account{}, Groups: map[string]Value{}, se: se}
	for _, ins := range se.d.Instructions {
		if ins.Stage >= 0 {
			break
		}
		if a, ok := ins.Command.(*instructions.ArgCommand); ok {
			for _, kv := range a.Args {
				v := Var{Name: kv.Key, Arg: true, IsArg: true, Line: ins.StartLine}
				if kv.Value != nil {
					if val, err := e.Expand(*kv.Value); err == nil {
						v.Value, v.Set = val.Val, true
					}
				}
				e.Vars[kv.Key] = v
			}
		}
	}
	se.global = e
	return e
}

// start is the state a stage starts with: its parent stage's at its end,
// or its base image's. It is found once per stage; each walk gets a copy.
func (se *Env) start(st *ast.Stage) *State {
	e, ok := se.starts[st.Index]
	if !ok {
		e = se.firstState(st)
		se.starts[st.Index] = e
	}
	return e.clone()
}

// firstState is start's state, found anew.
func (se *Env) firstState(st *ast.Stage) *State {
	var e *State
	if p := se.Parent(st); p != nil {
		pe := se.End(p)
		e = &State{
			Stage: st, Base: pe.Base, Vars: map[string]Var{}, User: pe.User, UserRaw: pe.UserRaw, UserLine: pe.UserLine,
			Workdir: pe.Workdir, Accounts: map[string]*Account{}, Groups: map[string]Value{}, BaseUser: pe.BaseUser, se: se,
		}
		for k, v := range pe.Vars {
			if !v.IsArg { // ARGs do not cross FROM; ENV does
				e.Vars[k] = v
			}
		}
		for k, v := range pe.Accounts {
			c := *v
			e.Accounts[k] = &c
		}
		for k, v := range pe.Groups {
			e.Groups[k] = v
		}
	} else {
		e = &State{Stage: st, Vars: map[string]Var{}, Workdir: "/", Accounts: map[string]*Account{}, Groups: map[string]Value{}, se: se}
		g := se.globalEnv()
		base := st.Base
		if v, err := g.Expand(base); err == nil {
			base = v.Val
		}
		e.Base = base
		applyBaseImage(e, base)
	}
	return e
}

// apply applies an instruction to e; changed is false when it cannot
// have changed e (only ARG, ENV, USER, WORKDIR and a RUN that creates or
// changes users or groups do).
func (se *Env) apply(e *State, ins *ast.Instruction, global *State) (changed bool) {
	switch c := ins.Command.(type) {
	case *instructions.ArgCommand:
		for _, kv := range c.Args {
			v := Var{Name: kv.Key, Arg: true, IsArg: true, Line: ins.StartLine}
			if kv.Value != nil {
				if val, err := e.Expand(*kv.Value); err == nil {
					v.Value, v.Set = val.Val, true
				}
			} else if g, ok := global.Vars[kv.Key]; ok {
				v.Value, v.Set = g.Value, g.Set
			}
			if old, ok := e.Vars[kv.Key]; ok && !old.IsArg {
				// An ENV of the same name wins over the ARG.
				continue
			}
			e.Vars[kv.Key] = v
		}
	case *instructions.EnvCommand:
		vals := make([]Var, 0, len(c.Env))
		for _, kv := range c.Env {
			val, err := e.Expand(kv.Value)
			v := Var{Name: kv.Key, Line: ins.StartLine, Set: err == nil, Value: val.Val, Arg: val.Arg}
			vals = append(vals, v)
		}
		// One ENV sets all its pairs with the values from before it.
		for _, v := range vals {
			e.Vars[v.Name] = v
		}
	case *instructions.UserCommand:
		val, err := e.Expand(c.User)
		e.User, e.UserRaw, e.UserLine = val.Val, c.User, ins.StartLine
		if err != nil {
			e.User = c.User
		}
	case *instructions.WorkdirCommand:
		val, err := e.Expand(c.Path)
		if err == nil {
			p := val.Val
			if !path.IsAbs(p) {
				p = path.Join(e.Workdir, p)
			}
			e.Workdir = path.Clean(p)
		}
	case *instructions.RunCommand:
		if s := se.Shell(ins); s != nil {
			return se.accounts(e, s, ins)
		}
		return false
	default:
		return false
	}
	return true
}

// Doc returns the document the Env walks.
func (se *Env) Doc() *ast.Document { return se.d }
