package transform_test

import (
	"bytes"
	"os"
	"runtime"
	"testing"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

func loadCorpus(b *testing.B) [][]byte {
	var out [][]byte
	for _, f := range corpusFiles(b) {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, data)
	}
	return out
}

func report(b *testing.B, n int) {
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "files/s")
}

// allocsPerFile reports the allocations of the benchmark's loop per file
// (mallocs counted by the runtime between start and the call).
func allocsPerFile(b *testing.B, start uint64, n int) {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	b.ReportMetric(float64(m.Mallocs-start)/float64(n*b.N), "allocs/file")
}

func mallocs() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.Mallocs
}

// BenchmarkBuildKitParser is the yardstick: BuildKit's parser alone.
func BenchmarkBuildKitParser(b *testing.B) {
	files := loadCorpus(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, src := range files {
			parser.Parse(bytes.NewReader(src))
		}
	}
	report(b, len(files))
}

// BenchmarkParse is dfopt's lossless model (BuildKit's parser and
// instruction parser, line table, spans).
func BenchmarkParse(b *testing.B) {
	files := loadCorpus(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, src := range files {
			ast.Parse("Dockerfile", src)
		}
	}
	report(b, len(files))
}

// BenchmarkChain is the full default chain, idempotence check included.
// Run it with -benchtime 1x: the equivalence checks' verdicts are cached
// by text, so a second round over the same files measures the cache.
func BenchmarkChain(b *testing.B) {
	timed(b)
	files := loadCorpus(b)
	chain := defaultChain(b)
	b.ResetTimer()
	start := mallocs()
	for i := 0; i < b.N; i++ {
		for _, src := range files {
			chain.Run("Dockerfile", src, nil)
		}
	}
	report(b, len(files))
	allocsPerFile(b, start, len(files))
}
