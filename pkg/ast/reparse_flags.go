package ast

import (
	"strings"
	"sync/atomic"
	"unicode/utf8"

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
// The flags may also stand on lines of their own, as flagLines writes
// them: the blank after the keyword replaced by " W1 \ EOL indent W2 \
// EOL indent" (the escape character the file's, EOL its line ending).
// Each added line ends in a blank and the escape character, so it
// continues, and its piece is the line without that escape (the blank
// before it stays); it is no comment and not empty (a flag word). The
// last added line is the indent and then the old first line's bytes
// after the blank, which start with a printable byte that is neither
// '#' nor the escape character: the line reads as that rest read in the
// old first line, its end untouched. The logical line is then the
// keyword, the inserted text without its escapes and line breaks, and
// the old logical line after the blank; the flag words are read as
// above, and the node ends as many lines further as were added.
//
// The instruction is then built from the node (Document.build: BuildKit's
// instruction parser checks the new flags); its shell analysis is the
// old one when its arguments are unchanged (argsMoved).

// derivations counts the instructions whose node Reparse derived.
var derivations atomic.Int64

// Derivations is how many instructions Reparse made from the old node,
// for tests that show the shortcut runs.
func Derivations() int64 { return derivations.Load() }

// derived is old's instruction i with the changes cs (old offsets, all
// within it; delta the byte shift before it) at its place in d (lines
// further), when its node can be made from the old one as written above.
func (d *Document) derived(old *Document, i int, cs []Change, delta, lines int, lint *linter.Linter) (*Instruction, bool) {
	o := old.Instructions[i]
	if o.StartLine <= 1 || o.Node.Next == nil || len(o.Node.Heredocs) > 0 || strings.Contains(o.Node.Original, "<<") {
		return nil, false
	}
	news := make([]int, len(cs)) // where each change's new text starts in d
	for k, c := range cs {
		news[k] = c.Start + delta
		delta += c.Growth()
	}
	nd := *o.Node
	body, bodyNews := cs, news
	flags, added := cs[0], 0
	atKeyword := flags.Start == o.KeywordPos.End && allBlank(old.Src[flags.Start:flags.End])
	if atKeyword {
		body, bodyNews = cs[1:], news[1:]
	}
	if len(body) > 0 {
		var ok bool
		if added, ok = d.editArgs(old, o, &nd, body, bodyNews); !ok {
			return nil, false
		}
	}
	if atKeyword {
		more, ok := addFlags(old, o, &nd, flags, string(d.Src[news[0]:news[0]+flags.Len]))
		if !ok {
			return nil, false
		}
		added += more
	}
	if strings.Contains(nd.Original, "<<") {
		return nil, false
	}
	nd.StartLine, nd.EndLine = o.StartLine+lines, o.EndLine+lines+added
	c, err := d.build(&nd, lint)
	if err != nil || c.from != nil {
		return nil, false
	}
	d.argsMoved(old, i, []*Instruction{c})
	derivations.Add(1)
	return c, true
}

// addFlags adds to nd, the node of o, the flag words of text, which
// replaced c: nothing or the blank at the end of o's keyword. The words
// may stand on lines of their own (each line but the last ending in a
// blank and the escape character, the last one an indent before the
// arguments, as flagLines writes them): added is the lines added.
func addFlags(old *Document, o *Instruction, nd *parser.Node, c Change, text string) (added int, ok bool) {
	switch o.Cmd {
	case "run", "copy", "add":
	default:
		return 0, false
	}
	logical, added, ok := flagLogical(text, byte(old.Escape))
	if !ok || len(logical) < 2 || logical[0] != ' ' {
		return 0, false
	}
	words := strings.FieldsFunc(logical, func(r rune) bool { return r < utf8.RuneSelf && isBlank(byte(r)) })
	for _, w := range words {
		if !plainFlag(w) {
			return 0, false
		}
	}
	line := old.Lines[o.StartLine-1]
	kw := string(old.Src[o.KeywordPos.Start:o.KeywordPos.End])
	orig := nd.Original
	if o.KeywordPos.Start < line.Start || o.KeywordPos.End+1 >= line.End ||
		len(orig) <= len(kw)+1 || orig[:len(kw)] != kw || !isSpace(orig[len(kw)]) {
		return 0, false
	}
	for _, b := range old.Src[line.Start:o.KeywordPos.Start] {
		if b != ' ' && b != '\t' {
			return 0, false // the keyword does not start the line, blanks aside
		}
	}
	rest := orig[len(kw):]
	if n := c.End - c.Start; n > 0 {
		// Blanks after the keyword replaced (allBlank): the logical line
		// holds them there, and a blank still follows the last word.
		if len(rest) <= n || rest[:n] != string(old.Src[c.Start:c.End]) {
			return 0, false
		}
		rest = rest[n:]
		if !isSpace(logical[len(logical)-1]) && !isSpace(rest[0]) {
			return 0, false
		}
	}
	if added > 0 && !argsStartLine(old, c.End, line.End, logical) {
		return 0, false
	}
	nd.Original = kw + logical + rest
	nd.Flags = append(words, o.Node.Flags...)
	return added, true
}

// argsStartLine reports whether the rest of the first line, from off
// on, reads alike after the indent that ends the last added line: the
// indent is blanks, and that rest starts with blanks and then a
// printable byte that is neither '#' nor the escape character (the line
// is no comment, not empty, and its end is the old first line's).
func argsStartLine(old *Document, off, end int, logical string) bool {
	if !isBlank(logical[len(logical)-1]) {
		return false
	}
	for ; off < end && isBlank(old.Src[off]); off++ {
	}
	c := old.Src[min(off, end-1)]
	return off < end && c > ' ' && c <= '~' && c != '#' && rune(c) != old.Escape
}

// flagLogical is text as it reads in the logical line: each escape
// character that ends a line taken out with the line break (the bytes
// after it up to the break must be none), and how many lines it made.
func flagLogical(text string, esc byte) (logical string, lines int, ok bool) {
	var b strings.Builder
	for {
		i := strings.IndexByte(text, '\n')
		if i < 0 {
			b.WriteString(text)
			return b.String(), lines, true
		}
		line := strings.TrimSuffix(text[:i], "\r")
		if len(line) < 2 || line[len(line)-1] != esc || !isBlank(line[len(line)-2]) {
			return "", 0, false
		}
		b.WriteString(line[:len(line)-1])
		text, lines = text[i+1:], lines+1
	}
}

// plainFlag reports whether w is a flag word of plainFlagByte bytes:
// "--" and more.
func plainFlag(w string) bool {
	if len(w) <= 2 || !strings.HasPrefix(w, "--") {
		return false
	}
	for i := 0; i < len(w); i++ {
		if !plainFlagByte(w[i]) {
			return false
		}
	}
	return true
}

// plainFlagByte is a byte a flag word may hold for addFlags: ASCII
// letters, digits and punctuation that BuildKit's flag reader takes as
// it is (no quote, no escape character, no blank, no '<' or '#').
func plainFlagByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("-_=,./:@+~$%{}", c) >= 0
}

// allBlank reports whether b is blanks (or nothing).
func allBlank(b []byte) bool {
	for _, c := range b {
		if !isBlank(c) {
			return false
		}
	}
	return true
}

// isBlank is a blank within a line: a space or a tab. isSpace is the
// wider run at which BuildKit's splitCommand splits a logical line.
func isBlank(c byte) bool { return c == ' ' || c == '\t' }
