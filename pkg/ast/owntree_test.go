package ast

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// Two RUNs of one text in one document each hold a syntax tree of their
// own, however the analysis reaches them: the first analysis of the
// file, the recent analyses of another document of the file, or the
// analysis Reparse hands on after an edit elsewhere. Each command's span
// lies in its own RUN.
func TestRunsOfOneTextOwnTheirTrees(t *testing.T) {
	const run = "RUN apt-get update && apt-get install -y a && \\\n    rm -rf /var/lib/apt/lists/*\n"
	src := "FROM debian\n" + run + run + "ENV A=1\n" + run
	check := func(d *Document, what string) {
		held := map[any]int{}
		for _, ins := range d.Instructions {
			if ins.Cmd != "run" {
				continue
			}
			sc := d.Shell(ins)
			require.NotNil(t, sc, what)
			if k, ok := held[sc.File]; ok {
				t.Fatalf("%s: the RUNs at lines %d and %d share a syntax tree", what, k, ins.StartLine)
			}
			held[sc.File] = ins.StartLine
			for _, c := range sc.Commands {
				sp := sc.SpanOf(c.Call)
				require.True(t, ins.Span.Start <= sp.Start && sp.End <= ins.Span.End, "%s: line %d: %v outside %v", what, ins.StartLine, sp, ins.Span)
			}
		}
	}
	d1, err := Parse("owntree/Dockerfile", []byte(src))
	require.NoError(t, err)
	check(d1, "first document")
	d2, err := Parse("owntree/Dockerfile", []byte(src))
	require.NoError(t, err)
	check(d2, "second document (recent analyses)")
	// An edit of the ENV: Reparse hands the RUNs' analyses on.
	at := len("FROM debian\n" + run + run + "ENV A=")
	out := src[:at] + "2" + src[at+1:]
	d3, err := Reparse(d2, []byte(out), []Change{{Start: at, End: at + 1, Len: 1}})
	require.NoError(t, err)
	check(d3, "after Reparse")
}

// An instruction's logical line is BuildKit's Original when lines start
// with white space of Unicode (a no-break space, an em space, U+0085):
// BuildKit strips it before an instruction's first word and skips a line
// of it, or a comment after it, inside a continuation; a continued line
// keeps it.
func TestLogicalLineUnicodeSpace(t *testing.T) {
	for _, src := range []string{
		"FROM a\nRUN apt-get update && \\\n\u00a0# note\n    apt-get install -y curl\n",
		"FROM a\nRUN a \\\n\u2003\n  b\n",
		"FROM a\n\u00a0RUN a \\\n\u0085 b\n",
		"FROM a\nRUN a \\\n\u00a0b\n",
		"FROM a\r\nRUN a \\\r\n\u00a0 # c\r\n  b\r\n",
	} {
		d, err := Parse("Dockerfile", []byte(src))
		require.NoError(t, err, "%q", src)
		for _, ins := range d.Instructions {
			require.Equal(t, ins.Node.Original, ins.Logical(), "%q", src)
		}
		run := d.Instructions[len(d.Instructions)-1]
		if sc := d.Shell(run); sc != nil {
			require.NotContains(t, sc.Text, "#", "%q: the comment is not the shell's", src)
		}
	}
}
