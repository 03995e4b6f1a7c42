package cacheplan

import (
	"os"
	"testing"

	"github.com/dfopt/dfopt/internal/corpustest"
	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/transform"
)

// BenchmarkPlan is the cache plan alone over the corpus: every RUN's
// managers and cache directories and the checks across RUNs and stages.
func BenchmarkPlan(b *testing.B) {
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
	opts := &transform.Options{Syntax: "auto"}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, d := range docs {
			planCacheMounts(&transform.Pass{Doc: d, Options: opts})
		}
	}
	b.ReportMetric(float64(len(docs)*b.N)/b.Elapsed().Seconds(), "files/s")
}
