package explain

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/transform"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
)

// Build makes the model of doc with the build context bctx (nil when there
// is none on disk).
func Build(doc *ast.Document, bctx *transform.BuildContext, opt Options) (*Model, error) {
	m := &Model{Path: doc.Path, Doc: doc}
	ctx, err := newContext(bctx)
	if err != nil {
		return nil, err
	}
	m.Context = ctx
	lex := shell.NewLex(doc.Escape)
	if err := m.stagesAndTarget(doc, opt); err != nil {
		return nil, err
	}
	b := &builder{m: m, lex: lex, opt: opt, named: map[string]bool{}, envs: make([]*stageEnv, len(m.Stages))}
	b.global = globalArgs(doc, lex, opt, m.Stages[m.Target].Name)
	for _, n := range opt.NamedContexts {
		b.named[familiar(n)] = true
	}
	b.states = m.states(doc)
	for i, st := range doc.Stages {
		if err := b.stage(i, st); err != nil {
			return nil, err
		}
	}
	m.reach()
	if ctx != nil {
		for _, s := range m.Stages {
			for _, st := range s.Steps {
				for _, r := range st.Reads {
					ctx.resolve(r)
				}
			}
		}
	}
	return m, nil
}

// stagesAndTarget lists the stages, their names and the target.
func (m *Model) stagesAndTarget(doc *ast.Document, opt Options) error {
	for _, st := range doc.Stages {
		m.Stages = append(m.Stages, &Stage{Index: st.Index, Name: st.Name, Base: st.Base, BaseStage: -1, Line: st.From.StartLine})
	}
	m.Target = len(m.Stages) - 1
	if opt.Target != "" {
		m.Target = -1
		for _, s := range m.Stages {
			if s.Name == strings.ToLower(opt.Target) {
				m.Target = s.Index
			}
		}
		if m.Target < 0 {
			return fmt.Errorf("target stage %q not found", opt.Target)
		}
	}
	return nil
}

// states counts the build's states. BuildKit drops the stage prefix only
// when the build has a single state: one stage, and no COPY --from or RUN
// --mount that refers to anything but a stage (each adds a state of its
// own).
func (m *Model) states(doc *ast.Document) int {
	states := len(m.Stages)
	for _, ins := range doc.Instructions {
		switch c := ins.Command.(type) {
		case *instructions.CopyCommand:
			if c.From != "" && stageRef(m, c.From, true, len(m.Stages)) < 0 {
				states++
			}
		case *instructions.RunCommand:
			for _, mnt := range instructions.GetMounts(c) {
				from := mnt.From
				if from == "" {
					from = "scratch"
				}
				if stageRef(m, from, false, len(m.Stages)) < 0 {
					states++
				}
			}
		}
	}
	return states
}

// builder dispatches the stages of a model in order.
type builder struct {
	m      *Model
	lex    *shell.Lex
	global *stageEnv
	named  map[string]bool // the named build contexts
	opt    Options
	envs   []*stageEnv // the environment at the end of each stage
	states int
}

// stage dispatches the instructions of stage i.
func (b *builder) stage(i int, st *ast.Stage) error {
	m := b.m
	s := m.Stages[i]
	if b.states > 1 {
		s.Prefix = s.Display()
	}
	b.resolveBase(i, s, st)
	env := newEnv()
	if s.BaseStage >= 0 {
		env = b.envs[s.BaseStage].clone()
	}

	// BuildKit's total: the FROM of an image, then every RUN, COPY, ADD
	// and WORKDIR.
	if s.BaseStage < 0 && s.BaseRef != "scratch" {
		s.Total = 1
	}
	for _, ins := range st.Instructions[1:] {
		switch ins.Cmd {
		case "run", "copy", "add", "workdir":
			s.Total++
		}
	}
	n := 0
	if s.BaseStage < 0 && s.BaseRef != "scratch" {
		s.BaseRef = normalizeRef(s.BaseRef)
		if !b.named[familiar(s.BaseRef)] {
			n++
			m.addStep(s, &Step{Keyword: "FROM", Command: "FROM " + s.BaseRef, Index: n, ins: st.From, Args: s.BaseArgs})
		}
	}
	for _, ins := range st.Instructions[1:] {
		step, err := m.dispatch(s, ins, env, b.lex, b.global, b.opt)
		if err != nil {
			return fmt.Errorf("line %d: %v", ins.StartLine, err)
		}
		if step != nil {
			n++
			step.Index = n
			m.addStep(s, step)
		}
	}
	b.envs[i] = env
	return nil
}

// resolveBase expands the stage's FROM with the global build arguments
// and finds the earlier stage it names.
func (b *builder) resolveBase(i int, s *Stage, st *ast.Stage) {
	res, err := b.lex.ProcessWordWithMatches(st.Base, b.global)
	if err != nil || res.Result == "" {
		res.Result = st.Base
	}
	s.BaseRef = res.Result
	for k := range res.Matched {
		s.BaseArgs = append(s.BaseArgs, k)
	}
	sort.Strings(s.BaseArgs)
	for j := 0; j < i; j++ {
		if b.m.Stages[j].Name != "" && b.m.Stages[j].Name == s.BaseRef {
			s.BaseStage = j
		}
	}
}

func (m *Model) addStep(s *Stage, st *Step) {
	st.Stage = s.Index
	st.Total = s.Total
	st.Line, st.EndLine = st.ins.StartLine, st.ins.EndLine
	st.Name = vertexName(s.Prefix, st.Index, s.Total, st.Command)
	if st.Link {
		st.LinkName = vertexName(s.Prefix, st.Index, s.Total, "LINK "+st.Command)
	}
	s.Steps = append(s.Steps, st)
}

// vertexName is dockerfile2llb's prefixCommand.
func vertexName(prefix string, n, total int, cmd string) string {
	if total == 0 {
		return cmd
	}
	out := "["
	if prefix != "" {
		out += prefix + " "
	}
	out += fmt.Sprintf("%*d/%d] ", int(1+math.Log10(float64(total))), n, total)
	return out + cmd
}

// stageRef resolves a --from value: a stage name (or, for COPY, an index)
// of a stage before limit; -1 for an image.
func stageRef(m *Model, ref string, index bool, limit int) int {
	low := strings.ToLower(ref)
	for _, s := range m.Stages {
		if s.Name != "" && s.Name == low {
			return s.Index
		}
	}
	if index {
		var i int
		if _, err := fmt.Sscanf(ref, "%d", &i); err == nil && fmt.Sprint(i) == ref && i >= 0 && i < limit {
			return i
		}
	}
	return -1
}
