package transform

import (
	"fmt"
	"github.com/dfopt/dfopt/pkg/knowledge/tools"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/emit"
	"mvdan.cc/sh/v3/syntax"
)

// HoistDeps copies the dependency manifests and installs the dependencies
// before the COPY of the whole source, so that a source change keeps the
// dependency layer cached.
var HoistDeps = Register(&Transform{
	Name:  "hoist-deps",
	Doc:   "copy dependency manifests and install dependencies before `COPY . <dest>`, so that source changes keep the dependency layer cached",
	Order: 100,
	Run:   runHoistDeps,
})

const (
	noContext = tools.NoContext
	// ignoreReason: recognised, nothing to say (dependencies vendored …).
	ignoreReason = tools.Ignored
)

// ctxView is the build context as hoist-deps reads it, limited to the
// folder the full COPY copies.
type ctxView struct {
	c     *BuildContext
	root  string // context folder the full COPY copies ("" = the context root)
	texts map[string]string
}

func (v *ctxView) exists(rel string) bool {
	return v.c != nil && !escapes(rel) && v.c.Exists(rel)
}

func (v *ctxView) isDir(rel string) bool {
	if v.c == nil {
		return false
	}
	st, err := os.Stat(filepath.Join(v.c.Dir, filepath.FromSlash(Clean(rel))))
	return err == nil && st.IsDir()
}

// read returns a context file's text ("" when absent or excluded).
func (v *ctxView) read(rel string) string {
	if t, ok := v.texts[rel]; ok {
		return t
	}
	t := ""
	if v.exists(rel) {
		if b, err := v.c.ReadFile(rel); err == nil && len(b) < 4<<20 {
			t = string(b)
		}
	}
	if v.texts == nil {
		v.texts = map[string]string{}
	}
	v.texts[rel] = t
	return t
}

// list returns the names in a context folder that the ignore file keeps.
func (v *ctxView) list(dir string) []string {
	var out []string
	for _, name := range v.listAll(dir) {
		if !v.c.Excluded(path.Join(dir, name)) {
			out = append(out, name)
		}
	}
	return out
}

// listAll returns the names in a context folder, excluded ones too.
func (v *ctxView) listAll(dir string) []string {
	if v.c == nil || escapes(dir) {
		return nil
	}
	entries, err := os.ReadDir(filepath.Join(v.c.Dir, filepath.FromSlash(Clean(dir))))
	if err != nil {
		return nil
	}
	out := make([]string, len(entries))
	for i, e := range entries {
		out[i] = e.Name()
	}
	return out
}

func escapes(rel string) bool { return rel == ".." || strings.HasPrefix(rel, "../") }

func (v *ctxView) under(rel string) bool {
	_, ok := ast.RelPath(v.root, rel)
	return v.root == "" && !escapes(rel) || ok
}

// need explains why a manifest cannot be copied ("" when it can).
func (v *ctxView) need(rel string) string {
	switch {
	case escapes(rel):
		return rel + " is outside the build context"
	case !v.under(rel):
		return rel + " is outside the folder the COPY copies"
	case v.c == nil:
		return ""
	case v.c.Excluded(rel):
		return rel + " is excluded by " + path.Base(filepath.ToSlash(v.c.IgnoreFile))
	case !v.exists(rel):
		return rel + " is not in the build context"
	}
	return ""
}

// contextPath joins folder parts of the context ("" is its root).
func contextPath(parts ...string) string {
	p := path.Join(parts...)
	if p == "." {
		return ""
	}
	return p
}

type hoister struct {
	p    *Pass
	d    *ast.Document
	sh   *scripts
	envs []ast.StageEnv
	out  []Finding
}

func runHoistDeps(p *Pass) []Finding {
	h := &hoister{p: p, d: p.Doc, sh: newScripts(p.Doc), envs: p.Doc.Envs()}
	for _, st := range h.d.Stages {
		for i := range st.Instructions {
			h.afterCopy(st, i)
		}
	}
	return h.out
}

// fullCopy describes a COPY of a whole folder of the context.
type fullCopy struct {
	ins     *ast.Instruction
	src     string // context folder ("" = the root)
	dest    string // resolved destination
	destRaw string // as written
	// hoisted are the ecosystems already installed above this COPY in
	// this pass: a later install of the same ecosystem is covered.
	hoisted map[*Ecosystem]bool
}

func (h *hoister) fullCopy(c *ast.Instruction) *fullCopy {
	if (c.Cmd != "copy" && c.Cmd != "add") || len(c.Heredocs) > 0 || len(c.Args) != 2 {
		return nil
	}
	for _, f := range c.Flags {
		switch f.Name {
		case "chown", "chmod", "link":
		default:
			return nil
		}
	}
	src := c.Args[0]
	if strings.ContainsAny(src, "*?[$") || strings.Contains(src, "://") || strings.HasPrefix(src, "git@") || strings.Contains(src, "..") {
		return nil
	}
	rel := Clean(src)
	if rel != "" {
		if h.p.Context != nil {
			if !(&ctxView{c: h.p.Context}).isDir(rel) {
				return nil
			}
		} else if !strings.HasSuffix(src, "/") {
			return nil
		}
	}
	return &fullCopy{ins: c, src: rel, dest: copyDest(h.d, &h.envs[c.Index], c), destRaw: c.Args[1]}
}

func (h *hoister) finding(r *ast.Instruction, msg string, edits ...emit.Edit) {
	h.out = append(h.out, h.p.Finding("", r, msg, edits...))
}

// afterCopy looks for a dependency install after instruction i when that
// is a COPY of a whole folder.
func (h *hoister) afterCopy(st *ast.Stage, i int) {
	fc := h.fullCopy(st.Instructions[i])
	if fc == nil {
		return
	}
	fe := freeEnv{noUsers: namedChown(fc.ins)}
	fe.protect(fc.dest, insQuote(h.d, fc.ins))
	// An install that moves above the COPY (npm ci) leaves the next
	// instructions right after the COPY: look for another install there.
	for from := i + 1; from < len(st.Instructions); {
		next, moved := h.hoistOne(st, fc, &fe, from)
		if !moved {
			return
		}
		from = next
	}
}

// hoistOne looks for the first install after instruction from; it
// reports whether that install moved, and where to look next.
func (h *hoister) hoistOne(st *ast.Stage, fc *fullCopy, fe *freeEnv, from int) (int, bool) {
	d := h.d
	c := fc.ins
	cEnv := &h.envs[c.Index]
	var moves []*ast.Instruction
	var barrier, blocker *ast.Instruction
	blockedBy := ""
	var r *ast.Instruction
	var in *install
	var steps []step
	k, rIdx := -1, -1
	for j := from; j < len(st.Instructions) && r == nil; j++ {
		x := st.Instructions[j]
		switch {
		case crossable[x.Cmd]:
		case x.Cmd == "workdir":
			fe.protect(workdirAfter(d, h.envs, x), insQuote(d, x))
		case x.Cmd == "run":
			sc := h.sh.of(x)
			if sc != nil && len(x.Heredocs) == 0 {
				steps = topSteps(sc.File)
				for n, s := range steps {
					if call, ok := s.stmt.Cmd.(*syntax.CallExpr); ok && len(call.Args) > 0 {
						if in = recognise(call); in != nil {
							r, k, rIdx = x, n, j
							break
						}
					}
				}
			}
			if r != nil || blocker != nil {
				break // blocked: only looking on for the install it keeps below
			}
			if barrier != nil || ignoredAt(d, x.StartLine, x.EndLine, "reorder") || ignoredAt(d, x.StartLine, x.EndLine, "hoist-deps") {
				return 0, false
			}
			if why, _ := fe.movable(d, h.sh, x, &h.envs[x.Index], cEnv); why != "" {
				blocker, blockedBy = x, why
				break
			}
			moves = append(moves, x)
		default:
			if barrier == nil {
				barrier = x
			}
		}
	}
	if r == nil || in.ignore || fc.hoisted[in.eco] || h.installedBefore(st, c, in.eco) || ignoredAt(d, c.StartLine, c.EndLine, "hoist-deps") {
		return 0, false
	}
	where := insQuote(d, c)
	if in.source != "" {
		h.finding(r, "not hoisted: "+needsSource(in.source))
		return 0, false
	}
	if blocker != nil && (barrier == nil || blocker.Index < barrier.Index) {
		h.finding(r, fmt.Sprintf("not hoisted: %s runs between %s and the install, and %s", insQuote(d, blocker), where, blockedBy))
		return 0, false
	}
	if barrier != nil {
		h.finding(r, fmt.Sprintf("not hoisted: %s stands between %s and the install and may change it", insQuote(d, barrier), where))
		return 0, false
	}

	// Where the install runs: the RUN's working directory, then its cds.
	rEnv := &h.envs[r.Index]
	sc := h.sh.of(r)
	cwd := rEnv.Workdir
	setup := freeEnv{vars: rEnv, d: d, sc: sc}
	setup.protect(fc.dest, insQuote(d, fc.ins))
	for _, s := range steps[:k] {
		if call, ok := s.stmt.Cmd.(*syntax.CallExpr); ok && len(s.stmt.Redirs) == 0 {
			if name, args, ok := callName(call); ok && name == "cd" {
				v, lit := "", false
				if len(args) == 2 {
					v, lit = litWord(args[1])
				}
				if !lit || strings.HasPrefix(v, "~") || v == "-" || strings.Contains(v, "$") {
					h.finding(r, "not hoisted: the RUN changes to a folder that is not certain before the install")
					return 0, false
				}
				if strings.HasPrefix(v, "/") {
					cwd = path.Clean(v)
				} else {
					cwd = path.Join(cwd, v)
				}
				continue
			}
		}
		c2 := cwd
		if why := setup.stmt(s.stmt, &c2); why != "" {
			h.finding(r, fmt.Sprintf("not hoisted: `%s` runs before the install in the same RUN, and %s", stepText(d, sc, s.stmt), why))
			return 0, false
		}
	}
	pdir := cwd
	if in.dir != "" {
		pdir = (&ast.StageEnv{Workdir: cwd}).Resolve(in.dir, '\\')
	}

	// The context folders of the project and of the named manifests.
	view := &ctxView{c: h.p.Context, root: fc.src}
	relP, inDest := ast.RelPath(fc.dest, pdir)
	if !inDest && (in.eco.Name != "pip" || len(in.named) == 0) {
		return 0, false // the project is not in the copied folder
	}
	ctxDir := contextPath(fc.src, relP)
	var named []string
	for _, n := range in.named {
		img := n
		if !strings.HasPrefix(n, "/") {
			img = path.Join(pdir, n)
		}
		rel, ok := ast.RelPath(fc.dest, img)
		if !ok {
			return 0, false // not from this COPY
		}
		named = append(named, contextPath(fc.src, rel))
	}
	in.named = named
	files, why := h.collect(view, in, ctxDir)
	if why == ignoreReason {
		return 0, false
	}
	if why == "" && h.p.Context == nil {
		why = h.generated(st, c, files)
	}
	if why == "" && in.eco.stub {
		why = h.fresh(st, c, fc)
	}
	if why != "" {
		h.finding(r, "not hoisted: "+why)
		return 0, false
	}
	cdPrefix := ""
	if rEnv.Workdir != cEnv.Workdir {
		to := rEnv.Workdir
		if rel, ok := ast.RelPath(cEnv.Workdir, rEnv.Workdir); ok {
			to = rel
		} else if !ast.IsAbsPath(to) {
			h.finding(r, "not hoisted: the install's working directory is not certain where the COPY is")
			return 0, false
		}
		if !plainPath(to) {
			return 0, false
		}
		cdPrefix = "cd " + to + " && "
	}
	for _, f := range files {
		if !plainPath(f) {
			h.finding(r, "not hoisted: "+f+" would need quoting in a COPY")
			return 0, false
		}
	}

	// The suffix of the RUN that still runs with the dependency-only
	// install: cleanup that does not touch the copied files.
	last := k
	for n := k + 1; n < len(steps); n++ {
		s := steps[n]
		if s.sep != "&&" && s.sep != ";" {
			break
		}
		c2 := cwd
		if setup.stmt(s.stmt, &c2) != "" {
			break
		}
		last = n
	}
	t := &textOf{d: d, sc: sc, span: stmtSpan(sc, steps[k].stmt), args: in.args}
	body := string(d.Src[stmtSpan(sc, steps[0].stmt).Start:t.span.Start]) + in.dep(t)
	if last > k {
		body += string(d.Src[t.span.End:stmtSpan(sc, steps[last].stmt).End])
	}

	// Whether the install moves above the COPY (it writes nothing the COPY
	// brings back differently) or runs again after it.
	row := installWriteRow(in.writes)
	stay := ""
	if row != nil {
		w := &writeCheck{h: h, in: in, run: r, fc: fc, view: view, pdir: pdir, ctxDir: ctxDir, files: files, se: NewStageEnv(d)}
		w.env = w.se.At(r)
		w.call, _ = steps[k].stmt.Cmd.(*syntax.CallExpr)
		if stay = h.moveVerdict(row, w, steps, k, last); stay != "" && row.reinstall {
			h.finding(r, "not hoisted: "+stay+"; running `"+row.Command+"` again after the COPY would install everything a second time")
			return 0, false
		}
	}

	// Edits: the moved steps, the manifests' COPY, the install; all above
	// the full COPY.
	at := attachedStart(d, c)
	indent := d.Indent(c.Span.Start)
	var b strings.Builder
	var edits []emit.Edit
	for _, x := range moves {
		del, text := moveOut(d, x)
		b.WriteString(text)
		edits = append(edits, del)
	}
	for _, line := range h.copyLines(view, fc, files) {
		b.WriteString(indent + line + d.EOL())
	}
	moved := row != nil && stay == ""
	if moved {
		// The install writes nothing that the COPY brings: it moves.
		del, text := moveOut(d, r)
		if cdPrefix != "" {
			text = string(d.Src[attachedStart(d, r):r.Span.Start]) + indent + r.Keyword + runFlags(d, r) + " " + cdPrefix + body + d.EOL()
		}
		b.WriteString(text)
		edits = append(edits, del)
	} else {
		b.WriteString(indent + r.Keyword + runFlags(d, r) + " " + cdPrefix + body + d.EOL())
	}
	edits = append(edits, carry(d, emit.Edit{Start: at, End: at, New: b.String()}, append(moves, r)...))
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = f
		if rel, ok := ast.RelPath(fc.src, f); ok && fc.src != "" {
			names[i] = rel
		}
		if view.isDir(f) {
			names[i] += "/"
		}
	}
	msg := fmt.Sprintf("%s dependencies are installed after %s, so every source change reinstalls them: copy %s first and install before the COPY", in.eco.Name, where, andList(names))
	if moved {
		msg += " (the install moves: it writes nothing the COPY brings)"
	} else if stay != "" {
		msg += "; the install runs again after it: " + stay
	} else if !in.same {
		msg += "; the original install still runs after it"
	}
	h.finding(r, msg, edits...)
	if fc.hoisted == nil {
		fc.hoisted = map[*Ecosystem]bool{}
	}
	fc.hoisted[in.eco] = true
	return rIdx + 1, moved
}

// needsSource completes a reason why an install needs the whole source.
func needsSource(why string) string { return tools.NeedsSource(why) }

// andList writes "a, b and c".
func andList(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

func hasAny(files, names []string) bool {
	for _, f := range files {
		for _, n := range names {
			if path.Base(f) == n {
				return true
			}
		}
	}
	return false
}

// plainPath reports whether a path needs no quoting in a Dockerfile or shell.
func plainPath(p string) bool {
	for _, r := range p {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._/@+-", r)) {
			return false
		}
	}
	return p != ""
}

func stepText(d *ast.Document, sc *ast.Script, s *syntax.Stmt) string {
	sp := stmtSpan(sc, s)
	t := strings.Join(strings.Fields(string(d.Src[sp.Start:sp.End])), " ")
	if len(t) > 50 {
		t = t[:47] + "…"
	}
	return t
}

// runFlags is the flags text of a RUN (mounts, network), to repeat.
func runFlags(d *ast.Document, r *ast.Instruction) string {
	var b strings.Builder
	for _, f := range r.Flags {
		t := string(d.Src[f.Span.Start:f.Span.End])
		if strings.ContainsAny(t, "\r\n") {
			t = f.Raw
		}
		b.WriteString(" " + t)
	}
	return b.String()
}

// installedBefore reports an install of the same ecosystem before the
// COPY, in the stage or in the stages it is built from: the dependencies
// are already cached there (and a second run of dfopt must not hoist
// again).
func (h *hoister) installedBefore(st *ast.Stage, c *ast.Instruction, eco *Ecosystem) bool {
	for depth := 0; st != nil && depth < 64; depth++ {
		for _, x := range st.Instructions {
			if x == c {
				break
			}
			if x.Cmd != "run" {
				continue
			}
			sc := h.sh.of(x)
			if sc == nil {
				continue
			}
			found := false
			syntax.Walk(sc.File, func(n syntax.Node) bool {
				if call, ok := n.(*syntax.CallExpr); ok && len(call.Args) > 0 {
					if in := recognise(call); in != nil && in.eco == eco {
						found = true
					}
				}
				return !found
			})
			if found {
				return true
			}
		}
		parent := h.d.StageByName(st.Base)
		if parent == nil || parent.Index >= st.Index {
			break
		}
		st, c = parent, nil
	}
	return false
}

// generated finds an earlier instruction of the stage that may create a
// manifest (with no context on disk, the COPY may not bring it).
func (h *hoister) generated(st *ast.Stage, c *ast.Instruction, files []string) string {
	for _, x := range st.Instructions {
		if x == c {
			break
		}
		if x.Cmd != "run" && x.Cmd != "copy" && x.Cmd != "add" {
			continue
		}
		text := x.Text(h.d)
		for _, f := range files {
			if strings.Contains(text, path.Base(f)) {
				return fmt.Sprintf("%s may come from %s rather than from the build context", f, insQuote(h.d, x))
			}
		}
	}
	return ""
}

// fresh checks that nothing before the COPY may have put a src folder in
// the destination (cargo's placeholder target is created and removed
// there).
func (h *hoister) fresh(st *ast.Stage, c *ast.Instruction, fc *fullCopy) string {
	const why = "cargo fetch needs a placeholder src/main.rs, and the destination may already hold a src folder"
	if parent := h.d.StageByName(st.Base); parent != nil && parent.Index < st.Index {
		return why
	}
	for _, x := range st.Instructions {
		if x == c {
			break
		}
		switch x.Cmd {
		case "copy", "add":
			dst := copyDest(h.d, &h.envs[x.Index], x)
			_, a := ast.RelPath(fc.dest, dst)
			_, b := ast.RelPath(dst, fc.dest)
			if a || b || !ast.IsAbsPath(dst) {
				return why
			}
		case "run":
			if t := x.Text(h.d); strings.Contains(t, "src") || strings.Contains(t, "cargo") {
				return why
			}
		}
	}
	return ""
}

// collect lists the manifests an install reads, as context paths, or
// explains why it cannot be hoisted.
func (h *hoister) collect(v *ctxView, in *install, dir string) ([]string, string) {
	e := in.eco
	var files []string
	seen := map[string]bool{}
	add := func(f string) {
		if !seen[f] {
			seen[f] = true
			files = append(files, f)
		}
	}
	if v.c == nil && (e.Name != "pip" || len(in.named) == 0) {
		var need []string
		for _, r := range e.Required {
			need = append(need, strings.ReplaceAll(r, "|", " or "))
		}
		if len(need) == 0 {
			need = []string{"the project files"}
		}
		return nil, noContext + " (" + strings.Join(need, ", ") + ")"
	}
	for _, r := range e.Required {
		alts := strings.Split(r, "|")
		found := ""
		for _, a := range alts {
			if p := contextPath(dir, a); v.exists(p) {
				found = p
				break
			}
		}
		if found == "" {
			return nil, v.need(contextPath(dir, alts[0]))
		}
		if why := v.need(found); why != "" {
			return nil, why
		}
		add(found)
	}
	if e.extra != nil {
		more, why := e.extra(v, in, dir)
		if why != "" {
			return nil, why
		}
		for _, f := range more {
			add(f)
		}
	} else {
		for _, n := range in.named {
			if why := v.need(n); why != "" {
				return nil, why
			}
			add(n)
		}
	}
	for _, o := range e.Optional {
		if p := contextPath(dir, o); v.under(p) && v.exists(p) {
			add(p)
		}
	}
	for _, o := range e.Outputs {
		if p := contextPath(dir, o); v.exists(p) {
			return nil, p + " is in the build context: the COPY would overwrite the installed dependencies (add it to " + ignoreName(v) + ")"
		}
	}
	if e.source != nil {
		if why := e.source(v, in, dir); why != "" {
			if why == ignoreReason {
				return nil, why
			}
			return nil, needsSource(why)
		}
	}
	return files, ""
}

func ignoreName(v *ctxView) string {
	if v.c != nil && v.c.IgnoreFile != "" {
		return path.Base(filepath.ToSlash(v.c.IgnoreFile))
	}
	return ".dockerignore"
}

// copyLines are the COPY instructions that bring the manifests to the
// destination, one per folder, with the flags of the full COPY.
func (h *hoister) copyLines(v *ctxView, fc *fullCopy, files []string) []string {
	kw := "COPY"
	if fc.ins.Keyword == strings.ToLower(fc.ins.Keyword) {
		kw = "copy"
	}
	for _, f := range fc.ins.Flags {
		t := string(h.d.Src[f.Span.Start:f.Span.End])
		if strings.ContainsAny(t, "\r\n") {
			t = f.Raw
		}
		kw += " " + t
	}
	var dirs []string
	byDir := map[string][]string{}
	var lines []string
	for _, f := range files {
		rel, _ := ast.RelPath(fc.src, f)
		if fc.src == "" {
			rel = f
		}
		if v.isDir(f) {
			lines = append(lines, kw+" "+f+"/ "+destFor(fc.destRaw, rel))
			continue
		}
		dir := path.Dir(rel)
		if dir == "." {
			dir = ""
		}
		if _, ok := byDir[dir]; !ok {
			dirs = append(dirs, dir)
		}
		byDir[dir] = append(byDir[dir], f)
	}
	out := make([]string, 0, len(dirs)+len(lines))
	for _, dir := range dirs {
		out = append(out, kw+" "+strings.Join(byDir[dir], " ")+" "+destFor(fc.destRaw, dir))
	}
	return append(out, lines...)
}

// destFor is the destination folder for manifests in folder rel of the
// copied tree, written like the full COPY's destination.
func destFor(raw, rel string) string {
	base := raw
	if base == "." || base == "./" {
		base = ""
	}
	switch {
	case rel == "" && base == "":
		return "./"
	case rel == "":
		return strings.TrimSuffix(base, "/") + "/"
	case base == "":
		return rel + "/"
	}
	return strings.TrimSuffix(base, "/") + "/" + rel + "/"
}
