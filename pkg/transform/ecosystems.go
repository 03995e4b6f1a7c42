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
	// NeedsSource reports what in the context makes the install need the whole
	// source ("" when nothing does). dir is the project folder.
	NeedsSource func(v *CtxView, in *Install, dir string) string
	// Extra adds manifests the install reads beyond Required/Optional.
	Extra func(v *CtxView, in *Install, dir string) ([]string, string)
	// Stub: the dependency-only form needs a placeholder target (cargo).
	Stub bool
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
			DepsOnly: h.DepsOnly, Source: h.Source, tool: t, Stub: h.Stub}
		if h.NeedsSource != nil {
			e.NeedsSource = func(v *CtxView, in *Install, dir string) string { return h.NeedsSource(ToolCtx{v}, in.Tool(), dir) }
		}
		if h.Extra != nil {
			e.Extra = func(v *CtxView, in *Install, dir string) ([]string, string) {
				return h.Extra(ToolCtx{v}, in.Tool(), dir)
			}
		}
		out = append(out, e)
	}
	return out
}

// Install is one recognised dependency install in a RUN (a
// tools.Install with the row it belongs to).
type Install struct {
	Eco           *Ecosystem
	ti            *tools.Install
	Args          []*syntax.Word // the command line, args[0] is the tool
	Dir           string         // the project folder, relative to the working directory
	Named         []string       // the manifests the command names itself
	NeedsSource   string         // why the install needs the whole source, from the command line alone
	Ignore        bool           // recognised, but nothing to hoist
	Same          bool           // the dependency-only form is the command itself
	Dep           func(t *TextOf) string
	Writes        string   // the Command of the tool's Writes row ("" = it always runs again)
	Lock          []string // the files a moving install needs among the hoisted ones
	ignoreScripts bool     // the install runs no lifecycle scripts
}

func newInstall(e *Ecosystem, ti *tools.Install) *Install {
	in := &Install{Eco: e, ti: ti, Args: ti.Args, Dir: ti.Dir, Named: ti.Named, NeedsSource: ti.Source,
		Ignore: ti.Ignore, Same: ti.Same, Lock: ti.Lock, ignoreScripts: ti.IgnoreScripts}
	if ti.Dep != nil {
		in.Dep = func(t *TextOf) string { return ti.Dep(t) }
	}
	if ti.Writes != nil {
		in.Writes = ti.Writes.Command
	}
	return in
}

// Tool is the install as the tools see it, with what hoist-deps changed
// since it was recognised (the named files, resolved in the context).
func (in *Install) Tool() *tools.Install {
	ti := *in.ti
	ti.Args, ti.Dir, ti.Named, ti.Source, ti.Lock, ti.IgnoreScripts = in.Args, in.Dir, in.Named, in.NeedsSource, in.Lock, in.ignoreScripts
	return &ti
}

// TextOf gives the source text of a statement and lets dependency-only
// forms be spliced from it (tools.Text).
type TextOf struct {
	Doc    *ast.Document
	Script *ast.Script
	Span   ast.Span // the install statement
	Args   []*syntax.Word
}

// Stmt is the statement as written.
func (t *TextOf) Stmt() string { return string(t.Doc.Src[t.Span.Start:t.Span.End]) }

// Word is the text of args[i] as written.
func (t *TextOf) Word(i int) string {
	sp := t.Script.SpanOf(t.Args[i])
	return string(t.Doc.Src[sp.Start:sp.End])
}

// UpTo is the statement's text up to the end of args[i] (assignments and
// wrappers included).
func (t *TextOf) UpTo(i int) string {
	return string(t.Doc.Src[t.Span.Start:t.Script.SpanOf(t.Args[i]).End])
}

// Splice returns the statement with edits applied.
func (t *TextOf) Splice(edits ...emit.Edit) string {
	for i := range edits {
		edits[i].Start -= t.Span.Start
		edits[i].End -= t.Span.Start
	}
	out, err := emit.Apply([]byte(t.Stmt()), edits)
	if err != nil {
		return t.Stmt()
	}
	return string(out)
}

// After inserts text right after args[i].
func (t *TextOf) After(i int, text string) emit.Edit {
	e := t.Script.SpanOf(t.Args[i]).End
	return emit.Edit{Start: e, End: e, New: text}
}

// Replace replaces args[i] with text.
func (t *TextOf) Replace(i int, text string) emit.Edit {
	sp := t.Script.SpanOf(t.Args[i])
	return emit.Edit{Start: sp.Start, End: sp.End, New: text}
}

// ToolCtx is the build context as the tools read it (tools.Context).
type ToolCtx struct{ View *CtxView }

func (c ToolCtx) Present() bool               { return c.View.Context != nil }
func (c ToolCtx) Read(rel string) string      { return c.View.Read(rel) }
func (c ToolCtx) Exists(rel string) bool      { return c.View.Exists(rel) }
func (c ToolCtx) IsDir(rel string) bool       { return c.View.IsDir(rel) }
func (c ToolCtx) List(dir string) []string    { return c.View.List(dir) }
func (c ToolCtx) ListAll(dir string) []string { return c.View.listAll(dir) }
func (c ToolCtx) Under(rel string) bool       { return c.View.Under(rel) }
func (c ToolCtx) Need(rel string) string      { return c.View.Need(rel) }

func NameSet(names ...string) map[string]bool { return tools.Set(names...) }

// ToolBase strips a version suffix: pip3.11 → pip3, python3.12 → python3.
func ToolBase(name string) string { return tools.Base(name) }

// EcosystemOfTool finds the row whose tool this is.
func EcosystemOfTool(name string) *Ecosystem {
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
func Recognise(c *syntax.CallExpr) *Install {
	name, args, ok := CallName(c)
	if !ok {
		return nil
	}
	name = ToolBase(name)
	e := EcosystemOfTool(name)
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
			v, ok := LitWord(args[i])
			if !ok {
				return nil, nil
			}
			if v == "-m" && i+1 < len(args) {
				m, _ := LitWord(args[i+1])
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
	if e := EcosystemOfTool(name); e != nil && len(args) > 1 {
		if v, _ := LitWord(args[1]); e.tool.Hoist.Delegate[v] != "" {
			return ecosystemNamed(e.tool.Hoist.Delegate[v]), args[1:]
		}
	}
	return nil, nil
}

// PythonPip returns the pip command line of `python -m pip …` and
// `uv pip …` (args[0] is then the word "pip").
func PythonPip(name string, args []*syntax.Word) []*syntax.Word {
	_, pa := delegated(name, args)
	return pa
}

// SubAt returns the first positional word (the subcommand) and its index.
func SubAt(args []*syntax.Word) (string, int) { return tools.Sub(args) }

// NpmValued are npm's options that take a value (multi-stage reads them).
var NpmValued = tools.Set(tools.Named("npm").Command.Valued...)
