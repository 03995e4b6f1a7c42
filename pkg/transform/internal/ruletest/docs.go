package ruletest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/dfopt/dfopt/internal/corpustest"
	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/transform"
	"github.com/stretchr/testify/require"
)

// PassDocs are the documents a pass of the chain sees, for checking a
// rule's shortcut against its long way: every golden input, every
// corpus file when $DFOPT_CORPUS names the corpus (the chain over it
// takes seconds), and the outputs the chain of
// the registered rules (transform.All: the caller registers them) makes
// of each, with and without --unsafe (what a later pass reads).
func PassDocs(t *testing.T) []*ast.Document {
	t.Helper()
	wd, err := os.Getwd()
	require.NoError(t, err)
	root := wd
	for {
		if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
			break
		}
		require.NotEqual(t, root, filepath.Dir(root), "no go.mod above %s", wd)
		root = filepath.Dir(root)
	}
	files, err := filepath.Glob(filepath.Join(root, "golden", "*", "Dockerfile"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	if os.Getenv("DFOPT_CORPUS") != "" {
		dir := corpustest.Dir()
		more, _ := filepath.Glob(filepath.Join(dir, "*"))
		files = append(files, more...)
	}
	all := transform.All()
	require.NotEmpty(t, all, "no rule registered")
	chains := []*transform.Chain{
		{Transforms: all, Options: transform.Options{Syntax: "auto"}},
		{Transforms: all, Options: transform.Options{Syntax: "auto", Unsafe: true}},
	}
	var docs []*ast.Document
	for _, f := range files {
		src, err := os.ReadFile(f)
		require.NoError(t, err)
		d, err := ast.Parse(f, src)
		if err != nil {
			continue
		}
		docs = append(docs, d)
		for _, chain := range chains {
			res, err := chain.Run(f, src, nil)
			if err != nil || !res.Changed() {
				continue
			}
			out, err := ast.Parse(f, res.Out)
			require.NoError(t, err, f)
			docs = append(docs, out)
		}
	}
	return docs
}
