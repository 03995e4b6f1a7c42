package cacheplan

import (
	"testing"

	"github.com/dfopt/dfopt/internal/corpustest"
	"github.com/dfopt/dfopt/pkg/transform"
)

// BenchmarkPlan is the cache plan alone over the corpus: every RUN's
// managers and cache directories and the checks across RUNs and stages.
func BenchmarkPlan(b *testing.B) {
	docs := corpustest.Docs(b)
	opts := &transform.Options{Syntax: "auto"}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, d := range docs {
			planCacheMounts(&transform.Pass{Doc: d, Options: opts})
		}
	}
	b.ReportMetric(float64(len(docs)*b.N)/b.Elapsed().Seconds(), "files/s")
}
