package tools

import (
	"encoding/json"
	"path"
	"slices"
	"strconv"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// Yarn is two tools with the same programs: classic (1.x) and berry
// (2+). Which one a command runs is decided by Applies, from the signs of
// berry in the stage and the build context (yarnBerry), never by the
// order of the registry.

var yarnProgs = []string{"yarn", "yarnpkg"}

// yarn is Yarn 1: package.json and yarn.lock, its cache under ~/.cache/yarn.
var yarn *Tool

func init() {
	yarn = Register(&Tool{
		Name: "yarn", Family: "yarn", Rank: 60,
		Progs:   yarnProgs,
		Secrets: &Secrets{Files: []SecretFile{{Name: ".npmrc", Marker: npmrcAuth}, {Name: ".yarnrc", Marker: npmrcAuth}}},
		Command: Spec{
			Valued:   append(append([]string(nil), nodeValued...), "--global-folder", "--link-folder"),
			Deps:     []string{"", "install", "add", "upgrade", "global", "remove"},
			Other:    []string{"config", "cache", "set", "policies", "plugin", "version", "info", "licenses"},
			Unlisted: KindBuild, // yarn runs the project's scripts by name
			Uses:     []string{"", "install", "add", "global"},
			Uses2:    map[string][]string{"global": {"add", "upgrade"}},
		},
		Dockerignore: &Dockerignore{Entry: "node", Subs: []string{"", "install", "add"}},
		Hoist: &Hoist{
			Required:    []string{"package.json"},
			Optional:    []string{"yarn.lock", ".yarnrc.yml", ".yarnrc", ".npmrc", ".yarn/releases", ".yarn/plugins", ".yarn/patches"},
			Outputs:     []string{"node_modules", ".pnp.cjs", ".pnp.js", ".yarn/install-state.gz", ".yarn/unplugged"},
			DepsOnly:    "the same `yarn install …`",
			Source:      "workspaces, `file:`/`link:`/`portal:` dependencies, install scripts of the package itself",
			Match:       matchYarn,
			NeedsSource: nodeSource,
		},
		Cache: &Cache{
			// Yarn 1 puts root's cache under /usr/local/share (its "home" for
			// uid 0), everyone else's under ~/.cache.
			Dirs:    []CacheDir{{Dirs: []string{"$YARN_CACHE_FOLDER", "$XDG_CACHE_HOME/yarn", "root:/usr/local/share/.cache/yarn", "~/.cache/yarn"}, Flags: []string{"--cache-folder"}}, nodeGypHeaders},
			Sharing: "locked",
			Clean:   CleanSub("cache", "clean"),
			Empties: EmptiesOwn,
			Applies: func(s Stage) bool { return !yarnBerry(s) },
			Veto:    vetoYarnFolder,
			// `yarn cache dir` prints a versioned folder inside it (…/v6).
			DirCmds: []DirCmd{{Args: "cache dir", Caches: []int{0}, Inside: true}},
		},
		Writes: []*Write{yarnFrozen, {
			Command: "yarn install",
			Writes: "node_modules (or .pnp.cjs, .yarn/unplugged, .yarn/install-state.gz with Plug'n'Play), yarn.lock when it is " +
				"out of date (unless --frozen-lockfile/--immutable), .yarn/cache",
			Hoist: "runs again after the COPY",
		}},
	})
}

// yarnBerryTool is Yarn 2+, whose global cache holds the packages
// Plug'n'Play loads at run time.
func init() {
	Register(&Tool{
		Name: "yarn berry", Family: "yarn", Rank: 61,
		Progs:   yarnProgs,
		Secrets: &Secrets{Files: []SecretFile{{Name: ".yarnrc.yml", Marker: yarnrcAuth}}},
		Command: Spec{
			Valued: yarn.Command.Valued,
			Uses:   []string{"", "install", "add", "workspaces", "dlx"},
			Uses2:  map[string][]string{"workspaces": {"focus"}},
		},
		Cache: &Cache{
			// Only mounted when the project installs node_modules (vetoYarnBerry).
			Dirs:    []CacheDir{{Dirs: []string{"$YARN_GLOBAL_FOLDER/cache", "$XDG_DATA_HOME/yarn/berry/cache", "~/.yarn/berry/cache"}}},
			Sharing: "locked",
			Clean:   CleanSub("cache", "clean"),
			Applies: yarnBerry,
			Veto:    vetoYarnBerry,
		},
	})
}

func matchYarn(_ string, args []*syntax.Word) *Install {
	sub, si := Sub(args)
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
	cl := yarn.Command.Parse(args, si+1)
	if len(cl.Pos) > 0 || cl.Has("--version", "-v", "--help", "-h") {
		return nil
	}
	in := &Install{Same: true, Dep: Same}
	if !ProjectDir(in, cl, "--cwd") {
		return &Install{Source: in.Source}
	}
	in.IgnoreScripts = cl.Has("--ignore-scripts")
	if cl.Has("--frozen-lockfile") {
		in.Writes, in.Lock = yarnFrozen, []string{"yarn.lock"}
	}
	return in
}

var yarnFrozen = &Write{
	Command: "yarn install --frozen-lockfile",
	Writes: "with Yarn 1: node_modules (node_modules/.yarn-integrity); never yarn.lock (it fails instead). With binding.gyp " +
		"in the project it runs `node-gyp rebuild`, which writes build/; dependency install scripts may write outside " +
		"node_modules (git hook installers write .git/hooks); the cache goes to the yarn cache folder",
	Hoist: "moves when the stage provably runs Yarn 1 (no .yarnrc.yml, no sign of Yarn 2+), node_modules is not in the " +
		"context, the project has no binding.gyp, the COPY brings no .git and not the yarn cache; otherwise it runs again " +
		"after the COPY (a second run finds node_modules up to date)",
	Move: yarnFrozenMove,
}

// yarnFrozenMove: with Yarn 1, `yarn install --frozen-lockfile` writes
// node_modules (checked against the context by the yarn row's Outputs),
// build/ through node-gyp, .git/hooks through dependency install scripts,
// and its cache; a second run after the COPY finds node_modules as the
// integrity file says and changes nothing. Yarn 2+ (--frozen-lockfile
// is an alias there) writes more and is not proven.
func yarnFrozenMove(w WriteCheck) string {
	if w.Context().Exists(path.Join(w.CtxDir(), ".yarnrc.yml")) || yarnPinMajor(w.Context().Read(path.Join(w.CtxDir(), "package.json")), "") >= 2 {
		return "the project uses Yarn 2+, whose install is not proven to move"
	}
	berry := func(t string) bool {
		return slices.ContainsFunc(yarnBerrySigns, func(sign string) bool { return strings.Contains(t, sign) })
	}
	if ins := w.Earlier(berry); ins != "" {
		return ins + " may install Yarn 2+, whose install is not proven to move"
	}
	if !w.Install().IgnoreScripts {
		if w.Context().Exists(path.Join(w.CtxDir(), "binding.gyp")) {
			return "the project has binding.gyp, so yarn runs `node-gyp rebuild`, which builds from the source into build/"
		}
		if git := w.GitInCopy(); git != "" {
			return "the COPY brings " + git + " and yarn.lock does not say which dependencies have install scripts: one may write into it (git hook installers do)"
		}
	}
	cl := yarn.Command.Parse(w.Install().Args, 1)
	if o, ok := cl.Get("--cache-folder"); ok {
		if !o.Lit {
			return "the yarn cache folder is not named literally"
		}
		return w.WritesAt(w.Abs(o.Value))
	}
	if p, set, ok := w.EnvPath("YARN_CACHE_FOLDER"); set {
		if !ok {
			return "the value of YARN_CACHE_FOLDER is not known"
		}
		return w.WritesAt(w.Abs(p))
	}
	if w.Root() {
		return w.WritesAt("/usr/local/share/.cache/yarn")
	}
	return w.Home(".cache/yarn")
}

// yarnBerrySigns are the words that show Yarn 2+ in a stage.
var yarnBerrySigns = []string{".yarnrc.yml", "yarn set version", "yarnPath", "--immutable", "corepack", ".yarn/releases", "berry"}

// yarnBerry reports signs of Yarn 2+ in the stage or the build context.
func yarnBerry(s Stage) bool {
	if s.Mentions(yarnBerrySigns...) {
		return true
	}
	_, ok := s.ContextFile(".yarnrc.yml")
	return ok
}

// provenYarnClassic: the context has no .yarnrc.yml and the stage shows no sign of berry.
func provenYarnClassic(s Stage) bool {
	_, ok := s.ContextFile(".yarnrc.yml")
	return s.HasContext() && !ok && !yarnBerry(s)
}

func vetoYarnFolder(s Stage, inv Inv) string {
	by := ""
	if _, ok := inv.Env("YARN_CACHE_FOLDER"); ok {
		by = "YARN_CACHE_FOLDER"
	}
	for _, a := range inv.Args() {
		if a == "--cache-folder" || strings.HasPrefix(a, "--cache-folder=") {
			by = "--cache-folder"
		}
	}
	if by == "" || provenYarnClassic(s) {
		return ""
	}
	return "the cache folder is set by " + by + ": Yarn 2+ would keep there the packages Plug'n'Play loads at run time, and without the build context dfopt cannot tell the Yarn version"
}

func vetoYarnBerry(s Stage, _ Inv) string {
	if data, ok := s.ContextFile(".yarnrc.yml"); ok {
		t := string(data)
		// Yarn 4 keeps its cache in the global folder unless told not to;
		// Yarn 2 and 3 keep it in the project unless told otherwise.
		global := yamlHas(t, "enableGlobalCache", "true") || !yamlHas(t, "enableGlobalCache", "false") && yarnMajor(s, t) >= 4
		if yamlHas(t, "nodeLinker", "node-modules") && global && !strings.Contains(t, "cacheFolder") {
			return ""
		}
	}
	return "Yarn 2+ keeps the packages Plug'n'Play loads at run time in its cache: mounted only for `nodeLinker: node-modules` with the global cache in .yarnrc.yml (`enableGlobalCache: true`, Yarn 4's default)"
}

// yarnMajor is the major version of Yarn the project pins: package.json's
// packageManager (`yarn@4.1.0`) or the release .yarnrc.yml's yarnPath
// names (`.yarn/releases/yarn-4.1.0.cjs`); 0 when neither says.
func yarnMajor(s Stage, yarnrc string) int {
	data, _ := s.ContextFile("package.json")
	return yarnPinMajor(string(data), yarnrc)
}

// yarnPinMajor is yarnMajor from the texts of package.json and .yarnrc.yml.
func yarnPinMajor(pkgJSON, yarnrc string) int {
	var pin string
	var pkg struct {
		PackageManager string `json:"packageManager"`
	}
	if json.Unmarshal([]byte(pkgJSON), &pkg) == nil {
		pin, _ = strings.CutPrefix(pkg.PackageManager, "yarn@")
	}
	for _, line := range strings.Split(yarnrc, "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), ":"); pin == "" && ok && strings.TrimSpace(k) == "yarnPath" {
			_, pin, _ = strings.Cut(path.Base(strings.Trim(strings.TrimSpace(v), `"'`)), "yarn-")
		}
	}
	major, _, _ := strings.Cut(pin, ".")
	n, err := strconv.Atoi(major)
	if err != nil {
		return 0
	}
	return n
}

// yamlHas reports a top-level `key: value` line.
func yamlHas(s, key, value string) bool {
	for _, line := range strings.Split(s, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
		if ok && strings.TrimSpace(k) == key && strings.Trim(strings.TrimSpace(v), `"'`) == value {
			return true
		}
	}
	return false
}
