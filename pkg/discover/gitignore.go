package discover

import (
	"bufio"
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// ignoreList is the patterns of one ignore file, anchored at base: the
// folder of the file, slash-separated and relative to the repository root
// ("" for the root).
type ignoreList struct {
	base     string
	patterns []Pattern
}

func parseIgnoreFile(data []byte, base string) *ignoreList {
	l := &ignoreList{base: base}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if p, ok := ParsePattern(sc.Text()); ok && p.check() == nil {
			l.patterns = append(l.patterns, p)
		}
	}
	return l
}

func readIgnoreFile(path, base string) *ignoreList {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	if l := parseIgnoreFile(data, base); len(l.patterns) > 0 {
		return l
	}
	return nil
}

// repo is the state of ignore rules inside one git work tree.
type repo struct {
	root string // absolute
	// lists in increasing precedence: global excludes, .git/info/exclude,
	// then .gitignore files from the root down.
	lists []*ignoreList
}

// ignored reports whether rel (slash path relative to the root) is ignored:
// the last matching pattern of the most precise list decides.
func (r *repo) ignored(rel string, isDir bool) bool {
	for i := len(r.lists) - 1; i >= 0; i-- {
		l := r.lists[i]
		sub := rel
		if l.base != "" {
			if !strings.HasPrefix(rel, l.base+"/") {
				continue
			}
			sub = rel[len(l.base)+1:]
		}
		for j := len(l.patterns) - 1; j >= 0; j-- {
			if p := l.patterns[j]; p.Match(sub, isDir) {
				return !p.negate
			}
		}
	}
	return false
}

// isRepoRoot reports whether dir holds a .git folder or file (a work tree,
// a linked worktree or a submodule).
func isRepoRoot(dir string, lstat func(string) (fs.FileInfo, error)) bool {
	_, err := lstat(filepath.Join(dir, ".git"))
	return err == nil
}

// FindRepoRoot walks up from dir (absolute) to the top of the git work
// tree that holds it: the nearest folder with a .git entry (a folder, or
// a file in a linked work tree or submodule).
func FindRepoRoot(dir string) (string, bool) { return FindRepoRootBy(dir, os.Lstat) }

// FindRepoRootBy is FindRepoRoot with lstat for os.Lstat (a caller that
// remembers what it read, for thousands of files under the same folders).
func FindRepoRootBy(dir string, lstat func(string) (fs.FileInfo, error)) (string, bool) {
	for {
		if isRepoRoot(dir, lstat) {
			return dir, true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

// newRepo starts the rules of the work tree at root: the user's global
// excludes file and .git/info/exclude.
func newRepo(root string) *repo {
	r := &repo{root: root}
	if l := readIgnoreFile(globalExcludesFile(), ""); l != nil {
		r.lists = append(r.lists, l)
	}
	if l := readIgnoreFile(filepath.Join(gitDir(root), "info", "exclude"), ""); l != nil {
		r.lists = append(r.lists, l)
	}
	return r
}

// gitDir resolves root/.git, following a `gitdir:` file (linked worktrees
// and submodules) to the common git folder.
func gitDir(root string) string {
	dotgit := filepath.Join(root, ".git")
	st, err := os.Stat(dotgit)
	if err != nil || st.IsDir() {
		return dotgit
	}
	data, err := os.ReadFile(dotgit)
	if err != nil {
		return dotgit
	}
	dir, ok := strings.CutPrefix(strings.TrimSpace(string(data)), "gitdir:")
	if !ok {
		return dotgit
	}
	dir = strings.TrimSpace(dir)
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(root, dir)
	}
	// A linked worktree keeps info/exclude in the common folder.
	if common, err := os.ReadFile(filepath.Join(dir, "commondir")); err == nil {
		c := strings.TrimSpace(string(common))
		if !filepath.IsAbs(c) {
			c = filepath.Join(dir, c)
		}
		return c
	}
	return dir
}

// globalExcludesFile is git's default core.excludesFile:
// $XDG_CONFIG_HOME/git/ignore, else ~/.config/git/ignore. (A path set
// with `git config core.excludesFile` is not read.)
func globalExcludesFile() string {
	if x := os.Getenv("XDG_CONFIG_HOME"); x != "" {
		return filepath.Join(x, "git", "ignore")
	}
	if h, err := os.UserHomeDir(); err == nil {
		return filepath.Join(h, ".config", "git", "ignore")
	}
	return ""
}
