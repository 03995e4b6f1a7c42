package tools

import (
	"encoding/json"
	"path"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// nodeValued are the options of the Node package managers that take a
// value (npm, yarn and pnpm share most).
var nodeValued = []string{"--prefix", "-C", "--loglevel", "--cache", "--registry", "--omit", "--include",
	"--userconfig", "-w", "--workspace", "--only", "--install-strategy", "--cwd", "--network-timeout",
	"--mutex", "--modules-folder", "--cache-folder", "--filter", "--dir", "--reporter", "--store-dir",
	"--virtual-store-dir", "--mode", "--network-concurrency", "--child-concurrency", "--fetch-timeout"}

// npm: package.json and its lock, node_modules, ~/.npm.
var npm *Tool

func init() {
	npm = Register(&Tool{
		Name: "npm", Family: "npm", Rank: 50,
		Progs:   []string{"npm"},
		Secrets: &Secrets{Files: []SecretFile{{Name: ".npmrc", Marker: npmrcAuth}}, Also: []string{"npx"}},
		Command: Spec{
			Valued: nodeValued,
			Deps:   []string{"ci", "install", "i", "add", "update", "rebuild", "prune", "isntall"},
			Build:  []string{"run", "run-script", "test", "start", "build", "exec", "pack"},
			Uses:   []string{"install", "i", "in", "ins", "inst", "insta", "instal", "isnt", "isnta", "isntal", "isntall", "add", "ci", "clean-install", "ic", "install-clean", "isntall-clean", "update", "up", "upgrade", "udpate", "install-test", "it", "install-ci-test", "cit"},
		},
		Dockerignore: &Dockerignore{Entry: "node", Subs: []string{"ci", "install", "i", "add", "clean-install", "isntall"}},
		Hoist: &Hoist{
			Required:    []string{"package.json"},
			Optional:    []string{"package-lock.json", "npm-shrinkwrap.json", ".npmrc"},
			Outputs:     []string{"node_modules"},
			DepsOnly:    "the same `npm ci`/`npm install`",
			Source:      "workspaces, `file:`/`link:` dependencies, install scripts of the package itself",
			Match:       matchNpm,
			NeedsSource: nodeSource,
		},
		Cache: &Cache{
			Dirs:    []CacheDir{{Dirs: []string{"$npm_config_cache", "$NPM_CONFIG_CACHE", "~/.npm"}, Flags: []string{"--cache"}}, nodeGypHeaders},
			Clean:   CleanAny(CleanSub("cache", "clean"), CleanSub("cache", "rm"), CleanSub("cache", "clear")),
			Empties: EmptiesOwn,
			DirCmds: []DirCmd{{Args: "config get cache", Caches: []int{0}}, {Args: "c get cache", Caches: []int{0}}, {Args: "get cache", Caches: []int{0}}},
			// npx installs and runs packages from the cache (its _npx folder).
			Runtime: []string{"npx", "npm exec", "npm x"},
		},
		Writes: []*Write{npmCI, npmInstall},
	})
}

// nodeGypHeaders is node-gyp's cache of the Node.js headers it downloads
// to build a native module (node-gyp 5+: env-paths' cache folder, moved
// by --devdir, which npm passes on as npm_config_devdir). It is a pure
// cache: node-gyp downloads the headers again when the folder is empty.
// Mounted only where native modules are built: the stage installs a C++
// compiler or names node-gyp.
var nodeGypHeaders = CacheDir{
	Dirs:  []string{"$npm_config_devdir", "$NPM_CONFIG_DEVDIR", "$XDG_CACHE_HOME/node-gyp", "~/.cache/node-gyp"},
	Flags: []string{"--devdir"},
	When:  buildsNative,
}

// nativeToolchain are the words that show a stage prepared to build
// native modules: node-gyp itself, or the C++ compiler it needs (Debian's
// build-essential and g++, Alpine's build-base and g++, Fedora's gcc-c++).
var nativeToolchain = []string{"node-gyp", "npm_config_devdir", "NPM_CONFIG_DEVDIR", "--devdir", "build-essential", "build-base", "g++", "gcc-c++", "clang"}

func buildsNative(s Stage) bool { return s.Mentions(nativeToolchain...) }

var npmCI = &Write{
	Command: "npm ci",
	Writes: "node_modules (removed first, then installed from the lock; node_modules/.package-lock.json); never the lock or " +
		"package.json. With binding.gyp in the project npm runs `node-gyp rebuild`, which writes build/; dependency install " +
		"scripts may write outside node_modules (git hook installers write .git/hooks); the cache and logs go to ~/.npm",
	Hoist: "moves when node_modules is not in the context, the project has no binding.gyp, the COPY brings no .git (or no " +
		"dependency has an install script) and ~/.npm is not brought by the COPY; otherwise not hoisted (a second `npm ci` " +
		"reinstalls everything)",
	Move:      npmCIMove,
	Reinstall: true,
}

var npmInstall = &Write{
	Command: "npm install",
	Writes: "everything `npm ci` writes, and package-lock.json (npm-shrinkwrap.json when present), rewritten on every run: " +
		"top-level name from package.json, or the folder name when package.json has none; version from package.json; " +
		"lockfileVersion 1 converted to 2 or 3 (npm 7+), 2 or 3 rewritten as 1 by npm 6, 3 as 2 by npm 7 and 8; " +
		"packages[\"\"] from package.json; entries without resolved/integrity completed; keys sorted and indented like " +
		"package.json. A yarn.lock beside it is rewritten too",
	Hoist: "moves when the lock is provably written back byte for byte (the npm version of the image known, the lock in " +
		"npm's own form and in step with package.json, no configuration that changes it, no yarn.lock); otherwise it " +
		"runs again after the COPY",
	Move: npmInstallMove,
}

func matchNpm(_ string, args []*syntax.Word) *Install {
	sub, si := Sub(args)
	switch sub {
	case "ci", "install", "i", "isntall", "clean-install":
	default:
		return nil
	}
	cl := npm.Command.Parse(args, si+1)
	if len(cl.Pos) > 0 || cl.Has("-g", "--global", "-w", "--workspace", "--workspaces") {
		return nil // named packages, a global install, workspaces
	}
	in := &Install{Same: true, Dep: Same}
	if !ProjectDir(in, cl, "--prefix", "-C") {
		return &Install{Source: in.Source}
	}
	in.Writes, in.Lock = npmCI, []string{"package-lock.json", "npm-shrinkwrap.json"}
	if sub != "ci" && sub != "clean-install" {
		in.Writes = npmInstall // it rewrites the lock
	}
	in.IgnoreScripts = cl.Has("--ignore-scripts")
	return in
}

var lifecycle = []string{"preinstall", "install", "postinstall", "prepublish", "preprepare", "prepare", "postprepare"}

// nodeSource reads package.json for what makes an install need the source.
func nodeSource(v Context, in *Install, dir string) string {
	var pkg struct {
		Workspaces           json.RawMessage   `json:"workspaces"`
		Scripts              map[string]string `json:"scripts"`
		Dependencies         map[string]string `json:"dependencies"`
		DevDependencies      map[string]string `json:"devDependencies"`
		OptionalDependencies map[string]string `json:"optionalDependencies"`
	}
	if err := json.Unmarshal([]byte(v.Read(path.Join(dir, "package.json"))), &pkg); err != nil {
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
	if !in.IgnoreScripts {
		for _, s := range lifecycle {
			if _, ok := pkg.Scripts[s]; ok {
				return "package.json has a `" + s + "` script, which runs on install"
			}
		}
	}
	return ""
}

// npmCIMove: `npm ci` writes node_modules (checked against the context
// by the Outputs of the npm row), build/ through node-gyp, .git/hooks
// through dependency install scripts, and ~/.npm.
func npmCIMove(w WriteCheck) string {
	if !w.Install().IgnoreScripts {
		if w.Context().Exists(path.Join(w.CtxDir(), "binding.gyp")) {
			return "the project has binding.gyp, so npm runs `node-gyp rebuild`, which builds from the source into build/"
		}
		if git := w.GitInCopy(); git != "" {
			if why := w.NpmInstallScripts(npmLockText(w)); why != "" {
				return "the COPY brings " + git + " and " + why + ": an install script may write into it (git hook installers do)"
			}
		}
	}
	cl := npm.Command.Parse(w.Install().Args, 1)
	if o, ok := cl.Get("--cache"); ok {
		if !o.Lit {
			return "the npm cache folder is not named literally"
		}
		return w.WritesAt(w.Abs(o.Value))
	}
	for _, name := range []string{"NPM_CONFIG_CACHE", "npm_config_cache"} {
		if p, set, ok := w.EnvPath(name); set {
			if !ok {
				return "the value of " + name + " is not known"
			}
			return w.WritesAt(w.Abs(p))
		}
	}
	return w.Home(".npm")
}

// npmLockFile is the lock npm uses in the project (npm-shrinkwrap.json wins).
func npmLockFile(w WriteCheck) string {
	for _, n := range []string{"npm-shrinkwrap.json", "package-lock.json"} {
		if p := path.Join(w.CtxDir(), n); w.Context().Exists(p) {
			return p
		}
	}
	return ""
}

func npmLockText(w WriteCheck) string {
	if f := npmLockFile(w); f != "" {
		return w.Context().Read(f)
	}
	return ""
}

// npmInstallMove: everything of `npm ci`, and the lock file npm writes
// back on every run.
func npmInstallMove(w WriteCheck) string {
	if why := npmCIMove(w); why != "" {
		return why
	}
	saves, why := w.NpmSaves()
	if why != "" || !saves {
		return why
	}
	lock := npmLockFile(w)
	if lock == "" {
		return "there is no package-lock.json, which npm install creates"
	}
	if y := path.Join(w.CtxDir(), "yarn.lock"); w.Context().Exists(y) {
		return "npm install also rewrites " + y + " (from its own tree), and the COPY brings the original back"
	}
	npmMin, why := w.NpmVersion()
	if why != "" {
		return "npm install rewrites " + path.Base(lock) + " in the form of its version, and " + why
	}
	return w.NpmLockFixed(w.Context().Read(path.Join(w.CtxDir(), "package.json")), w.Context().Read(lock), path.Base(lock), w.PDir(), npmMin)
}
