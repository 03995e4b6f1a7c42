package transform

import (
	"bytes"
	"github.com/dfopt/dfopt/pkg/knowledge/tools"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// Dockerignore proposes an ignore file when a Dockerfile sends the whole
// build context into a step (`COPY . …`, `ADD . …`, a bind mount of the
// context) and the ignore file in force lacks entries that only make the
// context bigger and its cache keys change for nothing.
//
// Which file it writes, first that applies:
//
//  1. `<Dockerfile>.dockerignore` beside the Dockerfile, when it exists
//     (BuildKit reads it instead of `.dockerignore`): extended.
//  2. `<Dockerfile>.dockerignore`, created, when other Dockerfiles sit in
//     the context's root folder or in the Dockerfile's folder: they share
//     the context and may need what this build does not. The new file
//     starts with a copy of `.dockerignore` (if any), since BuildKit then
//     stops reading that one for this Dockerfile.
//  3. `.dockerignore` at the context root: extended, or created.
//
// Entries, each only when nothing the Dockerfile names is under it:
// version-control folders and editor folders present at the context root,
// `.DS_Store` files present in the context, `node_modules` when the build
// installs Node packages, Python byte code and virtual environments when it
// installs Python packages, `target` when it builds with cargo or Maven,
// and the Dockerfile(s) and the ignore file themselves (BuildKit reads
// those apart from the context).
var Dockerignore = Register(&Transform{
	Name:  "dockerignore",
	Doc:   "when the whole context is copied, create or extend .dockerignore with .git, node_modules, build output, the Dockerfile",
	Order: 50, // before hoist-deps: the manifests it copies are checked here too
	Run:   runDockerignore,
})

// diMarker starts the block the rule appends.
const diMarker = "# Added by dfopt (rule dockerignore): not needed by the build of "

// diEntry is one pattern the rule proposes.
type diEntry struct {
	pattern string
	sample  string // a path the pattern excludes, to test the existing file
}

func runDockerignore(p *Pass) []Finding {
	ctx := p.Context
	if ctx == nil {
		return nil
	}
	d := p.Doc
	whole := diWholeContext(d)
	if whole == nil {
		return nil
	}
	dockerfile := ""
	if d.Path != "" && d.Path != "-" {
		if abs, err := filepath.Abs(d.Path); err == nil {
			if st, err := os.Stat(abs); err == nil && st.Mode().IsRegular() {
				dockerfile = abs
			}
		}
	}

	// Which file to write.
	rootFile := filepath.Join(ctx.Dir, ".dockerignore")
	target, shared := rootFile, false
	var base []byte // the content the new file starts from
	var old []byte  // the target's current content (nil: new file)
	var siblings []string
	if dockerfile != "" {
		siblings = diOtherDockerfiles(dockerfile, ctx.Dir)
		perFile := dockerfile + ".dockerignore"
		if data, err := ctx.ReadAbs(perFile); err == nil {
			target, base, old = perFile, data, data
		} else if len(siblings) > 0 {
			target, shared = perFile, true
			if data, err := ctx.ReadAbs(rootFile); err == nil {
				base = data
			}
		}
	}
	if target == rootFile {
		if data, err := ctx.ReadAbs(rootFile); err == nil {
			base, old = data, data
		}
	}
	pats, err := ignorefile.ReadAll(bytes.NewReader(base))
	if err != nil {
		return nil // BuildKit would reject it too: leave it to the user
	}
	existing, err := patternmatcher.New(pats)
	if err != nil {
		return nil
	}

	// What to propose.
	var entries []diEntry
	add := func(pattern, sample string) { entries = append(entries, diEntry{pattern, sample}) }
	runs := diRunTexts(d)
	for _, vcs := range []string{".git", ".hg", ".svn"} {
		if diExists(ctx.Dir, vcs) && !(vcs == ".git" && diNeedsGit(ctx, runs)) {
			add(vcs, vcs)
		}
	}
	for _, ed := range []string{".idea", ".vscode"} {
		if diExists(ctx.Dir, ed) {
			add(ed, ed)
		}
	}
	if diFindName(ctx, ".DS_Store") {
		add("**/.DS_Store", ".DS_Store")
	}
	eco := diEcosystems(d)
	if eco["node"] {
		add("**/node_modules", "node_modules")
	}
	if eco["python"] {
		add("**/__pycache__", "__pycache__")
		add("**/*.pyc", "x.pyc")
		add(".venv", ".venv")
		add(".pytest_cache", ".pytest_cache")
	}
	if eco["cargo"] {
		add("target", "target")
	}
	if eco["maven"] {
		add("**/target", "target")
	}
	// The Dockerfiles and the ignore file only when no instruction copies
	// them into the image (leaving them out of a `COPY . .` would change
	// what the image contains).
	// Those entries alone are not worth a new file: see below.
	self := map[string]bool{}
	if dockerfile != "" {
		for _, f := range append([]string{dockerfile}, siblings...) {
			if rel, ok := diInside(ctx.Dir, f); ok && !diMentioned(runs, filepath.Base(f)) && !diCopied(d, rel) {
				add(diLiteral(rel), rel)
				self[diLiteral(rel)] = true
			}
		}
	}
	// A new ignore file leaves itself out, so that the image stays as it
	// was; an existing one only when nothing copies it.
	targetRel, targetInside := diInside(ctx.Dir, target)
	if targetInside && !diMentioned(runs, filepath.Base(target)) && (old == nil || !diCopied(d, targetRel)) {
		add(diLiteral(targetRel), targetRel)
		self[diLiteral(targetRel)] = true
	}

	// Keep the entries the file lacks and that exclude nothing the
	// Dockerfile names.
	copied := diNamedSources(d, ctx)
	var negations []string
	have := map[string]bool{}
	for _, pt := range pats {
		neg := strings.HasPrefix(pt, "!")
		pt = strings.TrimPrefix(pt, "!")
		have[pt] = true
		if neg {
			negations = append(negations, pt)
		}
	}
	var missing, kept []string
	seen := map[string]bool{}
	for _, e := range entries {
		if seen[e.pattern] || have[e.pattern] {
			continue
		}
		seen[e.pattern] = true
		if ok, _ := existing.MatchesOrParentMatches(e.sample); ok {
			continue
		}
		m, err := patternmatcher.New([]string{e.pattern})
		if err != nil {
			continue
		}
		if c := diExcludedBy(m, copied); c != "" {
			kept = append(kept, e.pattern+" (the Dockerfile copies "+c+")")
			continue
		}
		if c := diExcludedBy(m, negations); c != "" {
			kept = append(kept, e.pattern+" (the ignore file keeps "+c+")")
			continue
		}
		missing = append(missing, e.pattern)
	}
	// Only the Dockerfiles and the ignore file itself: nothing the build
	// would gain from.
	useful := false
	for _, e := range missing {
		useful = useful || !self[e]
	}
	if !useful {
		return nil
	}

	// The new content.
	eol := "\n"
	if bytes.Contains(base, []byte("\r\n")) {
		eol = "\r\n"
	}
	dfName := "this Dockerfile"
	if dockerfile != "" {
		dfName = filepath.Base(dockerfile)
	}
	var out bytes.Buffer
	if shared && len(base) > 0 {
		out.WriteString("# Copied by dfopt from .dockerignore: BuildKit reads this file instead of it for " + dfName + "." + eol)
	}
	out.Write(base)
	if len(base) > 0 {
		if !bytes.HasSuffix(base, []byte("\n")) {
			out.WriteString(eol)
		}
		out.WriteString(eol)
	}
	out.WriteString(diMarker + dfName + eol)
	for _, e := range missing {
		out.WriteString(e + eol)
	}

	name := filepath.Base(target)
	if rel, ok := diInside(ctx.Dir, target); ok {
		name = rel
	}
	var msg string
	switch {
	case old != nil:
		msg = "copies the whole build context: extend " + name + " with " + strings.Join(missing, ", ")
	case shared:
		msg = "copies the whole build context, which other Dockerfiles share: create " + name + " (read by BuildKit for this Dockerfile only) leaving out " + strings.Join(missing, ", ")
	default:
		msg = "copies the whole build context: create " + name + " leaving out " + strings.Join(missing, ", ")
	}
	if len(kept) > 0 {
		msg += "; not " + strings.Join(kept, ", ")
	}
	// An existing ignore file that a COPY puts in the image: changing it
	// changes the image.
	inImage := old != nil && targetInside && diCopied(d, targetRel)
	if inImage {
		if ok, _ := existing.MatchesOrParentMatches(targetRel); ok {
			inImage = false
		}
	}
	if inImage {
		msg += " (unsafe: " + name + " is itself copied into the image)"
	}
	f := p.Finding("dockerignore", whole, msg)
	f.Files = []FileChange{{Path: target, Old: old, New: out.Bytes()}}
	f.Unsafe = inImage
	return []Finding{f}
}

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
				if m.from == "" && m.typ == "bind" && Clean(m.source) == "" {
					return ins
				}
			}
		}
	}
	return nil
}

func diAnyRoot(srcs []string) bool {
	for _, s := range srcs {
		if !strings.Contains(s, "$") && Clean(s) == "" {
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

// diNamedSources are the context paths the Dockerfile names in COPY, ADD and
// bind mounts (the whole context aside), wildcards resolved on disk, plus
// the dependency manifests of every ecosystem (what hoist-deps copies).
func diNamedSources(d *ast.Document, ctx *BuildContext) []string {
	var out []string
	addSrc := func(s string) {
		c := Clean(s)
		if c == "" || strings.Contains(s, "$") {
			return
		}
		if strings.ContainsAny(c, "*?[") {
			matches, _ := filepath.Glob(filepath.Join(ctx.Dir, filepath.FromSlash(c)))
			for _, m := range matches {
				if rel, ok := diInside(ctx.Dir, m); ok {
					out = append(out, rel)
				}
			}
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
	// and whatever hoist-deps may copy: the tools' manifests.
	return append(out, tools.Manifests()...)
}

// diExcludedBy returns the first of paths that m excludes (itself or a
// folder above it), or "".
func diExcludedBy(m *patternmatcher.PatternMatcher, paths []string) string {
	for _, p := range paths {
		if ok, _ := m.MatchesOrParentMatches(Clean(p)); ok {
			return p
		}
	}
	return ""
}

func diExists(dir, name string) bool {
	_, err := os.Lstat(filepath.Join(dir, name))
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
func diOtherDockerfiles(dockerfile, ctxDir string) []string {
	seen := map[string]bool{dockerfile: true}
	var out []string
	for _, dir := range []string{ctxDir, filepath.Dir(dockerfile)} {
		entries, err := os.ReadDir(dir)
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
// that skips excluded folders and the usual bulky ones).
func diFindName(ctx *BuildContext, name string) bool {
	found, budget := false, 20000
	_ = filepath.WalkDir(ctx.Dir, func(p string, e fs.DirEntry, err error) error {
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
		if e.IsDir() && p != ctx.Dir {
			switch e.Name() {
			case ".git", "node_modules", ".venv", "target", "vendor":
				return filepath.SkipDir
			}
			if rel, ok := diInside(ctx.Dir, p); ok && ctx.Excluded(rel) {
				return filepath.SkipDir
			}
		}
		return nil
	})
	return found
}

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
func diNeedsGit(ctx *BuildContext, runs []string) bool {
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
			for _, c := range sc.Commands {
				var words []string
				for _, w := range c.Args {
					words = append(words, w.Value)
				}
				cmds = append(cmds, words)
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
	for _, t := range tools.All() {
		di := t.Dockerignore
		if di == nil || !(strIn(t.Progs, name) || t.Module != "" && t.Module == name) {
			continue
		}
		if diUses(t, di, words) {
			out[di.Entry] = true
		}
	}
}

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
			if strIn(di.Goals, w) {
				return true
			}
		}
		return false
	}
	sub := ""
	if pos := t.Command.ParseValues(words, 1).Pos; len(pos) > 0 {
		sub = words[pos[0]]
	}
	return strIn(di.Subs, sub)
}

// diCopied reports whether a COPY or ADD from the context brings the
// context path rel into the image (its source is rel or a folder above it).
func diCopied(d *ast.Document, rel string) bool {
	for _, ins := range d.Instructions {
		if (ins.Cmd != "copy" && ins.Cmd != "add") || ins.Flag("from") != nil || len(ins.Args) < 2 {
			continue
		}
		for _, src := range ins.Args[:len(ins.Args)-1] {
			c := Clean(src)
			if c == "" || c == rel || strings.HasPrefix(rel, c+"/") {
				return true
			}
		}
	}
	return false
}
