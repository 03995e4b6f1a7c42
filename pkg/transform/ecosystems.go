package transform

import (
	"encoding/json"
	"path"
	"regexp"
	"strings"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/emit"
	"mvdan.cc/sh/v3/syntax"
)

// Ecosystem is one row of the dependency-manager table that hoist-deps
// works from: how to recognise an install, which manifests it reads, its
// dependency-only form, and what makes it need the whole source.
//
// Manifest names are relative to the project folder (the folder the
// install runs in). "a|b" means the first of a and b that exists.
type Ecosystem struct {
	Name     string
	Required []string // must be in the build context
	Optional []string // copied too when present: lock files, tool configuration
	// Outputs are what the install writes into the project folder. When the
	// build context holds them too, the full COPY would overwrite the
	// installed dependencies: no hoisting then.
	Outputs []string
	// DepsOnly and Source document the row (see `dfopt rules`-style docs
	// and the README): the dependency-only install, what needs the source.
	DepsOnly string
	Source   string

	tools map[string]bool
	// match recognises an install of this ecosystem in a command line
	// (args[0] is the tool); nil when it is not one.
	match func(name string, args []*syntax.Word) *install
	// kind classifies any command line of the tool (see RunKind).
	kind func(name string, args []*syntax.Word, sub string) WorkKind
	// source reports what in the context makes the install need the whole
	// source ("" when nothing does). dir is the project folder.
	source func(v *ctxView, in *install, dir string) string
	// extra adds manifests the install reads beyond Required/Optional.
	extra func(v *ctxView, in *install, dir string) ([]string, string)
	// stub: the dependency-only form needs a placeholder target (cargo).
	stub bool
}

// install is one recognised dependency install in a RUN.
type install struct {
	eco  *Ecosystem
	args []*syntax.Word // the command line, args[0] is the tool
	// dir is the project folder relative to the working directory, from a
	// flag such as --prefix, --cwd, --directory or -C ("" = the working
	// directory).
	dir string
	// named are the manifests the command names itself (pip -r/-c, a
	// dotnet project), relative to the project folder or absolute.
	named []string
	// source explains why the install needs the whole source, from the
	// command line alone ("" when it does not).
	source string
	// ignore: recognised, but nothing to hoist (vendored, a remote
	// install, …).
	ignore bool
	// same: the dependency-only form is the command itself.
	same bool
	// dep builds the dependency-only command from the original statement.
	dep func(t *textOf) string
	// writes names the row of installWrites that says what the install
	// writes and whether it can move above the COPY instead of running
	// again after it ("" = it always runs again).
	writes string
	// lock are the files a moving install needs among the hoisted ones.
	lock []string
	// ignoreScripts: the install runs no lifecycle scripts.
	ignoreScripts bool
}

// textOf gives the source text of a statement and lets dependency-only
// forms be spliced from it.
type textOf struct {
	d    *ast.Document
	sc   *ast.Script
	span ast.Span // the install statement
	args []*syntax.Word
}

func (t *textOf) stmt() string { return string(t.d.Src[t.span.Start:t.span.End]) }

// word is the text of args[i] as written.
func (t *textOf) word(i int) string {
	sp := t.sc.SpanOf(t.args[i])
	return string(t.d.Src[sp.Start:sp.End])
}

// upTo is the statement's text up to the end of args[i] (assignments and
// wrappers included).
func (t *textOf) upTo(i int) string {
	return string(t.d.Src[t.span.Start:t.sc.SpanOf(t.args[i]).End])
}

// splice returns the statement with edits applied.
func (t *textOf) splice(edits ...emit.Edit) string {
	for i := range edits {
		edits[i].Start -= t.span.Start
		edits[i].End -= t.span.Start
	}
	out, err := emit.Apply([]byte(t.stmt()), edits)
	if err != nil {
		return t.stmt()
	}
	return string(out)
}

// after inserts text right after args[i].
func (t *textOf) after(i int, text string) emit.Edit {
	e := t.sc.SpanOf(t.args[i]).End
	return emit.Edit{Start: e, End: e, New: text}
}

// Ecosystems is the table, in the order the issue lists it.
var Ecosystems = []*Ecosystem{
	{
		Name:     "pip",
		DepsOnly: "the same `pip install -r …`",
		Source:   "`pip install .`, `-e`, local paths or `--find-links` folders in the command or the requirement files",
		tools:    nameSet("pip", "pip2", "pip3"),
		match:    matchPip,
		kind:     subKind(nameSet("install", "download", "wheel"), nil, nil),
		extra:    pipIncludes,
	},
	{
		Name:     "poetry",
		Required: []string{"pyproject.toml"},
		Optional: []string{"poetry.lock", "poetry.toml"},
		Outputs:  []string{".venv"},
		DepsOnly: "`poetry install --no-root`, then the original after the COPY",
		Source:   "path dependencies",
		tools:    nameSet("poetry"),
		match:    matchPoetry,
		kind:     subKind(nameSet("install", "add", "update", "lock", "sync"), nameSet("build"), nil),
		source:   tomlPathDeps("pyproject.toml"),
	},
	{
		Name:     "pipenv",
		Required: []string{"Pipfile"},
		Optional: []string{"Pipfile.lock", ".env"},
		Outputs:  []string{".venv"},
		DepsOnly: "the same `pipenv install …`",
		Source:   "path or editable packages in the Pipfile",
		tools:    nameSet("pipenv"),
		match:    matchPipenv,
		kind:     subKind(nameSet("install", "sync", "lock", "update"), nil, nil),
		source:   tomlPathDeps("Pipfile"),
	},
	{
		Name:     "uv",
		Required: []string{"pyproject.toml", "uv.lock"},
		Optional: []string{".python-version", "uv.toml"},
		Outputs:  []string{".venv"},
		DepsOnly: "`uv sync --frozen --no-install-project`, then the original",
		Source:   "workspaces, path sources",
		tools:    nameSet("uv"),
		match:    matchUv,
		kind:     subKind(nameSet("sync", "add", "lock", "pip"), nameSet("build"), nil),
		source:   uvSource,
	},
	{
		Name:     "npm",
		Required: []string{"package.json"},
		Optional: []string{"package-lock.json", "npm-shrinkwrap.json", ".npmrc"},
		Outputs:  []string{"node_modules"},
		DepsOnly: "the same `npm ci`/`npm install`",
		Source:   "workspaces, `file:`/`link:` dependencies, install scripts of the package itself",
		tools:    nameSet("npm"),
		match:    matchNpm,
		kind:     subKind(nameSet("ci", "install", "i", "add", "update", "rebuild", "prune", "isntall"), nameSet("run", "run-script", "test", "start", "build", "exec", "pack"), nil),
		source:   nodeSource,
	},
	{
		Name:     "yarn",
		Required: []string{"package.json"},
		Optional: []string{"yarn.lock", ".yarnrc.yml", ".yarnrc", ".npmrc", ".yarn/releases", ".yarn/plugins", ".yarn/patches"},
		Outputs:  []string{"node_modules", ".pnp.cjs", ".pnp.js", ".yarn/install-state.gz", ".yarn/unplugged"},
		DepsOnly: "the same `yarn install …`",
		Source:   "workspaces, `file:`/`link:`/`portal:` dependencies, install scripts of the package itself",
		tools:    nameSet("yarn"),
		match:    matchYarn,
		kind:     subKind(nameSet("", "install", "add", "upgrade", "global", "remove"), nil, nameSet("config", "cache", "set", "policies", "plugin", "version", "info", "licenses")),
		source:   nodeSource,
	},
	{
		Name:     "pnpm",
		Required: []string{"pnpm-lock.yaml"},
		Optional: []string{"package.json", "pnpm-workspace.yaml", ".npmrc", ".pnpmfile.cjs"},
		Outputs:  []string{"node_modules"},
		DepsOnly: "`pnpm fetch` (needs only the lock file), then the original",
		Source:   "nothing: `pnpm fetch` reads the lock file only",
		tools:    nameSet("pnpm"),
		match:    matchPnpm,
		kind:     subKind(nameSet("install", "i", "add", "fetch", "update", "up", "prune", "remove"), nil, nameSet("config", "store", "setup", "env", "--version", "-v")),
	},
	{
		Name:     "go",
		Required: []string{"go.mod", "go.sum"},
		DepsOnly: "`go mod download`, then the original build",
		Source:   "local `replace` directives, a go.work workspace",
		tools:    nameSet("go"),
		match:    matchGo,
		kind:     goKind,
		source:   goSource,
	},
	{
		Name:     "cargo",
		Required: []string{"Cargo.toml", "Cargo.lock"},
		Optional: []string{"rust-toolchain.toml", "rust-toolchain", ".cargo/config.toml", ".cargo/config"},
		DepsOnly: "`cargo fetch` (with a placeholder src/main.rs, removed again), then the original",
		Source:   "workspaces, path dependencies, explicit targets, source replacement in .cargo/config",
		tools:    nameSet("cargo"),
		match:    matchCargo,
		kind:     subKind(nameSet("fetch", "vendor", "install", "generate-lockfile", "update"), nameSet("build", "test", "check", "run", "doc", "clippy", "bench", "b", "t", "r", "c"), nil),
		source:   cargoSource,
		stub:     true,
	},
	{
		Name:     "maven",
		Required: []string{"pom.xml"},
		Optional: []string{".mvn"},
		DepsOnly: "`mvn -B dependency:go-offline`, then the original",
		Source:   "multi-module builds, a local parent POM",
		tools:    nameSet("mvn", "mvnw"),
		match:    matchMaven,
		kind:     mavenKind,
		source:   mavenSource,
	},
	{
		Name:     "gradle",
		Required: []string{"build.gradle|build.gradle.kts"},
		Optional: []string{"settings.gradle", "settings.gradle.kts", "gradle.properties", "gradle"},
		Outputs:  []string{".gradle"},
		DepsOnly: "`gradle dependencies` / `./gradlew dependencies`, then the original",
		Source:   "multi-project builds (`include`), buildSrc, `apply from:` scripts",
		tools:    nameSet("gradle", "gradlew"),
		match:    matchGradle,
		kind:     gradleKind,
		source:   gradleSource,
	},
	{
		Name:     "bundler",
		Required: []string{"Gemfile|gems.rb"},
		Optional: []string{"Gemfile.lock", "gems.locked", ".bundle/config", ".ruby-version", "vendor/cache"},
		Outputs:  []string{"vendor/bundle"},
		DepsOnly: "the same `bundle install`",
		Source:   "`gemspec`, `path:` gems, Gemfiles that read other files",
		tools:    nameSet("bundle", "bundler"),
		match:    matchBundler,
		kind:     subKind(nameSet("", "install", "update", "lock", "package", "cache"), nameSet("exec"), nameSet("config", "version", "--version", "-v")),
		source:   bundlerSource,
	},
	{
		Name:     "composer",
		Required: []string{"composer.json"},
		Optional: []string{"composer.lock", "auth.json"},
		Outputs:  []string{"vendor"},
		DepsOnly: "`composer install --no-scripts --no-autoloader`, then the original",
		Source:   "`path` repositories",
		tools:    nameSet("composer", "composer.phar"),
		match:    matchComposer,
		kind:     subKind(nameSet("install", "require", "update", "i", "u"), nameSet("dump-autoload", "dumpautoload", "run-script", "run"), nil),
		source:   composerSource,
	},
	{
		Name:     "dotnet",
		Optional: []string{"global.json"},
		DepsOnly: "`dotnet restore`, then the original",
		Source:   "MSBuild imports of other files",
		tools:    nameSet("dotnet"),
		match:    matchDotnet,
		kind:     subKind(nameSet("restore", "add", "tool"), nameSet("build", "publish", "test", "pack", "msbuild"), nil),
		extra:    dotnetProjects,
	},
}

func nameSet(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// toolBase strips a version suffix: pip3.11 → pip3, python3.12 → python3.
func toolBase(name string) string {
	if i := strings.IndexByte(name, '.'); i > 0 && name != "composer.phar" {
		if strings.Trim(name[i:], ".0123456789") == "" {
			return name[:i]
		}
	}
	return name
}

// ecosystemOfTool finds the row whose tool this is.
func ecosystemOfTool(name string) *Ecosystem {
	name = toolBase(name)
	for _, e := range Ecosystems {
		if e.tools[name] {
			return e
		}
	}
	return nil
}

// Kind classifies a command line of the ecosystem's tool.
func (e *Ecosystem) Kind(name string, args []*syntax.Word, sub string) WorkKind {
	if e.kind == nil {
		return KindOther
	}
	return e.kind(name, args, sub)
}

// subKind classifies by subcommand: deps, build, other; any other
// subcommand counts as a build when other is given (yarn and pnpm run
// scripts by name), else as other.
func subKind(deps, build, other map[string]bool) func(string, []*syntax.Word, string) WorkKind {
	return func(_ string, _ []*syntax.Word, sub string) WorkKind {
		switch {
		case deps[sub]:
			return KindDeps
		case build[sub]:
			return KindBuild
		case other != nil && !other[sub]:
			return KindBuild
		}
		return KindOther
	}
}

// recognise finds a dependency install in a call.
func recognise(c *syntax.CallExpr) *install {
	name, args, ok := callName(c)
	if !ok {
		return nil
	}
	name = toolBase(name)
	e := ecosystemOfTool(name)
	if pa := pythonPip(name, args); pa != nil {
		e, name, args = Ecosystems[0], "pip", pa
	}
	if e == nil {
		return nil
	}
	in := e.match(name, args)
	if in != nil {
		in.eco = e
		if in.args == nil {
			in.args = args
		}
	}
	return in
}

// pythonPip returns the pip command line of `python -m pip …` and
// `uv pip …` (args[0] is then the word "pip").
func pythonPip(name string, args []*syntax.Word) []*syntax.Word {
	switch name {
	case "python", "python3", "python2", "py":
		for i := 1; i < len(args); i++ {
			v, ok := litWord(args[i])
			if !ok {
				return nil
			}
			if v == "-m" && i+1 < len(args) {
				if m, _ := litWord(args[i+1]); m == "pip" {
					return args[i+1:]
				}
				return nil
			}
			if !strings.HasPrefix(v, "-") {
				return nil
			}
		}
	case "uv":
		if len(args) > 1 {
			if v, _ := litWord(args[1]); v == "pip" {
				return args[1:]
			}
		}
	}
	return nil
}

// opt is one option of a command line.
type opt struct {
	name  string // "-r", "--requirement"
	value string // its value ("" for a flag)
	lit   bool   // the value is literal
	i, vi int    // indexes of the option and of its value word (vi == i when attached or a flag)
}

// cmdLine splits a command line (after args[0] and the subcommand words)
// into options and positional arguments. valued lists the options that
// take a value; a short valued option may carry it attached (-rfile).
type cmdLine struct {
	opts []opt
	pos  []int // indexes of positional words
	lit  bool  // every word is literal
}

func parseLine(args []*syntax.Word, from int, valued map[string]bool) cmdLine {
	cl := cmdLine{lit: true}
	for i := from; i < len(args); i++ {
		v, ok := litWord(args[i])
		if !ok {
			cl.lit = false
			if p := dashPrefix(args[i]); p != "" {
				// --opt=$VALUE: an option whose value is not literal.
				name, _, _ := strings.Cut(p, "=")
				cl.opts = append(cl.opts, opt{name: name, i: i, vi: i})
				continue
			}
		}
		if !ok || !strings.HasPrefix(v, "-") || v == "-" {
			cl.pos = append(cl.pos, i)
			continue
		}
		if v == "--" {
			for j := i + 1; j < len(args); j++ {
				cl.pos = append(cl.pos, j)
			}
			break
		}
		o := opt{name: v, i: i, vi: i, lit: true}
		if k := strings.IndexByte(v, '='); k > 2 || k == 2 && strings.HasPrefix(v, "--") {
			o.name, o.value = v[:k], v[k+1:] // --flag=value, and Go's -flag=value
		} else if valued[v] && i+1 < len(args) {
			i++
			o.vi = i
			o.value, o.lit = litWord(args[i])
			if !o.lit {
				cl.lit = false
			}
		} else if !strings.HasPrefix(v, "--") && len(v) > 2 && valued[v[:2]] {
			o.name, o.value = v[:2], v[2:]
		}
		cl.opts = append(cl.opts, o)
	}
	return cl
}

// dashPrefix is the literal start of a word when it starts with a dash.
func dashPrefix(w *syntax.Word) string {
	if len(w.Parts) > 0 {
		if l, ok := w.Parts[0].(*syntax.Lit); ok && strings.HasPrefix(l.Value, "-") {
			return l.Value
		}
	}
	return ""
}

func (cl cmdLine) has(names ...string) bool {
	for _, o := range cl.opts {
		for _, n := range names {
			if o.name == n {
				return true
			}
		}
	}
	return false
}

func (cl cmdLine) get(names ...string) (opt, bool) {
	for _, o := range cl.opts {
		for _, n := range names {
			if o.name == n {
				return o, true
			}
		}
	}
	return opt{}, false
}

// subAt returns the first positional word (the subcommand) and its index.
func subAt(args []*syntax.Word) (string, int) {
	for i := 1; i < len(args); i++ {
		v, ok := litWord(args[i])
		if !ok {
			return "", -1
		}
		if !strings.HasPrefix(v, "-") {
			return v, i
		}
	}
	return "", -1
}

// localPath reports whether a requirement or package argument names a
// path on disk rather than a package.
func localPath(s string) bool {
	if strings.Contains(s, "://") {
		return strings.HasPrefix(s, "file:")
	}
	return s == "." || s == ".." || strings.HasPrefix(s, "./") || strings.HasPrefix(s, "../") ||
		strings.HasPrefix(s, "/") || strings.HasPrefix(s, "~") || strings.HasPrefix(s, "file:") ||
		strings.Contains(s, "/") || strings.HasSuffix(s, ".whl") || strings.HasSuffix(s, ".tar.gz") || strings.HasSuffix(s, ".zip")
}

// ---- pip ----

var pipValued = nameSet("-r", "--requirement", "-c", "--constraint", "-e", "--editable",
	"-i", "--index-url", "--extra-index-url", "-f", "--find-links", "--trusted-host",
	"-t", "--target", "--prefix", "--root", "--src", "--platform", "--python-version",
	"--implementation", "--abi", "--only-binary", "--no-binary", "--progress-bar",
	"--cache-dir", "--log", "--proxy", "--retries", "--timeout", "--exists-action",
	"--cert", "--client-cert", "--upgrade-strategy", "--global-option", "--install-option",
	"-C", "--config-settings", "--report", "--python", "--keyring-provider",
	"--use-feature", "--use-deprecated", "--root-user-action", "-p", "--group")

func matchPip(_ string, args []*syntax.Word) *install {
	sub, si := subAt(args)
	if sub != "install" {
		return nil
	}
	in := &install{args: args, same: true, dep: (*textOf).stmt}
	cl := parseLine(args, si+1, pipValued)
	for _, o := range cl.opts {
		switch o.name {
		case "-r", "--requirement", "-c", "--constraint":
			if !o.lit || strings.Contains(o.value, "$") {
				in.source = "the requirements file is not named literally"
			} else if strings.Contains(o.value, "://") {
				continue
			} else {
				in.named = append(in.named, o.value)
			}
		case "-e", "--editable":
			in.source = "`" + o.name + " " + o.value + "` is an editable install of local source"
		case "-f", "--find-links":
			if localPath(o.value) && !strings.HasPrefix(o.value, "/") || !o.lit {
				in.source = "`--find-links " + o.value + "` reads a folder of the source"
			}
		case "-t", "--target", "--prefix", "--root", "--src":
			if !strings.HasPrefix(o.value, "/") {
				in.source = "`" + o.name + " " + o.value + "` installs into the source tree"
			}
		}
	}
	for _, p := range cl.pos {
		v, ok := litWord(args[p])
		if !ok {
			continue // a package named by a variable
		}
		if localPath(v) {
			in.source = "`pip install " + v + "` installs the project itself"
		}
	}
	if len(in.named) == 0 && in.source == "" {
		return nil // packages named on the command line: not a manifest install
	}
	// Installing from requirement files writes only to site-packages (and
	// the scripts folder): with the files checked in the context it can
	// move above the COPY instead of running twice.
	if in.source == "" && !cl.has("-t", "--target", "--prefix", "--root", "--src", "--user") {
		in.writes, in.lock = writesPipReq, in.named
	}
	return in
}

// pipIncludes follows the -r/-c files, and the -r/-c lines inside them.
func pipIncludes(v *ctxView, in *install, dir string) ([]string, string) {
	var files []string
	seen := map[string]bool{}
	var walk func(rel string, depth int) string
	walk = func(rel string, depth int) string {
		if seen[rel] || depth > 20 {
			return ""
		}
		seen[rel] = true
		if why := v.need(rel); why != "" {
			return why
		}
		files = append(files, rel)
		if v.c == nil {
			return ""
		}
		for _, line := range requirementLines(v.read(rel)) {
			f := strings.Fields(line)
			if len(f) == 0 {
				continue
			}
			name, val := f[0], ""
			if len(f) > 1 {
				val = f[1]
			}
			if k := strings.IndexByte(name, '='); k > 0 && strings.HasPrefix(name, "--") {
				name, val = name[:k], name[k+1:]
			} else if len(name) > 2 && (strings.HasPrefix(name, "-r") || strings.HasPrefix(name, "-c") || strings.HasPrefix(name, "-e") || strings.HasPrefix(name, "-f")) && !strings.HasPrefix(name, "--") {
				name, val = name[:2], name[2:]
			}
			switch name {
			case "-r", "--requirement", "-c", "--constraint":
				if strings.Contains(val, "://") {
					continue
				}
				if strings.Contains(val, "$") || val == "" {
					return needsSource(rel + " includes a file that is not named literally")
				}
				if why := walk(Clean(path.Join(path.Dir(rel), val)), depth+1); why != "" {
					return why
				}
			case "-e", "--editable":
				return needsSource(rel + " has an editable install (`" + line + "`)")
			case "-f", "--find-links":
				if !strings.Contains(val, "://") {
					return needsSource(rel + " reads a local folder of packages (`" + line + "`)")
				}
			default:
				if strings.HasPrefix(name, "-") {
					continue
				}
				req := line
				if k := strings.Index(req, " @ "); k >= 0 {
					req = strings.TrimSpace(req[k+3:])
				}
				req = strings.Fields(strings.SplitN(req, ";", 2)[0])[0]
				if localPath(req) || strings.Contains(req, "${") {
					return needsSource(rel + " installs a local path (`" + line + "`)")
				}
			}
		}
		return ""
	}
	for _, n := range in.named {
		if why := walk(n, 0); why != "" {
			return nil, why
		}
	}
	return files, ""
}

// requirementLines returns the logical lines of a requirements file:
// continuations joined, comments and blank lines dropped.
func requirementLines(text string) []string {
	var out []string
	var cur strings.Builder
	for _, l := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "#") {
			l = ""
		} else if k := strings.Index(l, " #"); k >= 0 {
			l = l[:k]
		}
		if strings.HasSuffix(l, `\`) {
			cur.WriteString(strings.TrimSuffix(l, `\`) + " ")
			continue
		}
		cur.WriteString(l)
		if s := strings.TrimSpace(cur.String()); s != "" {
			out = append(out, s)
		}
		cur.Reset()
	}
	return out
}

// ---- poetry, pipenv, uv ----

func matchPoetry(_ string, args []*syntax.Word) *install {
	sub, si := subAt(args)
	if sub != "install" {
		return nil
	}
	cl := parseLine(args, si+1, nameSet("-C", "--directory", "-P", "--project", "-E", "--extras", "--with", "--without", "--only", "-v"))
	if cl.has("--only-root") {
		return nil
	}
	in := &install{}
	if o, ok := cl.get("-C", "--directory", "-P", "--project"); ok {
		if !o.lit {
			return &install{source: "the project folder is not named literally"}
		}
		in.dir = o.value
	}
	if cl.has("--no-root") {
		in.same, in.dep = true, (*textOf).stmt
		return in
	}
	in.dep = func(t *textOf) string { return t.splice(t.after(si, " --no-root")) }
	return in
}

func matchPipenv(_ string, args []*syntax.Word) *install {
	sub, si := subAt(args)
	if sub != "install" && sub != "sync" {
		return nil
	}
	cl := parseLine(args, si+1, nameSet("--python", "--pypi-mirror", "-r", "--requirements", "--categories", "--extra-pip-args"))
	if len(cl.pos) > 0 || cl.has("-r", "--requirements", "-e", "--editable") {
		return nil // adds packages to the Pipfile
	}
	return &install{same: true, dep: (*textOf).stmt}
}

func matchUv(_ string, args []*syntax.Word) *install {
	sub, si := subAt(args)
	if sub != "sync" {
		return nil
	}
	cl := parseLine(args, si+1, nameSet("--directory", "--project", "--package", "--extra", "--group",
		"--only-group", "--no-group", "-p", "--python", "--index", "--default-index", "--index-url",
		"--extra-index-url", "--find-links", "-f", "--index-strategy", "--keyring-provider",
		"--resolution", "--prerelease", "--exclude-newer", "--link-mode", "-P", "--upgrade-package",
		"--reinstall-package", "--refresh-package", "--cache-dir", "--config-file", "--python-platform",
		"--no-install-package", "--color", "--script"))
	if cl.has("--package", "--script", "--all-packages") {
		return nil
	}
	in := &install{}
	if o, ok := cl.get("--directory", "--project"); ok {
		if !o.lit {
			return &install{source: "the project folder is not named literally"}
		}
		in.dir = o.value
	}
	if cl.has("--no-install-project", "--only-dev") {
		in.same, in.dep = true, (*textOf).stmt
		return in
	}
	in.dep = func(t *textOf) string {
		var edits []emit.Edit
		ins := " --no-install-project"
		if o, ok := cl.get("--locked"); ok {
			sp := t.sc.SpanOf(t.args[o.i])
			edits = append(edits, emit.Edit{Start: sp.Start, End: sp.End, New: "--frozen"})
		} else if !cl.has("--frozen") {
			ins = " --frozen" + ins
		}
		edits = append(edits, t.after(si, ins))
		return t.splice(edits...)
	}
	return in
}

// tomlPathDeps refuses a TOML manifest that is not valid TOML or has a
// path or editable dependency: the install needs that source too.
func tomlPathDeps(file string) func(*ctxView, *install, string) string {
	return func(v *ctxView, _ *install, dir string) string {
		return tomlManifestSource(file, v.read(path.Join(dir, file)))
	}
}

func uvSource(v *ctxView, _ *install, dir string) string {
	return uvManifestSource(v.read(path.Join(dir, "pyproject.toml")))
}

// ---- npm, yarn, pnpm ----

var npmValued = nameSet("--prefix", "-C", "--loglevel", "--cache", "--registry", "--omit", "--include",
	"--userconfig", "-w", "--workspace", "--only", "--install-strategy", "--cwd", "--network-timeout",
	"--mutex", "--modules-folder", "--cache-folder", "--filter", "--dir", "--reporter", "--store-dir",
	"--virtual-store-dir", "--mode", "--network-concurrency", "--child-concurrency", "--fetch-timeout")

func matchNpm(_ string, args []*syntax.Word) *install {
	sub, si := subAt(args)
	switch sub {
	case "ci", "install", "i", "isntall", "clean-install":
	default:
		return nil
	}
	cl := parseLine(args, si+1, npmValued)
	if len(cl.pos) > 0 || cl.has("-g", "--global", "-w", "--workspace", "--workspaces") {
		return nil // named packages, a global install, workspaces
	}
	in := &install{same: true, dep: (*textOf).stmt}
	if o, ok := cl.get("--prefix", "-C"); ok {
		if !o.lit {
			return &install{source: "the project folder is not named literally"}
		}
		in.dir = o.value
	}
	in.writes, in.lock = writesNpmCI, []string{"package-lock.json", "npm-shrinkwrap.json"}
	if sub != "ci" && sub != "clean-install" {
		in.writes = writesNpmInstall // it rewrites the lock
	}
	in.ignoreScripts = cl.has("--ignore-scripts")
	return in
}

func matchYarn(_ string, args []*syntax.Word) *install {
	sub, si := subAt(args)
	if si < 0 {
		si = 0
		if len(args) > 1 {
			if _, ok := litWord(args[1]); !ok {
				return nil
			}
		}
	}
	if sub != "" && sub != "install" {
		return nil
	}
	cl := parseLine(args, si+1, npmValued)
	if len(cl.pos) > 0 || cl.has("--version", "-v", "--help", "-h") {
		return nil
	}
	in := &install{same: true, dep: (*textOf).stmt}
	if o, ok := cl.get("--cwd"); ok {
		if !o.lit {
			return &install{source: "the project folder is not named literally"}
		}
		in.dir = o.value
	}
	in.ignoreScripts = cl.has("--ignore-scripts")
	return in
}

func matchPnpm(_ string, args []*syntax.Word) *install {
	sub, si := subAt(args)
	if sub == "fetch" {
		return &install{same: true, dep: (*textOf).stmt}
	}
	if sub != "install" && sub != "i" {
		return nil
	}
	cl := parseLine(args, si+1, npmValued)
	if len(cl.pos) > 0 || cl.has("-g", "--global", "--filter", "-F") {
		return nil
	}
	in := &install{}
	if o, ok := cl.get("--dir", "-C"); ok {
		if !o.lit {
			return &install{source: "the project folder is not named literally"}
		}
		in.dir = o.value
	}
	prod := cl.has("--prod", "-P", "--production")
	in.dep = func(t *textOf) string {
		s := t.upTo(0) + " fetch"
		if prod {
			s += " --prod"
		}
		return s
	}
	return in
}

var lifecycle = []string{"preinstall", "install", "postinstall", "prepublish", "preprepare", "prepare", "postprepare"}

// nodeSource reads package.json for what makes an install need the source.
func nodeSource(v *ctxView, in *install, dir string) string {
	var pkg struct {
		Workspaces           json.RawMessage   `json:"workspaces"`
		Scripts              map[string]string `json:"scripts"`
		Dependencies         map[string]string `json:"dependencies"`
		DevDependencies      map[string]string `json:"devDependencies"`
		OptionalDependencies map[string]string `json:"optionalDependencies"`
	}
	if err := json.Unmarshal([]byte(v.read(path.Join(dir, "package.json"))), &pkg); err != nil {
		return "package.json does not parse as JSON"
	}
	if len(pkg.Workspaces) > 0 && string(pkg.Workspaces) != "null" {
		return "package.json declares workspaces"
	}
	for _, deps := range []map[string]string{pkg.Dependencies, pkg.DevDependencies, pkg.OptionalDependencies} {
		for name, spec := range deps {
			for _, p := range []string{"file:", "link:", "portal:", "workspace:", "./", "../", "/"} {
				if strings.HasPrefix(spec, p) {
					return "package.json has a local dependency (`" + name + ": " + spec + "`)"
				}
			}
		}
	}
	if !in.ignoreScripts {
		for _, s := range lifecycle {
			if _, ok := pkg.Scripts[s]; ok {
				return "package.json has a `" + s + "` script, which runs on install"
			}
		}
	}
	return ""
}

// ---- go ----

func goKind(_ string, args []*syntax.Word, sub string) WorkKind {
	switch sub {
	case "mod", "get":
		return KindDeps
	case "install":
		for _, a := range args[2:] {
			if v, _ := litWord(a); strings.Contains(v, "@") {
				return KindDeps
			}
		}
		return KindBuild
	case "build", "test", "vet", "generate", "run":
		return KindBuild
	}
	return KindOther
}

var goValued = nameSet("-o", "-p", "-tags", "-ldflags", "-gcflags", "-asmflags", "-buildmode",
	"-compiler", "-gccgoflags", "-installsuffix", "-mod", "-modfile", "-pkgdir", "-toolexec",
	"-overlay", "-pgo", "-covermode", "-coverpkg", "-run", "-bench", "-timeout", "-count",
	"-cpu", "-parallel", "-exec", "-C", "-buildvcs", "-skip", "-coverprofile", "-json", "-x")

func matchGo(_ string, args []*syntax.Word) *install {
	sub, si := subAt(args)
	switch sub {
	case "build", "install", "test", "run", "vet", "generate":
	case "mod":
		if si+1 >= len(args) {
			return nil
		}
		if v, _ := litWord(args[si+1]); v != "download" {
			return nil
		}
		si++
	default:
		return nil
	}
	cl := parseLine(args, si+1, goValued)
	for _, p := range cl.pos {
		if v, _ := litWord(args[p]); strings.Contains(v, "@") {
			return nil // a remote install: no go.mod involved
		}
	}
	if o, ok := cl.get("-mod"); ok && o.value == "vendor" {
		return &install{ignore: true}
	}
	if cl.has("-modfile", "-C") {
		return &install{source: "the build names another go.mod or folder"}
	}
	if sub == "mod" {
		// `go mod download` may write go.mod and go.sum (installWrites).
		return &install{same: true, dep: (*textOf).stmt, writes: writesGoModDownld, lock: []string{"go.sum"}}
	}
	return &install{dep: func(t *textOf) string { return t.upTo(0) + " mod download" }}
}

var goReplaceLocal = regexp.MustCompile(`(?m)=>\s*(\./|\.\./|/)`)

func goSource(v *ctxView, _ *install, dir string) string {
	if v.exists(path.Join(dir, "vendor/modules.txt")) {
		return ignoreReason
	}
	if goReplaceLocal.MatchString(v.read(path.Join(dir, "go.mod"))) {
		return "go.mod replaces a module with a local folder"
	}
	for d := dir; v.under(d); d = path.Dir(d) {
		if v.exists(path.Join(d, "go.work")) {
			return "a go.work workspace uses other modules of the source"
		}
		if d == "." || d == "/" || d == "" {
			break
		}
	}
	return ""
}

// ---- cargo ----

func matchCargo(_ string, args []*syntax.Word) *install {
	sub, si := subAt(args)
	switch sub {
	case "build", "b", "test", "t", "run", "r", "check", "c", "fetch", "doc", "clippy", "bench":
	case "install":
		cl := parseLine(args, si+1, nameSet("--path", "--root", "--version", "--git", "--branch", "--tag", "--rev", "--target", "-j", "--jobs", "--profile", "-F", "--features"))
		if !cl.has("--path") {
			return nil // a crate from the registry
		}
	default:
		return nil
	}
	cl := parseLine(args, si+1, nameSet("--manifest-path", "-p", "--package", "--target", "-j", "--jobs", "--profile", "-F", "--features", "--bin", "--example", "--test", "--bench", "--target-dir", "--color", "-Z", "--config", "--message-format", "--path", "--root"))
	if cl.has("--manifest-path") {
		return &install{source: "the build names another Cargo.toml"}
	}
	if o, ok := cl.get("--path"); ok && o.value != "." && o.value != "./" {
		return &install{source: "`cargo install --path " + o.value + "` builds another folder"}
	}
	locked := ""
	for _, f := range []string{"--locked", "--frozen", "--offline"} {
		if cl.has(f) {
			locked += " " + f
		}
	}
	in := &install{}
	in.dep = func(t *textOf) string {
		return "mkdir src && touch src/main.rs && " + t.upTo(0) + " fetch" + locked + " && rm -r src"
	}
	return in
}

func cargoSource(v *ctxView, _ *install, dir string) string {
	if why := cargoManifestSource([]byte(v.read(path.Join(dir, "Cargo.toml")))); why != "" {
		return why
	}
	for _, c := range []string{".cargo/config.toml", ".cargo/config"} {
		data := v.read(path.Join(dir, c))
		if data == "" {
			continue
		}
		if _, source, err := cargoConfigMoves(c, []byte(data)); err != nil {
			return err.Error()
		} else if source {
			return c + " replaces the package sources"
		}
	}
	return ""
}

// ---- maven, gradle ----

func mavenKind(_ string, args []*syntax.Word, _ string) WorkKind {
	k := KindOther
	for _, a := range args[1:] {
		v, _ := litWord(a)
		if v == "" || strings.HasPrefix(v, "-") {
			continue
		}
		if strings.HasPrefix(v, "dependency:") {
			if k == KindOther {
				k = KindDeps
			}
			continue
		}
		k = KindBuild
	}
	return k
}

var mavenValued = nameSet("-f", "--file", "-s", "--settings", "-gs", "--global-settings", "-P",
	"--activate-profiles", "-pl", "--projects", "-T", "--threads", "-l", "--log-file",
	"-t", "--toolchains", "-rf", "--resume-from", "-D", "-b", "--builder")

// carried keeps the options of the original a dependency-only command needs too.
func carried(t *textOf, cl cmdLine, keep func(name string) bool) string {
	var b strings.Builder
	for _, o := range cl.opts {
		if keep(o.name) {
			b.WriteString(" " + t.word(o.i))
			if o.vi != o.i {
				b.WriteString(" " + t.word(o.vi))
			}
		}
	}
	return b.String()
}

func matchMaven(name string, args []*syntax.Word) *install {
	cl := parseLine(args, 1, mavenValued)
	goals := 0
	offline := true
	for _, p := range cl.pos {
		v, ok := litWord(args[p])
		if !ok {
			return nil
		}
		goals++
		if v != "dependency:go-offline" && v != "dependency:resolve" && v != "dependency:resolve-plugins" {
			offline = false
		}
	}
	if goals == 0 {
		return nil
	}
	in := &install{}
	if cl.has("-pl", "--projects", "-rf", "--resume-from") {
		return &install{source: "the build selects modules of a multi-module project"}
	}
	if o, ok := cl.get("-f", "--file"); ok {
		if !o.lit {
			return &install{source: "the POM is not named literally"}
		}
		in.dir = path.Dir(o.value)
		if path.Base(o.value) != "pom.xml" {
			return &install{source: "the build uses " + o.value}
		}
	}
	if o, ok := cl.get("-s", "--settings", "-gs", "--global-settings"); ok {
		if !o.lit {
			return &install{source: "the settings file is not named literally"}
		}
		if !strings.HasPrefix(o.value, "/") {
			in.named = append(in.named, o.value)
		}
	}
	if name == "mvnw" {
		in.named = append(in.named, "mvnw")
	}
	if offline {
		in.same, in.dep = true, (*textOf).stmt
		return in
	}
	batch := cl.has("-B", "--batch-mode")
	in.dep = func(t *textOf) string {
		s := t.upTo(0)
		if !batch {
			s += " -B"
		}
		s += carried(t, cl, func(n string) bool {
			switch n {
			case "-f", "--file", "-P", "--activate-profiles", "-D", "-U", "-B", "--batch-mode", "-q", "--quiet",
				"-e", "-ntp", "--no-transfer-progress", "-s", "--settings", "-gs", "--global-settings", "-o", "--offline", "-T", "--threads":
				return true
			}
			return strings.HasPrefix(n, "-D") || strings.HasPrefix(n, "-P")
		})
		return s + " dependency:go-offline"
	}
	return in
}

var mavenModules = regexp.MustCompile(`<modules>|<relativePath>\s*[^<\s]`)

func mavenSource(v *ctxView, _ *install, dir string) string {
	pom := v.read(path.Join(dir, "pom.xml"))
	if m := mavenModules.FindString(pom); m != "" {
		if m == "<modules>" {
			return "pom.xml is a multi-module build"
		}
		return "pom.xml inherits a parent POM from the source (`<relativePath>`)"
	}
	if strings.Contains(pom, "<parent>") && v.exists(path.Join(dir, "..", "pom.xml")) && dir != "" && dir != "." {
		return "pom.xml inherits the parent POM beside it"
	}
	return ""
}

func gradleKind(_ string, args []*syntax.Word, _ string) WorkKind {
	k := KindOther
	for _, a := range args[1:] {
		v, _ := litWord(a)
		if v == "" || strings.HasPrefix(v, "-") {
			continue
		}
		if v == "dependencies" || v == "androidDependencies" {
			if k == KindOther {
				k = KindDeps
			}
			continue
		}
		k = KindBuild
	}
	return k
}

func matchGradle(name string, args []*syntax.Word) *install {
	cl := parseLine(args, 1, nameSet("-p", "--project-dir", "-b", "--build-file", "-c", "--settings-file", "-x", "--exclude-task", "-D", "-P", "-I", "--init-script", "--console", "-g", "--gradle-user-home", "--max-workers", "--warning-mode", "--priority"))
	tasks := 0
	deps := true
	for _, p := range cl.pos {
		v, ok := litWord(args[p])
		if !ok {
			return nil
		}
		tasks++
		if v != "dependencies" {
			deps = false
		}
	}
	if tasks == 0 {
		return nil
	}
	if cl.has("-b", "--build-file", "-c", "--settings-file", "-I", "--init-script") {
		return &install{source: "the build names other build or init scripts"}
	}
	in := &install{}
	if o, ok := cl.get("-p", "--project-dir"); ok {
		if !o.lit {
			return &install{source: "the project folder is not named literally"}
		}
		in.dir = o.value
	}
	if name == "gradlew" {
		in.named = append(in.named, "gradlew")
	}
	if deps {
		in.same, in.dep = true, (*textOf).stmt
		return in
	}
	in.dep = func(t *textOf) string {
		return t.upTo(0) + carried(t, cl, func(n string) bool {
			switch n {
			case "--no-daemon", "--offline", "-q", "--quiet", "--console", "-g", "--gradle-user-home", "-p", "--project-dir", "-D", "-P", "--refresh-dependencies", "-i", "--info", "-s", "--stacktrace":
				return true
			}
			return strings.HasPrefix(n, "-D") || strings.HasPrefix(n, "-P")
		}) + " dependencies"
	}
	return in
}

var gradleInclude = regexp.MustCompile(`(?m)^\s*(include|includeBuild|includeFlat)\b|\bapply\s*\(?\s*from\b`)

func gradleSource(v *ctxView, _ *install, dir string) string {
	for _, f := range []string{"settings.gradle", "settings.gradle.kts", "build.gradle", "build.gradle.kts"} {
		if m := gradleInclude.FindString(v.read(path.Join(dir, f))); m != "" {
			return f + " uses other parts of the source (`" + strings.TrimSpace(m) + "`)"
		}
	}
	if v.exists(path.Join(dir, "buildSrc")) {
		return "buildSrc is compiled into the build"
	}
	return ""
}

// ---- bundler, composer ----

func matchBundler(_ string, args []*syntax.Word) *install {
	sub, si := subAt(args)
	if sub != "install" && !(sub == "" && len(args) == 1) {
		if sub != "" || si >= 0 {
			return nil
		}
	}
	if si < 0 {
		si = 0
	}
	cl := parseLine(args, si+1, nameSet("--gemfile", "--path", "--without", "--with", "-j", "--jobs", "--retry", "--binstubs", "--shebang", "--standalone", "--trust-policy", "--target-rbconfig"))
	if cl.has("--gemfile") {
		return &install{source: "the install names another Gemfile"}
	}
	if o, ok := cl.get("--path"); ok && !strings.HasPrefix(o.value, "/") {
		if !o.lit || o.value != "vendor/bundle" {
			return &install{source: "`bundle install --path " + o.value + "` installs into the source tree"}
		}
	}
	return &install{same: true, dep: (*textOf).stmt}
}

var gemfileSource = regexp.MustCompile(`(?m)^\s*(gemspec\b|eval_gemfile\b|require_relative\b|load\b)|\bpath:|:path\s*=>|\bpath\s*\(|\bFile\.`)

func bundlerSource(v *ctxView, _ *install, dir string) string {
	gemfile := "Gemfile"
	if !v.exists(path.Join(dir, gemfile)) {
		gemfile = "gems.rb"
	}
	if m := gemfileSource.FindString(v.read(path.Join(dir, gemfile))); m != "" {
		return gemfile + " needs other files of the source (`" + strings.TrimSpace(m) + "`)"
	}
	return ""
}

func matchComposer(_ string, args []*syntax.Word) *install {
	sub, si := subAt(args)
	if sub != "install" && sub != "i" {
		return nil
	}
	cl := parseLine(args, si+1, nameSet("-d", "--working-dir", "--prefer-install", "--ignore-platform-req"))
	if len(cl.pos) > 0 {
		return nil
	}
	in := &install{}
	if o, ok := cl.get("-d", "--working-dir"); ok {
		if !o.lit {
			return &install{source: "the project folder is not named literally"}
		}
		in.dir = o.value
	}
	if cl.has("--no-scripts") && cl.has("--no-autoloader") {
		in.same, in.dep = true, (*textOf).stmt
		return in
	}
	in.dep = func(t *textOf) string {
		add := ""
		if !cl.has("--no-scripts") {
			add += " --no-scripts"
		}
		if !cl.has("--no-autoloader") {
			add += " --no-autoloader"
		}
		return t.splice(t.after(si, add))
	}
	return in
}

func composerSource(v *ctxView, _ *install, dir string) string {
	var c struct {
		Repositories json.RawMessage `json:"repositories"`
		Config       struct {
			VendorDir string `json:"vendor-dir"`
		} `json:"config"`
	}
	if err := json.Unmarshal([]byte(v.read(path.Join(dir, "composer.json"))), &c); err != nil {
		return "composer.json does not parse as JSON"
	}
	if strings.Contains(strings.ReplaceAll(string(c.Repositories), " ", ""), `"type":"path"`) {
		return "composer.json has a `path` repository"
	}
	if c.Config.VendorDir != "" && c.Config.VendorDir != "vendor" {
		if v.exists(path.Join(dir, c.Config.VendorDir)) {
			return c.Config.VendorDir + " is in the build context and would overwrite the installed packages"
		}
	}
	return ""
}

// ---- dotnet ----

var dotnetValued = nameSet("-c", "--configuration", "-r", "--runtime", "-o", "--output", "-f", "--framework",
	"-s", "--source", "--configfile", "-a", "--arch", "--os", "-v", "--verbosity", "--version-suffix",
	"--packages", "-p", "--property", "--ucr", "--lockfile-path", "--artifacts-path", "--logger",
	"-l", "--filter", "--settings", "-bl")

func matchDotnet(_ string, args []*syntax.Word) *install {
	sub, si := subAt(args)
	switch sub {
	case "restore", "build", "publish", "test", "pack", "run":
	default:
		return nil
	}
	cl := parseLine(args, si+1, dotnetValued)
	if cl.has("--no-restore") {
		return nil
	}
	in := &install{}
	proj := -1
	for _, p := range cl.pos {
		v, ok := litWord(args[p])
		if !ok {
			return &install{source: "the project is not named literally"}
		}
		if strings.HasPrefix(v, "/p:") || strings.HasPrefix(v, "-p:") || strings.HasPrefix(v, "/property:") {
			continue
		}
		if proj >= 0 {
			return nil
		}
		proj = p
		in.named = append(in.named, strings.ReplaceAll(v, `\`, "/"))
	}
	if sub == "restore" {
		in.same, in.dep = true, (*textOf).stmt
		return in
	}
	in.dep = func(t *textOf) string {
		s := t.upTo(0) + " restore"
		if proj >= 0 {
			s += " " + t.word(proj)
		}
		s += carried(t, cl, func(n string) bool {
			switch n {
			case "-r", "--runtime", "-s", "--source", "--configfile", "-p", "--property", "--packages", "-a", "--arch", "--os",
				"--disable-parallel", "--no-cache", "--use-current-runtime", "--ucr", "--locked-mode", "--force-evaluate", "--sc", "--self-contained":
				return true
			}
			return strings.HasPrefix(n, "-p:") || strings.HasPrefix(n, "--property:")
		})
		for _, p := range cl.pos {
			if v, _ := litWord(t.args[p]); strings.HasPrefix(v, "/p:") || strings.HasPrefix(v, "-p:") || strings.HasPrefix(v, "/property:") {
				s += " " + t.word(p)
			}
		}
		return s
	}
	return in
}

var (
	slnProject = regexp.MustCompile(`(?m)^Project\([^)]*\)\s*=\s*"[^"]*",\s*"([^"]+\.(?:cs|fs|vb)proj)"`)
	slnxProj   = regexp.MustCompile(`<Project\s+Path="([^"]+)"`)
	projRef    = regexp.MustCompile(`<ProjectReference\s+Include="([^"]+)"`)
	msbImport  = regexp.MustCompile(`<Import\s+Project="([^"]+)"`)
)

// dotnetProjects finds the project files a restore reads: the named or
// discovered project or solution, the projects it references, and the
// MSBuild and NuGet files above each of them.
func dotnetProjects(v *ctxView, in *install, dir string) ([]string, string) {
	if v.c == nil {
		return nil, noContext
	}
	var start string
	if len(in.named) > 0 {
		start = in.named[0]
		if !strings.Contains(path.Base(start), ".") {
			dir, start = start, "" // a folder
		}
	}
	if start == "" {
		var found []string
		for _, n := range v.listAll(dir) {
			switch strings.ToLower(path.Ext(n)) {
			case ".sln", ".slnx", ".csproj", ".fsproj", ".vbproj":
				found = append(found, path.Join(dir, n))
			}
		}
		if len(found) != 1 {
			if len(found) == 0 {
				return nil, "no project or solution file in " + displayDir(dir)
			}
			return nil, "several project or solution files in " + displayDir(dir)
		}
		start = found[0]
		if why := v.need(start); why != "" {
			return nil, why
		}
	}
	var files []string
	seen := map[string]bool{}
	var queue []string
	add := func(rel string) string {
		rel = Clean(rel)
		if seen[rel] {
			return ""
		}
		seen[rel] = true
		if why := v.need(rel); why != "" {
			return why
		}
		files = append(files, rel)
		queue = append(queue, rel)
		return ""
	}
	if why := add(start); why != "" {
		return nil, why
	}
	for len(queue) > 0 {
		f := queue[0]
		queue = queue[1:]
		text := v.read(f)
		base := path.Dir(f)
		switch strings.ToLower(path.Ext(f)) {
		case ".sln":
			for _, m := range slnProject.FindAllStringSubmatch(text, -1) {
				if why := add(path.Join(base, strings.ReplaceAll(m[1], `\`, "/"))); why != "" {
					return nil, why
				}
			}
		case ".slnx":
			for _, m := range slnxProj.FindAllStringSubmatch(text, -1) {
				if why := add(path.Join(base, strings.ReplaceAll(m[1], `\`, "/"))); why != "" {
					return nil, why
				}
			}
		default:
			for _, m := range projRef.FindAllStringSubmatch(text, -1) {
				if why := add(path.Join(base, strings.ReplaceAll(m[1], `\`, "/"))); why != "" {
					return nil, why
				}
			}
			for _, m := range msbImport.FindAllStringSubmatch(text, -1) {
				if !strings.Contains(m[1], "GetPathOfFileAbove") && !strings.Contains(m[1], "GetDirectoryNameOfFileAbove") {
					return nil, f + " imports " + m[1]
				}
			}
			if ext := strings.ToLower(path.Ext(f)); ext != ".props" && ext != ".targets" {
				if p := path.Join(base, "packages.lock.json"); v.exists(p) {
					add(p)
				}
				if v.exists(path.Join(base, "obj")) {
					return nil, displayDir(path.Join(base, "obj")) + " is in the build context and would overwrite the restored packages"
				}
			}
		}
		// MSBuild and NuGet look upwards from every project (within the
		// copied folder: nothing above it is in the image).
		for d := base; v.under(d); d = path.Dir(d) {
			for _, n := range v.list(d) {
				switch strings.ToLower(n) {
				case "directory.build.props", "directory.build.targets", "directory.packages.props", "nuget.config":
					if why := add(path.Join(d, n)); why != "" {
						return nil, why
					}
				}
			}
			if d == "." || d == "" || d == "/" {
				break
			}
		}
	}
	return files, ""
}

func displayDir(d string) string {
	if d == "" || d == "." {
		return "the context root"
	}
	return d + "/"
}
