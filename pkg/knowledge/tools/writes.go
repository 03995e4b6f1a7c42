package tools

// What a dependency install writes, and when hoist-deps may move it.
//
// hoist-deps copies the manifests above `COPY . <dest>` and installs
// there. By default the original install still runs after the COPY:
// whatever the first run wrote that the COPY then brings back differently
// (a lock file, a folder of the project), the second run writes again, so
// the image is the one the original built. An install *moves* instead (it
// no longer runs after the COPY) only when dfopt proves, from the files
// of the build context, that nothing it writes is brought back by the
// COPY with other bytes. Each tool's Writes say, per command, what the
// install writes and how the move is proven; "" from a move check means
// proven, anything else is the reason it is not, said in the finding.

// Write is one command's row.
type Write struct {
	Command string // the install, as the user writes it
	// Writes is what the install writes into the project folder (and,
	// where it matters, outside it).
	Writes string
	// Hoist says how hoist-deps uses the row.
	Hoist string
	// Move proves that the install, run before the COPY instead of after
	// it, leaves the same image: "" when proven, else why not. nil: the
	// install never moves; it runs again after the COPY.
	Move func(w WriteCheck) string
	// Reinstall: a second run after the COPY does the whole install
	// again (`npm ci` removes node_modules first). An install that cannot
	// move is then not hoisted at all: running it twice would double the
	// work and the image's layers for no cache benefit.
	Reinstall bool
}

// WriteCheck is what a move check reads: the install, the COPY it would
// move above, the stage and the build context.
type WriteCheck interface {
	Install() *Install
	// Program is the literal program word of the install's command ("" when
	// not literal): a path names the interpreter (/venv/bin/pip).
	Program() string
	Context() Context
	CtxDir() string      // the project folder in the context
	PDir() string        // the project folder in the image
	Abs(p string) string // a path the command names, against the project folder
	// WritesAt explains that the install writes p where the COPY brings
	// files ("" when it does not).
	WritesAt(p string) string
	// Home checks folders the install writes under the user's home.
	Home(names ...string) string
	Root() bool // the install runs as root
	// EnvPath resolves a variable that names a folder the install writes:
	// ok is false when it is set to a value dfopt does not know.
	EnvPath(name string) (p string, set, ok bool)
	// PathEntries are the folders the Dockerfile puts on PATH before the
	// install, or why they are not known.
	PathEntries() ([]string, string)
	// Earlier quotes the first RUN, COPY or ADD of the stage (and the
	// stages it is built on) before the install whose text matches.
	Earlier(match func(text string) bool) string
	// GitInCopy finds a .git that the COPY brings at the project folder
	// or above it.
	GitInCopy() string

	// npm's configuration and lock model (pkg/transform/hoistdeps/npmconfig.go,
	// npmlock.go).
	NpmSaves() (bool, string)
	NpmVersion() (int, string)
	NpmLockFixed(pkgText, lockText, lockName, folder string, npmMin int) string
	NpmInstallScripts(lockText string) string
}
