package hoistdeps

import (
	"fmt"
	"path"
	"strings"

	"github.com/dfopt/dfopt/pkg/ast/stage"
	"github.com/dfopt/dfopt/pkg/knowledge/tools"
	"github.com/dfopt/dfopt/pkg/transform"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"mvdan.cc/sh/v3/syntax"

	"github.com/dfopt/dfopt/pkg/ast"
)

// What a dependency install writes, and when hoist-deps may move it.
//
// hoist-deps copies the manifests above `COPY . <dest>` and installs
// there. By default the original install still runs after the COPY:
// whatever the first run wrote that the COPY then brings back differently
// (a lock file, a folder of the project), the second run writes again, so
// the image is the one the original built. An install *moves* instead (it
// no longer runs after the COPY) only when dfopt proves, from the files
// of the build context, that nothing it writes is brought back by the
// COPY with other bytes. The table below says, per command, what the
// install writes and how the move is proven; "" from a move check means
// proven, anything else is the reason it is not, said in the finding.

// installWrite is hoist-deps' view of a row of a tool's Writes
// (tools.Write).
type installWrite struct {
	Command string // the install, as the user writes it
	Writes  string // what the install writes
	Hoist   string // how hoist-deps uses the row
	// move proves that the install, run before the COPY instead of after
	// it, leaves the same image: "" when proven, else why not. nil: the
	// install never moves; it runs again after the COPY.
	move func(w *writeCheck) string
	// reinstall: a second run after the COPY does the whole install again.
	reinstall bool
}

// installWrites is derived from the tools registry, in its order.
var installWrites = deriveInstallWrites()

func deriveInstallWrites() []*installWrite {
	var out []*installWrite
	seen := map[*tools.Write]bool{}
	for _, t := range tools.All() {
		for _, r := range t.Writes {
			if seen[r] {
				continue
			}
			seen[r] = true
			iw := &installWrite{Command: r.Command, Writes: r.Writes, Hoist: r.Hoist, reinstall: r.Reinstall}
			if r.Move != nil {
				move := r.Move
				iw.move = func(w *writeCheck) string { return move(w) }
			}
			out = append(out, iw)
		}
	}
	return out
}

// installWriteRow returns the row a matcher named.
func installWriteRow(cmd string) *installWrite {
	for _, r := range installWrites {
		if r.Command == cmd {
			return r
		}
	}
	return nil
}

// writeCheck is what a move check reads.
type writeCheck struct {
	h      *hoister
	in     *transform.Install
	call   *syntax.CallExpr
	run    *ast.Instruction
	fc     *fullCopy
	view   *transform.CtxView
	pdir   string   // the project folder in the image
	ctxDir string   // the project folder in the context
	files  []string // the manifests the hoisted COPY brings
	env    *stage.State
	se     *stage.Env
}

// brings names what the full COPY brings at an image path the install
// writes ("" when nothing: the path is outside the destination, or the
// context has nothing there).
func (w *writeCheck) brings(p string) string {
	rel, ok := ast.RelPath(w.fc.dest, p)
	if !ok {
		return ""
	}
	cp := contextPath(w.fc.src, rel)
	if !w.view.Exists(cp) {
		return ""
	}
	if cp == "" {
		return "the whole context"
	}
	return cp
}

// writesAt explains that the install writes where the COPY brings files.
func (w *writeCheck) writesAt(p string) string {
	if c := w.brings(p); c != "" {
		return fmt.Sprintf("the install writes %s and the COPY brings %s there", p, c)
	}
	return ""
}

// home checks folders the install writes under the user's home.
func (w *writeCheck) home(names ...string) string {
	id := w.env.Identity()
	if h := id.Home.Val; h != "" && !id.Home.Arg {
		for _, n := range names {
			if why := w.writesAt(path.Join(h, n)); why != "" {
				return why
			}
		}
		return ""
	}
	// The home is not known: any folder of the copied tree could be it.
	for _, n := range names {
		if f := w.findInCopy(n, 3); f != "" {
			why := "the user's home folder is not known"
			if id.Why != "" {
				why += " (" + id.Why + ")"
			}
			return why + ", the install writes ~/" + n + " and the COPY brings " + f
		}
	}
	return ""
}

// findInCopy finds an entry called name in the copied folder of the
// context, at most depth folders down.
func (w *writeCheck) findInCopy(name string, depth int) string {
	var walk func(dir string, d int) string
	seen := 0
	walk = func(dir string, d int) string {
		for _, n := range w.view.List(dir) {
			seen++
			if seen > 5000 {
				return dir // too many to look through: assume the worst
			}
			p := contextPath(dir, n)
			if n == name {
				return p
			}
			if d > 0 && w.view.IsDir(p) {
				if f := walk(p, d-1); f != "" {
					return f
				}
			}
		}
		return ""
	}
	return walk(w.fc.src, depth)
}

// envPath resolves a variable that names a folder the install writes:
// ok is false when it is set to a value dfopt does not know.
func (w *writeCheck) envPath(name string) (p string, set, ok bool) {
	if v, found := w.assign(name); found {
		return v, true, v != "" && !strings.ContainsAny(v, "$`")
	}
	v, found := w.env.Lookup(name)
	if !found {
		return "", false, true
	}
	if !v.Set || v.Arg {
		return "", true, false
	}
	return v.Value, true, true
}

// assign finds a NAME=value prefix of the install command.
func (w *writeCheck) assign(name string) (string, bool) {
	if w.call == nil {
		return "", false
	}
	for _, a := range w.call.Assigns {
		if a.Name != nil && a.Name.Value == name {
			if a.Value == nil {
				return "", true
			}
			v, _ := transform.LitWord(a.Value)
			return v, true
		}
	}
	return "", false
}

// abs resolves a path the command names against the project folder.
func (w *writeCheck) abs(p string) string {
	if strings.HasPrefix(p, "/") {
		return path.Clean(p)
	}
	return path.Join(w.pdir, p)
}

// pathEntries are the folders the Dockerfile puts on PATH before the
// install (ENV PATH=/x/bin:$PATH adds /x/bin to the base image's PATH).
func (w *writeCheck) pathEntries() ([]string, string) {
	var out []string
	if v, ok := w.assign("PATH"); ok {
		return nil, "the install sets PATH to `" + v + "`"
	}
	for _, st := range w.se.Lineage(w.h.d.Stages[w.run.Stage]) {
		for _, x := range st.Instructions {
			if x == w.run {
				break
			}
			env, ok := x.Command.(*instructions.EnvCommand)
			if !ok {
				continue
			}
			for _, kv := range env.Env {
				if kv.Key != "PATH" {
					continue
				}
				for _, e := range strings.Split(strings.Trim(kv.Value, `"`), ":") {
					switch {
					case e == "$PATH" || e == "${PATH}" || e == "":
					case strings.ContainsAny(e, "$`'\\\"") || !strings.HasPrefix(e, "/"):
						return nil, "PATH gets `" + e + "` at " + transform.InsQuote(w.h.d, x)
					default:
						out = append(out, path.Clean(e))
					}
				}
			}
		}
	}
	return out, ""
}

// gitInCopy finds a .git that the COPY brings at the project folder or
// above it.
func (w *writeCheck) gitInCopy() string {
	for d := w.ctxDir; ; d = contextPath(path.Dir(d)) {
		if _, ok := ast.RelPath(w.fc.src, d); !ok && w.fc.src != "" {
			return ""
		}
		if p := contextPath(d, ".git"); w.view.Exists(p) {
			return p
		}
		if d == "" || d == w.fc.src {
			return ""
		}
	}
}

// moveVerdict decides whether a recognised install moves above the COPY
// instead of running again after it: "" when it moves, else why not.
// steps are the RUN's top-level steps, k the install's, last the last
// step the hoisted RUN keeps.
func (h *hoister) moveVerdict(row *installWrite, w *writeCheck, steps []transform.Step, k, last int) string {
	if h.p.Context == nil {
		return "there is no build context to check what the install writes"
	}
	if !w.in.Same {
		return "the RUN does more than the install"
	}
	if last != len(steps)-1 {
		if why := h.splitVerdict(w, steps, last); why != "" {
			return why
		}
	}
	for n, s := range steps[:last+1] {
		if n == k {
			continue
		}
		call, ok := s.Stmt.Cmd.(*syntax.CallExpr)
		if !ok || len(s.Stmt.Redirs) > 0 || s.Stmt.Negated {
			return "the RUN does more than the install"
		}
		name, args, ok := transform.CallName(call)
		if ok && name == "cd" {
			continue
		}
		// The steps before the install passed the read-set model (they
		// touch nothing the COPY writes); here they must also belong to
		// the install's own tool, and not write its configuration.
		if sub, _ := transform.SubAt(args); !ok || sub == "config" && !outsideProject(args) || transform.EcosystemOfTool(name) != w.in.Eco && transform.PythonPip(name, args) == nil {
			return "`" + stepText(h.d, h.sh.Of(w.run), s.Stmt) + "` runs in the same RUN"
		}
	}
	if !hasAny(w.files, w.in.Lock) {
		return "the lock file (" + strings.Join(w.in.Lock, " or ") + ") is not in the build context"
	}
	return row.move(w)
}

// splitVerdict decides whether the RUN may be split after its step last:
// the install (with the steps before it and its cleanup) moves above the
// COPY, the steps after it stay after the COPY in a RUN of their own. That
// is the same only when a failure of the moved part fails the original RUN
// too (every step after the split is joined by `&&` into the same list)
// and no shell state of the moved part reaches the steps that stay (no
// `cd`; the moveVerdict loop allows nothing else that keeps state). ""
// when it may.
func (h *hoister) splitVerdict(w *writeCheck, steps []transform.Step, last int) string {
	sc := h.sh.Of(w.run)
	rest := "`" + stepText(h.d, sc, steps[last+1].Stmt) + "`"
	for _, s := range steps[last+1:] {
		if s.Sep != "&&" {
			return rest + " runs in the same RUN and needs the source, and `" + stepText(h.d, sc, s.Stmt) + "` runs after a `;`, even when the install fails: split off, a failed install would stop it"
		}
	}
	for _, s := range steps[:last+1] {
		call, ok := s.Stmt.Cmd.(*syntax.CallExpr)
		if !ok || len(call.Args) == 0 {
			return rest + " runs in the same RUN and needs the source, and `" + stepText(h.d, sc, s.Stmt) + "` before it may set shell state it reads"
		}
		if name, _, ok := transform.CallName(call); ok && name == "cd" {
			return rest + " runs in the same RUN and needs the source, and `" + stepText(h.d, sc, s.Stmt) + "` before it changes the folder it runs in"
		}
	}
	return ""
}

// outsideProject reports a `config` command told to write the global or
// the user's configuration, not the project's.
func outsideProject(args []*syntax.Word) bool {
	for _, a := range args {
		switch v, _ := transform.LitWord(a); v {
		case "--global", "-g", "--location=global", "--location=user", "--user":
			return true
		}
	}
	return false
}

// The tools' view of a move check (tools.WriteCheck).

// Install is the recognised install.
func (w *writeCheck) Install() *tools.Install { return w.in.Tool() }

// Program is the literal program word of the install's command.
func (w *writeCheck) Program() string {
	if w.call != nil {
		if _, args, ok := transform.CallName(w.call); ok && len(args) > 0 {
			if tool, lit := transform.LitWord(args[0]); lit {
				return tool
			}
		}
	}
	return ""
}

// Context is the build context as hoist-deps reads it.
func (w *writeCheck) Context() tools.Context { return transform.ToolCtx{View: w.view} }

// CtxDir is the project folder in the context.
func (w *writeCheck) CtxDir() string { return w.ctxDir }

// PDir is the project folder in the image.
func (w *writeCheck) PDir() string { return w.pdir }

// Abs resolves a path the command names against the project folder.
func (w *writeCheck) Abs(p string) string { return w.abs(p) }

// WritesAt explains that the install writes p where the COPY brings files.
func (w *writeCheck) WritesAt(p string) string { return w.writesAt(p) }

// Home checks folders the install writes under the user's home.
func (w *writeCheck) Home(names ...string) string { return w.home(names...) }

// Root reports that the install runs as root.
func (w *writeCheck) Root() bool { return w.env.Identity().Root }

// EnvPath resolves a variable that names a folder the install writes.
func (w *writeCheck) EnvPath(name string) (string, bool, bool) { return w.envPath(name) }

// PathEntries are the folders the Dockerfile puts on PATH before the install.
func (w *writeCheck) PathEntries() ([]string, string) { return w.pathEntries() }

// GitInCopy finds a .git that the COPY brings.
func (w *writeCheck) GitInCopy() string { return w.gitInCopy() }

// Earlier quotes the first RUN, COPY or ADD before the install whose text matches.
func (w *writeCheck) Earlier(match func(text string) bool) string {
	for _, st := range w.se.Lineage(w.h.d.Stages[w.run.Stage]) {
		for _, x := range st.Instructions {
			if x == w.run {
				break
			}
			if (x.Cmd == "run" || x.Cmd == "copy" || x.Cmd == "add") && match(x.Text(w.h.d)) {
				return transform.InsQuote(w.h.d, x)
			}
		}
	}
	return ""
}

// NpmSaves, NpmVersion, NpmLockFixed and NpmInstallScripts are npm's
// configuration and lock model (npmconfig.go, npmlock.go).
func (w *writeCheck) NpmSaves() (bool, string)             { return w.npmSaves() }
func (w *writeCheck) NpmVersion() (int, string)            { return w.npmVersion() }
func (w *writeCheck) NpmInstallScripts(lock string) string { return npmInstallScripts(lock) }
func (w *writeCheck) NpmLockFixed(pkg, lock, name, folder string, min int) string {
	return npmLockFixed(pkg, lock, name, folder, min)
}
