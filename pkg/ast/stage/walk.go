package stage

import (
	"path"
	"slices"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
)

// Env resolves stage state for one document.
type Env struct {
	d   *ast.Document
	lex *shell.Lex
	// ins and stages hold what is found of each instruction and stage
	// (by index), made when first asked: the document does not change.
	ins    []insMemo
	stages []stageMemo
	global *State
}

// insMemo is what is found of one instruction: its shell analysis and
// the state before it.
type insMemo struct {
	script *ast.Script
	parsed bool
	at     *State
}

// stageMemo is what is found of one stage: Parent, Lineage, its start
// and end states, and the walk so far (see before).
type stageMemo struct {
	parent     *ast.Stage
	hasParent  bool
	lineage    []*ast.Stage
	hasLineage bool
	start      *State
	final      *State
	// walk holds the walk so far: asking for the state before each
	// instruction in turn walks the stage once, not once per
	// instruction.
	walk *walkSoFar
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
	return &Env{d: d}
}

// insMemo is the memo of an instruction of the document, nil for
// another's (which is then answered afresh each time).
func (se *Env) insMemo(ins *ast.Instruction) *insMemo {
	if ins.Index < 0 || ins.Index >= len(se.d.Instructions) || se.d.Instructions[ins.Index] != ins {
		return nil
	}
	if se.ins == nil {
		se.ins = make([]insMemo, len(se.d.Instructions))
	}
	return &se.ins[ins.Index]
}

// stageMemo is the memo of the stage with st's index (an Env keeps one
// for any index; beyond the document's stages, a new one each time).
func (se *Env) stageMemo(st *ast.Stage) *stageMemo {
	if st.Index < 0 || st.Index >= len(se.d.Stages) {
		return &stageMemo{}
	}
	if se.stages == nil {
		se.stages = make([]stageMemo, len(se.d.Stages))
	}
	return &se.stages[st.Index]
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
	m := se.insMemo(ins)
	if m == nil {
		return se.d.Shell(ins)
	}
	if !m.parsed {
		m.parsed = true
		m.script = se.d.Shell(ins)
	}
	return m.script
}

// Parent returns the earlier stage a stage is built on (FROM <stage>), or nil.
func (se *Env) Parent(st *ast.Stage) *ast.Stage {
	m := se.stageMemo(st)
	if !m.hasParent {
		m.hasParent = true
		if p := se.d.StageByName(st.Base); p != nil && p.Index < st.Index {
			m.parent = p
		}
	}
	return m.parent
}

// Lineage returns the stages a stage is built on, the outermost first,
// ending with the stage itself. The slice is shared: callers must not
// change it.
func (se *Env) Lineage(st *ast.Stage) []*ast.Stage {
	m := se.stageMemo(st)
	if m.hasLineage {
		return m.lineage
	}
	var out []*ast.Stage
	for s := st; s != nil && len(out) < 64; s = se.Parent(s) {
		out = append(out, s)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	out = slices.Clip(out) // an append by a caller copies
	m.lineage, m.hasLineage = out, true
	return out
}

// At returns the state of the instruction's stage just before it runs.
// The result is shared: callers must not change it.
func (se *Env) At(ins *ast.Instruction) *State {
	if ins.Stage < 0 {
		return se.globalEnv()
	}
	m := se.insMemo(ins)
	if m != nil && m.at != nil {
		return m.at
	}
	e := se.before(se.d.Stages[ins.Stage], ins.Index)
	if m != nil {
		m.at = e
	}
	return e
}

// before is the state of st just before the instruction with index
// before: the stage's walk so far goes on from where it stopped (or
// starts again for an earlier instruction), and the state is a copy.
// The copy is shared by the instructions the walk passes while nothing
// changes the state (apply says what may change it): each of them is
// answered with it at once, and it is copied again only after a change.
func (se *Env) before(st *ast.Stage, before int) *State {
	sm := se.stageMemo(st)
	w := sm.walk
	if w == nil || w.n > 0 && st.Instructions[w.n-1].Index >= before {
		w = &walkSoFar{e: se.start(st)}
		sm.walk = w
	}
	global := se.globalEnv()
	for w.n < len(st.Instructions) && st.Instructions[w.n].Index < before {
		ins := st.Instructions[w.n]
		// RUNs are what rules ask about most, in whatever order the
		// rules of a pass go: the walk keeps the state before each RUN
		// it passes (a copy when the state changed since the last), so
		// that asking for an earlier RUN does not walk the stage again.
		if m := se.insMemo(ins); m != nil && m.at == nil && (w.snap != nil || ins.Cmd == "run") {
			if w.snap == nil {
				w.snap = w.e.clone()
			}
			m.at = w.snap
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

// End returns the state at the end of a stage.
func (se *Env) End(st *ast.Stage) *State {
	sm := se.stageMemo(st)
	if sm.final != nil {
		return sm.final
	}
	// The stage's walk so far (At's) is where a walk from the start
	// would be after its first w.n instructions: a copy of it goes on
	// to the end, so the instructions it passed are not applied again.
	var e *State
	n := 0
	if w := sm.walk; w != nil {
		e, n = w.e.clone(), w.n
	} else {
		e = se.start(st)
	}
	global := se.globalEnv()
	for _, ins := range st.Instructions[n:] {
		se.apply(e, ins, global)
	}
	sm.final = e
	return e
}

func (se *Env) globalEnv() *State {
	if se.global != nil {
		return se.global
	}
	e := &State{Workdir: "/", se: se}
	for _, ins := range se.d.Instructions {
		if ins.Stage >= 0 {
			break
		}
		if a, ok := ins.Command.(*instructions.ArgCommand); ok {
			e.own(sharedVars)
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
	sm := se.stageMemo(st)
	if sm.start == nil {
		sm.start = se.firstState(st)
	}
	return sm.start.clone()
}

// firstState is start's state, found anew.
func (se *Env) firstState(st *ast.Stage) *State {
	var e *State
	if p := se.Parent(st); p != nil {
		pe := se.End(p)
		e = &State{
			Stage: st, Base: pe.Base, User: pe.User, UserRaw: pe.UserRaw, UserLine: pe.UserLine,
			Workdir: pe.Workdir, Accounts: pe.Accounts, Groups: pe.Groups, BaseUser: pe.BaseUser, se: se,
		}
		// The users and groups are the parent's, shared until one of
		// the two writes them.
		e.shared = sharedAccounts | sharedGroups
		pe.shared |= sharedAccounts | sharedGroups
		for k, v := range pe.Vars {
			if !v.IsArg { // ARGs do not cross FROM; ENV does
				if e.Vars == nil {
					e.Vars = make(map[string]Var, len(pe.Vars))
				}
				e.Vars[k] = v
			}
		}
	} else {
		e = &State{Stage: st, Workdir: "/", se: se} // maps made when written (own)
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
		e.own(sharedVars)
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
		e.own(sharedVars)
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
