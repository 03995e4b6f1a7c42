package transform

import (
	"sort"
	"strings"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/emit"
)

// Carry records that e's new text holds the text of the instructions from
// (moved, copied, joined or rewritten), in the order it holds them: what a
// later rule says about that text is said about those instructions of the
// input. Every rule that moves or copies text passes its edit through here.
//
// Each instruction is found in the new text from where the previous one
// ended: its whole text, else its arguments (a body joined after `&&`),
// else, rewritten, the first line starting with its keyword (to the end
// of the text). An instruction found nowhere is left out.
func Carry(d *ast.Document, e emit.Edit, from ...*ast.Instruction) emit.Edit {
	at := 0
	for _, ins := range from {
		o, ok := findCarried(d, e.New, at, ins)
		if !ok {
			continue
		}
		e.Origins = append(e.Origins, o)
		at = o.At + o.Len
	}
	return e
}

func findCarried(d *ast.Document, text string, at int, ins *ast.Instruction) (emit.Origin, bool) {
	for _, sp := range []ast.Span{ins.Span, {Start: ins.ArgsStart, End: ins.Span.End}} {
		if sp.End <= sp.Start {
			continue
		}
		if i := strings.Index(text[at:], string(d.Src[sp.Start:sp.End])); i >= 0 {
			n := sp.End - sp.Start
			if k := keywordBefore(text, at, at+i, ins.Keyword); k >= 0 {
				// The arguments under their keyword, with words put
				// before them (`RUN cd /dir && …`): the whole line is
				// the instruction, rewritten.
				return emit.Origin{At: k, Len: at + i + n - k, From: ins.Span.Start, FromLen: ins.Span.End - ins.Span.Start}, true
			}
			return emit.Origin{At: at + i, Len: n, From: sp.Start, FromLen: n}, true
		}
	}
	for i := at; i < len(text); {
		line := text[i:]
		if j := strings.IndexByte(line, '\n'); j >= 0 {
			line = line[:j+1]
		}
		word := strings.TrimLeft(line, " \t")
		if k := len(ins.Keyword); len(word) > k && strings.EqualFold(word[:k], ins.Keyword) && (word[k] == ' ' || word[k] == '\t') {
			start := i + len(line) - len(word)
			return emit.Origin{At: start, Len: len(text) - start, From: ins.Span.Start, FromLen: ins.Span.End - ins.Span.Start}, true
		}
		i += len(line)
	}
	return emit.Origin{}, false
}

// keywordBefore is where keyword begins the line of text that holds
// offset end, when it does so after offset from and words stand between
// it and end; -1 otherwise.
func keywordBefore(text string, from, end int, keyword string) int {
	start := max(strings.LastIndexByte(text[:end], '\n')+1, from)
	word := strings.TrimLeft(text[start:end], " \t")
	k := len(keyword)
	if len(word) <= k || !strings.EqualFold(word[:k], keyword) || (word[k] != ' ' && word[k] != '\t') || strings.TrimSpace(word[k:]) == "" {
		return -1
	}
	return end - len(word)
}

// history is every set of edits the chain applied to a file, in order,
// over all passes: it maps the current text back to the input.
type history struct {
	input  *ast.Document
	layers []layer
}

// layer is one applied set of edits: the text they were made against
// (not its document: a file's versions are not all kept alive), the rule
// that made them, and the text they gave.
type layer struct {
	rule  string
	src   []byte
	index *editIndex // the edits, sorted by Start
	out   []byte
}

func (h *history) add(rule string, doc *ast.Document, x *editIndex, out []byte) {
	h.layers = append(h.layers, layer{rule: rule, src: doc.Src, index: x, out: out})
}

// How an offset of the text after a layer relates to the text before it.
type traced int

const (
	kept      traced = iota // text the layer left where it was
	copied                  // text an edit copied as it was from elsewhere
	rewritten               // text an edit rewrote from elsewhere (approximate)
	written                 // text an edit wrote anew
)

// trace maps an offset of the text after the layer's edits to the text
// before them. Text an edit wrote maps to where its origin says it came
// from or, written anew, to where the edit was made.
func (l *layer) trace(off int) (int, traced) {
	e, q := l.index.at(off)
	if e == nil {
		return l.index.back(off), kept
	}
	for _, o := range e.Origins {
		if q >= o.At && q < o.At+o.Len {
			if l.verbatim(e, o) {
				return o.From + q - o.At, copied
			}
			if q == o.At+o.Len-1 && o.Len > 1 {
				// The end of a rewritten instruction is where its source ends.
				return o.From + max(o.FromLen-1, 0), rewritten
			}
			return o.From + min(q-o.At, max(o.FromLen-1, 0)), rewritten
		}
	}
	return e.Start, written
}

// verbatim reports whether the text an origin names is a copy of its
// source as it was.
func (l *layer) verbatim(e *emit.Edit, o emit.Origin) bool {
	return o.Len == o.FromLen && e.New[o.At:o.At+o.Len] == string(l.src[o.From:o.From+o.FromLen])
}

// origin maps an offset of the text after every layer to the input, and
// names the rule that wrote the text there ("" when it is the user's,
// moved or not).
func (h *history) origin(off int) (int, string) {
	by := ""
	for i := len(h.layers) - 1; i >= 0; i-- {
		o, how := h.layers[i].trace(off)
		if how == written && by == "" {
			by = h.layers[i].rule
		}
		off = o
	}
	return off, by
}

// line maps a line of cur (the text after every layer) to the input: the
// line of the input its first word came from.
func (h *history) line(cur *ast.Document, line int) int {
	return h.mapLine(cur, line, func(l ast.Line) int {
		off := l.Start
		for off < l.End && (cur.Src[off] == ' ' || cur.Src[off] == '\t') {
			off++
		}
		return off
	})
}

// endLine maps the last line of an instruction of cur to the input: the
// line where its text ends there (past what an edit deleted at its end).
func (h *history) endLine(cur *ast.Document, line int) int {
	return h.mapLine(cur, line, func(l ast.Line) int { return l.End })
}

func (h *history) mapLine(cur *ast.Document, line int, at func(ast.Line) int) int {
	if line < 1 || len(cur.Lines) == 0 || len(h.layers) == 0 {
		return line
	}
	o, _ := h.origin(at(cur.Lines[min(line, len(cur.Lines))-1]))
	return h.input.LineOf(o)
}

// inputEdits expresses edits made on the text after every layer against
// the input. An edit of text an earlier rule moved or copied as it was
// maps to that text where the input has it; an edit of text an earlier
// edit wrote, rewrote or replaced cannot be: ok is false and by names the
// rule that wrote it.
func (h *history) inputEdits(edits []emit.Edit) (out []emit.Edit, by string, ok bool) {
	out = append([]emit.Edit(nil), edits...)
	for i := len(h.layers) - 1; i >= 0; i-- {
		l := &h.layers[i]
		for j, e := range out {
			start, end, ok := l.traceRange(e.Start, e.End)
			if !ok {
				return nil, l.rule, false
			}
			out[j] = emit.Edit{Start: start, End: end, New: e.New}
		}
	}
	return out, "", true
}

// traceRange maps the range [start, end) of the text after the layer to
// the text before it, when that range is text the layer left as it was
// (where it stood or copied elsewhere as it was).
func (l *layer) traceRange(start, end int) (int, int, bool) {
	if start == end {
		s, ok := l.tracePoint(start)
		return s, s, ok
	}
	s, how := l.trace(start)
	e := s + (end - start)
	if how > copied || e > len(l.src) || string(l.src[s:e]) != string(l.out[start:end]) {
		return 0, 0, false
	}
	// Nothing was inserted or deleted inside the range.
	if e2, how := l.trace(end - 1); how > copied || e2 != e-1 {
		return 0, 0, false
	}
	return s, e, true
}

// tracePoint maps a point where an insertion is made: in text the layer
// left alone or copied, at the end of a copy, or where an edit's new
// text begins.
func (l *layer) tracePoint(off int) (int, bool) {
	s, how := l.trace(off)
	if how <= copied {
		return s, true
	}
	e, q := l.index.at(off)
	if q == 0 {
		return e.Start, true
	}
	for _, o := range e.Origins {
		if q == o.At+o.Len && l.verbatim(e, o) {
			return o.From + o.FromLen, true
		}
	}
	return 0, false
}

// WrittenBy names the rule of the chain whose fix wrote the text at off in
// p.Doc, or "" when that text is the user's (where it stands or moved).
func (p *Pass) WrittenBy(off int) string {
	if p.hist == nil {
		return ""
	}
	_, by := p.hist.origin(off)
	return by
}

// InputLine is the line of the input that a line of p.Doc comes from
// (the same line when no rule has changed the text before this pass):
// messages name lines of the user's file.
func (p *Pass) InputLine(line int) int {
	if p == nil || p.hist == nil {
		return line
	}
	return p.hist.line(p.Doc, line)
}

func sortedEdits(edits []emit.Edit) []emit.Edit {
	sorted := append([]emit.Edit(nil), edits...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Start < sorted[j].Start })
	return sorted
}

// insertion is an applied fix that only inserts text, made in layer
// index layer of the history: if later layers take all its text out
// again, the fix has no effect on the output.
type insertion struct {
	finding int // index in the pass's Result.Findings
	layer   int
	edits   []emit.Edit
}

// undone reports whether every text the insertion wrote is gone from the
// text after the last layer: deleted by a later layer without being
// carried along.
func (h *history) undone(in insertion) bool {
	l := &h.layers[in.layer]
	for _, e := range in.edits {
		a, ok := l.placed(e)
		if !ok {
			return false
		}
		b := a + len(e.New)
		gone := false
		for j := in.layer + 1; j < len(h.layers) && !gone; j++ {
			a, b, gone = h.layers[j].forward(a, b)
		}
		if !gone {
			return false
		}
	}
	return true
}

// placed is where the new text of e, one of the layer's edits, begins in
// the text after the layer.
func (l *layer) placed(e emit.Edit) (int, bool) {
	delta := 0
	for _, x := range l.index.edits {
		if x.Start == e.Start && x.End == e.End && x.New == e.New {
			return x.Start + delta, true
		}
		delta += len(x.New) - (x.End - x.Start)
	}
	return 0, false
}

// forward maps the range [a, b) of the text before the layer to the text
// after it. A range one of the layer's edits carries along as it was (a
// join) follows it; otherwise each end maps through the edits, and gone
// is true when nothing of the range is left (deleted, not rewritten).
func (l *layer) forward(a, b int) (int, int, bool) {
	if s, e, ok := l.carriedTo(a, b); ok {
		return s, e, false
	}
	na, nb := l.mapPoint(a, true), l.mapPoint(b, false)
	if nb <= na {
		return 0, 0, true
	}
	return na, nb, false
}

// carriedTo finds [a, b) in the new text of an edit whose origin covers
// it, copied as it was.
func (l *layer) carriedTo(a, b int) (int, int, bool) {
	want := string(l.src[a:b])
	delta := 0
	for _, x := range l.index.edits {
		for _, o := range x.Origins {
			if o.From <= a && b <= o.From+o.FromLen {
				if i := strings.Index(x.New[o.At:o.At+o.Len], want); i >= 0 {
					s := x.Start + delta + o.At + i
					return s, s + (b - a), true
				}
			}
		}
		delta += len(x.New) - (x.End - x.Start)
	}
	return 0, 0, false
}

// mapPoint maps an offset of the text before the layer to the text after
// it. An offset inside text an edit replaces maps to the start of its new
// text (start) or to the end of it; an insertion at the offset goes before
// a start and after an end.
func (l *layer) mapPoint(p int, start bool) int {
	delta := 0
	for _, x := range l.index.edits {
		grow := len(x.New) - (x.End - x.Start)
		switch {
		case x.End < p || x.End == p && (x.Start < p || start):
			delta += grow
		case x.Start < p || x.Start == p && x.End > p:
			if start {
				return x.Start + delta
			}
			return x.Start + delta + len(x.New)
		default:
			return p + delta
		}
	}
	return p + delta
}
