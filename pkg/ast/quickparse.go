package ast

import (
	"bytes"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// The first parse of a file is BuildKit's, but BuildKit's parser runs a
// pattern with no literal prefix over every line (the line continuation,
// tried at each byte), a fifth of dfopt's time on a monorepo. Most of a
// Dockerfile's bytes are in instructions whose node is simple to make:
// RUN, COPY, FROM and the like, whose arguments BuildKit's dispatch
// parsers take as one string, a list of words or a JSON array, and ENV,
// ARG and LABEL without quotes or escapes. quickNodes makes those nodes
// itself, as BuildKit's parser makes them, and hands BuildKit the rest of
// the file only: the instructions it keeps (ONBUILD, HEALTHCHECK, ENV
// with quotes, …: any instruction outside the cases below), each with
// the comment and empty lines before it, in order. It reads valid UTF-8
// only (as Parse's callers check first): BuildKit reads a flag word's
// bytes one by one as runes, where a stray byte of a broken sequence can
// be a blank. Why the nodes are what parser.Parse makes of the whole
// text (parser.go, split_command.go, line_parsers.go at the version in
// go.mod):
//
// Parse reads the file line by line and keeps no state from one
// instruction to the next but the parser directives (read before the
// first instruction only), the escape character they set and the
// comments seen since the last node (the next node's PrevComment). A
// file with "<<" in its text or in a logical line (a heredoc takes the
// lines after it; Parse looks for it in the logical line, where a
// continuation can join "<" and "<") or with a line longer than the
// scanner's token limit (an error) is left to Parse.
// The directives and the escape character are read first, as Parse reads
// them (readDirectives); an invalid escape is Parse's error. The lines
// then make instructions as Parse makes them (scan): a line that is
// empty or a comment (after leading white space, unicode.IsSpace) between
// instructions is skipped, its comment text (the line after its first
// byte, trimmed; an empty one clears them) kept for the next node; any
// other line starts an instruction, with its leading white space
// stripped, and each line that ends in the escape character (blanks
// after it allowed; the byte before it not the escape character, or the
// escape alone: continuation) continues it on the next lines, where
// comment lines and empty ones are skipped and each other line is taken
// whole, cut at its escape when it continues again. The logical line is
// the pieces joined (Original).
//
// An instruction's node is made here (quickNode) when splitCommand and
// the dispatch parser of its keyword give it without an error: the
// keyword is the trimmed line up to its first run of ASCII blanks; the
// flag words are read from there as extractBuilderFlags reads them
// (builderFlags, flagwords.go); the arguments are the rest, trimmed, and
// not empty; the dispatch parser is one of those in quickKinds, for the
// arguments it reads here. The node's lines are its first and last, its
// PrevComment the comments before it, as AddChild and newNodeFromLine
// set them.
//
// The instructions BuildKit keeps are given to Parse as their own lines,
// from the first line after the instruction before them (the comments
// and empty lines that precede them, whose comments become their
// PrevComment) to their last line, in order; when the file's first
// instruction is not among them, an empty line first, which ends the
// directives as the first instruction's line ended them. The first
// instruction is kept when the file has a directive or a byte order mark.
// Each kept instruction is then read from the state Parse reads it from
// in the whole file: no comments pending, the directives done, the same
// escape character; its lines are mapped back. Any error from that parse
// gives the whole file to Parse, for its error and its line numbers.

// quickLineLimit is below bufio.Scanner's token limit, which BuildKit's
// parser does not raise: a longer line is Parse's error.
const quickLineLimit = 60 << 10

// quickParses counts the instructions quickNodes made, for tests that
// show the shortcut runs.
var quickParses atomic.Int64

// QuickParses is how many instructions the first parse made without
// BuildKit's parser.
func QuickParses() int64 { return quickParses.Load() }

// parseNodes is parser.Parse's tree of src and its escape character.
func parseNodes(src []byte, lines []Line) (*parser.Node, rune, error) {
	if root, esc, ok := quickNodes(src, lines); ok {
		if CheckReparse {
			checkQuick(src, root, esc)
		}
		return root, esc, nil
	}
	res, err := parser.Parse(bytes.NewReader(src))
	if err != nil {
		return nil, 0, err
	}
	return res.AST, res.EscapeToken, nil
}

// parseParts is parseNodes of the parts' text, joined: for the texts
// Reparse reads after a prefix or in several pieces.
func parseParts(parts ...[]byte) (*parser.Node, rune, error) {
	src := bytes.Join(parts, nil)
	return parseNodes(src, splitLines(src))
}

// scanned is one instruction's lines (0-based): the first after the
// instruction before it, its first and its last; and its logical line.
type scanned struct {
	gap, first, last int
	line             string
}

// quickNodes is parser.Parse's tree of src, made as written above; ok is
// false when Parse must read the whole file.
func quickNodes(src []byte, lines []Line) (*parser.Node, rune, bool) {
	if bytes.Contains(src, []byte("<<")) || !utf8.Valid(src) {
		return nil, 0, false
	}
	block, ok := readDirectives(src, lines)
	if !ok || block.escape != "`" && block.escape != `\` {
		return nil, 0, false // Parse's error (an escape it refuses)
	}
	esc, directives := rune(block.escape[0]), len(block.dirs) > 0
	hasBOM := bytes.HasPrefix(src, bom)
	all, ok := scan(src, lines, byte(esc), hasBOM)
	if !ok || len(all) == 0 {
		return nil, 0, false
	}
	for _, sc := range all {
		if strings.Contains(sc.line, "<<") {
			return nil, 0, false // a heredoc split over lines ("<\\\n<EOF")
		}
	}
	made := make([]*parser.Node, len(all))
	var kept []scanned
	for k, sc := range all {
		if k > 0 || !directives && !hasBOM {
			made[k] = quickNode(sc.line, byte(esc))
		}
		if made[k] == nil {
			kept = append(kept, sc)
			continue
		}
		made[k].PrevComment = gapComments(src, lines, sc)
	}
	var theirs []*parser.Node
	if len(kept) > 0 {
		if theirs, ok = parseKept(src, lines, kept, made[0] != nil); !ok {
			return nil, 0, false
		}
	}
	root := &parser.Node{StartLine: -1}
	for k, sc := range all {
		n := made[k]
		if n == nil {
			n, theirs = theirs[0], theirs[1:]
		} else {
			quickParses.Add(1)
		}
		root.AddChild(n, sc.first+1, sc.last+1)
	}
	return root, esc, true
}

// scan splits src into instructions as Parse does, as written above.
func scan(src []byte, lines []Line, esc byte, hasBOM bool) ([]scanned, bool) {
	var out []scanned
	var b []byte
	gap := 0
	for i := 0; i < len(lines); {
		l := lines[i]
		if l.Next-l.Start > quickLineLimit {
			return nil, false
		}
		s := l.Start
		if i == 0 && hasBOM {
			s += len(bom)
		}
		if s = trimLeftSpace(src, s, l.End); s == l.End || src[s] == '#' {
			i++
			continue
		}
		first := i
		var ok bool
		if b, i, _, ok = readLogical(src, lines, s, i, esc, b[:0]); !ok {
			return nil, false
		}
		out = append(out, scanned{gap: gap, first: first, last: i - 1, line: string(b)})
		gap = i
	}
	return out, true
}

// readLogical reads the instruction whose first line is i (0-based), its
// text starting at s (leading white space stripped), as Parse reads an
// instruction's lines: each cut at a trailing escape and then continued
// on the next line, comment lines and empty ones skipped while it
// continues. It appends the logical line to b and returns the line after
// the last it read, and ended false when the text ended while the
// instruction continued. ok is false when a line is longer than the
// scanner's limit.
func readLogical(src []byte, lines []Line, s, i int, esc byte, b []byte) (_ []byte, next int, ended, ok bool) {
	l := lines[i]
	if l.Next-l.Start > quickLineLimit {
		return b, 0, false, false
	}
	cut, more := continuation(src, s, l.End, esc)
	b = append(b, src[s:cut]...)
	for i++; more && i < len(lines); i++ {
		l := lines[i]
		if l.Next-l.Start > quickLineLimit {
			return b, 0, false, false
		}
		if t := trimLeftSpace(src, l.Start, l.End); t == l.End || src[t] == '#' {
			continue // a comment or an empty continuation line
		}
		cut, more = continuation(src, l.Start, l.End, esc)
		b = append(b, src[l.Start:cut]...)
	}
	return b, i, !more, true
}

// gapComments is the PrevComment Parse gives the instruction sc: the
// comment lines before it, each after its first byte and trimmed; an
// empty one clears those before it. (The first line's byte order mark
// does not come up: the first instruction of a file that has one is
// Parse's.)
func gapComments(src []byte, lines []Line, sc scanned) []string {
	var comments []string
	for j := sc.gap; j < sc.first; j++ {
		l := lines[j]
		raw := src[l.Start:l.Next]
		if !isCommentLine(raw, 0, len(raw)) {
			continue
		}
		if c := strings.TrimSpace(string(raw[1:])); c == "" {
			comments = nil
		} else {
			comments = append(comments, c)
		}
	}
	return comments
}

// parseKept has Parse read the kept instructions, as written above, and
// returns their nodes with the file's line numbers.
func parseKept(src []byte, lines []Line, kept []scanned, emptyFirst bool) ([]*parser.Node, bool) {
	var buf bytes.Buffer
	var at []int // the file's line (0-based) of each line of buf
	if emptyFirst {
		buf.WriteByte('\n')
		at = append(at, -1)
	}
	for _, sc := range kept {
		buf.Write(src[lines[sc.gap].Start:lines[sc.last].Next])
		for j := sc.gap; j <= sc.last; j++ {
			at = append(at, j)
		}
	}
	res, err := parser.Parse(&buf)
	if err != nil || len(res.AST.Children) != len(kept) {
		return nil, false
	}
	for k, n := range res.AST.Children {
		n.StartLine, n.EndLine = at[n.StartLine-1]+1, at[n.EndLine-1]+1
		if n.StartLine != kept[k].first+1 || n.EndLine != kept[k].last+1 {
			return nil, false
		}
	}
	return res.AST.Children, true
}
