package discover

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkWalk walks a monorepo-like tree of 10,000 Dockerfiles (50
// services, 10 teams each, one folder per app with a Dockerfile and two
// other files) inside a git work tree with a .gitignore of 60 patterns at
// the root and one per service, and without git: the cost of discovery
// and of the .gitignore rules alone.
//
//	go test -run '^$' -bench Walk -benchtime 3x ./pkg/discover
func BenchmarkWalk(b *testing.B) {
	root := b.TempDir()
	write := func(p, data string) {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	var rootIgnore []byte
	for i := range 20 {
		rootIgnore = fmt.Appendf(rootIgnore, "*.tmp%d\n/build%d/\n**/cache%d\n", i, i, i)
	}
	write(filepath.Join(root, ".gitignore"), string(rootIgnore))
	if err := os.MkdirAll(filepath.Join(root, ".git"), 0o755); err != nil {
		b.Fatal(err)
	}
	for i := range 10000 {
		svc := fmt.Sprintf("svc-%02d", i%50)
		d := filepath.Join(root, svc, fmt.Sprintf("team-%d", i/50%10), fmt.Sprintf("app-%d", i))
		write(filepath.Join(d, "Dockerfile"), "FROM alpine\n")
		write(filepath.Join(d, "main.go"), "package main\n")
		write(filepath.Join(d, "README.md"), "app\n")
		if i < 50 {
			write(filepath.Join(root, svc, ".gitignore"), "*.log\nout/\n")
		}
	}
	for _, git := range []bool{true, false} {
		b.Run(fmt.Sprintf("gitignore=%v", git), func(b *testing.B) {
			for range b.N {
				n := 0
				Walk([]string{root}, Options{NoGitignore: !git}, func(File) bool { n++; return true })
				if n != 10000 {
					b.Fatalf("found %d files", n)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/10000, "µs/file")
		})
	}
}
