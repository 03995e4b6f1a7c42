// Package corpustest finds the shared corpus of real-world Dockerfiles for
// tests and benchmarks: ../shared/corpus beside the checkout, or
// $DFOPT_CORPUS. Callers are skipped when it is absent, so that the
// project's tests pass anywhere.
package corpustest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dfopt/dfopt/pkg/ast"
)

// Dir is the corpus folder, or "" when there is none.
func Dir() string {
	if dir := os.Getenv("DFOPT_CORPUS"); dir != "" {
		return dir
	}
	wd, err := os.Getwd()
	if err != nil {
		return ""
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return filepath.Join(filepath.Dir(d), "shared", "corpus")
		}
		if filepath.Dir(d) == d {
			return ""
		}
	}
}

// Files lists the corpus's Dockerfiles (MANIFEST.tsv left out), sorted;
// it skips tb when the corpus is absent or empty.
func Files(tb testing.TB) []string {
	tb.Helper()
	dir := Dir()
	entries, err := os.ReadDir(dir)
	if dir == "" || err != nil {
		tb.Skipf("corpus not present at %q", dir)
	}
	var files []string
	for _, e := range entries {
		if !e.IsDir() && !strings.HasSuffix(e.Name(), ".tsv") {
			files = append(files, filepath.Join(dir, e.Name()))
		}
	}
	if len(files) == 0 {
		tb.Skipf("corpus at %s is empty", dir)
	}
	return files
}

// Docs parses the corpus's Dockerfiles that BuildKit accepts.
func Docs(tb testing.TB) []*ast.Document {
	tb.Helper()
	var docs []*ast.Document
	for _, f := range Files(tb) {
		src, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		if d, err := ast.Parse(f, src); err == nil {
			docs = append(docs, d)
		}
	}
	return docs
}

// Sized is a generated Dockerfile of n RUNs, cycling through
// the kinds of work real files do (package installs, downloads, builds),
// with a COPY and an ENV now and then.
func Sized(n int) []byte {
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

// BenchDocs is a benchmark over the corpus: f on every document that
// BuildKit accepts, each once per iteration, reported in files/s and in
// the process's CPU time per iteration (cpu-ms/op: a busy machine
// disturbs it less than elapsed time).
func BenchDocs(b *testing.B, f func(*ast.Document)) {
	docs := Docs(b)
	start := cpuTime()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, d := range docs {
			f(d)
		}
	}
	b.ReportMetric(float64(len(docs)*b.N)/b.Elapsed().Seconds(), "files/s")
	if start >= 0 {
		b.ReportMetric(float64((cpuTime()-start).Microseconds())/float64(b.N)/1000, "cpu-ms/op")
	}
}
