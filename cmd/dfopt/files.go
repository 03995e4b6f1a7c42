package main

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// skipDirs are never searched.
var skipDirs = map[string]bool{".git": true, "node_modules": true, "vendor": true}

// IsDockerfileName reports whether a file name looks like a Dockerfile.
func isDockerfileName(name string) bool {
	lower := strings.ToLower(name)
	if strings.HasSuffix(lower, ".dockerignore") || strings.HasSuffix(lower, ".containerignore") {
		return false
	}
	switch {
	case name == "Dockerfile", name == "Containerfile":
		return true
	case strings.HasPrefix(name, "Dockerfile."), strings.HasPrefix(name, "Containerfile."):
		return true
	case strings.HasSuffix(name, ".Dockerfile"), strings.HasSuffix(lower, ".dockerfile"), strings.HasSuffix(lower, ".containerfile"):
		return true
	}
	return false
}

// input is one file to process ("-" is standard input).
type input struct {
	path string
	err  error // discovery error: reported, not processed
}

// discover expands the command-line paths into files, folders searched
// recursively in sorted order.
func discover(args []string) []input {
	var out []input
	for _, a := range args {
		if a == "-" {
			out = append(out, input{path: "-"})
			continue
		}
		st, err := os.Stat(a)
		if err != nil {
			out = append(out, input{path: a, err: cleanPathErr(err)})
			continue
		}
		if !st.IsDir() {
			out = append(out, input{path: a})
			continue
		}
		var found []input
		err = filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				found = append(found, input{path: p, err: cleanPathErr(err)})
				if d != nil && d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if d.IsDir() {
				if p != a && skipDirs[d.Name()] {
					return filepath.SkipDir
				}
				return nil
			}
			if d.Type().IsRegular() && isDockerfileName(d.Name()) {
				found = append(found, input{path: p})
			}
			return nil
		})
		if err != nil {
			found = append(found, input{path: a, err: err})
		}
		sort.Slice(found, func(i, j int) bool { return found[i].path < found[j].path })
		out = append(out, found...)
	}
	return out
}

func cleanPathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
