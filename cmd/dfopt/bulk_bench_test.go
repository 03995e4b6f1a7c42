package main

import (
	"fmt"
	"github.com/dfopt/dfopt/internal/corpustest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// BenchmarkBulkDiff is the monorepo benchmark: `dfopt diff` on a tree of
// 10,000 Dockerfiles ($DFOPT_BULK_FILES to change), copies of the shared
// corpus in nested folders. It runs the real binary, so that wall time
// and peak memory (the child's maximum resident set size) are what a user
// sees. Goal on a 2-core machine: under 3 s and 200 MB. Skips when the
// corpus is absent.
//
//	go test -run '^$' -bench BulkDiff -benchtime 3x ./cmd/dfopt   (make bench-bulk)
func BenchmarkBulkDiff(b *testing.B) {
	var corpus [][]byte
	for _, f := range corpustest.Files(b) {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		corpus = append(corpus, data)
	}
	count := 10000
	if s := os.Getenv("DFOPT_BULK_FILES"); s != "" {
		var err error
		if count, err = strconv.Atoi(s); err != nil {
			b.Fatal(err)
		}
	}
	tmp := b.TempDir()
	bin := buildBinary(b, tmp)
	tree := filepath.Join(tmp, "tree")
	for i := range count {
		d := filepath.Join(tree, fmt.Sprintf("svc-%02d", i%50), fmt.Sprintf("team-%d", i/50%10), fmt.Sprintf("app-%d", i))
		if err := os.MkdirAll(d, 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, "Dockerfile"), corpus[i%len(corpus)], 0o644); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	// 1: files would change; 2: a few corpus files are not valid
	// Dockerfiles (each reported, the others still processed).
	timeRuns(b, 2, bin, "diff", "-q", tree)
	b.ReportMetric(float64(count), "files")
}

// BenchmarkBigFile is the large-file benchmark: `dfopt diff` on one
// generated Dockerfile of 10,000 RUNs of mixed work (corpustest.Sized),
// the real binary, every rule on and every fix applied. Goal on a 2-core
// machine: under 2 s and 200 MB.
//
//	go test -run '^$' -bench BigFile -benchtime 3x ./cmd/dfopt   (make bench-bulk)
func BenchmarkBigFile(b *testing.B) {
	tmp := b.TempDir()
	bin := buildBinary(b, tmp)
	file := filepath.Join(tmp, "Dockerfile")
	if err := os.WriteFile(file, corpustest.Sized(10000), 0o644); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	timeRuns(b, 1, bin, "diff", "-q", "--no-config", file)
}

func buildBinary(b *testing.B, dir string) string {
	bin := filepath.Join(dir, "dfopt")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// timeRuns runs the command b.N times and reports its wall time per run
// and the child's peak memory; an exit status above maxStatus fails.
func timeRuns(b *testing.B, maxStatus int, bin string, args ...string) {
	var wall time.Duration
	var peak int64
	for range b.N {
		cmd := exec.Command(bin, args...)
		start := time.Now()
		err := cmd.Run()
		wall += time.Since(start)
		if code := cmd.ProcessState.ExitCode(); code < 0 || code > maxStatus {
			b.Fatalf("dfopt %v: %v", args, err)
		}
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			peak = max(peak, ru.Maxrss) // KiB on Linux
		}
	}
	b.ReportMetric(wall.Seconds()/float64(b.N), "s/run")
	b.ReportMetric(float64(peak)/1024, "peak-MB")
}
