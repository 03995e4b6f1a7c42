package transform

import (
	"strings"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/emit"
	"mvdan.cc/sh/v3/syntax"
)

// JoinRuns returns the edit that turns consecutive shell-form RUNs of one
// stage into one RUN: the first RUN is kept as written, every later body
// is appended after ` && \` and a new line, indented like the file, its
// text untouched. Comment lines between the RUNs stay, as comment lines
// inside the continuation; blank lines between them are dropped (BuildKit
// warns about empty continuation lines). A later body that is not a single
// and-or list (`a; b`, several lines, a trailing `&`) is wrapped in
// `{ …; }` so that `&&` guards all of it. The caller decides whether the
// RUNs may be merged at all; JoinRuns refuses (ok == false) when the
// text cannot be joined safely (JSON form, heredocs, a non-POSIX shell, a
// body that does not parse) or when the shell-equivalence check cannot
// prove that the joined body runs the same commands with the same final
// status as the RUNs one after another.
func JoinRuns(d *ast.Document, runs []*ast.Instruction) (edit emit.Edit, ok bool) {
	edit, why := JoinRunsWhy(d, runs)
	return edit, why == ""
}

// JoinRunsWhy is JoinRuns with the reason of a refusal.
func JoinRunsWhy(d *ast.Document, runs []*ast.Instruction) (emit.Edit, string) {
	e, ok := joinText(d, runs)
	if !ok {
		return emit.Edit{}, "the RUNs cannot be joined as text"
	}
	if v := checkJoin(d, runs, e.New); !v.Same {
		return emit.Edit{}, v.Reason()
	}
	return e, ""
}

func joinText(d *ast.Document, runs []*ast.Instruction) (edit emit.Edit, ok bool) {
	if len(runs) < 2 {
		return emit.Edit{}, false
	}
	for i, r := range runs {
		if r.Cmd != "run" || r.JSON || len(r.Heredocs) > 0 {
			return emit.Edit{}, false
		}
		s := d.Shell(r)
		if s == nil || s.Comments || len(s.File.Stmts) == 0 {
			return emit.Edit{}, false
		}
		// The first body is kept as written: ` && ` cannot follow its own
		// trailing `;` or `&`.
		if i == 0 && s.File.Stmts[len(s.File.Stmts)-1].Semicolon.IsValid() {
			return emit.Edit{}, false
		}
	}
	eol := d.EOL()
	esc := string(d.Escape)
	indent := d.ContinuationIndent()
	breaks := joinBreaks(d, runs, indent)
	var b strings.Builder
	b.WriteString(withBreaks(d, runs[0].Span.Start, runs[0].Span.End, breaks))
	for i := 1; i < len(runs); i++ {
		prev, cur := runs[i-1], runs[i]
		b.WriteString(" && " + esc + eol)
		// Comment lines between the two instructions.
		for n := prev.EndLine + 1; n < cur.StartLine; n++ {
			if line := strings.TrimSpace(d.LineText(n)); line != "" {
				b.WriteString(indent + line + eol)
			}
		}
		body := withBreaks(d, cur.ArgsStart, cur.Span.End, breaks)
		b.WriteString(indent)
		if needsGroup(d.Shell(cur)) {
			b.WriteString(groupBody(body))
		} else {
			b.WriteString(body)
		}
	}
	last := runs[len(runs)-1]
	return Carry(d, emit.Edit{Start: runs[0].Span.Start, End: last.Span.End, New: b.String()}, runs...), true
}

// groupBody wraps a body in `{ …; }`. A body that already ends with its
// own `;` or `&` gets no second terminator: `{ a; b;; }` and `{ a &; }`
// are syntax errors.
func groupBody(body string) string {
	t := strings.TrimRight(body, " \t")
	if (strings.HasSuffix(t, ";") && !strings.HasSuffix(t, ";;")) || (strings.HasSuffix(t, "&") && !strings.HasSuffix(t, "&&")) {
		return "{ " + t + " }"
	}
	return "{ " + body + "; }"
}

// needsGroup reports whether a body must be wrapped in { …; } to sit
// after `&&`: anything but a single foreground list of pipelines joined
// by `&&` only. `&&` and `||` bind equally, left to right, so a later body
// with a top-level `||` would also catch the failure of the bodies before
// it (`a && b || true`).
func needsGroup(s *ast.Script) bool {
	if len(s.File.Stmts) != 1 {
		return true
	}
	st := s.File.Stmts[0]
	return st.Background || st.Coprocess || st.Semicolon.IsValid() || st.Negated && isAndOr(st.Cmd) || hasOr(st.Cmd)
}

func isAndOr(c syntax.Command) bool {
	b, ok := c.(*syntax.BinaryCmd)
	return ok && (b.Op == syntax.AndStmt || b.Op == syntax.OrStmt)
}

// hasOr reports a `||` in the top-level and-or list of c.
func hasOr(c syntax.Command) bool {
	b, ok := c.(*syntax.BinaryCmd)
	if !ok || !isAndOr(b) {
		return false
	}
	return b.Op == syntax.OrStmt || hasOr(b.X.Cmd) || hasOr(b.Y.Cmd)
}

// RunFlags is the flags text of a RUN (mounts, network), to repeat before
// a body (after a blank). Flags that stand on lines of their own in the
// RUN do so in the copy too, each on a continuation line, the body on the
// next one.
func RunFlags(d *ast.Document, r *ast.Instruction) string {
	var b strings.Builder
	sep := " "
	if len(r.Flags) > 1 && d.LineOf(r.Flags[len(r.Flags)-1].Span.Start) > r.StartLine {
		sep = " " + string(d.Escape) + d.EOL() + bodyIndent(d, r)
	}
	for _, f := range r.Flags {
		t := string(d.Src[f.Span.Start:f.Span.End])
		if strings.ContainsAny(t, "\r\n") {
			t = f.Raw
		}
		b.WriteString(sep + t)
	}
	if sep != " " {
		b.WriteString(strings.TrimSuffix(sep, " ")) // the caller's blank ends the indentation
	}
	return strings.Replace(b.String(), sep, " ", 1)
}
