package cachemounts

import (
	"os"
	"testing"

	"github.com/dfopt/dfopt/internal/corpustest"
	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/transform"
)

// corpusDocs parses the shared corpus (the files BuildKit accepts).
func corpusDocs(b *testing.B) []*ast.Document {
	var docs []*ast.Document
	for _, f := range corpustest.Files(b) {
		src, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		if d, err := ast.Parse(f, src); err == nil {
			docs = append(docs, d)
		}
	}
	return docs
}

// BenchmarkCorpus is the rule alone (its cache plan and its edits) over
// the corpus, each document once per iteration. Run it with -benchtime 1x:
// the verdicts of transform.RemoveCommand are cached by text, so later
// iterations measure that cache.
func BenchmarkCorpus(b *testing.B) {
	docs := corpusDocs(b)
	opts := &transform.Options{Syntax: "auto"}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, d := range docs {
			runCacheMounts(&transform.Pass{Doc: d, Options: opts})
		}
	}
	b.ReportMetric(float64(len(docs)*b.N)/b.Elapsed().Seconds(), "files/s")
}
