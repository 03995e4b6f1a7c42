// Package hoistdeps is the rule hoist-deps: manifests copied and
// dependencies installed before the sources.
package hoistdeps

import (
	"fmt"
	"path"
	"strings"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/emit"
	"github.com/dfopt/dfopt/pkg/knowledge/tools"
	"github.com/dfopt/dfopt/pkg/transform"
	"github.com/dfopt/dfopt/pkg/transform/moves"
	"mvdan.cc/sh/v3/syntax"
)

// Rule copies the dependency manifests and installs the dependencies
// before the COPY of the whole source, so that a source change keeps the
// dependency layer cached.
var Rule = &transform.Transform{
	Name:     "hoist-deps",
	Doc:      "copy dependency manifests and install dependencies before `COPY . <dest>`, so that source changes keep the dependency layer cached",
	Run:      runHoistDeps,
	Requires: []*transform.Analysis{moves.Analysis, transform.Stages},
}

const (
	noContext = tools.NoContext
	// ignoreReason: recognised, nothing to say (dependencies vendored …).
	ignoreReason = tools.Ignored
)

type hoister struct {
	p  *transform.Pass
	d  *ast.Document
	mv *moves.Result // the movability analysis
	// sh and envs are the movability analysis's: the RUN scripts and the
	// variables at each instruction.
	sh   *transform.Scripts
	envs []ast.StageEnv
	out  []transform.Finding
	// fetchSeen: the download-only RUNs already reported (fetchonly.go).
	fetchSeen map[*ast.Instruction]bool
}

func runHoistDeps(p *transform.Pass) []transform.Finding {
	// The movability analysis is read once a COPY of a whole folder is
	// found (fullCopy): a file without one has nothing to hoist.
	h := &hoister{p: p, d: p.Doc}
	for _, st := range h.d.Stages {
		// What is hoisted is a RUN after the COPY (scan): a COPY with
		// no RUN after it in its stage has nothing to hoist, and its
		// source is not looked up in the context.
		for i := range lastRun(st) {
			h.afterCopy(st, i)
		}
	}
	return h.out
}

// lastRun is the position in st of its last RUN (0: none, or the first
// instruction, the FROM).
func lastRun(st *ast.Stage) int {
	for i := len(st.Instructions) - 1; i > 0; i-- {
		if st.Instructions[i].Cmd == "run" {
			return i
		}
	}
	return 0
}

// fullCopy describes a COPY of a whole folder of the context.
type fullCopy struct {
	ins     *ast.Instruction
	src     string // context folder ("" = the root)
	dest    string // resolved destination
	destRaw string // as written
	// hoisted are the ecosystems already installed above this COPY in
	// this pass: a later install of the same ecosystem is covered.
	hoisted map[*transform.Ecosystem]bool
}

func (h *hoister) fullCopy(c *ast.Instruction) *fullCopy {
	if (c.Cmd != "copy" && c.Cmd != "add") || len(c.Heredocs) > 0 || len(c.Args) != 2 {
		return nil
	}
	for _, f := range c.Flags {
		switch f.Name {
		case "chown", "chmod", "link":
		default:
			return nil
		}
	}
	src := c.Args[0]
	if strings.ContainsAny(src, "*?[$") || strings.Contains(src, "://") || strings.HasPrefix(src, "git@") || strings.Contains(src, "..") {
		return nil
	}
	rel := transform.Clean(src)
	if rel != "" {
		if h.p.Context != nil {
			if !(&transform.CtxView{Context: h.p.Context}).IsDir(rel) {
				return nil
			}
		} else if !strings.HasSuffix(src, "/") {
			return nil
		}
	}
	if h.mv == nil {
		h.mv = moves.Of(h.p)
		h.sh, h.envs = h.mv.Scripts, h.mv.Envs
	}
	return &fullCopy{ins: c, src: rel, dest: transform.CopyDest(h.d, &h.envs[c.Index], c), destRaw: c.Args[1]}
}

func (h *hoister) finding(r *ast.Instruction, msg string, edits ...emit.Edit) {
	h.out = append(h.out, h.p.Finding("", r, msg, edits...))
}

// afterCopy looks for a dependency install after instruction i when that
// is a COPY of a whole folder.
func (h *hoister) afterCopy(st *ast.Stage, i int) {
	fc := h.fullCopy(st.Instructions[i])
	if fc == nil {
		return
	}
	fe := h.mv.Fence(fc.ins)
	// An install that moves above the COPY (npm ci) leaves the next
	// instructions right after the COPY: look for another install there.
	for from := i + 1; from < len(st.Instructions); {
		next, moved := h.hoistOne(st, fc, &fe, from)
		if !moved {
			return
		}
		from = next
	}
}

// needsSource completes a reason why an install needs the whole source.
func needsSource(why string) string { return tools.NeedsSource(why) }

func hasAny(files, names []string) bool {
	for _, f := range files {
		for _, n := range names {
			if path.Base(f) == n {
				return true
			}
		}
	}
	return false
}

// plainPath reports whether a path needs no quoting in a Dockerfile or shell.
func plainPath(p string) bool {
	for _, r := range p {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._/@+-", r)) {
			return false
		}
	}
	return p != ""
}

func stepText(d *ast.Document, sc *ast.Script, s *syntax.Stmt) string {
	sp := transform.StmtSpan(sc, s)
	t := strings.Join(strings.Fields(string(d.Src[sp.Start:sp.End])), " ")
	if sc.ReadOnly != "" { // an exec form: its words, not its JSON
		t = transform.RawWord(sc, s)
	}
	if len(t) > 50 {
		t = t[:47] + "…"
	}
	return t
}

// installedBefore reports an install of the same ecosystem before the
// COPY, in the stage or in the stages it is built from: the dependencies
// are already cached there (and a second run of dfopt must not hoist
// again). fetch is the RUN when the only such install is one RUN of the
// stage whose installs all only download (Install.Fetch: fetchInstead
// looks at it).
func (h *hoister) installedBefore(st *ast.Stage, c *ast.Instruction, eco *transform.Ecosystem) (fetch *ast.Instruction, before bool) {
	for depth := 0; st != nil && depth < 64; depth++ {
		for _, x := range st.Instructions {
			if x == c {
				break
			}
			if x.Cmd != "run" {
				continue
			}
			sc := h.sh.Of(x)
			if sc == nil {
				continue
			}
			found, fetches := false, true
			syntax.Walk(sc.File, func(n syntax.Node) bool {
				if call, ok := n.(*syntax.CallExpr); ok && len(call.Args) > 0 {
					if in := transform.Recognise(call); in != nil && in.Eco == eco {
						found, fetches = true, fetches && in.Tool().Fetch
					}
				}
				return true
			})
			if found {
				if !fetches || depth > 0 || fetch != nil {
					return nil, true
				}
				fetch = x
			}
		}
		parent := h.d.StageByName(st.Base)
		if parent == nil || parent.Index >= st.Index {
			break
		}
		st, c = parent, nil
	}
	return fetch, fetch != nil
}

// generated finds an earlier instruction of the stage that may create a
// manifest (with no context on disk, the COPY may not bring it).
func (h *hoister) generated(st *ast.Stage, c *ast.Instruction, files []string) string {
	for _, x := range st.Instructions {
		if x == c {
			break
		}
		if x.Cmd != "run" && x.Cmd != "copy" && x.Cmd != "add" {
			continue
		}
		text := x.Text(h.d)
		for _, f := range files {
			if strings.Contains(text, path.Base(f)) {
				return fmt.Sprintf("%s may come from %s rather than from the build context", f, transform.InsQuote(h.d, x))
			}
		}
	}
	return ""
}

// fresh checks that nothing before the COPY may have put a src folder in
// the destination (cargo's placeholder target is created and removed
// there).
func (h *hoister) fresh(st *ast.Stage, c *ast.Instruction, fc *fullCopy) string {
	const why = "cargo fetch needs a placeholder src/main.rs, and the destination may already hold a src folder"
	if parent := h.d.StageByName(st.Base); parent != nil && parent.Index < st.Index {
		return why
	}
	for _, x := range st.Instructions {
		if x == c {
			break
		}
		switch x.Cmd {
		case "copy", "add":
			dst := transform.CopyDest(h.d, &h.envs[x.Index], x)
			_, a := ast.RelPath(fc.dest, dst)
			_, b := ast.RelPath(dst, fc.dest)
			if a || b || !ast.IsAbsPath(dst) {
				return why
			}
		case "run":
			if t := x.Text(h.d); strings.Contains(t, "src") || strings.Contains(t, "cargo") {
				return why
			}
		}
	}
	return ""
}
