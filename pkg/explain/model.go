// Package explain predicts which steps of a Dockerfile build BuildKit runs
// again and which it takes from its cache, from the Dockerfile and the
// build context alone.
//
// The model follows BuildKit's cache keys:
//
//   - A COPY or ADD from the context is keyed by the previous step and by
//     the content of the files it selects (after the ignore file and the
//     instruction's --exclude patterns); COPY --link is keyed by its files
//     only, and the merge that links it onto the previous step is keyed by
//     both.
//   - A RUN is keyed by the previous step, its own text, its environment
//     (every ARG in scope with a value is part of it) and the content of the
//     sources it bind-mounts.
//   - COPY --from and RUN --mount from another stage are keyed by the
//     content of the files they take from that stage: when the stage runs
//     again they run again, unless those files come out byte-identical (the
//     prediction marks such steps Uncertain).
//   - A stage built FROM another stage continues that stage's chain: when
//     any step of the base stage runs again, every step of the stage does.
//
// Steps before the first invalidated one of a stage are CACHED; every step
// after it runs again. Vertex names are those of BuildKit's Dockerfile
// frontend (dockerfile2llb): `[stage-name N/M] INSTRUCTION`.
package explain

import (
	"fmt"
	"math"
	"path"
	"runtime"
	"sort"
	"strings"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/transform"
	"github.com/moby/buildkit/frontend/dockerfile/dfgitutil"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
)

// Options are the build's settings that change the model.
type Options struct {
	// Target is the stage to build ("" builds the last stage).
	Target string
	// BuildArgs are --build-arg values (they change step names and which
	// ARGs have a value).
	BuildArgs map[string]string
	// NamedContexts lists base images that the build maps to named
	// contexts (`--build-context node:20=…`, `context:node:20=…`): BuildKit
	// loads such a base without a `FROM` vertex, and the numbering of the
	// stage's steps starts at 1 although the total still counts the FROM.
	NamedContexts []string
	// Platform is the build and target platform ("" is linux/GOARCH).
	Platform string
}

// Model is a Dockerfile's steps with what each one depends on.
type Model struct {
	Path    string        `json:"dockerfile"`
	Context *Context      `json:"context,omitempty"`
	Target  int           `json:"target"` // index of the target stage
	Stages  []*Stage      `json:"stages"`
	Doc     *ast.Document `json:"-"`
}

// Stage is one build stage.
type Stage struct {
	Index int    `json:"index"`
	Name  string `json:"name,omitempty"` // the AS name, lower-cased
	// Prefix is the stage's name in BuildKit's vertex names: its AS name,
	// `stage-N` when unnamed, "" when the build has a single stage.
	Prefix    string   `json:"prefix,omitempty"`
	Base      string   `json:"base"`      // the FROM argument as written
	BaseRef   string   `json:"baseRef"`   // expanded (and normalized for images)
	BaseStage int      `json:"baseStage"` // index of the base stage, -1 for an image
	BaseArgs  []string `json:"baseArgs,omitempty"`
	Line      int      `json:"line"`
	Built     bool     `json:"built"` // the target needs it
	Needs     []int    `json:"needs,omitempty"`
	Total     int      `json:"total"` // M of BuildKit's [N/M]
	Steps     []*Step  `json:"steps"`
}

// Display names a stage for people: its AS name or `stage-N`.
func (s *Stage) Display() string {
	if s.Name != "" {
		return s.Name
	}
	return fmt.Sprintf("stage-%d", s.Index)
}

// Step is one instruction that BuildKit runs as a vertex.
type Step struct {
	Stage   int    `json:"stage"`
	Line    int    `json:"line"`
	EndLine int    `json:"endLine"`
	Keyword string `json:"keyword"` // FROM, RUN, COPY, ADD, WORKDIR
	// Command is the vertex name without its [N/M] prefix, as BuildKit
	// prints it (variables expanded, keyword in upper case).
	Command string `json:"command"`
	Name    string `json:"name"` // the full vertex name
	Index   int    `json:"index"`
	Total   int    `json:"total"`
	// Link is set for COPY --link / ADD --link: BuildKit runs the copy on
	// its own and a second vertex, LinkName, links it onto the stage.
	Link     bool         `json:"link,omitempty"`
	LinkName string       `json:"linkName,omitempty"`
	Reads    []*Read      `json:"reads,omitempty"`
	From     []*StageRead `json:"fromStages,omitempty"`
	Images   []string     `json:"fromImages,omitempty"`
	Remote   []string     `json:"remote,omitempty"`
	// Args are the build args whose value is part of the step's cache key:
	// for RUN every ARG in scope, for the others the ARGs their arguments
	// expand.
	Args []string `json:"args,omitempty"`

	ins *ast.Instruction
}

// Read is a set of context files a step reads.
type Read struct {
	Kind     string   `json:"kind"`   // copy, add, bind
	Source   string   `json:"source"` // context-relative, "." for the whole context
	Whole    bool     `json:"whole,omitempty"`
	Wildcard bool     `json:"wildcard,omitempty"`
	Exclude  []string `json:"exclude,omitempty"` // COPY --exclude
	Files    []string `json:"files"`             // the context files it selects
	// Missing: nothing in the context matches (BuildKit fails the COPY
	// unless the source is a wildcard). Ignored: the ignore file excludes
	// the source itself.
	Missing bool `json:"missing,omitempty"`
	Ignored bool `json:"ignored,omitempty"`

	written  string   // the source as the Dockerfile writes it (expanded)
	parts    []string // wildcard pattern components
	selected []bool   // per Context.Files index (nil without a context)
}

// StageRead is what a step takes from another stage.
type StageRead struct {
	Stage int      `json:"stage"`
	Kind  string   `json:"kind"` // copy, bind, cache
	Paths []string `json:"paths"`
}

// stageEnv is the environment of a stage while it is dispatched.
type stageEnv struct {
	keys  []string
	vals  map[string]string
	isArg map[string]bool
	args  []string // declared ARGs (in scope for RUN)
	wd    string
}

func newEnv() *stageEnv {
	return &stageEnv{vals: map[string]string{}, isArg: map[string]bool{}, wd: "/"}
}

func (e *stageEnv) clone() *stageEnv {
	c := &stageEnv{vals: map[string]string{}, isArg: map[string]bool{}, wd: e.wd}
	c.keys = append(c.keys, e.keys...)
	c.args = append(c.args, e.args...)
	for k, v := range e.vals {
		c.vals[k] = v
	}
	for k, v := range e.isArg {
		c.isArg[k] = v
	}
	return c
}

func (e *stageEnv) set(k, v string, arg bool) {
	if _, ok := e.vals[k]; !ok {
		e.keys = append(e.keys, k)
	}
	e.vals[k] = v
	e.isArg[k] = arg
}

func (e *stageEnv) Get(k string) (string, bool) { v, ok := e.vals[k]; return v, ok }
func (e *stageEnv) Keys() []string              { return append([]string(nil), e.keys...) }

func (e *stageEnv) declare(k string) {
	for _, a := range e.args {
		if a == k {
			return
		}
	}
	e.args = append(e.args, k)
}

// argsUsed keeps the names in matched whose value comes from an ARG.
func (e *stageEnv) argsUsed(matched map[string]struct{}) []string {
	var out []string
	for k := range matched {
		if e.isArg[k] {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

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

	// Stages, their names and the target.
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
			return nil, fmt.Errorf("target stage %q not found", opt.Target)
		}
	}

	global := globalArgs(doc, lex, opt, m.Stages[m.Target].Name)
	named := map[string]bool{}
	for _, n := range opt.NamedContexts {
		named[familiar(n)] = true
	}

	// BuildKit drops the stage prefix only when the build has a single
	// state: one stage, and no COPY --from or RUN --mount that refers to
	// anything but a stage (each adds a state of its own).
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

	envs := make([]*stageEnv, len(m.Stages))
	for i, st := range doc.Stages {
		s := m.Stages[i]
		if states > 1 {
			s.Prefix = s.Display()
		}
		res, err := lex.ProcessWordWithMatches(st.Base, global)
		if err != nil || res.Result == "" {
			res.Result = st.Base
		}
		s.BaseRef = res.Result
		for k := range res.Matched {
			s.BaseArgs = append(s.BaseArgs, k)
		}
		sort.Strings(s.BaseArgs)
		for j := 0; j < i; j++ {
			if m.Stages[j].Name != "" && m.Stages[j].Name == s.BaseRef {
				s.BaseStage = j
			}
		}
		env := newEnv()
		if s.BaseStage >= 0 {
			env = envs[s.BaseStage].clone()
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
			if !named[familiar(s.BaseRef)] {
				n++
				m.addStep(s, &Step{Keyword: "FROM", Command: "FROM " + s.BaseRef, Index: n, ins: st.From, Args: s.BaseArgs})
			}
		}
		for _, ins := range st.Instructions[1:] {
			step, err := m.dispatch(s, ins, env, lex, global, opt)
			if err != nil {
				return nil, fmt.Errorf("line %d: %v", ins.StartLine, err)
			}
			if step != nil {
				n++
				step.Index = n
				m.addStep(s, step)
			}
		}
		envs[i] = env
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

// globalArgs are the build's global arguments: the platform arguments,
// then the ARGs before the first FROM.
func globalArgs(doc *ast.Document, lex *shell.Lex, opt Options, target string) *stageEnv {
	env := newEnv()
	plat := opt.Platform
	if plat == "" {
		plat = "linux/" + runtime.GOARCH
	}
	parts := strings.Split(plat, "/")
	osName, arch, variant := parts[0], "", ""
	if len(parts) > 1 {
		arch = parts[1]
	}
	if len(parts) > 2 {
		variant = parts[2]
	}
	if target == "" {
		target = "default"
	}
	for _, kv := range [][2]string{
		{"BUILDPLATFORM", plat}, {"BUILDOS", osName}, {"BUILDOSVERSION", ""}, {"BUILDARCH", arch}, {"BUILDVARIANT", variant},
		{"TARGETPLATFORM", plat}, {"TARGETOS", osName}, {"TARGETOSVERSION", ""}, {"TARGETARCH", arch}, {"TARGETVARIANT", variant},
		{"TARGETSTAGE", target},
	} {
		v := kv[1]
		if ov, ok := opt.BuildArgs[kv[0]]; ok {
			v = ov
		}
		env.set(kv[0], v, true)
	}
	for _, ins := range doc.Instructions {
		if ins.Stage >= 0 {
			break
		}
		c, ok := ins.Command.(*instructions.ArgCommand)
		if !ok {
			continue
		}
		for _, kv := range c.Args {
			if v, ok := opt.BuildArgs[kv.Key]; ok {
				env.set(kv.Key, v, true)
			} else if kv.Value != nil {
				v, _, err := lex.ProcessWord(*kv.Value, env)
				if err != nil {
					v = *kv.Value
				}
				env.set(kv.Key, v, true)
			}
		}
	}
	return env
}

// dispatch follows dockerfile2llb's dispatch for one instruction and
// returns its step, or nil when it makes no vertex.
func (m *Model) dispatch(s *Stage, ins *ast.Instruction, env *stageEnv, lex *shell.Lex, global *stageEnv, opt Options) (*Step, error) {
	cmd, err := instructions.ParseCommand(ins.Node)
	if err != nil {
		return nil, err
	}
	var used map[string]struct{}
	if ex, ok := cmd.(instructions.SupportsSingleWordExpansion); ok {
		if _, isArg := cmd.(*instructions.ArgCommand); !isArg {
			used = map[string]struct{}{}
			_ = ex.Expand(func(word string) (string, error) {
				res, err := lex.ProcessWordWithMatches(word, env)
				for k := range res.Matched {
					used[k] = struct{}{}
				}
				return res.Result, err
			})
		}
	}
	switch c := cmd.(type) {
	case *instructions.EnvCommand:
		for _, kv := range c.Env {
			env.set(kv.Key, kv.Value, false)
		}
	case *instructions.ArgCommand:
		for _, kv := range c.Args {
			val := kv.Value
			if v, ok := opt.BuildArgs[kv.Key]; ok {
				val = &v
			} else if val == nil {
				if v, ok := global.Get(kv.Key); ok {
					val = &v
				}
			} else {
				v, _, err := lex.ProcessWord(*val, env)
				if err == nil {
					val = &v
				}
			}
			env.declare(kv.Key)
			if val != nil && kv.Key != "BUILDKIT_SBOM_SCAN_CONTEXT" && kv.Key != "BUILDKIT_SBOM_SCAN_STAGE" {
				env.set(kv.Key, *val, true)
			}
		}
	case *instructions.WorkdirCommand:
		wd := c.Path
		if !path.IsAbs(wd) {
			wd = path.Join(env.wd, wd)
		}
		env.wd = path.Clean("/" + wd)
		if env.wd == "/" {
			return nil, nil
		}
		return &Step{Keyword: "WORKDIR", Command: nameOf(lex, c.String(), env, false), ins: ins, Args: env.argsUsed(used)}, nil
	case *instructions.RunCommand:
		return m.runStep(s, ins, c, env, lex), nil
	case *instructions.CopyCommand:
		st := &Step{Keyword: "COPY", Command: nameOf(lex, c.String(), env, false), ins: ins, Args: env.argsUsed(used)}
		st.Link = c.Link && c.Chmod == ""
		from := -1
		if c.From != "" {
			from = stageRef(m, c.From, true, s.Index)
			if from < 0 {
				st.Images = append(st.Images, c.From)
				return st, nil
			}
		}
		for _, src := range c.SourcePaths {
			if from >= 0 {
				addStageRead(st, from, "copy", path.Clean("/"+src))
				continue
			}
			st.Reads = append(st.Reads, newRead("copy", src, c.ExcludePatterns, c.Parents))
		}
		return st, nil
	case *instructions.AddCommand:
		st := &Step{Keyword: "ADD", Command: nameOf(lex, c.String(), env, false), ins: ins, Args: env.argsUsed(used)}
		st.Link = c.Link && c.Chmod == ""
		for _, src := range c.SourcePaths {
			if isRemote(src) {
				st.Remote = append(st.Remote, src)
				continue
			}
			st.Reads = append(st.Reads, newRead("add", src, c.ExcludePatterns, false))
		}
		return st, nil
	}
	return nil, nil
}

func isRemote(src string) bool {
	if strings.HasPrefix(src, "http://") || strings.HasPrefix(src, "https://") {
		return true
	}
	ref, isGit, err := dfgitutil.ParseGitRef(src)
	return isGit || (err == nil && ref != nil && !ref.IndistinguishableFromLocal)
}

func addStageRead(st *Step, stage int, kind, p string) {
	for _, r := range st.From {
		if r.Stage == stage && r.Kind == kind {
			r.Paths = append(r.Paths, p)
			return
		}
	}
	st.From = append(st.From, &StageRead{Stage: stage, Kind: kind, Paths: []string{p}})
}

func (m *Model) runStep(s *Stage, ins *ast.Instruction, c *instructions.RunCommand, env *stageEnv, lex *shell.Lex) *Step {
	name := c.String()
	if len(c.Files) > 0 && len(c.CmdLine) == 1 && c.PrependShell && parser.MustParseHeredoc(c.CmdLine[0]) != nil {
		name += " (" + summarizeHeredoc(c.Files[0].Data) + ")"
	}
	st := &Step{Keyword: "RUN", Command: nameOf(lex, name, env, true), ins: ins}
	st.Args = append(st.Args, env.args...)
	sort.Strings(st.Args)
	for _, mnt := range instructions.GetMounts(c) {
		switch mnt.Type {
		case instructions.MountTypeBind, instructions.MountTypeCache:
		default:
			continue
		}
		from := mnt.From
		if from == "" {
			if mnt.Type == instructions.MountTypeCache {
				continue // a cache mount starts empty
			}
			st.Reads = append(st.Reads, newRead("bind", mnt.Source, nil, false))
			continue
		}
		idx := stageRef(m, from, false, s.Index)
		if idx < 0 {
			st.Images = append(st.Images, from)
			continue
		}
		addStageRead(st, idx, string(mnt.Type), path.Clean("/"+mnt.Source))
	}
	return st
}

// nameOf is dockerfile2llb's processCmdEnv + uppercaseCmd: RUN expands
// with raw quotes and escapes and keeps unset variables.
func nameOf(lex *shell.Lex, text string, env *stageEnv, run bool) string {
	l := *lex
	if run {
		l.RawQuotes, l.RawEscapes, l.SkipUnsetEnv = true, true, true
	}
	w, _, err := l.ProcessWord(text, env)
	if err != nil {
		w = text
	}
	p := strings.SplitN(w, " ", 2)
	p[0] = strings.ToUpper(p[0])
	return strings.Join(p, " ")
}

func summarizeHeredoc(doc string) string {
	doc = strings.TrimSpace(doc)
	lines := strings.Split(strings.ReplaceAll(doc, "\r\n", "\n"), "\n")
	summary := lines[0]
	if len(lines) > 1 {
		summary += "..."
	}
	return summary
}

// reach marks the stages the target needs.
func (m *Model) reach() {
	for _, s := range m.Stages {
		seen := map[int]bool{}
		if s.BaseStage >= 0 {
			seen[s.BaseStage] = true
		}
		for _, st := range s.Steps {
			for _, f := range st.From {
				seen[f.Stage] = true
			}
		}
		for i := range seen {
			s.Needs = append(s.Needs, i)
		}
		sort.Ints(s.Needs)
	}
	var visit func(i int)
	visit = func(i int) {
		if m.Stages[i].Built {
			return
		}
		m.Stages[i].Built = true
		for _, n := range m.Stages[i].Needs {
			visit(n)
		}
	}
	visit(m.Target)
}

// Step returns the step at a Dockerfile line, or nil.
func (m *Model) Step(line int) *Step {
	for _, s := range m.Stages {
		for _, st := range s.Steps {
			if st.Line <= line && line <= st.EndLine {
				return st
			}
		}
	}
	return nil
}
