package explain

import (
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/dfopt/dfopt/pkg/transform"
	"github.com/moby/patternmatcher"
)

// Context is the build context on disk as BuildKit sends it: every file
// the ignore file does not exclude.
type Context struct {
	Dir        string   `json:"dir"`
	IgnoreFile string   `json:"ignoreFile,omitempty"`
	Patterns   []string `json:"patterns,omitempty"`
	Files      []string `json:"-"`       // sent files (and symlinks), sorted slash paths
	Count      int      `json:"files"`   // len(Files)
	Ignored    int      `json:"ignored"` // paths the ignore file excludes (a skipped folder counts once)

	matcher *patternmatcher.PatternMatcher
	index   map[string]int
}

func newContext(bctx *transform.BuildContext) (*Context, error) {
	if bctx == nil {
		return nil, nil
	}
	c := &Context{Dir: bctx.Dir, IgnoreFile: bctx.IgnoreFile, Patterns: bctx.Patterns, index: map[string]int{}}
	if len(c.Patterns) > 0 {
		m, err := patternmatcher.New(c.Patterns)
		if err != nil {
			return nil, err
		}
		c.matcher = m
	}
	err := filepath.WalkDir(c.Dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == c.Dir {
				return err
			}
			return nil // unreadable entries: BuildKit would fail, we skip
		}
		if p == c.Dir {
			return nil
		}
		rel, err := filepath.Rel(c.Dir, p)
		if err != nil {
			return nil
		}
		rel = filepath.ToSlash(rel)
		if c.Excluded(rel) {
			if d.IsDir() {
				if !c.matcher.Exclusions() {
					c.Ignored++
					return filepath.SkipDir
				}
				return nil
			}
			c.Ignored++
			return nil
		}
		if !d.IsDir() {
			c.Files = append(c.Files, rel)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(c.Files)
	for i, f := range c.Files {
		c.index[f] = i
	}
	c.Count = len(c.Files)
	return c, nil
}

// Excluded reports whether the ignore file excludes rel (a slash path
// relative to the context), as BuildKit's file transfer decides.
func (c *Context) Excluded(rel string) bool {
	if c == nil || c.matcher == nil {
		return false
	}
	ok, err := c.matcher.MatchesOrParentMatches(transform.Clean(rel))
	return err == nil && ok
}

// containsWildcards is BuildKit's test for a wildcard source.
func containsWildcards(name string) bool {
	for i := 0; i < len(name); i++ {
		ch := name[i]
		if ch == '\\' {
			i++
		} else if ch == '*' || ch == '?' || ch == '[' {
			return true
		}
	}
	return false
}

func newRead(kind, src string, exclude []string, parents bool) *Read {
	if parents {
		if parent, pattern, ok := strings.Cut(src, "/./"); ok {
			src = parent + "/" + pattern
		}
	}
	r := &Read{Kind: kind, Exclude: exclude, written: src}
	clean := transform.Clean(src)
	r.Source = clean
	if clean == "" {
		r.Source = "."
		r.Whole = true
	}
	if containsWildcards(clean) {
		r.Wildcard = true
		r.parts = strings.Split(clean, "/")
	}
	return r
}

// Selects reports whether a change to the context file p (existing or
// deleted) changes what r reads. The ignore file is applied by the caller.
func (r *Read) Selects(p string) bool { return r.selects(p, false) }

// selects is Selects; with folder set, p may also be a folder, which r
// reads when it reads anything inside it.
func (r *Read) selects(p string, folder bool) bool {
	p = transform.Clean(p)
	if p == "" {
		return true
	}
	var root string
	switch {
	case r.Whole:
		root = ""
	case r.Wildcard:
		pp := strings.Split(p, "/")
		if len(pp) < len(r.parts) && !folder {
			return false
		}
		n := min(len(pp), len(r.parts))
		for i := 0; i < n; i++ {
			if ok, _ := path.Match(r.parts[i], pp[i]); !ok {
				return false
			}
		}
		if len(pp) <= len(r.parts) {
			return true // p is a match, or a folder above matches
		}
		root = strings.Join(pp[:len(r.parts)], "/")
	default:
		if p == r.Source || folder && strings.HasPrefix(r.Source, p+"/") {
			return true
		}
		if !strings.HasPrefix(p, r.Source+"/") {
			return false
		}
		root = r.Source
	}
	if len(r.Exclude) > 0 {
		rel := strings.TrimPrefix(strings.TrimPrefix(p, root), "/")
		if m, err := patternmatcher.New(r.Exclude); err == nil {
			if ok, _ := m.MatchesOrParentMatches(rel); ok {
				return false
			}
		}
	}
	return true
}

// sendsUnder reports whether the context sends a file inside the folder p
// (the ignore file may exclude a folder and keep files in it).
func (c *Context) sendsUnder(p string) bool {
	if c == nil {
		return false
	}
	i := sort.SearchStrings(c.Files, p+"/")
	return i < len(c.Files) && strings.HasPrefix(c.Files[i], p+"/")
}

// isFile reports whether p is a file the context sends; unknown paths
// (deleted, or no context on disk) may be folders.
func (c *Context) isFile(p string) bool {
	if c == nil {
		return false
	}
	_, ok := c.index[p]
	return ok
}

// display is the source for people: the context path, a folder with a
// trailing slash when known (or as written when there is no context).
func (r *Read) display(ctx bool) string {
	switch {
	case r.Whole:
		return "."
	case !ctx:
		if w := strings.TrimPrefix(r.written, "./"); w != "" {
			return w
		}
	case !r.Wildcard && len(r.Files) > 0 && r.Files[0] != r.Source:
		return r.Source + "/"
	}
	return r.Source
}

// resolve lists the context files r selects.
func (c *Context) resolve(r *Read) {
	r.selected = make([]bool, len(c.Files))
	r.Files = []string{}
	for i, f := range c.Files {
		if r.Selects(f) {
			r.selected[i] = true
			r.Files = append(r.Files, f)
		}
	}
	if r.Whole || r.Wildcard {
		return
	}
	if len(r.Files) == 0 && c.Excluded(r.Source) {
		r.Ignored = true
		return
	}
	if len(r.Files) == 0 {
		// An empty folder or a symlink to a folder is still there.
		if _, err := os.Lstat(filepath.Join(c.Dir, filepath.FromSlash(r.Source))); err != nil {
			r.Missing = true
		}
	}
}
