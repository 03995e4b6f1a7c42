package explain

import (
	"bytes"
	"fmt"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/dfopt/dfopt/pkg/transform"
)

// ContextPaths maps paths as a user names them to slash paths relative
// to the context folder dir: a path that, taken from the current folder,
// lies inside the context is made relative to it; any other relative path
// is taken as relative to the context already. Paths outside the context
// are dropped. The result is sorted and without duplicates.
func ContextPaths(dir string, paths []string) []string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = dir
	}
	seen := map[string]bool{}
	var out []string
	for _, p := range paths {
		if p == "" {
			continue
		}
		rel := ""
		if a, err := filepath.Abs(p); err == nil {
			if r, err := filepath.Rel(abs, a); err == nil && r != ".." && !strings.HasPrefix(r, ".."+string(filepath.Separator)) {
				rel = r
			} else if filepath.IsAbs(p) {
				continue
			}
		}
		if rel == "" {
			if c := filepath.Clean(p); c == ".." || strings.HasPrefix(c, ".."+string(filepath.Separator)) {
				continue
			}
			rel = p
		}
		rel = transform.Clean(rel)
		if !seen[rel] {
			seen[rel] = true
			out = append(out, rel)
		}
	}
	sort.Strings(out)
	return out
}

// GitChanged asks git which files of the context folder dir differ from
// revision rev: committed since rev, changed in the work tree or the
// index, and untracked files that .gitignore does not hide. Paths are
// relative to dir.
func GitChanged(dir, rev string) ([]string, error) {
	if strings.HasPrefix(rev, "-") {
		return nil, fmt.Errorf("--since %q: not a revision", rev)
	}
	run := func(args ...string) ([]string, error) {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			msg := strings.TrimSpace(stderr.String())
			if i := strings.IndexByte(msg, '\n'); i >= 0 {
				msg = msg[:i]
			}
			if msg == "" {
				msg = err.Error()
			}
			return nil, fmt.Errorf("git %s: %s", args[0], msg)
		}
		var files []string
		for _, f := range strings.Split(string(out), "\x00") {
			if f != "" {
				files = append(files, filepath.ToSlash(f))
			}
		}
		return files, nil
	}
	// --relative: paths relative to dir, and only those inside it.
	changed, err := run("diff", "--name-only", "--no-renames", "--relative", "-z", rev, "--")
	if err != nil {
		return nil, err
	}
	untracked, err := run("ls-files", "--others", "--exclude-standard", "-z")
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []string
	for _, f := range append(changed, untracked...) {
		f = transform.Clean(f)
		if f != "" && !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	sort.Strings(out)
	return out, nil
}
