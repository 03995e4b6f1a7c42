package lsp

import (
	"testing"

	"github.com/stretchr/testify/assert"
	protocol "github.com/tliron/glsp/protocol_3_16"
)

func protoPos(p position) protocol.Position {
	return protocol.Position{Line: protocol.UInteger(p.Line), Character: protocol.UInteger(p.Character)}
}

func TestLineIndex(t *testing.T) {
	// "é" is 2 bytes and 1 UTF-16 unit; "𝄞" is 4 bytes and 2 units.
	text := []byte("FROM x\r\nRUN echo é𝄞 done\nCMD y")
	x := newLineIndex(text)
	off := len("FROM x\r\nRUN echo é𝄞")
	assert.Equal(t, protocol.Position{Line: 1, Character: uint32(len("RUN echo ") + 1 + 2)}, x.position(off))
	assert.Equal(t, off, x.offset(x.position(off)))
	assert.Equal(t, protocol.Position{Line: 2, Character: 5}, x.position(len(text)))
	// A line's range ends before its CR LF.
	assert.Equal(t, protocol.Range{Start: protocol.Position{}, End: protocol.Position{Line: 0, Character: 6}}, x.lines(1, 1))
	// Past the end of a line: its end.
	assert.Equal(t, len("FROM x"), x.offset(protocol.Position{Line: 0, Character: 40}))
	assert.Equal(t, len(text), x.offset(protocol.Position{Line: 9}))
}

func TestCommonLines(t *testing.T) {
	for _, c := range []struct{ a, b, mid string }{
		{"A\nB\nC\n", "A\nX\nC\n", "B\n"},
		{"A\nB\n", "A\nB\nC\n", ""},
		{"RUN a\nRUN b\n", "RUN --mount=x a\nRUN b\n", "RUN a\n"},
		{"A\nB", "A\nBB", ""}, // insert "B" at the start of the last line
		{"X\n", "# syntax\nX\n", ""},
	} {
		pre, suf := commonLines([]byte(c.a), []byte(c.b))
		assert.Equal(t, c.mid, c.a[pre:len(c.a)-suf], "%q → %q", c.a, c.b)
		assert.Equal(t, c.a[:pre], c.b[:pre])
		assert.Equal(t, c.a[len(c.a)-suf:], c.b[len(c.b)-suf:])
	}
}
