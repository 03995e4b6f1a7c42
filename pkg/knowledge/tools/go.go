package tools

import (
	"path"
	"regexp"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// goTool: go.mod and go.sum, `go mod download` first, the module and
// build caches.
var goTool *Tool

func init() {
	goTool = Register(&Tool{
		Name: "go", Family: "go", Rank: 90,
		Progs:   []string{"go"},
		Secrets: &Secrets{Files: []SecretFile{{Name: ".netrc"}}},
		Command: Spec{
			Valued: []string{"-o", "-p", "-tags", "-ldflags", "-gcflags", "-asmflags", "-buildmode",
				"-compiler", "-gccgoflags", "-installsuffix", "-mod", "-modfile", "-pkgdir", "-toolexec",
				"-overlay", "-pgo", "-covermode", "-coverpkg", "-run", "-bench", "-timeout", "-count",
				"-cpu", "-parallel", "-exec", "-C", "-buildvcs", "-skip", "-coverprofile", "-json", "-x"},
			KindOf: goKind,
			Skip:   []string{"version", "env", "help", "fmt", "doc", "telemetry", "clean", "bug"},
			Uses2:  map[string][]string{"mod": {"download", "tidy", "vendor", "verify", "graph", "why"}, "work": {"sync", "vendor"}},
		},
		Hoist: &Hoist{
			Required:    []string{"go.mod", "go.sum"},
			DepsOnly:    "`go mod download`, then the original build",
			Source:      "local `replace` directives, a go.work workspace",
			Match:       matchGo,
			NeedsSource: goSource,
			Fetch: &Fetch{Why: "`go mod download` writes only the module cache, and Go has no dependency install into the image " +
				"to put there instead (compiling the dependencies needs the packages the source imports)"},
		},
		Cache: &Cache{
			Dirs: []CacheDir{
				{Dirs: []string{"$GOMODCACHE", "$GOPATH/pkg/mod", "~/go/pkg/mod"}, Store: true},
				{Dirs: []string{"$GOCACHE", "$XDG_CACHE_HOME/go-build", "~/.cache/go-build"}},
			},
			Clean:   goClean,
			Empties: goCleanEmpties,
			DirCmds: []DirCmd{
				{Args: "env GOMODCACHE", Caches: []int{0}},
				{Args: "env GOCACHE", Caches: []int{1}},
				{Args: "env GOPATH", Dirs: []string{"$GOPATH", "~/go"}},
			},
			Runtime: []string{"go", "air", "gow", "reflex", "CompileDaemon", "gin", "realize", "fresh", "dlv", "task", "mage", "make", "gowatch", "modd", "watchexec", "nodemon"},
			Veto:    vetoGoCacheOff,
		},
		Writes: []*Write{goModDownload},
	})
}

var goModDownload = &Write{
	Command: "go mod download",
	Writes: "the module cache ($GOMODCACHE); go.mod fixes and go.sum lines needed to load the module graph (every Go " +
		"version), and with Go 1.16 and older the sums of every module it downloads",
	Hoist: "never moves: whether go.mod and go.sum are complete depends on the module graph, which is not in the context; " +
		"the second run is a no-op on a warm cache",
	Move: func(WriteCheck) string {
		return "`go mod download` may add go.sum lines and fix go.mod (what it needs to load the module graph, which is not in the context), and the COPY would bring the originals back"
	},
}

func goKind(args []*syntax.Word, sub string) Kind {
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

func matchGo(_ string, args []*syntax.Word) *Install {
	sub, si := Sub(args)
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
	cl := goTool.Command.Parse(args, si+1)
	for _, p := range cl.Pos {
		if v, _ := litWord(args[p]); strings.Contains(v, "@") {
			return nil // a remote install: no go.mod involved
		}
	}
	if o, ok := cl.Get("-mod"); ok && o.Value == "vendor" {
		return &Install{Ignore: true}
	}
	if cl.Has("-modfile", "-C") {
		return &Install{Source: "the build names another go.mod or folder"}
	}
	if sub == "mod" {
		// `go mod download` may write go.mod and go.sum (goModDownload).
		return &Install{Same: true, Dep: Same, Writes: goModDownload, Lock: []string{"go.sum"}, Fetch: true}
	}
	return &Install{Dep: func(t Text) string { return t.UpTo(0) + " mod download" }}
}

var goReplaceLocal = regexp.MustCompile(`(?m)=>\s*(\./|\.\./|/)`)

func goSource(v Context, _ *Install, dir string) string {
	if v.Exists(path.Join(dir, "vendor/modules.txt")) {
		return Ignored
	}
	if goReplaceLocal.MatchString(v.Read(path.Join(dir, "go.mod"))) {
		return "go.mod replaces a module with a local folder"
	}
	for d := dir; v.Under(d); d = path.Dir(d) {
		if v.Exists(path.Join(d, "go.work")) {
			return "a go.work workspace uses other modules of the source"
		}
		if d == "." || d == "/" || d == "" {
			break
		}
	}
	return ""
}

// goClean is `go clean` with nothing but -cache, -modcache, -testcache
// and -fuzzcache.
func goClean(inv Inv) bool {
	args := inv.Args()
	if len(args) < 2 || args[0] != "clean" {
		return false
	}
	for _, a := range args[1:] {
		switch strings.TrimLeft(a, "-") {
		case "cache", "modcache", "testcache", "fuzzcache":
		default:
			return false
		}
	}
	return true
}

// goCleanEmpties: -modcache removes the module cache with its folder;
// -cache, -testcache and -fuzzcache empty the build cache and keep it.
func goCleanEmpties(inv Inv) (empties, removes []int) {
	for _, a := range inv.Args()[1:] {
		switch strings.TrimLeft(a, "-") {
		case "modcache":
			empties, removes = append(empties, 0), append(removes, 0)
		default:
			if !containsInt(empties, 1) {
				empties = append(empties, 1)
			}
		}
	}
	return empties, removes
}

func containsInt(list []int, n int) bool {
	for _, x := range list {
		if x == n {
			return true
		}
	}
	return false
}

func vetoGoCacheOff(_ Stage, inv Inv) string {
	if v, ok := inv.Env("GOCACHE"); ok && v == "off" {
		return "GOCACHE=off"
	}
	return ""
}
