package cachemounts

import (
	"fmt"
	"strings"
	"testing"

	"github.com/dfopt/dfopt/internal/corpustest"
	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/transform"
)

// BenchmarkCorpus is the rule alone (its cache plan and its edits) over
// the corpus, each document once per iteration. Run it with -benchtime 1x:
// the verdicts of transform.RemoveCommand are cached by text, so later
// iterations measure that cache.
func BenchmarkCorpus(b *testing.B) {
	opts := &transform.Options{Syntax: "auto"}
	corpustest.BenchDocs(b, func(d *ast.Document) { runCacheMounts(&transform.Pass{Doc: d, Options: opts}) })
}

// BenchmarkSize is the rule alone on generated files of 100, 1,000 and
// 10,000 RUNs that use the same caches in one stage (one group of RUNs
// per cache directory, as large as the file): the cost per RUN should
// stay flat.
func BenchmarkSize(b *testing.B) {
	for _, n := range []int{100, 1000, 10000} {
		var src strings.Builder
		src.WriteString("FROM ubuntu:22.04\nWORKDIR /app\n")
		for i := range n {
			switch i % 4 {
			case 0, 1:
				fmt.Fprintf(&src, "RUN apt-get update && apt-get install -y pkg%d && rm -rf /var/lib/apt/lists/*\n", i)
			case 2:
				fmt.Fprintf(&src, "RUN pip install --no-cache-dir lib%d\n", i)
			case 3:
				fmt.Fprintf(&src, "COPY f%d /app/f%d\nRUN make -C /app t%d\n", i, i, i)
			}
		}
		src.WriteString("CMD [\"/app/run\"]\n")
		d, err := ast.Parse("Dockerfile", []byte(src.String()))
		if err != nil {
			b.Fatal(err)
		}
		opts := &transform.Options{Syntax: "auto"}
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for range b.N {
				runCacheMounts(&transform.Pass{Doc: d, Options: opts})
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/RUN")
		})
	}
}
