package cacheplan

import (
	"testing"

	"github.com/dfopt/dfopt/internal/corpustest"
	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/transform"
)

// BenchmarkPlan is the cache plan alone over the corpus: every RUN's
// managers and cache directories and the checks across RUNs and stages.
func BenchmarkPlan(b *testing.B) {
	opts := &transform.Options{Syntax: "auto"}
	corpustest.BenchDocs(b, func(d *ast.Document) { planCacheMounts(&transform.Pass{Doc: d, Options: opts}) })
}
