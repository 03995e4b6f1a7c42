package emit

import (
	"math/rand"
	"strings"
	"testing"

	"github.com/sergi/go-diff/diffmatchpatch"
	"github.com/stretchr/testify/require"
)

// goDiffLines is the line diff as go-diff's own line mode gives it
// (DiffLinesToChars, DiffMain, DiffCharsToLines), split into lines the
// way lineDiff orders them.
func goDiffLines(a, b string) []lineOp {
	dmp := diffmatchpatch.New()
	dmp.DiffTimeout = 0
	c1, c2, lines := dmp.DiffLinesToChars(a, b)
	diffs := dmp.DiffCharsToLines(dmp.DiffMain(c1, c2, false), lines)
	var ops, ins []lineOp
	split := func(ops []lineOp, kind opKind, text string) []lineOp {
		for _, l := range splitLines(text) {
			ops = append(ops, lineOp{kind, l})
		}
		return ops
	}
	for _, d := range diffs {
		switch d.Type {
		case diffmatchpatch.DiffEqual:
			ops = append(ops, ins...)
			ins = ins[:0]
			ops = split(ops, opEqual, d.Text)
		case diffmatchpatch.DiffDelete:
			ops = split(ops, opDelete, d.Text)
		case diffmatchpatch.DiffInsert:
			ins = split(ins, opInsert, d.Text)
		}
	}
	return append(ops, ins...)
}

// lineDiff encodes lines itself and hands go-diff runes: the script is
// the one go-diff's line mode gives, on texts with repeated lines, CRLF,
// a last line without '\n', and more distinct lines than one byte of
// UTF-8 encodes.
func TestLineDiffIsGoDiffLineMode(t *testing.T) {
	rnd := rand.New(rand.NewSource(1))
	words := []string{"RUN a\n", "RUN b\n", "\n", "COPY . .\r\n", "# c\n", "FROM x\n", "RUN b"}
	text := func(n, distinct int) string {
		var sb strings.Builder
		for range n {
			if rnd.Intn(3) == 0 {
				sb.WriteString(words[rnd.Intn(len(words)-1)])
			} else {
				sb.WriteString("L" + strings.Repeat("x", rnd.Intn(distinct)) + "\n")
			}
		}
		if rnd.Intn(2) == 0 {
			sb.WriteString(words[len(words)-1])
		}
		return sb.String()
	}
	for i := range 300 {
		distinct := 5
		if i%10 == 0 {
			distinct = 400
		}
		a := text(rnd.Intn(60), distinct)
		b := text(rnd.Intn(60), distinct)
		if i%3 == 0 {
			b = a[:len(a)/2] + text(3, distinct) + a[len(a)/2:]
		}
		require.Equal(t, goDiffLines(a, b), lineDiff([]byte(a), []byte(b)), "a=%q b=%q", a, b)
	}
}
