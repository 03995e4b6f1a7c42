package ast

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// An edit of the parser directives at the top of the file (syntax-header
// inserts `# syntax=…` there) changes no instruction: Reparse moves them
// all instead of parsing the file from the top. Why that is what
// BuildKit's parser.Parse makes of the new text (parser.go, directives.go
// at the version in go.mod):
//
// Parse reads the file line by line with a state of its own: the escape
// token, the comments seen since the last instruction, and its
// DirectiveParser (the directives seen, and whether they have ended). A
// line that DirectiveParser.ParseLine reads as a directive, with the
// state's "#" prefix, is a comment that processLine strips: no node, no
// continuation (a line stripped to nothing ends there), and its comment
// is appended and taken back off; an escape directive sets the escape
// token. So after a block of directive lines at the top, the state is:
// the escape token they set, no comment, directives not ended. The first
// line after the block is not a directive in the old text; ParseLine
// says so from the line alone (prefix, pattern, name; the directives
// already seen only matter for a directive), and so it does in the new
// one, where it is the same line: the directives end there in both, and
// from there on both texts are the same lines read from the same state,
// and give the same nodes, numbered lines further.
//
// One difference is left: the comments are a nil slice at the top of the
// file and an empty one after a directive (taken back off), and the
// first node takes them as PrevComment. Where the two texts differ in
// that and no comment line comes between the block and the first node,
// its PrevComment is the new text's (nil or empty); a comment line sets
// it (and the old node holds it).
//
// The first line also loses a byte-order mark: the line after the block
// must hold none when it is the first line of one text.

// headerEdit is what Reparse takes of changes that lie in the directives
// at the top of the file: n changes (the first), delta bytes and lines
// lines further for every instruction, and the first one's PrevComment.
type headerEdit struct {
	n, delta, lines int
	comment         []string
	setComment      bool
	directives      []Directive // the new text's, as parseDirectives reads them
	directivesRead  bool        // directives holds them
}

// headerEdit is the edit of the first changes (n of them, 0 when none)
// when they lie in the directives at the top of old and of d (the new
// text), which read the same escape token; ok is false when that cannot
// be shown (the directives are then parsed with the first instruction).
func (old *Document) headerEdit(d *Document, changes []Change) (h headerEdit, ok bool) {
	oldBlock, ok := directiveBlock(old)
	a, oldEnd := oldBlock.n, oldBlock.end
	if !ok {
		return h, false
	}
	for h.n < len(changes) && changes[h.n].End <= oldEnd {
		c := changes[h.n]
		h.delta += c.Growth()
		h.n++
	}
	if h.n == 0 {
		return h, false
	}
	block, ok := directiveBlock(d)
	b, newEnd, escape := block.n, block.end, block.escape
	if !ok || newEnd != oldEnd+h.delta || escape != string(old.Escape) {
		return h, false
	}
	h.directives, h.directivesRead = block.dirs, block.plain
	if (a == 0 || b == 0) && bytes.HasPrefix(old.Src[oldEnd:], bom) {
		return h, false
	}
	h.lines = b - a
	first := old.Instructions[0]
	if (a == 0) != (b == 0) && len(first.Node.PrevComment) == 0 && !commentBetween(old, a, first.StartLine) {
		h.setComment = true
		if b > 0 {
			h.comment = []string{}
		}
	}
	return h, true
}

var bom = []byte("\xef\xbb\xbf")

// directives is the block of directives at the top of a text.
type directives struct {
	n, end int    // how many lines, where they end
	escape string // the escape token they set (the default when none does)
	dirs   []Directive
	plain  bool // each line starts with '#' once its blanks are trimmed
}

// directiveBlock is the lines at the top of d that BuildKit's parser
// reads as directives (readDirectives).
func directiveBlock(d *Document) (directives, bool) { return readDirectives(d.Src, d.Lines) }

// readDirectives is the lines at the top of src (lines its line table)
// that BuildKit's parser reads as directives; ok is false when it would
// reject one (a repeated directive) or no instruction follows. When the
// block is plain, dirs are what parseDirectives reads: the same lines
// (it trims blanks alone before a '#' and hands ParseLine the rest,
// where ParseLine's own trim finds nothing more), and it stops at the
// next line, where ParseLine finds no directive.
func readDirectives(src []byte, lines []Line) (b directives, ok bool) {
	var dp directiveReader
	b.escape, b.plain = string(parser.DefaultEscapeToken), true
	for i, l := range lines {
		// The line as processLine hands it over: without the line's
		// terminator (its \r and \n, as trimNewline), leading white space
		// (trimLeadingWhitespace) and, on the first line, the
		// byte-order mark.
		start := l.Start
		if i == 0 && bytes.HasPrefix(src[start:l.End], bom) {
			start += len(bom)
		}
		text := src[start:l.End]
		name, value, err := dp.read(bytes.TrimLeftFunc(text, unicode.IsSpace))
		if err != nil {
			return b, false
		}
		if name == "" {
			b.n, b.end = i, l.Start
			return b, true
		}
		if name == "escape" {
			b.escape = value
		}
		if t := bytes.TrimLeft(text, " \t"); len(t) == 0 || t[0] != '#' {
			b.plain = false
		}
		b.dirs = append(b.dirs, Directive{Name: name, Value: value, Line: i + 1, Span: Span{start, l.End}})
	}
	return b, false // no instruction follows
}

// commentBetween reports whether a line after line a and before line
// last (1-based) is a comment as BuildKit's isComment reads it.
func commentBetween(d *Document, a, last int) bool {
	for n := a + 1; n < last; n++ {
		l := d.Lines[n-1]
		text := bytes.TrimLeftFunc(d.Src[l.Start:l.End], unicode.IsSpace)
		if len(text) > 0 && text[0] == '#' {
			return true
		}
	}
	return false
}

// directiveReader reads lines as BuildKit's DirectiveParser.ParseLine
// does (directives.go at the version in go.mod), without its pattern
// `^([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$`: a line is a directive when
// it starts with "#" and, white space trimmed (unicode.IsSpace), a name
// (a letter, then letters and digits), \s (the pattern's: tab, line
// feed, form feed, carriage return, space), "=", and a value: the rest
// with the \s around it trimmed (.+? takes as little as leaves \s to the
// end; the \s before it as much as leaves it a byte, so a rest of \s
// alone gives its last byte; `.` takes any character but a line feed,
// which a line of a Document does not hold). The name, lower-cased, must
// be one BuildKit knows, once. The first line that is no directive ends
// them.
type directiveReader struct {
	seen []string
	done bool
}

// read is the directive of a line (the name empty when none); err is
// ParseLine's for a repeated one.
func (r *directiveReader) read(line []byte) (name, value string, err error) {
	if r.done {
		return "", "", nil
	}
	rest, ok := bytes.CutPrefix(line, []byte("#"))
	if !ok {
		r.done = true
		return "", "", nil
	}
	rest = bytes.TrimLeftFunc(rest, unicode.IsSpace)
	n := 0
	for n < len(rest) && (isLetter(rest[n]) || n > 0 && '0' <= rest[n] && rest[n] <= '9') {
		n++
	}
	eq := n
	for eq < len(rest) && isPatternSpace(rest[eq]) {
		eq++
	}
	if n == 0 || eq == len(rest) || rest[eq] != '=' {
		r.done = true
		return "", "", nil
	}
	v := rest[eq+1:]
	t := bytes.TrimLeftFunc(v, func(c rune) bool { return c < utf8.RuneSelf && isPatternSpace(byte(c)) })
	switch {
	case len(v) == 0:
		r.done = true
		return "", "", nil
	case len(t) == 0:
		value = string(v[len(v)-1:])
	default:
		value = string(bytes.TrimRightFunc(t, func(c rune) bool { return c < utf8.RuneSelf && isPatternSpace(byte(c)) }))
	}
	name = strings.ToLower(string(rest[:n]))
	switch name {
	case "syntax", "escape", "check":
	default:
		r.done = true
		return "", "", nil
	}
	if slices.Contains(r.seen, name) {
		return "", "", fmt.Errorf("only one %s parser directive can be used", name)
	}
	r.seen = append(r.seen, name)
	return name, value, nil
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// isPatternSpace is \s of Go's regular expressions.
func isPatternSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r' }
