package lsp

import (
	"bytes"
	"sort"
	"unicode/utf16"
	"unicode/utf8"

	protocol "github.com/tliron/glsp/protocol_3_16"
)

// lineIndex converts between byte offsets in a text and the protocol's
// positions: a 0-based line and a column in UTF-16 code units (the
// encoding every client supports).
type lineIndex struct {
	text   []byte
	starts []int // byte offset of each line's start
}

func newLineIndex(text []byte) lineIndex {
	starts := []int{0}
	for i, b := range text {
		if b == '\n' {
			starts = append(starts, i+1)
		}
	}
	return lineIndex{text: text, starts: starts}
}

// position is the protocol position of a byte offset.
func (x lineIndex) position(off int) protocol.Position {
	off = min(max(off, 0), len(x.text))
	line := sort.SearchInts(x.starts, off+1) - 1
	return protocol.Position{Line: protocol.UInteger(line), Character: protocol.UInteger(utf16Len(x.text[x.starts[line]:off]))}
}

// offset is the byte offset of a protocol position (clamped to its line).
func (x lineIndex) offset(p protocol.Position) int {
	if int(p.Line) >= len(x.starts) {
		return len(x.text)
	}
	start := x.starts[p.Line]
	end := x.lineEnd(int(p.Line))
	units := int(p.Character)
	off := start
	for off < end && units > 0 {
		r, n := utf8.DecodeRune(x.text[off:end])
		units -= utf16.RuneLen(r) // an invalid byte is U+FFFD: one unit
		off += n
	}
	return off
}

// lineEnd is the byte offset of the end of a line, before its newline
// (and a carriage return before it).
func (x lineIndex) lineEnd(line int) int {
	end := len(x.text)
	if line+1 < len(x.starts) {
		end = x.starts[line+1] - 1
	}
	if end > x.starts[line] && x.text[end-1] == '\r' {
		end--
	}
	return end
}

// lines is the range from the start of line first to the end of line
// last (1-based, as findings count them).
func (x lineIndex) lines(first, last int) protocol.Range {
	first = min(max(first, 1), len(x.starts))
	last = min(max(last, first), len(x.starts))
	return protocol.Range{
		Start: protocol.Position{Line: protocol.UInteger(first - 1)},
		End:   x.position(x.lineEnd(last - 1)),
	}
}

// span is the range of text[start:end].
func (x lineIndex) span(start, end int) protocol.Range {
	return protocol.Range{Start: x.position(start), End: x.position(end)}
}

// utf16Len counts UTF-16 code units.
func utf16Len(b []byte) int {
	n := 0
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		n += utf16.RuneLen(r)
		b = b[size:]
	}
	return n
}

// commonLines is the smallest edit between a and b that replaces whole
// lines of a: the byte length of their common leading lines and of their
// common trailing lines (never overlapping).
func commonLines(a, b []byte) (prefix, suffix int) {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	prefix = bytes.LastIndexByte(a[:n], '\n') + 1
	m := 0
	for m < len(a)-prefix && m < len(b)-prefix && a[len(a)-1-m] == b[len(b)-1-m] {
		m++
	}
	for m > 0 && len(a)-m > 0 && a[len(a)-m-1] != '\n' {
		m--
	}
	return prefix, m
}
