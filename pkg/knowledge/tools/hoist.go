package tools

import (
	"path"
	"path/filepath"
	"strings"

	"github.com/dfopt/dfopt/pkg/emit"
	"mvdan.cc/sh/v3/syntax"
)

// Hoist is what hoist-deps works from: how to recognise an install of the
// tool, which manifests it reads, its dependency-only form, and what
// makes it need the whole source.
//
// Manifest names are relative to the project folder (the folder the
// install runs in). "a|b" means the first of a and b that exists.
type Hoist struct {
	Required []string // must be in the build context
	Optional []string // copied too when present: lock files, tool configuration
	// Outputs are what the install writes into the project folder. When
	// the build context holds them too, the full COPY would overwrite the
	// installed dependencies: no hoisting then.
	Outputs []string
	// DepsOnly and Source document the tool (the README's table): the
	// dependency-only install, what needs the source.
	DepsOnly string
	Source   string
	// ByModule: `python -m <Module> …` installs are recognised too.
	ByModule bool
	// Delegate maps a subcommand that runs another tool's command line to
	// that tool (`uv pip install …` is pip's).
	Delegate map[string]string

	// Match recognises an install in a command line (args[0] is the
	// program, without its version suffix, in name); nil when it is not one.
	Match func(name string, args []*syntax.Word) *Install
	// NeedsSource reports what in the context makes the install need the
	// whole source ("" when nothing does). dir is the project folder.
	NeedsSource func(c Context, in *Install, dir string) string
	// Extra adds manifests the install reads beyond Required/Optional.
	Extra func(c Context, in *Install, dir string) ([]string, string)
	// Stub: the dependency-only form needs a placeholder target (cargo).
	Stub bool
	// Fetch says what hoist-deps does when a download-only command of the
	// tool (Install.Fetch) ran before the COPY under a cache mount that the
	// install after the COPY mounts too (nil: nothing, as for any install
	// before the COPY).
	Fetch *Fetch
}

// Fetch is a tool's row for its download-only commands (`pnpm fetch`,
// `cargo fetch`, `go mod download`, `gradle dependencies`). Under a cache
// mount such a command writes only into the mount: its layer is empty, and
// the dependencies are cached only as long as the mount is kept.
type Fetch struct {
	// Instead: the install after the COPY, as written, is hoisted in its
	// place (with all its manifests) and runs again after the COPY, when
	// NeedsSource finds nothing in the context that it needs.
	Instead     bool
	NeedsSource func(c Context, dir string) string
	// Why nothing is hoisted instead, when !Instead.
	Why string
}

// Install is one recognised dependency install.
type Install struct {
	Args []*syntax.Word // the command line, Args[0] is the tool (nil: the matched line)
	// Dir is the project folder relative to the working directory, from a
	// flag such as --prefix, --cwd, --directory or -C ("" = the working
	// directory).
	Dir string
	// Named are the manifests the command names itself (pip -r/-c, a
	// dotnet project), relative to the project folder or absolute.
	Named []string
	// Source explains why the install needs the whole source, from the
	// command line alone ("" when it does not).
	Source string
	// Ignore: recognised, but nothing to hoist (vendored, a remote
	// install, …).
	Ignore bool
	// Same: the dependency-only form is the command itself.
	Same bool
	// Dep builds the dependency-only command from the original statement.
	Dep func(t Text) string
	// Writes is the row of the tool's Writes that says what the install
	// writes and whether it can move above the COPY instead of running
	// again after it (nil = it always runs again).
	Writes *Write
	// Lock are the files a moving install needs among the hoisted ones.
	Lock []string
	// IgnoreScripts: the install runs no lifecycle scripts.
	IgnoreScripts bool
	// Fetch: the command only downloads into the tool's cache (Hoist.Fetch).
	Fetch bool
}

// Text gives the source text of the install statement, to splice the
// dependency-only form from it.
type Text interface {
	Stmt() string                         // the statement as written
	Word(i int) string                    // args[i] as written
	UpTo(i int) string                    // the statement up to the end of args[i]
	Splice(edits ...emit.Edit) string     // the statement with edits applied
	After(i int, text string) emit.Edit   // an insertion right after args[i]
	Replace(i int, text string) emit.Edit // args[i] replaced
}

// Same is the dependency-only form of an install that is its own.
func Same(t Text) string { return t.Stmt() }

// Context is the build context as hoist-deps reads it, limited to the
// folder the full COPY copies.
type Context interface {
	Present() bool // there is a build context on disk
	Read(rel string) string
	Exists(rel string) bool
	IsDir(rel string) bool
	List(dir string) []string    // the names in a folder
	ListAll(dir string) []string // the names in a folder, ignored ones too
	Under(rel string) bool       // inside the copied folder
	Need(rel string) string      // why rel cannot be copied ("" when it can)
}

// Reasons shared by the tools and hoist-deps.
const (
	NoContext = "no build context on disk to check the manifests"
	// Ignored: recognised, nothing to say (dependencies vendored …).
	Ignored = "\x00"
)

// NeedsSource completes a reason why an install needs the whole source.
func NeedsSource(why string) string {
	return why + ", so the install needs the whole source and stays after the COPY"
}

// LocalPath reports whether a requirement or package argument names a
// path on disk rather than a package.
func LocalPath(s string) bool {
	if strings.Contains(s, "://") {
		return strings.HasPrefix(s, "file:")
	}
	return s == "." || s == ".." || strings.HasPrefix(s, "./") || strings.HasPrefix(s, "../") ||
		strings.HasPrefix(s, "/") || strings.HasPrefix(s, "~") || strings.HasPrefix(s, "file:") ||
		strings.Contains(s, "/") || strings.HasSuffix(s, ".whl") || strings.HasSuffix(s, ".tar.gz") || strings.HasSuffix(s, ".zip")
}

// Carried keeps the options of the original that a dependency-only
// command needs too.
func Carried(t Text, cl Line, keep func(name string) bool) string {
	var b strings.Builder
	for _, o := range cl.Opts {
		if keep(o.Name) {
			b.WriteString(" " + t.Word(o.I))
			if o.VI != o.I {
				b.WriteString(" " + t.Word(o.VI))
			}
		}
	}
	return b.String()
}

// ProjectDir sets the install's project folder from the first of the
// options; false (with in.Source set) when it is not literal.
func ProjectDir(in *Install, cl Line, names ...string) bool {
	if o, ok := cl.Get(names...); ok {
		if !o.Lit {
			in.Source = "the project folder is not named literally"
			return false
		}
		in.Dir = o.Value
	}
	return true
}

// CleanPath makes a context path slash-separated, relative and clean
// ("" for the root).
func CleanPath(p string) string {
	p = path.Clean("/" + filepath.ToSlash(p))
	return strings.TrimPrefix(p, "/")
}

// DisplayDir names a context folder in a message.
func DisplayDir(d string) string {
	if d == "" || d == "." {
		return "the context root"
	}
	return d + "/"
}
