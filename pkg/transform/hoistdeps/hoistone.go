package hoistdeps

import (
	"fmt"
	"path"
	"strings"

	"mvdan.cc/sh/v3/syntax"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/emit"
	"github.com/dfopt/dfopt/pkg/knowledge/tools"
	"github.com/dfopt/dfopt/pkg/transform"
	movespkg "github.com/dfopt/dfopt/pkg/transform/moves"
)

// hoisting is one dependency install after a full COPY, as hoistOne works
// out whether and how it moves above the COPY.
type hoisting struct {
	st *ast.Stage
	fc *fullCopy

	// Found by scan: the install, the RUN that holds it, what lies between.
	moves     []*ast.Instruction // RUNs before the install that move along
	barrier   *ast.Instruction   // the first instruction nothing may cross
	blocker   *ast.Instruction   // the first RUN that cannot move
	blockedBy string
	r         *ast.Instruction // the RUN of the install
	in        *transform.Install
	steps     []transform.Step // the RUN's top-level steps; steps[k] installs
	k, rIdx   int

	// Worked out from there.
	setup    movespkg.FreeEnv   // the RUN's own steps must be free of the COPY's destination
	cwd      string             // where the install runs
	pdir     string             // the project folder in the image
	view     *transform.CtxView // the context, as the COPY copies it
	ctxDir   string             // the project folder in the context
	files    []string           // the manifests to copy first
	cdPrefix string             // `cd DIR && ` when the RUN's WORKDIR is not the COPY's
	last     int                // the last step that runs with the dependency-only install
	body     string             // the dependency-only RUN's script
	row      *installWrite
	stay     string // why the install runs again after the COPY
	// fetch: the download-only RUN before the COPY that the install is
	// hoisted in place of (fetchonly.go), with its tool's row.
	fetch    *ast.Instruction
	fetchRow *tools.Fetch
}

// hoistOne looks for the first install after instruction from; it
// reports whether that install moved, and where to look next.
func (h *hoister) hoistOne(st *ast.Stage, fc *fullCopy, fe *movespkg.FreeEnv, from int) (int, bool) {
	x, ok := h.scan(st, fc, fe, from)
	if !ok || !h.clear(x) || !h.installDir(x) || !h.manifests(x) || !h.fetchSource(x) || !h.workdirPrefix(x) {
		return 0, false
	}
	h.dependencyBody(x)
	if !h.verdict(x) || !h.execWhole(x) {
		return 0, false
	}
	moved := h.hoistEdits(x)
	if fc.hoisted == nil {
		fc.hoisted = map[*transform.Ecosystem]bool{}
	}
	fc.hoisted[x.in.Eco] = true
	return x.rIdx + 1, moved
}

// scan finds the first install after instruction from and what stands
// between it and the COPY; !ok: nothing to hoist from here.
func (h *hoister) scan(st *ast.Stage, fc *fullCopy, fe *movespkg.FreeEnv, from int) (*hoisting, bool) {
	d := h.d
	c := fc.ins
	x := &hoisting{st: st, fc: fc, k: -1, rIdx: -1}
	for j := from; j < len(st.Instructions) && x.r == nil; j++ {
		y := st.Instructions[j]
		switch {
		case transform.Crossable[y.Cmd]:
		case y.Cmd == "workdir":
			h.mv.Cross(fe, y)
		case y.Cmd == "run":
			sc := h.sh.Of(y)
			if sc != nil && len(y.Heredocs) == 0 {
				x.steps = transform.TopSteps(sc.File)
				for n, s := range x.steps {
					if call, ok := s.Stmt.Cmd.(*syntax.CallExpr); ok && len(call.Args) > 0 {
						if x.in = transform.Recognise(call); x.in != nil {
							x.r, x.k, x.rIdx = y, n, j
							break
						}
					}
				}
			}
			if x.r != nil || x.blocker != nil {
				break // blocked: only looking on for the install it keeps below
			}
			if x.barrier != nil || transform.IgnoredAt(d, y.StartLine, y.EndLine, "reorder") || transform.IgnoredAt(d, y.StartLine, y.EndLine, "hoist-deps") {
				return nil, false
			}
			if why, _ := h.mv.Movable(*fe, y, c); why != "" {
				x.blocker, x.blockedBy = y, why
				break
			}
			x.moves = append(x.moves, y)
		default:
			if x.barrier == nil {
				x.barrier = y
			}
		}
	}
	return x, true
}

// clear reports whether the install found may be hoisted as far as the
// instructions between it and the COPY go (reporting why not).
func (h *hoister) clear(x *hoisting) bool {
	d, c, r, in := h.d, x.fc.ins, x.r, x.in
	if r == nil || in.Ignore || x.fc.hoisted[in.Eco] || transform.IgnoredAt(d, c.StartLine, c.EndLine, "hoist-deps") {
		return false
	}
	if fetch, before := h.installedBefore(x.st, c, in.Eco); before && (fetch == nil || !h.fetchInstead(x, fetch)) {
		return false
	}
	where := transform.InsQuote(d, c)
	if in.NeedsSource != "" {
		h.finding(r, "not hoisted: "+needsSource(in.NeedsSource))
		return false
	}
	if x.blocker != nil && (x.barrier == nil || x.blocker.Index < x.barrier.Index) {
		h.finding(r, fmt.Sprintf("not hoisted: %s runs between %s and the install, and %s", transform.InsQuote(d, x.blocker), where, x.blockedBy))
		return false
	}
	if x.barrier != nil {
		h.finding(r, fmt.Sprintf("not hoisted: %s stands between %s and the install and may change it", transform.InsQuote(d, x.barrier), where))
		return false
	}
	return true
}

// installDir finds where the install runs: the RUN's working directory,
// then its cds; the steps before the install must be free of the COPY.
func (h *hoister) installDir(x *hoisting) bool {
	d, r, fc := h.d, x.r, x.fc
	sc := h.sh.Of(r)
	x.cwd = h.mv.Env(r).Workdir
	x.setup = h.mv.Steps(r, fc.dest, transform.InsQuote(d, fc.ins))
	for _, s := range x.steps[:x.k] {
		if call, ok := s.Stmt.Cmd.(*syntax.CallExpr); ok && len(s.Stmt.Redirs) == 0 {
			if name, args, ok := transform.CallName(call); ok && name == "cd" {
				v, lit := "", false
				if len(args) == 2 {
					v, lit = transform.LitWord(args[1])
				}
				if !lit || strings.HasPrefix(v, "~") || v == "-" || strings.Contains(v, "$") {
					h.finding(r, "not hoisted: the RUN changes to a folder that is not certain before the install")
					return false
				}
				if strings.HasPrefix(v, "/") {
					x.cwd = path.Clean(v)
				} else {
					x.cwd = path.Join(x.cwd, v)
				}
				continue
			}
		}
		c2 := x.cwd
		if why := x.setup.Stmt(s.Stmt, &c2); why != "" {
			h.finding(r, fmt.Sprintf("not hoisted: `%s` runs before the install in the same RUN, and %s", stepText(d, sc, s.Stmt), why))
			return false
		}
	}
	x.pdir = x.cwd
	if x.in.Dir != "" {
		x.pdir = (&ast.StageEnv{Workdir: x.cwd}).Resolve(x.in.Dir, '\\')
	}
	return true
}

// manifests finds the context folders of the project and of the named
// manifests, and the manifests to copy first.
func (h *hoister) manifests(x *hoisting) bool {
	fc, in := x.fc, x.in
	x.view = &transform.CtxView{Context: h.p.Context, Root: fc.src}
	relP, inDest := ast.RelPath(fc.dest, x.pdir)
	if !inDest && (in.Eco.Name != "pip" || len(in.Named) == 0) {
		return false // the project is not in the copied folder
	}
	x.ctxDir = contextPath(fc.src, relP)
	var named []string
	for _, n := range in.Named {
		img := n
		if !strings.HasPrefix(n, "/") {
			img = path.Join(x.pdir, n)
		}
		rel, ok := ast.RelPath(fc.dest, img)
		if !ok {
			return false // not from this COPY
		}
		named = append(named, contextPath(fc.src, rel))
	}
	in.Named = named
	files, why := h.collect(x.view, in, x.ctxDir)
	if why == ignoreReason {
		return false
	}
	if why == "" && h.p.Context == nil {
		why = h.generated(x.st, fc.ins, files)
	}
	if why == "" && in.Eco.Stub {
		why = h.fresh(x.st, fc.ins, fc)
	}
	if why != "" {
		h.finding(x.r, "not hoisted: "+why)
		return false
	}
	x.files = files
	return true
}

// workdirPrefix: the hoisted install runs where the COPY is, so a RUN
// under another WORKDIR gets a `cd`; the manifests must need no quoting.
func (h *hoister) workdirPrefix(x *hoisting) bool {
	r := x.r
	rEnv, cEnv := h.mv.Env(r), h.mv.Env(x.fc.ins)
	if rEnv.Workdir != cEnv.Workdir {
		to := rEnv.Workdir
		if rel, ok := ast.RelPath(cEnv.Workdir, rEnv.Workdir); ok {
			to = rel
		} else if !ast.IsAbsPath(to) {
			h.finding(r, "not hoisted: the install's working directory is not certain where the COPY is")
			return false
		}
		if !plainPath(to) {
			return false
		}
		x.cdPrefix = "cd " + to + " && "
	}
	for _, f := range x.files {
		if !plainPath(f) {
			h.finding(r, "not hoisted: "+f+" would need quoting in a COPY")
			return false
		}
	}
	return true
}

// dependencyBody writes the dependency-only RUN's script: the steps
// before the install, the dependency-only install, and the suffix of the
// RUN that still runs with it (cleanup that does not touch the copied
// files).
func (h *hoister) dependencyBody(x *hoisting) {
	d, sc, steps, k := h.d, h.sh.Of(x.r), x.steps, x.k
	x.last = k
	for n := k + 1; n < len(steps); n++ {
		s := steps[n]
		if s.Sep != "&&" && s.Sep != ";" {
			break
		}
		c2 := x.cwd
		if x.setup.Stmt(s.Stmt, &c2) != "" {
			break
		}
		x.last = n
	}
	t := &transform.TextOf{Doc: d, Script: sc, Span: transform.StmtSpan(sc, steps[k].Stmt), Args: x.in.Args}
	x.body = string(d.Src[transform.StmtSpan(sc, steps[0].Stmt).Start:t.Span.Start]) + x.in.Dep(t)
	if x.last > k {
		x.body += string(d.Src[t.Span.End:transform.StmtSpan(sc, steps[x.last].Stmt).End])
	}
}

// verdict decides whether the install moves above the COPY (it writes
// nothing the COPY brings back differently) or runs again after it; false
// when running it again would install everything a second time.
func (h *hoister) verdict(x *hoisting) bool {
	x.row = installWriteRow(x.in.Writes)
	if x.row == nil {
		return true
	}
	w := &writeCheck{h: h, in: x.in, run: x.r, fc: x.fc, view: x.view, pdir: x.pdir, ctxDir: x.ctxDir, files: x.files, se: transform.StagesOf(h.p)}
	w.env = w.se.At(x.r)
	w.call, _ = x.steps[x.k].Stmt.Cmd.(*syntax.CallExpr)
	if x.stay = h.moveVerdict(x.row, w, x.steps, x.k, x.last); x.stay != "" && x.row.reinstall {
		h.finding(x.r, "not hoisted: "+x.stay+"; running `"+x.row.Command+"` again after the COPY would install everything a second time")
		return false
	}
	return true
}

// hoistEdits reports the finding with its edits: the moved steps, the
// manifests' COPY, the install, all above the full COPY. It reports
// whether the install itself moved.
func (h *hoister) hoistEdits(x *hoisting) bool {
	d, c, r := h.d, x.fc.ins, x.r
	at := transform.AttachedStart(d, c)
	indent := d.Indent(c.Span.Start)
	var b strings.Builder
	var edits []emit.Edit
	for _, y := range x.moves {
		del, text := transform.MoveOut(d, y)
		b.WriteString(text)
		edits = append(edits, del)
	}
	for _, line := range h.copyLines(x.view, x.fc, x.files) {
		b.WriteString(indent + line + d.EOL())
	}
	moved := x.row != nil && x.stay == ""
	split := moved && x.last < len(x.steps)-1
	if split {
		// The install moves, the steps after it stay (splitVerdict).
		b.WriteString(indent + r.Keyword + transform.RunFlags(d, r) + " " + x.cdPrefix + x.body + d.EOL())
		edits = append(edits, h.splitEdits(x)...)
	} else if moved {
		// The install writes nothing that the COPY brings: it moves.
		del, text := transform.MoveOut(d, r)
		if x.cdPrefix != "" {
			text = string(d.Src[transform.AttachedStart(d, r):r.Span.Start]) + indent + r.Keyword + transform.RunFlags(d, r) + " " + x.cdPrefix + x.body + d.EOL()
		}
		b.WriteString(text)
		edits = append(edits, del)
	} else {
		b.WriteString(indent + r.Keyword + transform.RunFlags(d, r) + " " + x.cdPrefix + x.body + d.EOL())
	}
	edits = append(edits, transform.Carry(d, emit.Edit{Start: at, End: at, New: b.String()}, append(append([]*ast.Instruction(nil), x.moves...), r)...))
	h.finding(r, h.hoistMessage(x, moved), edits...)
	// After a split the RUN stays where it was: look no further.
	return moved && !split
}

// splitEdits delete the moved steps from the RUN, up to the `&&` that
// joins them to the steps that stay; comment lines between the two are
// kept.
func (h *hoister) splitEdits(x *hoisting) []emit.Edit {
	sc := h.sh.Of(x.r)
	from := transform.StmtSpan(sc, x.steps[0].Stmt).Start
	end := transform.StmtSpan(sc, x.steps[x.last].Stmt).End
	next := transform.StmtSpan(sc, x.steps[x.last+1].Stmt).Start
	gap := string(h.d.Src[end:next])
	if !strings.Contains(gap, "#") {
		return []emit.Edit{{Start: from, End: next}}
	}
	at := end
	for _, line := range strings.SplitAfter(gap, "\n") {
		if t := strings.TrimSpace(line); !strings.HasPrefix(t, "#") {
			if i := strings.Index(line, "&&"); i >= 0 {
				op := at + i + len("&&")
				return []emit.Edit{{Start: from, End: end + spaces(gap)}, {Start: at + i, End: op + spaces(string(h.d.Src[op:next]))}}
			}
		}
		at += len(line)
	}
	return []emit.Edit{{Start: from, End: next}}
}

// spaces is the length of the blanks s starts with.
func spaces(s string) int { return len(s) - len(strings.TrimLeft(s, " \t")) }

// hoistMessage says what the hoist does.
func (h *hoister) hoistMessage(x *hoisting, moved bool) string {
	fc := x.fc
	names := make([]string, len(x.files))
	for i, f := range x.files {
		names[i] = f
		if rel, ok := ast.RelPath(fc.src, f); ok && fc.src != "" {
			names[i] = rel
		}
		if x.view.IsDir(f) {
			names[i] += "/"
		}
	}
	msg := fmt.Sprintf("%s dependencies are installed after %s, so every source change reinstalls them: copy %s first and install before the COPY", x.in.Eco.Name, transform.InsQuote(h.d, fc.ins), transform.AndList(names))
	if moved && x.last < len(x.steps)-1 {
		msg += "; the install moves (it writes nothing the COPY brings) and the RUN keeps only what follows it"
	} else if moved {
		msg += " (the install moves: it writes nothing the COPY brings)"
	} else if x.stay != "" {
		msg += "; the install runs again after it: " + x.stay
	} else if x.row == nil && x.in.Same && x.fetch == nil {
		msg += "; the install runs again after it: dfopt has no proof for " + x.in.Eco.Name + " that a second run after the COPY would change nothing"
	} else if !x.in.Same {
		msg += "; the original install still runs after it"
	}
	if x.fetch != nil {
		msg += "; " + h.fetchDoes(x) + ", so the install itself is hoisted (the original runs again after the COPY, on the installed dependencies)"
	}
	return msg
}
