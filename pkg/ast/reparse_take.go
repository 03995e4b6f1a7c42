package ast

import (
	"bytes"
	"sync/atomic"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// A rule that edits a RUN (a mount flag added, a command taken out) may
// have its edited text read by ReadRun while it plans; Reparse takes that
// reading for the RUN instead of parsing and building it again, when its
// region is instructions each untouched or such a RUN. Why what ReadRun
// made is, lines and offsets moved, what Reparse's parse of the region
// (and so Parse of the new text) makes (parser.go, line_parsers.go,
// instructions/parse.go at the version in go.mod):
//
// The region is the untouched instruction lo, then instructions each
// after a gap (the lines between two instructions that are none). Every
// change lies in one instruction, from its first byte to the end of its
// last line (the end of the file for the last instruction): the gaps are
// old's bytes. An untouched instruction is old's bytes; an edited one is
// a RUN whose new text T, from its first byte to the end of the last
// line it now holds, is Src[Span.Start:Next] of ReadRun's instruction
// (the lookup is by T and the escape character).
//
// BuildKit's parser reads line by line; at the top of its loop its state
// is the escape token, the directives (ended once a line is not one) and
// the comments seen since the last node. After a node the state is: the
// file's escape token, directives ended, no comment, in the old text and
// in the new one. A gap's lines are each read at the top of the loop and
// skipped (a line that holds nothing once its comment and a trailing
// escape are stripped: a function of the line and the escape token), as
// they were in the old text, where the next node started after them; the
// comments they leave are the same, and become the next node's
// PrevComment: the old node's.
//
// An untouched instruction is then read from the same state as in the
// old text: its node is old's, its lines moved (Document.moved), as its
// end depends on its own lines (it was followed by more text in the old
// one: it is not the last instruction, which is never untouched here).
// An edited one is read from the same state as in ReadRun's wrapper
// (`FROM scratch`, T, a sentinel LABEL: after FROM's node, the same
// escape token, directives ended, no comment): its logical line
// (splitCommand, the dispatch parser: Original, Flags, Attributes, Next)
// and its heredocs are functions of T's lines and the escape token, and
// BuildKit's scanner hands the same lines (T ends with its line
// terminator: RunWrapper adds one to a text without, which the lookup
// then does not match). ReadRun's instruction ends on T's last line with
// the sentinel after it, so its logical line ended there without a
// continuation, or its last heredoc's terminator is that line: its end
// depends on T alone, and what follows (a gap, the next instruction or
// the end of the file) reads as in the old text, from the state after a
// node. So the region's parse is these nodes, the edited ones but for
// their lines (numbered from T's first line in the new text) and
// PrevComment. The parse's warnings (empty continuation lines) are not
// kept.
//
// The built Instruction: newInstruction reads the node and the lines
// from its StartLine to its EndLine, which hold the same bytes at
// offsets delta further (T starts a line in both texts and ends one;
// neither is the first line, where a byte order mark is skipped): every
// offset moves by delta (shift, as Document.moved does), every line by
// the line shift. BuildKit's typed RunCommand reads the node (and its
// PrevComment only for a `# check=` lint configuration, which parseRun
// does not consult); it holds the node's location as moved instructions
// do theirs (nothing reads it). Only a RUN is taken. link sets Stage and
// Index; the shell analysis is ReadRun's (as TakeShell hands it on).

// RunTexts looks up the reading of an instruction's text (its lines)
// under an escape character, nil when there is none.
type RunTexts func(esc rune, text []byte) *RunText

// takes counts the instructions Reparse took.
var takes atomic.Int64

// rewrites counts the instructions Reparse made from a new text
// (rewritten).
var rewrites atomic.Int64

// Rewrites is how many instructions Reparse made from the old node and
// the new lines, for tests that show the shortcut runs.
func Rewrites() int64 { return rewrites.Load() }

// Takes is how many instructions Reparse has taken instead of parsing
// them again: for tests that show the shortcut runs.
func Takes() int64 { return takes.Load() }

// takenRegion is the instructions of a region that is taken, and the
// line shift after it.
type takenRegion struct {
	ins   []*Instruction
	after int
}

// takeRegions is the regions of rs that are taken, nil when none is
// looked up (delta is the byte shift before the first).
func (d *Document) takeRegions(old *Document, rs []region, runs RunTexts, delta int, lint *linter.Linter) []takenRegion {
	var out []takenRegion
	for k, r := range rs {
		if tk, ok := d.take(old, r, runs, delta, lint); ok {
			if out == nil {
				out = make([]takenRegion, len(rs))
			}
			out[k] = tk
		}
		delta += r.delta
	}
	return out
}

// take is the instructions of region r when each is untouched (moved) or
// a RUN edited from its first byte on whose new text runs has read
// (taken), and one at least is taken.
func (d *Document) take(old *Document, r region, runs RunTexts, delta int, lint *linter.Linter) (takenRegion, bool) {
	n := len(old.Instructions)
	if r.lo < 0 || r.last >= n {
		return takenRegion{}, false
	}
	var tk takenRegion
	cs, got := r.changes, 0
	var slab movedSlab
	for i := r.lo + 1; i <= r.last; i++ {
		o := old.Instructions[i]
		if j, k := joinedUpTo(old, i, cs, r.last); j > i {
			// The changes write this instruction and those up to j anew,
			// as one.
			if cs[0].Start < o.Span.Start {
				return takenRegion{}, false
			}
			grow := growth(cs[:k])
			start := o.Span.Start + delta
			ins, ok := d.rewritten(old, i, start, old.Instructions[j].Span.End+delta+grow, lint)
			if !ok {
				return takenRegion{}, false
			}
			tk.ins = append(tk.ins, ins)
			cs, delta, i, got = cs[k:], delta+grow, j, got+1
			continue
		}
		end := o.Next // the last instruction holds the text after it
		if i == n-1 {
			end = len(old.Src)
		}
		k, grow := 0, 0
		for k < len(cs) && cs[k].Start < end {
			grow += cs[k].Growth()
			k++
		}
		line := lineAt(d, o.Span.Start+delta) + 1
		switch {
		case k == 0 && i == n-1:
			return takenRegion{}, false // its end may be the file's
		case k == 0:
			tk.ins = append(tk.ins, old.moved(o, delta, line-o.StartLine, &slab))
		case cs[0].Start < o.Span.Start || cs[k-1].End > end:
			return takenRegion{}, false // a change in the gap before it, or past its end
		default:
			c := d.takeEdited(old, i, cs[:k], runs, delta, end+delta+grow, line, lint)
			if c == nil {
				return takenRegion{}, false
			}
			tk.ins = append(tk.ins, c)
			got++
		}
		cs, delta = cs[k:], delta+grow
	}
	if got == 0 || len(cs) > 0 {
		return takenRegion{}, false
	}
	takes.Add(int64(got))
	oldEnd := len(old.Src)
	if r.last+1 < n {
		oldEnd = old.Instructions[r.last].Next
	}
	tk.after = lineAt(d, oldEnd+delta) - lineAt(old, oldEnd)
	return tk, true
}

// takeEdited is old's instruction i, edited by the changes cs (those
// within it, delta the byte shift before it), at its place in d: the
// instruction ReadRun made of its new text when runs has it (a RUN),
// else the one made from its old node (derived), else from its old node
// and its new lines (rewritten, when the changes lie within its lines);
// nil when none.
func (d *Document) takeEdited(old *Document, i int, cs []Change, runs RunTexts, delta, end, line int, lint *linter.Linter) *Instruction {
	o := old.Instructions[i]
	start := o.Span.Start + delta
	if o.Cmd == "run" && runs != nil {
		text := d.Src[start:end]
		if t := runs(d.Escape, text); t != nil && t.ins != nil && t.esc == d.Escape && bytes.Equal(t.text, text) {
			return t.taken(start, line, o.Node.PrevComment)
		}
	}
	if c, ok := d.derived(old, i, cs, delta, line-o.StartLine, lint); ok {
		return c
	}
	if last := cs[len(cs)-1]; last.End <= o.Span.End {
		if c, ok := d.rewritten(old, i, start, o.Span.End+delta+growth(cs), lint); ok {
			return c
		}
	}
	return nil
}

// joinedUpTo is, when the changes of cs that start in instruction i of
// old (from its first byte to its next line) run past its end, the
// instruction j (by last) where they end and how many of cs start by
// j's next line, the last ending by j's end (they write i to j anew, as
// one); j is -1 when none.
func joinedUpTo(old *Document, i int, cs []Change, last int) (j, k int) {
	ins := old.Instructions
	for j = i; ; j++ {
		if j > last || j >= len(ins) {
			return -1, 0
		}
		end := ins[j].Next
		if j == len(ins)-1 {
			end = len(old.Src)
		}
		for k < len(cs) && cs[k].Start < end {
			k++
		}
		if k == 0 || cs[k-1].End <= ins[j].Span.End {
			break
		}
	}
	if j == i {
		return -1, 0
	}
	return j, k
}

// takeable reports whether ReadRun's instruction ins may be taken by
// Reparse: a RUN whose typed command is BuildKit's.
func takeable(ins *Instruction) bool {
	_, ok := ins.Command.(*instructions.RunCommand)
	return ins.Cmd == "run" && ok && ins.from == nil
}

// taken is a copy of t's instruction at offset at, on line line, after
// the comments comment: its node and offsets moved, the shell analysis
// handed on.
func (t *RunText) taken(at, line int, comment []string) *Instruction {
	from := t.ins
	c := new(Instruction)
	*c = *from
	nd := *from.Node
	nd.StartLine, nd.EndLine = line, line+from.EndLine-from.StartLine
	nd.PrevComment = comment
	c.Node = &nd
	c.StartLine, c.EndLine = nd.StartLine, nd.EndLine
	c.shift(from, at-from.Span.Start)
	c.script, c.shellDone = nil, false
	c.prior = &priorShell{script: t.Script, shell: t.shell, delta: at - t.start}
	return c
}

// An edit of a RUN's flags alone (a mount flag added) leaves the text the
// shell analysis reads: Reparse hands the old analysis on to the parsed
// instruction (argsMoved), as it does for a moved one. Why it is what
// Document.shell makes of the new instruction: shell reads, besides the
// shell (which priorShell checks when it is taken), the logical line from
// ArgsStart on with its offsets, the heredocs' bodies and the node's
// heredocs. When the bytes from ArgsStart to Next are the same, and the
// node's heredocs too, these are the same, delta further: the lines
// after the one that holds ArgsStart lie in those bytes, and so does
// what decides that line's continuation (its end, back over trailing
// blanks to the two bytes before, which must lie after ArgsStart).

// argsMoved gives each RUN of ins, the instructions a region's parse made
// in place of old's from index first on, the shell analysis of the old
// RUN at its place whose arguments it has, flags aside.
func (d *Document) argsMoved(old *Document, first int, ins []*Instruction) {
	for i, c := range ins {
		k := first + i
		if k >= len(old.Instructions) {
			return
		}
		o := old.Instructions[k]
		if c.Cmd != "run" || o.Cmd != "run" || (!o.shellDone && o.prior == nil) || c.Next-c.ArgsStart != o.Next-o.ArgsStart ||
			!bytes.Equal(d.Src[c.ArgsStart:c.Next], old.Src[o.ArgsStart:o.Next]) ||
			!sameHeredocs(c.Node.Heredocs, o.Node.Heredocs) || !d.argsEndLine(c) {
			continue
		}
		c.inherit(old, o, c.ArgsStart-o.ArgsStart)
	}
}

// argsEndLine reports whether the line that holds ins's ArgsStart keeps
// two bytes after it, trailing blanks aside: whether it continues is
// read in those bytes.
func (d *Document) argsEndLine(ins *Instruction) bool {
	l := d.Lines[d.LineOf(ins.ArgsStart)-1]
	t := l.End
	for t > ins.ArgsStart && (d.Src[t-1] == ' ' || d.Src[t-1] == '\t') {
		t--
	}
	return t-ins.ArgsStart >= 2
}

func sameHeredocs(a, b []parser.Heredoc) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
