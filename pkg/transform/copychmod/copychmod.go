// Package copychmod is the rule copy-chmod: a `RUN chmod` of files the
// COPY before it wrote becomes `COPY --chmod`.
package copychmod

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/emit"
	"github.com/dfopt/dfopt/pkg/transform"
	"mvdan.cc/sh/v3/syntax"
)

// Name is the rule's name.
const Name = "copy-chmod"

// Rule folds `RUN chmod MODE FILE` into the COPY that wrote FILE as
// `COPY --chmod=MODE`: the RUN copied the whole file into a new layer
// only to change its mode.
//
// The fix is made only when the mode the file ends with is provably the
// same: an octal mode sets it exactly on a regular file; a symbolic mode
// (`+x`, `u+x,go-w`) is applied to the file's mode in the build context
// (COPY keeps it) with the RUN's umask 0022. Every file the COPY writes
// must be a regular file of the build context that the chmod gives that
// one mode; the chmod must be among the first commands of the RUN (no
// command before it sees the old mode) and nothing may run or copy
// between the COPY and the RUN. A symbolic mode on a file whose mode in
// the context is not the 0644 or 0755 a Git checkout gives is an unsafe
// fix: another checkout of the same files may give another mode.
var Rule = &transform.Transform{
	Name: Name,
	Doc:  "fold `RUN chmod` of files the COPY before it wrote into `COPY --chmod` (one layer and one copy of the file less)",
	Run:  run,
}

// chmodCall is one chmod among the first commands of a RUN.
type chmodCall struct {
	call  *syntax.CallExpr
	mode  chmodMode
	text  string
	paths []target
}

// target is one file operand of a chmod.
type target struct {
	word ast.Span
	path string
	cw   *copyWrites
	file *written
	why  string
}

func run(p *transform.Pass) []transform.Finding {
	d := p.Doc
	var envs []ast.StageEnv
	seen := map[*ast.Instruction]*copyWrites{}
	wds := stageWorkdirs{}
	var out []transform.Finding
	for _, ins := range d.Instructions {
		if ins.Cmd != "run" || len(ins.Heredocs) > 0 {
			continue
		}
		// The pragma is looked for only on a RUN that runs chmod at all.
		sc := d.Shell(ins)
		if sc == nil || !strings.Contains(sc.Text, "chmod") || transform.IgnoredAt(d, ins.StartLine, ins.EndLine, Name) {
			continue
		}
		if envs == nil {
			envs = d.Envs()
		}
		calls, steps := leadingChmods(d, sc, &envs[ins.Index])
		if len(calls) == 0 {
			continue
		}
		for i := range calls {
			for j := range calls[i].paths {
				t := &calls[i].paths[j]
				t.cw, t.file, t.why = writer(p, envs, seen, wds, ins, t.path)
			}
		}
		out = append(out, fold(p, ins, sc, calls, steps)...)
	}
	return out
}

// leadingChmods are the chmod commands a RUN starts with, as far as dfopt
// computes their effect, and the number of steps they take.
func leadingChmods(d *ast.Document, sc *ast.Script, env *ast.StageEnv) ([]chmodCall, int) {
	var out []chmodCall
	steps := transform.TopSteps(sc.File)
	for _, st := range steps {
		call, ok := st.Stmt.Cmd.(*syntax.CallExpr)
		if !ok || st.Stmt.Negated || st.Stmt.Background || len(st.Stmt.Redirs) > 0 || len(call.Assigns) > 0 {
			break
		}
		c, ok := parseChmod(sc, call, env, d.Escape)
		if !ok {
			break
		}
		out = append(out, c)
	}
	return out, len(out)
}

// parseChmod reads `chmod [-R] [-v|-c|-f] MODE FILE…` with literal words.
func parseChmod(sc *ast.Script, call *syntax.CallExpr, env *ast.StageEnv, esc rune) (chmodCall, bool) {
	name, _ := transform.LitWord(call.Args[0])
	if name != "chmod" && name != "/bin/chmod" {
		return chmodCall{}, false
	}
	c := chmodCall{call: call, text: transform.RawWord(sc, call)}
	modeSeen := false
	for _, w := range call.Args[1:] {
		v, lit := transform.LitWord(w)
		if !lit || transform.HasGlob(w) {
			return chmodCall{}, false
		}
		switch {
		case !modeSeen && strings.HasPrefix(v, "-") && strings.Trim(v[1:], "Rvcf") == "" && len(v) > 1,
			!modeSeen && (v == "--recursive" || v == "--verbose" || v == "--changes" || v == "--silent" || v == "--quiet"):
			continue // -R on a regular file is chmod alone
		case !modeSeen:
			m, ok := parseMode(v)
			if !ok {
				return chmodCall{}, false
			}
			c.mode, modeSeen = m, true
		default:
			p := path.Clean(v)
			if !ast.IsAbsPath(p) {
				p = env.Resolve(v, esc)
			}
			c.paths = append(c.paths, target{word: sc.SpanOf(w), path: p})
		}
	}
	return c, modeSeen && len(c.paths) > 0
}

// copyFix is the mode one COPY takes.
type copyFix struct {
	cw     *copyWrites
	mode   int
	unsafe string
}

// fold decides which COPYs take the chmods' mode and writes the edits.
func fold(p *transform.Pass, ins *ast.Instruction, sc *ast.Script, calls []chmodCall, steps int) []transform.Finding {
	fixes, whys := copyModes(p, calls)
	var out []transform.Finding
	for _, why := range whys {
		out = append(out, p.Finding(Name, ins, why))
	}
	if len(fixes) == 0 {
		return out
	}
	runEdits, why := chmodRemoval(p.Doc, ins, sc, calls, steps, fixes)
	if why != "" {
		return append(out, p.Finding(Name, ins, "`"+calls[0].text+"` not folded into COPY --chmod: "+why))
	}
	return append(out, fixFinding(p, ins, calls, fixes, runEdits))
}

// copyModes groups the chmods' targets by the COPY that wrote them and
// keeps the COPYs whose every file ends with one mode.
func copyModes(p *transform.Pass, calls []chmodCall) (map[*ast.Instruction]*copyFix, []string) {
	final := map[*written]int{}
	byCopy := map[*ast.Instruction]*copyWrites{}
	var whys []string
	for _, c := range calls {
		for _, t := range c.paths {
			switch {
			case t.why != "" && t.cw != nil:
				whys = append(whys, fmt.Sprintf("`%s` could be COPY --chmod on line %d, but %s", c.text, p.InputLine(t.cw.ins.StartLine), t.why))
			case t.file != nil:
				cur, ok := final[t.file]
				if !ok {
					cur = t.file.mode
				}
				final[t.file] = c.mode.apply(cur)
				byCopy[t.cw.ins] = t.cw
			}
		}
	}
	fixes := map[*ast.Instruction]*copyFix{}
	for ins, cw := range byCopy {
		f := &copyFix{cw: cw, mode: -1}
		for i := range cw.files {
			w := &cw.files[i]
			m, ok := final[w]
			switch {
			case !ok:
				whys = append(whys, fmt.Sprintf("the COPY on line %d also writes %s, which the chmod does not change: not folded into COPY --chmod", p.InputLine(ins.StartLine), w.src))
				f = nil
			case f != nil && f.mode >= 0 && f.mode != m:
				whys = append(whys, fmt.Sprintf("the chmod gives the files of the COPY on line %d different modes: not folded into COPY --chmod", p.InputLine(ins.StartLine)))
				f = nil
			case f != nil:
				f.mode = m
				if w.mode != 0o644 && w.mode != 0o755 && !symbolicFree(calls) && ins.Flag("chmod") == nil {
					f.unsafe = fmt.Sprintf("%s has mode %04o in the build context, which another checkout may not give", w.src, w.mode)
				}
				dirMode := 0o755 // the mode of the folders a COPY makes
				if old := ins.Flag("chmod"); old != nil {
					dirMode = w.mode
				}
				if m != dirMode && cw.unsure != "" && f.unsafe == "" {
					f.unsafe = fmt.Sprintf("BuildKit gives the folders a COPY creates its --chmod mode too, and %s may not exist before the COPY", cw.unsure)
				}
			}
			if f == nil {
				break
			}
		}
		if f != nil {
			fixes[ins] = f
		}
	}
	return fixes, whys
}

// symbolicFree reports whether every chmod sets an octal mode: the result
// does not depend on the file's mode.
func symbolicFree(calls []chmodCall) bool {
	for _, c := range calls {
		if !c.mode.abs {
			return false
		}
	}
	return true
}

// fixFinding is the finding of the COPYs that take --chmod, located at
// the RUN whose chmod goes: one fix, so that the COPYs and the RUN change
// together.
func fixFinding(p *transform.Pass, run *ast.Instruction, calls []chmodCall, fixes map[*ast.Instruction]*copyFix, runEdits []emit.Edit) transform.Finding {
	d := p.Doc
	var copies []*copyFix
	for _, f := range fixes {
		copies = append(copies, f)
	}
	sort.Slice(copies, func(i, j int) bool { return copies[i].cw.ins.Index < copies[j].cw.ins.Index })
	var edits []emit.Edit
	var done, unsafe []string
	for _, f := range copies {
		flag := "--chmod=" + octal(f.mode)
		if old := f.cw.ins.Flag("chmod"); old != nil {
			edits = append(edits, emit.Edit{Start: old.Span.Start, End: old.Span.End, New: flag})
		} else {
			edits = append(edits, transform.MountEdit(d, f.cw.ins, []string{flag}))
		}
		done = append(done, fmt.Sprintf("COPY %s (line %d)", flag, p.InputLine(f.cw.ins.StartLine)))
		if f.unsafe != "" {
			unsafe = append(unsafe, f.unsafe)
		}
	}
	var texts []string
	for _, c := range calls {
		texts = append(texts, foldedText(c, fixes))
	}
	what := strings.Join(texts, ", ")
	msg := fmt.Sprintf("%s folded into %s: the same mode without a second copy in a new layer", what, transform.AndList(done))
	fin := p.Finding(Name, run, msg, append(edits, runEdits...)...)
	if len(unsafe) > 0 {
		fin.Message += "; unsafe: " + strings.Join(unsafe, "; ")
		fin.Unsafe = true
	}
	fe := transform.FrontendOf(d)
	if why := fe.Lacks(transform.FeatCopyChmod); why != "" {
		if !transform.SyntaxPinWillUpdate(p, fe) {
			return p.Finding(Name, run, fmt.Sprintf("%s could be %s: %s", what, transform.AndList(done), why))
		}
		fin.Message += "; " + why + ": only with syntax-header's pin change to " + fe.Upgrade()
		fin.Unsafe = true
	}
	return fin
}

// foldedText quotes a chmod, naming the operands that fold when not all do.
func foldedText(c chmodCall, fixes map[*ast.Instruction]*copyFix) string {
	var paths []string
	for _, t := range c.paths {
		if t.cw != nil && fixes[t.cw.ins] != nil {
			paths = append(paths, t.path)
		}
	}
	if len(paths) == len(c.paths) {
		return "`" + c.text + "`"
	}
	mode, _ := transform.LitWord(c.call.Args[len(c.call.Args)-len(c.paths)-1])
	return "`chmod " + mode + "` of " + transform.AndList(paths)
}

// chmodRemoval takes the folded chmods (or their folded operands) out of
// the RUN: the whole RUN when nothing else is left.
func chmodRemoval(d *ast.Document, ins *ast.Instruction, sc *ast.Script, calls []chmodCall, steps int, fixes map[*ast.Instruction]*copyFix) ([]emit.Edit, string) {
	var partial []emit.Edit
	whole := 0
	for _, c := range calls {
		var words []ast.Span
		for _, t := range c.paths {
			if t.cw != nil && fixes[t.cw.ins] != nil {
				words = append(words, t.word)
			}
		}
		switch {
		case len(words) == len(c.paths):
			whole++
		case len(words) > 0:
			for _, w := range words {
				e, ok := transform.RemoveWord(d, ins, w)
				if !ok {
					return nil, "an operand cannot be taken out of the chmod cleanly"
				}
				partial = append(partial, e)
			}
		}
	}
	allSteps := len(transform.TopSteps(sc.File))
	switch {
	case whole == len(calls) && steps == allSteps:
		del, _ := transform.MoveOut(d, ins)
		return []emit.Edit{del}, ""
	case whole == 0:
		return partial, ""
	case whole < len(calls) || len(partial) > 0:
		return nil, "the RUN's chmods also change files the COPYs did not write"
	case len(calls) > 1:
		// The first chmods of a longer RUN: the text up to the first
		// command that stays.
		all := transform.TopSteps(sc.File)
		e := emit.Edit{Start: transform.StmtSpan(sc, all[0].Stmt).Start, End: transform.StmtSpan(sc, all[steps].Stmt).Start}
		if !transform.EditedRunParses(d, ins, []emit.Edit{e}) {
			return nil, "the chmods cannot be taken out of the RUN cleanly"
		}
		return []emit.Edit{e}, ""
	}
	e, ok := transform.RemoveCommand(d, ins, sc, calls[0].call)
	if !ok {
		return nil, "the chmod cannot be taken out of the RUN without changing what it runs"
	}
	return []emit.Edit{e}, ""
}
