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
	"path"
	"sort"
	"strings"

	"github.com/dfopt/dfopt/pkg/ast"
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

// dispatch follows dockerfile2llb's dispatch for one instruction and
// returns its step, or nil when it makes no vertex.
func (m *Model) dispatch(s *Stage, ins *ast.Instruction, env *stageEnv, lex *shell.Lex, global *stageEnv, opt Options) (*Step, error) {
	cmd, err := instructions.ParseCommand(ins.Node)
	if err != nil {
		return nil, err
	}
	used := expandUsed(cmd, env, lex)
	switch c := cmd.(type) {
	case *instructions.EnvCommand:
		for _, kv := range c.Env {
			env.set(kv.Key, kv.Value, false)
		}
	case *instructions.ArgCommand:
		declareArgs(c, env, lex, global, opt)
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
		return m.copyStep(s, ins, c, env, lex, used), nil
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

// copyStep is the step of a COPY: what it reads from the context, from an
// earlier stage or from an image.
func (m *Model) copyStep(s *Stage, ins *ast.Instruction, c *instructions.CopyCommand, env *stageEnv, lex *shell.Lex, used map[string]struct{}) *Step {
	st := &Step{Keyword: "COPY", Command: nameOf(lex, c.String(), env, false), ins: ins, Args: env.argsUsed(used)}
	st.Link = c.Link && c.Chmod == ""
	from := -1
	if c.From != "" {
		from = stageRef(m, c.From, true, s.Index)
		if from < 0 {
			st.Images = append(st.Images, c.From)
			return st
		}
	}
	for _, src := range c.SourcePaths {
		if from >= 0 {
			addStageRead(st, from, "copy", path.Clean("/"+src))
			continue
		}
		st.Reads = append(st.Reads, newRead("copy", src, c.ExcludePatterns, c.Parents))
	}
	return st
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
