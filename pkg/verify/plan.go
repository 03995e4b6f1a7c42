package verify

import (
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/explain"
	"github.com/dfopt/dfopt/pkg/transform"
	"github.com/dfopt/dfopt/pkg/transform/cacheplan"
	"mvdan.cc/sh/v3/syntax"
)

// plan is one side's Dockerfile as BuildKit runs it, from pkg/explain's
// model (the same vertex names, stages and context reads that `dfopt
// explain` predicts). Verify uses it to name the line of a failing step,
// to tell dependency installs by what earlier steps of the stage did, and
// to find the context files the build reads.
type plan struct {
	m      *explain.Model
	byName map[string]*explain.Step
	byLine map[int]*ast.Instruction
	deps   map[*explain.Step]bool
}

// newPlan models a Dockerfile; nil when it cannot be modelled (it does
// not parse: the build will say why). bctx may be nil (no context reads).
func newPlan(dockerfile string, src []byte, bctx *transform.BuildContext, contexts []NamedContext) *plan {
	doc, err := ast.Parse(dockerfile, src)
	if err != nil || len(doc.Stages) == 0 {
		return nil
	}
	var names []string
	for _, c := range contexts {
		names = append(names, c.Name)
	}
	m, err := explain.Build(doc, bctx, explain.Options{NamedContexts: names})
	if err != nil {
		return nil
	}
	p := &plan{m: m, byName: map[string]*explain.Step{}, byLine: map[int]*ast.Instruction{}}
	for _, ins := range doc.Instructions {
		p.byLine[ins.StartLine] = ins
	}
	for _, s := range m.Stages {
		for _, st := range s.Steps {
			p.byName[st.Name] = st
			if st.LinkName != "" {
				p.byName[st.LinkName] = st
			}
		}
	}
	p.classify()
	return p
}

// stepParts matches a vertex name: "[PREFIX N/M] COMMAND", where PREFIX
// may hold a platform before the stage name and N is padded with spaces.
var stepParts = regexp.MustCompile(`^\[(?:(.*?) +)? *(\d+)/\d+\] (.*)$`)

// step finds the model's step for a vertex name: by the exact name, else
// by the stage and the step number when the keyword agrees (a name can
// differ where a variable's value is only known to the build).
func (p *plan) step(name string) *explain.Step {
	if p == nil || name == "" {
		return nil
	}
	if st := p.byName[name]; st != nil {
		return st
	}
	m := stepParts.FindStringSubmatch(name)
	if m == nil {
		return nil
	}
	prefix := m[1]
	if i := strings.LastIndexByte(prefix, ' '); i >= 0 {
		prefix = prefix[i+1:] // a platform comes first
	}
	n, _ := strconv.Atoi(m[2])
	words := strings.Fields(m[3])
	if len(words) > 1 && words[0] == "LINK" {
		words = words[1:]
	}
	if len(words) == 0 {
		return nil
	}
	for _, s := range p.m.Stages {
		if s.Prefix != prefix && !(prefix != "" && s.Display() == prefix) {
			continue
		}
		for _, st := range s.Steps {
			if st.Index == n && st.Keyword == strings.ToUpper(words[0]) {
				return st
			}
		}
	}
	return nil
}

// script is the shell analysis of a RUN step (nil for other steps, a
// non-POSIX shell, or a body that does not parse). An exec-form RUN is
// read as the command line it runs.
func (p *plan) script(st *explain.Step) *ast.Script {
	if st == nil || st.Keyword != "RUN" {
		return nil
	}
	ins := p.byLine[st.Line]
	if ins == nil {
		return nil
	}
	return scriptOf(p.m.Doc, ins)
}

// scriptOf is ast's shell analysis of a RUN; an exec-form RUN is read as
// the command line it runs.
func scriptOf(doc *ast.Document, ins *ast.Instruction) *ast.Script {
	if !ins.JSON {
		return doc.Shell(ins)
	}
	var words []string
	for _, a := range ins.Args {
		q, err := syntax.Quote(a, syntax.LangBash)
		if err != nil {
			return nil
		}
		words = append(words, q)
	}
	return runScript("RUN " + strings.Join(words, " "))
}

// runScript analyses one RUN instruction's text on its own.
func runScript(instr string) *ast.Script {
	doc, err := ast.Parse("Dockerfile", []byte("FROM scratch\n"+instr+"\n"))
	if err != nil || len(doc.Instructions) != 2 || doc.Instructions[1].Cmd != "run" {
		return nil
	}
	if ins := doc.Instructions[1]; ins.JSON {
		if len(ins.Args) == 0 {
			return nil
		}
		return scriptOf(doc, ins)
	}
	return doc.Shell(doc.Instructions[1])
}

// classify marks the steps that install dependencies (see
// transform.DependencyWork): an explicit install, or a build command that
// downloads what it lacks, unless an earlier step of the stage (or of the
// stage it is built FROM) already ran that ecosystem's explicit install.
func (p *plan) classify() {
	p.deps = map[*explain.Step]bool{}
	fetched := make([]map[string]bool, len(p.m.Stages))
	for i, s := range p.m.Stages {
		f := map[string]bool{}
		if s.BaseStage >= 0 && s.BaseStage < i {
			for k := range fetched[s.BaseStage] {
				f[k] = true
			}
		}
		for _, st := range s.Steps {
			for _, w := range cacheplan.DependencyWork(p.script(st)) {
				if !w.Implicit {
					f[w.Ecosystem] = true
					p.deps[st] = true
				} else if !f[w.Ecosystem] {
					p.deps[st] = true
				}
			}
		}
		fetched[i] = f
	}
}

// annotate completes a build's result with what the model knows: which
// steps install dependencies, and the line of the failing step.
func (p *plan) annotate(r *BuildResult) {
	if p == nil || r == nil {
		return
	}
	for i := range r.Steps {
		if st := p.step(r.Steps[i].Name); st != nil {
			r.Steps[i].DepInstall = p.deps[st]
		}
	}
	if f := r.Failure; f != nil {
		if st := p.step(f.Step); st != nil {
			f.Line = st.Line
		}
	}
}

// contextReads lists the context files that a COPY, an ADD or a bind
// mount of a built stage reads (the ignore file and --exclude applied).
// known is false when the plan has no context to read.
func (p *plan) contextReads() (files []string, known bool) {
	if p == nil || p.m.Context == nil {
		return nil, false
	}
	seen := map[string]bool{}
	for _, s := range p.m.Stages {
		if !s.Built {
			continue
		}
		for _, st := range s.Steps {
			for _, r := range st.Reads {
				for _, f := range r.Files {
					if !seen[f] {
						seen[f] = true
						files = append(files, f)
					}
				}
			}
		}
	}
	sort.Strings(files)
	return files, true
}
