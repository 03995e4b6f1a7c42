package transform_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/dfopt/dfopt/internal/corpustest"
	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/stretchr/testify/require"
)

// TestChainTakesEditedRuns: when the chain applies a rule's edits, the
// RUNs whose edited text the rule's planning read (EditedRunParses) are
// taken by ast.ReparseTaking instead of parsed again, on the goldens'
// Dockerfiles and, when present, the corpus; every Reparse of the tests
// is compared with the whole parse (ast.CheckReparse).
func TestChainTakesEditedRuns(t *testing.T) {
	require.True(t, ast.CheckReparse)
	files, _ := filepath.Glob("../../golden/*/Dockerfile")
	if entries, err := os.ReadDir(corpustest.Dir()); err == nil && len(entries) > 0 {
		files = append(files, corpustest.Files(t)...)
	}
	chain := defaultChain(t)
	before := ast.Takes()
	changed := 0
	for _, f := range files {
		src, err := os.ReadFile(f)
		require.NoError(t, err)
		if res, err := chain.Run(f, src, nil); err == nil && res.Changed() {
			changed++
		}
	}
	taken := ast.Takes() - before
	t.Logf("%d files, %d changed, %d RUNs taken, %d of them made from the old node, %d from the old node and the new lines", len(files), changed, taken, ast.Derivations(), ast.Rewrites())
	require.Greater(t, taken, int64(len(files)/10), "edited RUNs taken")
}
