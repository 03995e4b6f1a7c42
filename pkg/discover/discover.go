// Package discover finds the Dockerfiles that dfopt works on.
//
// A path on the command line is used as it is when it is a file (whatever
// its name) and searched when it is a folder. The search:
//
//   - keeps files named Dockerfile, Containerfile, Dockerfile.*,
//     *.Dockerfile, Dockerfile-* and Dockerfile_* (no dot after the
//     separator), Containerfile likewise, in any case (dockerfile.dev),
//     and skips among them templates (Dockerfile.template, Dockerfile.in,
//     *.j2, …), ignore files and code or data named after a Dockerfile
//     (see NotDockerfile);
//   - skips .git, node_modules and vendor folders;
//   - inside a git work tree, skips what git ignores: .gitignore files
//     from the repository root down, .git/info/exclude and the user's
//     global excludes file ($XDG_CONFIG_HOME/git/ignore or
//     ~/.config/git/ignore), read as the walk goes, without running git.
//     A nested repository gets its own rules. Unlike `git ls-files
//     --cached`, a tracked file that matches an ignore pattern is skipped
//     too, and a `core.excludesFile` set in git's config is not read;
//   - skips paths matching an --exclude pattern (gitignore syntax, `**`
//     included), matched against the path relative to the folder argument
//     and relative to the working directory;
//   - never follows a symbolic link: a link's target is either inside the
//     tree, where the walk finds it, or outside it, where dfopt has no
//     business.
//
// Files are reported as the walk finds them, in sorted path order (byte
// order of the whole path, as `git ls-files` sorts), without collecting
// the tree first: memory does not grow with the number of files.
package discover

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// SkipDirs are folders never searched.
var SkipDirs = map[string]bool{".git": true, "node_modules": true, "vendor": true}

// dockerfileBases are the base names of Dockerfiles, lower case.
var dockerfileBases = []string{"dockerfile", "containerfile"}

// NotDockerfile maps the last extension of names that look like
// Dockerfiles but are not (Dockerfile.template, dockerfile_test.go) to
// what they are. Folder search skips them.
var NotDockerfile = map[string]string{
	".dockerignore": "ignore file", ".containerignore": "ignore file",
	// Templates that generate a Dockerfile.
	".template": "template", ".tpl": "template", ".tmpl": "template", ".gotmpl": "template",
	".j2": "template", ".jinja": "template", ".jinja2": "template", ".in": "template",
	".erb": "template", ".mustache": "template", ".hbs": "template", ".m4": "template",
	".rego": "policy",
	// Code, scripts, documents and data named after a Dockerfile.
	".go": "source", ".py": "source", ".js": "source", ".ts": "source", ".rb": "source",
	".rs": "source", ".java": "source", ".sh": "script", ".bash": "script", ".ps1": "script",
	".md": "document", ".rst": "document", ".html": "document",
	".yml": "data", ".yaml": "data", ".json": "data", ".toml": "data", ".xml": "data",
	".patch": "patch", ".diff": "patch", ".swp": "editor file",
}

// IsDockerfileName reports whether a file name looks like a Dockerfile,
// in any case: Dockerfile, Containerfile; Dockerfile.prod; prod.Dockerfile;
// Dockerfile-prod and Dockerfile_test (no dot after the separator: not
// Dockerfile-gen.py) — unless its extension is one of NotDockerfile.
func IsDockerfileName(name string) bool {
	lower := strings.ToLower(name)
	if NotDockerfile[path.Ext(lower)] != "" {
		return false
	}
	for _, base := range dockerfileBases {
		switch {
		case lower == base, strings.HasPrefix(lower, base+"."), strings.HasSuffix(lower, "."+base):
			return true
		case strings.HasPrefix(lower, base+"-"), strings.HasPrefix(lower, base+"_"):
			return !strings.Contains(lower[len(base):], ".")
		}
	}
	return false
}

// Options tune the search of folders.
type Options struct {
	Exclude     []Pattern // see CompileGlobs
	NoGitignore bool      // search ignored files too
	// ReadDir lists a folder as os.ReadDir does (nil: os.ReadDir); the
	// walk may change the slice it returns. A run passes one that keeps
	// the listings for the rules that read the same folders.
	ReadDir func(dir string) ([]fs.DirEntry, error)
}

// File is one file to process: Path as the user wrote it or as found
// below a folder they named ("-" is standard input).
type File struct {
	Path string
	Err  error // the path could not be read: report it, do not process it
	// Regular: Path was a regular file when it was found (its folder's
	// listing says so, or a stat of the argument): a reader need not stat
	// it again before opening it.
	Regular bool
}

// Walk calls fn for each file under paths, in order. fn returns false to
// stop the walk.
func Walk(paths []string, opts Options, fn func(File) bool) {
	w := &walker{opts: opts, fn: fn, readDir: opts.ReadDir}
	if w.readDir == nil {
		w.readDir = os.ReadDir
	}
	if wd, err := os.Getwd(); err == nil {
		w.wd = wd
	}
	for _, p := range paths {
		if !w.root(p) {
			return
		}
	}
}

type walker struct {
	opts    Options
	fn      func(File) bool
	wd      string
	readDir func(string) ([]fs.DirEntry, error)
}

func (w *walker) root(arg string) bool {
	if arg == "-" {
		return w.fn(File{Path: "-"})
	}
	st, err := os.Stat(arg)
	if err != nil {
		return w.fn(File{Path: arg, Err: cleanPathErr(err)})
	}
	if !st.IsDir() {
		return w.fn(File{Path: arg, Regular: st.Mode().IsRegular()})
	}
	abs, err := filepath.Abs(arg)
	if err != nil {
		return w.fn(File{Path: arg, Err: err})
	}
	d := dirState{path: arg, abs: abs}
	if w.wd != "" {
		if r, err := filepath.Rel(w.wd, abs); err == nil && r != ".." && !strings.HasPrefix(r, ".."+string(filepath.Separator)) {
			d.wdRel, d.wdOK = slashRel(r), true
		}
	}
	if !w.opts.NoGitignore {
		if top, ok := FindRepoRoot(abs); ok {
			d.repo = newRepo(top)
			rel, _ := filepath.Rel(top, abs)
			d.rel = slashRel(rel)
			// The .gitignore files of the folders above the argument.
			if d.rel != "" {
				parts := strings.Split(d.rel, "/")
				for i := 0; i < len(parts); i++ {
					base := strings.Join(parts[:i], "/")
					if l := readIgnoreFile(filepath.Join(top, filepath.FromSlash(base), ".gitignore"), base); l != nil {
						d.repo.lists = append(d.repo.lists, l)
					}
				}
			}
		}
	}
	return w.dir(d, true)
}

// dirState is where the walk is: the folder as shown to the user, its
// absolute path, and slash paths relative to the folder argument, to the
// working directory (when wdOK) and to the repository root (when repo is
// set).
type dirState struct {
	path, abs          string
	argRel, wdRel, rel string
	wdOK               bool
	repo               *repo
}

func join(rel, name string) string {
	if rel == "" {
		return name
	}
	return rel + "/" + name
}

func slashRel(r string) string {
	r = filepath.ToSlash(r)
	if r == "." {
		return ""
	}
	return r
}

func (w *walker) excluded(d dirState, name string, isDir bool) bool {
	if len(w.opts.Exclude) == 0 {
		return false
	}
	argRel := join(d.argRel, name)
	wdRel := join(d.wdRel, name)
	excluded := false
	for _, p := range w.opts.Exclude {
		if p.Match(argRel, isDir) || (d.wdOK && p.Match(wdRel, isDir)) {
			excluded = !p.negate
		}
	}
	return excluded
}

func (w *walker) dir(d dirState, isRoot bool) bool {
	entries, err := w.readDir(d.abs)
	if err != nil && len(entries) == 0 {
		return w.fn(File{Path: d.path, Err: cleanPathErr(err)})
	}
	if !w.opts.NoGitignore {
		if !isRoot { // a nested repository has rules of its own
			for _, e := range entries {
				if e.Name() == ".git" {
					d.repo, d.rel = newRepo(d.abs), ""
					break
				}
			}
		}
		if d.repo != nil {
			for _, e := range entries {
				if e.Name() == ".gitignore" && e.Type().IsRegular() {
					if l := readIgnoreFile(filepath.Join(d.abs, ".gitignore"), d.rel); l != nil {
						n := len(d.repo.lists)
						d.repo.lists = append(d.repo.lists, l)
						defer func() { d.repo.lists = d.repo.lists[:n] }()
					}
					break
				}
			}
		}
	}
	// Sort as whole paths sort: a folder's name compares as "name/".
	key := func(e fs.DirEntry) string {
		if e.IsDir() {
			return e.Name() + "/"
		}
		return e.Name()
	}
	sort.Slice(entries, func(i, j int) bool { return key(entries[i]) < key(entries[j]) })
	for _, e := range entries {
		name := e.Name()
		t := e.Type()
		if t&fs.ModeSymlink != 0 {
			continue
		}
		if e.IsDir() {
			if SkipDirs[name] {
				continue
			}
			if d.repo != nil && d.repo.ignored(join(d.rel, name), true) {
				continue
			}
			if w.excluded(d, name, true) {
				continue
			}
			sub := dirState{
				path: filepath.Join(d.path, name), abs: filepath.Join(d.abs, name),
				argRel: join(d.argRel, name), wdRel: join(d.wdRel, name), wdOK: d.wdOK,
				rel: join(d.rel, name), repo: d.repo,
			}
			if !w.dir(sub, false) {
				return false
			}
			continue
		}
		if !t.IsRegular() || !IsDockerfileName(name) {
			continue
		}
		if d.repo != nil && d.repo.ignored(join(d.rel, name), false) {
			continue
		}
		if w.excluded(d, name, false) {
			continue
		}
		if !w.fn(File{Path: filepath.Join(d.path, name), Regular: true}) {
			return false
		}
	}
	if err != nil {
		return w.fn(File{Path: d.path, Err: cleanPathErr(err)})
	}
	return true
}

func cleanPathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
