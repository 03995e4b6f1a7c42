package transform

import (
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"strings"

	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// BuildContext is the build context on disk, with its ignore file applied
// the way BuildKit applies it.
type BuildContext struct {
	Dir        string // absolute folder
	IgnoreFile string // the ignore file in force ("" when none)
	Patterns   []string
	matcher    *patternmatcher.PatternMatcher
	// files overlays files that a fix creates or replaces (absolute path →
	// content), so that a second run sees them as written.
	files map[string][]byte
	// ignoreCandidates are the ignore files BuildKit looks for, first
	// found wins: `<Dockerfile>.dockerignore`, then `.dockerignore`.
	ignoreCandidates []string
	disk             *Disk // reads the file system (shared by a run)
}

// WithFiles returns a copy of c that sees the changed files.
func (c *BuildContext) WithFiles(changes []FileChange) *BuildContext {
	if c == nil || len(changes) == 0 {
		return c
	}
	cp := *c
	cp.files = map[string][]byte{}
	for k, v := range c.files {
		cp.files[k] = v
	}
	reload := false
	for _, f := range changes {
		cp.files[f.Path] = f.New
		for _, c := range c.ignoreCandidates {
			reload = reload || c == f.Path
		}
	}
	if reload {
		// A fix wrote an ignore file: the second run sees its patterns.
		if err := cp.loadIgnore(); err != nil {
			cp.IgnoreFile, cp.Patterns, cp.matcher = c.IgnoreFile, c.Patterns, c.matcher
		}
	}
	return &cp
}

// ReadAbs reads a file by absolute path, through the overlay of changed files.
func (c *BuildContext) ReadAbs(path string) ([]byte, error) {
	if data, ok := c.files[path]; ok {
		return data, nil
	}
	return c.disk.ReadFile(path)
}

// Disk is what reads the file system for this context (nil: the file
// system itself, which a nil *Disk reads straight).
func (c *BuildContext) Disk() *Disk { return c.disk }

// NewBuildContext opens the context folder dir for the Dockerfile at
// dockerfile, reading the file system through a Disk of its own (shared
// by the chain's passes over this one file). BuildKit's rule: a file named
// `<Dockerfile>.dockerignore` beside the Dockerfile wins over
// `.dockerignore` at the context root.
func NewBuildContext(dir, dockerfile string) (*BuildContext, error) {
	return NewDisk().Context(dir, dockerfile)
}

// Context opens a build context that reads the file system through d:
// a run that opens the contexts of many Dockerfiles through one Disk reads
// each folder once (see NewBuildContext).
func (d *Disk) Context(dir, dockerfile string) (*BuildContext, error) {
	abs, err := d.Abs(dir)
	if err != nil {
		return nil, err
	}
	c := &BuildContext{Dir: abs, disk: d}
	if dockerfile != "" && dockerfile != "-" {
		if df, err := d.Abs(dockerfile + ".dockerignore"); err == nil {
			c.ignoreCandidates = append(c.ignoreCandidates, df)
		}
	}
	c.ignoreCandidates = append(c.ignoreCandidates, filepath.Join(abs, ".dockerignore"))
	if err := c.loadIgnore(); err != nil {
		return nil, err
	}
	return c, nil
}

// loadIgnore reads the first ignore file found (through the overlay).
func (c *BuildContext) loadIgnore() error {
	c.IgnoreFile, c.Patterns, c.matcher = "", nil, nil
	for _, f := range c.ignoreCandidates {
		data, err := c.ReadAbs(f)
		if err != nil {
			continue
		}
		pats, err := ignorefile.ReadAll(strings.NewReader(string(data)))
		if err != nil {
			return fmt.Errorf("%s: %v", f, err)
		}
		m, err := patternmatcher.New(pats)
		if err != nil {
			return fmt.Errorf("%s:%d: %v", f, badPatternLine(data), err)
		}
		c.IgnoreFile, c.Patterns, c.matcher = f, pats, m
		break
	}
	return nil
}

// badPatternLine is the 1-based line of the first pattern of an ignore
// file that does not compile (0 when none does alone).
func badPatternLine(data []byte) int {
	for i, line := range strings.Split(string(data), "\n") {
		pats, err := ignorefile.ReadAll(strings.NewReader(line))
		if err != nil {
			return i + 1
		}
		if _, err := patternmatcher.New(pats); err != nil {
			return i + 1
		}
	}
	return 0
}

// Clean turns a context path as written in a COPY into a slash path
// relative to the context root ("" for the root itself).
func Clean(p string) string {
	p = path.Clean("/" + filepath.ToSlash(p))
	return strings.TrimPrefix(p, "/")
}

// Excluded reports whether the ignore file excludes rel.
func (c *BuildContext) Excluded(rel string) bool {
	if c == nil || c.matcher == nil {
		return false
	}
	ok, err := c.matcher.MatchesOrParentMatches(Clean(rel))
	return err == nil && ok
}

// Exists reports whether rel exists in the context and is not excluded.
func (c *BuildContext) Exists(rel string) bool {
	if c == nil {
		return false
	}
	if _, err := c.Lstat(rel); err != nil {
		return false
	}
	return !c.Excluded(rel)
}

// Abs is the absolute path of a context path.
func (c *BuildContext) Abs(rel string) string {
	return filepath.Join(c.Dir, filepath.FromSlash(Clean(rel)))
}

// Lstat is os.Lstat of a context path (the ignore file aside).
func (c *BuildContext) Lstat(rel string) (fs.FileInfo, error) { return c.disk.Lstat(c.Abs(rel)) }

// Stat is os.Stat of a context path (the ignore file aside).
func (c *BuildContext) Stat(rel string) (fs.FileInfo, error) { return c.disk.Stat(c.Abs(rel)) }

// ReadDir lists a context folder, sorted by name (the ignore file aside).
func (c *BuildContext) ReadDir(rel string) ([]fs.DirEntry, error) {
	return c.disk.ReadDir(c.Abs(rel))
}

// ReadFile reads a file of the context (ignoring the ignore file).
func (c *BuildContext) ReadFile(rel string) ([]byte, error) {
	return c.ReadAbs(c.Abs(rel))
}
