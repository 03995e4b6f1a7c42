package transform_test

import (
	"os"
	"testing"

	"github.com/dfopt/dfopt/internal/corpustest"
	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/transform"
	"github.com/stretchr/testify/require"
)

func corpusFiles(t testing.TB) []string { return corpustest.Files(t) }

func defaultChain(t testing.TB) *transform.Chain {
	rules, err := transform.Select(nil, nil)
	require.NoError(t, err)
	return &transform.Chain{Transforms: rules, Options: transform.Options{Syntax: "auto"}}
}

// TestCorpus: for every file BuildKit parses, no transform is identity and
// the default chain's output parses and is idempotent (Chain.Run checks
// both and fails otherwise); files BuildKit rejects give a clean error.
func TestCorpus(t *testing.T) {
	files := corpusFiles(t)
	for _, unsafe := range []bool{false, true} {
		chain := defaultChain(t)
		chain.Options.Unsafe = unsafe
		none := &transform.Chain{Options: chain.Options}
		parsed, changed := 0, 0
		for _, f := range files {
			src, err := os.ReadFile(f)
			require.NoError(t, err)
			if _, err := ast.Parse(f, src); err != nil {
				require.NotContains(t, err.Error(), "\n", "%s: one-line error", f)
				_, err2 := chain.Run(f, src, nil)
				require.Error(t, err2, f)
				continue
			}
			parsed++
			same, err := none.Run(f, src, nil)
			require.NoError(t, err, f)
			require.Equal(t, string(src), string(same.Out), "%s: identity", f)

			// No context on disk: the corpus holds Dockerfiles only, so the
			// rules act as they do on standard input.
			var ctx *transform.BuildContext
			res, err := chain.Run(f, src, ctx)
			require.NoError(t, err, "%s (unsafe=%v)", f, unsafe)
			if res.Changed() {
				changed++
				_, err := ast.Parse(f, res.Out)
				require.NoError(t, err, "%s: output parses", f)
				again, err := chain.Run(f, res.Out, ctx)
				require.NoError(t, err, f)
				require.Equal(t, string(res.Out), string(again.Out), "%s: idempotent", f)
			}
		}
		t.Logf("unsafe=%v: %d files, %d parsed, %d changed", unsafe, len(files), parsed, changed)
		require.Greater(t, parsed, len(files)*9/10, "most corpus files parse")
	}
}

// TestCorpusTwice: a file followed by its own instructions again (its
// RUNs, COPYs and stages twice, with the same texts) settles like any
// other: two instructions of one text in one file are each analysed and
// fixed on their own (a shell analysis handed on to the second RUN once
// gave it the first one's edits, and cache-mounts fixed one RUN per pass).
func TestCorpusTwice(t *testing.T) {
	files := corpusFiles(t)
	if testing.Short() && len(files) > 150 {
		files = files[:150]
	}
	for _, unsafe := range []bool{false, true} {
		chain := defaultChain(t)
		chain.Options.Unsafe = unsafe
		twice := 0
		for _, f := range files {
			src, err := os.ReadFile(f)
			require.NoError(t, err)
			doc, err := ast.Parse(f, src)
			if err != nil || len(doc.Instructions) == 0 {
				continue
			}
			if src[len(src)-1] != '\n' {
				src = append(src, '\n')
			}
			// Again from the first instruction's line: the parser
			// directives stand only at the top.
			body := src[doc.Lines[doc.Instructions[0].StartLine-1].Start:]
			both := append(append([]byte{}, src...), body...)
			if _, err := ast.Parse(f, both); err != nil {
				continue
			}
			twice++
			res, err := chain.Run(f, both, nil)
			require.NoError(t, err, "%s twice (unsafe=%v)", f, unsafe)
			again, err := chain.Run(f, res.Out, nil)
			require.NoError(t, err, f)
			require.Equal(t, string(res.Out), string(again.Out), "%s twice: idempotent", f)
		}
		t.Logf("unsafe=%v: %d files twice", unsafe, twice)
	}
}
