package ast

import (
	"sort"
	"strings"
	"unicode"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// A change inside the arguments of a shell-form RUN (apt-get's `-o
// Dir::Cache::Archives=…` added, apk's `--no-cache` replaced, `&& rm -rf
// /var/lib/apt/lists/*` taken out with the continuation before it) also
// makes the node from the old one (derived, after reparse_flags.go's
// argument for the instruction's place and state). Why it is what
// BuildKit's parser makes of the new text (parser.go, split_command.go,
// line_parsers.go at the version in go.mod):
//
// The old text O of the change and its new text T are lines of plain
// bytes (printable ASCII and tabs, no escape character of either kind,
// no '<' or '#'), each but the last ended by the file's escape character
// right before the line break (lineImage). BuildKit reads an
// instruction's lines one by one: the first with its leading white space
// stripped, each cut at a trailing escape (the pattern: a byte that is
// not the escape character, the escape, blanks to the end; or the escape
// alone), comment lines and empty ones skipped; the logical line is the
// concatenation of the pieces. Before the change, its line holds a byte
// of the logical line right before it (so of that line's piece) and a
// printable byte that is not a blank (textBefore): that line's first
// printable byte, which says whether it is a comment, is untouched, and
// so is its left part as BuildKit takes it. The lines T makes are then:
// the first, ended by T's first escape (a piece: the line up to it; the
// byte before it is T's or, when T starts a line with it, the one before
// the change, read in the new text: lineReads checks the cut); those in
// the middle, T's own (each non-empty, no comment, cut at its escape);
// and the last, T's last line and then the old line's bytes after the
// change (or, T of one line, all on the change's line). That line must
// read as the old line there (lineEndsAlike): no comment and not empty
// (its first byte that is not a blank is printable and not '#'), and it
// continues or ends as the old one did, cut at the same distance from
// its end, after the change; a change that reaches the end of the
// logical line ends its line, which must not continue (so the instruction
// ends there as it did). When the next change starts on the same old
// line, the bytes between the two are of the logical line (the one after
// the change and the one before the next), and the next change's checks
// read where that line ends. Every other line is untouched. So the logical
// line is the old one with the image of O (its bytes without the
// escape-and-line-break pairs; the instruction's map from its logical
// line to the file, Orig, which must read what BuildKit read: Logical
// equal to Original, maps them one to one from the byte before) replaced
// by the image of T, and the node ends as many lines further as T has
// more line breaks than O. Several changes apply from the last to the
// first, then the flags.
//
// The flags are read before the arguments start; the change lies after
// the arguments' first byte, which is neither '[' (JSON form) nor '-'
// (extractBuilderFlags reads a word that starts with "--" as a flag, so
// a first byte '-' would make the second decide), so the command, the
// flags and the form (shell) stay, and the arguments (Next's Value,
// splitCommand's rest with its white space trimmed) are the new logical
// line from the same offset, trimmed at its end. The logical line must
// not hold "<<" at the end (a change that took out the bytes between two
// '<'): no heredoc is read.

// editArgs applies the changes cs, whose new texts start at news in d,
// to the logical line and the arguments of nd, the node of o, a
// shell-form RUN; lines is how many lines they add.
func (d *Document) editArgs(old *Document, o *Instruction, nd *parser.Node, cs []Change, news []int) (lines int, ok bool) {
	at, ok := shellArgsAt(o)
	if !ok || o.Logical() != o.Node.Original {
		return 0, false
	}
	orig := nd.Original
	esc := byte(old.Escape)
	for k := len(cs) - 1; k >= 0; k-- {
		c := cs[k]
		from, to := old.Src[c.Start:c.End], d.Src[news[k]:news[k]+c.Len]
		oldImg, oldLines, ok1 := lineImage(from, esc)
		newImg, newLines, ok2 := lineImage(to, esc)
		if !ok1 || !ok2 || !textBefore(old, c.Start) {
			return 0, false
		}
		l, ok := logicalAt(o, c.Start, from, esc)
		if !ok || l <= at {
			return 0, false
		}
		toEnd := l+len(oldImg) == len(orig)
		if newLines > 0 && !d.firstLineCut(news[k], to, esc) {
			return 0, false
		}
		if k+1 < len(cs) && old.LineOf(cs[k+1].Start) == old.LineOf(c.End) {
			// The next change's checks read the line's end.
			if _, _, _, ok := d.lineReads(news[k]+c.Len, esc); !ok {
				return 0, false
			}
		} else if !d.lineEndsAlike(old, c.End, news[k]+c.Len, toEnd) {
			return 0, false
		}
		orig = orig[:l] + newImg + orig[l+len(oldImg):]
		lines += newLines - oldLines
	}
	setArgs(nd, orig, at)
	return lines, true
}

// shellArgsAt is where the arguments of o, a shell-form RUN with one
// argument node, start in its logical line (Original), when the form and
// the flags do not depend on the bytes after that offset: its first byte
// is neither '[' (JSON form) nor '-' (a flag word starts with "--", so
// the second byte would decide), as the arguments given above read.
func shellArgsAt(o *Instruction) (int, bool) {
	next := o.Node.Next
	if o.Cmd != "run" || o.JSON || next == nil || next.Next != nil || len(next.Children) > 0 {
		return 0, false
	}
	orig := o.Node.Original
	right := strings.TrimRightFunc(orig, unicode.IsSpace)
	at := len(right) - len(next.Value)
	if at <= 0 || right[at:] != next.Value || orig[at] == '[' || orig[at] == '-' {
		return 0, false
	}
	return at, true
}

// setArgs gives nd, a copy of a shell-form RUN's node, the logical line
// logical, whose arguments start at at: a copy of its argument node with
// the rest of the line, its white space trimmed at the end (splitCommand
// and parseMaybeJSON).
func setArgs(nd *parser.Node, logical string, at int) {
	n := *nd.Next
	n.Value = strings.TrimRightFunc(logical, unicode.IsSpace)[at:]
	nd.Original, nd.Next = logical, &n
}

// lineImage is a changed text as it reads in the logical line: its lines
// (each but the last ended by the escape character right before the
// line break) joined, and how many line breaks it has; ok is false when
// a byte is not plain (printable ASCII or a tab; no escape character of
// either kind, '<' or '#') or an escape does not end a line.
func lineImage(text []byte, esc byte) (img string, lines int, ok bool) {
	var b strings.Builder
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case c == esc && i+1 < len(text) && text[i+1] == '\n':
			i++
			lines++
		case c == '\t':
			b.WriteByte(c)
		case c < ' ' || c > '~' || c == '\\' || c == '`' || c == '<' || c == '#':
			return "", 0, false
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), lines, true
}

// logicalAt is the offset in o's logical line of the change of the bytes
// from, at start in the file: the logical line holds the byte before it
// and then from's bytes one to one, without its escape-and-line-break
// pairs (lineImage checked them), and then the byte after, when the
// logical line goes on.
func logicalAt(o *Instruction, start int, from []byte, esc byte) (int, bool) {
	n := len(o.joined.text)
	l := sort.Search(n, func(i int) bool { return o.Orig(i) >= start })
	if l == 0 || o.Orig(l-1) != start-1 {
		return 0, false
	}
	m := l
	for j := 0; j < len(from); j++ {
		if from[j] == esc {
			j++ // the escape and its line break
			continue
		}
		if m >= n || o.Orig(m) != start+j {
			return 0, false
		}
		m++
	}
	if m < n && o.Orig(m) != start+len(from) {
		return 0, false
	}
	return l, true
}

// lineReads reports how the line of d that holds off reads in an
// instruction: ok when it is no comment and not empty (its first byte
// that is not a blank is printable and not '#'), and where it is cut
// when it continues.
func (d *Document) lineReads(off int, esc byte) (l Line, cut int, more, ok bool) {
	l = d.Lines[d.LineOf(off)-1]
	i := l.Start
	for i < l.End && isBlank(d.Src[i]) {
		i++
	}
	if i == l.End || d.Src[i] <= ' ' || d.Src[i] > '~' || d.Src[i] == '#' {
		return l, 0, false, false
	}
	cut, more = continuation(d.Src, l.Start, l.End, esc)
	return l, cut, more, true
}

// firstLineCut reports whether the line of d where a new text of several
// lines starts (at off) reads, and continues cut at the text's first
// escape.
func (d *Document) firstLineCut(off int, text []byte, esc byte) bool {
	_, cut, more, ok := d.lineReads(off, esc)
	return ok && more && cut == off+strings.IndexByte(string(text), '\n')-1
}

// lineEndsAlike reports whether the line of d where a change's new text
// ends (at newEnd) reads as the old line where it ended (at oldEnd): no
// comment and not empty, and continued as it was, cut at the same
// distance from its end, after the change; or, when the change reaches
// the end of the logical line (toEnd), its line's end, ended.
func (d *Document) lineEndsAlike(old *Document, oldEnd, newEnd int, toEnd bool) bool {
	esc := byte(old.Escape)
	nl, ncut, nmore, ok := d.lineReads(newEnd, esc)
	if !ok {
		return false
	}
	ol := old.Lines[old.LineOf(oldEnd)-1]
	ocut, omore := continuation(old.Src, ol.Start, ol.End, esc)
	if toEnd {
		return !omore && !nmore && oldEnd == ol.End && newEnd == nl.End
	}
	if omore != nmore {
		return false
	}
	return !omore || (ocut > oldEnd && ncut > newEnd && ol.End-ocut == nl.End-ncut)
}

// textBefore reports whether the line that holds off has a printable
// ASCII byte that is not a blank before off: its first such byte, which
// decides whether the line is a comment, lies before a change at off.
func textBefore(d *Document, off int) bool {
	for i := off - 1; i >= d.Lines[d.LineOf(off)-1].Start; i-- {
		if c := d.Src[i]; c > ' ' && c <= '~' {
			return true
		}
	}
	return false
}
