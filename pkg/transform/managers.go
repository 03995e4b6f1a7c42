package transform

import (
	"path"
	"strings"

	"github.com/dfopt/dfopt/pkg/ast"
)

// Manager is one row of the package-manager table that cache-mounts and
// apt-hygiene read: how to recognise the manager's commands, where its
// download cache lives, what moves it, what defeats it and how BuildKit
// must share it. Adding a manager is adding a row.
type Manager struct {
	Name   string // as findings name it: "pip"
	Family string // the family: "pip", "poetry/pipenv", …

	// Recognition. Progs are program names (the basename of the command
	// word; "pip3.12" matches "pip3" by its version suffix); Module is run
	// as `python -m Module`. Subs are the first positional arguments (after
	// global options) that use the cache, "" accepting an invocation with
	// no positional at all (`yarn`, `bundle`); nil Subs accept any
	// positional but those in Skip. Subs2 narrows a subcommand by its own
	// first positional (`uv pip install`, `go mod download`). ValueOpts are
	// options that take the next word as their value.
	Progs     []string
	Module    string
	Subs      []string
	Skip      []string
	Subs2     map[string][]string
	ValueOpts []string

	Caches  []CacheSpec
	Sharing string // BuildKit's sharing mode: "locked", or "" for the default (shared)
	System  bool   // a system package manager: absolute cache paths, runs as root

	// What defeats the cache, removed where the mount makes it pointless.
	NoCache    []string                   // flags that switch the cache off
	NoCacheEnv []string                   // variables that switch it off: "NAME" (any value) or "NAME=VALUE"
	Clean      func(inv *invocation) bool // a command that only empties the cache
	// Empties says which Caches a Clean command empties, and which of
	// them it removes with the directory itself (which fails on a mount
	// point); nil: every cache but apt's lists, keeping the directories.
	Empties func(inv *invocation) (empties, removes []int)
	// DirCmds are the commands that print a cache directory (`pip cache
	// dir`): `rm -rf "$(pip cache dir)"` removes that directory.
	DirCmds []DirCmd

	// Runtime lists the programs ("prog", or "prog sub" for one of its
	// subcommands) that read the manager's caches when the image runs
	// (`go run`, `mvn spring-boot:run`, `npx`): no cache of the manager is
	// mounted in a stage an image is made of whose start command runs one
	// (runtimeuse.go).
	Runtime []string

	// Applies picks between rows that share programs (yarn classic and
	// berry); nil means always.
	Applies func(c *managerCtx) bool
	// Veto returns why the cache must not be mounted for this invocation.
	Veto func(c *managerCtx, inv *invocation) string
}

// CacheSpec is one cache directory of a manager.
type CacheSpec struct {
	// Dirs are the places the cache can be, in the order the manager looks:
	// "$VAR" and "$VAR/sub" when VAR is set (GOPATH: its first element),
	// "~/…" under the user's home, "root:/path" only when the user is root,
	// "?VAR" stops with an unknown location when VAR is set, and "/abs" as
	// is.
	Dirs []string
	// Flags are command-line options naming the directory; "-Dkey=" style
	// entries match a prefix. FlagSub is appended to their value.
	Flags   []string
	FlagSub string
	// EnvFlags are variables whose value may carry one of Flags
	// (MAVEN_OPTS=-Dmaven.repo.local=…).
	EnvFlags []string
	// Unless skips this spec when any of these variables is set.
	Unless []string
	// Store marks a directory that later steps read as installed content
	// (Go modules, the Maven repository), not a pure download cache.
	Store bool
	// Path computes a system manager's path from the stage and the program
	// name, or says why it is unknown (nil: Dirs).
	Path func(st *StageState, prog string) (dir, why string)
	// Lists marks apt's package lists (mounted only where safe).
	Lists bool
}

// Wrappers a command can be run through.
var plainWrappers = map[string]bool{"command": true, "exec": true, "nohup": true, "time": true, "eatmydata": true, "chronic": true}

func subsIn(list ...string) []string { return list }

// cleanSub detects a cleaning subcommand by its leading positional words.
func cleanSub(words ...string) func(*invocation) bool {
	return func(inv *invocation) bool {
		if len(inv.sub) < len(words) {
			return false
		}
		for i, w := range words {
			if inv.sub[i] != w {
				return false
			}
		}
		return true
	}
}

func cleanAny(fs ...func(*invocation) bool) func(*invocation) bool {
	return func(inv *invocation) bool {
		for _, f := range fs {
			if f(inv) {
				return true
			}
		}
		return false
	}
}

// Managers is the table.
var Managers = []*Manager{
	{
		Name: "pip", Family: "pip", Progs: subsIn("pip", "pip3", "pip2"), Module: "pip",
		Subs:       subsIn("install", "download", "wheel"),
		ValueOpts:  subsIn("--cache-dir", "--log", "--proxy", "--retries", "--timeout", "--exists-action", "--cert", "--client-cert", "--python", "--keyring-provider", "--use-feature", "--use-deprecated", "--trusted-host", "--default-timeout"),
		Caches:     []CacheSpec{pipCache},
		NoCache:    subsIn("--no-cache-dir", "--no-cache"),
		NoCacheEnv: subsIn("PIP_NO_CACHE_DIR"),
		Clean:      cleanAny(cleanSub("cache", "purge"), cleanSub("cache", "remove")),
		DirCmds:    []DirCmd{{Args: "cache dir", Caches: []int{0}}},
	},
	{
		Name: "uv", Family: "uv", Progs: subsIn("uv"),
		Subs:       subsIn("sync", "add", "remove", "lock", "run", "pip", "tool"),
		Subs2:      map[string][]string{"pip": {"install", "sync", "compile"}, "tool": {"install", "run", "upgrade"}},
		ValueOpts:  subsIn("--cache-dir", "--directory", "--project", "--config-file", "--color", "--python", "-p"),
		Caches:     []CacheSpec{{Dirs: subsIn("$UV_CACHE_DIR", "$XDG_CACHE_HOME/uv", "~/.cache/uv"), Flags: subsIn("--cache-dir")}},
		NoCache:    subsIn("--no-cache", "-n"),
		NoCacheEnv: subsIn("UV_NO_CACHE"),
		Clean:      cleanSub("cache", "clean"),
		Veto:       vetoUVSymlinks,
		DirCmds:    []DirCmd{{Args: "cache dir", Caches: []int{0}}},
		// Whether `uv cache clean` keeps the cache directory is unknown.
		Empties: func(*invocation) ([]int, []int) { return []int{0}, []int{0} },
		// uvx and uv tool run tools from environments kept in the cache.
		Runtime: subsIn("uvx", "uv tool"),
	},
	{
		Name: "poetry", Family: "poetry/pipenv", Progs: subsIn("poetry"), Module: "poetry",
		Subs:      subsIn("install", "add", "update", "lock", "sync"),
		ValueOpts: subsIn("-C", "--directory", "-P", "--project"),
		// Poetry keeps its virtualenvs under the cache directory
		// ({cache-dir}/virtualenvs): mount only the package caches beside them.
		Caches: []CacheSpec{
			{Dirs: subsIn("$POETRY_CACHE_DIR/cache", "$XDG_CACHE_HOME/pypoetry/cache", "~/.cache/pypoetry/cache")},
			{Dirs: subsIn("$POETRY_CACHE_DIR/artifacts", "$XDG_CACHE_HOME/pypoetry/artifacts", "~/.cache/pypoetry/artifacts")},
			pipCache,
		},
		NoCache: subsIn("--no-cache"),
		Clean:   cleanSub("cache", "clear"),
		DirCmds: []DirCmd{{Args: "config cache-dir", Dirs: subsIn("$POETRY_CACHE_DIR", "$XDG_CACHE_HOME/pypoetry", "~/.cache/pypoetry")}},
	},
	{
		Name: "pipenv", Family: "poetry/pipenv", Progs: subsIn("pipenv"), Module: "pipenv",
		Subs:       subsIn("install", "sync", "update", "lock", "upgrade"),
		Caches:     []CacheSpec{{Dirs: subsIn("$PIPENV_CACHE_DIR", "$XDG_CACHE_HOME/pipenv", "~/.cache/pipenv")}, pipCache},
		NoCache:    subsIn("--clear"),
		NoCacheEnv: subsIn("PIP_NO_CACHE_DIR"),
	},
	{
		Name: "npm", Family: "npm", Progs: subsIn("npm"),
		Subs:      subsIn("install", "i", "in", "ins", "inst", "insta", "instal", "isnt", "isnta", "isntal", "isntall", "add", "ci", "clean-install", "ic", "install-clean", "isntall-clean", "update", "up", "upgrade", "udpate", "install-test", "it", "install-ci-test", "cit"),
		ValueOpts: subsIn("--prefix", "-C", "--cache", "--userconfig", "--registry", "-w", "--workspace", "--loglevel"),
		Caches:    []CacheSpec{{Dirs: subsIn("$npm_config_cache", "$NPM_CONFIG_CACHE", "~/.npm"), Flags: subsIn("--cache")}},
		Clean:     cleanAny(cleanSub("cache", "clean"), cleanSub("cache", "rm"), cleanSub("cache", "clear")),
		DirCmds:   []DirCmd{{Args: "config get cache", Caches: []int{0}}, {Args: "c get cache", Caches: []int{0}}, {Args: "get cache", Caches: []int{0}}},
		// npx installs and runs packages from the cache (its _npx folder).
		Runtime: subsIn("npx", "npm exec", "npm x"),
	},
	{
		Name: "yarn", Family: "yarn", Progs: subsIn("yarn", "yarnpkg"),
		Subs:      subsIn("", "install", "add", "global"),
		Subs2:     map[string][]string{"global": {"add", "upgrade"}},
		ValueOpts: subsIn("--cwd", "--cache-folder", "--modules-folder", "--registry", "--network-timeout", "--network-concurrency", "--global-folder", "--link-folder", "--mutex"),
		// Yarn 1 puts root's cache under /usr/local/share (its "home" for
		// uid 0), everyone else's under ~/.cache.
		Caches:  []CacheSpec{{Dirs: subsIn("$YARN_CACHE_FOLDER", "$XDG_CACHE_HOME/yarn", "root:/usr/local/share/.cache/yarn", "~/.cache/yarn"), Flags: subsIn("--cache-folder")}},
		Sharing: "locked",
		Clean:   cleanSub("cache", "clean"),
		Applies: func(c *managerCtx) bool { return !c.yarnBerry() },
		Veto:    vetoYarnFolder,
		// `yarn cache dir` prints a versioned folder inside it (…/v6).
		DirCmds: []DirCmd{{Args: "cache dir", Caches: []int{0}, Inside: true}},
	},
	{
		Name: "yarn berry", Family: "yarn", Progs: subsIn("yarn", "yarnpkg"),
		Subs:  subsIn("", "install", "add", "workspaces", "dlx"),
		Subs2: map[string][]string{"workspaces": {"focus"}},
		// Berry's global cache holds the packages Plug'n'Play loads at run
		// time: only mounted when the project installs node_modules.
		Caches:  []CacheSpec{{Dirs: subsIn("$YARN_GLOBAL_FOLDER/cache", "$XDG_DATA_HOME/yarn/berry/cache", "~/.yarn/berry/cache")}},
		Sharing: "locked",
		Clean:   cleanSub("cache", "clean"),
		Applies: func(c *managerCtx) bool { return c.yarnBerry() },
		Veto:    vetoYarnBerry,
	},
	{
		Name: "pnpm", Family: "pnpm/bun", Progs: subsIn("pnpm"),
		Subs:      subsIn("install", "i", "add", "update", "up", "upgrade", "fetch", "remove", "rm", "dedupe"),
		ValueOpts: subsIn("-C", "--dir", "--filter", "-F", "--store-dir", "--workspace-dir", "--reporter", "--loglevel"),
		// With no store-dir, pnpm keeps the store under its home, on the
		// same file system as the project: mount the store, not the home.
		Caches: []CacheSpec{{Dirs: subsIn("$npm_config_store_dir", "$pnpm_config_store_dir", "$PNPM_HOME/store", "$XDG_DATA_HOME/pnpm/store", "~/.local/share/pnpm/store"), Flags: subsIn("--store-dir")}},
		// `pnpm store path` prints a versioned folder inside it (…/v3).
		DirCmds: []DirCmd{{Args: "store path", Caches: []int{0}, Inside: true}},
		Runtime: subsIn("pnpx", "pnpm dlx"),
	},
	{
		Name: "bun", Family: "pnpm/bun", Progs: subsIn("bun"),
		Subs:    subsIn("install", "i", "add", "a", "update"),
		Caches:  []CacheSpec{{Dirs: subsIn("$BUN_INSTALL_CACHE_DIR", "$BUN_INSTALL/install/cache", "~/.bun/install/cache"), Flags: subsIn("--cache-dir")}},
		NoCache: subsIn("--no-cache"),
		Clean:   cleanSub("pm", "cache", "rm"),
		DirCmds: []DirCmd{{Args: "pm cache", Caches: []int{0}}},
		// Whether `bun pm cache rm` keeps the cache directory is unknown.
		Empties: func(*invocation) ([]int, []int) { return []int{0}, []int{0} },
		// bunx runs packages from the cache.
		Runtime: subsIn("bunx", "bun x"),
	},
	{
		Name: "go", Family: "go", Progs: subsIn("go"),
		Skip:  subsIn("version", "env", "help", "fmt", "doc", "telemetry", "clean", "bug"),
		Subs2: map[string][]string{"mod": {"download", "tidy", "vendor", "verify", "graph", "why"}, "work": {"sync", "vendor"}},
		Caches: []CacheSpec{
			{Dirs: subsIn("$GOMODCACHE", "$GOPATH/pkg/mod", "~/go/pkg/mod"), Store: true},
			{Dirs: subsIn("$GOCACHE", "$XDG_CACHE_HOME/go-build", "~/.cache/go-build")},
		},
		Clean:   goClean,
		Empties: goCleanEmpties,
		DirCmds: []DirCmd{
			{Args: "env GOMODCACHE", Caches: []int{0}},
			{Args: "env GOCACHE", Caches: []int{1}},
			{Args: "env GOPATH", Dirs: subsIn("$GOPATH", "~/go")},
		},
		Runtime: subsIn("go", "air", "gow", "reflex", "CompileDaemon", "gin", "realize", "fresh", "dlv", "task", "mage", "make", "gowatch", "modd", "watchexec", "nodemon"),
		Veto:    vetoGoCacheOff,
	},
	{
		Name: "cargo", Family: "cargo", Progs: subsIn("cargo"),
		Skip: subsIn("version", "help", "new", "init", "fmt", "clean", "locate-project", "login", "logout", "owner", "yank", "search", "pkgid"),
		// Never target/: later instructions copy the build output from it.
		Caches: []CacheSpec{
			{Dirs: subsIn("$CARGO_HOME/registry", "~/.cargo/registry"), Store: true},
			{Dirs: subsIn("$CARGO_HOME/git", "~/.cargo/git"), Store: true},
		},
		Runtime: subsIn("cargo", "cargo-watch", "make", "watchexec"),
	},
	{
		Name: "maven", Family: "maven/gradle", Progs: subsIn("mvn", "mvnw"),
		ValueOpts: subsIn("-s", "--settings", "-gs", "--global-settings", "-f", "--file", "-pl", "--projects", "-P", "--activate-profiles", "-T", "--threads", "-rf", "--resume-from", "-l", "--log-file", "-t", "--toolchains", "-b", "--builder"),
		Caches:    []CacheSpec{{Dirs: subsIn("~/.m2/repository"), Flags: subsIn("-Dmaven.repo.local="), EnvFlags: subsIn("MAVEN_OPTS", "MAVEN_ARGS"), Store: true}},
		Sharing:   "locked",
		// java too: a classpath built by dependency:build-classpath points
		// into the local repository.
		Runtime: subsIn("mvn", "mvnw", "make", "java"),
	},
	{
		Name: "gradle", Family: "maven/gradle", Progs: subsIn("gradle", "gradlew"),
		ValueOpts: subsIn("-g", "--gradle-user-home", "-p", "--project-dir", "-x", "--exclude-task", "-b", "--build-file", "-c", "--settings-file", "-I", "--init-script", "--project-cache-dir", "-D"),
		Caches:    []CacheSpec{{Dirs: subsIn("$GRADLE_USER_HOME/caches", "~/.gradle/caches"), Flags: subsIn("-g", "--gradle-user-home", "-Dgradle.user.home="), FlagSub: "caches", EnvFlags: subsIn("GRADLE_OPTS"), Store: true}},
		Runtime:   subsIn("gradle", "gradlew", "make", "java"),
	},
	{
		Name: "bundler", Family: "bundler/gem", Progs: subsIn("bundle", "bundler"),
		Subs: subsIn("", "install", "update", "add", "cache", "package", "pack"),
		// The gem download cache ($GEM_HOME/cache), never the install path.
		Caches:  []CacheSpec{gemCache},
		Sharing: "locked",
		Veto:    vetoBundlerPath,
	},
	{
		Name: "gem", Family: "bundler/gem", Progs: subsIn("gem"),
		Subs:    subsIn("install", "i", "update"),
		Caches:  []CacheSpec{{Dirs: gemCache.Dirs, Flags: subsIn("--install-dir", "-i"), FlagSub: "cache"}},
		Sharing: "locked",
		Veto:    vetoGemUser,
		DirCmds: []DirCmd{{Args: "env gemdir", Dirs: subsIn("$GEM_HOME")}, {Args: "env home", Dirs: subsIn("$GEM_HOME")}},
	},
	{
		Name: "composer", Family: "composer", Progs: subsIn("composer", "composer.phar"),
		Subs:      subsIn("install", "i", "update", "u", "upgrade", "require", "r", "create-project", "global", "reinstall", "remove", "rm"),
		Subs2:     map[string][]string{"global": {"require", "r", "install", "i", "update", "u", "upgrade"}},
		ValueOpts: subsIn("-d", "--working-dir"),
		// Composer 2 uses ~/.cache/composer when XDG is in use (any XDG_
		// variable, or /etc/xdg in the image), ~/.composer/cache otherwise:
		// without a variable that settles it, both are mounted.
		Caches: []CacheSpec{
			{Dirs: subsIn("$COMPOSER_CACHE_DIR", "$COMPOSER_HOME/cache", "$XDG_CACHE_HOME/composer", "~/.cache/composer")},
			{Dirs: subsIn("~/.composer/cache"), Unless: subsIn("COMPOSER_CACHE_DIR", "COMPOSER_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME")},
		},
		Sharing:    "locked",
		NoCache:    subsIn("--no-cache"),
		NoCacheEnv: subsIn("COMPOSER_CACHE_DIR=/dev/null"),
		Clean:      cleanAny(cleanSub("clear-cache"), cleanSub("clearcache"), cleanSub("cc")),
		// Composer picks one of its two cache directories at run time.
		DirCmds: []DirCmd{{Args: "config cache-dir", Caches: []int{0, 1}}, {Args: "global config cache-dir", Caches: []int{0, 1}}},
	},
	{
		Name: "dotnet", Family: "dotnet", Progs: subsIn("dotnet"),
		Subs:    subsIn("restore", "build", "publish", "test", "pack", "run", "tool", "add", "ef", "watch", "msbuild"),
		Subs2:   map[string][]string{"tool": {"install", "restore", "update"}, "add": {"package"}},
		Caches:  []CacheSpec{{Dirs: subsIn("$NUGET_PACKAGES", "~/.nuget/packages"), Store: true}},
		Clean:   nugetClean,
		Runtime: subsIn("dotnet"),
		// Whether `dotnet nuget locals --clear` keeps the folder is unknown.
		Empties: func(*invocation) ([]int, []int) { return []int{0}, []int{0} },
	},
	{
		Name: "apt", Family: "apt", Progs: subsIn("apt-get", "apt"), System: true, Sharing: "locked",
		Subs:      subsIn("update", "install", "upgrade", "dist-upgrade", "full-upgrade", "build-dep", "reinstall"),
		ValueOpts: subsIn("-o", "--option", "-c", "--config-file", "-t", "--target-release", "--default-release", "-a", "--host-architecture"),
		Caches: []CacheSpec{
			{Dirs: subsIn("/var/cache/apt")},
			{Dirs: subsIn("/var/lib/apt/lists"), Lists: true},
		},
		// apt 3's dist-clean is clean and the removal of the lists.
		Clean:   cleanAny(cleanSub("clean"), cleanSub("autoclean"), cleanSub("dist-clean"), cleanSub("distclean")),
		Empties: aptEmpties,
	},
	{
		Name: "apk", Family: "apk", Progs: subsIn("apk"), System: true, Sharing: "locked",
		Subs:      subsIn("add", "upgrade", "update", "fix"),
		ValueOpts: subsIn("-X", "--repository", "-p", "--root", "--arch", "--cache-dir", "--keys-dir", "--repositories-file", "--cache-max-age", "--timeout"),
		Caches:    []CacheSpec{{Dirs: subsIn("/var/cache/apk"), Flags: subsIn("--cache-dir")}},
		// --no-cache is replaced by --cache-dir (apk caches packages only
		// in a cache directory it is told about): see cachemounts.go.
		NoCache: subsIn("--no-cache"),
		Clean:   cleanAny(cleanSub("cache", "clean"), cleanSub("cache", "purge")),
		Veto:    vetoApkMaxAge,
	},
	{
		Name: "dnf", Family: "dnf/yum/microdnf/zypper", Progs: subsIn("dnf", "dnf-3", "dnf5", "yum", "tdnf"), System: true, Sharing: "locked",
		Subs:      subsIn("install", "update", "upgrade", "reinstall", "groupinstall", "group", "groups", "builddep", "makecache", "distro-sync", "module", "localinstall", "downgrade", "swap", "in"),
		ValueOpts: subsIn("-c", "--config", "--releasever", "--enablerepo", "--disablerepo", "--repo", "--repoid", "--setopt", "-x", "--exclude", "--repofrompath", "--forcearch", "-d", "--debuglevel", "-e", "--errorlevel", "--rpmverbosity"),
		Caches:    []CacheSpec{{Path: rpmCacheDir}},
		Clean:     cleanSub("clean"),
		Veto:      vetoAll(vetoInstallRoot, vetoStaleIndex),
	},
	{
		Name: "microdnf", Family: "dnf/yum/microdnf/zypper", Progs: subsIn("microdnf"), System: true, Sharing: "locked",
		Subs:      subsIn("install", "update", "upgrade", "reinstall", "makecache", "module", "download"),
		ValueOpts: subsIn("--config", "--releasever", "--enablerepo", "--disablerepo", "--setopt"),
		Caches:    []CacheSpec{{Path: rpmCacheDir}},
		Clean:     cleanSub("clean"),
		Veto:      vetoAll(vetoInstallRoot, vetoStaleIndex),
	},
	{
		Name: "zypper", Family: "dnf/yum/microdnf/zypper", Progs: subsIn("zypper"), System: true, Sharing: "locked",
		Subs:      subsIn("install", "in", "update", "up", "dist-upgrade", "dup", "patch", "refresh", "ref", "source-install", "si"),
		ValueOpts: subsIn("-R", "--root", "-c", "--config", "--installroot", "--reposd-dir", "--cache-dir", "--raw-cache-dir", "--solv-cache-dir", "--pkg-cache-dir"),
		Caches:    []CacheSpec{{Dirs: subsIn("/var/cache/zypp")}},
		Clean:     cleanAny(cleanSub("clean"), cleanSub("cc")),
		Veto:      vetoAll(vetoInstallRoot, vetoStaleIndex),
	},
}

var (
	pipCache = CacheSpec{Dirs: []string{"$PIP_CACHE_DIR", "$XDG_CACHE_HOME/pip", "~/.cache/pip"}, Flags: []string{"--cache-dir"}}
	gemCache = CacheSpec{Dirs: []string{"?BUNDLE_PATH", "$GEM_HOME/cache"}}
)

// nugetClean is `dotnet nuget locals … --clear`.
func nugetClean(inv *invocation) bool {
	if len(inv.sub) < 2 || inv.sub[0] != "nuget" || inv.sub[1] != "locals" {
		return false
	}
	for _, a := range inv.args {
		if a.Value == "--clear" || a.Value == "-c" {
			return true
		}
	}
	return false
}

// goClean is `go clean` with nothing but -cache, -modcache, -testcache
// and -fuzzcache.
func goClean(inv *invocation) bool {
	args := inv.args
	if len(args) < 2 || args[0].Value != "clean" {
		return false
	}
	for _, a := range args[1:] {
		switch strings.TrimLeft(a.Value, "-") {
		case "cache", "modcache", "testcache", "fuzzcache":
		default:
			return false
		}
	}
	return true
}

// managerCtx is what a Veto or Applies sees.
type managerCtx struct {
	pass   *Pass
	se     *StageEnv
	ins    *ast.Instruction
	env    *StageState
	script *ast.Script
}

func (c *managerCtx) lineageMentions(words ...string) bool {
	for _, st := range c.se.Lineage(c.se.Doc().Stages[c.ins.Stage]) {
		for _, in := range st.Instructions {
			if in.Index > c.ins.Index {
				break
			}
			t := in.Text(c.se.Doc())
			for _, w := range words {
				if strings.Contains(t, w) {
					return true
				}
			}
		}
	}
	return false
}

// yarnBerry reports signs of Yarn 2+ in the stage or the build context.
func (c *managerCtx) yarnBerry() bool {
	if c.lineageMentions(".yarnrc.yml", "yarn set version", "yarnPath", "--immutable", "corepack", ".yarn/releases", "berry") {
		return true
	}
	return c.pass != nil && c.pass.Context != nil && c.pass.Context.Exists(".yarnrc.yml")
}

// provenYarnClassic: the context has no .yarnrc.yml and the stage shows no sign of berry.
func (c *managerCtx) provenYarnClassic() bool {
	return c.pass != nil && c.pass.Context != nil && !c.pass.Context.Exists(".yarnrc.yml") && !c.yarnBerry()
}

func vetoYarnFolder(c *managerCtx, inv *invocation) string {
	by := ""
	if _, ok := inv.envValue(c, "YARN_CACHE_FOLDER"); ok {
		by = "YARN_CACHE_FOLDER"
	}
	for _, a := range inv.args {
		if a.Value == "--cache-folder" || strings.HasPrefix(a.Value, "--cache-folder=") {
			by = "--cache-folder"
		}
	}
	if by == "" || c.provenYarnClassic() {
		return ""
	}
	return "the cache folder is set by " + by + ": Yarn 2+ would keep there the packages Plug'n'Play loads at run time, and without the build context dfopt cannot tell the Yarn version"
}

func vetoYarnBerry(c *managerCtx, inv *invocation) string {
	if c.pass != nil && c.pass.Context != nil {
		if data, err := c.pass.Context.ReadFile(".yarnrc.yml"); err == nil {
			s := string(data)
			if yamlHas(s, "nodeLinker", "node-modules") && yamlHas(s, "enableGlobalCache", "true") && !strings.Contains(s, "cacheFolder") {
				return ""
			}
		}
	}
	return "Yarn 2+ keeps the packages Plug'n'Play loads at run time in its cache: mounted only for `nodeLinker: node-modules` with `enableGlobalCache: true` in .yarnrc.yml"
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

func vetoUVSymlinks(c *managerCtx, inv *invocation) string {
	if v, ok := inv.envValue(c, "UV_LINK_MODE"); ok && v == "symlink" {
		return "UV_LINK_MODE=symlink links the environment to the cache"
	}
	for i, a := range inv.args {
		if a.Value == "--link-mode=symlink" || a.Value == "--link-mode" && i+1 < len(inv.args) && inv.args[i+1].Value == "symlink" {
			return "--link-mode symlink links the environment to the cache"
		}
	}
	return ""
}

func vetoGoCacheOff(c *managerCtx, inv *invocation) string {
	if v, ok := inv.envValue(c, "GOCACHE"); ok && v == "off" {
		return "GOCACHE=off"
	}
	return ""
}

func vetoBundlerPath(c *managerCtx, inv *invocation) string {
	for _, a := range inv.args {
		if a.Value == "--path" || strings.HasPrefix(a.Value, "--path=") || a.Value == "--deployment" || a.Value == "--standalone" || strings.HasPrefix(a.Value, "--standalone=") {
			return "bundler installs into a project path, whose gem cache is not at a known place"
		}
	}
	if _, ok := inv.envValue(c, "BUNDLE_DEPLOYMENT"); ok {
		return "BUNDLE_DEPLOYMENT installs into vendor/bundle"
	}
	if c.lineageMentions("bundle config set path", "bundle config path", "bundle config set --local path", "bundle config --local path", "bundle config set deployment", "bundle config --local deployment", "bundle config set --local deployment", "bundle config deployment") {
		return "`bundle config` sets an install path, whose gem cache is not at a known place"
	}
	return ""
}

func vetoGemUser(c *managerCtx, inv *invocation) string {
	for _, a := range inv.args {
		if a.Value == "--user-install" {
			return "gem install --user-install keeps gems under ~/.local/share/gem"
		}
	}
	return ""
}

func vetoInstallRoot(c *managerCtx, inv *invocation) string {
	for _, a := range inv.args {
		if strings.HasPrefix(a.Value, "--installroot") || a.Value == "--root" || a.Value == "-R" || strings.HasPrefix(a.Value, "--root=") {
			return "installs into another root"
		}
	}
	return ""
}

// invocation is one command that runs a manager.
type invocation struct {
	m       *Manager
	cmd     *ast.Command
	call    int        // index of cmd in the script's commands
	prog    ast.Word   // the program word
	progIdx int        // its index in cmd.Args
	args    []ast.Word // the words after the program (after `-m pip`)
	sub     []string   // positional words after global options (up to 2)
	subIdx  []int      // their indices in args
	assign  map[string]string
	user    string // a wrapper runs it as another user (sudo -u, gosu …)
	sudo    bool
	movedBy string // what moved the cache (for messages)
}

// envValue looks a variable up for the invocation: its own assignments,
// then the RUN's exports before it, then the stage.
func (inv *invocation) envValue(c *managerCtx, name string) (string, bool) {
	if v, ok := inv.assign[name]; ok {
		return v, true
	}
	if v, ok := c.env.Lookup(name); ok && v.Set {
		return v.Value, true
	}
	return "", false
}

// progMatches reports whether a program word names one of progs: exact,
// or with a version suffix (pip3.12, python3.11).
func progMatches(name string, progs []string) bool {
	for _, p := range progs {
		if name == p {
			return true
		}
		if strings.HasPrefix(name, p) && versionSuffix(name[len(p):]) {
			return true
		}
	}
	return false
}

func versionSuffix(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !(s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
			return false
		}
	}
	return true
}

func isPython(name string) bool {
	return name == "python" || name == "py" || strings.HasPrefix(name, "python") && versionSuffix(name[len("python"):])
}

// progBase is the basename of a command word (`$VENV/bin/pip` → pip,
// `./mvnw` → mvnw).
func progBase(w ast.Word) string {
	v := w.Value
	v = strings.Trim(v, `"'`)
	return path.Base(v)
}

// findInvocations lists the package-manager commands of a script. Words
// are the simple commands' words; a wrapper (sudo, env, xargs, …) in front
// is looked through.
func findInvocations(c *managerCtx, cmds []ast.Command) []*invocation {
	var out []*invocation
	for ci := range cmds {
		cmd := &cmds[ci]
		inv := matchCommand(cmd.Args)
		if inv == nil {
			continue
		}
		inv.cmd, inv.call = cmd, ci
		for _, a := range cmd.Assigns {
			if k, v, ok := strings.Cut(a, "="); ok {
				if inv.assign == nil {
					inv.assign = map[string]string{}
				}
				inv.assign[k] = strings.Trim(v, `"'`)
			}
		}
		var chosen *invocation
		for _, m := range Managers {
			if !progMatches(inv.progNameOrModule(), m.Progs) && !(inv.module != "" && inv.module == m.Module) {
				continue
			}
			if inv.module != "" && m.Module != inv.module {
				continue
			}
			if c != nil && m.Applies != nil && !m.Applies(c) {
				continue
			}
			if mi := inv.forManager(m); mi != nil {
				chosen = mi
				break
			}
		}
		if chosen != nil {
			out = append(out, chosen)
		}
	}
	return out
}

// rawInvocation is a command with its wrappers looked through.
type rawInvocation struct {
	invocation
	module string // `python -m MODULE`
}

func (r *rawInvocation) progNameOrModule() string {
	if r.module != "" {
		return r.module
	}
	return progBase(r.prog)
}

// matchCommand strips wrappers and finds the program word.
func matchCommand(words []ast.Word) *rawInvocation {
	r := &rawInvocation{}
	i := 0
	for i < len(words) {
		name := progBase(words[i])
		switch {
		case name == "env":
			i++
			for i < len(words) && strings.HasPrefix(words[i].Value, "-") {
				if v := words[i].Value; v == "-u" || v == "-C" || v == "-S" || v == "--unset" || v == "--chdir" {
					i++
				}
				i++
			}
			for i < len(words) && r.assignWord(words[i].Value) {
				i++
			}
			continue
		case name == "sudo":
			r.sudo = true
			i++
			for i < len(words) && strings.HasPrefix(words[i].Value, "-") {
				v := words[i].Value
				i++
				switch v {
				case "-u", "--user":
					if i < len(words) {
						if u := words[i].Value; u != "root" && u != "0" && u != "#0" {
							r.user = u
						}
					}
					i++
				case "-g", "--group", "-C", "-h", "--host", "-p", "--prompt", "-U", "--other-user", "-D", "--chdir", "-R", "--chroot", "-T", "--command-timeout":
					i++
				case "-E", "--preserve-env", "-H", "--set-home", "-i", "--login", "-s", "--shell":
					r.user = "sudo " + v
				}
			}
			for i < len(words) && r.assignWord(words[i].Value) {
				i++
			}
			continue
		case name == "gosu" || name == "su-exec":
			if i+1 < len(words) {
				r.user = words[i+1].Value
			}
			i += 2
			continue
		case name == "runuser" || name == "setpriv" || name == "chroot" || name == "su" || name == "doas":
			return nil
		case name == "xargs":
			i++
			for i < len(words) && strings.HasPrefix(words[i].Value, "-") {
				v := words[i].Value
				i++
				switch v {
				case "-a", "-d", "-E", "-I", "-L", "-n", "-P", "-s", "--arg-file", "--delimiter", "--max-args", "--max-procs", "--max-lines":
					i++
				}
			}
			continue
		case name == "timeout":
			i++
			for i < len(words) && strings.HasPrefix(words[i].Value, "-") {
				if v := words[i].Value; v == "-s" || v == "-k" || v == "--signal" || v == "--kill-after" {
					i++
				}
				i++
			}
			i++ // the duration
			continue
		case name == "nice" || name == "ionice" || name == "stdbuf":
			i++
			for i < len(words) && strings.HasPrefix(words[i].Value, "-") {
				v := words[i].Value
				i++
				if v == "-n" || v == "-c" || v == "-i" || v == "-o" || v == "-e" {
					i++
				}
			}
			continue
		case plainWrappers[name]:
			i++
			for i < len(words) && strings.HasPrefix(words[i].Value, "-") && name != "exec" {
				i++
			}
			continue
		case (name == "sh" || name == "bash") && i+1 < len(words) && !strings.HasPrefix(words[i+1].Value, "-"):
			// sh mvnw …, bash ./gradlew …
			if n := progBase(words[i+1]); n == "mvnw" || n == "gradlew" {
				i++
				continue
			}
			return nil
		case name == "php" && i+1 < len(words) && (strings.HasSuffix(words[i+1].Value, "composer.phar") || progBase(words[i+1]) == "composer"):
			i++
			continue
		case isPython(name):
			j := i + 1
			for j < len(words) && strings.HasPrefix(words[j].Value, "-") && words[j].Value != "-m" {
				j++
			}
			if j+1 < len(words) && words[j].Value == "-m" {
				r.prog, r.progIdx = words[j+1], j+1
				r.module = words[j+1].Value
				r.args = words[j+2:]
				return r
			}
			return nil
		}
		break
	}
	if i >= len(words) {
		return nil
	}
	r.prog, r.progIdx, r.args = words[i], i, words[i+1:]
	return r
}

// assignWord records a NAME=value word (after `env` or `sudo`).
func (r *rawInvocation) assignWord(w string) bool {
	k, v, ok := strings.Cut(w, "=")
	if !ok || k == "" {
		return false
	}
	for j := 0; j < len(k); j++ {
		if !varNameByte(k[j]) || j == 0 && k[j] >= '0' && k[j] <= '9' {
			return false
		}
	}
	if r.assign == nil {
		r.assign = map[string]string{}
	}
	r.assign[k] = strings.Trim(v, `"'`)
	return true
}

// forManager checks the subcommand against a row.
func (r *rawInvocation) forManager(m *Manager) *invocation {
	inv := r.invocation
	inv.m = m
	inv.args = r.args
	for _, i := range positionals(m, inv.args, 3) {
		inv.sub = append(inv.sub, inv.args[i].Value)
		inv.subIdx = append(inv.subIdx, i)
	}
	first := ""
	if len(inv.sub) > 0 {
		first = inv.sub[0]
	}
	if m.Clean != nil && m.Clean(&inv) {
		return &inv // a cleaning command: kept so that it can be removed
	}
	switch {
	case m.Subs != nil:
		if !strIn(m.Subs, first) {
			return nil
		}
	default:
		if first == "" || strIn(m.Skip, first) {
			return nil
		}
	}
	if want, ok := m.Subs2[first]; ok {
		if len(inv.sub) < 2 || !strIn(want, inv.sub[1]) {
			return nil
		}
	}
	return &inv
}

// positionals returns the indices of the first max words of args that
// are not options (nor the values of the manager's ValueOpts).
func positionals(m *Manager, args []ast.Word, max int) []int {
	var pos []int
	skipNext := false
	for i, a := range args {
		if skipNext {
			skipNext = false
			continue
		}
		v := a.Value
		if strings.HasPrefix(v, "-") && v != "-" {
			if !strings.Contains(v, "=") && strIn(m.ValueOpts, v) {
				skipNext = true
			}
			continue
		}
		if strings.HasPrefix(v, "+") && m.Name == "cargo" { // cargo +nightly build
			continue
		}
		pos = append(pos, i)
		if len(pos) == max {
			break
		}
	}
	return pos
}

// isClean reports whether the invocation only empties the cache.
func (inv *invocation) isClean() bool {
	return inv.m.Clean != nil && inv.m.Clean(inv)
}

func strIn(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
