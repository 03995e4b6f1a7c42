package explain

import (
	"bytes"
	"os"
	"testing"

	"github.com/dfopt/dfopt/internal/corpustest"
	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/stretchr/testify/require"
)

// TestCorpus builds the model of every corpus Dockerfile BuildKit parses
// (../shared/corpus beside the checkout, or $DFOPT_CORPUS; skipped when
// absent) and renders both views: no file may fail or panic, and every
// step has a BuildKit vertex name.
func TestCorpus(t *testing.T) {
	built := 0
	for _, f := range corpustest.Files(t) {
		src, err := os.ReadFile(f)
		require.NoError(t, err)
		doc, err := ast.Parse(f, src)
		if err != nil {
			continue
		}
		m, err := Build(doc, nil, Options{})
		require.NoError(t, err, f)
		built++
		for _, s := range m.Stages {
			for _, st := range s.Steps {
				v, ok := ParseVertex(st.Name)
				require.True(t, ok, "%s: %q", f, st.Name)
				require.Equal(t, st.Index, v.Index, f)
				require.LessOrEqual(t, v.Index, v.Total, "%s: %q", f, st.Name)
			}
		}
		var out bytes.Buffer
		rep := &Report{Dockerfile: f, Model: m, Costs: m.Costs()}
		require.NoError(t, rep.WriteText(&out), f)
		rep = &Report{Dockerfile: f, Model: m, Prediction: m.Predict(Change{Files: []string{"src/main.go", "package.json"}})}
		require.NoError(t, rep.WriteText(&out), f)
	}
	t.Logf("%d models built", built)
}
