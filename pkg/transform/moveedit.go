package transform

import (
	"strings"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/emit"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// Moving an instruction: what it crosses, the text it takes along (the
// comment lines attached to it) and the edit that takes it out. Reorder
// and hoist-deps move RUNs with these; the movability analysis
// (package moves) says which RUNs may move.

// Crossable instructions neither affect a RUN nor depend on one.
var Crossable = NameSet("label", "expose", "cmd", "entrypoint", "healthcheck", "stopsignal", "maintainer", "onbuild")

// CopyDest resolves a COPY or ADD destination.
func CopyDest(d *ast.Document, env *ast.StageEnv, ins *ast.Instruction) string {
	if len(ins.Args) == 0 {
		return ""
	}
	return env.Resolve(ins.Args[len(ins.Args)-1], d.Escape)
}

// WorkdirAfter is the working directory a WORKDIR sets.
func WorkdirAfter(d *ast.Document, envs []ast.StageEnv, x *ast.Instruction) string {
	if w, ok := x.Command.(*instructions.WorkdirCommand); ok {
		return envs[x.Index].Resolve(w.Path, d.Escape)
	}
	return ""
}

// NamedChown reports whether a COPY --chown names a user or group (not
// numeric ids): moving user changes above it would change the owner.
func NamedChown(ins *ast.Instruction) bool {
	f := ins.Flag("chown")
	if f == nil {
		return false
	}
	return strings.Trim(f.Value, "0123456789:") != ""
}

// AttachedStart is where the comment lines directly above an instruction
// begin (the instruction's own start when there are none).
func AttachedStart(d *ast.Document, ins *ast.Instruction) int {
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

// MoveOut returns the edit that deletes an instruction and the comment
// lines attached to it, and the text to insert elsewhere (ending with the
// file's line terminator).
func MoveOut(d *ast.Document, ins *ast.Instruction) (emit.Edit, string) {
	start := AttachedStart(d, ins)
	text := string(d.Src[start:ins.Span.End]) + d.EOL()
	del := emit.Edit{Start: start, End: ins.Next}
	first := d.LineOf(start)
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
func InsQuote(d *ast.Document, ins *ast.Instruction) string {
	s := strings.Join(strings.Fields(string(d.Src[ins.KeywordPos.Start:ins.Span.End])), " ")
	if len(s) > 60 {
		s = s[:57] + "…"
	}
	return "`" + s + "`"
}
