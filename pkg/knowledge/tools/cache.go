package tools

// Cache is what cache-mounts and apt-hygiene work from: where the tool's
// download caches live, what moves them, what defeats them and how
// BuildKit must share them. Which commands use the caches is the Spec's
// Uses/Skip/Uses2.
type Cache struct {
	Dirs    []CacheDir
	Sharing string // BuildKit's sharing mode: "locked", or "" for the default (shared)
	System  bool   // a system package manager: absolute cache paths, runs as root

	// What defeats the cache, removed where the mount makes it pointless.
	NoCache    []string       // flags that switch the cache off
	NoCacheEnv []string       // variables that switch it off: "NAME" (any value) or "NAME=VALUE"
	Clean      func(Inv) bool // a command that only empties the cache
	// Empties says which Dirs a Clean command empties, and which of them
	// it removes with the directory itself (which fails on a mount
	// point); nil: every cache but apt's lists, keeping the directories.
	Empties func(Inv) (empties, removes []int)
	// DirCmds are the commands that print a cache directory (`pip cache
	// dir`): `rm -rf "$(pip cache dir)"` removes that directory.
	DirCmds []DirCmd

	// Runtime lists the programs ("prog", or "prog sub" for one of its
	// subcommands) that read the caches when the image runs (`go run`,
	// `mvn spring-boot:run`, `npx`): no cache of the tool is mounted in a
	// stage an image is made of whose start command runs one.
	Runtime []string

	// Applies picks between tools that share programs (yarn classic and
	// berry); nil means always.
	Applies func(s Stage) bool
	// Veto returns why the cache must not be mounted for this invocation.
	Veto func(s Stage, inv Inv) string
	// StaleIndex: a system manager whose metadata a mount would keep
	// between builds; mounted only where the base image's facts show it
	// revalidated (pkg/knowledge/baseimage).
	StaleIndex bool
}

// CacheDir is one cache directory of a tool.
type CacheDir struct {
	// Dirs are the places the cache can be, in the order the tool looks:
	// "$VAR" and "$VAR/sub" when VAR is set (GOPATH: its first element),
	// "~/…" under the user's home, "root:/path" only when the user is
	// root, "?VAR" stops with an unknown location when VAR is set, and
	// "/abs" as is.
	Dirs []string
	// Flags are command-line options naming the directory; "-Dkey=" style
	// entries match a prefix. FlagSub is appended to their value.
	Flags   []string
	FlagSub string
	// EnvFlags are variables whose value may carry one of Flags
	// (MAVEN_OPTS=-Dmaven.repo.local=…).
	EnvFlags []string
	// Unless skips this directory when any of these variables is set.
	Unless []string
	// Store marks a directory that later steps read as installed content
	// (Go modules, the Maven repository), not a pure download cache.
	Store bool
	// FromBase: the directory is the base image's system manager's
	// (pkg/knowledge/baseimage), not Dirs.
	FromBase bool
	// Lists marks apt's package lists (mounted only where safe).
	Lists bool
	// When, if set, says whether the stage uses this directory at all
	// (node-gyp's headers: only where native modules are built); the
	// directory is skipped where it returns false.
	When func(s Stage) bool
}

// DirCmd is a command that prints a cache directory.
type DirCmd struct {
	Args string // the positional words after the program: "cache dir"
	// Caches are the Dirs entries it prints: one of them, when the tool
	// picks at run time (Composer); more than one resolving makes the
	// folder unknown.
	Caches []int
	// Dirs, instead of Caches: the folder it prints, written like
	// CacheDir.Dirs (`go env GOPATH`: "$GOPATH", "~/go").
	Dirs []string
	// Inside: it prints a folder inside the directory (a versioned store:
	// `yarn cache dir` is …/v6).
	Inside bool
}

// Inv is one command that runs the tool, as a Clean, Empties or Veto
// sees it.
type Inv interface {
	Sub() []string  // the positional words after global options (up to 3)
	Args() []string // the words after the program
	// Env is a variable's value for the command: its own assignments,
	// then the RUN's and the stage's.
	Env(name string) (string, bool)
}

// Stage is what an Applies or a Veto sees of the stage the command runs
// in.
type Stage interface {
	// Mentions: an instruction of the stage (and the stages it is built
	// on) up to this one contains one of the words.
	Mentions(words ...string) bool
	// ContextFile reads a file of the build context; ok is false when
	// there is no context or no such file. HasContext reports a context.
	ContextFile(rel string) ([]byte, bool)
	HasContext() bool
}

// CleanSub detects a cleaning subcommand by its leading positional words.
func CleanSub(words ...string) func(Inv) bool {
	return func(inv Inv) bool {
		sub := inv.Sub()
		if len(sub) < len(words) {
			return false
		}
		for i, w := range words {
			if sub[i] != w {
				return false
			}
		}
		return true
	}
}

// CleanAny detects any of the cleaning commands.
func CleanAny(fs ...func(Inv) bool) func(Inv) bool {
	return func(inv Inv) bool {
		for _, f := range fs {
			if f(inv) {
				return true
			}
		}
		return false
	}
}

// VetoAll returns the first reason of the vetoes.
func VetoAll(vetoes ...func(Stage, Inv) string) func(Stage, Inv) string {
	return func(s Stage, inv Inv) string {
		for _, v := range vetoes {
			if why := v(s, inv); why != "" {
				return why
			}
		}
		return ""
	}
}

// EmptiesFirst: the clean command empties the first directory and
// removes it with its folder (whether the tool keeps it is unknown).
func EmptiesFirst(Inv) ([]int, []int) { return []int{0}, []int{0} }

// EmptiesOwn: the clean command empties the tool's own cache (the first
// directory) and leaves the others (node-gyp's headers) alone.
func EmptiesOwn(Inv) ([]int, []int) { return []int{0}, nil }
