package transform_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/dfopt/dfopt/internal/corpustest"
)

// BenchmarkSize runs the default chain on generated files of 100, 1,000
// and 10,000 RUNs (MaxInstructions is above them): the cost per RUN
// (ns/RUN) should stay flat.
func BenchmarkSize(b *testing.B) { benchRuns(b, corpustest.Sized) }

// BenchmarkSizePragmas is BenchmarkSize with a hadolint pragma at the top
// that switches nothing off: the rules ask about pragmas for every
// instruction, and each answer must not read the whole file again.
func BenchmarkSizePragmas(b *testing.B) {
	benchRuns(b, func(n int) []byte {
		return append([]byte("# hadolint global ignore=DL3008\n"), corpustest.Sized(n)...)
	})
}

// BenchmarkSameKind runs the default chain on files of n consecutive RUNs
// of one kind of work, which merge-runs joins: the worst case of its
// search for the longest provable join.
func BenchmarkSameKind(b *testing.B) {
	benchRuns(b, func(n int) []byte { return []byte("FROM alpine\n" + strings.Repeat("RUN echo hello >> /log\n", n)) })
}

// benchRuns runs the default chain on the file of 100, 1,000 and 10,000
// RUNs that gen writes, reporting the cost per RUN.
func benchRuns(b *testing.B, gen func(n int) []byte) {
	timed(b)
	for _, n := range []int{100, 1000, 10000} {
		src := gen(n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			chain := defaultChain(b)
			b.ReportAllocs()
			for range b.N {
				if _, err := chain.Run("Dockerfile", src, nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/RUN")
		})
	}
}
