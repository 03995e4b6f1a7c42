package transform

import (
	"sort"
	"strings"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/emit"
)

// wrap lays out the words that the fixes to be applied insert
// (wrapLong). The findings get their own copies of their edits.
func (c *Chain) wrap(t *Transform, cur *ast.Document, findings []Finding) {
	var edits []*emit.Edit
	for i := range findings {
		f := &findings[i]
		rule := f.Rule
		if rule == "" {
			rule = t.Name
		}
		if !f.HasFix() || !(c.Options.Unsafe || !(t.Unsafe || f.Unsafe)) || IgnoredAt(cur, f.Line, f.EndLine, rule) {
			continue
		}
		f.Edits = append([]emit.Edit(nil), f.Edits...)
		for j := range f.Edits {
			edits = append(edits, &f.Edits[j])
		}
	}
	wrapLong(cur, edits)
}

// wrapLong keeps the lines a rule's fixes write readable: when the words
// its fixes insert into a line of a RUN would take that line past
// MaxAddedLine characters, where it was no longer, the last of them go on
// a continuation line of their own, with the rest of the line after them.
// Only insertions of words (new text starting with a blank, no line
// break) into the shell-form body of a RUN, outside heredocs and quotes,
// are moved; the chain checks every edited RUN, this layout included.
func wrapLong(cur *ast.Document, edits []*emit.Edit) {
	byLine := map[int][]*emit.Edit{}
	for _, e := range edits {
		if e.Start == e.End && strings.HasPrefix(e.New, " ") && !strings.ContainsAny(e.New, "\r\n") {
			n := lineAt(cur, e.Start)
			byLine[n] = append(byLine[n], e)
		}
	}
	for n, words := range byLine {
		l := cur.Lines[n-1]
		if l.End-l.Start > MaxAddedLine || !onlyInLine(edits, l) {
			continue
		}
		sort.SliceStable(words, func(i, j int) bool { return words[i].Start < words[j].Start })
		ins := runAt(cur, l.Start)
		if ins == nil {
			continue
		}
		breakLine(cur, ins, l, edits, words)
	}
}

// breakLine moves the last inserted words of line l to a continuation
// line until the first part fits.
func breakLine(cur *ast.Document, ins *ast.Instruction, l ast.Line, edits, words []*emit.Edit) {
	indent := bodyIndent(cur, ins)
	sep := " " + string(cur.Escape) + cur.EOL() + indent
	for i := len(words) - 1; i >= 0 && lineLength(l, edits) > MaxAddedLine; i-- {
		w := words[i]
		if !breakable(cur, ins, w.Start) {
			continue
		}
		w.New = sep + w.New[1:]
	}
}

// lineLength is the length of the first physical line that line l
// becomes under the edits (all of them inside it).
func lineLength(l ast.Line, edits []*emit.Edit) int {
	sorted := append([]*emit.Edit(nil), edits...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Start < sorted[j].Start })
	n := l.End - l.Start
	for _, e := range sorted {
		if e.Start < l.Start || e.Start > l.End {
			continue
		}
		if i := strings.Index(e.New, "\n"); i >= 0 {
			return n - (l.End - e.Start) + len(strings.TrimRight(e.New[:i], "\r"))
		}
		n += len(e.New) - (e.End - e.Start)
	}
	return n
}

// onlyInLine reports whether no edit touching line l reaches past it.
func onlyInLine(edits []*emit.Edit, l ast.Line) bool {
	for _, e := range edits {
		if e.End >= l.Start && e.Start <= l.End && (e.Start < l.Start || e.End > l.End) {
			return false
		}
	}
	return true
}

// runAt is the shell-form RUN whose text holds off, outside its heredocs.
func runAt(d *ast.Document, off int) *ast.Instruction {
	for _, ins := range d.Instructions {
		if off < ins.Span.Start || off >= ins.Span.End {
			continue
		}
		if ins.Cmd != "run" || ins.JSON || !d.IsPOSIX(ins) {
			return nil
		}
		if len(ins.Heredocs) > 0 && off >= ins.Heredocs[0].Body.Start {
			return nil
		}
		return ins
	}
	return nil
}

// breakable reports whether a line break may go at off: after the
// instruction's keyword and flags, on a line that is not a comment, with
// no quote open before it on that line and none carried from the lines
// before (the whole RUN up to off has balanced quotes).
func breakable(d *ast.Document, ins *ast.Instruction, off int) bool {
	if off <= ins.ArgsStart {
		return false
	}
	l := d.Lines[lineAt(d, off)-1]
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
