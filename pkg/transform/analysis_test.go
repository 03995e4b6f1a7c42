package transform

import (
	"testing"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/stretchr/testify/require"
)

func TestResultOfOncePerDocument(t *testing.T) {
	runs := 0
	count := &Analysis{Name: "count", Run: func(p *Pass) any { runs++; return len(p.Doc.Instructions) }}
	uses := &Analysis{Name: "uses", Requires: []*Analysis{count}, Run: func(p *Pass) any { return p.ResultOf(count).(int) * 10 }}
	a := &Transform{Name: "a", Requires: []*Analysis{uses}}
	b := &Transform{Name: "b", Requires: []*Analysis{count}}
	d1, err := ast.Parse("Dockerfile", []byte("FROM alpine\nRUN true\n"))
	require.NoError(t, err)
	d2, err := ast.Parse("Dockerfile", []byte("FROM alpine\n"))
	require.NoError(t, err)

	shared := &analysisResults{}
	require.Equal(t, 20, (&Pass{Doc: d1, rule: a, results: shared}).ResultOf(uses))
	require.Equal(t, 2, (&Pass{Doc: d1, rule: b, results: shared}).ResultOf(count))
	require.Equal(t, 1, runs, "one document: computed once for both rules")
	require.Equal(t, 1, (&Pass{Doc: d2, rule: b, results: shared}).ResultOf(count))
	require.Equal(t, 2, runs, "a new document: computed again")

	// Another document's pass does not disturb the chain's results.
	require.Equal(t, 2, (&Pass{Doc: d1, rule: b, results: shared}).ForDoc(d1).ResultOf(count))
	require.Equal(t, 1, (&Pass{Doc: d2, rule: b, results: shared}).ResultOf(count))
	require.Equal(t, 3, runs)

	// A rule reads only what it requires (directly or through an analysis).
	require.Panics(t, func() { (&Pass{Doc: d1, rule: b}).ResultOf(uses) })
	require.NotPanics(t, func() { (&Pass{Doc: d1, rule: a}).ResultOf(count) })
	require.NotPanics(t, func() { (&Pass{Doc: d1}).ResultOf(uses) }, "a transform run alone")
}

func TestPassRuns(t *testing.T) {
	d, err := ast.Parse("Dockerfile", []byte("# dfopt:ignore-file=cache-mounts\nFROM alpine\n"))
	require.NoError(t, err)
	p := &Pass{Doc: d, InChain: RuleSet{CacheMountsRule: true, AptHygieneRule: true}}
	require.False(t, p.Runs(CacheMountsRule), "switched off by the file")
	require.True(t, p.Runs(AptHygieneRule))
	require.False(t, p.Runs("reorder"), "not in the chain")
	require.False(t, (&Pass{Doc: d}).Runs(AptHygieneRule), "no chain")
}
