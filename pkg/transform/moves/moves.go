// Package moves is the movability analysis that reorder and hoist-deps
// share: a RUN may move above instructions that write the protected paths
// (a COPY's destination, a WORKDIR) when nothing it may read or write is
// under them. What each command touches comes from the read-set model
// (readset.go); moves.go resolves those files against the working
// directory and the stage's variables, and checks the shell around the
// commands (redirections, substitutions, cd, mounts).
package moves

import (
	"path"
	"strings"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/transform"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"mvdan.cc/sh/v3/syntax"
)

// Analysis is the analysis of which RUNs may move where: what each
// RUN may read or write (its read set), against the paths the
// instructions it would move above write. Reorder and hoist-deps require
// it; its result (*Result) answers their questions for one document.
var Analysis = &transform.Analysis{
	Name: "movability",
	Doc:  "which RUNs may move above the instructions that write paths they may read or write",
	Run:  func(p *transform.Pass) any { return newMoves(p.Doc) },
}

// Result is the movability analysis of a document: its RUN scripts and the
// variables in force at each instruction, parsed once.
type Result struct {
	d       *ast.Document
	Scripts *transform.Scripts
	Envs    []ast.StageEnv
}

func newMoves(d *ast.Document) *Result {
	return &Result{d: d, Scripts: transform.NewScripts(d), Envs: d.Envs()}
}

// Of is the pass's movability analysis.
func Of(p *transform.Pass) *Result { return p.ResultOf(Analysis).(*Result) }

// Script is RUN x's shell script (nil when dfopt cannot analyse it).
func (m *Result) Script(x *ast.Instruction) *ast.Script { return m.Scripts.Of(x) }

// Env is the stage's state at instruction x.
func (m *Result) Env(x *ast.Instruction) *ast.StageEnv { return &m.Envs[x.Index] }

// Fence is what a RUN moving above COPY c must be free of: c's
// destination (and, when c's --chown names a user, user changes).
func (m *Result) Fence(c *ast.Instruction) FreeEnv {
	fe := FreeEnv{noUsers: transform.NamedChown(c)}
	fe.protect(transform.CopyDest(m.d, m.Env(c), c), transform.InsQuote(m.d, c))
	return fe
}

// Cross adds to a fence what instruction x, which the RUN moves above
// too, writes: a COPY or ADD its destination, a WORKDIR its folder.
func (m *Result) Cross(fe *FreeEnv, x *ast.Instruction) {
	switch x.Cmd {
	case "copy", "add":
		fe.protect(transform.CopyDest(m.d, m.Env(x), x), transform.InsQuote(m.d, x))
		fe.noUsers = fe.noUsers || transform.NamedChown(x)
	case "workdir":
		fe.protect(transform.WorkdirAfter(m.d, m.Envs, x), transform.InsQuote(m.d, x))
	}
}

// Movable reports why RUN x cannot move above the fence to where
// instruction to stands ("" when it can), and whether that reason is a
// file the RUN names.
func (m *Result) Movable(fe FreeEnv, x, to *ast.Instruction) (string, bool) {
	return fe.Movable(m.d, m.Scripts, x, m.Env(x), m.Env(to))
}

// MovableSteps is Movable for some statements of RUN x's script: the
// first part of a RUN that would be split.
func (m *Result) MovableSteps(fe FreeEnv, x, to *ast.Instruction, list []*syntax.Stmt) (string, bool) {
	return fe.movable(m.d, m.Scripts, x, m.Env(x), m.Env(to), list)
}

// Steps is a fence for the steps of RUN r itself (those that run with an
// install in the same RUN): they must be free of dest, written by `by`.
func (m *Result) Steps(r *ast.Instruction, dest, by string) FreeEnv {
	fe := FreeEnv{vars: m.Env(r), d: m.d, sc: m.Script(r)}
	fe.protect(dest, by)
	return fe
}

// FreeEnv decides whether a RUN is free of the paths other instructions
// write: it may move above them.
type FreeEnv struct {
	Protected []string // resolved paths the step must not touch
	writers   []string // the instruction writing each of them, quoted (for messages)
	noUsers   bool     // no user or group changes (a crossed COPY --chown names one)
	vars      *ast.StageEnv
	d         *ast.Document
	sc        *ast.Script
	// named is set when the reason is a file that a known command names
	// (an argument, an option value, a redirection): worth a finding.
	named *bool
	// runs are the RUNs that cannot move and that the step would cross
	// (runpast.go); seen collects the paths a footprint touches.
	runs []Footprint
	seen *[]string
	// later holds a reason that speaks only when no other does (a `cd`
	// into the protected paths).
	later *string
}

// Movable reports why RUN x cannot move to where env `to` is in force
// ("" when it can), and whether that reason is a file the RUN names.
func (e FreeEnv) Movable(d *ast.Document, sh *transform.Scripts, x *ast.Instruction, at, to *ast.StageEnv) (string, bool) {
	return e.movable(d, sh, x, at, to, nil)
}

// movable is Movable for the statements list of RUN x's script (all of
// them when list is nil).
func (e FreeEnv) movable(d *ast.Document, sh *transform.Scripts, x *ast.Instruction, at, to *ast.StageEnv, list []*syntax.Stmt) (string, bool) {
	for _, f := range x.Flags {
		switch f.Name {
		case "mount":
			if why := e.mount(f.Value, at); why != "" {
				return why, false
			}
		case "network", "security", "device":
		default:
			return "`--" + f.Name + "`", false
		}
	}
	sc := sh.Of(x)
	if sc == nil {
		return "not a shell-form RUN dfopt can analyse", false
	}
	cwd := ""
	if at.Workdir == to.Workdir {
		cwd = at.Workdir
	}
	e.vars = at
	if why := e.commandPath(d, x); why != "" {
		return why, false
	}
	named, later := false, ""
	e.vars, e.d, e.sc, e.named, e.later = at, d, sc, &named, &later
	if list == nil {
		list = sc.File.Stmts
	}
	why := e.stmts(list, &cwd)
	if why == "" && later != "" {
		why, named = later, true
	}
	if why == "" {
		why = e.crossesRuns(list)
	}
	return why, why != "" && named
}

// commandPath reports why the commands of RUN x may come from the
// protected paths: a PATH set in its stage (or the stages it is built
// from) that names them, or that dfopt cannot resolve.
func (e FreeEnv) commandPath(d *ast.Document, x *ast.Instruction) string {
	if x.Stage < 0 {
		return ""
	}
	for st := d.Stages[x.Stage]; st != nil; {
		for _, ins := range st.Instructions {
			env, ok := ins.Command.(*instructions.EnvCommand)
			if !ok || ins.Index >= x.Index {
				continue
			}
			for _, kv := range env.Env {
				if kv.Key != "PATH" {
					continue
				}
				for _, dir := range strings.Split(kv.Value, ":") {
					if dir == "$PATH" || dir == "${PATH}" {
						continue
					}
					v, ok := e.vars.Expand(dir, d.Escape)
					if !ok || !strings.HasPrefix(v, "/") {
						return "`PATH` holds `" + dir + "`, which dfopt cannot resolve: commands may come from the copied files"
					}
					if why := e.conflict(path.Clean(v)); why != "" {
						return "`PATH` names " + why + ": commands may come from there"
					}
				}
			}
		}
		parent := d.StageByName(st.Base)
		if parent == nil || parent.Index >= st.Index {
			break
		}
		st = parent
	}
	return ""
}

func (e FreeEnv) mount(spec string, at *ast.StageEnv) string {
	typ, target, from := "bind", "", ""
	for _, kv := range strings.Split(spec, ",") {
		k, v, _ := strings.Cut(kv, "=")
		switch strings.ToLower(k) {
		case "type":
			typ = v
		case "target", "dst", "destination":
			target = v
		case "from":
			from = v
		}
	}
	switch typ {
	case "bind":
		if from == "" {
			return "a bind mount of the build context"
		}
	case "cache", "tmpfs", "secret", "ssh":
	default:
		return "a `" + typ + "` mount"
	}
	if target != "" {
		if why := e.conflict(at.Resolve(target, '\\')); why != "" {
			return why
		}
	}
	return ""
}

func (e FreeEnv) stmts(list []*syntax.Stmt, cwd *string) string {
	for _, s := range list {
		if why := e.Stmt(s, cwd); why != "" {
			return why
		}
	}
	return ""
}

func (e FreeEnv) Stmt(s *syntax.Stmt, cwd *string) string {
	if s.Background || s.Coprocess || s.Disown {
		return "a background job"
	}
	for _, r := range s.Redirs {
		if why := e.redirect(r, *cwd); why != "" {
			return why
		}
	}
	switch c := s.Cmd.(type) {
	case nil:
		return ""
	case *syntax.CallExpr:
		return e.call(c, cwd)
	case *syntax.BinaryCmd:
		if why := e.Stmt(c.X, cwd); why != "" {
			return why
		}
		return e.Stmt(c.Y, cwd)
	case *syntax.Block:
		return e.stmts(c.Stmts, cwd)
	case *syntax.Subshell:
		inner := *cwd
		return e.stmts(c.Stmts, &inner)
	case *syntax.DeclClause:
		return e.assigns(c.Args, *cwd)
	}
	return "a shell construct (`if`, `for`, …) dfopt does not analyse"
}

func (e FreeEnv) redirect(r *syntax.Redirect, cwd string) string {
	switch r.Op {
	case syntax.Hdoc, syntax.DashHdoc, syntax.WordHdoc, syntax.DplIn, syntax.DplOut:
		return e.substs(cwd, r.Word)
	}
	if v, ok := transform.LitWord(r.Word); ok && (v == "/dev/null" || v == "/dev/stdout" || v == "/dev/stderr") {
		return ""
	}
	ro := rWrite
	if r.Op == syntax.RdrIn {
		ro = rRead
	}
	return e.touched(touch{w: r.Word, role: ro, write: ro == rWrite, by: "the redirection `" + r.Op.String() + "`"}, cwd)
}

// substs checks the commands inside command substitutions of words.
func (e FreeEnv) substs(cwd string, words ...*syntax.Word) string {
	why := ""
	for _, w := range words {
		if w == nil {
			continue
		}
		syntax.Walk(w, func(n syntax.Node) bool {
			if why != "" {
				return false
			}
			switch n := n.(type) {
			case *syntax.CmdSubst:
				inner := cwd
				why = e.stmts(n.Stmts, &inner)
				return false
			case *syntax.ProcSubst:
				why = "a process substitution"
				return false
			case *syntax.ExtGlob:
				why = "an extended glob"
			}
			return true
		})
	}
	return why
}

// protect adds a path the step must not touch, and the instruction
// (quoted) that writes it.
func (e *FreeEnv) protect(p, by string) {
	e.Protected = append(e.Protected, p)
	e.writers = append(e.writers, by)
}

// where says where protected path i is written: "where `COPY . .`
// writes" (prefix "where") or "what `COPY . .` writes" (prefix "what").
func (e FreeEnv) where(i int, prefix string) string {
	if i < len(e.writers) && e.writers[i] != "" {
		return prefix + " " + e.writers[i] + " writes"
	}
	if prefix == "what" {
		return "the copied files"
	}
	return "where the files are copied"
}

// clash says how resolved path p meets the protected paths: "" when it
// does not.
func (e FreeEnv) clash(p string) string {
	for i, q := range e.Protected {
		if transform.SystemPath(p) && (!ast.IsAbsPath(q) || q == "/") {
			continue
		}
		if !ast.IsAbsPath(q) && ast.IsAbsPath(p) || ast.IsAbsPath(q) && !ast.IsAbsPath(p) {
			return "which may be " + e.where(i, "where")
		}
		if _, in := ast.RelPath(q, p); in {
			return e.where(i, "where")
		}
		if _, in := ast.RelPath(p, q); in {
			return "which holds " + e.where(i, "what")
		}
	}
	return ""
}

// conflict reports why touching resolved path p could interact with the
// protected paths.
func (e FreeEnv) conflict(p string) string { return e.describe("", p) }

// describe reports why touching the file written raw, resolved to p
// ("" when unknown), could interact with the protected paths.
func (e FreeEnv) describe(raw, p string) string {
	if p == "" {
		if raw == "" {
			return "a path that depends on the working directory or on a variable"
		}
		return "`" + raw + "`, a path that depends on the working directory or on a variable"
	}
	e.record(p)
	c := e.clash(p)
	switch {
	case c == "":
		return ""
	case raw == "" || raw == p:
		return show(p) + ", " + c
	}
	return "`" + raw + "` (" + show(p) + "), " + c
}

// show quotes a resolved path for a message; a path relative to the
// base image's working directory says so.
func show(p string) string {
	switch {
	case p == ast.UnknownDir:
		return "the base image's working directory"
	case strings.HasPrefix(p, ast.UnknownDir+"/"):
		return "`" + p[2:] + "` in the base image's working directory"
	case strings.HasPrefix(p, ast.UnknownDir):
		return "a folder named by a variable"
	}
	return "`" + p + "`"
}

// wordPath resolves a word used as a path: "" when it cannot be known. A
// word with a glob or an expansion resolves to the folder before it.
func (e FreeEnv) wordPath(w *syntax.Word, cwd string) string {
	v, ok := transform.LitWord(w)
	glob := transform.HasGlob(w)
	if !ok {
		raw := strings.NewReplacer(`"`, "", `'`, "").Replace(transform.RawWord(e.sc, w))
		if x, ok2 := e.vars.Expand(raw, '\\'); ok2 && !strings.ContainsAny(x, "$`") {
			v, ok = x, true
		} else {
			v = raw
		}
	}
	if !ok || glob {
		cut := strings.IndexAny(v, "$`*?[{")
		if cut < 0 {
			cut = len(v)
		}
		pre := v[:cut]
		k := strings.LastIndexByte(pre, '/')
		switch {
		case k >= 0:
			v = pre[:k+1]
		case cut == 0 && !ok:
			return "" // the whole path is an expansion
		default:
			v = "." // somewhere in the working directory
		}
	}
	return e.resolve(v, cwd)
}

func (e FreeEnv) path(w *syntax.Word, cwd string) string {
	if why := e.substs(cwd, w); why != "" {
		return why
	}
	return e.conflict(e.wordPath(w, cwd))
}

// mentions reports a word that names a protected path in its text.
func (e FreeEnv) mentions(w *syntax.Word) string {
	text := transform.RawWord(e.sc, w)
	for i, q := range e.Protected {
		if !ast.IsAbsPath(q) || q == "/" {
			continue
		}
		for k := strings.Index(text, q); k >= 0; {
			end := k + len(q)
			before := k == 0 || strings.ContainsRune(" \t=:'\"([,;#@|!", rune(text[k-1]))
			after := end == len(text) || strings.ContainsRune("/ \t'\":;,)]#@|!", rune(text[end]))
			if before && after {
				return "names `" + q + "`, " + e.where(i, "where")
			}
			n := strings.Index(text[end:], q)
			if n < 0 {
				break
			}
			k = end + n
		}
	}
	return ""
}

// pathLike reports whether a word given as a name is really a path.
func pathLike(v string) bool {
	return v == "." || v == ".." || strings.HasPrefix(v, "/") || strings.HasPrefix(v, "./") ||
		strings.HasPrefix(v, "../") || strings.HasPrefix(v, "~")
}

func (e FreeEnv) resolve(v, cwd string) string {
	switch {
	case strings.HasPrefix(v, "/"):
		return path.Clean(v)
	case strings.HasPrefix(v, "~"), cwd == "":
		return ""
	}
	return path.Join(cwd, v)
}

// assigns checks shell assignments: their command substitutions, and
// the variables that say where commands and their files are (PATH, HOME).
func (e FreeEnv) assigns(list []*syntax.Assign, cwd string) string {
	for _, a := range list {
		if a.Value == nil {
			continue
		}
		if why := e.substs(cwd, a.Value); why != "" {
			return why
		}
		if a.Name == nil {
			continue
		}
		// GIT_CONFIG=/app/gitconfig: a file the command reads.
		if why := e.mentions(a.Value); why != "" {
			e.mark()
			return "`" + a.Name.Value + "` " + why
		}
		switch a.Name.Value {
		case "HOME":
			if why := e.path(a.Value, cwd); why != "" {
				return "`HOME` is set to " + why
			}
		case "PATH":
			raw := strings.NewReplacer(`"`, "", `'`, "").Replace(transform.RawWord(e.sc, a.Value))
			for _, dir := range strings.Split(raw, ":") {
				if dir == "$PATH" || dir == "${PATH}" {
					continue
				}
				if why := e.conflict(e.resolve(dir, cwd)); why != "" {
					return "`PATH` names " + why
				}
			}
		}
	}
	return ""
}
