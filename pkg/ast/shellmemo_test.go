package ast

import (
	"reflect"
	"testing"

	"github.com/stretchr/testify/require"
)

// A RUN analysed again in another document of the same file takes the
// recent analysis, moved to its place; another file, shell or escape
// character analyses it afresh.
func TestRecentScripts(t *testing.T) {
	const run = "RUN apt-get update && apt-get install -y curl <<EOF\nx\nEOF\n"
	doc := func(path, head string) (*Document, *Instruction) {
		d, err := Parse(path, []byte(head+run))
		require.NoError(t, err)
		ins := d.Instructions[len(d.Instructions)-1]
		return d, ins
	}
	d1, r1 := doc("memo/a/Dockerfile", "FROM alpine\n")
	s1 := d1.Shell(r1)
	require.NotNil(t, s1)
	d2, r2 := doc("memo/a/Dockerfile", "FROM alpine\nENV A=1\n")
	s2 := d2.Shell(r2)
	require.Same(t, s1.File, s2.File)
	require.True(t, reflect.DeepEqual(scriptView(s2), scriptView(d2.shell(r2))))
	for _, head := range []string{"FROM alpine\nSHELL [\"/bin/bash\", \"-c\"]\n", "# escape=`\nFROM alpine\n"} {
		d3, r3 := doc("memo/a/Dockerfile", head)
		if s3 := d3.Shell(r3); s3 != nil {
			require.NotSame(t, s1.File, s3.File, head)
		}
	}
	d4, r4 := doc("memo/b/Dockerfile", "FROM alpine\n")
	require.NotSame(t, s1.File, d4.Shell(r4).File)
}

// A RUN on several lines, with a heredoc, moves with its offsets.
func TestRecentScriptsMoved(t *testing.T) {
	const run = "RUN --mount=type=cache,target=/x apt-get update && \\\n  # note\n    apt-get install -y curl && cat <<EOF\nx\nEOF\n"
	d1, err := Parse("memo/c/Dockerfile", []byte("FROM alpine\n"+run))
	require.NoError(t, err)
	s1 := d1.Shell(d1.Instructions[1])
	d2, err := Parse("memo/c/Dockerfile", []byte("FROM alpine\nWORKDIR /app\n\n"+run))
	require.NoError(t, err)
	r2 := d2.Instructions[2]
	s2 := d2.Shell(r2)
	require.Same(t, s1.File, s2.File)
	require.True(t, reflect.DeepEqual(scriptView(s2), scriptView(d2.shell(r2))))
}

// BenchmarkRecentScripts analyses every RUN of the documents and of a
// copy of each moved one line down: afresh (parse), or through the
// recent analyses (memo), which analyse the copy's from the original's.
func BenchmarkRecentScripts(b *testing.B) {
	var docs, moved []*Document
	for _, d := range testDocuments(b) {
		// A line before the first: the directives end there.
		m, err := Parse(d.Path, append([]byte("# moved\n"), d.Src...))
		if err == nil && len(m.Instructions) == len(d.Instructions) && d.Escape == '\\' {
			docs, moved = append(docs, d), append(moved, m)
		}
	}
	each := func(b *testing.B, analyse func(*Document, *Instruction) *Script) {
		for range b.N {
			for i, d := range docs {
				for k, ins := range d.Instructions {
					analyse(d, ins)
					analyse(moved[i], moved[i].Instructions[k])
				}
			}
		}
	}
	b.Run("parse", func(b *testing.B) { each(b, (*Document).shell) })
	b.Run("memo", func(b *testing.B) { each(b, (*Document).shellOf) })
}
