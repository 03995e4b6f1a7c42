package transform

import (
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"mvdan.cc/sh/v3/syntax"
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

// installWrite is one row of the table.
type installWrite struct {
	Command string // the install, as the user writes it
	// Writes is what the install writes into the project folder (and,
	// where it matters, outside it).
	Writes string
	// Hoist says how hoist-deps uses the row.
	Hoist string
	// move proves that the install, run before the COPY instead of after
	// it, leaves the same image: "" when proven, else why not. nil: the
	// install never moves; it runs again after the COPY.
	move func(w *writeCheck) string
	// reinstall: a second run after the COPY does the whole install again
	// (`npm ci` removes node_modules first). An install that cannot move
	// is then not hoisted at all: running it twice would double the work
	// and the image's layers for no cache benefit.
	reinstall bool
}

// The rows that matchers name (install.writes).
const (
	writesPipReq      = "pip install -r"
	writesNpmCI       = "npm ci"
	writesNpmInstall  = "npm install"
	writesGoModDownld = "go mod download"
)

var installWrites = []*installWrite{
	{
		Command: writesPipReq,
		Writes: "nothing into the project folder: packages go to the interpreter's site-packages (a virtual environment's when pip " +
			"is found through it), scripts to its bin folder, the cache to ~/.cache/pip, a non-root user's packages to ~/.local",
		Hoist: "moves when none of those folders is inside the COPY's destination at a path the COPY brings",
		move:  pipMove,
	},
	{
		Command: writesNpmCI,
		Writes: "node_modules (removed first, then installed from the lock; node_modules/.package-lock.json); never the lock or " +
			"package.json. With binding.gyp in the project npm runs `node-gyp rebuild`, which writes build/; dependency install " +
			"scripts may write outside node_modules (git hook installers write .git/hooks); the cache and logs go to ~/.npm",
		Hoist: "moves when node_modules is not in the context, the project has no binding.gyp, the COPY brings no .git (or no " +
			"dependency has an install script) and ~/.npm is not brought by the COPY; otherwise not hoisted (a second `npm ci` " +
			"reinstalls everything)",
		move:      npmCIMove,
		reinstall: true,
	},
	{
		Command: writesNpmInstall,
		Writes: "everything `npm ci` writes, and package-lock.json (npm-shrinkwrap.json when present), rewritten on every run: " +
			"top-level name from package.json, or the folder name when package.json has none; version from package.json; " +
			"lockfileVersion 1 converted to 2 or 3 (npm 7+), 2 or 3 rewritten as 1 by npm 6, 3 as 2 by npm 7 and 8; " +
			"packages[\"\"] from package.json; entries without resolved/integrity completed; keys sorted and indented like " +
			"package.json. A yarn.lock beside it is rewritten too",
		Hoist: "moves when the lock is provably written back byte for byte (the npm version of the image known, the lock in " +
			"npm's own form and in step with package.json, no configuration that changes it, no yarn.lock); otherwise it " +
			"runs again after the COPY",
		move: npmInstallMove,
	},
	{
		Command: writesGoModDownld,
		Writes: "the module cache ($GOMODCACHE); go.mod fixes and go.sum lines needed to load the module graph (every Go " +
			"version), and with Go 1.16 and older the sums of every module it downloads",
		Hoist: "never moves: whether go.mod and go.sum are complete depends on the module graph, which is not in the context; " +
			"the second run is a no-op on a warm cache",
		move: func(*writeCheck) string {
			return "`go mod download` may add go.sum lines and fix go.mod (what it needs to load the module graph, which is not in the context), and the COPY would bring the originals back"
		},
	},
	{
		Command: "yarn install",
		Writes: "node_modules (or .pnp.cjs, .yarn/unplugged, .yarn/install-state.gz with Plug'n'Play), yarn.lock when it is " +
			"out of date (unless --frozen-lockfile/--immutable), .yarn/cache",
		Hoist: "runs again after the COPY",
	},
	{
		Command: "pnpm install / pnpm fetch",
		Writes:  "node_modules (node_modules/.pnpm, .modules.yaml), pnpm-lock.yaml when out of date; `pnpm fetch` writes only the store",
		Hoist:   "`pnpm fetch` before, the original install again after the COPY",
	},
	{
		Command: "bundle install",
		Writes: "vendor/bundle with --path/--deployment, .bundle/config with the flags Bundler remembers (--path, --without, " +
			"--deployment), Gemfile.lock when out of date or new platforms are added",
		Hoist: "runs again after the COPY",
	},
	{
		Command: "composer install",
		Writes:  "vendor/ (vendor/composer/, the autoloader), composer.lock when there is none, whatever the project's scripts write",
		Hoist:   "`--no-scripts --no-autoloader` before, the original again after the COPY",
	},
	{
		Command: "poetry install / pipenv install / uv sync",
		Writes:  ".venv when the environment is in the project, the lock file when it is missing or out of date (unless --locked/--frozen/--deploy)",
		Hoist:   "a dependency-only form before, the original again after the COPY",
	},
	{
		Command: "cargo build (cargo fetch)",
		Writes:  "Cargo.lock when out of date (unless --locked/--frozen), target/ for builds; `cargo fetch` writes only ~/.cargo",
		Hoist:   "`cargo fetch` on a placeholder before, the original again after the COPY",
	},
	{
		Command: "mvn / gradle",
		Writes:  "target/ or build/ and .gradle/ in the project; the dependencies go to ~/.m2 or ~/.gradle",
		Hoist:   "`dependency:go-offline` / `dependencies` before, the original again after the COPY",
	},
	{
		Command: "dotnet restore",
		Writes:  "obj/ (project.assets.json, *.nuget.*), packages.lock.json with RestorePackagesWithLockFile",
		Hoist:   "runs again after the COPY",
	},
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
	in     *install
	call   *syntax.CallExpr
	run    *ast.Instruction
	fc     *fullCopy
	view   *ctxView
	pdir   string   // the project folder in the image
	ctxDir string   // the project folder in the context
	files  []string // the manifests the hoisted COPY brings
	env    *StageState
	se     *StageEnv
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
	if !w.view.exists(cp) {
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
		for _, n := range w.view.list(dir) {
			seen++
			if seen > 5000 {
				return dir // too many to look through: assume the worst
			}
			p := contextPath(dir, n)
			if n == name {
				return p
			}
			if d > 0 && w.view.isDir(p) {
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
			v, _ := litWord(a.Value)
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

// ---- pip ----

// pipMove: pip writes into the interpreter's prefix, the user site and
// the cache; none may be a folder the COPY brings.
func pipMove(w *writeCheck) string {
	// The interpreter named by path, and the environment found through
	// VIRTUAL_ENV or PATH.
	if w.call != nil {
		if _, args, ok := callName(w.call); ok && len(args) > 0 {
			if tool, lit := litWord(args[0]); lit && strings.Contains(tool, "/") {
				if why := w.writesAt(path.Dir(path.Dir(w.abs(tool)))); why != "" {
					return why
				}
			}
		}
	}
	if why := w.pipConfig(); why != "" {
		return why
	}
	for _, name := range []string{"VIRTUAL_ENV", "CONDA_PREFIX", "PIP_TARGET", "PIP_PREFIX", "PIP_ROOT", "PIP_SRC", "PYTHONUSERBASE", "PIP_CACHE_DIR"} {
		p, set, ok := w.envPath(name)
		if !set {
			continue
		}
		if !ok {
			return "the value of " + name + " is not known, so where pip installs is not known"
		}
		if why := w.writesAt(w.abs(p)); why != "" {
			return why
		}
	}
	entries, why := w.pathEntries()
	if why != "" {
		return why + ", so which pip runs is not known"
	}
	for _, e := range entries {
		prefix := e
		if path.Base(e) == "bin" {
			prefix = path.Dir(e)
		}
		if why := w.writesAt(prefix); why != "" {
			return why
		}
	}
	cl := parseLine(w.in.args, 1, pipValued)
	if o, ok := cl.get("--cache-dir"); ok {
		if !o.lit {
			return "the cache folder is not named literally"
		}
		if why := w.writesAt(w.abs(o.value)); why != "" {
			return why
		}
	} else if _, noCache, _ := w.envPath("PIP_NO_CACHE_DIR"); !cl.has("--no-cache-dir") && !noCache {
		if why := w.home(".cache"); why != "" {
			return why
		}
	}
	_, user, _ := w.envPath("PIP_USER")
	if user || !w.env.Identity().Root {
		// A non-root user's pip installs into ~/.local when the
		// interpreter's site-packages is not writable.
		if why := w.home(".local"); why != "" {
			return why
		}
	}
	return ""
}

// pipConfig finds pip configuration that may say where pip installs: a
// config file named by the environment, pip.conf written or copied by an
// earlier instruction, `pip config set`.
func (w *writeCheck) pipConfig() string {
	if _, set, _ := w.envPath("PIP_CONFIG_FILE"); set {
		return "PIP_CONFIG_FILE names a pip configuration that may say where pip installs"
	}
	for _, st := range w.se.Lineage(w.h.d.Stages[w.run.Stage]) {
		for _, x := range st.Instructions {
			if x == w.run {
				break
			}
			t := x.Text(w.h.d)
			switch {
			case x.Cmd != "run" && x.Cmd != "copy" && x.Cmd != "add":
			case strings.Contains(t, "pip.conf") || strings.Contains(t, "pip.ini") || pipConfigSet.MatchString(t):
				return insQuote(w.h.d, x) + " configures pip, which may say where pip installs"
			}
		}
	}
	return ""
}

var pipConfigSet = regexp.MustCompile(`\bpip[0-9.]*\s+config\s+set\b`)

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
						return nil, "PATH gets `" + e + "` at " + insQuote(w.h.d, x)
					default:
						out = append(out, path.Clean(e))
					}
				}
			}
		}
	}
	return out, ""
}

// ---- npm ----

// npmCIMove: `npm ci` writes node_modules (checked against the context
// by the Outputs of the npm row), build/ through node-gyp, .git/hooks
// through dependency install scripts, and ~/.npm.
func npmCIMove(w *writeCheck) string {
	if !w.in.ignoreScripts {
		if w.view.exists(path.Join(w.ctxDir, "binding.gyp")) {
			return "the project has binding.gyp, so npm runs `node-gyp rebuild`, which builds from the source into build/"
		}
		if git := w.gitInCopy(); git != "" {
			if why := npmInstallScripts(w.lockText()); why != "" {
				return "the COPY brings " + git + " and " + why + ": an install script may write into it (git hook installers do)"
			}
		}
	}
	cl := parseLine(w.in.args, 1, npmValued)
	if o, ok := cl.get("--cache"); ok {
		if !o.lit {
			return "the npm cache folder is not named literally"
		}
		return w.writesAt(w.abs(o.value))
	}
	for _, name := range []string{"NPM_CONFIG_CACHE", "npm_config_cache"} {
		if p, set, ok := w.envPath(name); set {
			if !ok {
				return "the value of " + name + " is not known"
			}
			return w.writesAt(w.abs(p))
		}
	}
	return w.home(".npm")
}

// gitInCopy finds a .git that the COPY brings at the project folder or
// above it.
func (w *writeCheck) gitInCopy() string {
	for d := w.ctxDir; ; d = contextPath(path.Dir(d)) {
		if _, ok := ast.RelPath(w.fc.src, d); !ok && w.fc.src != "" {
			return ""
		}
		if p := contextPath(d, ".git"); w.view.exists(p) {
			return p
		}
		if d == "" || d == w.fc.src {
			return ""
		}
	}
}

// lockFile is the lock npm uses in the project (npm-shrinkwrap.json wins).
func (w *writeCheck) lockFile() string {
	for _, n := range []string{"npm-shrinkwrap.json", "package-lock.json"} {
		if p := path.Join(w.ctxDir, n); w.view.exists(p) {
			return p
		}
	}
	return ""
}

func (w *writeCheck) lockText() string {
	if f := w.lockFile(); f != "" {
		return w.view.read(f)
	}
	return ""
}

// npmInstallMove: everything of `npm ci`, and the lock file npm writes
// back on every run.
func npmInstallMove(w *writeCheck) string {
	if why := npmCIMove(w); why != "" {
		return why
	}
	saves, why := w.npmSaves()
	if why != "" || !saves {
		return why
	}
	lock := w.lockFile()
	if lock == "" {
		return "there is no package-lock.json, which npm install creates"
	}
	if y := path.Join(w.ctxDir, "yarn.lock"); w.view.exists(y) {
		return "npm install also rewrites " + y + " (from its own tree), and the COPY brings the original back"
	}
	npmMin, why := w.npmVersion()
	if why != "" {
		return "npm install rewrites " + path.Base(lock) + " in the form of its version, and " + why
	}
	folder := w.pdir
	return npmLockFixed(w.view.read(path.Join(w.ctxDir, "package.json")), w.view.read(lock), path.Base(lock), folder, npmMin)
}

// moveVerdict decides whether a recognised install moves above the COPY
// instead of running again after it: "" when it moves, else why not.
// steps are the RUN's top-level steps, k the install's, last the last
// step the hoisted RUN keeps.
func (h *hoister) moveVerdict(row *installWrite, w *writeCheck, steps []step, k, last int) string {
	if h.p.Context == nil {
		return "there is no build context to check what the install writes"
	}
	if !w.in.same {
		return "the RUN does more than the install"
	}
	if last != len(steps)-1 {
		return "`" + stepText(h.d, h.sh.of(w.run), steps[last+1].stmt) + "` runs in the same RUN and needs the source"
	}
	for n, s := range steps {
		if n == k {
			continue
		}
		call, ok := s.stmt.Cmd.(*syntax.CallExpr)
		if !ok || len(s.stmt.Redirs) > 0 || s.stmt.Negated {
			return "the RUN does more than the install"
		}
		name, args, ok := callName(call)
		if ok && name == "cd" {
			continue
		}
		// The steps before the install passed the read-set model (they
		// touch nothing the COPY writes); here they must also belong to
		// the install's own tool, and not write its configuration.
		if sub, _ := subAt(args); !ok || sub == "config" && !outsideProject(args) || ecosystemOfTool(name) != w.in.eco && pythonPip(name, args) == nil {
			return "`" + stepText(h.d, h.sh.of(w.run), s.stmt) + "` runs in the same RUN"
		}
	}
	if !hasAny(w.files, w.in.lock) {
		return "the lock file (" + strings.Join(w.in.lock, " or ") + ") is not in the build context"
	}
	return row.move(w)
}

// outsideProject reports a `config` command told to write the global or
// the user's configuration, not the project's.
func outsideProject(args []*syntax.Word) bool {
	for _, a := range args {
		switch v, _ := litWord(a); v {
		case "--global", "-g", "--location=global", "--location=user", "--user":
			return true
		}
	}
	return false
}
