// Package dockerignore is the rule dockerignore: a .dockerignore for a
// context copied whole.
package dockerignore

import (
	"bytes"
	"path/filepath"
	"strings"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/transform"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// Rule proposes an ignore file when a Dockerfile sends the whole
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
var Rule = &transform.Transform{
	Name: "dockerignore",
	Doc:  "when the whole context is copied, create or extend .dockerignore with .git, node_modules, build output, the Dockerfile",
	Run:  runDockerignore,
}

// diMarker starts the block the rule appends.
const diMarker = "# Added by dfopt (rule dockerignore): not needed by the build of "

// diEntry is one pattern the rule proposes.
type diEntry struct {
	pattern string
	sample  string // a path the pattern excludes, to test the existing file
}

func runDockerignore(p *transform.Pass) []transform.Finding {
	ctx := p.Context
	if ctx == nil {
		return nil
	}
	d := p.Doc
	whole := diWholeContext(d)
	if whole == nil {
		return nil
	}
	runs := diRunTexts(d)
	entries := diWanted(d, ctx, runs)
	if len(entries) == 0 {
		// Every other entry leaves out a Dockerfile or the ignore file
		// (diSelf), and those alone are never proposed (useful below): the
		// ignore file in force and the context's other files, read from
		// here on, could not make a finding.
		return nil
	}
	t := diTargetFor(ctx, diDockerfile(ctx.Disk(), d))
	if t == nil {
		return nil
	}
	entries, self := diSelf(d, ctx, t, runs, entries)
	missing, kept := diMissing(d, ctx, t, entries, self)
	// Only the Dockerfiles and the ignore file itself: nothing the build
	// would gain from.
	useful := false
	for _, e := range missing {
		useful = useful || !self[e]
	}
	if !useful {
		return nil
	}
	msg, unsafe := diMessage(d, ctx, t, missing, kept)
	f := p.Finding("dockerignore", whole, msg)
	f.Files = []transform.FileChange{{Path: t.target, Old: t.old, New: diContent(t, missing)}}
	f.Unsafe = unsafe
	return []transform.Finding{f}
}

// diDockerfile is the Dockerfile's absolute path ("" when it is not a
// file on disk: standard input).
func diDockerfile(disk *transform.Disk, d *ast.Document) string {
	if d.Path != "" && d.Path != "-" {
		if abs, err := disk.Abs(d.Path); err == nil {
			// A regular file, not a link, in the listing of its folder
			// (the run's search listed it) is what Stat would say too.
			if t, err := disk.LstatType(abs); err == nil && t.IsRegular() {
				return abs
			}
			if st, err := disk.Stat(abs); err == nil && st.Mode().IsRegular() {
				return abs
			}
		}
	}
	return ""
}

// diTarget is the ignore file the rule writes and what it starts from.
type diTarget struct {
	dockerfile string   // the Dockerfile's absolute path ("" for stdin)
	siblings   []string // other Dockerfiles sharing the context
	target     string   // the file to write
	shared     bool     // a new per-Dockerfile file, as others share the context
	base       []byte   // the content the new file starts from
	old        []byte   // the target's current content (nil: new file)
	pats       []string // base's patterns
	existing   *patternmatcher.PatternMatcher
}

// diTargetFor chooses the file to write (see Rule); nil when the
// ignore file in force cannot be read as BuildKit reads it.
func diTargetFor(ctx *transform.BuildContext, dockerfile string) *diTarget {
	rootFile := filepath.Join(ctx.Dir, ".dockerignore")
	t := &diTarget{dockerfile: dockerfile, target: rootFile}
	if dockerfile != "" {
		t.siblings = diOtherDockerfiles(ctx.Disk(), dockerfile, ctx.Dir)
		perFile := dockerfile + ".dockerignore"
		if data, err := ctx.ReadAbs(perFile); err == nil {
			t.target, t.base, t.old = perFile, data, data
		} else if len(t.siblings) > 0 {
			t.target, t.shared = perFile, true
			if data, err := ctx.ReadAbs(rootFile); err == nil {
				t.base = data
			}
		}
	}
	if t.target == rootFile {
		if data, err := ctx.ReadAbs(rootFile); err == nil {
			t.base, t.old = data, data
		}
	}
	pats, err := ignorefile.ReadAll(bytes.NewReader(t.base))
	if err != nil {
		return nil // BuildKit would reject it too: leave it to the user
	}
	existing, err := patternmatcher.New(pats)
	if err != nil {
		return nil
	}
	t.pats, t.existing = pats, existing
	return t
}

// diWanted are the entries to propose that leave out something the build
// would gain from (runs: diRunTexts). They depend on the Dockerfile and
// the context alone, not on the ignore file in force.
func diWanted(d *ast.Document, ctx *transform.BuildContext, runs []string) []diEntry {
	var entries []diEntry
	add := func(pattern, sample string) { entries = append(entries, diEntry{pattern, sample}) }
	// The context root's listing, kept by the Disk (diTargetFor reads it
	// too), answers the look-ups below for the names it lacks without a
	// system call, and starts diFindName's walk.
	_, _ = ctx.Disk().ReadDir(ctx.Dir)
	for _, vcs := range []string{".git", ".hg", ".svn"} {
		if diExists(ctx, vcs) && !(vcs == ".git" && diNeedsGit(ctx, runs)) {
			add(vcs, vcs)
		}
	}
	for _, ed := range []string{".idea", ".vscode"} {
		if diExists(ctx, ed) {
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
	return entries
}

// diSelf appends to entries those that only leave out the Dockerfiles and
// the ignore file t; self marks them.
func diSelf(d *ast.Document, ctx *transform.BuildContext, t *diTarget, runs []string, entries []diEntry) ([]diEntry, map[string]bool) {
	add := func(pattern, sample string) { entries = append(entries, diEntry{pattern, sample}) }
	// The Dockerfiles and the ignore file only when no instruction copies
	// them into the image (leaving them out of a `COPY . .` would change
	// what the image contains).
	// Those entries alone are not worth a new file: see runDockerignore.
	self := map[string]bool{}
	if t.dockerfile != "" {
		for _, f := range append([]string{t.dockerfile}, t.siblings...) {
			if rel, ok := diInside(ctx.Dir, f); ok && !diMentioned(runs, filepath.Base(f)) && !diCopied(d, rel) {
				add(diLiteral(rel), rel)
				self[diLiteral(rel)] = true
			}
		}
	}
	// A new ignore file leaves itself out, so that the image stays as it
	// was; an existing one only when nothing copies it.
	targetRel, targetInside := diInside(ctx.Dir, t.target)
	if targetInside && !diMentioned(runs, filepath.Base(t.target)) && (t.old == nil || !diCopied(d, targetRel)) {
		add(diLiteral(targetRel), targetRel)
		self[diLiteral(targetRel)] = true
	}
	return entries, self
}

// diMissing keeps the entries the file lacks and that exclude nothing the
// Dockerfile names (kept: those left out, and why); self marks the
// entries of diSelf.
func diMissing(d *ast.Document, ctx *transform.BuildContext, t *diTarget, entries []diEntry, self map[string]bool) (missing, kept []string) {
	copied := diCleaned(diCopiedSources(d, ctx))
	var negations []string
	have := map[string]bool{}
	for _, pt := range t.pats {
		neg := strings.HasPrefix(pt, "!")
		pt = strings.TrimPrefix(pt, "!")
		have[pt] = true
		if neg {
			negations = append(negations, pt)
		}
	}
	seen := map[string]bool{}
	for _, e := range entries {
		if seen[e.pattern] || have[e.pattern] {
			continue
		}
		seen[e.pattern] = true
		if ok, _ := t.existing.MatchesOrParentMatches(e.sample); ok {
			continue
		}
		m, err := diMatcher(e.pattern, !self[e.pattern])
		if err != nil {
			continue
		}
		if c := diExcludedNamed(m, e.pattern, !self[e.pattern], copied); c != "" {
			kept = append(kept, e.pattern+" (the Dockerfile copies "+c+")")
			continue
		}
		if c := diExcludedBy(m, negations); c != "" {
			kept = append(kept, e.pattern+" (the ignore file keeps "+c+")")
			continue
		}
		missing = append(missing, e.pattern)
	}
	return missing, kept
}

// diContent is the new ignore file: the base, then the marked block.
func diContent(t *diTarget, missing []string) []byte {
	eol := "\n"
	if bytes.Contains(t.base, []byte("\r\n")) {
		eol = "\r\n"
	}
	dfName := "this Dockerfile"
	if t.dockerfile != "" {
		dfName = filepath.Base(t.dockerfile)
	}
	var out bytes.Buffer
	if t.shared && len(t.base) > 0 {
		out.WriteString("# Copied by dfopt from .dockerignore: BuildKit reads this file instead of it for " + dfName + "." + eol)
	}
	out.Write(t.base)
	if len(t.base) > 0 {
		if !bytes.HasSuffix(t.base, []byte("\n")) {
			out.WriteString(eol)
		}
		out.WriteString(eol)
	}
	out.WriteString(diMarker + dfName + eol)
	for _, e := range missing {
		out.WriteString(e + eol)
	}
	return out.Bytes()
}

// diMessage words the finding; unsafe: an existing ignore file that a
// COPY puts in the image (changing it changes the image).
func diMessage(d *ast.Document, ctx *transform.BuildContext, t *diTarget, missing, kept []string) (string, bool) {
	name := filepath.Base(t.target)
	targetRel, targetInside := diInside(ctx.Dir, t.target)
	if targetInside {
		name = targetRel
	}
	var msg string
	switch {
	case t.old != nil:
		msg = "copies the whole build context: extend " + name + " with " + strings.Join(missing, ", ")
	case t.shared:
		msg = "copies the whole build context, which other Dockerfiles share: create " + name + " (read by BuildKit for this Dockerfile only) leaving out " + strings.Join(missing, ", ")
	default:
		msg = "copies the whole build context: create " + name + " leaving out " + strings.Join(missing, ", ")
	}
	if len(kept) > 0 {
		msg += "; not " + strings.Join(kept, ", ")
	}
	inImage := t.old != nil && targetInside && diCopied(d, targetRel)
	if inImage {
		if ok, _ := t.existing.MatchesOrParentMatches(targetRel); ok {
			inImage = false
		}
	}
	if inImage {
		msg += " (unsafe: " + name + " is itself copied into the image)"
	}
	return msg, inImage
}
