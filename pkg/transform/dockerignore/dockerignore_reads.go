package dockerignore

import (
	"io/fs"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/knowledge/tools"
	"github.com/dfopt/dfopt/pkg/transform"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/patternmatcher"
)

// What a Dockerfile reads from its build context, for the dockerignore
// rule: the instruction that sends the whole context, the sources it
// names, the files its RUNs mention, the ecosystems it builds with, and
// what lies in the context (version control, other Dockerfiles).

// diWholeContext is the first instruction that reads the whole context.
func diWholeContext(d *ast.Document) *ast.Instruction {
	for _, ins := range d.Instructions {
		switch c := ins.Command.(type) {
		case *instructions.CopyCommand:
			if c.From == "" && diAnyRoot(c.SourcePaths) {
				return ins
			}
		case *instructions.AddCommand:
			if diAnyRoot(c.SourcePaths) {
				return ins
			}
		case *instructions.RunCommand:
			for _, m := range diMounts(ins) {
				if m.from == "" && m.typ == "bind" && transform.Clean(m.source) == "" {
					return ins
				}
			}
		}
	}
	return nil
}

func diAnyRoot(srcs []string) bool {
	for _, s := range srcs {
		if !strings.Contains(s, "$") && transform.Clean(s) == "" {
			return true
		}
	}
	return false
}

type diMount struct{ typ, from, source string }

// diMounts reads the --mount flags of a RUN (BuildKit's typed command only
// knows their `from` before expansion).
func diMounts(ins *ast.Instruction) []diMount {
	var out []diMount
	for _, f := range ins.Flags {
		if f.Name != "mount" {
			continue
		}
		m := diMount{typ: "bind"}
		for _, field := range strings.Split(f.Value, ",") {
			k, v, _ := strings.Cut(field, "=")
			switch strings.ToLower(strings.TrimSpace(k)) {
			case "type":
				m.typ = strings.ToLower(strings.Trim(v, `"'`))
			case "from":
				m.from = strings.Trim(v, `"'`)
			case "source", "src":
				m.source = strings.Trim(v, `"'`)
			}
		}
		out = append(out, m)
	}
	return out
}

// diNamedSources are the context paths the Dockerfile names
// (diCopiedSources), plus the dependency manifests of every ecosystem
// (what hoist-deps copies).
func diNamedSources(d *ast.Document, ctx *transform.BuildContext) []string {
	return append(diCopiedSources(d, ctx), diManifests()...)
}

// diCopiedSources are the context paths the Dockerfile names in COPY, ADD
// and bind mounts (the whole context aside), wildcards resolved on disk.
func diCopiedSources(d *ast.Document, ctx *transform.BuildContext) []string {
	var out []string
	addSrc := func(s string) {
		c := transform.Clean(s)
		if c == "" || strings.Contains(s, "$") {
			return
		}
		if strings.ContainsAny(c, "*?[") {
			// fs.Glob matches as filepath.Glob does on a slash path, in
			// the same order, listing through the listings the run holds.
			matches, _ := fs.Glob(ctx.Disk().DirFS(ctx.Dir), c)
			out = append(out, matches...)
			// The pattern's literal folders are named too.
			lit := strings.Split(c, "/")
			for i := range lit {
				if strings.ContainsAny(lit[i], "*?[") {
					if i > 0 {
						out = append(out, strings.Join(lit[:i], "/"))
					}
					break
				}
			}
			return
		}
		out = append(out, c)
	}
	for _, ins := range d.Instructions {
		switch c := ins.Command.(type) {
		case *instructions.CopyCommand:
			if c.From == "" {
				for _, s := range c.SourcePaths {
					addSrc(s)
				}
			}
		case *instructions.AddCommand:
			for _, s := range c.SourcePaths {
				if !strings.Contains(s, "://") && !strings.HasPrefix(s, "git@") {
					addSrc(s)
				}
			}
		case *instructions.RunCommand:
			for _, m := range diMounts(ins) {
				if m.from == "" && m.typ == "bind" {
					addSrc(m.source)
				}
			}
		}
	}
	return out
}

// diManifests is tools.Manifests, built once: the tools' registry is
// complete when the first rule runs (tools register in init).
var diManifests = sync.OnceValue(tools.Manifests)

// diExcludedBy returns the first of paths that m excludes (itself or a
// folder above it), or "".
func diExcludedBy(m *patternmatcher.PatternMatcher, paths []string) string {
	return diCleaned(paths).excludedBy(m)
}

// diPaths are paths and their clean forms, which the patterns match:
// cleaned once for all the entries a rule tests against them.
type diPaths struct{ raw, clean []string }

func diCleaned(paths []string) diPaths {
	ps := diPaths{raw: paths, clean: make([]string, len(paths))}
	for i, p := range paths {
		ps.clean[i] = transform.Clean(p)
	}
	return ps
}

func (ps diPaths) excludedBy(m *patternmatcher.PatternMatcher) string {
	for i, c := range ps.clean {
		if ok, _ := m.MatchesOrParentMatches(c); ok {
			return ps.raw[i]
		}
	}
	return ""
}

// diExcludedNamed is diExcludedBy(m, diNamedSources) for the entry pattern
// (m is its matcher), the copied sources cleaned. The manifests' part
// depends on the pattern alone: for the patterns of diWanted (fixed, a
// short list; fixed is set for them) it is found once per process.
func diExcludedNamed(m *patternmatcher.PatternMatcher, pattern string, fixed bool, copied diPaths) string {
	if c := copied.excludedBy(m); c != "" {
		return c
	}
	if !fixed {
		return diManifestPaths().excludedBy(m)
	}
	if c, ok := diManifestHits.Load(pattern); ok {
		return c.(string)
	}
	c := diManifestPaths().excludedBy(m)
	diManifestHits.Store(pattern, c)
	return c
}

// diMatcher is the matcher of one entry pattern. Those of diWanted
// (fixed: a short list written in diWanted) are made once per process and
// compiled before they are shared (a pattern compiles on its first match,
// which writes it; once compiled, matching only reads it); the others are
// made for the call.
func diMatcher(pattern string, fixed bool) (*patternmatcher.PatternMatcher, error) {
	if !fixed {
		return patternmatcher.New([]string{pattern})
	}
	if m, ok := diFixedMatchers.Load(pattern); ok {
		return m.(*patternmatcher.PatternMatcher), nil
	}
	m, err := patternmatcher.New([]string{pattern})
	if err != nil {
		return nil, err
	}
	if _, err := m.MatchesOrParentMatches("x"); err == nil {
		diFixedMatchers.Store(pattern, m)
	}
	return m, nil
}

var diFixedMatchers sync.Map // pattern → compiled *patternmatcher.PatternMatcher

// diManifestPaths are diManifests, cleaned; diManifestHits holds, by
// pattern of diWanted, the first of them the pattern excludes.
var (
	diManifestPaths = sync.OnceValue(func() diPaths { return diCleaned(diManifests()) })
	diManifestHits  sync.Map
)

// diExists reports whether the context root holds name (ignored or not).
func diExists(ctx *transform.BuildContext, name string) bool {
	_, err := ctx.Disk().Lstat(filepath.Join(ctx.Dir, name))
	return err == nil
}

// diInside returns p relative to dir as a slash path, when p is inside dir.
func diInside(dir, p string) (string, bool) {
	rel, err := filepath.Rel(dir, p)
	if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", false
	}
	return filepath.ToSlash(rel), true
}

// diLiteral escapes the pattern characters of a file name.
func diLiteral(name string) string {
	var b strings.Builder
	for _, r := range name {
		if strings.ContainsRune(`*?[]\`, r) {
			b.WriteRune('\\')
		}
		b.WriteRune(r)
	}
	s := b.String()
	if strings.HasPrefix(s, "!") || strings.HasPrefix(s, "#") {
		s = "\\" + s
	}
	return s
}

// diIsDockerfile reports whether a file name looks like a Dockerfile.
func diIsDockerfile(name string) bool {
	n := strings.ToLower(name)
	if strings.HasSuffix(n, ".dockerignore") {
		return false
	}
	return n == "dockerfile" || n == "containerfile" ||
		strings.HasPrefix(n, "dockerfile.") || strings.HasPrefix(n, "containerfile.") ||
		strings.HasSuffix(n, ".dockerfile") || strings.HasSuffix(n, ".containerfile")
}

// diOtherDockerfiles lists the Dockerfiles other than dockerfile in the
// context's root folder and in dockerfile's folder.
func diOtherDockerfiles(disk *transform.Disk, dockerfile, ctxDir string) []string {
	seen := map[string]bool{dockerfile: true}
	var out []string
	for _, dir := range []string{ctxDir, filepath.Dir(dockerfile)} {
		entries, err := disk.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, e := range entries {
			p := filepath.Join(dir, e.Name())
			if e.Type().IsRegular() && diIsDockerfile(e.Name()) && !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	sort.Strings(out)
	return out
}

// diFindName looks for a file of that name in the context (a bounded walk
// that skips excluded folders and the usual bulky ones). The answer is
// kept for the run (Disk.Derived), for every Dockerfile of the same
// context with the same ignore patterns; the walk lists the folders
// through the Disk's listings where it holds them (the run's search
// listed them), and reads the others without keeping them, as one walk of
// a large context would fill the run's cache of listings many times over.
func diFindName(ctx *transform.BuildContext, name string) bool {
	key := strings.Join(append([]string{"dockerignore.find", name, ctx.Dir, ctx.IgnoreFile}, ctx.Patterns...), "\x00")
	return ctx.Disk().Derived(key, func() any { return diWalk(ctx, name, diWalkBudget) }).(bool)
}

// diWalkBudget is how many entries diFindName looks at, at most.
const diWalkBudget = 20000

func diWalk(ctx *transform.BuildContext, name string, budget int) bool {
	found := false
	visit := func(rel string, e fs.DirEntry, err error) error {
		if err != nil || found {
			return filepath.SkipDir
		}
		budget--
		if budget < 0 {
			return filepath.SkipAll
		}
		if e.Name() == name && !e.IsDir() {
			found = true
			return filepath.SkipAll
		}
		if e.IsDir() && rel != "" {
			switch e.Name() {
			case ".git", "node_modules", ".venv", "target", "vendor":
				return filepath.SkipDir
			}
			if ctx.Excluded(rel) {
				return filepath.SkipDir
			}
		}
		return nil
	}
	if t, err := ctx.Disk().LstatType(ctx.Dir); err == nil && t.IsDir() {
		// A folder (not a link to one): walked as filepath.WalkDir
		// would, in the same order, from its listing (visit looks at
		// nothing of the root but that it is a folder, so it needs no
		// stat of it: diWalkFrom).
		_ = diWalkFrom(ctx.Disk(), ctx.Dir, "", visit)
		return found
	}
	_ = filepath.WalkDir(ctx.Dir, func(p string, e fs.DirEntry, err error) error {
		rel, _ := diInside(ctx.Dir, p)
		return visit(rel, e, err)
	})
	return found
}

// diWalkFrom is fs.WalkDir's walk of the folder abs (rel in the walk),
// written here because fs.WalkDir stats its root first: the caller knows
// the root is a folder from its parent's listing (Disk.LstatType), and
// the stat cost one system call per walked context (3,469 of 3,647 stat
// calls on the 10,000-file bulk tree). TestWalkFromIsWalkDir holds it to
// fs.WalkDir. After the root's own visit: visit is called for the root with a
// folder's entry (diRootEntry), then for each entry of its listing in
// name order, descending into folders, with the same SkipDir and SkipAll
// handling; listings come from Disk.ReadDirHeld.
func diWalkFrom(disk *transform.Disk, abs, rel string, visit func(string, fs.DirEntry, error) error) error {
	return diWalkDir(disk, abs, rel, diRootEntry{}, visit)
}

func diWalkDir(disk *transform.Disk, abs, rel string, e fs.DirEntry, visit func(string, fs.DirEntry, error) error) error {
	if err := visit(rel, e, nil); err != nil || !e.IsDir() {
		if err == filepath.SkipDir && e.IsDir() {
			err = nil
		}
		return err
	}
	entries, err := disk.ReadDirHeld(abs)
	if err != nil {
		if err = visit(rel, e, err); err != nil {
			if err == filepath.SkipDir && e.IsDir() {
				err = nil
			}
			return err
		}
	}
	for _, c := range entries {
		if err := diWalkDir(disk, filepath.Join(abs, c.Name()), path.Join(rel, c.Name()), c, visit); err != nil {
			if err == filepath.SkipDir {
				break
			}
			return err
		}
	}
	return nil
}

// diRootEntry is the walk's root for visit: a folder.
type diRootEntry struct{}

func (diRootEntry) Name() string               { return "." }
func (diRootEntry) IsDir() bool                { return true }
func (diRootEntry) Type() fs.FileMode          { return fs.ModeDir }
func (diRootEntry) Info() (fs.FileInfo, error) { return nil, fs.ErrInvalid }

// diRunTexts are the RUN instructions' texts.
func diRunTexts(d *ast.Document) []string {
	var out []string
	for _, ins := range d.Instructions {
		if ins.Cmd == "run" {
			out = append(out, ins.Logical())
			for _, h := range ins.Heredocs {
				out = append(out, h.Content)
			}
		}
	}
	return out
}

func diMentioned(runs []string, name string) bool {
	for _, r := range runs {
		if strings.Contains(r, name) {
			return true
		}
	}
	return false
}

// diNeedsGit reports whether the build may read the repository: a RUN runs
// git or names .git, or the Python project takes its version from git.
func diNeedsGit(ctx *transform.BuildContext, runs []string) bool {
	for _, r := range runs {
		for _, w := range strings.FieldsFunc(r, func(c rune) bool { return strings.ContainsRune(" \t\n;&|()`'\"", c) }) {
			if w == "git" || path.Base(w) == "git" || strings.Contains(w, ".git") && !strings.Contains(w, ".github") {
				return true
			}
		}
	}
	for _, f := range []string{"pyproject.toml", "setup.py", "setup.cfg"} {
		data, err := ctx.ReadFile(f)
		if err != nil {
			continue
		}
		s := strings.ToLower(string(data))
		for _, tool := range []string{"setuptools_scm", "setuptools-scm", "hatch-vcs", "versioneer", "dunamai", "poetry-dynamic-versioning", "pbr"} {
			if strings.Contains(s, tool) {
				return true
			}
		}
	}
	return false
}

// diEcosystems reports which package managers install or build inside
// the image: node, python, cargo, maven.
func diEcosystems(d *ast.Document) map[string]bool {
	out := map[string]bool{}
	for _, ins := range d.Instructions {
		if ins.Cmd != "run" {
			continue
		}
		var cmds [][]string
		if sc := d.Shell(ins); sc != nil {
			var words []string // one buffer: diClassify keeps nothing of it
			for _, c := range sc.Commands {
				words = words[:0]
				for _, w := range c.Args {
					words = append(words, w.Value)
				}
				diClassify(words, out)
			}
		} else if ins.JSON {
			cmds = append(cmds, ins.Args)
		} else {
			text := strings.Join(ins.Args, " ")
			for _, h := range ins.Heredocs {
				text += "\n" + h.Content
			}
			for _, part := range strings.FieldsFunc(text, func(c rune) bool { return strings.ContainsRune(";&|\n", c) }) {
				cmds = append(cmds, strings.Fields(part))
			}
		}
		for _, words := range cmds {
			diClassify(words, out)
		}
	}
	return out
}

// diClassify records the dockerignore entry sets of the tools a command
// runs (pkg/knowledge/tools: Tool.Dockerignore).
func diClassify(words []string, out map[string]bool) {
	for len(words) > 0 {
		switch path.Base(words[0]) {
		case "sudo", "env", "exec", "time", "nice":
			words = words[1:]
			continue
		}
		break
	}
	if len(words) == 0 {
		return
	}
	name := tools.Base(path.Base(words[0]))
	if m := pythonModule(name, words); m != nil {
		name, words = m[0], m
	}
	for _, t := range diToolsByName()[name] {
		if diUses(t, t.Dockerignore, words) {
			out[t.Dockerignore.Entry] = true
		}
	}
}

// diToolsByName are the tools with dockerignore entries by the names
// diClassify knows them by (a program, or a `python -m` module), in the
// registry's order; built once, as diManifests is.
var diToolsByName = sync.OnceValue(func() map[string][]*tools.Tool {
	out := map[string][]*tools.Tool{}
	for _, t := range tools.All() {
		if t.Dockerignore == nil {
			continue
		}
		names := slices.Clip(t.Progs)
		if t.Module != "" {
			names = append(names, t.Module)
		}
		for _, n := range names {
			if l := out[n]; len(l) == 0 || l[len(l)-1] != t {
				out[n] = append(l, t)
			}
		}
	}
	return out
})

// pythonModule is the command line of `python -m MODULE …` (MODULE first).
func pythonModule(name string, words []string) []string {
	if name != "python" && name != "python3" {
		return nil
	}
	for i, w := range words {
		if w == "-m" && i+1 < len(words) {
			return words[i+1:]
		}
	}
	return nil
}

// diUses reports whether a command line of the tool installs or builds.
func diUses(t *tools.Tool, di *tools.Dockerignore, words []string) bool {
	if di.Goals != nil {
		for _, w := range words[1:] {
			if slices.Contains(di.Goals, w) {
				return true
			}
		}
		return false
	}
	sub := ""
	if pos := t.Command.ParseValues(words, 1).Pos; len(pos) > 0 {
		sub = words[pos[0]]
	}
	return slices.Contains(di.Subs, sub)
}

// diCopied reports whether a COPY or ADD from the context brings the
// context path rel into the image (its source is rel or a folder above it).
func diCopied(d *ast.Document, rel string) bool {
	for _, ins := range d.Instructions {
		if (ins.Cmd != "copy" && ins.Cmd != "add") || ins.Flag("from") != nil || len(ins.Args) < 2 {
			continue
		}
		for _, src := range ins.Args[:len(ins.Args)-1] {
			c := transform.Clean(src)
			if c == "" || c == rel || strings.HasPrefix(rel, c+"/") {
				return true
			}
		}
	}
	return false
}
