// Command bkparse is the yardstick of dfopt's speed: it finds the
// Dockerfiles under each PATH as dfopt does (a file named Dockerfile,
// *.Dockerfile or Dockerfile.*) and parses each with BuildKit's parser
// alone, on one goroutine. `dfopt diff DIR` is measured as a ratio to
// `bkparse DIR` (README, Speed).
//
//	go build -o /tmp/bkparse ./internal/bkparse
package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

func main() {
	n, bad := 0, 0
	for _, root := range os.Args[1:] {
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !isDockerfile(d.Name()) {
				return nil
			}
			src, err := os.ReadFile(p)
			if err != nil {
				return nil
			}
			n++
			if _, err := parser.Parse(bytes.NewReader(src)); err != nil {
				bad++
			}
			return nil
		})
	}
	fmt.Printf("%d files parsed, %d rejected\n", n, bad)
}

func isDockerfile(name string) bool {
	return name == "Dockerfile" || strings.HasPrefix(name, "Dockerfile.") || strings.HasSuffix(name, ".Dockerfile")
}
