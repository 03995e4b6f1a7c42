package transform

import (
	"strings"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/emit"
	"github.com/dfopt/dfopt/pkg/knowledge/tools"
	"mvdan.cc/sh/v3/syntax"
)

// Ecosystem is hoist-deps' view of a tool of pkg/knowledge/tools that
// knows its dependency installs (Tool.Hoist): recognition, manifests, the
// dependency-only form, what makes it need the whole source.
type Ecosystem struct {
	Name     string
	Required []string // must be in the build context
	Optional []string // copied too when present: lock files, tool configuration
	Outputs  []string // what the install writes into the project folder
	DepsOnly string
	Source   string

	tool *tools.Tool
	// source reports what in the context makes the install need the whole
	// source ("" when nothing does). dir is the project folder.
	source func(v *ctxView, in *install, dir string) string
	// extra adds manifests the install reads beyond Required/Optional.
	extra func(v *ctxView, in *install, dir string) ([]string, string)
	// stub: the dependency-only form needs a placeholder target (cargo).
	stub bool
}

// Ecosystems is derived from the tools registry, in its order.
var Ecosystems = deriveEcosystems()

func deriveEcosystems() []*Ecosystem {
	var out []*Ecosystem
	for _, t := range tools.All() {
		h := t.Hoist
		if h == nil {
			continue
		}
		e := &Ecosystem{Name: t.Name, Required: h.Required, Optional: h.Optional, Outputs: h.Outputs,
			DepsOnly: h.DepsOnly, Source: h.Source, tool: t, stub: h.Stub}
		if h.NeedsSource != nil {
			e.source = func(v *ctxView, in *install, dir string) string { return h.NeedsSource(toolCtx{v}, in.tool(), dir) }
		}
		if h.Extra != nil {
			e.extra = func(v *ctxView, in *install, dir string) ([]string, string) {
				return h.Extra(toolCtx{v}, in.tool(), dir)
			}
		}
		out = append(out, e)
	}
	return out
}

// install is one recognised dependency install in a RUN (a
// tools.Install with the row it belongs to).
type install struct {
	eco           *Ecosystem
	ti            *tools.Install
	args          []*syntax.Word // the command line, args[0] is the tool
	dir           string         // the project folder, relative to the working directory
	named         []string       // the manifests the command names itself
	source        string         // why the install needs the whole source, from the command line alone
	ignore        bool           // recognised, but nothing to hoist
	same          bool           // the dependency-only form is the command itself
	dep           func(t *textOf) string
	writes        string   // the Command of the tool's Writes row ("" = it always runs again)
	lock          []string // the files a moving install needs among the hoisted ones
	ignoreScripts bool     // the install runs no lifecycle scripts
}

func newInstall(e *Ecosystem, ti *tools.Install) *install {
	in := &install{eco: e, ti: ti, args: ti.Args, dir: ti.Dir, named: ti.Named, source: ti.Source,
		ignore: ti.Ignore, same: ti.Same, lock: ti.Lock, ignoreScripts: ti.IgnoreScripts}
	if ti.Dep != nil {
		in.dep = func(t *textOf) string { return ti.Dep(t) }
	}
	if ti.Writes != nil {
		in.writes = ti.Writes.Command
	}
	return in
}

// tool is the install as the tools see it, with what hoist-deps changed
// since it was recognised (the named files, resolved in the context).
func (in *install) tool() *tools.Install {
	ti := *in.ti
	ti.Args, ti.Dir, ti.Named, ti.Source, ti.Lock, ti.IgnoreScripts = in.args, in.dir, in.named, in.source, in.lock, in.ignoreScripts
	return &ti
}

// textOf gives the source text of a statement and lets dependency-only
// forms be spliced from it (tools.Text).
type textOf struct {
	d    *ast.Document
	sc   *ast.Script
	span ast.Span // the install statement
	args []*syntax.Word
}

// Stmt is the statement as written.
func (t *textOf) Stmt() string { return string(t.d.Src[t.span.Start:t.span.End]) }

// Word is the text of args[i] as written.
func (t *textOf) Word(i int) string {
	sp := t.sc.SpanOf(t.args[i])
	return string(t.d.Src[sp.Start:sp.End])
}

// UpTo is the statement's text up to the end of args[i] (assignments and
// wrappers included).
func (t *textOf) UpTo(i int) string {
	return string(t.d.Src[t.span.Start:t.sc.SpanOf(t.args[i]).End])
}

// Splice returns the statement with edits applied.
func (t *textOf) Splice(edits ...emit.Edit) string {
	for i := range edits {
		edits[i].Start -= t.span.Start
		edits[i].End -= t.span.Start
	}
	out, err := emit.Apply([]byte(t.Stmt()), edits)
	if err != nil {
		return t.Stmt()
	}
	return string(out)
}

// After inserts text right after args[i].
func (t *textOf) After(i int, text string) emit.Edit {
	e := t.sc.SpanOf(t.args[i]).End
	return emit.Edit{Start: e, End: e, New: text}
}

// Replace replaces args[i] with text.
func (t *textOf) Replace(i int, text string) emit.Edit {
	sp := t.sc.SpanOf(t.args[i])
	return emit.Edit{Start: sp.Start, End: sp.End, New: text}
}

// toolCtx is the build context as the tools read it (tools.Context).
type toolCtx struct{ v *ctxView }

func (c toolCtx) Present() bool               { return c.v.c != nil }
func (c toolCtx) Read(rel string) string      { return c.v.read(rel) }
func (c toolCtx) Exists(rel string) bool      { return c.v.exists(rel) }
func (c toolCtx) IsDir(rel string) bool       { return c.v.isDir(rel) }
func (c toolCtx) List(dir string) []string    { return c.v.list(dir) }
func (c toolCtx) ListAll(dir string) []string { return c.v.listAll(dir) }
func (c toolCtx) Under(rel string) bool       { return c.v.under(rel) }
func (c toolCtx) Need(rel string) string      { return c.v.need(rel) }

func nameSet(names ...string) map[string]bool { return tools.Set(names...) }

// toolBase strips a version suffix: pip3.11 → pip3, python3.12 → python3.
func toolBase(name string) string { return tools.Base(name) }

// ecosystemOfTool finds the row whose tool this is.
func ecosystemOfTool(name string) *Ecosystem {
	if t := tools.HoistOf(name); t != nil {
		return ecosystemNamed(t.Name)
	}
	return nil
}

func ecosystemNamed(name string) *Ecosystem {
	for _, e := range Ecosystems {
		if e.Name == name {
			return e
		}
	}
	return nil
}

// Kind classifies a command line of the ecosystem's tool.
func (e *Ecosystem) Kind(_ string, args []*syntax.Word, sub string) WorkKind {
	return e.tool.Command.Kind(args, sub)
}

// Recognise finds a dependency install in a call.
func Recognise(c *syntax.CallExpr) *install {
	name, args, ok := callName(c)
	if !ok {
		return nil
	}
	name = toolBase(name)
	e := ecosystemOfTool(name)
	if to, pa := delegated(name, args); pa != nil {
		e, name, args = to, to.tool.Progs[0], pa
	}
	if e == nil {
		return nil
	}
	ti := e.tool.Hoist.Match(name, args)
	if ti == nil {
		return nil
	}
	if ti.Args == nil {
		ti.Args = args
	}
	return newInstall(e, ti)
}

// delegated returns the tool and the command line of `python -m pip …`
// and `uv pip …` (args[0] is then the word "pip").
func delegated(name string, args []*syntax.Word) (*Ecosystem, []*syntax.Word) {
	switch name {
	case "python", "python3", "python2", "py":
		for i := 1; i < len(args); i++ {
			v, ok := litWord(args[i])
			if !ok {
				return nil, nil
			}
			if v == "-m" && i+1 < len(args) {
				m, _ := litWord(args[i+1])
				for _, e := range Ecosystems {
					if e.tool.Hoist.ByModule && e.tool.Module == m {
						return e, args[i+1:]
					}
				}
				return nil, nil
			}
			if !strings.HasPrefix(v, "-") {
				return nil, nil
			}
		}
		return nil, nil
	}
	if e := ecosystemOfTool(name); e != nil && len(args) > 1 {
		if v, _ := litWord(args[1]); e.tool.Hoist.Delegate[v] != "" {
			return ecosystemNamed(e.tool.Hoist.Delegate[v]), args[1:]
		}
	}
	return nil, nil
}

// pythonPip returns the pip command line of `python -m pip …` and
// `uv pip …` (args[0] is then the word "pip").
func pythonPip(name string, args []*syntax.Word) []*syntax.Word {
	_, pa := delegated(name, args)
	return pa
}

// subAt returns the first positional word (the subcommand) and its index.
func subAt(args []*syntax.Word) (string, int) { return tools.Sub(args) }

// npmValued are npm's options that take a value (multi-stage reads them).
var npmValued = tools.Set(tools.Named("npm").Command.Valued...)
