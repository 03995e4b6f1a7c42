package transform

import (
	"slices"
	"sort"
	"strings"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/emit"
)

// wrap lays out the words that the fixes to be applied (applied[i])
// insert (wrapLong). Those findings get their own copies of their edits.
func (c *Chain) wrap(cur *ast.Document, h *history, findings []Finding, applied []bool) {
	var edits []*emit.Edit
	owner := map[*emit.Edit]int{}
	for i := range findings {
		f := &findings[i]
		if !applied[i] {
			continue
		}
		f.Edits = append([]emit.Edit(nil), f.Edits...)
		for j := range f.Edits {
			edits = append(edits, &f.Edits[j])
			owner[&f.Edits[j]] = i
		}
	}
	// A line is judged by the user's line it comes from: earlier rules
	// may have lengthened it already.
	input := func(n int) int { return len(h.input.LineText(h.line(cur, n))) }
	for e, more := range wrapLong(cur, edits, input) {
		f := &findings[owner[e]]
		f.Edits = append(f.Edits, more...)
	}
}

// wrapLong keeps the lines a rule's fixes write readable: when the words
// its fixes insert into a line of a RUN (or write in place of a word)
// would take that line past MaxAddedLine characters, where it was no
// longer, the last of them go on a continuation line of their own, with
// the rest of the line after them. Only edits within one line of the
// shell-form body of a RUN, outside heredocs and quotes, at a word
// boundary, are moved; the chain checks every edited RUN, this layout
// included.
//
// When the continuation line that starts with the moved words is itself
// too long, it is broken again between the line's own words; those line
// breaks are returned as edits to add to the fix of the moved word.
func wrapLong(cur *ast.Document, edits []*emit.Edit, input func(line int) int) map[*emit.Edit][]emit.Edit {
	more := map[*emit.Edit][]emit.Edit{}
	byLine := map[int][]*emit.Edit{}
	for _, e := range edits {
		if n, ok := wordEdit(cur, e); ok {
			byLine[n] = append(byLine[n], e)
		}
	}
	// The edits that start on each line, and the lines an edit begun on
	// an earlier line runs into: each line is then laid out from its own.
	starts, entered := map[int][]*emit.Edit{}, map[int]bool{}
	for _, e := range edits {
		first := cur.LineOf(e.Start)
		starts[first] = append(starts[first], e)
		for n := first + 1; n <= len(cur.Lines) && cur.Lines[n-1].Start < e.End; n++ {
			entered[n] = true
		}
	}
	for n, words := range byLine {
		l := cur.Lines[n-1]
		edits := starts[n]
		if input(n) > MaxAddedLine || entered[n] {
			continue
		}
		sort.SliceStable(words, func(i, j int) bool { return words[i].Start < words[j].Start })
		ins := runAt(cur, l.Start)
		if ins == nil {
			continue
		}
		for w, breaks := range breakLine(cur, ins, l, edits, words) {
			more[w] = breaks
		}
	}
	for n, line := range starts {
		if byLine[n] != nil || entered[n] || input(n) > MaxAddedLine {
			continue
		}
		for _, e := range line {
			if breaks := endBreaks(cur, line, e); len(breaks) > 0 {
				more[e] = append(more[e], breaks...)
			}
		}
	}
	return more
}

// endBreaks keeps readable the line that an edit ends with a line break
// of its own (` && \` and a command appended on a new line): when the
// text the edit writes before that break takes the line past
// MaxAddedLine, the line is broken between its own words. line are the
// edits that start on e's line; no edit begun on an earlier line enters it.
func endBreaks(cur *ast.Document, line []*emit.Edit, e *emit.Edit) []emit.Edit {
	head, _, ok := strings.Cut(e.New, "\n")
	if !ok {
		return nil
	}
	l := cur.Lines[cur.LineOf(e.Start)-1]
	var tail []*emit.Edit
	for _, o := range line {
		switch {
		case o == e || o.Start >= e.Start:
		case o.End <= e.Start && !strings.ContainsAny(o.New, "\r\n"):
			tail = append(tail, o)
		default:
			return nil // an edit of the line that is not laid out here
		}
	}
	ins := runAt(cur, l.Start)
	if ins == nil || len(ins.Heredocs) > 0 || e.Start > ins.Span.End {
		return nil
	}
	sp := span{from: l.Start, end: e.Start, extra: len(strings.TrimSuffix(head, "\r"))}
	return tailBreaks(cur, ins, sp, 0, MaxAddedLine, bodyIndent(cur, ins), tail)
}

// wordEdit reports whether e writes words within one line, at a word
// boundary (an insertion of " word", or new text in place of text that
// follows a blank), and the line.
func wordEdit(d *ast.Document, e *emit.Edit) (int, bool) {
	if e.New == "" || strings.ContainsAny(e.New, "\r\n") {
		return 0, false
	}
	n := d.LineOf(e.Start)
	if e.End > d.Lines[n-1].End {
		return 0, false
	}
	if e.Start == e.End {
		return n, strings.HasPrefix(e.New, " ")
	}
	return n, e.Start > 0 && (d.Src[e.Start-1] == ' ' || d.Src[e.Start-1] == '\t') && e.New[0] != ' '
}

// breakLine moves the last words written into line l to a continuation
// line until the first part fits, then breaks each continuation line
// between its own words while it is too long: those breaks are returned
// with the edit whose words begin that line.
func breakLine(cur *ast.Document, ins *ast.Instruction, l ast.Line, edits, words []*emit.Edit) map[*emit.Edit][]emit.Edit {
	indent := bodyIndent(cur, ins)
	sep := " " + string(cur.Escape) + cur.EOL() + indent
	var moved []*emit.Edit
	for i := len(words) - 1; i >= 0 && lineLength(cur, l, edits) > MaxAddedLine; i-- {
		w := words[i]
		if !breakable(cur, ins, w.Start) {
			continue
		}
		if w.Start == w.End {
			w.New = sep + w.New[1:]
		} else {
			w.New = sep[1:] + w.New // after the blank that stands before it
		}
		moved = append([]*emit.Edit{w}, moved...)
	}
	out := map[*emit.Edit][]emit.Edit{}
	for k, w := range moved {
		end, room := l.End, MaxAddedLine
		if k+1 < len(moved) {
			end, room = moved[k+1].Start, MaxAddedLine-2 // the line ends with " \"
		}
		sp := span{from: w.End, end: end}
		tail := tailEdits(cur, edits, moved, &sp, l)
		width := len(w.New) - strings.LastIndex(w.New, cur.EOL()) - len(cur.EOL())
		if breaks := tailBreaks(cur, ins, sp, width, room, indent, tail); len(breaks) > 0 {
			out[w] = breaks
		}
	}
	return out
}

// tailEdits are the edits that start in sp, other than the moved words.
// An edit that writes a line break, or runs past line l (a cleanup taken
// out with the line break before it), ends the segment: what the line then
// goes on with counts as sp.extra.
func tailEdits(cur *ast.Document, edits, moved []*emit.Edit, sp *span, l ast.Line) []*emit.Edit {
	var tail []*emit.Edit
	for _, e := range edits {
		if e.Start < sp.from || e.Start > sp.end || slices.Contains(moved, e) {
			continue
		}
		if head, _, ok := strings.Cut(e.New, "\n"); ok {
			if e.Start < sp.end || sp.extra == 0 {
				// What the edit writes before its line break ends the line.
				sp.end, sp.extra = e.Start, len(strings.TrimSuffix(head, "\r"))
			}
			continue
		}
		if e.End > l.End {
			rest := cur.Src[e.End:cur.Lines[cur.LineOf(e.End)-1].End]
			sp.end, sp.extra = e.Start, len(e.New)+len(rest)
			continue
		}
		tail = append(tail, e)
	}
	return tail
}

// span is a range of the document's text, and the length of what follows
// it on its line when that is not the document's own text.
type span struct{ from, end, extra int }

// grown is how much the edits starting in [from, to) lengthen that text;
// ok is false when to falls inside or at the start of one of them.
func grown(tail []*emit.Edit, from, to int) (int, bool) {
	g := 0
	for _, e := range tail {
		if e.Start == to || e.Start < to && e.End > to {
			return 0, false
		}
		if e.Start >= from && e.Start < to {
			g += len(e.New) - (e.End - e.Start)
		}
	}
	return g, true
}

// tailBreaks breaks the text sp of a line (with the tail's edits), which
// follows width characters of a continuation line, between its words
// until every part fits in MaxAddedLine.
func tailBreaks(cur *ast.Document, ins *ast.Instruction, sp span, width, room int, indent string, tail []*emit.Edit) []emit.Edit {
	var out []emit.Edit
	brk := string(cur.Escape) + cur.EOL() + indent
	from := sp.from
	for {
		g, _ := grown(tail, from, sp.end+1)
		if width+(sp.end-from)+g+sp.extra <= room {
			return out
		}
		at := -1
		for p := from + 1; p < sp.end; p++ {
			g, ok := grown(tail, from, p)
			if width+(p-from)+g+1 > MaxAddedLine {
				break
			}
			blank := cur.Src[p-1] == ' ' || cur.Src[p-1] == '\t'
			if ok && blank && cur.Src[p] != ' ' && cur.Src[p] != '\t' && !afterRedirect(cur.Src[from:p]) && breakable(cur, ins, p) {
				at = p
			}
		}
		if at < 0 {
			return out
		}
		out = append(out, emit.Edit{Start: at, End: at, New: brk})
		from, width = at, len(indent)
	}
}

// lineLength is the length of the longest physical line that line l
// becomes under the edits.
func lineLength(d *ast.Document, l ast.Line, edits []*emit.Edit) int {
	sorted := append([]*emit.Edit(nil), edits...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Start < sorted[j].Start })
	var b strings.Builder
	at := l.Start
	for _, e := range sorted {
		if e.Start < at || e.Start > l.End {
			continue
		}
		b.Write(d.Src[at:e.Start])
		b.WriteString(e.New)
		at = e.End
		if e.End > l.End {
			// The line goes on with what follows the edit's end.
			l.End = d.Lines[d.LineOf(e.End)-1].End
		}
	}
	if at < l.End {
		b.Write(d.Src[at:l.End])
	}
	longest := 0
	for _, piece := range strings.Split(b.String(), "\n") {
		longest = max(longest, len(strings.TrimRight(piece, "\r")))
	}
	return longest
}

// runAt is the shell-form RUN whose text holds off, outside its heredocs.
func runAt(d *ast.Document, off int) *ast.Instruction {
	i := sort.Search(len(d.Instructions), func(i int) bool { return d.Instructions[i].Span.End > off })
	if i == len(d.Instructions) {
		return nil
	}
	ins := d.Instructions[i]
	if off < ins.Span.Start || ins.Cmd != "run" || ins.JSON || !d.IsPOSIX(ins) {
		return nil
	}
	if len(ins.Heredocs) > 0 && off >= ins.Heredocs[0].Body.Start {
		return nil
	}
	return ins
}

// breakable reports whether a line break may go at off: after the
// instruction's keyword and flags, on a line that is not a comment, with
// no quote open before it on that line and none carried from the lines
// before (the whole RUN up to off has balanced quotes).
func breakable(d *ast.Document, ins *ast.Instruction, off int) bool {
	if off <= ins.ArgsStart {
		return false
	}
	l := d.Lines[d.LineOf(off)-1]
	if strings.HasPrefix(strings.TrimLeft(string(d.Src[l.Start:l.End]), " \t"), "#") {
		return false
	}
	single, double := false, false
	for i := ins.ArgsStart; i < off; i++ {
		switch c := d.Src[i]; {
		case c == '\\' && !single:
			i++
		case c == '\'' && !double:
			single = !single
		case c == '"' && !single:
			double = !double
		}
	}
	return !single && !double
}

// joinBreaks lays out the lines that a join of RUNs ends with ` && \`
// (JoinRuns): where the user's line fitted in MaxAddedLine and the
// ` && \` would take it past, the line is broken between its own words.
// A body wrapped in `{ …; }` keeps its lines as they are.
func joinBreaks(d *ast.Document, runs []*ast.Instruction, indent string) []emit.Edit {
	var out []emit.Edit
	tail := len(" && ") + len(string(d.Escape))
	for i, r := range runs[:len(runs)-1] {
		if i > 0 && needsGroup(d.Shell(r)) {
			continue
		}
		l := d.Lines[r.EndLine-1]
		if l.End-l.Start > MaxAddedLine {
			continue
		}
		sp, width := span{from: l.Start, end: r.Span.End, extra: tail}, 0
		if i > 0 && r.StartLine == r.EndLine {
			sp.from, width = r.ArgsStart, len(indent) // "RUN " gives way to the indent
		}
		out = append(out, tailBreaks(d, r, sp, width, MaxAddedLine, indent, nil)...)
	}
	return out
}

// withBreaks is the text d.Src[start:end] with the breaks that fall in it.
func withBreaks(d *ast.Document, start, end int, breaks []emit.Edit) string {
	var b strings.Builder
	at := start
	for _, e := range breaks {
		if e.Start >= start && e.Start < end {
			b.Write(d.Src[at:e.Start])
			b.WriteString(e.New)
			at = e.Start
		}
	}
	b.Write(d.Src[at:end])
	return b.String()
}

// afterRedirect reports whether text ends with a redirection operator
// (`>`, `2>>`, `<`): its target reads better on the same line.
func afterRedirect(text []byte) bool {
	t := strings.TrimRight(string(text), " \t")
	return strings.HasSuffix(t, ">") || strings.HasSuffix(t, "<")
}
