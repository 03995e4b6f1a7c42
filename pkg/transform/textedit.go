package transform

import (
	"strings"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/emit"
	"mvdan.cc/sh/v3/syntax"
)

// Text edits inside a RUN that keep the shell valid: adding --mount flags,
// taking out a word or a command with its operator, appending a command.
// cache-mounts and apt-hygiene edit RUNs with these.

func EditedRunParses(d *ast.Document, ins *ast.Instruction, edits []emit.Edit) bool {
	if len(edits) == 0 {
		return true
	}
	start, end := ins.Span.Start, ins.Next
	local := make([]emit.Edit, len(edits))
	for i, e := range edits {
		if e.Start < start || e.End > end {
			return false
		}
		local[i] = emit.Edit{Start: e.Start - start, End: e.End - start, New: e.New}
	}
	out, err := emit.Apply(d.Src[start:end], local)
	if err != nil {
		return false
	}
	key := runKey(d.Escape, out)
	if v, ok := parsedRuns.get(key); ok {
		return v
	}
	t, v := readRun(d.Escape, out)
	parsedRuns.put(key, v)
	if v {
		readRuns.put(key, t)
	}
	return v
}

// readRun reads the text of one RUN under the escape character esc as
// ast.ReadRun does (between a FROM and a sentinel instruction, which a
// RUN that ends in a continuation would swallow); ok reports whether it
// is one RUN whose body the shell analysis reads.
func readRun(esc rune, out []byte) (t *ast.RunText, ok bool) {
	t, ok = ast.ReadRun(esc, out)
	return t, ok && t.Script != nil
}

// runKey is the key of a RUN's text under an escape character, in
// parsedRuns and readRuns.
func runKey(esc rune, text []byte) string { return string(esc) + string(text) }

// keepShell keeps the shell analysis of a RUN of d, an edited RUN read in
// a document of its own, for sharedShell.
func keepShell(d *ast.Document, ins *ast.Instruction) {
	if t := d.RunText(ins); t.Script != nil {
		readRuns.put(runKey(d.Escape, d.Src[ins.Span.Start:ins.Next]), t)
	}
}

// parsedRuns caches EditedRunParses's verdicts by the RUN's text.
var parsedRuns = newMemo[bool](1 << 14)

// readRuns holds the shell analyses of the last edited RUNs that
// EditedRunParses and keepsBehaviour read, by the escape character and
// the RUN's text, for the chain to hand on when it applies the edits
// (sharedShell), with ReadRun's instruction for the chain's Reparse to
// take (readRunOf): a few files' worth, as the analyses are large.
var readRuns = newMemo[*ast.RunText](64)

// sharedShell gives a RUN of d that an edit made the shell analysis of
// its text that EditedRunParses or keepsBehaviour made, when one did:
// the analysis depends on the text, the escape character and the shell
// alone (ast.TakeShell checks the three).
func sharedShell(d *ast.Document, ins *ast.Instruction) {
	if t, ok := readRuns.get(runKey(d.Escape, d.Src[ins.Span.Start:ins.Next])); ok {
		d.TakeShell(ins, t)
	}
}

// readRunOf is the reading of an edited RUN's text that EditedRunParses
// made, for ast.ReparseTaking to take when the chain applies the edits
// (its instruction, which ast.ReadRun keeps when it may be taken), nil
// when none is held.
func readRunOf(esc rune, text []byte) *ast.RunText {
	t, _ := readRuns.get(runKey(esc, text))
	return t
}

// MaxAddedLine is the longest line an edit writes where the line it
// changes was no longer: past it, added flags go on continuation lines.
const MaxAddedLine = 160

// MountEdit inserts --mount flags right after RUN, before its other flags:
// one flag on the RUN's line when the RUN is one line and stays within
// MaxAddedLine, otherwise one flag per continuation line, indented like
// the RUN's body, with the file's escape character and line ending.
func MountEdit(d *ast.Document, ins *ast.Instruction, flags []string) emit.Edit {
	kw := ins.KeywordPos.End
	logicalEnd := ins.Orig(len(ins.Logical()))
	firstLine := d.Lines[ins.StartLine-1]
	if logicalEnd <= firstLine.End {
		if e, ok := afterMounts(d, ins, flags); ok {
			return e
		}
		inline := " " + strings.Join(flags, " ")
		line := len(d.LineText(ins.StartLine))
		if len(flags) == 1 && (line+len(inline) <= MaxAddedLine || line > MaxAddedLine) {
			return emit.Edit{Start: kw, End: kw, New: inline}
		}
		return flagLines(d, ins, kw, flags)
	}
	// The first token after the keyword.
	logical := ins.Logical()
	k := 0
	for k < len(logical) && ins.Orig(k) < kw {
		k++
	}
	for k < len(logical) && (logical[k] == ' ' || logical[k] == '\t') {
		k++
	}
	next := ins.Orig(k)
	eol := d.EOL()
	esc := string(d.Escape)
	if next > firstLine.End {
		indent := d.Indent(next)
		sep := " " + esc + eol + indent
		return emit.Edit{Start: next, End: next, New: strings.Join(flags, sep) + sep}
	}
	indent := bodyIndent(d, ins)
	sep := " " + esc + eol + indent
	return emit.Edit{Start: kw, End: next, New: " " + strings.Join(flags, sep) + sep}
}

// afterMounts lays out a one-line RUN that has --mount flags already and
// gains more: a RUN with several mounts has them on lines of their own.
// The new flags go after the RUN's flags, one per continuation line, and
// the body on the next line; the RUN's own text stays as it is.
func afterMounts(d *ast.Document, ins *ast.Instruction, flags []string) (emit.Edit, bool) {
	if ins.Cmd != "run" || ins.Flag("mount") == nil || len(ins.Heredocs) > 0 {
		return emit.Edit{}, false
	}
	for _, f := range flags {
		if !strings.HasPrefix(f, "--mount=") {
			return emit.Edit{}, false
		}
	}
	last := ins.Flags[len(ins.Flags)-1].Span.End
	if last > ins.ArgsStart || ins.ArgsStart > d.Lines[ins.StartLine-1].End {
		return emit.Edit{}, false
	}
	sep := " " + string(d.Escape) + d.EOL() + bodyIndent(d, ins)
	return emit.Edit{Start: last, End: ins.ArgsStart, New: sep + strings.Join(flags, sep) + sep}, true
}

// MountLines is MountEdit with every flag on a line of its own.
func MountLines(d *ast.Document, ins *ast.Instruction, flags []string) emit.Edit {
	if ins.Orig(len(ins.Logical())) <= d.Lines[ins.StartLine-1].End {
		return flagLines(d, ins, ins.KeywordPos.End, flags)
	}
	return MountEdit(d, ins, flags)
}

// flagLines puts flags on lines of their own after the keyword of a
// one-line RUN, the body on the next line. It only inserts (at the
// keyword's end) when it can: the blanks after the keyword stay and end
// the body's indentation, so an edit that removes the first word with
// those blanks still fits beside it.
func flagLines(d *ast.Document, ins *ast.Instruction, kw int, flags []string) emit.Edit {
	indent := bodyIndent(d, ins)
	sep := " " + string(d.Escape) + d.EOL() + indent
	gap := kw
	for gap < len(d.Src) && (d.Src[gap] == ' ' || d.Src[gap] == '\t') {
		gap++
	}
	blanks := string(d.Src[kw:gap])
	if blanks != "" && strings.HasSuffix(indent, blanks) {
		return emit.Edit{Start: kw, End: kw, New: " " + strings.Join(flags, sep) + strings.TrimSuffix(sep, blanks)}
	}
	return emit.Edit{Start: kw, End: gap, New: " " + strings.Join(flags, sep) + sep}
}

// bodyIndent is the indentation of the first continuation line of an
// instruction that holds text (not a comment), or the file's usual one.
func bodyIndent(d *ast.Document, ins *ast.Instruction) string {
	last := ins.EndLine
	if len(ins.Heredocs) > 0 {
		last = d.LineOf(ins.Heredocs[0].Body.Start) - 1
	}
	for n := ins.StartLine + 1; n <= last; n++ {
		line := d.LineText(n)
		t := strings.TrimLeft(line, " \t")
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		if ind := line[:len(line)-len(t)]; ind != "" {
			return ind
		}
		break
	}
	return d.ContinuationIndent()
}

// inHeredoc reports whether an offset lies in one of the RUN's heredoc bodies.
func inHeredoc(ins *ast.Instruction, off int) bool {
	for _, h := range ins.Heredocs {
		if off >= h.Body.Start && off < h.Body.End {
			return true
		}
	}
	return false
}

// RemoveWord removes one shell word (or NAME=value prefix) of a RUN with
// the blanks that separate it, keeping the lines well formed: a word alone
// on a continuation line takes its line with it; one alone on the last
// line joins the line before.
func RemoveWord(d *ast.Document, ins *ast.Instruction, sp ast.Span) (emit.Edit, bool) {
	src := d.Src
	s, e := sp.Start, sp.End
	n := d.LineOf(s)
	if d.LineOf(e) != n || e <= s {
		return emit.Edit{}, false
	}
	l := d.Lines[n-1]
	esc := d.Escape
	if inHeredoc(ins, s) {
		esc = '\\'
	}
	blank := func(c byte) bool { return c == ' ' || c == '\t' }
	before := string(src[l.Start:s])
	after := string(src[e:l.End])
	if strings.TrimLeft(before, " \t\ufeff") != "" {
		ws := s
		for ws > l.Start && blank(src[ws-1]) {
			ws--
		}
		if ws < s {
			return emit.Edit{Start: ws, End: e}, true
		}
		fe := e
		for fe < l.End && blank(src[fe]) {
			fe++
		}
		if fe == e {
			return emit.Edit{}, false
		}
		return emit.Edit{Start: s, End: fe}, true
	}
	rest := strings.TrimSpace(after)
	switch {
	case rest != "" && rest != string(esc):
		fe := e
		for fe < l.End && blank(src[fe]) {
			fe++
		}
		return emit.Edit{Start: s, End: fe}, true
	case rest == string(esc):
		return emit.Edit{Start: l.Start, End: l.Next}, true
	}
	// Alone on the instruction's last line: join the line before.
	if n-1 < ins.StartLine {
		return emit.Edit{}, false
	}
	p := d.Lines[n-2]
	pt := strings.TrimRight(string(src[p.Start:p.End]), " \t")
	if !strings.HasSuffix(pt, string(esc)) || strings.HasPrefix(strings.TrimLeft(pt, " \t"), "#") {
		return emit.Edit{}, false
	}
	ce := p.Start + len(pt) - 1
	for ce > p.Start && blank(src[ce-1]) {
		ce--
	}
	return emit.Edit{Start: ce, End: e}, true
}

// RemoveCommand removes one simple command from a RUN: a command joined
// by `&&` goes with its operator; a statement of a list goes with its
// separator. The removal must keep which commands run and the RUN's exit
// status, the removed command counting as one that succeeds (a cleanup
// after `;` decides the status: `…; done; rm -rf x`). When it does not,
// or when the command cannot go as text (after `||`, in a pipe, the only
// command of the RUN), it is replaced by `true` if that keeps them; else
// nothing is removed. Commands in a text with heredocs, with assignments
// or that are the target of a redirection's word are refused.
func RemoveCommand(d *ast.Document, ins *ast.Instruction, s *ast.Script, call *syntax.CallExpr) (emit.Edit, bool) {
	if call == nil || strings.Contains(s.Text, "<<") || len(call.Assigns) > 0 {
		return emit.Edit{}, false
	}
	e, ok := commandSpan(d, ins, s, call)
	if ok {
		e, ok = tidyRemoval(d, ins, e)
	}
	if ok && keepsBehaviour(d, ins, e) {
		return e, true
	}
	sp := s.SpanOf(call)
	t := emit.Edit{Start: sp.Start, End: sp.End, New: "true"}
	if keepsBehaviour(d, ins, t) {
		return t, true
	}
	return emit.Edit{}, false
}

// RemovedText is how a finding names a removed command; one replaced by
// `true` says why.
func RemovedText(e emit.Edit, text string) string {
	if e.New == "true" {
		return text + " (`true` in its place keeps the RUN's exit status)"
	}
	return text
}

// tidyRemoval keeps the lines around a removal well formed: a line left
// with nothing but blanks (or a lone continuation) goes entirely, and when
// it was the instruction's last line the line before gives up its
// continuation.
func tidyRemoval(d *ast.Document, ins *ast.Instruction, e emit.Edit) (emit.Edit, bool) {
	src := d.Src
	ls := d.Lines[d.LineOf(e.Start)-1]
	le := d.Lines[d.LineOf(e.End)-1]
	left, right := "", ""
	if e.Start > ls.Start {
		left = strings.TrimLeft(string(src[ls.Start:min(e.Start, ls.End)]), " \t")
	}
	if e.End < le.End {
		right = strings.TrimSpace(string(src[e.End:le.End]))
	}
	if left != "" {
		return e, true
	}
	esc := string(d.Escape)
	if inHeredoc(ins, e.Start) {
		if right == "" {
			return emit.Edit{Start: ls.Start, End: le.Next}, true
		}
		return e, true
	}
	switch right {
	case esc:
		return emit.Edit{Start: ls.Start, End: le.Next}, true
	case "":
		n := d.LineOf(e.Start)
		if n-1 < ins.StartLine {
			return emit.Edit{}, false
		}
		p := d.Lines[n-2]
		pt := strings.TrimRight(string(src[p.Start:p.End]), " \t")
		if !strings.HasSuffix(pt, esc) || strings.HasPrefix(strings.TrimLeft(pt, " \t"), "#") {
			return emit.Edit{}, false
		}
		ce := p.Start + len(pt) - len(esc)
		for ce > p.Start && (src[ce-1] == ' ' || src[ce-1] == '\t') {
			ce--
		}
		return emit.Edit{Start: ce, End: le.End}, true
	}
	return e, true
}

// commandSpan is the text removeCommand takes out.
func commandSpan(d *ast.Document, ins *ast.Instruction, s *ast.Script, call *syntax.CallExpr) (emit.Edit, bool) {
	if call == nil || strings.Contains(s.Text, "<<") {
		return emit.Edit{}, false
	}
	list, idx, chain, target := locateStmt(s.File.Stmts, call)
	if target == nil || len(target.Redirs) > 0 || target.Negated || target.Background || target.Coprocess {
		return emit.Edit{}, false
	}
	if top := list[idx]; top.Background || top.Coprocess || top.Negated || len(top.Redirs) > 0 {
		return emit.Edit{}, false
	}
	if len(chain) == 0 {
		if len(list) < 2 {
			return emit.Edit{}, false
		}
		if idx > 0 {
			// From the separator before it to its own: `a; rm x; b` → `a; b`.
			prev := list[idx-1]
			start := s.SpanOf(prev).End
			if prev.Semicolon.IsValid() {
				start = s.Orig(prev.Semicolon)
			}
			end := s.SpanOf(target).End
			if target.Semicolon.IsValid() {
				end = s.Orig(target.Semicolon)
			}
			return emit.Edit{Start: start, End: end}, true
		}
		return emit.Edit{Start: s.Orig(list[0].Pos()), End: s.Orig(list[1].Pos())}, true
	}
	for _, b := range chain {
		if b.Op != syntax.AndStmt {
			return emit.Edit{}, false
		}
	}
	b := chain[len(chain)-1]
	if b.Y == target {
		return emit.Edit{Start: s.SpanOf(b.X).End, End: s.SpanOf(b.Y).End}, true
	}
	return emit.Edit{Start: s.Orig(b.X.Pos()), End: s.Orig(b.Y.Pos())}, true
}

// stmtEnd is the end of a statement with its `;`.
func stmtEnd(s *ast.Script, st *syntax.Stmt) int {
	if st.Semicolon.IsValid() {
		return s.Orig(st.Semicolon) + 1
	}
	return s.SpanOf(st).End
}

// locateStmt finds the statement that runs call: the statement list it is
// in (directly or through && / || chains), its index there, the chain of
// binary commands down to it, and the statement itself.
func locateStmt(list []*syntax.Stmt, call *syntax.CallExpr) ([]*syntax.Stmt, int, []*syntax.BinaryCmd, *syntax.Stmt) {
	contains := func(n syntax.Node) bool {
		return n.Pos().Offset() <= call.Pos().Offset() && call.End().Offset() <= n.End().Offset()
	}
	for i, st := range list {
		if !contains(st) {
			continue
		}
		var chain []*syntax.BinaryCmd
		cur := st
		for {
			switch c := cur.Cmd.(type) {
			case *syntax.CallExpr:
				if c == call {
					return list, i, chain, cur
				}
				return nil, 0, nil, nil
			case *syntax.BinaryCmd:
				chain = append(chain, c)
				if contains(c.X) {
					cur = c.X
				} else {
					cur = c.Y
				}
				continue
			case *syntax.Block:
				return locateStmt(c.Stmts, call)
			case *syntax.IfClause:
				for ic := c; ic != nil; ic = ic.Else {
					if l, j, ch, t := locateStmt(ic.Then, call); t != nil {
						return l, j, ch, t
					}
				}
			case *syntax.ForClause:
				return locateStmt(c.Do, call)
			}
			return nil, 0, nil, nil
		}
	}
	return nil, 0, nil, nil
}

// AppendCommand adds `&& cmd` at the end of a RUN's script: on the same
// line for a one-line RUN, on a continuation line (indented like the
// body) otherwise; as a new line of a heredoc script.
func AppendCommand(d *ast.Document, ins *ast.Instruction, s *ast.Script, cmd string) (emit.Edit, bool) {
	stmts := s.File.Stmts
	if len(stmts) == 0 {
		return emit.Edit{}, false
	}
	last := stmts[len(stmts)-1]
	if last.Background || last.Coprocess {
		return emit.Edit{}, false
	}
	if len(ins.Heredocs) > 0 {
		if len(ins.Heredocs) != 1 || !strings.HasPrefix(strings.TrimSpace(string(d.Src[ins.ArgsStart:ins.Heredocs[0].Body.Start])), "<<") {
			return emit.Edit{}, false
		}
		h := ins.Heredocs[0]
		body := string(d.Src[h.Body.Start:h.Body.End])
		if strings.Contains(body, "<<") || !strings.HasSuffix(body, "\n") {
			return emit.Edit{}, false
		}
		lines := strings.Split(strings.TrimRight(body, "\r\n"), "\n")
		lastLine := strings.TrimRight(lines[len(lines)-1], "\r")
		if strings.HasSuffix(lastLine, "\\") || strings.HasSuffix(strings.TrimSpace(lastLine), "&&") || strings.HasSuffix(strings.TrimSpace(lastLine), "|") {
			return emit.Edit{}, false
		}
		indent := lastLine[:len(lastLine)-len(strings.TrimLeft(lastLine, " \t"))]
		return emit.Edit{Start: h.Body.End, End: h.Body.End, New: indent + cmd + d.EOL()}, true
	}
	if s.Comments {
		return emit.Edit{}, false
	}
	at := stmtEnd(s, last)
	if last.Semicolon.IsValid() {
		at = s.Orig(last.Semicolon)
	}
	sep := " && "
	if d.LineOf(at) != ins.StartLine {
		sep = " && " + string(d.Escape) + d.EOL() + bodyIndent(d, ins)
	}
	e := emit.Edit{Start: at, End: at, New: sep + cmd}
	if !EditedRunParses(d, ins, []emit.Edit{e}) {
		return emit.Edit{}, false
	}
	return e, true
}

// AndList writes "a, b and c".
func AndList(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

func CommandText(d *ast.Document, cmd *ast.Command) string {
	t := string(d.Src[cmd.Span.Start:cmd.Span.End])
	if strings.ContainsAny(t, "\r\n") {
		return strings.Join(strings.Fields(strings.ReplaceAll(t, string(d.Escape)+"\n", " ")), " ")
	}
	return t
}
