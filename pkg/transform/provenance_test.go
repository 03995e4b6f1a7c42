package transform

import (
	"strings"
	"testing"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/emit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Test rules: one moves every RUN after `COPY . .` above it (as reorder
// does, through carry) and puts a new `RUN made` before them; one tags
// every RUN; one reports the first `--x` flag and who wrote it.
var (
	testMove = &Transform{Name: "move", Run: func(p *Pass) []Finding {
		d := p.Doc
		if strings.Contains(string(d.Src), "made") {
			return nil
		}
		c, r := d.Instructions[1], d.Instructions[2] // COPY . . and the RUN after it
		del, text := MoveOut(d, r)
		at := c.Span.Start
		return []Finding{p.Finding("", r, "move", emit.Edit{Start: at, End: at, New: "RUN made\n"},
			Carry(d, emit.Edit{Start: at, End: at, New: text}, r), del)}
	}}
	testTag = &Transform{Name: "tag", Run: func(p *Pass) []Finding {
		var out []Finding
		for _, ins := range p.Doc.Instructions {
			if ins.Cmd == "run" && !strings.HasSuffix(ins.Text(p.Doc), "--x") {
				out = append(out, p.Finding("", ins, "tag "+strings.Join(ins.Args, " "),
					emit.Edit{Start: ins.Span.End, End: ins.Span.End, New: " --x"}))
			}
		}
		return out
	}}
	testWho = &Transform{Name: "who", Run: func(p *Pass) []Finding {
		i := strings.Index(string(p.Doc.Src), "--x")
		if i < 0 {
			return nil
		}
		ins := instructionAt(p.Doc, i)
		return []Finding{p.Finding("", ins, "--x by "+p.WrittenBy(i)+", line "+strings.Repeat("I", p.InputLine(ins.StartLine)))}
	}}
)

func TestFindingsMapToTheInput(t *testing.T) {
	src := "FROM a\nCOPY . .\nRUN one\nRUN two\n"
	c := &Chain{Transforms: []*Transform{testMove, testTag, testWho}}
	res, err := c.Run("Dockerfile", []byte(src), nil)
	require.NoError(t, err)
	require.Equal(t, "FROM a\nRUN made --x\nRUN one --x\nCOPY . .\nRUN two --x\n", string(res.Out))
	type seen struct {
		Line     int
		Message  string
		Edits    string
		BuildsOn string
	}
	var got []seen
	for _, f := range res.Findings {
		fixed := ""
		if f.Edits != nil {
			out, err := emit.Apply([]byte(src), f.Edits)
			require.NoError(t, err)
			fixed = string(out)
		}
		got = append(got, seen{f.Line, f.Message, fixed, f.BuildsOn})
	}
	assert.Equal(t, []seen{
		// About text move wrote: located where it wrote it, no fix alone.
		{2, "tag made", "", "move"},
		// The first --x is on `RUN made`, written where line 2 (COPY) was.
		{2, "--x by tag, line II", "", ""},
		{3, "move", "FROM a\nRUN made\nRUN one\nCOPY . .\nRUN two\n", ""},
		// The moved RUN: located, and fixed, where the input has it.
		{3, "tag one", "FROM a\nCOPY . .\nRUN one --x\nRUN two\n", ""},
		{4, "tag two", "FROM a\nCOPY . .\nRUN one\nRUN two --x\n", ""},
	}, got)
}

func TestCarryFindsTheTextItHolds(t *testing.T) {
	d, err := ast.Parse("Dockerfile", []byte("FROM a\nRUN apt-get update\nRUN   pip install x\n"))
	require.NoError(t, err)
	upd, pip := d.Instructions[1], d.Instructions[2]
	e := Carry(d, emit.Edit{New: "COPY r ./\nRUN apt-get update\nRUN pip install -r r\n"}, upd, pip)
	assert.Equal(t, []emit.Origin{
		{At: 10, Len: 18, From: upd.Span.Start, FromLen: 18},               // as it was
		{At: 29, Len: 21, From: pip.Span.Start, FromLen: len(pip.Text(d))}, // rewritten: from its keyword on
	}, e.Origins)
	joined := Carry(d, emit.Edit{New: "RUN apt-get update && \\\n    pip install x"}, upd, pip)
	assert.Equal(t, []emit.Origin{
		{At: 0, Len: 18, From: upd.Span.Start, FromLen: 18},
		{At: 28, Len: 13, From: pip.ArgsStart, FromLen: 13}, // a body joined after &&
	}, joined.Origins)
}

func TestLayerForward(t *testing.T) {
	doc := &ast.Document{Src: []byte("RUN a && rm -rf x\nRUN b\n")}
	// [9, 17) is "rm -rf x".
	l := layer{src: doc.Src, index: newEditIndex([]emit.Edit{
		{Start: 0, End: 0, New: "# c\n"},     // before: shifts the range
		{Start: 18, End: 18, New: "RUN z\n"}, // after: no effect
	})}
	a, b, gone := l.forward(9, 17)
	assert.Equal(t, []any{13, 21, false}, []any{a, b, gone})

	del := layer{src: doc.Src, index: newEditIndex([]emit.Edit{{Start: 5, End: 17, New: ""}})}
	_, _, gone = del.forward(9, 17)
	assert.True(t, gone, "deleted")

	inside := layer{src: doc.Src, index: newEditIndex([]emit.Edit{{Start: 12, End: 12, New: "XX"}})}
	a, b, gone = inside.forward(9, 17)
	assert.Equal(t, []any{9, 19, false}, []any{a, b, gone}, "an insertion inside keeps the range")

	// A join that carries the RUN's body along keeps the range, moved.
	join := layer{src: doc.Src, index: newEditIndex([]emit.Edit{{Start: 0, End: 24, New: "RUN a && rm -rf x && b\n",
		Origins: []emit.Origin{{At: 4, Len: 13, From: 4, FromLen: 13}}}})}
	a, b, gone = join.forward(9, 17)
	assert.Equal(t, []any{9, 17, false}, []any{a, b, gone})
	drop := layer{src: doc.Src, index: newEditIndex([]emit.Edit{{Start: 5, End: 17, New: ""}, {Start: 18, End: 24, New: "RUN c\n"}})}
	_, _, gone = drop.forward(9, 17)
	assert.True(t, gone, "deleted, whatever else the layer does")
	part := layer{src: doc.Src, index: newEditIndex([]emit.Edit{{Start: 12, End: 24, New: ""}})}
	a, b, gone = part.forward(9, 17)
	assert.Equal(t, []any{9, 12, false}, []any{a, b, gone}, "partly deleted: the rest is left")
	rewrite := layer{src: doc.Src, index: newEditIndex([]emit.Edit{{Start: 9, End: 17, New: "rm -rf y"}})}
	a, b, gone = rewrite.forward(9, 17)
	assert.Equal(t, []any{9, 17, false}, []any{a, b, gone}, "rewritten: a later fix builds on it")
}
