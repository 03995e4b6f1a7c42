package main

import (
	"path/filepath"
	"strings"

	"github.com/dfopt/dfopt/pkg/discover"
	"github.com/dfopt/dfopt/pkg/transform"
)

func displayPath(p string) string {
	if p == "-" {
		return "<stdin>"
	}
	return p
}

// diffPath is the path written in diff headers and machine reports:
// slash-separated, relative to the working directory when the file is
// under it; otherwise relative to the git work tree that holds it, or the
// clean absolute path without its leading slash. `git apply` (from the
// working directory or the work tree's top) and `patch -p1` find the
// file; a header never reads a//srv/app/Dockerfile or a/../Dockerfile.
func diffPath(p string) string { return diffPathOn(nil, p) }

// diffPathOn is diffPath reading the file system through disk, which
// reads the working directory once and each folder's .git once.
func diffPathOn(disk *transform.Disk, p string) string {
	if p == "-" {
		return "Dockerfile"
	}
	if !filepath.IsAbs(p) && !escapes(p) {
		return filepath.ToSlash(filepath.Clean(p))
	}
	abs, err := disk.Abs(p)
	if err != nil {
		return filepath.ToSlash(filepath.Clean(p))
	}
	if wd, err := disk.Getwd(); err == nil {
		if rel, err := filepath.Rel(wd, abs); err == nil && !escapes(rel) {
			return filepath.ToSlash(rel)
		}
	}
	if top, ok := folderRepoRoot(disk, filepath.Dir(abs)); ok {
		if rel, err := filepath.Rel(top, abs); err == nil && !escapes(rel) {
			return filepath.ToSlash(rel)
		}
	}
	return strings.TrimLeft(filepath.ToSlash(abs), "/")
}

// escapes reports whether a relative path climbs out of its folder.
func escapes(rel string) bool {
	rel = filepath.Clean(rel)
	return rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// folderRepoRoot is discover.FindRepoRootBy through disk, found once per folder
// for the run: a value derived from the Disk's reads (it climbs the
// folders above, one Lstat of .git each, which the Disk's listings
// mostly answer).
func folderRepoRoot(disk *transform.Disk, dir string) (string, bool) {
	type found struct {
		top string
		ok  bool
	}
	r := disk.Derived("repo-root\x00"+dir, func() any {
		top, ok := discover.FindRepoRootBy(dir, disk.Lstat)
		return found{top, ok}
	}).(found)
	return r.top, r.ok
}
