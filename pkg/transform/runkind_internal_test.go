package transform

import (
	"testing"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/stretchr/testify/require"
)

// RunKind's walk skips words: it classifies every RUN of the goldens, the
// corpus and some hand-written scripts as the walk through every node
// does.
func TestRunKindSkipsWords(t *testing.T) {
	srcs := []string{
		"FROM a\nRUN apt-get update && apt-get install -y x\n",
		"FROM a\nRUN x=$(apt-get install -y y) npm ci\n",
		"FROM a\nRUN echo \"$(pip install z)\" && go build ./...\n",
		"FROM a\nRUN if true; then npm ci; else pip install q; fi\n",
		"FROM a\nRUN f() { apk add x; }; f\n",
		"FROM a\nRUN a=${B:-$(cargo build)} make\n",
		"FROM a\nRUN cat <(npm ci) >/dev/null; rm -rf /var/lib/apt/lists/*\n",
	}
	var docs []*ast.Document
	for _, src := range srcs {
		d, err := ast.Parse("Dockerfile", []byte(src))
		require.NoError(t, err)
		docs = append(docs, d)
	}
	docs = append(docs, testDocs(t, 0)...)
	n := 0
	for _, d := range docs {
		for _, ins := range d.Instructions {
			if sc := d.Shell(ins); sc != nil && sc.File != nil {
				require.Equal(t, runKind(sc, false), RunKind(sc), "%s:%d", d.Path, ins.StartLine)
				n++
			}
		}
	}
	require.Greater(t, n, 20)
}
