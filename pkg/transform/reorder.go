package transform

import (
	"fmt"
	"strings"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/emit"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"mvdan.cc/sh/v3/syntax"
)

// Reorder moves steps that provably do not read the copied files above the
// `COPY . <dest>` before them, so that a source change does not re-run
// them.
var Reorder = Register(&Transform{
	Name:  "reorder",
	Doc:   "move steps that do not read the copied source (system packages, users, downloads to fixed paths) above `COPY . <dest>`",
	Order: 200,
	Run:   runReorder,
})

// crossable instructions neither affect a RUN nor depend on one.
var crossable = nameSet("label", "expose", "cmd", "entrypoint", "healthcheck", "stopsignal", "maintainer", "onbuild")

// isWholeCopy reports whether ins copies the whole build context: COPY or
// ADD of `.` from the context.
func isWholeCopy(ins *ast.Instruction) bool {
	if (ins.Cmd != "copy" && ins.Cmd != "add") || len(ins.Heredocs) > 0 || len(ins.Args) != 2 {
		return false
	}
	if ins.Flag("from") != nil || ins.Flag("parents") != nil {
		return false
	}
	src := ins.Args[0]
	return src == "." || src == "./"
}

// copyDest resolves a COPY or ADD destination.
func copyDest(d *ast.Document, env *ast.StageEnv, ins *ast.Instruction) string {
	if len(ins.Args) == 0 {
		return ""
	}
	return env.Resolve(ins.Args[len(ins.Args)-1], d.Escape)
}

// workdirAfter is the working directory a WORKDIR sets.
func workdirAfter(d *ast.Document, envs []ast.StageEnv, x *ast.Instruction) string {
	if w, ok := x.Command.(*instructions.WorkdirCommand); ok {
		return envs[x.Index].Resolve(w.Path, d.Escape)
	}
	return ""
}

// namedChown reports whether a COPY --chown names a user or group (not
// numeric ids): moving user changes above it would change the owner.
func namedChown(ins *ast.Instruction) bool {
	f := ins.Flag("chown")
	if f == nil {
		return false
	}
	return strings.Trim(f.Value, "0123456789:") != ""
}

// attachedStart is where the comment lines directly above an instruction
// begin (the instruction's own start when there are none).
func attachedStart(d *ast.Document, ins *ast.Instruction) int {
	n := ins.StartLine
	for n > 1 {
		t := strings.TrimLeft(d.LineText(n-1), " \t\ufeff")
		if !strings.HasPrefix(t, "#") || isDirectiveLine(d, n-1) {
			break
		}
		n--
	}
	s := d.Lines[n-1].Start
	if n == 1 {
		s = d.ContentStart()
	}
	return s
}

func isDirectiveLine(d *ast.Document, n int) bool {
	for _, dir := range d.Directives {
		if dir.Line == n {
			return true
		}
	}
	return false
}

// moveOut returns the edit that deletes an instruction and the comment
// lines attached to it, and the text to insert elsewhere (ending with the
// file's line terminator).
func moveOut(d *ast.Document, ins *ast.Instruction) (emit.Edit, string) {
	start := attachedStart(d, ins)
	text := string(d.Src[start:ins.Span.End]) + d.EOL()
	del := emit.Edit{Start: start, End: ins.Next}
	first := lineAt(d, start)
	if ins.EndLine < len(d.Lines) && first > 1 && strings.TrimSpace(d.LineText(first-1)) == "" {
		// A step that is a paragraph of its own takes the blank line
		// after it along: the file keeps its spacing.
		if l := d.Lines[ins.EndLine]; strings.TrimSpace(string(d.Src[l.Start:l.End])) == "" && l.Next > l.End {
			text += d.EOL()
			del.End = l.Next
		}
	}
	if ins.Next == ins.Span.End && start > d.ContentStart() {
		// The last line has no terminator: take the one before instead.
		prev := d.Lines[first-2]
		del.Start = prev.End
	}
	return del, text
}

// short is an instruction as a one-line quote for messages.
func insQuote(d *ast.Document, ins *ast.Instruction) string {
	s := strings.Join(strings.Fields(string(d.Src[ins.KeywordPos.Start:ins.Span.End])), " ")
	if len(s) > 60 {
		s = s[:57] + "…"
	}
	return "`" + s + "`"
}

func runReorder(p *Pass) []Finding {
	d := p.Doc
	sh := newScripts(d)
	envs := d.Envs()
	var out []Finding
	for _, st := range d.Stages {
		list := st.Instructions
		for i := 0; i < len(list); i++ {
			c := list[i]
			if !isWholeCopy(c) || ignoredAt(d, c.StartLine, c.EndLine, "reorder") {
				continue
			}
			at := attachedStart(d, c)
			cEnv := &envs[c.Index]
			fe := freeEnv{noUsers: namedChown(c)}
			fe.protect(copyDest(d, cEnv, c), insQuote(d, c))
			j := i + 1
		scan:
			for ; j < len(list); j++ {
				x := list[j]
				switch {
				case crossable[x.Cmd]:
				case x.Cmd == "copy" || x.Cmd == "add":
					fe.protect(copyDest(d, &envs[x.Index], x), insQuote(d, x))
					fe.noUsers = fe.noUsers || namedChown(x)
				case x.Cmd == "workdir":
					fe.protect(workdirAfter(d, envs, x), insQuote(d, x))
				case x.Cmd == "run":
					if ignoredAt(d, x.StartLine, x.EndLine, "reorder") {
						break scan
					}
					if why, named := fe.movable(d, sh, x, &envs[x.Index], cEnv); why != "" {
						if named && !runsInstall(sh.of(x)) {
							msg := fmt.Sprintf("not moved above %s: %s", insQuote(d, c), why)
							out = append(out, p.Finding("", x, msg))
						}
						break scan
					}
					del, text := moveOut(d, x)
					msg := fmt.Sprintf("moved above %s: it does not read the copied files, so source changes no longer re-run it", insQuote(d, c))
					out = append(out, p.Finding("", x, msg, carry(d, emit.Edit{Start: at, End: at, New: text}, x), del))
				default:
					break scan
				}
			}
			i = j - 1
		}
	}
	return out
}

// runsInstall reports a RUN that runs a dependency install of an
// ecosystem: hoist-deps speaks for it.
func runsInstall(sc *ast.Script) bool {
	found := false
	if sc == nil {
		return false
	}
	syntax.Walk(sc.File, func(n syntax.Node) bool {
		if c, ok := n.(*syntax.CallExpr); ok && len(c.Args) > 0 && recognise(c) != nil {
			found = true
		}
		return !found
	})
	return found
}
