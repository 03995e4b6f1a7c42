package cacheplan

import (
	"path"
	"strings"

	"github.com/dfopt/dfopt/pkg/knowledge/tools"
	"github.com/dfopt/dfopt/pkg/transform"

	"github.com/dfopt/dfopt/pkg/ast"
)

// This file answers, for other packages (dfopt verify), two questions the
// rules' tables already know: which commands of a RUN download
// dependencies, and which context files are dependency manifests. It adds
// no knowledge of its own beyond the file-name patterns at the end.

// DepWork is what one command of a RUN does about dependencies.
type DepWork struct {
	Command string // the program, as written: "apt-get", "npm", "go"
	// Ecosystem is the table row: a row of Ecosystems ("npm", "go", …), of
	// the system rows of Managers ("apt", "apk", …), or the program for the
	// other installers KindDeps knows (gem, conda, …).
	Ecosystem string
	// Implicit marks a build command that downloads the dependencies it
	// lacks on the way: the commands of the ecosystem table whose
	// dependency-only form is another command (`go build` → `go mod
	// download`, `cargo build` → `cargo fetch`, `mvn package` →
	// `dependency:go-offline`, `gradle build` → `gradle dependencies`,
	// `dotnet build` → `dotnet restore`). It downloads nothing when an
	// earlier step of the stage already ran that ecosystem's explicit
	// install. Explicit installs and fetches have it false.
	Implicit bool
}

// DependencyWork lists the commands of a RUN that download dependencies,
// in order:
//   - system packages: an invocation of a system row of Managers that uses
//     its cache (install, update, upgrade, …; not clean);
//   - language dependencies: a command RunKind counts as KindDeps (npm ci,
//     pip install, go mod download, cargo fetch, bundle install, …);
//   - implicit downloads: a KindBuild command that the ecosystem table
//     recognises as an install whose dependency-only form differs, and
//     does not mark as needing nothing (`go build -mod=vendor`, `dotnet
//     build --no-restore` download nothing).
func DependencyWork(sc *ast.Script) []DepWork {
	if sc == nil {
		return nil
	}
	var out []DepWork
	for i := range sc.Commands {
		cmd := sc.Commands[i]
		if invs := FindInvocations(nil, []ast.Command{cmd}); len(invs) == 1 && invs[0].Manager.System {
			if !invs[0].IsClean() {
				out = append(out, DepWork{Command: ProgBase(invs[0].Prog), Ecosystem: invs[0].Manager.Name})
			}
			continue
		}
		if cmd.Call == nil {
			continue
		}
		name, _, ok := transform.CallName(cmd.Call)
		if !ok {
			continue
		}
		switch transform.CallKind(cmd.Call) {
		case transform.KindDeps:
			eco := name
			if e := transform.EcosystemOfTool(name); e != nil {
				eco = e.Name
			} else if isPython(name) {
				eco = "pip"
			}
			out = append(out, DepWork{Command: name, Ecosystem: eco})
		case transform.KindBuild:
			if in := transform.Recognise(cmd.Call); in != nil && !in.Ignore && !in.Same {
				out = append(out, DepWork{Command: name, Ecosystem: in.Eco.Name, Implicit: true})
			}
		}
	}
	return out
}

// DependencyManifests lists the file names dependency installs read, the
// ones people edit first: each tool's first required manifest, then the
// other required and optional files and the other manifests of the tools
// (pkg/knowledge/tools).
func DependencyManifests() []string { return tools.Manifests() }

// IsDependencyManifest reports whether a context path (slash-separated)
// is a dependency manifest (by name or by a tool's pattern) or lies in a
// folder the tools list (`.mvn/…`, `.yarn/releases/…`).
func IsDependencyManifest(rel string) bool {
	rel = transform.Clean(rel)
	base := path.Base(rel)
	for _, p := range tools.ManifestPatterns() {
		prefix, suffix, star := strings.Cut(p, "*")
		if !star {
			prefix, suffix = "", p
		}
		if strings.HasPrefix(base, prefix) && strings.HasSuffix(base, suffix) {
			return true
		}
	}
	for _, m := range DependencyManifests() {
		if rel == m || base == m || strings.HasPrefix(rel, m+"/") || strings.Contains(rel, "/"+m+"/") {
			return true
		}
	}
	return false
}
