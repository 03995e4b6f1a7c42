package emit

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/sergi/go-diff/diffmatchpatch"
)

// contextLines is the number of unchanged lines shown around each change,
// as in `diff -u` and `git diff`.
const contextLines = 3

// noNewline is written after a line that lacks its final '\n'.
const noNewline = "\n\\ No newline at end of file\n"

// maxDiffLines bounds the number of lines handed to go-diff's line mode. It
// encodes every distinct line as one rune and panics past about 1.11 million
// distinct lines; above this bound a coarser but still correct diff (common
// prefix and suffix kept, the middle replaced wholesale) is produced instead.
// A variable so tests can lower it.
var maxDiffLines = 1_000_000

type opKind uint8

const (
	opEqual opKind = iota
	opDelete
	opInsert
)

// lineOp is one line of the edit script: kept, removed from a, or added from b.
// text keeps its terminator ("\n", "\r\n" or none for a last line).
type lineOp struct {
	kind opKind
	text string
}

// Unified returns a unified diff of a -> b, or nil when a and b are equal.
//
// The header is "--- a/OLDPATH\n+++ b/NEWPATH\n"; a path equal to "/dev/null"
// is written as is, without the a/ or b/ prefix. Paths are used as given.
// Hunks carry 3 lines of context and are merged when their contexts touch or
// overlap, as GNU diff and git do. Hunk headers follow the usual
// conventions: a count of 1 is omitted ("-l"), and a side with a count of 0
// names the line before the hunk (0 for an empty file). Lines are split after
// '\n' and keep their exact bytes, so CRLF line ends survive; a last line
// without '\n' is followed by "\n\\ No newline at end of file\n".
func Unified(oldPath, newPath string, a, b []byte) []byte {
	if bytes.Equal(a, b) {
		return nil
	}
	ops := lineDiff(a, b)

	var out bytes.Buffer
	out.Grow(len(oldPath) + len(newPath) + 16 + estimateSize(ops))
	writeFileHeader(&out, "--- ", "a/", oldPath)
	writeFileHeader(&out, "+++ ", "b/", newPath)

	n := len(ops)
	c := lineCounter{ops: ops}
	i := 0
	for {
		// Find the next change block.
		for i < n && ops[i].kind == opEqual {
			i++
		}
		if i == n {
			break
		}
		start := max(i-contextLines, 0)
		stop := min(hunkEnd(ops, i)+contextLines, n)
		c.advance(start)
		writeHunk(&out, ops[start:stop], c.oldLine, c.newLine)
		i = stop
	}
	return out.Bytes()
}

// lineCounter counts the lines of a and b before ops[pos].
type lineCounter struct {
	ops              []lineOp
	pos              int // ops before pos have been counted into oldLine/newLine
	oldLine, newLine int
}

func (c *lineCounter) advance(to int) {
	for ; c.pos < to; c.pos++ {
		switch c.ops[c.pos].kind {
		case opEqual:
			c.oldLine++
			c.newLine++
		case opDelete:
			c.oldLine++
		case opInsert:
			c.newLine++
		}
	}
}

// hunkEnd is the end of the change block at i, extended over every
// following change block whose leading context touches or overlaps this
// one's trailing context.
func hunkEnd(ops []lineOp, i int) int {
	n := len(ops)
	end := i
	for {
		for end < n && ops[end].kind != opEqual {
			end++
		}
		next := end
		for next < n && ops[next].kind == opEqual {
			next++
		}
		if next == n || next-end > 2*contextLines {
			break
		}
		end = next
	}
	return end
}

// writeHunk writes one hunk: its header and its lines.
func writeHunk(out *bytes.Buffer, ops []lineOp, oldStart, newStart int) {
	oldCount, newCount := 0, 0
	for _, op := range ops {
		if op.kind != opInsert {
			oldCount++
		}
		if op.kind != opDelete {
			newCount++
		}
	}
	writeHunkHeader(out, oldStart, oldCount, newStart, newCount)
	for _, op := range ops {
		switch op.kind {
		case opEqual:
			out.WriteByte(' ')
		case opDelete:
			out.WriteByte('-')
		case opInsert:
			out.WriteByte('+')
		}
		out.WriteString(op.text)
		if !strings.HasSuffix(op.text, "\n") {
			out.WriteString(noNewline)
		}
	}
}

// DiffStat counts added and removed lines between a and b (same line
// splitting as Unified).
func DiffStat(a, b []byte) (added, removed int) {
	if bytes.Equal(a, b) {
		return 0, 0
	}
	for _, op := range lineDiff(a, b) {
		switch op.kind {
		case opDelete:
			removed++
		case opInsert:
			added++
		}
	}
	return added, removed
}

func writeFileHeader(out *bytes.Buffer, marker, prefix, path string) {
	out.WriteString(marker)
	if path != "/dev/null" {
		out.WriteString(prefix)
	}
	out.WriteString(path)
	out.WriteByte('\n')
}

func writeHunkHeader(out *bytes.Buffer, oldStart, oldCount, newStart, newCount int) {
	var buf [64]byte
	h := append(buf[:0], "@@ -"...)
	h = appendRange(h, oldStart, oldCount)
	h = append(h, " +"...)
	h = appendRange(h, newStart, newCount)
	h = append(h, " @@\n"...)
	out.Write(h)
}

// appendRange writes "l,s" for a hunk side whose first line has the 0-based
// index start: "l" alone when s is 1, and the line before the hunk when s is 0.
func appendRange(h []byte, start, count int) []byte {
	if count == 0 {
		h = strconv.AppendInt(h, int64(start), 10)
		return append(h, ",0"...)
	}
	h = strconv.AppendInt(h, int64(start+1), 10)
	if count != 1 {
		h = append(h, ',')
		h = strconv.AppendInt(h, int64(count), 10)
	}
	return h
}

func estimateSize(ops []lineOp) int {
	changed := 0
	for _, op := range ops {
		if op.kind != opEqual {
			changed += len(op.text) + 2
		}
	}
	// Room for context and hunk headers; the buffer grows if needed.
	return 2*changed + 256
}

// lineDiff returns the line edit script from a to b. Within each run of
// changes, all deletions come before all insertions, as in diff -u output.
func lineDiff(a, b []byte) []lineOp {
	if bytes.Count(a, []byte{'\n'})+bytes.Count(b, []byte{'\n'})+2 > maxDiffLines {
		return coarseLineDiff(a, b)
	}

	la, lb, lines := lineRunes(a, b)
	dmp := diffmatchpatch.New()
	dmp.DiffTimeout = 0 // no deadline: always the full, deterministic diff
	diffs := dmp.DiffMainRunes(la, lb, false)

	ops := make([]lineOp, 0, len(la)+len(lb))
	var ins []lineOp // insertions waiting for the end of the change run
	for _, d := range diffs {
		switch d.Type {
		case diffmatchpatch.DiffEqual:
			ops = append(ops, ins...)
			ins = ins[:0]
			ops = appendRuneLines(ops, opEqual, d.Text, lines)
		case diffmatchpatch.DiffDelete:
			ops = appendRuneLines(ops, opDelete, d.Text, lines)
		case diffmatchpatch.DiffInsert:
			ins = appendRuneLines(ins, opInsert, d.Text, lines)
		}
	}
	return append(ops, ins...)
}

// lineRunes encodes a and b as one rune per line (split after each '\n',
// terminators kept, a last piece without one a line too; equal lines,
// equal runes) and returns the lines by rune. go-diff's DiffLinesToChars
// does the same, through strings it builds and splits again; its diff of
// runes compares them for equality only, so any one-to-one encoding gives
// the same script (this one numbers the lines as go-diff does). Runes
// skip the surrogate range, which a string cannot hold. The lines are
// slices of one copy of each text: a line costs no allocation of its own.
func lineRunes(a, b []byte) (ra, rb []rune, lines []string) {
	na, nb := bytes.Count(a, []byte{'\n'})+1, bytes.Count(b, []byte{'\n'})+1
	index := make(map[string]rune, na)
	lines = make([]string, 1, na+1) // rune 0 unused: line i is rune i, as in go-diff
	encode := func(text string, n int) []rune {
		out := make([]rune, 0, n)
		for len(text) > 0 {
			n := strings.IndexByte(text, '\n') + 1
			if n == 0 {
				n = len(text)
			}
			line := text[:n]
			text = text[n:]
			r, ok := index[line]
			if !ok {
				r = lineRune(len(lines))
				lines = append(lines, line)
				index[line] = r
			}
			out = append(out, r)
		}
		return out
	}
	ra = encode(string(a), na)
	rb = encode(string(b), nb)
	return ra, rb, lines
}

// The surrogates: runes a Go string cannot hold.
const surrogateStart, surrogateEnd = 0xD800, 0xE000

// lineRune is the rune of the i-th distinct line, and runeLine its inverse.
func lineRune(i int) rune {
	if i >= surrogateStart {
		i += surrogateEnd - surrogateStart
	}
	return rune(i)
}

func runeLine(r rune) int {
	if r >= surrogateEnd {
		r -= surrogateEnd - surrogateStart
	}
	return int(r)
}

// appendRuneLines appends one op per line of a diff's text (runes made by
// lineRunes).
func appendRuneLines(ops []lineOp, kind opKind, text string, lines []string) []lineOp {
	for _, r := range text {
		ops = append(ops, lineOp{kind: kind, text: lines[runeLine(r)]})
	}
	return ops
}

// splitLines splits s after each '\n', keeping terminators.
func splitLines(s string) []string {
	lines := make([]string, 0, strings.Count(s, "\n")+1)
	for len(s) > 0 {
		n := strings.IndexByte(s, '\n') + 1
		if n == 0 {
			n = len(s)
		}
		lines = append(lines, s[:n])
		s = s[n:]
	}
	return lines
}

// coarseLineDiff is the fallback for inputs too large for go-diff's line
// mode: it keeps the common leading and trailing lines and replaces
// everything between them. The result is a valid, if not minimal, script.
func coarseLineDiff(a, b []byte) []lineOp {
	la, lb := splitLines(string(a)), splitLines(string(b))
	p := 0
	for p < len(la) && p < len(lb) && la[p] == lb[p] {
		p++
	}
	s := 0
	for s < len(la)-p && s < len(lb)-p && la[len(la)-1-s] == lb[len(lb)-1-s] {
		s++
	}
	ops := make([]lineOp, 0, len(la)+len(lb)-p-s)
	for _, l := range la[:p] {
		ops = append(ops, lineOp{opEqual, l})
	}
	for _, l := range la[p : len(la)-s] {
		ops = append(ops, lineOp{opDelete, l})
	}
	for _, l := range lb[p : len(lb)-s] {
		ops = append(ops, lineOp{opInsert, l})
	}
	for _, l := range la[len(la)-s:] {
		ops = append(ops, lineOp{opEqual, l})
	}
	return ops
}
