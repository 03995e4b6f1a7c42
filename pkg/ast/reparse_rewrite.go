package ast

import (
	"strings"
	"unicode/utf8"

	"github.com/moby/buildkit/frontend/dockerfile/linter"
)

// A RUN written anew from its first byte on (merge-runs' join of
// consecutive RUNs into one, a RUN whose edits no derivation covers) is
// made from the old RUN's node and the new lines, read as BuildKit's
// parser reads an instruction's lines, instead of having BuildKit parse
// them (take, in a region of such RUNs and untouched instructions). Why
// the node is what BuildKit's parser makes of the new text (parser.go,
// split_command.go, line_parsers.go at the version in go.mod):
//
// The new text starts where the old RUN started (a line's start, not the
// file's first line) and ends at the end of a line where the last
// instruction it replaces ended: the text before it and after it is
// old's, and the parser reads its first line from the state after a
// node, as take says. From there Parse reads the instruction's lines
// (logicalLines): the first with its leading white space stripped, no
// comment and not empty; each cut at a trailing escape (the pattern: a
// byte that is not the escape character, the escape, blanks to the end;
// or the escape alone: continuation) and then continued on the next;
// lines that are comments or empty skipped while it continues; the
// logical line is the concatenation of the pieces. The new lines must
// make one instruction that ends on the text's last line: each line but
// the last continues or is skipped, the last is read and ends (the
// reading is readLogical, the first parse's; leading white space is what
// unicode.IsSpace takes; a first line whose first other byte is not ASCII
// is not read here).
// newNodeFromLine then splits the logical line at its first white space
// (the keyword) and reads flag words from there (extractBuilderFlags) up
// to the first word that does not start with "--", where the arguments
// start: when the new logical line holds the old one's bytes up to and
// including the arguments' first byte, which is neither '-' (the second
// byte would decide) nor '[' (JSON form), the keyword, the flags and
// where the arguments start are the old ones, and RUN's parser
// (parseMaybeJSON) makes the arguments, the logical line from there with
// its white space trimmed, one node of shell form. The logical line must
// not hold "<<" (no heredoc is read). PrevComment is the old node's (the
// comments before the text are old's); the lines are the new text's.
//
// The instruction is then built from the node (Document.build: BuildKit's
// instruction parser reads it).

// rewritten is old's instruction i, a shell-form RUN, written anew as the
// text of d from start to end, when its node can be made as written
// above.
func (d *Document) rewritten(old *Document, i, start, end int, lint *linter.Linter) (*Instruction, bool) {
	o := old.Instructions[i]
	at, ok := shellArgsAt(o)
	if !ok || o.StartLine <= 1 || len(o.Node.Heredocs) > 0 {
		return nil, false
	}
	orig := o.Node.Original
	first, last := d.LineOf(start), d.LineOf(end)
	if first <= 1 || d.Lines[first-1].Start != start || d.Lines[last-1].End != end {
		return nil, false
	}
	logical, ok := d.logicalLines(first, last)
	if !ok || len(logical) <= at || logical[:at+1] != orig[:at+1] || strings.Contains(logical, "<<") {
		return nil, false
	}
	nd := *o.Node
	setArgs(&nd, logical, at)
	nd.StartLine, nd.EndLine = first, last
	c, err := d.build(&nd, lint)
	if err != nil || c.from != nil {
		return nil, false
	}
	rewrites.Add(1)
	return c, true
}

// logicalLines is the logical line of an instruction on the lines first
// to last of d (1-based), as logical says (readLogical); ok is false when
// they do not make one instruction that ends on the last, or its first
// line's first byte is not ASCII.
func (d *Document) logicalLines(first, last int) (string, bool) {
	l := d.Lines[first-1]
	s := trimLeftSpace(d.Src, l.Start, l.End)
	if s == l.End || d.Src[s] == '#' || d.Src[s] >= utf8.RuneSelf {
		return "", false
	}
	b, next, ended, ok := readLogical(d.Src, d.Lines, s, first-1, byte(d.Escape), nil)
	if !ok || !ended || next != last {
		return "", false
	}
	return string(b), true
}
