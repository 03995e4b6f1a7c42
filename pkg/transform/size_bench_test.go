package transform_test

import (
	"fmt"
	"strings"
	"testing"
)

// sizedDockerfile is a generated Dockerfile of n RUNs, cycling through
// the kinds of work real files do (package installs, downloads, builds),
// with a COPY and an ENV now and then.
func sizedDockerfile(n int) []byte {
	var b strings.Builder
	b.WriteString("FROM ubuntu:22.04\nWORKDIR /app\n")
	for i := range n {
		switch i % 8 {
		case 0:
			fmt.Fprintf(&b, "RUN apt-get update && apt-get install -y pkg%d && rm -rf /var/lib/apt/lists/*\n", i)
		case 1:
			fmt.Fprintf(&b, "RUN pip install --no-cache-dir lib%d==1.%d\n", i, i)
		case 2:
			fmt.Fprintf(&b, "RUN echo step %d > /tmp/s%d\n", i, i)
		case 3:
			fmt.Fprintf(&b, "RUN npm install -g tool%d\n", i)
		case 4:
			fmt.Fprintf(&b, "RUN curl -fsSL https://example.com/f%d.tgz | tar -xz -C /opt\n", i)
		case 5:
			fmt.Fprintf(&b, "ENV V%d=%d\n", i%50, i)
		case 6:
			fmt.Fprintf(&b, "RUN mkdir -p /data/%d && chown 1000 /data/%d\n", i, i)
		case 7:
			fmt.Fprintf(&b, "COPY f%d /app/f%d\nRUN make -C /app t%d\n", i, i, i)
		}
	}
	b.WriteString("CMD [\"/app/run\"]\n")
	return []byte(b.String())
}

// BenchmarkSize runs the default chain on generated files of 100, 1,000
// and 10,000 RUNs (MaxInstructions is above them): the cost per RUN
// (ns/RUN) should stay flat.
func BenchmarkSize(b *testing.B) { benchRuns(b, sizedDockerfile) }

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
