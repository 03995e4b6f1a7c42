package ast

import (
	"strings"
	"sync/atomic"

	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// The commonest edit is flags added right after an instruction's
// keyword (cache-mounts' `RUN --mount=type=cache,… apt-get …`). Reparse
// makes the new node from the old one instead of having BuildKit parse
// the instruction again (take, in a region of such instructions and
// untouched ones). Why the node is what BuildKit's parser makes of the
// new text (parser.go, split_command.go, line_parsers.go at the version
// in go.mod), for an insertion of " W1 … Wn" at the end of the keyword,
// each W a word of plainFlagByte bytes that starts with "--" and is not
// "--" alone, in an instruction that is not on the file's first line,
// whose keyword stands at the start of its first line (leading blanks
// aside) and is followed in its logical line by a blank, and that has
// no heredoc and no "<<" in its logical line:
//
// The region's gaps and untouched instructions read as take says; this
// instruction is read from the same parser state as in the old text.
// Its lines are the old ones but the first, which holds the insertion
// after its keyword: no line is added, and whether a line continues is
// read at its end (the pattern needs a byte before the escape character
// that is not one; W ends in a plain byte), so the same lines make the
// node, its StartLine, EndLine and PrevComment are the old ones (lines
// moved), and what follows reads as before. The first line is taken
// with its leading blanks stripped and its continuation cut at its end,
// so the logical line (Original) is the old one with the insertion
// after the keyword. splitCommand splits it at the first blank run:
// the inserted blank (W1 starts with '-'), so the command is the
// keyword and the rest is "W1 … Wn" followed by the old rest with the
// blanks the old split took. extractBuilderFlags reads each W as a flag
// word (no quote, no escape character, no space in it; not "--"), and
// after Wn skips blanks, as the old reading skipped them after the old
// split: both arrive at the same byte in the same state, so the other
// flags and the arguments are the old ones. Flags is the Ws, then the
// old flags; Next and Attributes (the dispatch parser reads the
// arguments) are the old ones. The heredoc search runs only when the
// logical line holds "<<", which the insertion cannot make (no '<' in
// it; a letter before it, a blank after it).
//
// The instruction is then built from the node (Document.build: BuildKit's
// instruction parser checks the new flags); its shell analysis is the
// old one when its arguments are unchanged (argsMoved).

// flagTakes counts the instructions whose node Reparse derived.
var flagTakes atomic.Int64

// FlagTakes is how many instructions Reparse made from the old node with
// flags added, for tests that show the shortcut runs.
func FlagTakes() int64 { return flagTakes.Load() }

// flagged is old's instruction i with the flags of inserted (the text
// inserted at the end of its keyword) added, at its place in d (lines
// further), when flagNode can make its node.
func (d *Document) flagged(old *Document, i int, inserted []byte, lines int, lint *linter.Linter) (*Instruction, bool) {
	o := old.Instructions[i]
	nd, ok := flagNode(old, o, string(inserted))
	if !ok {
		return nil, false
	}
	nd.StartLine, nd.EndLine = o.StartLine+lines, o.EndLine+lines
	c, err := d.build(nd, lint)
	if err != nil || c.from != nil {
		return nil, false
	}
	d.argsMoved(old, i, []*Instruction{c})
	flagTakes.Add(1)
	return c, true
}

// flagNode is o's node with the flag words of inserted added after its
// keyword, under the conditions written above; false when they do not
// hold.
func flagNode(old *Document, o *Instruction, inserted string) (*parser.Node, bool) {
	words, ok := plainFlags(inserted)
	if !ok || o.StartLine <= 1 || o.Node.Next == nil || len(o.Node.Heredocs) > 0 || strings.Contains(o.Node.Original, "<<") {
		return nil, false
	}
	switch o.Cmd {
	case "run", "copy", "add":
	default:
		return nil, false
	}
	line := old.Lines[o.StartLine-1]
	kw := string(old.Src[o.KeywordPos.Start:o.KeywordPos.End])
	orig := o.Node.Original
	if o.KeywordPos.Start < line.Start || o.KeywordPos.End > line.End ||
		len(orig) <= len(kw) || orig[:len(kw)] != kw || !isSplitBlank(orig[len(kw)]) {
		return nil, false
	}
	for _, c := range old.Src[line.Start:o.KeywordPos.Start] {
		if c != ' ' && c != '\t' {
			return nil, false // the keyword does not start the line, blanks aside
		}
	}
	nd := *o.Node
	nd.Original = kw + inserted + orig[len(kw):]
	nd.Flags = append(words, o.Node.Flags...)
	return &nd, true
}

// plainFlags splits " W1 … Wn" into its words, each of plainFlagByte
// bytes, starting with "--" and longer; false for any other text.
func plainFlags(s string) ([]string, bool) {
	if len(s) < 2 || s[0] != ' ' {
		return nil, false
	}
	words := strings.Split(s[1:], " ")
	for _, w := range words {
		if len(w) <= 2 || !strings.HasPrefix(w, "--") {
			return nil, false
		}
		for i := 0; i < len(w); i++ {
			if !plainFlagByte(w[i]) {
				return nil, false
			}
		}
	}
	return words, true
}

// plainFlagByte is a byte a flag word may hold for flagNode: ASCII
// letters, digits and punctuation that BuildKit's flag reader takes as
// it is (no quote, no escape character, no blank, no '<' or '#').
func plainFlagByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("-_=,./:@+~$%{}", c) >= 0
}

// isSplitBlank is a byte of the blank run at which splitCommand splits
// a logical line ([\t\v\f\r ]).
func isSplitBlank(c byte) bool {
	return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r'
}
