package multistage

import (
	"path"
	"strings"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/transform"
)

// The multi-stage table: one row per pattern. A row says how to recognise
// the builder image and its build command, how to find what the build
// produced, and which runtime image receives it. Each row's functions live
// in its language's file (go.go, rust.go, java.go, dotnet.go,
// node.go, python.go); what the runtime images are and which
// packages they need is in runtime.go. The engine that uses the rows is
// multistage.go and the ms_*.go files of its steps.

// msPattern is one row of the multi-stage table.
type msPattern struct {
	Key      string // option key: runtime-image.<Key>
	Lang     string
	Build    string // the build command(s) it recognises, for messages
	Saving   string // what the runtime image no longer ships
	Image    func(r transform.ImageRef) bool
	Classify func(c *msCmd) msClass
	// Artifacts finds what one build command produced (absolute paths in
	// the builder), or says what is missing to know it.
	Artifacts func(s *msSplit, c *msCmd) ([]msArtifact, error)
	// Runtime derives the default runtime image from the builder's reference.
	Runtime func(s *msSplit) (string, error)

	BuildEnv     []string // ENV keys only the build reads (a trailing * matches a prefix)
	ImageEnv     []string // variables the builder image sets and its runtime image does not
	SameImage    bool     // the runtime image is the builder image itself
	Compiled     bool     // the artifacts are self-contained: the runtime image differs
	RuntimeTools []string // programs only the builder image has (not to be run in the runtime stage)
	Managers     []string // rows of the Managers table whose Runtime programs run the toolchain
	CAcerts      bool     // the builder image has ca-certificates, which Debian/Ubuntu runtimes lack
}

var msPatterns = []*msPattern{
	{
		Key: "go", Lang: "Go", Build: "`go build` / `go install`",
		Saving: "the Go toolchain and module cache",
		Image:  msOfficial("golang"), Classify: msGoClass, Artifacts: msGoArtifacts, Runtime: msGoRuntime,
		BuildEnv: []string{"CGO_*", "GO111MODULE", "GOAMD64", "GOARCH", "GOARM", "GOBIN", "GOCACHE", "GOEXPERIMENT", "GOFLAGS", "GOINSECURE", "GOMODCACHE", "GONOPROXY", "GONOSUMDB", "GOOS", "GOPATH", "GOPRIVATE", "GOPROXY", "GOSUMDB", "GOTOOLCHAIN", "GOWORK", "CC", "CXX"},
		ImageEnv: []string{"GOPATH", "GOLANG_VERSION", "GOTOOLCHAIN"},
		Compiled: true, CAcerts: true, RuntimeTools: []string{"go", "gofmt"}, Managers: []string{"go"},
	},
	{
		Key: "rust", Lang: "Rust", Build: "`cargo build` / `cargo install`",
		Saving: "the Rust toolchain and the target/ build cache",
		Image:  msOfficial("rust"), Classify: msRustClass, Artifacts: msRustArtifacts, Runtime: msRustRuntime,
		BuildEnv: []string{"CARGO_*", "RUSTFLAGS", "RUSTDOCFLAGS", "RUSTC_WRAPPER", "RUSTUP_*", "CC", "CXX"},
		ImageEnv: []string{"CARGO_HOME", "RUSTUP_HOME", "RUST_VERSION"},
		Compiled: true, CAcerts: true, RuntimeTools: []string{"cargo", "rustc", "rustup"}, Managers: []string{"cargo"},
	},
	{
		Key: "java", Lang: "Java", Build: "`mvn package` / `gradle build`",
		Saving: "the JDK, the build tool and its dependency cache",
		Image:  msJavaImage, Classify: msJavaClass, Artifacts: msJavaArtifacts, Runtime: msJavaRuntime,
		BuildEnv: []string{"MAVEN_OPTS", "MAVEN_CONFIG", "MAVEN_ARGS", "GRADLE_OPTS", "GRADLE_USER_HOME"},
		ImageEnv: []string{"MAVEN_HOME", "MAVEN_CONFIG", "GRADLE_HOME", "GRADLE_VERSION", "MAVEN_VERSION"},
		Compiled: true, RuntimeTools: []string{"mvn", "mvnw", "gradle", "gradlew", "javac", "jar"}, Managers: []string{"maven", "gradle"},
	},
	{
		Key: "dotnet", Lang: ".NET", Build: "`dotnet publish -o DIR`",
		Saving: "the .NET SDK and the NuGet cache",
		Image:  msDotnetImage, Classify: msDotnetClass, Artifacts: msDotnetArtifacts, Runtime: msDotnetRuntime,
		BuildEnv: []string{"DOTNET_CLI_TELEMETRY_OPTOUT", "DOTNET_SKIP_FIRST_TIME_EXPERIENCE", "DOTNET_NOLOGO", "NUGET_*", "DOTNET_CLI_*"},
		ImageEnv: []string{"DOTNET_SDK_VERSION", "NUGET_XMLDOC_MODE", "POWERSHELL_DISTRIBUTION_CHANNEL", "DOTNET_GENERATE_ASPNET_CERTIFICATE", "DOTNET_USE_POLLING_FILE_WATCHER"},
		Compiled: true, RuntimeTools: []string{"msbuild", "nuget", "pwsh"}, Managers: []string{"dotnet"},
	},
	{
		Key: "node", Lang: "Node", Build: "`npm run build` (yarn, pnpm)",
		Saving: "devDependencies and the build's inputs and caches",
		Image:  msOfficial("node"), Classify: msNodeClass, Artifacts: msNodeArtifacts, Runtime: msSameRuntime,
		SameImage: true,
	},
	{
		Key: "python", Lang: "Python", Build: "`pip install` with a C toolchain",
		Saving: "the C toolchain and -dev headers",
		Image:  msOfficial("python"), Classify: msPythonClass, Artifacts: msPythonArtifacts, Runtime: msSameRuntime,
		SameImage: true,
	},
}

// msOfficial recognises a Docker Hub official image by name, whatever the
// registry spelling (docker.io/library/…, a library mirror), tag or digest.
// Windows variants are set aside before the table is consulted; ONBUILD
// variants fail at the runtime image.
func msOfficial(name string) func(transform.ImageRef) bool {
	return func(r transform.ImageRef) bool {
		n, _, ok := r.Official()
		return ok && n == name
	}
}

func msHas(list []string, w string) bool {
	for _, x := range list {
		if x == w {
			return true
		}
	}
	return false
}

// msEnvKeyMatches reports whether key is in a BuildEnv list.
func msEnvKeyMatches(list []string, key string) bool {
	for _, k := range list {
		if k == key || strings.HasSuffix(k, "*") && strings.HasPrefix(key, k[:len(k)-1]) {
			return true
		}
	}
	return false
}

// installs reports whether the stage installs one of the packages.
func (s *msSplit) installs(names ...string) bool {
	for _, pl := range s.pl {
		for _, c := range pl.cmds {
			if n := c.name(); n != "apt-get" && n != "apt" && n != "apk" {
				continue
			}
			_, pkgs, _ := msPackageArgs(c)
			for _, p := range pkgs {
				p, _, _ = strings.Cut(p, "=")
				if msHas(names, p) {
					return true
				}
			}
		}
	}
	return false
}

func msIndexOf(pls []*msPlan, in *ast.Instruction) int {
	for i, pl := range pls {
		if pl.ins == in {
			return i
		}
	}
	return len(pls)
}

func msGlobMatch(pattern, p string) bool {
	ok, err := path.Match(pattern, p)
	return err == nil && ok
}
